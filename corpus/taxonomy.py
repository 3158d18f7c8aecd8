"""Clause-category taxonomy and the reviewed mapping of ToS;DR cases onto it.

Both files ship as package data of :mod:`corpus`:

* ``taxonomy.json`` -- list of ``{"slug", "name", "description", "doc_types"}``.
* ``tosdr_case_map.json`` -- ``{"version": 1, "cases": {case title: [slug, ...]}}``; an empty
  list marks a case that was reviewed and deliberately left unmapped. The first slug of a
  list is the primary category.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

TAXONOMY_FILE = "taxonomy.json"
CASE_MAP_FILE = "tosdr_case_map.json"
CASE_MAP_VERSION = 1

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Category:
    """One taxonomy category."""

    slug: str
    name: str
    description: str
    doc_types: tuple[str, ...]


def is_kebab_case(slug: str) -> bool:
    """Return True if ``slug`` is lower-case kebab-case (``[a-z0-9]`` words joined by ``-``)."""
    return bool(_SLUG_RE.match(slug))


def _read_json(name: str) -> Any:
    return json.loads(resources.files("corpus").joinpath(name).read_text(encoding="utf-8"))


def parse_taxonomy(raw: Any) -> list[Category]:
    """Validate decoded ``taxonomy.json`` content and build categories.

    Raises ValueError naming the offending entry.
    """
    if not isinstance(raw, list):
        raise ValueError("taxonomy must be a JSON list of categories")
    categories: list[Category] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise ValueError(f"taxonomy entry #{i} is not an object: {entry!r}")
        slug = entry.get("slug")
        if not isinstance(slug, str) or not is_kebab_case(slug):
            raise ValueError(f"taxonomy entry #{i}: slug {slug!r} is not kebab-case")
        if slug in seen:
            raise ValueError(f"taxonomy entry #{i}: duplicate slug {slug!r}")
        seen.add(slug)
        name, description = entry.get("name"), entry.get("description")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"taxonomy category {slug!r}: missing name")
        if not isinstance(description, str) or not description.strip():
            raise ValueError(f"taxonomy category {slug!r}: missing description")
        doc_types = entry.get("doc_types")
        if (
            not isinstance(doc_types, list)
            or not doc_types
            or not all(isinstance(d, str) and d for d in doc_types)
        ):
            raise ValueError(f"taxonomy category {slug!r}: doc_types must be a non-empty list")
        categories.append(Category(slug, name, description, tuple(doc_types)))
    return categories


def parse_case_map(raw: Any, known_slugs: set[str]) -> dict[str, list[str]]:
    """Validate decoded ``tosdr_case_map.json`` content against ``known_slugs``.

    Keys are returned stripped. Raises ValueError naming the offending case or slug.
    """
    if not isinstance(raw, dict) or raw.get("version") != CASE_MAP_VERSION:
        raise ValueError(f"case map must be an object with version {CASE_MAP_VERSION}")
    cases = raw.get("cases")
    if not isinstance(cases, dict):
        raise ValueError("case map: 'cases' must be an object")
    out: dict[str, list[str]] = {}
    for case, slugs in cases.items():
        key = case.strip()
        if not key:
            raise ValueError("case map: empty case title")
        if key in out:
            raise ValueError(f"case map: duplicate case {key!r} after stripping")
        if not isinstance(slugs, list):
            raise ValueError(f"case map: case {key!r} must map to a list of slugs")
        for slug in slugs:
            if not isinstance(slug, str) or not is_kebab_case(slug):
                raise ValueError(f"case map: case {key!r} has non-kebab-case slug {slug!r}")
            if slug not in known_slugs:
                raise ValueError(f"case map: case {key!r} references unknown slug {slug!r}")
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"case map: case {key!r} lists a slug twice")
        out[key] = list(slugs)
    return out


@cache
def _taxonomy() -> tuple[Category, ...]:
    return tuple(parse_taxonomy(_read_json(TAXONOMY_FILE)))


@cache
def _case_map() -> dict[str, tuple[str, ...]]:
    slugs = {c.slug for c in _taxonomy()}
    parsed = parse_case_map(_read_json(CASE_MAP_FILE), slugs)
    return {case: tuple(v) for case, v in parsed.items()}


def load_taxonomy() -> list[Category]:
    """Return the validated taxonomy categories in file order."""
    return list(_taxonomy())


def load_case_map() -> dict[str, list[str]]:
    """Return the validated ToS;DR case map (stripped case title -> slugs)."""
    return {case: list(v) for case, v in _case_map().items()}


def categories_for_case(case: str) -> list[str]:
    """Return the slugs for a ToS;DR case title (stripped); [] if unmapped or unknown."""
    return list(_case_map().get(case.strip(), ()))
