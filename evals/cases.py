"""Suite files: one JSON object per line, each a case of one type.

Types and their fields (``id`` and ``type`` always; ``note`` optional):

- ``question``: ``question``; ``expected`` record IDs that answer it; optional ``quote`` (text a
  correct clause holds, or a list of such texts: a cited record holding one counts as correct)
  and ``platforms`` (names the user picked; empty: the platforms the question names, as a user
  asks).
- ``abstain``: ``question`` the documents do not answer; the assistant must say so.
- ``record``: ``record_id`` to look up; ``expect_text`` it holds, or ``expect_error``.
- ``bad_input``: ``question`` (and/or ``platforms``, ``record_id``) that must be refused with
  ``expect_error`` (``BadInput`` or ``NotFound``), never a crash.
- ``conversation``: ``turns`` of ``{message, expect_focus: [platform names], expected: [IDs],
  expect_route, expect_abstain}``.
- ``comparison``: ``question`` (the topic), ``platforms``; ``expect_platforms`` (rows),
  ``expect_not_addressed`` (rows that must say the documents are silent), ``expected`` IDs.
- ``yesno``: ``question`` whose true ``answer`` ("yes" / "no") was set by reading the
  ``platform``'s ``doc_type``; ``quote`` is the text that settles it. Scored on the lead the
  answer opens with (given or not; right or wrong) and on whether a cited record holds the quote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import BadInput

TYPES = ("question", "abstain", "record", "bad_input", "conversation", "comparison",
         "yesno")


@dataclass
class Case:
    id: str
    type: str
    question: str = ""
    platforms: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)
    quote: str | list[str] = ""  # one quote or several (any one counts)
    record_id: str = ""
    expect_text: str = ""
    expect_error: str = ""
    turns: list[dict[str, Any]] = field(default_factory=list)
    expect_platforms: list[str] = field(default_factory=list)
    expect_not_addressed: list[str] = field(default_factory=list)
    note: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    platform: str = ""  # yesno: the platform the question is about
    doc_type: str = ""  # yesno: the document that settles it
    answer: str = ""  # yesno: "yes" or "no"

    @property
    def answerable(self) -> bool:
        return self.type == "question" and bool(self.expected or self.quote)


_FIELDS = set(Case.__dataclass_fields__)
_STR_LISTS = {"platforms", "expected", "expect_platforms", "expect_not_addressed"}


def _kind_error(key: str, value: Any) -> str:
    """What is wrong with a field's value, or '' when it has the field's type."""
    def strs(v: Any) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    if key in _STR_LISTS:
        return "" if strs(value) else "a list of strings"
    if key == "quote":
        return "" if isinstance(value, str) or strs(value) else "a string or a list of strings"
    if key == "turns":
        ok = isinstance(value, list) and all(
            isinstance(t, dict) and isinstance(t.get("message", ""), str)
            and all(strs(t.get(k, [])) for k in ("expect_focus", "expected")) for t in value)
        return "" if ok else "a list of turn objects"
    if key == "meta":
        return "" if isinstance(value, dict) else "an object"
    return "" if isinstance(value, str) else "a string"


def parse_case(obj: Any, where: str) -> Case:
    if not isinstance(obj, dict):
        raise BadInput(f"{where}: a case must be a JSON object")
    unknown = set(obj) - _FIELDS
    if unknown:
        raise BadInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not obj.get("id") or obj.get("type") not in TYPES:
        raise BadInput(f"{where}: needs an id and a type ({', '.join(TYPES)})")
    for key, value in obj.items():
        if want := _kind_error(key, value):
            raise BadInput(f"{where}: field {key!r} must be {want}")
    case = Case(**obj)
    if case.type in ("question", "abstain") and not case.question.strip():
        raise BadInput(f"{where}: case {case.id} has no question")
    if case.type == "question" and not (case.expected or case.quote):
        raise BadInput(f"{where}: case {case.id} expects nothing (give expected or quote)")
    if case.type == "conversation" and not (case.turns and all(
            isinstance(t, dict) and t.get("message") for t in case.turns)):
        raise BadInput(f"{where}: case {case.id} needs turns with a message each")
    if case.type == "comparison" and not case.platforms:
        raise BadInput(f"{where}: case {case.id} names no platforms to compare")
    if case.type == "yesno" and (case.answer not in ("yes", "no") or not case.question.strip()):
        raise BadInput(f"{where}: case {case.id} needs a question and an answer (yes or no)")
    if case.type == "bad_input" and not case.expect_error:
        raise BadInput(f"{where}: case {case.id} needs expect_error")
    return case


def load_cases(path: Path | str) -> list[Case]:
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot be read ({exc})") from None
    cases: list[Case] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}:{n}: not JSON ({exc.msg})") from None
        case = parse_case(obj, f"{path}:{n}")
        if case.id in seen:
            raise BadInput(f"{path}:{n}: duplicate case id {case.id}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise BadInput(f"{path}: holds no cases")
    return cases
