"""The default answerer, the citation check and bad input."""

from __future__ import annotations

import pytest
from test_retrieval import NO_SALE, SCRAPING, TERMINATE

from assistant.citations import CitationError, verify
from assistant.types import Answer, Citation
from corpus.errors import BadInput


def test_answer_opens_with_what_the_clause_says(fixture_assistant):
    """Without the trained model (the fast tier) no yes/no lead is given: the answer starts
    with the clause's words (tests/test_answer_stages.py covers the gate)."""
    ans = fixture_assistant.ask("Can Streamly terminate my account without notice?")
    assert ans.text.startswith("From Streamly's Terms of Service [1]: “Streamly may suspend or "
                               "terminate your account at any time, without notice,")
    c = ans.citations[0]
    assert (c.record_id, c.platform, c.document) == (TERMINATE, "Streamly", "Terms of Service")
    assert c.quote == ("Streamly may suspend or terminate your account at any time, without "
                       "notice, if we believe you have breached these Terms.")
    assert c.section == "1. Your Account > Termination"


def test_a_denial_is_quoted_without_a_lead(fixture_assistant):
    ans = fixture_assistant.ask("Does Streamly sell my personal data?")
    assert ans.lead == "" and ans.text.startswith("From Streamly's Privacy Policy [1]: “")
    assert [c.record_id for c in ans.citations][:1] == [NO_SALE]
    assert ans.citations[0].quote == "Streamly does not sell your personal data to anyone."


def test_prohibition_in_a_list_is_cited(fixture_assistant):
    ans = fixture_assistant.ask("Can I use a scraper on Learnify?")
    assert not ans.text.startswith(("Yes", "No"))
    assert ans.citations[0].record_id == SCRAPING


def test_quotes_are_exact_substrings_with_offsets(fixture_assistant):
    ans = fixture_assistant.ask("Does Streamly use cookies?")
    hits = {h.record_id: h for h in ans.evidence}
    for c in ans.citations:
        assert hits[c.record_id].text[c.start:c.end] == c.quote


def test_unaddressed_question_abstains_and_says_what_was_searched(fixture_assistant):
    ans = fixture_assistant.ask("What is on the cafeteria menu at Streamly?")
    assert ans.abstained and ans.citations == []
    assert ans.text == ("The documents do not appear to address this question. Searched: "
                        "Streamly; all document types (8 clauses).")


def test_check_rejects_a_citation_that_was_not_retrieved(fixture_assistant):
    """An answerer that cites a record it did not retrieve is stopped by the check."""
    ans = fixture_assistant.ask("Does Streamly sell my personal data?")
    retrieved = ans.evidence
    other = fixture_assistant.store.clause(SCRAPING)  # exists, but was not retrieved here
    assert SCRAPING not in {h.record_id for h in retrieved}
    forged = Answer("x", [Citation(SCRAPING, "Learnify", "Terms of Service", "",
                                   other.text[:20], 0, 20)], retrieved)
    with pytest.raises(CitationError, match="not among the retrieved"):
        verify(forged, retrieved)


def test_check_rejects_a_quote_that_is_not_in_the_record(fixture_assistant):
    ans = fixture_assistant.ask("Does Streamly sell my personal data?")
    c = ans.citations[0]
    bent = Citation(c.record_id, c.platform, c.document, c.section,
                    "Streamly sells your personal data.", c.start, c.end)
    with pytest.raises(CitationError, match="not the text"):
        verify(Answer("x", [bent], ans.evidence), ans.evidence)


def test_assistant_verifies_whatever_the_answerer_returns(fixture_assistant, monkeypatch):
    """Swap in an answerer that cites something else: ask() must refuse its answer."""
    a = fixture_assistant
    real = a.answerer

    class Liar:
        thresholds = real.thresholds

        def answer(self, question, hits, searched, platform_words=frozenset()):
            return Answer("Yes [1]", [Citation("streamly-zzzz-zzzz-zzzz", "Streamly", "ToS", "",
                                               "made up", 0, 7)], hits)

    monkeypatch.setattr(a, "_answerer", Liar())
    with pytest.raises(CitationError):
        a.ask("Does Streamly sell my personal data?")


@pytest.mark.parametrize("question,message", [
    ("", "empty"), ("   \n\t ", "empty"), ("x" * 2001, "limit is 2000"),
    ("\x00\x01\x02", "control characters"),
])
def test_bad_questions(fixture_assistant, question, message):
    with pytest.raises(BadInput, match=message):
        fixture_assistant.ask(question)


def test_control_characters_inside_a_question_are_removed(fixture_assistant):
    ans = fixture_assistant.ask("Does Streamly\x07 sell my personal data?")
    assert ans.citations[0].record_id == NO_SALE


def test_no_index_yet_says_which_command_builds_it(tmp_path):
    from assistant.core import Assistant
    from assistant.settings import Settings
    from corpus.errors import IndexMissing

    a = Assistant(Settings.from_env(data_dir=tmp_path / "empty", embedder="hash"))
    with pytest.raises(IndexMissing, match="policy-assistant ingest"):
        a.ask("Can Streamly terminate my account?")
