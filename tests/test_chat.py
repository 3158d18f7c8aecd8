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

    def unknown_spans(self, text, known=None):
        return []


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


_KEEPS = "terminate my account without notice"


@pytest.mark.parametrize("message", [
    "and how does Learnify handle that?",
    "How does Learnify deal with this?",
    "Does Learnify do that too?",
    "Is that also true for Learnify?",
    "Does Learnify have a similar clause?",
    "What's Learnify's position on this?",
    "what are Learnify's rules on that?",
    "Does the same apply to Learnify?",
    "How does that work at Learnify?",
    "What does Learnify's privacy policy say about this?",
    "And Learnify's approach?",
])
def test_follow_up_pointing_back_keeps_the_topic(message):
    s = Session(platforms=["streamly"], mentioned=["streamly"], topic=_KEEPS,
                question="Can terminate my account without notice?")
    res = resolve(s, message, _Matcher(), ["Privacy Policy", "Terms of Service"])
    assert (res.platforms, res.topic, res.kept_topic) == (["learnify"], _KEEPS, True)
    assert res.doc_types == (["Privacy Policy"] if "privacy policy" in message else [])
    assert res.question == "Can terminate my account without notice?"


@pytest.mark.parametrize("message,topic", [
    ("How does Learnify handle refunds?", "handle refunds"),
    ("Can I use Learnify for work?", "I use for work"),  # "work" is a topic without a pointer
    ("What's Learnify's address?", "address"),
    ("What's the minimum age on Learnify?", "the minimum age"),
    ("Does Learnify track my location too?", "track my location too"),
])
def test_follow_up_with_a_topic_of_its_own_replaces_it(message, topic):
    s = Session(platforms=["streamly"], mentioned=["streamly"], topic=_KEEPS,
                question="Can terminate my account without notice?")
    res = resolve(s, message, _Matcher())
    assert (res.platforms, res.topic, res.kept_topic) == (["learnify"], topic, False)


def test_handle_that_follow_up_searches_the_kept_question(fixture_assistant):
    s = Session()
    fixture_assistant.chat(s, "Can Streamly terminate my account without notice?")
    a2 = fixture_assistant.chat(s, "and how does Streamly handle that?")
    assert a2.focus == "Searching Streamly for: terminate my account without notice"
    assert [c.record_id for c in a2.citations] == [TERMINATE]


def test_a_service_the_corpus_lacks_is_never_answered_for_the_platforms_in_focus(
        fixture_assistant):
    n = len(fixture_assistant.matcher.names)
    s = Session()
    fixture_assistant.chat(s, "Can Streamly terminate my account without notice?")
    a2 = fixture_assistant.chat(s, "and Myspace?")
    assert (a2.route, a2.focus, a2.citations) == ("missing", "Myspace: not in the corpus", [])
    assert a2.text.startswith(f"Myspace is not among the {n} platforms in this corpus")
    assert s.platforms == ["streamly"] and s.topic == _KEEPS  # the focus stays
    a3 = fixture_assistant.chat(s, "and Learnify?")
    assert a3.focus == f"Searching Learnify for: {_KEEPS}"


def test_a_comparison_with_a_service_the_corpus_lacks_says_it_was_left_out(fixture_assistant):
    n = len(fixture_assistant.matcher.names)
    s = Session()
    ans = fixture_assistant.chat(s, "Can Streamly or Slack terminate my account without notice?")
    assert (ans.route, ans.focus) == ("ask", f"Searching Streamly for: {_KEEPS}")
    assert [c.record_id for c in ans.citations] == [TERMINATE]
    assert ans.text.endswith(f"Note: Slack is not among the {n} platforms in this corpus, so it "
                             "is left out of this answer.")
    assert ans.meta["missing_platforms"] == ["Slack"]


def test_document_types_a_message_names():
    from assistant.doc_types import doc_type_spans

    kinds = ["Privacy Policy", "Business Privacy Policy", "Terms of Service",
             "Community Guidelines", "Trackers Policy"]
    assert doc_type_spans("what changed in their privacy policies?", kinds) == [
        ("Privacy Policy", 22, 38)]
    assert doc_type_spans("and in the Business Privacy Policy?", kinds) == [
        ("Business Privacy Policy", 11, 34)]
    assert doc_type_spans("their terms of use or the community guideline", kinds) == [
        ("Terms of Service", 6, 18), ("Community Guidelines", 26, 45)]
    assert doc_type_spans("the cookie policy", kinds) == [("Trackers Policy", 4, 17)]
    assert doc_type_spans("the cookie policy", ["Privacy Policy"]) == []  # not in the corpus
    assert doc_type_spans("Can they change their terms?", kinds) == []  # "terms" alone: no
    assert doc_type_spans("Does it apply to me? And the ToS?", kinds) == [
        ("Terms of Service", 29, 32)]  # the alias "tos", not the word "to"
    assert doc_type_spans("Did they make an announcement?", ["Announcement"]) == []


def test_a_document_type_follow_up_keeps_the_topic_and_narrows_the_turn(fixture_assistant):
    s = Session()
    first = fixture_assistant.chat(s, "Does Streamly sell my personal data?")
    assert [c.record_id for c in first.citations] == [NO_SALE]
    second = fixture_assistant.chat(s, "What about in the terms of service?")
    assert second.focus == ("Searching Streamly for: sell my personal data "
                            "(in Terms of Service only)")
    assert NO_SALE not in [h.record_id for h in second.evidence]  # a Privacy Policy clause
    assert {fixture_assistant.store.clause(h.record_id).doc_type
            for h in second.evidence} == {"Terms of Service"}
    third = fixture_assistant.chat(s, "and Learnify?")  # the topic keeps its document type
    assert third.focus == ("Searching Learnify for: sell my personal data "
                           "(in Terms of Service only)")
    fourth = fixture_assistant.chat(s, "Does Learnify let me appeal?")  # a new topic: all
    assert fourth.focus == "Searching Learnify for: let me appeal"
    # a question of its own that names a document is searched in every document, like `ask`
    fifth = fixture_assistant.chat(s, "Does Streamly's terms of service mention selling data?")
    assert fifth.focus == "Searching Streamly for: terms of service mention selling data"
    assert s.topic_doc_types == [] and NO_SALE in [h.record_id for h in fifth.evidence]


# Written after the rules above were fixed and not used to change them: a check on wordings
# the rules were not made from. Four of the twenty that point back still lose the topic.
_MISSED = {"Is Reddit stricter about this?", "Does Reddit say anything similar?",
           "Is it any better on Reddit?", "Does Reddit have something like that?"}
_BACK_LATER = [
    "Would Reddit do the same thing?", "Is Reddit stricter about this?", "Reddit too?",
    "What is Reddit's take?", "Can Reddit do this as well?", "Does Reddit say anything similar?",
    "How is this handled at Reddit?", "Same at Reddit?", "Does this also apply on Reddit?",
    "Any difference with Reddit?", "Reddit's version of this?", "Is it any better on Reddit?",
    "And over at Reddit?", "Does Reddit have something like that?",
    "What does Reddit do in that case?", "How does Reddit approach it?",
    "Is Reddit's rule the same?", "Does Reddit have an equivalent provision?",
    "Is that true of Reddit also?", "Where does Reddit stand on this?"]
_OWN_LATER = [
    "Does Reddit sell my data?", "Can Reddit delete my posts?",
    "How does Reddit handle copyright claims?", "Is Reddit allowed to read my messages?",
    "Does Reddit use my data for ads too?", "What is Reddit's minimum age?",
    "Does this also apply to Reddit's moderators?", "Can Reddit change its terms at any time?",
    "Does Reddit have a similar arbitration clause?", "Where is Reddit's governing law?"]


class _RedditMatcher(_Matcher):
    names = {"streamly": "Streamly", "reddit": "Reddit"}


@pytest.mark.parametrize("message", [
    pytest.param(m, marks=pytest.mark.xfail(strict=True, reason="still loses the topic"))
    if m in _MISSED else m for m in _BACK_LATER])
def test_later_wordings_that_point_back_keep_the_topic(message):
    s = Session(platforms=["streamly"], mentioned=["streamly"], topic=_KEEPS,
                question="Can terminate my account without notice?")
    assert resolve(s, message, _RedditMatcher(), ["Privacy Policy"]).kept_topic


@pytest.mark.parametrize("message", _OWN_LATER)
def test_later_wordings_with_a_topic_of_their_own_replace_it(message):
    s = Session(platforms=["streamly"], mentioned=["streamly"], topic=_KEEPS,
                question="Can terminate my account without notice?")
    assert not resolve(s, message, _RedditMatcher(), ["Privacy Policy"]).kept_topic
