"""Conversation: the platforms, document types and topic in focus carried from turn to turn,
follow-up resolution without a generative model, and routing to ask / compare / record / help.

Rules, in order:
- a record ID ("show me coursera-1a2b-...") shows that record;
- "help" / "what can you do" explains the assistant;
- platforms named in the message replace those in focus; a pronoun ("they", "them", "both",
  "their", "each") keeps the platforms in focus; a message naming no platform and no pronoun
  keeps them too unless it asks across platforms ("which platforms", "any platform") or the
  conversation is reset;
- a message with no topic of its own ("and Spotify?", "how does Spotify handle that?", "does
  Zoom have a similar clause?") keeps the topic in focus; otherwise its topic replaces it;
- two or more platforms in focus, or "compare" / "versus" / "which of" / "difference", route to
  a comparison;
- a document type named in a follow-up that keeps the topic ("what about the privacy
  policy?", "and in their terms of use?") narrows that turn and the follow-ups that keep the
  topic; a question with a topic of its own is searched in every document, as `ask` does;
- a service named that the corpus does not hold is said to be missing: alone ("and Myspace?")
  the turn answers only that; beside known platforms ("compare Zoom and Slack") they are
  answered and the answer says which was left out.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.answer import terms
from assistant.doc_types import doc_type_spans
from assistant.platforms import FOLLOW_UP_OPENING, LIST_GAP

RECORD_ID = re.compile(r"\b([a-z0-9][a-z0-9-]{0,20}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}|"
                       r"[A-Z]{2}-[A-Z]-\d{4,})\b")
_PRONOUN = re.compile(r"\b(they|them|their|theirs|both|each|either|those|these platforms|"
                      r"the same platforms)\b", re.I)
_COMPARE = re.compile(r"\b(compare|comparison|versus|vs\.?|which of|difference|differ|"
                      r"side by side)\b", re.I)
_ALL = re.compile(r"\b(which platforms|any platform|all platforms|every platform|"
                  r"in general|other platforms)\b", re.I)
_HELP = re.compile(r"^\s*(help|\?|what can you do|how do i use (this|you)|what do you do)\W*$",
                   re.I)
_FILLER = re.compile(rf"^\s*({FOLLOW_UP_OPENING})\b[\s,]*", re.I)
_FOLLOW_WORDS = frozenset(
    "and about how what compare versus vs which both them they their each either those "
    "difference differ side approach position stance view take practice practices rules "
    "counterpart equivalent version answer "
    .split()
)
# Words that ask about "that" rather than name a topic, when the message points back at the
# last turn ("how does Spotify handle that?", "is that also true for Zoom?", "does Discord have
# a similar clause?"): without such a pointer they may be the topic ("can I use Zoom for work?").
_POINTER = re.compile(r"\b(that|this|it|same|similar|similarly|too|also|likewise|as well|"
                      r"equivalent|comparable|alike)\b", re.I)
_POINTED_WORDS = frozenset(
    "handle deal treat cover address manage work stand apply true state clause provision "
    "thing case question one do mention regard matter issue point subject similar likewise "
    "too well also comparable alike go word situation section part rule say document documents"
    .split()
)
HELP_TEXT = (
    "I answer questions about the terms of service, privacy policies and other policies of "
    "online platforms, quoting the clauses and citing their record IDs.\n"
    "- Ask: \"Can Coursera suspend my account without notice?\"\n"
    "- Follow up: \"and Spotify?\" keeps the topic; \"which of them lets me appeal?\" keeps "
    "the platforms; \"what about the privacy policy?\" narrows it to one kind of document.\n"
    "- Compare: \"Compare Spotify, Zoom and Discord on data retention\".\n"
    "- Look up a record: \"show me <record ID>\".\n"
    "Every citation is a record you can open and check.")


@dataclass
class Turn:
    message: str
    route: str
    platforms: list[str]
    topic: str
    cited: list[str]


@dataclass
class Session:
    """Conversation state; serialises to JSON so a UI or a server can hold many of them."""

    platforms: list[str] = field(default_factory=list)  # searched in the last turn
    mentioned: list[str] = field(default_factory=list)  # discussed since the topic was set
    doc_types: list[str] = field(default_factory=list)
    topic: str = ""
    question: str = ""  # the last full question, platform names removed
    topic_doc_types: list[str] = field(default_factory=list)  # named with the topic in focus
    turns: list[Turn] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Session:
        data = json.loads(text) if text else {}
        turns = [Turn(**t) for t in data.pop("turns", [])]
        return cls(**data, turns=turns)

    def reset(self) -> None:
        self.platforms, self.mentioned, self.doc_types = [], [], []
        self.topic, self.question = "", ""
        self.topic_doc_types = []
        self.turns = []


@dataclass
class Resolution:
    route: str  # ask | compare | record | help | missing
    platforms: list[str]
    topic: str
    question: str
    record_id: str = ""
    kept_platforms: bool = False
    kept_topic: bool = False
    mentioned: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # services named that the corpus lacks
    doc_types: list[str] = field(default_factory=list)  # named in the message or with the topic


def strip_platforms(message: str, spans: list[tuple[str, int, int]]) -> str:
    out: list[str] = []
    last = 0
    for _, s, e in spans:
        gap = message[last:s]
        # "Spotify or Zoom", "Spotify, Zoom and Slack": nothing of the list is left between
        out.append(" " if out and LIST_GAP.fullmatch(gap) else gap)
        last = e
        if message[last:last + 2] in ("'s", "’s"):
            last += 2
    out.append(message[last:])
    text = "".join(out)
    for _ in range(3):
        text = re.sub(r"(\b(and|or)\b|,|/|&)\s*(?=(\b(and|or)\b|,|/|&|\?|$|\s+(on|about)\b))",
                      " ", text)
        text = re.sub(r"\s+", " ", text)
    return text.strip(" ,/")


def topic_of(rest: str) -> str:
    """The topic words of a message whose platform names are gone."""
    t = _FILLER.sub("", rest).strip()
    t = re.sub(r"^(what|how|who|where|when|which)['’]s\b", r"\1 is", t, flags=re.I)
    t = re.sub(r"^((can|could|does|do|did|is|are|will|would|may|might|should|has|have|what|how"
               r"|when|where|which|who)\b\s*)+", "", t, flags=re.I)  # "how does", "what is"
    t = re.sub(r"^(compare|comparison of|contrast)\b\s*", "", t, flags=re.I)
    t = re.sub(r"^(of them|of these|of those|of the two|of the three)\b\s*", "", t, flags=re.I)
    t = re.sub(r"^(say|says|said|state|states|mention|mentions|write|writes)\b\s*", "", t,
               flags=re.I)  # "what do they say about cookies"
    t = re.sub(r"^(on|about|regarding|for|in terms of|when it comes to)\b\s*", "", t,
               flags=re.I)
    t = re.sub(r"^(they|them|their|both|each|it|its)\b\s*", "", t, flags=re.I)
    t = t.strip(" ?.!,")
    t = re.sub(r"(\s+\b(on|at|in|for|with|by|from|of|about|under|to|and|or|their|its|the|"
               r"your|my)\b)+$", "", t, flags=re.I)  # "cookies in their [terms of use]"
    return t.strip(" ?.!,")


def _stemmed(words: frozenset[str]) -> frozenset[str]:
    return words | frozenset(terms(" ".join(words)))


_FOLLOW_TERMS = _stemmed(_FOLLOW_WORDS)
_POINTED_TERMS = _FOLLOW_TERMS | _stemmed(_POINTED_WORDS)


def has_topic(rest: str) -> bool:
    """Whether a message names a topic of its own, or only points back at the last one."""
    text = _FILLER.sub("", rest)
    generic = _POINTED_TERMS if _POINTER.search(text) else _FOLLOW_TERMS
    return any(w not in generic and len(w) > 1 for w in terms(text))  # "what's": "s"


def resolve(session: Session, message: str, matcher: Any,
            doc_types: list[str] | None = None) -> Resolution:
    """The route, platforms, topic and document types of a message in a conversation;
    ``doc_types``: the document types the corpus holds (those named narrow the turn)."""
    m = RECORD_ID.search(message)
    if m and (re.search(r"\b(show|open|record|display|look up|lookup)\b", message, re.I)
              or message.strip() == m.group(1)):
        return Resolution("record", session.platforms, session.topic, session.question,
                          record_id=m.group(1))
    if _HELP.match(message):
        return Resolution("help", session.platforms, session.topic, session.question)
    spans = matcher.find_spans(message)
    named: list[str] = []
    for pid, _, _ in spans:
        if pid not in named:
            named.append(pid)
    unknown = matcher.unknown_spans(message, spans)
    missing = [name for name, _, _ in unknown]
    typed = doc_type_spans(message, doc_types or [])
    named_types = list(dict.fromkeys(d for d, _, _ in typed))
    names = sorted(spans + unknown, key=lambda t: t[1])
    rest = strip_platforms(message, names)
    # a document type narrows only a follow-up with no topic but it ("what about the privacy
    # policy?"); a question of its own is searched as `ask` searches it, in every document
    # (narrowing ToS;DR's questions that name a policy lost 1 of 3 quotes held elsewhere)
    bare = (strip_platforms(message, sorted(names + typed, key=lambda t: t[1])) if typed
            else rest)
    own_topic = has_topic(bare)
    if missing and not named:  # "and Myspace?": never answered for the platforms in focus
        topic, question = ((topic_of(rest), rest) if own_topic
                           else (session.topic, session.question))
        return Resolution("missing", [], topic, question, missing=missing)
    kept_platforms = kept_topic = False
    if named:
        platforms = named
    elif _ALL.search(message):
        platforms = []
    else:
        platforms = list(session.platforms)
        kept_platforms = bool(platforms)
    if own_topic:
        topic, question = topic_of(rest), rest
    else:
        topic, question = session.topic, session.question
        kept_topic = bool(topic)
    if not topic:
        topic, question = topic_of(rest) or rest, rest
    route = "compare" if (len(platforms) >= 2 or (_COMPARE.search(message) and
                                                   len(platforms) >= 2)) else "ask"
    if _PRONOUN.search(message) and not named and (session.mentioned or session.platforms):
        platforms, kept_platforms = list(session.mentioned or session.platforms), True
        route = "compare" if len(platforms) >= 2 else "ask"
    if named and kept_topic:
        mentioned = list(dict.fromkeys(session.mentioned + named))  # "and Spotify?" adds
    elif named or not platforms:
        mentioned = list(platforms)
    else:
        mentioned = list(dict.fromkeys(session.mentioned + platforms))
    types = (named_types or list(session.topic_doc_types)) if kept_topic else []
    return Resolution(route, platforms, topic, question, kept_platforms=kept_platforms,
                      kept_topic=kept_topic, mentioned=mentioned, missing=missing,
                      doc_types=types)


def describe(res: Resolution, names: dict[str, str], doc_types: list[str] | None = None
             ) -> str:
    """The focus line of a turn; ``doc_types``: those searched (named in the conversation or
    chosen in a filter), when not all."""
    plats = " and ".join(names.get(p, p) for p in res.platforms) or "all platforms"
    only = f" (in {', '.join(doc_types)} only)" if doc_types else ""
    if res.route == "compare":
        return f"Comparing {plats} on: {res.topic}{only}"
    return f"Searching {plats} for: {res.topic}{only}"
