"""Change questions and dated questions over the three-version Videomeet fixture."""

from __future__ import annotations

import pytest

from assistant.changes_qa import (
    ChangeParts,
    answer_change_question,
    topic_terms,
)
from assistant.citations import verify
from assistant.dates import DateRange, extract_dates, strip_dates
from assistant.router import is_change_question
from corpus import changes as ch
from tests.conftest import build_assistant
from tests.history_fixture import (
    FIXTURE_HISTORY,
    OPT_OUT,
    TERMINATE,
    TRIAL_7,
    TRIAL_30,
    USE_NEW,
    USE_OLD,
    V1,
    V2,
    V3,
)


@pytest.fixture(scope="module")
def a(tmp_path_factory):
    return build_assistant(tmp_path_factory.mktemp("qa-data"), sources=[FIXTURE_HISTORY])


def change_id(a, to_date: str, kind: str) -> str:
    return next(r.change_id for r in ch.changes_for(a.store, "Videomeet")
                if r.to_date == to_date and r.kind == kind)


@pytest.mark.parametrize("question", [
    "What changed in Zoom's terms in August 2023?",
    "Did Coursera's free trial terms change?",
    "Has Discord's termination clause changed since 2022?",
    "What's new in Spotify's privacy policy?",
    "Is Zoom still allowed to use my data for AI since 2023?",
    "Can I still get a refund from Coursera after the 2024 update?",
    "When did Reddit change its API terms?",
    "Were there any changes to the arbitration clause?",
])
def test_change_questions_are_recognised(question):
    assert is_change_question(question)


@pytest.mark.parametrize("question", [
    "Could Zoom use my content for AI in July 2023?",
    "How do I change my email address on Coursera?",
    "Can Coursera suspend my account?",
    "Can I change my username on Discord?",
    "Does Spotify sell my data?",
    "Can Spotify still use my data after I delete my account?",
    "What happens if I no longer want my Zoom account?",
    "What is the difference between Spotify and Deezer on refunds?",
])
def test_other_questions_are_not(question):
    assert not is_change_question(question)


@pytest.mark.parametrize("question,start,end,phrase", [
    ("What changed in Zoom's terms in August 2023?", "2023-08-01", "2023-08-31",
     "in August 2023"),
    ("Has Discord's termination clause changed since 2022?", "2022-01-01", "", "since 2022"),
    ("Could Zoom use my content for AI in July 2023?", "2023-07-01", "2023-07-31",
     "in July 2023"),
    ("What did it say on 7 August 2023?", "2023-08-07", "2023-08-07", "on 7 August 2023"),
    ("What did it say on August 7, 2023?", "2023-08-07", "2023-08-07", "on August 7, 2023"),
    ("as of 2023-08-11", "2023-08-11", "2023-08-11", "as of 2023-08-11"),
    ("changes before March 2021", "", "2021-02-28", "before March 2021"),
    ("changes after August 2023", "2023-09-01", "", "after August 2023"),
    ("between 2022 and 2024", "2022-01-01", "2024-12-31", "between 2022 and 2024"),
    ("in Feb 2024", "2024-02-01", "2024-02-29", "in Feb 2024"),
])
def test_dates_in_questions(question, start, end, phrase):
    assert extract_dates(question) == DateRange(start, end, phrase)


def test_no_date_and_impossible_dates():
    assert extract_dates("Did Coursera's free trial terms change?") is None
    assert extract_dates("on 31 February 2023") is None  # no such day: no date guessed
    d = extract_dates("Could Zoom use my content for AI in July 2023?")
    assert d.as_of == "2023-07-31"
    assert strip_dates("Could Zoom use my content for AI in July 2023?", d) == (
        "Could Zoom use my content for AI?")
    assert DateRange("2022-01-01", "").as_of == "2022-01-01"


def test_topic_is_what_is_left_after_platform_dates_and_change_words():
    q = "Has Discord's termination clause changed since 2022?"
    assert topic_terms(q, ["Discord"], extract_dates(q)) == ["termin"]
    q = "What changed in Zoom's terms in August 2023?"
    assert topic_terms(q, ["Zoom"], extract_dates(q)) == []
    assert topic_terms("Did Coursera's free trial terms change?", ["Coursera"], None) == [
        "free", "trial"]


def test_what_changed_in_a_month(a):
    ans = a.ask("What changed in Videomeet's terms in August 2023?")
    assert ans.route == "changes" and not ans.abstained
    assert set(ans.meta["change_ids"]) == {change_id(a, V2, "modified"),
                                           change_id(a, V2, "added"),
                                           change_id(a, V2, "moved")}
    assert ans.meta["formatting_only"] == 2
    assert [(c.n, c.record_id, c.quote) for c in ans.citations] == [
        (1, USE_OLD, "Videomeet may use Customer Content only to provide and operate the "
                     "meeting service for you."),
        (2, USE_NEW, "Videomeet may use Customer Content to provide the meeting service for you "
                     "and to train our artificial intelligence models."),
        (3, OPT_OUT, "You can turn off the use of your Customer Content for artificial "
                     "intelligence training in your account settings."),
    ]
    assert ans.text.startswith(
        "Videomeet's Terms of Service in August 2023: 2 change(s) of wording between tracked "
        "versions 2023-03-01 → 2023-08-10; 2 formatting-only change(s) not listed.")
    assert change_id(a, V2, "modified") in ans.text
    verify(ans, ans.evidence)


def test_a_topic_change_cites_old_and_new_clause(a):
    ans = a.ask("Did Videomeet's free trial terms change?")
    assert ans.meta["change_ids"] == [change_id(a, V3, "modified")]
    assert [c.record_id for c in ans.citations] == [TRIAL_30, TRIAL_7]
    assert "Modified “4. Free Trial”: now says “7” (was “30”)" in ans.text
    assert ("    means: number changed (Medium) — Changes a duration in “4. Free Trial”: “free "
            "trial of 30 days” becomes “free trial of 7 days”") in ans.text.splitlines()
    assert "about “free trial”" in ans.text


def test_no_change_says_so_and_cites_the_unchanged_clause(a):
    ans = a.ask("Has Videomeet's termination clause changed since 2023?")
    assert ans.meta["change_ids"] == []
    assert ans.text.startswith("No tracked version of Videomeet's documents shows a change of "
                               "wording about “termination” since 2023")
    assert [c.record_id for c in ans.citations] == [TERMINATE]
    assert f"reads the same in the tracked versions of {V1}, {V2}, {V3}" in ans.text


def test_a_period_without_changes(a):
    ans = a.ask("What changed in Videomeet's terms in 2022?")
    assert ans.abstained and ans.citations == [] and ans.meta["change_ids"] == []
    assert "No tracked version of Videomeet's Terms of Service shows a change of wording in " \
           "2022" in ans.text


def test_explicit_platform_and_range_override_the_question(a):
    parts = ChangeParts(a.store, a.platform_names(), a.retrieve, a.answerer)
    ans = answer_change_question(parts, "What changed?", ["videomeet"],
                                 DateRange("2024-01-01", "2024-12-31"))
    assert set(ans.meta["change_ids"]) == {change_id(a, V3, "modified"),
                                           change_id(a, V3, "removed")}
    assert {c.record_id for c in ans.citations} == {TRIAL_30, TRIAL_7, OPT_OUT}


def test_no_platform_asks_which(a):
    ans = a.ask("What changed last month?")
    assert ans.abstained and ans.text == (
        "Which platform do you mean? Older versions are tracked for: Videomeet.")


def test_a_dated_question_answers_from_the_version_in_force(a):
    ans = a.ask(
        "Could Videomeet use my customer content to train artificial intelligence in "
           "July 2023?")
    assert ans.route == "dated" and ans.meta["as_of"] == "2023-07-31"
    assert ans.text.startswith("Versions in force on 2023-07-31: Videomeet Terms of Service of "
                               "2023-03-01.")
    cited = {c.record_id for c in ans.citations}
    assert USE_OLD in cited and USE_NEW not in cited
    later = a.ask(
        "Could Videomeet use my customer content to train artificial intelligence in "
           "September 2023?")
    assert USE_NEW in {c.record_id for c in later.citations}
    assert USE_OLD not in {c.record_id for c in later.citations}


def test_a_date_before_the_archive(a):
    ans = a.ask("Could Videomeet end my free trial early in 2020?")
    assert ans.text.startswith("No tracked version of these documents was in force on "
                               "2020-12-31")
    assert ans.citations == []


def test_abbreviations_are_spelled_out_for_retrieval(a):
    from assistant.changes_qa import expand_abbreviations

    assert expand_abbreviations("Can they use my content for AI?") == (
        "Can they use my content for AI (artificial intelligence)?")
    assert expand_abbreviations("Is it fair?") == "Is it fair?"  # 'ai' only as a word
    ans = a.ask("Could Videomeet use my content for AI in September 2023?")
    assert {c.record_id for c in ans.citations} & {USE_NEW, OPT_OUT}


def test_a_dated_question_keeps_the_stages_it_was_asked_with(a, monkeypatch):
    """An eval's ablation column (e.g. without the trained model) reaches the versions in
    force too, not only plain questions."""
    from assistant import FUSED, RERANKED

    seen = []
    plain = type(a)._plain

    def spy(self, q, f, mode, stages):
        seen.append((f.as_of, stages))
        return plain(self, q, f, mode, stages)

    monkeypatch.setattr(type(a), "_plain", spy)
    for stages in (FUSED, RERANKED):
        ans = a.ask("Could Videomeet end my free trial early in July 2023?", stages=stages)
        assert ans.route == "dated"
    assert seen == [("2023-07-31", FUSED), ("2023-07-31", RERANKED)]


def test_a_change_question_after_a_comparison_lists_each_platforms_changes(tmp_path_factory):
    from assistant.chat import Session
    from tests.conftest import FIXTURE_OTA

    both = build_assistant(tmp_path_factory.mktemp("qa-chat"), sources=[FIXTURE_HISTORY,
                                                                        FIXTURE_OTA])
    s = Session()
    first = both.chat(s, "Compare Videomeet and Streamly on terminating accounts")
    assert first.route == "compare"
    ans = both.chat(s, "what changed in their terms in August 2023?")
    assert (ans.route, ans.meta["platforms"]) == ("changes", ["videomeet", "streamly"])
    assert set(ans.meta["change_ids"]) == {change_id(both, V2, "modified"),
                                           change_id(both, V2, "added"),
                                           change_id(both, V2, "moved")}
    assert ans.focus == "Videomeet, Streamly; change records 2023-08-01 to 2023-08-31"
