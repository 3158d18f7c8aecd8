"""Questions about regulations ("Which of Coursera's clauses touch GDPR?") go to the regulation
map through the ordinary ask and chat routing, on the trial fixture (hash embedder)."""

from __future__ import annotations

import pytest

from assistant.chat import Session
from assistant.router import regulation_question
from tests import trial_fixture as T
from tests.conftest import FIXTURE_SOURCES, build_assistant


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    root = tmp_path_factory.mktemp("regulations")
    return build_assistant(root / "data", sources=[*FIXTURE_SOURCES, T.write(root / "ota")])


def test_which_clauses_touch_gdpr(assistant):
    a = assistant.ask("Which of Coursera's clauses touch GDPR?")
    assert (a.route, a.abstained) == ("regulation", False)
    assert [c.record_id for c in a.citations] == [T.rid(T.CONDUCT)]
    assert a.citations[0].quote == T.CONDUCT
    lines = a.text.splitlines()
    assert lines[0] == (
        "Coursera: 1 of 5 current clauses engage GDPR (General Data Protection Regulation, "
        "Regulation (EU) 2016/679; European Union / EEA). This lists the rules a clause "
        "engages: the laws that govern what the clause is about, picked from its category and "
        "the words it uses. It is not a legal determination of whether the clause complies with "
        "them, applies to a given user or is enforceable.")
    assert lines[-1] == (
        f"[1] Coursera, Terms of Service — 3. Prohibited Conduct: “{T.CONDUCT}” "
        f"({T.rid(T.CONDUCT)}) — Art. 5, Art. 6; engaged by attribute personal-data "
        "(“personally identifiable information”)")
    assert a.meta["record_ids"] == [T.rid(T.CONDUCT)]


def test_auto_renewal_clauses_touch_rosca(assistant):
    a = assistant.ask("Which Coursera terms are subject to ROSCA?")
    assert a.route == "regulation"
    assert sorted(c.record_id for c in a.citations) == sorted(
        [T.rid(T.TRIAL_NEW), T.rid(T.CANCEL_NEW)])
    by_id = {c.record_id: c.quote for c in a.citations}
    assert by_id[T.rid(T.TRIAL_NEW)] == ("Certain subscriptions may come with a free trial "
                                          "period.")
    assert by_id[T.rid(T.CANCEL_NEW)] == "Your subscription renews automatically each month."


def test_no_clause_engages_it(assistant):
    a = assistant.ask("Which of Coursera's clauses engage COPPA?")
    assert (a.route, a.abstained, a.citations) == ("regulation", True, [])
    assert a.text.startswith("Coursera: none of 5 current clauses engages COPPA")


def test_without_a_platform_it_asks_which(assistant):
    a = assistant.ask("Which clauses touch the GDPR?")
    assert (a.route, a.abstained) == ("regulation", True)
    assert a.text == ("Which platform's clauses? Ask for example \"Which of Coursera's clauses "
                      "touch GDPR?\"")


def test_in_a_conversation(assistant):
    s = Session()
    a = assistant.chat(s, "Which of Coursera's clauses touch the CFAA?")
    assert a.meta["regulation"] == "cfaa"  # the chat labels the turn with its own route
    assert [c.record_id for c in a.citations] == [T.rid(T.CONDUCT)]
    assert s.platforms == ["coursera"]


def test_other_questions_are_not_routed(assistant):
    assert regulation_question("Can Coursera suspend my account?") is None
    assert regulation_question("What is the dsa?") is None  # "DSA" only as written
    assert assistant.ask("Can Coursera suspend my account?").route != "regulation"
