"""Clause-level diff between two versions of one document.

Pure functions over the clause lists of two versions. Clauses are aligned by content, never by
position, in four passes:

1. the same record ID on both sides: the clause survived (its normalised text is unchanged);
   if its source markup differs it is a ``formatting`` change;
2. the same text once markup, punctuation, case and spacing are stripped: ``formatting``;
3. consecutive clauses on one side whose stripped texts, joined, equal one clause on the
   other side: the document was cut into clauses differently (``formatting``, re-segmented);
4. what is left is paired by text similarity (rapidfuzz ``ratio`` over normalised text, best
   pairs first; a clause found whole inside a longer one, punctuation aside, also pairs, as
   the weakest acceptable match): ``modified``, with a word-level diff.

Unpaired clauses are ``removed`` or ``added``. A paired clause whose position is out of order
relative to the longest in-order run of pairs is ``moved`` (a modified or formatting change
keeps its kind and gets ``moved=True``).
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from corpus.text import normalise

SIMILAR = 55.0  # minimum rapidfuzz ratio (0-100) for two clauses to count as one edited clause
MIN_CONTAINED = 50  # letters and digits a clause needs to pair by being inside a longer one
WEIGHTED_LIMIT = 1500  # above this many aligned pairs, moves are found by a plain LIS
KINDS = ("modified", "added", "removed", "moved", "formatting")

_NON_WORD = re.compile(r"[\W_]+")
_TOKEN = re.compile(r"\S+")
_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s+", re.M)


@dataclass(frozen=True)
class Clause:
    """One clause of one version, in document order."""

    record_id: str
    section: str
    text: str  # display text
    raw: str = ""  # the clause's source span (markdown), when known


@dataclass(frozen=True)
class WordOp:
    """One step of a word-level diff; spans are character offsets in the old and new text."""

    tag: str  # equal | delete | insert | replace
    old: str
    new: str
    old_span: tuple[int, int]
    new_span: tuple[int, int]


@dataclass
class Change:
    kind: str  # one of KINDS
    old: tuple[Clause, ...]
    new: tuple[Clause, ...]
    old_pos: int | None  # position of the first old clause in the old version
    new_pos: int | None
    similarity: float | None = None  # 0-100, for modified pairs
    moved: bool = False
    reason: str = ""  # formatting: markup | numbering | punctuation | resegmented
    words: list[WordOp] = field(default_factory=list)

    @property
    def old_ids(self) -> list[str]:
        return [c.record_id for c in self.old]

    @property
    def new_ids(self) -> list[str]:
        return [c.record_id for c in self.new]


def stripped(text: str) -> str:
    """Normalised text without punctuation or spaces: what formatting cannot change."""
    return _NON_WORD.sub("", normalise(text))


def _squash(raw: str) -> str:
    return " ".join(raw.split())


def _unnumbered(text: str) -> str:
    return _squash(_NUMBER.sub("", text))


@dataclass
class _Pair:
    old: list[int]
    new: list[int]
    kind: str  # same | formatting | modified
    reason: str = ""
    similarity: float | None = None


def diff_clauses(old: Sequence[Clause], new: Sequence[Clause],
                 threshold: float = SIMILAR) -> list[Change]:
    """The changes that turn ``old`` into ``new``, in the order of the new version.

    Unchanged clauses (same record, same markup, same relative place) are not reported.
    """
    old_left = set(range(len(old)))
    new_left = set(range(len(new)))
    pairs: list[_Pair] = []

    def take(i: list[int], j: list[int], kind: str, reason: str = "",
             sim: float | None = None) -> None:
        old_left.difference_update(i)
        new_left.difference_update(j)
        pairs.append(_Pair(i, j, kind, reason, sim))

    # 1. the same record
    by_id = {c.record_id: j for j, c in enumerate(new)}
    for i, c in enumerate(old):
        j = by_id.get(c.record_id)
        if j is None or j not in new_left:
            continue
        was, now = old[i], new[j]
        if was.raw and now.raw and _squash(was.raw) != _squash(now.raw) or was.text != now.text:
            numbering = _unnumbered(was.text) == _unnumbered(now.text) and was.text != now.text
            take([i], [j], "formatting", "numbering" if numbering else "markup")
        else:
            take([i], [j], "same")

    # 2. the same words once punctuation and markup are gone
    old_keys = [stripped(c.text) for c in old]
    new_keys = [stripped(c.text) for c in new]
    waiting: dict[str, list[int]] = {}
    for j in sorted(new_left):
        if new_keys[j]:
            waiting.setdefault(new_keys[j], []).append(j)
    for i in sorted(old_left):
        js = waiting.get(old_keys[i])
        if js:
            take([i], [js.pop(0)], "formatting", "punctuation")

    # 3. cut into clauses differently: several consecutive clauses on one side = one clause
    for j in sorted(new_left):
        run = _joined_run(new_keys[j], old_keys, old_left)
        if run:
            take(run, [j], "formatting", "resegmented")
    for i in sorted(old_left):
        run = _joined_run(old_keys[i], new_keys, new_left)
        if run:
            take([i], run, "formatting", "resegmented")

    # 4. similar text: an edited clause
    olds, news = sorted(old_left), sorted(new_left)
    if olds and news:
        a_norm = [normalise(old[i].text) for i in olds]
        b_norm = [normalise(new[j].text) for j in news]
        scores = cdist(a_norm, b_norm, scorer=fuzz.ratio, score_cutoff=threshold)
        n_old, n_new = max(len(old), 1), max(len(new), 1)
        cands = []
        for a, i in enumerate(olds):
            for b, j in enumerate(news):
                s = float(scores[a][b])
                if s < threshold and _contains(old_keys[i], new_keys[j]):
                    s = threshold  # the weakest acceptable pair: true edits pair first
                if s >= threshold:
                    same_section = old[i].section == new[j].section
                    drift = abs(i / n_old - j / n_new)
                    cands.append((-s, not same_section, drift, i, j))
        cands.sort()
        for neg, _, _, i, j in cands:
            if i in old_left and j in new_left:
                take([i], [j], "modified", sim=round(-neg, 1))

    moved = _out_of_order(pairs)
    changes: list[Change] = []
    for k, p in enumerate(pairs):
        is_moved = k in moved
        if p.kind == "same" and not is_moved:
            continue
        olds_c = tuple(old[i] for i in p.old)
        news_c = tuple(new[j] for j in p.new)
        kind = "moved" if p.kind == "same" else p.kind
        words = word_diff(olds_c[0].text, news_c[0].text) if p.kind == "modified" else []
        changes.append(Change(kind, olds_c, news_c, p.old[0], p.new[0], p.similarity,
                              is_moved, p.reason, words))
    for i in sorted(old_left):
        changes.append(Change("removed", (old[i],), (), i, None))
    for j in sorted(new_left):
        changes.append(Change("added", (), (new[j],), None, j))
    # a removed clause goes after the nearest earlier clause that kept its place
    anchors = sorted((p.old[0], p.new[0]) for k, p in enumerate(pairs) if k not in moved)
    changes.sort(key=lambda c: _order_key(c, anchors))
    return changes


def _contains(a: str, b: str) -> bool:
    """Whether the shorter stripped text lies whole inside the longer (a clause that grew or
    shrank by whole sentences)."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= MIN_CONTAINED and short in long


def _joined_run(target: str, keys: list[str], left: set[int]) -> list[int] | None:
    """Two or more consecutive unpaired clauses whose keys, joined, equal ``target``."""
    if not target:
        return None
    for start in sorted(left):
        if not keys[start] or not target.startswith(keys[start]) or keys[start] == target:
            continue
        run, joined, k = [start], keys[start], start + 1
        while k in left and len(joined) < len(target):
            joined += keys[k]
            run.append(k)
            if not target.startswith(joined):
                break
            k += 1
        if joined == target and len(run) > 1:
            return run
    return None


def _out_of_order(pairs: list[_Pair]) -> set[int]:
    """Indices of pairs outside the heaviest run that keeps its order in both versions.

    Unchanged clauses weigh more than edited ones, so when either could be the one that moved,
    the edited clause is marked (one change record instead of two).
    """
    order = sorted(range(len(pairs)), key=lambda k: pairs[k].old[0])
    seq = [pairs[k].new[0] for k in order]
    weight = [1 if pairs[k].kind == "modified" else 2 for k in order]
    if len(seq) > WEIGHTED_LIMIT:
        chain = _lis(seq)
    else:
        best = weight[:]
        back = [-1] * len(seq)
        for n in range(len(seq)):
            for m in range(n):
                if seq[m] < seq[n] and best[m] + weight[n] > best[n]:
                    best[n], back[n] = best[m] + weight[n], m
        n = max(range(len(seq)), key=lambda x: best[x], default=-1)
        chain = []
        while n >= 0:
            chain.append(n)
            n = back[n]
    return set(range(len(pairs))) - {order[n] for n in chain}


def _lis(seq: list[int]) -> list[int]:
    """Positions of a longest increasing subsequence, O(n log n)."""
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(seq)
    for n, v in enumerate(seq):
        t = bisect.bisect_left(tails, v)
        if t == len(tails):
            tails.append(v)
            tail_at.append(n)
        else:
            tails[t] = v
            tail_at[t] = n
        back[n] = tail_at[t - 1] if t else -1
    chain = []
    n = tail_at[-1] if tail_at else -1
    while n >= 0:
        chain.append(n)
        n = back[n]
    return chain


def _order_key(c: Change, anchors: list[tuple[int, int]]) -> tuple[float, int]:
    """Sort by place in the new version; a removed clause sits after its old predecessor."""
    if c.new_pos is not None:
        return (float(c.new_pos), 1)
    assert c.old_pos is not None
    k = bisect.bisect_left(anchors, (c.old_pos, -1))
    before = anchors[k - 1][1] if k else -1
    return (before + 0.5, 0)


def _canon(token: str) -> str:
    return stripped(token) or token


def word_diff(old: str, new: str) -> list[WordOp]:
    """Word-level diff; words compare without case, markup or punctuation."""
    a = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(old)]
    b = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(new)]
    sm = difflib.SequenceMatcher(None, [_canon(t) for t, _, _ in a],
                                 [_canon(t) for t, _, _ in b], autojunk=False)
    ops = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        o_span = (a[i1][1], a[i2 - 1][2]) if i2 > i1 else (_at(a, i1, old), _at(a, i1, old))
        n_span = (b[j1][1], b[j2 - 1][2]) if j2 > j1 else (_at(b, j1, new), _at(b, j1, new))
        ops.append(WordOp(tag, old[o_span[0]:o_span[1]], new[n_span[0]:n_span[1]],
                          o_span, n_span))
    return ops


def _at(tokens: list[tuple[str, int, int]], k: int, text: str) -> int:
    return tokens[k][1] if k < len(tokens) else len(text)


def render_word_diff(ops: Sequence[WordOp], context: int = 8) -> str:
    """``… kept words [-removed-] {+added+} kept …``, with long unchanged runs cut short."""
    out = []
    for n, op in enumerate(ops):
        if op.tag == "equal":
            words = op.new.split()
            first, last = n == 0, n == len(ops) - 1
            if len(words) > 2 * context:
                if first:
                    words = ["…", *words[-context:]]
                elif last:
                    words = [*words[:context], "…"]
                else:
                    words = [*words[:context], "…", *words[-context:]]
            elif first and len(words) > context:
                words = ["…", *words[-context:]]
            elif last and len(words) > context:
                words = [*words[:context], "…"]
            out.append(" ".join(words))
            continue
        if op.old:
            out.append(f"[-{op.old}-]")
        if op.new:
            out.append(f"{{+{op.new}+}}")
    return " ".join(out)
