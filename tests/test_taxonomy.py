"""Tests for the clause taxonomy and the reviewed ToS;DR case map (fast, no model)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from corpus.taxonomy import (
    categories_for_case,
    is_kebab_case,
    load_case_map,
    load_taxonomy,
    parse_case_map,
    parse_taxonomy,
)

REPO = Path(__file__).resolve().parents[1]
POLICY_DOCS = Path(os.environ.get("POLICY_DOCS", REPO.parent / "shared" / "policy-docs"))
POINTS = POLICY_DOCS / "tosdr" / "points.jsonl"

REQUIRED_SLUGS = {
    "arbitration",
    "unilateral-change",
    "content-removal",
    "account-termination",
    "jurisdiction",
    "governing-law",
    "limitation-of-liability",
    "indemnification",
    "contract-by-use",
    "privacy-by-acceptance",
    "data-sale",
    "third-party-sharing",
    "tracking-cookies",
    "targeted-advertising",
    "data-retention",
    "access-deletion-rights",
    "user-content-licence",
    "ai-training",
    "age-limits",
    "scraping-automated-access",
    "acceptable-use",
}


def test_taxonomy_loads() -> None:
    cats = load_taxonomy()
    assert 21 <= len(cats) <= 32
    for c in cats:
        assert c.name and c.description and c.doc_types


def test_required_slugs_present() -> None:
    missing = REQUIRED_SLUGS - {c.slug for c in load_taxonomy()}
    assert not missing


def test_slugs_unique_and_kebab_case() -> None:
    slugs = [c.slug for c in load_taxonomy()]
    assert len(slugs) == len(set(slugs))
    assert all(is_kebab_case(s) for s in slugs)


def test_map_slugs_exist() -> None:
    known = {c.slug for c in load_taxonomy()}
    for case, slugs in load_case_map().items():
        assert set(slugs) <= known, case


def test_map_file_sorted_and_stripped() -> None:
    raw = json.loads((REPO / "corpus" / "tosdr_case_map.json").read_text(encoding="utf-8"))
    keys = list(raw["cases"])
    assert keys == sorted(keys)
    assert all(k == k.strip() for k in keys)


def test_every_tosdr_case_is_mapped() -> None:
    if not POINTS.is_file():
        pytest.skip(f"ToS;DR points not found at {POINTS} (set POLICY_DOCS)")
    cases = set()
    with POINTS.open(encoding="utf-8") as fh:
        for line in fh:
            case = json.loads(line).get("case")
            if case:  # a few legacy points have no case at all
                cases.add(case.strip())
    missing = sorted(cases - set(load_case_map()))
    assert not missing, f"{len(missing)} unmapped cases, e.g. {missing[:5]}"


@pytest.mark.parametrize(
    ("case", "slug"),
    [
        (
            "You agree to defend, indemnify, and hold the service harmless in case of a claim "
            "related to your use of the service",
            "indemnification",
        ),
        (
            "The service can delete your account without prior notice and without a reason",
            "account-termination",
        ),
        ("This service does not sell your personal data", "data-sale"),
        ("You waive your right to a class action.", "arbitration"),
        ("The court of law governing the terms is in location X", "jurisdiction"),
        ("The court of law governing the terms is in location X", "governing-law"),
        ("Spidering or crawling is not allowed", "scraping-automated-access"),
        ("This service is only available to users over a certain age", "age-limits"),
        (
            "Terms may be changed any time at their discretion, without notice to the user",
            "unilateral-change",
        ),
        (
            "The service can delete specific content without reason and may do it without "
            "prior notice",
            "content-removal",
        ),
    ],
)
def test_spot_checks(case: str, slug: str) -> None:
    assert slug in categories_for_case(case)


def test_lookup_strips_and_handles_unmapped() -> None:
    assert "third-party-sharing" in categories_for_case(
        " This service can share your personal information to third parties "
    )
    assert categories_for_case("There is a date of the last update of the terms") == []
    assert categories_for_case("no such case") == []


def test_invalid_map_raises() -> None:
    known = {"arbitration"}
    with pytest.raises(ValueError, match="no-such-slug"):
        parse_case_map({"version": 1, "cases": {"A case": ["no-such-slug"]}}, known)
    with pytest.raises(ValueError, match="Not_Kebab"):
        parse_case_map({"version": 1, "cases": {"A case": ["Not_Kebab"]}}, known)
    with pytest.raises(ValueError):
        parse_case_map({"version": 2, "cases": {}}, known)


def test_invalid_taxonomy_raises() -> None:
    entry = {"slug": "Bad Slug", "name": "x", "description": "y", "doc_types": ["Privacy Policy"]}
    with pytest.raises(ValueError, match="Bad Slug"):
        parse_taxonomy([entry])
    ok = dict(entry, slug="ok")
    with pytest.raises(ValueError, match="duplicate"):
        parse_taxonomy([ok, ok])
