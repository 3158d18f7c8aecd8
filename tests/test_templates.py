from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from evals.templates import (
    load_skipped,
    load_templates,
    parse_templates_file,
    question_for,
    validate_templates,
)

REPO = Path(__file__).resolve().parents[1]
REQUIRED_TOP_CASES = 60


def _points_path() -> Path:
    root = Path(os.environ.get("POLICY_DOCS", str(REPO.parent / "shared" / "policy-docs")))
    return root / "tosdr" / "points.jsonl"


def test_templates_load() -> None:
    templates = load_templates()
    assert len(templates) >= 80
    assert all(case == case.strip() and case for case in templates)


def test_every_template_is_one_question_with_one_platform() -> None:
    for case, question in load_templates().items():
        assert question.count("{platform}") == 1, case
        assert question.endswith("?"), case
        assert question.count("?") == 1, case


def test_file_is_sorted_and_formatted() -> None:
    path = REPO / "evals" / "tosdr_templates.json"
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    assert list(data["templates"]) == sorted(data["templates"])
    assert list(data["skipped"]) == sorted(data["skipped"])
    expected = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    assert text == expected


def test_skipped_cases_have_reasons_and_no_template() -> None:
    templates = load_templates()
    for case, reason in load_skipped().items():
        assert reason.strip(), case
        assert case not in templates


def test_question_for_exact_output() -> None:
    assert (
        question_for(
            "The service can delete your account without prior notice and without a reason",
            "Reddit",
        )
        == "Can Reddit delete my account without notice?"
    )
    assert (
        question_for("This service is only available to users over a certain age", "Discord")
        == "What is the minimum age to use Discord?"
    )


def test_question_for_strips_case_and_handles_unknown() -> None:
    # The raw data has this case with leading and trailing spaces.
    raw = " Terms may be changed any time at their discretion, without notice to the user "
    assert question_for(raw, "Spotify") == "Can Spotify change its terms without telling me?"
    assert question_for("Not a ToS;DR case", "Spotify") is None
    # Braces in a platform name are inserted literally, not formatted.
    assert (
        question_for("This service does not sell your personal data", "{x}")
        == "Does {x} sell my personal data?"
    )


@pytest.mark.parametrize(
    "bad",
    [
        "Can the service delete my account?",  # no placeholder
        "Can {platform} delete my {platform} account?",  # twice
        "Can {platform} delete my {account}?",  # other field
        "Can {platform} delete my account {?",  # stray brace
        "Can {platform} delete my account.",  # not a question
    ],
)
def test_bad_template_raises_value_error_naming_entry(bad: str) -> None:
    with pytest.raises(ValueError, match="Some bad case"):
        validate_templates({"Some bad case": bad})


def test_bad_file_structure_raises_value_error() -> None:
    with pytest.raises(ValueError, match="version"):
        parse_templates_file({"version": 2, "templates": {}})
    with pytest.raises(ValueError, match="both"):
        parse_templates_file(
            {"version": 1, "templates": {"A": "Is {platform} ok?"}, "skipped": {"A": "why"}}
        )


def test_most_frequent_cases_are_covered_or_skipped() -> None:
    path = _points_path()
    if not path.is_file():
        pytest.skip(f"ToS;DR points not found at {path} (set POLICY_DOCS)")
    counts: Counter[str] = Counter()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            point = json.loads(line)
            case = point.get("case")
            if isinstance(case, str) and case.strip() and (point.get("quote_text") or "").strip():
                counts[case.strip()] += 1
    covered = set(load_templates()) | set(load_skipped())
    # Include every case tied with the N-th one, so the check does not depend on tie order.
    threshold = counts.most_common(REQUIRED_TOP_CASES)[-1][1]
    top = [case for case, n in counts.most_common() if n >= threshold]
    missing = [case for case in top if case not in covered]
    assert not missing, f"top-{REQUIRED_TOP_CASES} cases without template or skip: {missing}"
    # Every key must be a real case title, so typos cannot silently shadow a case.
    unknown = sorted(covered - set(counts))
    assert not unknown, f"template keys that are not ToS;DR cases with quotes: {unknown}"
