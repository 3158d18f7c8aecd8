"""Recognise the document types a question names ("their privacy policies", "the terms of
use", "the community guidelines"), among those the corpus holds, with where they stand."""

from __future__ import annotations

import re

# other names people give a document type the corpus holds
DOC_TYPE_ALIASES = {
    "terms of use": "Terms of Service", "terms and conditions": "Terms of Service",
    "user agreement": "Terms of Service", "tos": "Terms of Service",
    "privacy notice": "Privacy Policy", "privacy statement": "Privacy Policy",
    "cookie policy": "Trackers Policy", "cookies policy": "Trackers Policy",
    "cookie notice": "Trackers Policy",
}


def _doc_type_pattern(name: str) -> str:
    words = [re.escape(w) for w in name.lower().split()]
    last = words[-1]
    if len(last) > 4:  # a plural ("policies", "guideline"); "tos" stays itself, never "to"
        words[-1] = ("polic(?:y|ies)" if last == "policy" else
                     last.rstrip("s") + "s?" if last.endswith("s") else last + "s?")
    return r"\b" + r"\s+".join(words) + r"\b"


def doc_type_spans(message: str, doc_types: list[str]) -> list[tuple[str, int, int]]:
    """(document type, start, end) of each document type the message names ("their privacy
    policies", "the community guidelines", "terms of use"), among ``doc_types``."""
    known = {d.lower(): d for d in doc_types}
    names = {**{d.lower(): d for d in doc_types if " " in d},  # not "an announcement"
             **{a: known[t.lower()] for a, t in DOC_TYPE_ALIASES.items() if t.lower() in known}}
    out: list[tuple[str, int, int]] = []
    for key in sorted(names, key=len, reverse=True):  # "business privacy policy" first
        for m in re.finditer(_doc_type_pattern(key), message, re.I):
            if not any(s < m.end() and m.start() < e for _, s, e in out):
                out.append((names[key], m.start(), m.end()))
    return sorted(out, key=lambda t: t[1])
