"""Training-side tuning sets for the answering stages' settings (how many candidates the QA
model reads, how its rank is fused): questions that no evaluation suite asks, to be answered
only by the fold models that never saw their platform.

    python -m evals.tuning_sets --store DATA/store.sqlite --shared ../shared --out DIR

writes

- ``DIR/tosdr-untemplated.jsonl``, a case suite built like ``evals/suites/tosdr.jsonl`` from
  the ToS;DR cases that have training wordings (``corpus/tosdr_questions.json``) but no
  evaluation template, so none of its questions shares a case with the ToS;DR suite; one
  training wording per (platform, case), picked by a hash. Score it with
  ``python -m evals.folds DIR/tosdr-untemplated.jsonl --models F0 F1 --adapters A0 A1``.
- ``DIR/opp115-train-f0.json`` and ``-f1.json``: SQuAD files of the OPP-115 *training*
  policies of each fold (PolicyQA dev's 20 policies left out; the 20 test policies are not in
  the folder), ``--per-fold`` questions each, asked as PolicyQA asks (one per segment and
  annotation type, in a dev wording of the type). Score fold K with the models without it:
  ``POLICY_ASSISTANT_QA_MODEL=F_K POLICY_ASSISTANT_QUERY_ADAPTER_MODEL=A_K policy-assistant
  eval DIR/opp115-train-fK.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import zlib
from pathlib import Path
from typing import Any

from corpus import opp115
from corpus.qa_training import (
    fold_of,
    load_case_questions,
    policyqa_wordings,
    segment_questions,
)
from corpus.store import Store
from evals.make_tosdr_suite import generate
from evals.templates import load_templates


def untemplated_suite(store: Store, points: Path) -> tuple[list[dict[str, Any]], dict[str, int]]:
    templated = {k.strip() for k in load_templates()}
    wordings = {k.strip(): v["questions"] for k, v in load_case_questions().items()
                if k.strip() not in templated}

    def question(case: str, platform: str) -> str | None:
        qs = wordings.get(case.strip())
        if not qs:
            return None
        pick = qs[zlib.crc32(f"{platform}|{case}".encode()) % len(qs)]
        return str(pick).replace("{platform}", platform)

    return generate(store, points, question)


def opp115_training_sets(shared: Path, per_fold: int, seed: int = 7
                         ) -> dict[int, dict[str, Any]]:
    """{fold: SQuAD object} of the OPP-115 training policies, ``per_fold`` questions each
    (``seed`` picks the wordings; fold K's sample is drawn with seed K)."""
    docs = shared / "policy-docs"
    wordings, dev = policyqa_wordings(docs / "policyqa" / "dev.json")
    rng = random.Random(seed)
    articles: dict[int, list[dict[str, Any]]] = {0: [], 1: []}
    qids: dict[int, list[str]] = {0: [], 1: []}
    for segments in opp115.read_corpus(docs / "opp115", exclude=dev):
        site = segments[0].policy
        paragraphs = []
        for seg in segments:
            qas: list[dict[str, Any]] = [
                {"id": f"{site}-{seg.index}-{n}", "type": span.type, "question": q,
                 "answers": [{"text": seg.text[span.start:span.end],
                              "answer_start": span.start}]}
                for n, (span, q) in enumerate(segment_questions(seg, wordings, rng), 1)]
            paragraphs.append({"context": seg.text, "qas": qas})
            qids[fold_of(site)] += [str(q["id"]) for q in qas]
        articles[fold_of(site)].append({"title": site, "paragraphs": paragraphs})
    out = {}
    for k in (0, 1):
        pick = set(random.Random(k).sample(qids[k], min(per_fold, len(qids[k]))))
        for article in articles[k]:
            for para in article["paragraphs"]:
                para["qas"] = [q for q in para["qas"] if q["id"] in pick]
        out[k] = {"version": f"opp115-train-f{k}", "data": articles[k]}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, required=True, help="store.sqlite of the full corpus")
    ap.add_argument("--shared", type=Path, required=True, help="the shared data folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--per-fold", type=int, default=300, help="OPP-115 questions per fold")
    args = ap.parse_args(argv)
    for need in (args.store, args.shared / "policy-docs" / "opp115"):
        if not need.exists():
            raise SystemExit(f"{need} does not exist")
    args.out.mkdir(parents=True, exist_ok=True)
    cases, stats = untemplated_suite(Store(args.store),
                                     args.shared / "policy-docs" / "tosdr" / "points.jsonl")
    suite = args.out / "tosdr-untemplated.jsonl"
    suite.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases),
                     encoding="utf-8")
    print(f"wrote {len(cases)} cases over {stats.get('platforms', 0)} platforms to {suite}")
    for k, squad in opp115_training_sets(args.shared, args.per_fold).items():
        path = args.out / f"opp115-train-f{k}.json"
        path.write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
        n = sum(len(p["qas"]) for a in squad["data"] for p in a["paragraphs"])
        print(f"wrote {n} questions over {len(squad['data'])} policies (fold {k}) to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
