"""Draw a batch of sentences for hand labelling, and collect the labelled worksheets into
``corpus/sentence_labels.jsonl`` rows (provenance and rules: ``corpus/sentence_labels.md``).

    python -m evals.label_batch draw --ota OTA --seed 2340 --tos 16 --privacy 12 --out DIR
    python -m evals.label_batch collect DIR --ota OTA --batch 4 --out rows.jsonl

``draw`` shuffles the services no labelled row or held-out sentence comes from (minus
``EXCLUDED``) with ``random.Random(seed)``, walks them in that order, takes the Terms of
Service of the first ``--tos`` that have one, then the Privacy Policy of the next ``--privacy``
that have one (a service passed while terms were wanted is not revisited), and cuts from each a
contiguous run of ``--run`` sentences at a random start (the whole document when shorter), so
runs are not picked for density. A document whose run repeats sentences already labelled or
held out (another service's copy of the same policy) is passed over. Each document becomes
``DIR/sheets/<prefix>.jsonl`` ({"id", "n", "section", "text"} per sentence); the labeller
writes ``DIR/labelled/<prefix>.jsonl`` ({"id", "labels", "severity"} per sentence).
``collect`` checks every labelled sheet against its worksheet and the taxonomy and writes the
rows, with each text's digest and the batch number.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

from corpus.errors import BadInput

EXCLUDED = {
    "Match": "Match Group owns OkCupid, a held-out service",
    "Tinder": "Match Group owns OkCupid, a held-out service",
    "Doubao": "not in English",
    "Wenxinyiyan": "not in English",
}
SHORT = {"Terms of Service": "tos", "Privacy Policy": "pp"}
SEVERITIES = ("high", "medium", "low", "favourable")
REPEATS_ALLOWED = 2  # sentences of a run that may already be labelled ("Contact us." ...)


def prefix(platform: str, doc_type: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", platform.lower()).strip("-")
    return f"{slug}-{SHORT.get(doc_type, re.sub(r'[^a-z0-9]+', '', doc_type.lower()))}"


def draw(ota: Path, seed: int, tos: int, privacy: int, run: int, out: Path,
         skip: tuple[str, ...] = (), labelled_file: Path | None = None) -> list[dict]:
    """Write one worksheet per drawn document; return what was drawn or passed over. Services
    in ``skip`` are passed over where the walk meets them, after the shuffle, so the order of
    the others stays the seed's."""
    from corpus.sentence_labels import (
        current_documents,
        digest,
        document_sentences,
        read_labels,
        sentences_with_sections,
    )
    from evals.label_heldout import heldout_rows

    docs = current_documents(ota)
    labelled = read_labels(labelled_file)
    heldout = heldout_rows()
    taken = {r.platform for r in labelled} | {r["platform"] for r in heldout}
    seen = {digest(r["text"]) for r in heldout}
    for key in {(r.collection, r.platform, r.doc_type) for r in labelled}:
        seen.update(digest(s) for s in document_sentences(docs[key].text))
    services = sorted({p for _, p, _ in docs} - taken - set(EXCLUDED))
    rng = random.Random(seed)
    rng.shuffle(services)
    want = [(t, k) for t, k in (("Terms of Service", tos), ("Privacy Policy", privacy)) if k]
    drawn: list[dict] = []
    (out / "sheets").mkdir(parents=True, exist_ok=True)
    for service in services:
        if not want:
            break
        doc_type, left = want[0]
        keys = sorted(k for k in docs if k[1] == service and k[2] == doc_type)
        if not keys:
            continue
        key = keys[0]  # the first collection holding it
        if service in skip:
            drawn.append({"collection": key[0], "platform": service, "doc_type": doc_type,
                          "passed_over": "--skip"})
            continue
        sentences = sentences_with_sections(docs[key].text)
        start = rng.randrange(max(1, len(sentences) - run + 1))
        part = list(enumerate(sentences))[start:start + run]
        repeats = sum(digest(s) in seen for _, (s, _) in part)
        entry = {"collection": key[0], "platform": service, "doc_type": doc_type,
                 "first": start, "last": start + len(part) - 1,
                 "sentences": len(sentences), "repeats": repeats}
        if repeats > REPEATS_ALLOWED:
            drawn.append({**entry, "passed_over": "repeats sentences already labelled"})
            continue
        name = prefix(service, doc_type)
        with open(out / "sheets" / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for n, (text, section) in part:
                f.write(json.dumps({"id": f"{name}-{n}", "n": n, "section": section,
                                    "text": text}, ensure_ascii=False) + "\n")
        seen.update(digest(s) for s, _ in sentences)
        drawn.append({**entry, "sheet": name})
        want[0] = (doc_type, left - 1)
        if left == 1:
            want.pop(0)
    if want:
        raise BadInput(f"only {len([d for d in drawn if 'sheet' in d])} documents could be "
                       f"drawn; {want} still wanted")
    return drawn


def collect(folder: Path, ota: Path, batch: int) -> list[dict]:
    """Every labelled sheet under ``folder/labelled`` as rows of the labels file, checked
    against its worksheet (same ids in the same order) and the taxonomy; then, as training
    will read them, against the snapshot (``corpus.sentence_labels.texts``)."""
    from corpus.sentence_labels import LabelledSentence, digest, texts
    from corpus.taxonomy import load_taxonomy
    from evals.label_heldout import jsonl_rows

    slugs = {c.slug for c in load_taxonomy()}
    meta = {d["sheet"]: d for d in json.loads((folder / "drawn.json").read_text())
            if "sheet" in d}
    rows: list[dict] = []
    for name, d in meta.items():
        sheet = jsonl_rows(folder / "sheets" / f"{name}.jsonl")
        path = folder / "labelled" / f"{name}.jsonl"
        if not path.is_file():
            raise BadInput(f"{path} is missing: every drawn document must be labelled")
        got = jsonl_rows(path)
        if [g.get("id") for g in got] != [s["id"] for s in sheet]:
            raise BadInput(f"{path}: the ids are not those of its worksheet, in order")
        for s, g in zip(sheet, got, strict=True):
            labels, severity = list(g.get("labels") or []), g.get("severity")
            if not set(labels) <= slugs:
                raise BadInput(f"{s['id']}: {sorted(set(labels) - slugs)} not in the taxonomy")
            if (severity == "none") != (not labels) or severity not in (*SEVERITIES, "none"):
                raise BadInput(f"{s['id']}: severity {severity!r} does not fit labels {labels}")
            rows.append({"id": s["id"], "collection": d["collection"], "platform": d["platform"],
                         "doc_type": d["doc_type"], "n": s["n"], "sha256": digest(s["text"]),
                         "labels": labels, "severity": severity, "batch": batch})
    texts([LabelledSentence(**{**r, "labels": tuple(r["labels"])}) for r in rows], ota)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.label_batch", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("draw")
    d.add_argument("--seed", type=int, required=True)
    d.add_argument("--tos", type=int, default=14)
    d.add_argument("--privacy", type=int, default=14)
    d.add_argument("--run", type=int, default=50)
    d.add_argument("--skip", action="append", default=[], metavar="SERVICE",
                   help="pass over this service (e.g. its document is not in English)")
    d.add_argument("--labelled", type=Path, help="the labelled sentences to keep clear of "
                   "(default corpus/sentence_labels.jsonl; an earlier copy redraws a batch)")
    d.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("collect")
    c.add_argument("folder", type=Path)
    c.add_argument("--batch", type=int, required=True)
    c.add_argument("--out", type=Path, required=True)
    for q in (d, c):
        q.add_argument("--ota", type=Path, required=True,
                       help="the Open Terms Archive snapshot (../shared/policy-docs/ota)")
    a = p.parse_args(argv)
    try:
        if a.cmd == "draw":
            drawn = draw(a.ota, a.seed, a.tos, a.privacy, a.run, a.out, tuple(a.skip),
                         a.labelled)
            (a.out / "drawn.json").write_text(json.dumps(drawn, indent=1) + "\n",
                                              encoding="utf-8")
            for e in drawn:
                where = (f": sentences {e['first']}-{e['last']} of {e['sentences']}"
                         if "first" in e else "")
                print(f"{e['platform']} {e['doc_type']} ({e['collection']}){where}"
                      + (f" - passed over: {e['passed_over']}" if "passed_over" in e else ""))
            return 0
        rows = collect(a.folder, a.ota, a.batch)
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    a.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                     encoding="utf-8")
    print(f"{len(rows)} sentences of {len({r['id'].rsplit('-', 1)[0] for r in rows})} "
          f"documents, {sum(bool(r['labels']) for r in rows)} labelled -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
