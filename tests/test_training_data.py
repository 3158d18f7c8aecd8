"""The training-set builders on tiny hand-made inputs in the real formats (an OPP-115 policy
with its consolidated annotations, PolicyQA dev wordings, ToS;DR points), with exact
expectations."""

from __future__ import annotations

import json
import random

import pytest

from corpus import label_training, opp115, qa_training
from corpus.qa_training import NO, fold_of

SEGMENTS = [
    "Privacy Policy <br> <br> Example.com respects your privacy.",
    "We collect your email address when you register. <br> We use it to send receipts.",
    "We may share your information with advertising partners. We never sell it.",
    "Contact us at privacy@example.com with any questions about this policy.",
]


def _annotation(seg: int, category: str, attr: str, value: str, selected: str) -> list[str]:
    raw = SEGMENTS[seg]
    start = raw.index(selected)
    attrs = {attr: {"selectedText": selected, "startIndexInSegment": start,
                    "endIndexInSegment": start + len(selected), "value": value}}
    return ["C1", "batch", "1", "1000", str(seg), category, json.dumps(attrs), "date", "url"]


@pytest.fixture()
def opp_root(tmp_path):
    root = tmp_path / "opp115"
    (root / "sanitized_policies").mkdir(parents=True)
    (root / opp115.CONSOLIDATION).mkdir(parents=True)
    (root / "sanitized_policies" / "1000_example.com.html").write_text("|||".join(SEGMENTS))
    import csv

    with (root / opp115.CONSOLIDATION / "1000_example.com.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(_annotation(1, "First Party Collection/Use", "Personal Information Type",
                               "Contact", "your email address"))
        w.writerow(_annotation(2, "Third Party Sharing/Collection", "Purpose", "Advertising",
                               "advertising partners"))
        w.writerow(_annotation(0, "Other", "Other Type", "Introductory/Generic",
                               "Example.com respects your privacy."))
    return root


def test_opp115_spans_land_on_the_cleaned_text(opp_root):
    segs = opp115.read_policy(opp_root, "example.com")
    assert segs[0].text == "Privacy Policy Example.com respects your privacy."  # <br> dropped
    sp = segs[1].spans[0]
    assert segs[1].text[sp.start:sp.end] == "your email address"
    assert sp.type == "First Party Collection/Use|||Personal Information Type|||Contact"
    assert segs[2].categories == {"Third Party Sharing/Collection"}


def test_policyqa_groups_ask_with_dev_wordings_and_hold_dev_policies_out(opp_root, tmp_path):
    dev = tmp_path / "dev.json"
    qa = {"question": "What contact details do you collect?", "id": "q1",
          "type": "First Party Collection/Use|||Personal Information Type|||Contact",
          "answers": [{"text": "x", "answer_start": 0}]}
    dev.write_text(json.dumps({"data": [{"title": "other.com", "paragraphs": [
        {"context": "x", "qas": [qa]}]}]}))
    groups = list(qa_training.policyqa_groups(opp_root, dev, random.Random(0), negatives=5))
    assert len(groups) == 1  # only the span whose type PolicyQA asks about
    g = groups[0]
    assert g.q == "What contact details do you collect?"
    assert g.pos[g.span[0]:g.span[1]] == "your email address"
    # negatives: every other segment, none of the same category
    assert sorted(g.negs) == sorted([SEGMENTS[2], "Privacy Policy Example.com respects your "
                                     "privacy.", SEGMENTS[3]])
    dev.write_text(dev.read_text().replace("other.com", "example.com"))
    assert list(qa_training.policyqa_groups(opp_root, dev, random.Random(0))) == []


def test_tosdr_groups_carry_questions_polarity_and_negatives_of_other_cases(tmp_path):
    points = tmp_path / "points.jsonl"
    rows = [("1", "Acme", "This service does not sell your personal data",
             "We do not sell your personal information to anyone."),
            ("2", "Acme", "The service gives 30 days of notice before closing your account",
             "We will give you 30 days of notice before we close your account."),
            ("3", "Acme", "The service can delete your account without prior notice and "
             "without a reason", "We may terminate your account at any time without notice.")]
    points.write_text("".join(json.dumps({"point_id": i, "service": s, "case": c,
                                          "quote_text": q}) + "\n" for i, s, c, q in rows))
    questions = {
        "This service does not sell your personal data": {
            "questions": ["Does {platform} sell data?"],
            "yesno": {"question": "Is my data sold by {platform}?", "answer": "no"}},
        "The service gives 30 days of notice before closing your account": {
            "questions": ["Will {platform} warn me before closing my account?"],
            "yesno": None}}
    groups = list(qa_training.tosdr_groups(points, random.Random(0), questions=questions))
    assert [(g.q, g.pol) for g in groups] == [
        ("Does Acme sell data?", None), ("Is my data sold by Acme?", NO),
        ("Will Acme warn me before closing my account?", None)]
    sale = groups[1]
    assert sale.pos[sale.span[0]:sale.span[1]] == rows[0][3]  # alone or between other quotes
    # the two account cases (both account-termination) are negatives of the sale case ...
    assert sorted(sale.negs) == sorted([rows[1][3], rows[2][3]])
    notice = groups[2]
    assert notice.negs == [rows[0][3]]  # ... but never of each other
    assert {g.fold for g in groups} == {fold_of("Acme")}


def test_label_examples_from_opp115_sentences(opp_root):
    ex = list(label_training.opp115_examples(opp_root))
    by_text = {e.text: e.labels for e in ex}
    assert by_text["We collect your email address when you register."] == ["data-collection"]
    assert by_text["We use it to send receipts."] == []  # a sentence no span touches
    assert by_text["We may share your information with advertising partners."] == [
        "targeted-advertising"]
    assert by_text["Privacy Policy Example.com respects your privacy."] == []  # "Other": negative


def test_fold_is_fixed_by_the_platform():
    # the fold models were trained on these assignments: a change of the hash would score
    # platforms with a model that saw them
    assert [fold_of(p) for p in ("Coursera", "coursera", "Spotify", "Reddit", "Bumble")] == \
        [0, 0, 1, 0, 0]
