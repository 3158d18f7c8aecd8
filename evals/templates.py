"""Plain-language question templates for ToS;DR cases.

The templates live in ``evals/tosdr_templates.json``::

    {"skipped": {"<case>": "<reason>", ...},
     "templates": {"<case>": "<question with {platform}>", ...},
     "version": 1}

Each key is a ToS;DR case title with surrounding whitespace stripped. Each question is
written the way a user would ask it and contains the placeholder ``{platform}`` exactly
once, e.g. ``"Can {platform} delete my account without notice?"``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources

TEMPLATES_RESOURCE = "tosdr_templates.json"
PLACEHOLDER = "{platform}"
SUPPORTED_VERSION = 1


def validate_templates(templates: Mapping[str, object]) -> dict[str, str]:
    """Check every ``case -> question`` entry and return them as a plain dict.

    Raises ``ValueError`` naming the first bad entry: a case title that is empty or not
    stripped, a question that is not a string, does not contain ``{platform}`` exactly once,
    contains any other brace, or does not end with ``?``.
    """
    checked: dict[str, str] = {}
    for case, question in templates.items():
        if not isinstance(case, str) or not case.strip():
            raise ValueError(f"template key must be a non-empty case title: {case!r}")
        if case != case.strip():
            raise ValueError(f"template key has surrounding whitespace: {case!r}")
        if not isinstance(question, str):
            raise ValueError(f"template for case {case!r} is not a string: {question!r}")
        count = question.count(PLACEHOLDER)
        if count != 1:
            raise ValueError(
                f"template for case {case!r} must contain {PLACEHOLDER} exactly once "
                f"(found {count}): {question!r}"
            )
        rest = question.replace(PLACEHOLDER, "")
        if "{" in rest or "}" in rest:
            raise ValueError(
                f"template for case {case!r} has braces other than {PLACEHOLDER}: {question!r}"
            )
        if not question.rstrip().endswith("?"):
            raise ValueError(f"template for case {case!r} does not end with '?': {question!r}")
        checked[case] = question
    return checked


def parse_templates_file(data: object) -> tuple[dict[str, str], dict[str, str]]:
    """Validate the decoded JSON document; return ``(templates, skipped)``."""
    if not isinstance(data, dict):
        raise ValueError("templates file must hold a JSON object")
    version = data.get("version")
    if version != SUPPORTED_VERSION:
        raise ValueError(f"unsupported templates file version: {version!r}")
    raw_templates = data.get("templates")
    if not isinstance(raw_templates, dict):
        raise ValueError("templates file has no 'templates' object")
    raw_skipped = data.get("skipped", {})
    if not isinstance(raw_skipped, dict):
        raise ValueError("'skipped' must be an object mapping case -> reason")
    skipped: dict[str, str] = {}
    for case, reason in raw_skipped.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"skipped case {case!r} needs a non-empty reason")
        if case in raw_templates:
            raise ValueError(f"case {case!r} is both templated and skipped")
        skipped[case] = reason
    return validate_templates(raw_templates), skipped


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, str], dict[str, str]]:
    text = resources.files("evals").joinpath(TEMPLATES_RESOURCE).read_text(encoding="utf-8")
    return parse_templates_file(json.loads(text))


def load_templates() -> dict[str, str]:
    """Return ``{stripped case title: question template}`` (a fresh copy)."""
    return dict(_load()[0])


def load_skipped() -> dict[str, str]:
    """Return ``{stripped case title: reason}`` for cases deliberately left without a template."""
    return dict(_load()[1])


def question_for(case: str, platform: str) -> str | None:
    """The user question for a ToS;DR ``case`` about ``platform``, or None if not templated."""
    template = _load()[0].get(case.strip())
    if template is None:
        return None
    return template.replace(PLACEHOLDER, platform)
