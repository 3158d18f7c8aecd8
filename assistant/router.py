"""The router: which handler answers a question, decided in one place.

A question goes, in this order, to:

- ``missing``: it names a service the corpus does not hold (never answered from others);
- ``change``: it asks what changed between versions (``is_change_question`` plus a date or a
  history opening such as "What changed…", "Did … change");
- ``dated``: it names a date, so the versions in force then answer it;
- ``regulation``: it asks which clauses touch a regulation ("… touch GDPR?");
- ``severity`` / ``prevalence``: it asks for labelled clauses ("high-severity clauses in
  Discord's terms", "Which platforms use arbitration?"), when the corpus is labelled;
- ``ask``: a plain question, answered by retrieval and the trained reader.

A conversation turn first goes through ``assistant.chat.resolve`` (record, help, compare or a
question with the platforms and topic in focus); its question then takes the route above.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from assistant.chat import Resolution, Session, resolve
from assistant.dates import DateRange, extract_dates
from assistant.platforms import PlatformMatcher
from assistant.types import Filters
from corpus.regulations import Regulation, named_in

RouteKind = Literal["missing", "change", "dated", "regulation", "severity", "prevalence", "ask"]

# "What changed…", "Did … change", "Has … changed": questions about the history of a text;
# "Can they change the terms?" is a question about a provision and stays a plain question
_HISTORY_OPENING = re.compile(r"\s*(what(?! happens)|did|has|have|had|how (?:has|have|did)|"
                              r"when (?:did|was|were)|which (?:clauses?|terms|parts?))\b", re.I)
_CHANGE = re.compile(
    r"\bwhat(?:'s| has| have| was| were| is)?\b.*\b(?:chang(?:ed|es)|new|different|updated)\b"
    r"|\b(?:did|has|have|had|was|were|is|are)\b.*\b(?:chang(?:e|ed|ing)|updated?|revised?"
    r"|amended|modified|rewritten|removed|dropped|added)\b"
    r"|\bchanges? (?:to|in|of)\b"
    r"|\b(?:changed|updated|revised|amended|modified)\b.*\b(?:terms|polic(?:y|ies)|clauses?"
    r"|agreement|guidelines|wording|provisions?|section)\b"
    r"|\bused to\b"
    r"|\b(?:previous|earlier|older|old|prior|past) (?:version|terms|polic(?:y|ies)|wording)\b"
    r"|\b(?:history|timeline) of\b|\bwhen did\b.*\bchange\b|\bwhat'?s new\b", re.I)
_STILL = re.compile(r"\b(?:still|no longer|any ?more)\b", re.I)


def is_change_question(question: str) -> bool:
    """Whether the question asks what changed between versions (not what a version says)."""
    q = question.strip()
    if re.search(r"\bhow (?:do|can|could|would) (?:i|we|you)\b.*\bchange\b", q, re.I):
        return False  # "How do I change my email address?"
    if _CHANGE.search(q):
        return True
    # "still" / "no longer" ask about change only beside a date ("still ... since 2022");
    # alone they are ordinary ("Can Spotify still use my data after I delete my account?")
    return bool(_STILL.search(q)) and extract_dates(q) is not None


# question phrasings per category (checked in order; the first match wins)
QUESTION_HINTS: list[tuple[str, re.Pattern[str]]] = [
    (slug, re.compile(pattern, re.I)) for slug, pattern in [
        ("ai-training", r"\b(train\w*|machine learning)\b.*\b(AI|models?|artificial)\b|"
                        r"\b(AI|artificial intelligence|models?)\b.*\btrain\w*"),
        ("arbitration", r"arbitrat\w*|class[- ]action"),
        ("data-sale", r"\bsell\w*\b.*\b(data|information)\b|\bsale of\b"),
        ("scraping-automated-access", r"\bscrap\w*|crawl\w*|\bbots?\b|spider"),
        ("indemnification", r"indemnif\w*|hold harmless"),
        ("unilateral-change", r"\bchang\w* (the|their|its) terms|terms .*chang\w*"),
        ("account-termination", r"\b(terminat\w*|suspend\w*|ban\w*|close) .*account|account "
                                r"\w* ?(terminat\w*|suspend\w*|ban\w*)"),
        ("user-content-licence", r"licen[cs]e .*(content|posts|photos)|own\w* .*content"),
        ("limitation-of-liability", r"liab\w*"),
        ("targeted-advertising", r"target\w* ad|personali[sz]ed ad|advertis\w*"),
        ("tracking-cookies", r"cookie|track\w*"),
        ("data-retention", r"\b(keep|retain|retention|store)\b.*\b(data|information)\b"),
        ("law-enforcement-disclosure", r"police|law enforcement|government"),
        ("age-limits", r"\bage\b|\bchildren\b|\bminors?\b|years old"),
        ("governing-law", r"governing law|which law"),
    ]
]
_ACROSS = re.compile(r"\b(which|what|how many) (platforms|services|companies|sites|apps)\b|"
                     r"\b(normal|common|usual|typical|standard|widespread)\b", re.I)


def question_category(question: str) -> str | None:
    """The category a cross-platform question is about, or None if it is not one."""
    if not _ACROSS.search(question):
        return None
    for slug, pattern in QUESTION_HINTS:
        if pattern.search(question):
            return slug
    return None



_SEVERITY_WORDS = re.compile(r"\b(high|medium|low)[- ]severity\b|\b(favourable|favorable)\b",
                             re.I)


def severity_filter(question: str) -> list[str]:
    """Severities a question asks for ("high-severity clauses in Discord's terms")."""
    out = []
    for m in _SEVERITY_WORDS.finditer(question):
        level = (m.group(1) or "favourable").lower()
        out.append("Favourable" if level.startswith("favo") else level.capitalize())
    return sorted(set(out))


_ABOUT = re.compile(r"\b(?:touch|engag|implicat|relat|relevant|concern|affect|involv|under|"
                    r"subject|appl(?:y|ies)|fall|trigger|compl(?:y|ies|iance)|clauses?|terms|"
                    r"provisions?|which|what|mention|cover)", re.I)


def regulation_question(question: str) -> Regulation | None:
    """The regulation a question asks about ("... touch GDPR?"), or None."""
    named = named_in(question)
    return named[0] if named and _ABOUT.search(question) else None


@dataclass(frozen=True)
class Route:
    """Where a question goes and what the router found on the way."""

    kind: RouteKind
    filters: Filters
    dates: DateRange | None = None  # change / dated
    regulation: Regulation | None = None  # regulation
    category: str | None = None  # prevalence (and severity, when the question names one)
    severities: tuple[str, ...] = field(default_factory=tuple)  # severity
    missing: str = ""  # missing: the service named


class Router:
    """Routes questions; ``labelled`` says whether the corpus carries clause labels (asked
    only when a question could be a label question)."""

    def __init__(self, matcher: PlatformMatcher, labelled: Callable[[], bool],
                 doc_types: Callable[[], list[str]] = list):
        self.matcher = matcher
        self.labelled = labelled
        self.doc_types = doc_types  # the document types the corpus holds (chat turns name them)

    def question(self, question: str, filters: Filters, history: bool = True) -> Route:
        """The route of a question whose platforms are already resolved into ``filters``.
        ``history=False`` keeps change and dated questions on plain retrieval."""
        if not filters.platforms and (missing := self.matcher.unknown(question)):
            return Route("missing", filters, missing=missing)
        if history and not filters.as_of and (route := self.history(question, filters)):
            return route
        if reg := regulation_question(question):
            return Route("regulation", filters, regulation=reg)
        if self.labelled():
            if severities := severity_filter(question):
                slug = next((s for s, p in QUESTION_HINTS if p.search(question)), None)
                return Route("severity", filters, category=slug, severities=tuple(severities))
            slug = question_category(question)
            if slug and not filters.platforms:
                return Route("prevalence", filters, category=slug)
        return Route("ask", filters)

    def history(self, question: str, filters: Filters) -> Route | None:
        """A change question, a dated question, or None."""
        dates = extract_dates(question)
        if is_change_question(question) and (
                dates is not None or bool(_HISTORY_OPENING.match(question))):
            return Route("change", filters, dates=dates)
        if dates is not None and dates.as_of:
            return Route("dated", filters, dates=dates)
        return None

    def turn(self, session: Session, message: str) -> Resolution:
        """A conversation turn: record, help, compare or ask, with the focus carried over."""
        return resolve(session, message, self.matcher, self.doc_types())
