"""What a change means for the user: a kind from a small vocabulary, its direction, a severity
with its reason and a one-sentence summary, read off the aligned texts by written rules.

No model is involved: every kind rests on cues found in the words that changed (and the
sentences around them), and the summary quotes those words. The rules, in the order they
decide:

1. Formatting-only changes and pure moves are ``editorial``; so is an added or removed clause
   that is navigation or a table of contents (most of its lines are a few words long).
2. A number that is a term of the contract (a duration, a price or amount, an age, a notice
   period; not a date of the document) has another value on the other side: ``number-changed``.
3. A number is dropped from a sentence about something the user gets (a trial, a refund, a
   notice, a warranty, ...): ``right-weakened`` ("Removes the stated 7-day free trial").
4. A replaced phrase moves from a firm word (will, shall, must, provides, guarantees) to a soft
   one (may, can, may come with, where available): ``right-weakened`` when the sentence is
   about something the user gets, else ``discretion-widened`` (the reverse: ``right-added`` /
   ``discretion-narrowed``).
5. Cue counts in the changed sentences, new minus old: duties of the user ("you must", "you
   agree to", "do not"), rights and promises ("you may", "opt out", "we do not sell", "we
   will notify"), exclusions ("refunds are not available", "without warranty", "not
   responsible"), and the platform's discretion ("at any time", "for any reason", "we may
   suspend", "reserves the right"). The largest change wins; ties go in that order.
6. Any other number added or dropped: ``number-changed``.
7. Scope: data flows ("we collect", "is shared"), "these terms apply to", purposes ("To
   ..."), list items, widening words (including, such as, any, as well as, examples of) and
   narrowing ones (only, certain, applicable, does not include) on each side. A list that
   grows inside a clause of the platform's discretion widens that discretion.
8. Otherwise ``editorial``.

Severity follows from the direction for the user (see ``severity_of``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from corpus.text import sentence_spans

KINDS: dict[str, str] = {
    "right-removed": "guarantee or right removed",
    "right-weakened": "guarantee or right weakened",
    "right-added": "guarantee or right added",
    "obligation-added": "obligation on the user added",
    "obligation-removed": "obligation on the user removed",
    "discretion-widened": "platform discretion widened",
    "discretion-narrowed": "platform discretion narrowed",
    "number-changed": "number changed",
    "scope-widened": "scope widened",
    "scope-narrowed": "scope narrowed",
    "editorial": "editorial (no change of substance found)",
}
NUMBER_TYPES = ("duration", "notice", "age", "price", "amount")
ADVERSE = frozenset({"right-removed", "right-weakened", "obligation-added", "discretion-widened"})
FAVOURABLE = frozenset({"right-added", "obligation-removed", "discretion-narrowed"})
# categories where an adverse change is High (corpus/taxonomy.json slugs)
SENSITIVE = frozenset({"account-termination", "ai-training", "arbitration", "data-sale",
                       "third-party-sharing", "targeted-advertising", "unilateral-change",
                       "user-content-licence", "limitation-of-liability"})
SEVERITY_RULE = (
    "A change that takes something from the user (a guarantee removed or weakened, a new duty, "
    "more discretion for the platform, a wider reach of a data or power clause, a shorter "
    "benefit or a higher price) is Medium, and High when the clause is labelled (with "
    "confidence) in a category where such changes weigh most: "
    + ", ".join(sorted(SENSITIVE)) + ". A change in the user's favour, or one with no "
    "direction (editorial, a number with no stated benefit), is Low."
)


@dataclass(frozen=True)
class Signal:
    """One cue the kind rests on, with the words it was read from."""

    cue: str
    old: str = ""
    new: str = ""


@dataclass
class Meaning:
    kind: str
    direction: str  # adverse | favourable | neutral
    severity: str  # High | Medium | Low
    reason: str
    summary: str
    category_before: list[str] = field(default_factory=list)
    category_after: list[str] = field(default_factory=list)
    number: str = ""  # for number-changed: duration | notice | age | price | amount
    signals: list[Signal] = field(default_factory=list)

    @property
    def label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["label"] = self.label
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Meaning:
        return cls(d["kind"], d["direction"], d["severity"], d["reason"], d["summary"],
                   list(d.get("category_before", [])), list(d.get("category_after", [])),
                   d.get("number", ""), [Signal(**s) for s in d.get("signals", [])])


# ---- cues -----------------------------------------------------------------------------------

_I = re.I
_NOT_A_RIGHT = (r"(?!\s+not\b)(?!\s+(?:also\s+)?(?:contact|write|email|e-mail|reach|find|read|"
                r"learn|see|visit|call|review|check|click|go|refer|consult)\b)")
RIGHT = re.compile(
    r"\byou (?:may|can|will be able to|are able to|have the right to|are entitled to|will "
    r"receive|will get)\b" + _NOT_A_RIGHT
    + r"|\b(?:either|each) party may\b|\bright (?:to|of) (?:access|delete|deletion|erasure|"
    r"object|opt|correct|port|withdraw|appeal|request|cancel|a refund|seek)"
    r"|\bopt[- ]?(?:out|in)\b"
    r"|\bwe (?:will |shall |also )?(?:provide|offer|give|maintain|protect|safeguard|ensure|"
    r"guarantee)s?\b|\bwe (?:will|shall) (?:\w+ )?(?:notify|inform|honou?r|treat|implement|"
    r"refund|obtain your consent)\b"
    r"|\bwe (?:do not|don't|will not|won't|never|shall not|don't ever) (?:\w+ ){0,2}?(?:sell|"
    r"share|disclose|rent|trade|use|transfer|track|collect|read|train)\b"
    r"|\bsafeguards?\b|\bprivacy by design\b|\bmake sure\b", _I)
DUTY = re.compile(
    r"\byou (?:and [\w ]{1,30}?)?(?:must|shall|will need to|need to|have to|are required to|"
    r"(?:further )?agree(?! that)|are responsible for|should|will not|won't|may not|cannot|can't)\b"
    r"|\byou (?:may|can) \w+(?: \w+){0,5} only\b"
    r"|\b(?:must|shall) be (?:requested|submitted|made|provided|sent|filed|completed)\b"
    r"|\bprerequisite\b|\bcondition precedent\b"
    r"|(?:^|[.;:•*|]\s*|\(\w{1,4}\)\s*)(?:do not|don't|never) [a-z]+"
    r"|\b(?:you|users?) (?:are|is) (?:prohibited|not (?:allowed|permitted))\b", _I)
EXCLUSION = re.compile(
    r"\b(?:refunds?|credits?|trials?|warrant(?:y|ies)|compensation)\b[^.;]{0,60}?\b(?:not|no "
    r"longer)\b[^.;]{0,25}?\b(?:available|provided|given|offered|issued|apply|granted)\b"
    r"|\bnot (?:\w+ ){0,2}(?:issue|provide|give|offer|grant)s? (?:a |any )?(?:refunds?|credits?)"
    r"|\bno (?:refunds?|credits?|compensation)\b|\bwithout (?:any )?warrant(?:y|ies)\b"
    r"|\b(?:not|no) (?:be )?(?:responsible|liable|responsibility|liability)\b"
    r"|\bnone of which\b", _I)
DISCRETION = re.compile(
    r"\bat any time\b|\bfor any reason\b|\bwith or without (?:cause|notice|reason)\b"
    r"|\bwithout (?:prior )?(?:notice|cause|reason)\b|\bdiscretion\b|\breserves? the right\b"
    r"|\bwe may (?:\w+ ){0,2}?(?:suspend|terminate|remove|change|modify|update|refuse|deny|"
    r"limit|restrict|cancel|reject|stop|discontinue|disable|block|delete|edit|reclaim|revoke|"
    r"end)\b|\bin certain circumstances\b", _I)
DISCRETION_ANY = re.compile(r"\bat any time\b|\bfor any reason\b|\bwith or without\b|"
                            r"\bwithout (?:prior )?notice\b", _I)
DATAFLOW = re.compile(
    r"\bwe (?:may |will |also |might |can |only )*(?:collect|share|disclose|use|process|sell|"
    r"transfer|store|retain|keep|combine|analy[sz]e|receive|obtain|access|personali[sz]e)s?\b"
    r"|\b(?:is|are|be|been) (?:collected|shared|disclosed|used|processed|sold|transferred|"
    r"stored|retained|kept|combined)\b", _I)
# a named organisation doing something with data ("OpenAI may share ..."), case-sensitive
DATAFLOW_NAMED = re.compile(r"\b(?!You\b|Users?\b)[A-Z][A-Za-z]+ (?:may|will|might|can)(?: also)? "
                            r"(?:collect|share|disclose|use|process|sell|transfer|store|retain)\b")
EXCLUDING = re.compile(r"\b(?:does|do|shall|will) not include\b|\bexclud(?:es|ing)\b|"
                       r"\bis not included\b", _I)
APPLIES = re.compile(r"\b(?:terms|policy|agreement|section|addendum)s? (?:also |now )?"
                     r"(?:appl(?:y|ies)|govern)s?\b", _I)
PURPOSE = re.compile(r"(?:^|[\n|•*]\s*)to [a-z]{3,}", _I | re.M)
WIDEN = re.compile(r"\b(?:including|such as|as well as|examples? of|and other|or other|"
                   r"among others?|any|all|every|affiliates|third[- ]part(?:y|ies)|partners)\b", _I)
NARROW = re.compile(r"\b(?:only|certain|applicable|specific|eligible|limited to|does not include|"
                    r"do not include|excludes?|excluding|except|other than)\b", _I)
STRONG = re.compile(r"\b(?:will|shall|must|provides?|guarantees?|ensures?|always|entitled)\b", _I)
WEAK = re.compile(r"\b(?:may|might|could|can|come with|where available|if available|"
                  r"reasonable efforts|try to|aim to|generally|typically)\b", _I)
BROAD = re.compile(r"\b(?:all|any|every|each)\b", _I)
NARROW_Q = re.compile(r"\b(?:certain|some|specific|selected|eligible)\b", _I)
BENEFIT = re.compile(r"\b(?:trials?|refunds?|notice|notify|warrant(?:y|ies)|withdrawal|"
                     r"guarantees?|credits?|compensation|money[- ]back|cancel\w*|safeguards?|"
                     r"protect\w*)\b", _I)
NEGATION = re.compile(r"\b(?:not|never|no|none|n't)\b|n't\b", _I)

_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
                 "fifteen": 15, "thirty": 30, "sixty": 60, "ninety": 90}
_NUM = r"(\d+(?:[.,]\d+)?|" + "|".join(_NUMBER_WORDS) + r")"
NUMBERS: list[tuple[str, re.Pattern[str]]] = [
    ("age", re.compile(_NUM + r"\s*(?:\+\s*)?(?:years? old|years of age)|\bage of " + _NUM
                       + r"|\bunder (?:the age of )?" + _NUM + r"\b(?! ?(?:days?|months?|%))",
                       _I)),
    ("price", re.compile(r"(?:[$€£]|\b(?:USD|EUR|GBP)\s?)\s?(\d+(?:[.,]\d+)?)|"
                         r"(\d+(?:[.,]\d+)?)\s?(?:USD|EUR|GBP|dollars|euros)\b|" + _NUM
                         + r"\s?(?:%|percent\b|per cent\b)", _I)),
    ("duration", re.compile(_NUM + r"(?:[\s-]+(?:calendar|business|working))?[\s-]+"
                            r"(day|week|month|year|hour|minute)s?\b(?![\s-]+(?:old|of age))",
                            _I)),
]
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
# dates of the document ("Jan 06, 2026", "12 June 2026", "January 9,"), never terms
_DATE = re.compile(r"\b" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?\b,?(?:\s+\d{4}\b)?|\b\d{1,2}\s+"
                   + _MONTH + r"(?:\s+\d{4}\b)?|\b(?:19|20)\d\d\b", _I)
_DOC_WORDS = re.compile(r"\b(?:effective|updated|last|revised|revision|date|as of)\b", _I)
_CONTENT = re.compile(r"[a-z][a-z'’-]{2,}", _I)
_STOP = frozenset("""the and for with that this these those from your you our are was were
will shall may can has have had not but any all its their they them into onto upon than then
also such each other which who whom whose what when where how out about over under more most
some only own per via""".split())


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stop words, dates, numbering or document-date words."""
    text = _DATE.sub(" ", text)
    return [w.lower() for w in _CONTENT.findall(text)
            if w.lower() not in _STOP and not _DOC_WORDS.fullmatch(w)]


def _value(raw: str) -> str:
    raw = raw.lower().replace(",", "")
    return str(_NUMBER_WORDS.get(raw, raw))


@dataclass(frozen=True)
class Number:
    type: str
    value: str
    text: str  # the words it was read from, e.g. "7-day", "30 days"
    start: int
    end: int


def numbers(text: str) -> list[Number]:
    """Numbers that are terms of the contract: ages, prices, durations (a duration next to
    "notice" is a notice period). Dates of the document are not."""
    out: list[Number] = []
    taken: list[tuple[int, int]] = []
    clean = _DATE.sub(lambda m: " " * len(m.group(0)), text)
    for kind, pattern in NUMBERS:
        for m in pattern.finditer(clean):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            raw = next(g for g in m.groups() if g)
            t = kind
            left = max(text.rfind(ch, 0, m.start()) for ch in ",;:.\n")
            right = min((i for i in (text.find(ch, m.end()) for ch in ",;\n") if i >= 0),
                        default=len(text))
            around = text[left + 1:right].lower()  # the phrase the number sits in
            if kind == "duration" and re.search(r"\bnotice\b|\bnotify", around):
                t = "notice"
            elif kind == "price" and (re.search(r"\bliab", around) or not re.search(
                    r"\b(?:fee|price|charge|pay|cost|subscription|purchase)", around)):
                t = "amount"
            unit = m.group(m.lastindex or 0) if kind == "duration" else ""
            value = _value(raw) + (f" {unit.lower()}" if unit else "")
            out.append(Number(t, value, m.group(0).strip(), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return sorted(out, key=lambda n: n.start)


# ---- reading a change ---------------------------------------------------------------------

@dataclass
class _Op:
    tag: str
    old: str
    new: str
    old_span: tuple[int, int]
    new_span: tuple[int, int]


def _ops(words: Iterable[Any]) -> list[_Op]:
    out = []
    for w in words:
        d: Mapping[str, Any] = w if isinstance(w, Mapping) else vars(w)
        a, b = d["old_span"], d["new_span"]
        out.append(_Op(str(d["tag"]), str(d["old"]), str(d["new"]), (int(a[0]), int(a[1])),
                       (int(b[0]), int(b[1]))))
    return out


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _substantive(ops: list[_Op]) -> list[_Op]:
    """The edits that change words: not spelling joins ("all together" / "altogether"), not
    punctuation, not a sentence that moved inside the clause."""
    edits = [op for op in ops if op.tag != "equal" and _squash(op.old) != _squash(op.new)]
    gone = {i for i, op in enumerate(edits) if _squash(op.old) == ""
            and _squash(op.new) == ""}
    for i, a in enumerate(edits):
        for j, b in enumerate(edits):
            if i != j and i not in gone and j not in gone and len(_squash(a.new)) >= 20 \
                    and _squash(a.new) == _squash(b.old):
                gone |= {i, j}
    return [op for i, op in enumerate(edits) if i not in gone]


def _touched(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences of ``text`` that overlap (or, for an empty span, hold) any of ``spans``."""
    sents = sentence_spans(text) or ([(0, len(text))] if text else [])
    out = []
    for s, e in sents:
        for a, b in spans:
            if (a < e and s < b) or (a == b and s < a < e):
                out.append((s, e))
                break
    return out


def _count(pattern: re.Pattern[str], texts: Iterable[str]) -> int:
    return sum(len(pattern.findall(t)) for t in texts)


def _discretion(texts: Iterable[str]) -> int:
    """Discretion cues; "at any time" in a sentence that gives the user a right is the user's."""
    n = 0
    for t in texts:
        n += len(DISCRETION.findall(t))
        if RIGHT.search(t):
            n -= len(DISCRETION_ANY.findall(t))
    return n


def _as_we(text: str, platform: str) -> str:
    """The platform's own name, "the Company" and the like read as "we"."""
    names = [re.escape(platform)] if platform else []
    names += [r"the company", r"company", r"the company entities"]
    return re.sub(r"\b(?:" + "|".join(names) + r")(?:'s)?\b", "we", text, flags=_I)


def _navigation(text: str) -> bool:
    lines = [ln for ln in re.split(r"\n|\|", text) if ln.strip()]
    if len(lines) < 4:
        return False
    short = sum(len(ln.split()) <= 5 for ln in lines)
    return short >= 0.7 * len(lines)


@dataclass
class _Reading:
    kind: str
    number: str = ""
    signals: list[Signal] = field(default_factory=list)
    lead: str = ""
    evidence: str = ""  # the sentence quoted in the summary
    side: str = "new"  # which side the evidence is from


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def read_change(change_kind: str, old_text: str, new_text: str, words: Iterable[Any] = (),
                platform: str = "") -> _Reading:
    """The kind of a change and the cues it rests on (rules 1-8 of the module docstring)."""
    if change_kind in ("formatting", "moved"):
        return _Reading("editorial", lead="Formatting only" if change_kind == "formatting"
                        else "Moved, wording unchanged")
    if change_kind == "added":
        ops = [_Op("insert", "", new_text, (0, 0), (0, len(new_text)))]
    elif change_kind == "removed":
        ops = [_Op("delete", old_text, "", (0, len(old_text)), (0, 0))]
    else:
        ops = _substantive(_ops(words))
    whole = old_text if change_kind == "removed" else new_text
    if change_kind in ("added", "removed") and _navigation(whole):
        return _Reading("editorial", lead="Navigation or contents", evidence=_clip(whole, 80),
                        side="old" if change_kind == "removed" else "new")
    if not ops:
        return _Reading("editorial", lead="Editorial change")
    olds = [old_text[s:e] for s, e in _touched(old_text, [op.old_span for op in ops])]
    news = [new_text[s:e] for s, e in _touched(new_text, [op.new_span for op in ops])]
    if change_kind == "added":
        olds = []
    if change_kind == "removed":
        news = []
    we_old = [_as_we(t, platform) for t in olds]
    we_new = [_as_we(t, platform) for t in news]

    # 2-3. numbers
    n_old = [n for t in olds for n in numbers(t)]
    n_new = [n for t in news for n in numbers(t)]
    old_vals = {(n.type, n.value) for n in n_old}
    new_vals = {(n.type, n.value) for n in n_new}
    gone = [n for n in n_old if (n.type, n.value) not in new_vals]
    came = [n for n in n_new if (n.type, n.value) not in old_vals]
    for g in gone:
        for c in came:
            if g.type == c.type and change_kind == "modified":
                return _Reading("number-changed", g.type,
                                [Signal("number-changed", g.text, c.text)],
                                lead=f"Changes {_a(g.type)}",
                                evidence=f"“{_phrase(olds, g)}” becomes “{_phrase(news, c)}”",
                                side="pair")
    if change_kind == "modified":
        for g in gone:
            sent = next((t for t in olds if g.text in t), "")
            if BENEFIT.search(sent):
                phrase = _benefit_phrase(sent, g)
                return _Reading("right-weakened", "", [Signal("number-removed", g.text, "")]
                                + _shift_signals(ops), lead=f"Removes the stated {phrase}",
                                evidence=" ".join(news))

    # 4. firm -> soft wording
    for op in ops:
        if op.tag != "replace" or NEGATION.search(op.old) or NEGATION.search(op.new):
            continue  # "will not" -> "may" flips a promise: the cue counts below decide
        firm_to_soft = STRONG.search(op.old) and WEAK.search(op.new) and not STRONG.search(op.new)
        soft_to_firm = WEAK.search(op.old) and STRONG.search(op.new) and not WEAK.search(op.new)
        if firm_to_soft or soft_to_firm:
            context = " ".join(olds + news)
            benefit = bool(BENEFIT.search(context) or RIGHT.search(" ".join(we_old)))
            if re.search(r"\byou\s+$", old_text[:op.old_span[0]], _I):  # the user's own modal
                kind = "obligation-removed" if firm_to_soft else "obligation-added"
            elif firm_to_soft:
                kind = "right-weakened" if benefit else "discretion-widened"
            else:
                kind = "right-added" if benefit else "discretion-narrowed"
            return _Reading(kind, "", _shift_signals(ops), lead=_LEADS[kind],
                            evidence=" ".join(news or olds), side="new" if news else "old")

    # 5. cue counts, new minus old
    deltas = {
        "obligation": _count(DUTY, we_new) - _count(DUTY, we_old),
        "discretion": _discretion(we_new) - _discretion(we_old),
        "exclusion": _count(EXCLUSION, we_new) - _count(EXCLUSION, we_old),
        "right": _count(RIGHT, we_new) - _count(RIGHT, we_old),
    }
    best = max(deltas, key=lambda k: abs(deltas[k]))  # dict order breaks ties
    if deltas[best]:
        up = deltas[best] > 0
        kind = {("obligation", True): "obligation-added",
                ("obligation", False): "obligation-removed",
                ("discretion", True): "discretion-widened",
                ("discretion", False): "discretion-narrowed",
                ("exclusion", True): "right-weakened", ("exclusion", False): "right-added",
                ("right", True): "right-added", ("right", False): "right-removed"}[(best, up)]
        pattern = {"obligation": DUTY, "discretion": DISCRETION, "exclusion": EXCLUSION,
                   "right": RIGHT}[best]
        side_texts, side = (news, "new") if up else (olds, "old")
        we_side = we_new if up else we_old
        evidence = next((t for t, w in zip(side_texts, we_side, strict=True)
                         if pattern.search(w)), " ".join(side_texts))
        cue = next((m.group(0) for w in we_side for m in [pattern.search(w)] if m), "")
        sig = Signal(best, "" if up else cue, cue if up else "")
        return _Reading(kind, "", [sig, *_shift_signals(ops)], lead=_LEADS[kind],
                        evidence=evidence, side=side)

    # 6. other numbers
    if gone or came:
        n = (came or gone)[0]
        return _Reading("number-changed", n.type,
                        [Signal("number-removed" if not came else "number-added",
                                n.text if not came else "", n.text if came else "")],
                        lead=f"{'Adds' if came else 'Drops'} {_a(n.type)}",
                        evidence=_phrase(news if came else olds, n),
                        side="new" if came else "old")

    # 7. scope
    return _scope(change_kind, ops, olds, news, we_old, we_new, old_text)


def _edit_cues(fragment: str) -> tuple[int, int, bool]:
    """(widening words, narrowing words, a list item) in one inserted or dropped fragment.
    Inside a whole new sentence, "any" or "including" widen nothing that was there before:
    only an exclusion ("does not include") counts."""
    if len(fragment.split()) >= 8 and re.search(r"[.;!?]\W*$", fragment.strip()):
        return 0, len(EXCLUDING.findall(fragment)), False
    w, n = len(WIDEN.findall(fragment)), len(NARROW.findall(fragment))
    listed = bool(re.match(r"\W*(?:or|and)\b", fragment, _I)
                  or re.search(r"\b(?:or|and)\W*$", fragment, _I) or "," in fragment)
    return w, n, listed and not w and not n


def _scope(change_kind: str, ops: list[_Op], olds: list[str], news: list[str],
           we_old: list[str], we_new: list[str], old_text: str) -> _Reading:
    wider = narrower = 0
    signals: list[Signal] = []
    for pattern, old_side, new_side in ((DATAFLOW, we_old, we_new), (APPLIES, we_old, we_new),
                                        (PURPOSE, we_old, we_new),
                                        (DATAFLOW_NAMED, olds, news)):
        d = _count(pattern, new_side) - _count(pattern, old_side)
        wider += max(d, 0)
        narrower += max(-d, 0)
    inserted = " ".join(op.new for op in ops if op.tag in ("insert", "replace"))
    deleted = " ".join(op.old for op in ops if op.tag in ("delete", "replace"))
    ins_words, del_words = content_words(inserted), content_words(deleted)
    items = 0  # list items (8 words or more) added minus dropped
    if change_kind == "modified":
        for op in ops:
            if op.tag in ("insert", "replace") and _worded(op.new):
                w, n, listed = _edit_cues(op.new)
                wider += w + listed
                narrower += n
                items += len(op.new.split()) >= 8
                if w or listed or n:
                    signals.append(Signal("narrows" if n > w else "widens", "", op.new))
            if op.tag in ("delete", "replace") and _worded(op.old):
                w, n, listed = _edit_cues(op.old)
                wider += n
                narrower += w + listed
                items -= len(op.old.split()) >= 8
                if w or listed or n:
                    signals.append(Signal("widens" if n > w else "narrows", op.old, ""))
        if wider == narrower:
            a, b = len(ins_words), len(del_words)
            if abs(a - b) >= 4 and max(a, b) >= 2 * max(1, min(a, b)):
                wider, narrower = (1, 0) if a > b else (0, 1)
    elif change_kind == "added" and wider:
        signals.append(Signal("widens", "", _clip(inserted, 80)))
    elif change_kind == "removed" and narrower:
        signals.append(Signal("narrows", _clip(deleted, 80), ""))
    if wider == narrower:
        return _Reading("editorial", lead="Editorial change", signals=_shift_signals(ops),
                        evidence=" ".join(news or olds), side="new" if news else "old")
    up = wider > narrower
    kind = "scope-widened" if up else "scope-narrowed"
    if change_kind == "modified" and _discretion([old_text]) > 0:
        kind = "discretion-widened" if up else "discretion-narrowed"
    elif change_kind == "modified" and items and (items > 0) == up and DUTY.search(old_text):
        kind = "obligation-added" if up else "obligation-removed"  # an item of a list of duties
    return _Reading(kind, "", signals or _shift_signals(ops), lead=_LEADS[kind],
                    evidence=" ".join(news if up or not olds else olds),
                    side="new" if (up or not olds) else "old")


def _a(number_type: str) -> str:
    return {"duration": "a duration", "notice": "a notice period", "age": "an age",
            "price": "a price", "amount": "an amount"}.get(number_type, f"a {number_type}")


def _worded(text: str) -> bool:
    return bool(content_words(text) or WIDEN.search(text) or NARROW.search(text))


_LEADS = {
    "right-removed": "Removes a guarantee or right",
    "right-weakened": "Weakens a guarantee or right",
    "right-added": "Adds a guarantee or right",
    "obligation-added": "Adds an obligation on the user",
    "obligation-removed": "Drops an obligation on the user",
    "discretion-widened": "Widens the platform's discretion",
    "discretion-narrowed": "Narrows the platform's discretion",
    "scope-widened": "Widens the scope",
    "scope-narrowed": "Narrows the scope",
}


def _shift_signals(ops: list[_Op]) -> list[Signal]:
    """Firm/soft and all/certain replacements, as signals the summary can quote."""
    out = []
    for op in ops:
        if op.tag != "replace":
            continue
        if (STRONG.search(op.old) and WEAK.search(op.new)) or \
                (WEAK.search(op.old) and STRONG.search(op.new)):
            out.append(Signal("modal", op.old, op.new))
        elif (BROAD.search(op.old) and NARROW_Q.search(op.new)) or \
                (NARROW_Q.search(op.old) and BROAD.search(op.new)):
            out.append(Signal("quantifier", op.old, op.new))
        elif len(NEGATION.findall(op.old)) != len(NEGATION.findall(op.new)) and \
                max(len(op.old.split()), len(op.new.split())) <= 6:
            out.append(Signal("negation", op.old, op.new))  # "do not" -> "may": short swaps only
    return out


def _phrase(texts: Sequence[str], n: Number) -> str:
    """A number with a few words before it ("free trial of 30 days")."""
    for t in texts:
        i = t.find(n.text)
        if i >= 0:
            before = t[:i].split()[-3:]
            return " ".join([*before, n.text]).strip(" ,;:(")
    return n.text


def _benefit_phrase(sentence: str, n: Number) -> str:
    """The number and the words after it up to the end of the phrase ("7-day free trial")."""
    i = sentence.find(n.text)
    rest = re.split(r"[.,;:()]", sentence[i + len(n.text):], maxsplit=1)[0].split()[:3]
    return " ".join([n.text, *rest]).strip()


# ---- meaning: kind + direction + severity + summary ----------------------------------------

def direction_of(kind: str, number_signal: Signal | None = None, benefit: bool = False,
                 right_clause: bool = False) -> str:
    if kind in ADVERSE:
        return "adverse"
    if kind in FAVOURABLE:
        return "favourable"
    if kind in ("scope-widened", "scope-narrowed"):
        widened = kind == "scope-widened"
        return "favourable" if widened == right_clause else "adverse"
    if kind == "number-changed" and number_signal and number_signal.old and number_signal.new:
        a, b = _num(number_signal.old), _num(number_signal.new)
        if a is not None and b is not None and a != b:
            if benefit:
                return "adverse" if b < a else "favourable"
            if re.search(r"[$€£%]|usd|eur|percent", number_signal.new, _I):
                return "adverse" if b > a else "favourable"
    return "neutral"


def _num(text: str) -> float | None:
    m = re.search(r"\d+(?:\.\d+)?", text.replace(",", ""))
    if m:
        return float(m.group(0))
    w = re.search(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", text, _I)
    return float(_NUMBER_WORDS[w.group(1).lower()]) if w else None


def severity_of(kind: str, direction: str, categories: Sequence[str]) -> tuple[str, str]:
    """(level, reason): the rule in SEVERITY_RULE, applied."""
    what = KINDS[kind]
    sure = [c for c in categories if not c.endswith("?")]
    if direction != "adverse":
        why = "in the user's favour" if direction == "favourable" else "no direction for users"
        return "Low", f"Low: {what}, {why}"
    hit = [c for c in sure if c in SENSITIVE]
    if hit:
        return "High", f"High: {what}, against the user, in a clause labelled {', '.join(hit)}"
    where = (f"; clause labelled {', '.join(categories)}" if categories
             else "; the clause has no category label")
    return "Medium", f"Medium: {what}, against the user{where}"


def explain(change_kind: str, old_text: str, new_text: str, words: Iterable[Any] = (),
            category_before: Sequence[str] = (), category_after: Sequence[str] = (),
            platform: str = "", where: str = "") -> Meaning:
    """The meaning of one change record. ``where`` names the clause ("2. Subscription Plans");
    categories are the labels of the records on each side ("slug?" when the label is unsure)."""
    r = read_change(change_kind, old_text, new_text, words, platform)
    number = next((s for s in r.signals if s.cue.startswith("number")), None)
    context = f"{old_text} {new_text}"
    right_clause = bool(RIGHT.search(_as_we(context, platform))) and not (
        DATAFLOW.search(_as_we(context, platform)) or _discretion([context]) > 0)
    direction = direction_of(r.kind, number, bool(BENEFIT.search(context)), right_clause)
    cats = list(dict.fromkeys([*category_before, *category_after]))
    level, reason = severity_of(r.kind, direction, cats)
    summary = _summary(r, where)
    before, after = list(category_before), list(category_after)
    if before and after and set(before) != set(after):
        summary += f"; category {', '.join(before)} → {', '.join(after)}"
    return Meaning(r.kind, direction, level, reason, summary, before, after, r.number, r.signals)


def _summary(r: _Reading, where: str) -> str:
    place = f" in “{where}”" if where and not r.lead.startswith("Removes the stated") else ""
    lead = (r.lead or _LEADS.get(r.kind, "Editorial change")) + place
    shifts = [s for s in r.signals if s.cue in ("modal", "quantifier", "negation")]
    tail = "; ".join(f"“{_clip(s.old, 40)}” → “{_clip(s.new, 40)}”" for s in shifts)
    if r.side == "pair":
        return f"{lead}: {r.evidence}"
    edits = [s for s in r.signals if s.cue in ("widens", "narrows")]
    if r.kind.startswith("scope") and edits:
        said = "; ".join(f"adds “{_clip(s.new, 70)}”" if s.new else f"drops “{_clip(s.old, 70)}”"
                         for s in edits[:3])
        return f"{lead}: {said}"
    if r.evidence:
        verb = {"old": "was", "new": "now"}.get(r.side, "now")
        body = f"{lead}: {verb} “{_clip(r.evidence, 200)}”"
    else:
        body = lead
    return f"{body} ({tail})" if tail else body
