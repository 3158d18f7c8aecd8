"""Conversation on the fixture corpus: exact focus and citations at every turn, routing,
comparison with a platform that lacks the topic, and the session's JSON round trip."""

from __future__ import annotations

import pytest
from test_retrieval import APPEAL, MODERATION, NO_SALE, SCRAPING, TERMINATE

from assistant.chat import Session, resolve

SCRIPT = [
    # message, route, focus shown, cited record IDs
    ("Can Streamly terminate my account without notice?", "ask",
     "Searching Streamly for: terminate my account without notice", [TERMINATE]),
    ("and Learnify?", "ask",
     "Searching Learnify for: terminate my account without notice", []),
    ("which of them lets me appeal?", "compare",
     "Comparing Streamly and Learnify on: lets me appeal", [APPEAL]),
    ("Compare Streamly, Learnify and Chatterbox on appeals", "compare",
     "Comparing Streamly and Learnify and Chatterbox on: appeals", [APPEAL, MODERATION]),
    ("Does Streamly sell my personal data?", "ask",
     "Searching Streamly for: sell my personal data", [NO_SALE]),
    ("Can I use a scraper on Learnify?", "ask", "Searching Learnify for: I use a scraper",
     [SCRAPING]),
]


def test_scripted_conversation(fixture_assistant):
    session = Session()
    for message, route, focus, cited in SCRIPT:
        answer = fixture_assistant.chat(session, message)
        assert (answer.route, answer.focus) == (route, focus), message
        assert [c.record_id for c in answer.citations] == cited, message
        assert answer.meta["route"] == route


def test_follow_up_keeps_topic_and_pronoun_keeps_platforms(fixture_assistant):
    s = Session()
    fixture_assistant.chat(s, "Can Streamly terminate my account without notice?")
    a2 = fixture_assistant.chat(s, "and Chatterbox?")
    assert a2.meta["kept_topic"] and not a2.meta["kept_platforms"]
    assert s.platforms == ["chatterbox"] and s.topic == "terminate my account without notice"
    a3 = fixture_assistant.chat(s, "do they let me appeal?")
    assert a3.meta["kept_platforms"] and a3.route == "compare"
    assert a3.platforms == ("streamly", "chatterbox")


def test_comparison_row_for_a_platform_without_the_topic(fixture_assistant):
    ans = fixture_assistant.compare("selling personal data", ["Streamly", "Chatterbox"])
    assert [(r.platform, r.addressed, r.record_id) for r in ans.table] == [
        ("Streamly", True, NO_SALE), ("Chatterbox", False, "")]
    assert "| Chatterbox | — | not addressed in Terms of Service | — |" in ans.text
    assert "Not addressed in the documents of Chatterbox." in ans.text


def test_session_json_round_trip(fixture_assistant):
    s = Session()
    fixture_assistant.chat(s, "Does Streamly sell my personal data?")
    fixture_assistant.chat(s, "and Learnify?")
    back = Session.from_json(s.to_json())
    assert back == s
    # the restored session carries the conversation on
    ans = fixture_assistant.chat(back, "what about cookies?")
    assert ans.focus == "Searching Learnify for: cookies"


class _Matcher:
    names = {"streamly": "Streamly", "learnify": "Learnify"}

    def find_spans(self, text):
        out = []
        for pid, name in self.names.items():
            i = text.lower().find(name.lower())
            if i >= 0:
                out.append((pid, i, i + len(name)))
        return sorted(out, key=lambda t: t[1])


@pytest.mark.parametrize("message,route", [
    ("show me streamly-bf7b-32gp-7whs", "record"),
    ("streamly-bf7b-32gp-7whs", "record"),
    ("help", "help"),
    ("What can you do?", "help"),
    ("Streamly versus Learnify on cookies", "compare"),
    ("Does Streamly or Learnify use cookies?", "compare"),
    ("Does Streamly use cookies?", "ask"),
    ("Compare cookies", "ask"),  # "compare" with one platform or none is still a question
    ("Why does the record streamly-bf7b-32gp-7whs matter", "record"),
    ("Which platforms sell data?", "ask"),
])
def test_routing(message, route):
    assert resolve(Session(), message, _Matcher()).route == route


def test_topic_only_follow_up_keeps_platforms_unless_asked_across_platforms():
    s = Session(platforms=["streamly"], mentioned=["streamly"], topic="cookies",
                question="Does use cookies?")
    assert resolve(s, "what about data retention?", _Matcher()).platforms == ["streamly"]
    assert resolve(s, "Which platforms keep data forever?", _Matcher()).platforms == []


def test_record_route_shows_the_record(fixture_assistant):
    ans = fixture_assistant.chat(Session(), f"show me {TERMINATE}")
    assert ans.route == "record" and ans.citations[0].record_id == TERMINATE
    assert ans.citations[0].quote == fixture_assistant.store.clause(TERMINATE).text
