"""The training-side tuning sets (evals/tuning_sets.py) on tiny inputs: no question shares a
case with the ToS;DR suite, and the OPP-115 sets keep PolicyQA dev's policies out and put each
policy in its fold."""

from __future__ import annotations

import json
import shutil
import zlib

from test_training_data import opp_root  # noqa: F401  (the OPP-115 fixture)

from corpus.qa_training import fold_of
from evals.tuning_sets import opp115_training_sets, untemplated_suite

QUOTE = ("Streamly may suspend or terminate your account at any time, without notice, if we "
         "believe you have breached these Terms.")
UPTIME = "Accessibility to this service is guaranteed at 99% or more"  # training wordings only
WORDINGS = ["What uptime does {platform} guarantee?",
            "Does {platform} promise its service will be available 99% of the time?",
            "What happens if {platform} is down longer than it promised?"]


def test_the_tosdr_set_asks_only_cases_the_suite_has_no_template_for(fixture_assistant,
                                                                      tmp_path):
    points = tmp_path / "points.jsonl"
    rows = [("1", "The service can delete your account without prior notice and without a "
             "reason"), ("2", UPTIME)]  # the first case is templated: the suite asks it
    points.write_text("".join(json.dumps({"point_id": pid, "service": "Streamly", "case": case,
                                          "quote_text": QUOTE}) + "\n" for pid, case in rows))
    cases, stats = untemplated_suite(fixture_assistant.store, points)
    want = WORDINGS[zlib.crc32(f"Streamly|{UPTIME}".encode()) % 3].replace("{platform}",
                                                                            "Streamly")
    assert [(c["id"], c["question"], c["expected"]) for c in cases] == [
        ("tosdr-2", want, ["streamly-bf7b-32gp-7whs"])]
    assert stats["case_templated"] == 1


def _shared(tmp_path, opp, dev_title):
    shared = tmp_path / "shared"
    shutil.copytree(opp, shared / "policy-docs" / "opp115")
    qa = {"question": "What contact details do you collect?", "id": "q1",
          "type": "First Party Collection/Use|||Personal Information Type|||Contact",
          "answers": [{"text": "x", "answer_start": 0}]}
    dev = shared / "policy-docs" / "policyqa" / "dev.json"
    dev.parent.mkdir(parents=True)
    dev.write_text(json.dumps({"data": [{"title": dev_title, "paragraphs": [
        {"context": "x", "qas": [qa]}]}]}))
    return shared


def test_the_opp115_sets_ask_training_policies_in_their_fold(opp_root, tmp_path):  # noqa: F811
    sets = opp115_training_sets(_shared(tmp_path, opp_root, "other.com"), per_fold=5)
    k = fold_of("example.com")
    assert sets[1 - k]["data"] == []
    [article] = sets[k]["data"]
    qas = [(p["context"], q) for p in article["paragraphs"] for q in p["qas"]]
    assert article["title"] == "example.com" and len(qas) == 1  # the one type dev asks
    context, q = qas[0]
    assert q["question"] == "What contact details do you collect?"
    start = q["answers"][0]["answer_start"]
    assert context[start:start + len(q["answers"][0]["text"])] == "your email address"


def test_the_opp115_sets_leave_policyqa_dev_policies_out(opp_root, tmp_path):  # noqa: F811
    sets = opp115_training_sets(_shared(tmp_path, opp_root, "example.com"), per_fold=5)
    assert sets[0]["data"] == [] and sets[1]["data"] == []
