"""Draw a batch of sentences for hand labelling, and collect the labelled worksheets into
``corpus/sentence_labels.jsonl.xz`` rows (provenance and rules: ``corpus/sentence_labels.md``).

    python -m evals.label_batch draw --ota OTA --seed 2340 --tos 16 --privacy 12 --out DIR
    python -m evals.label_batch collect DIR --ota OTA --batch 4 --out rows.jsonl
    python -m evals.label_batch collect DIR --ota OTA --batch 11 --append \
        --out corpus/sentence_labels.jsonl.xz

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

``select`` draws a batch the other way: sentences the current label model finds hard for its
severity gate (see ``select``), for training only, never for thresholds or figures.

    python -m evals.label_batch select --ota OTA --data-dir DATA --seed 2360 --count 1200 \
        --out DIR
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from corpus.errors import BadInput, IndexMissing
from corpus.packed import open_text, write_text

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


def _excluded_digests(docs: dict, heldout: list[dict]) -> set[str]:
    """Every sentence of every document of a held-out service (and of the companies
    ``EXCLUDED`` names), so that no copy of a held-out policy under another name is drawn."""
    from corpus.sentence_labels import digest, document_sentences

    out = {digest(r["text"]) for r in heldout}
    services = {r["platform"] for r in heldout} | set(EXCLUDED)
    for (_, platform, _), doc in docs.items():
        if platform in services:
            out.update(digest(s) for s in document_sentences(doc.text))
    return out


def gate_scores(data_dir: Path, model_dir: Path | None = None
                ) -> Callable[[list[str]], tuple[np.ndarray, float]]:
    """A label model's (default: the shipped one) severity-gate probability of each text (NaN
    where the category model gives it no label, so the gate never sees it) and the gate's
    threshold; vectors are cached under ``data_dir/cache`` by text hash. The model is read
    here, so a wrong folder is reported before any sentence is read."""
    from assistant.embedder import cached_vectors
    from assistant.embedder_factory import make_embedder
    from assistant.labels import SHIPPED, gate_probability, read_model

    model = read_model(model_dir or SHIPPED)
    gate = model.gate
    if gate is None:
        raise BadInput(f"the label model in {model_dir or SHIPPED} has no severity gate "
                       "to select for")
    embedder = make_embedder("minilm", cache_dir=data_dir / "cache")
    if embedder.name != model.embedder:
        raise BadInput(f"the label model was trained on {model.embedder} vectors, not "
                       f"{embedder.name}")

    def score(texts: list[str]) -> tuple[np.ndarray, float]:
        vectors = cached_vectors(texts, embedder, data_dir / "cache")
        proba = model.proba(vectors if "embedding" in model.kind else None, texts)
        rows = np.flatnonzero(model.decide(proba).any(axis=1))
        out = np.full(len(texts), np.nan)
        out[rows] = gate_probability(model, vectors, texts, proba, rows.tolist())
        return out, gate.threshold
    return score


def select(ota: Path, seed: int, count: int, out: Path,
           score: Callable[[list[str]], tuple[np.ndarray, float]], per_document: int = 10,
           band: float = 0.5, labelled_file: Path | None = None) -> list[dict]:
    """Sentences near or above the severity gate's threshold, for hand labelling.

    Random runs (``draw``) stopped moving the gate's precision (corpus/sentence_labels.md), so
    this batch asks about the sentences the model gets wrong most often: of every Terms of
    Service and Privacy Policy sentence of the snapshot that is not labelled, not held out and
    not of a held-out service (any of its documents), those ``score`` gives a gate probability
    of at least ``band`` x its threshold; half drawn from those at or above the threshold
    (called High/Medium), half from those below, at most ``per_document`` a document, with
    ``random.Random(seed)``. Each worksheet row carries the sentences before and after it as
    context. Such a batch over-represents hard cases: training uses it, but thresholds are
    chosen on the random runs only (``corpus.sentence_labels.RANDOM_BATCHES``)."""
    from corpus.sentence_labels import (
        current_documents,
        digest,
        read_labels,
        sentences_with_sections,
    )
    from evals.label_heldout import heldout_rows

    docs = current_documents(ota)
    heldout = heldout_rows()
    seen = _excluded_digests(docs, heldout)
    done = read_labels(labelled_file)
    seen.update(r.sha256 for r in done)
    ids = {r.id for r in done}
    skip = {r["platform"] for r in heldout} | set(EXCLUDED)
    segmented: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    pool: list[tuple[tuple[str, str, str], int, str, str]] = []  # key, n, text, section
    for key in sorted(docs):
        if key[2] not in SHORT or key[1] in skip:
            continue
        segmented[key] = sentences_with_sections(docs[key].text)
        for n, (text, section) in enumerate(segmented[key]):
            d = digest(text)
            if d not in seen:
                pool.append((key, n, text, section))
                seen.add(d)  # a sentence shared by copies is drawn once
    print(f"scoring {len(pool)} sentences", file=sys.stderr)
    gate, tau = score([t for _, _, t, _ in pool])
    scored = ~np.isnan(gate)  # the category model labels it, so the gate sees it
    above = [int(r) for r in np.flatnonzero(scored & (gate >= tau))]
    near = [int(r) for r in np.flatnonzero(scored & (gate >= band * tau) & (gate < tau))]
    rng = random.Random(seed)
    taken: dict[tuple[str, str, str], int] = {}
    chosen: list[int] = []
    for part, want in ((above, count // 2), (near, count - count // 2)):
        rng.shuffle(part)
        got = 0
        for r in part:
            if got == want:
                break
            key = pool[r][0]
            if taken.get(key, 0) < per_document:
                taken[key] = taken.get(key, 0) + 1
                chosen.append(r)
                got += 1
    by_doc: dict[tuple[str, str, str], list[int]] = {}
    for r in sorted(chosen, key=lambda r: (pool[r][0], pool[r][1])):
        by_doc.setdefault(pool[r][0], []).append(r)
    (out / "sheets").mkdir(parents=True, exist_ok=True)
    drawn, bases = [], set()
    for key, picked in by_doc.items():
        base = name = prefix(key[1], key[2])
        # the same service's document in another collection, in this round or in a labelled
        # row (an earlier round's id): the collection's name keeps every id unique
        if base in bases or any(f"{base}-{pool[r][1]}" in ids for r in picked):
            name = f"{base}-{re.sub(r'[^a-z0-9]+', '-', key[0].lower()).strip('-')}"
        bases.add(base)
        sentences = segmented[key]
        with open(out / "sheets" / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for r in picked:
                n = pool[r][1]
                f.write(json.dumps({
                    "id": f"{name}-{n}", "n": n, "section": pool[r][3], "text": pool[r][2],
                    "before": sentences[n - 1][0] if n else "",
                    "after": sentences[n + 1][0] if n + 1 < len(sentences) else ""},
                    ensure_ascii=False) + "\n")
        drawn.append({"collection": key[0], "platform": key[1], "doc_type": key[2],
                      "selected": len(picked), "sheet": name})
    print(f"{len(pool)} sentences scored, {int(scored.sum())} labelled by the model, "
          f"{len(above)} at or above the gate's threshold {tau:.2f}, {len(near)} from "
          f"{band * tau:.2f} below it; {len(chosen)} selected from {len(by_doc)} documents",
          file=sys.stderr)
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
                   "(default corpus/sentence_labels.jsonl.xz; an earlier copy redraws a batch)")
    d.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("select", help="sentences a label model's severity gate finds hard")
    s.add_argument("--data-dir", type=Path, required=True,
                   help="where the embedding cache is (the ingest's data dir)")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--count", type=int, default=1200)
    s.add_argument("--per-document", type=int, default=10)
    s.add_argument("--model", type=Path, help="the label model whose gate selects (default: "
                   "the shipped one; `train-labels --out DIR` writes one)")
    s.add_argument("--labelled", type=Path, help="the labelled sentences to keep clear of "
                   "(default corpus/sentence_labels.jsonl.xz; an earlier copy redraws a batch)")
    s.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("collect")
    c.add_argument("folder", type=Path)
    c.add_argument("--batch", type=int, required=True)
    c.add_argument("--out", type=Path, required=True,
                   help="the rows' file (packed when it ends in .xz)")
    c.add_argument("--append", action="store_true", help="add the rows to --out, a labels "
                   "file such as corpus/sentence_labels.jsonl.xz, instead of replacing it")
    for q in (d, s, c):
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
        if a.cmd == "select":
            drawn = select(a.ota, a.seed, a.count, a.out, gate_scores(a.data_dir, a.model),
                           a.per_document, labelled_file=a.labelled)
            (a.out / "drawn.json").write_text(json.dumps(drawn, indent=1) + "\n",
                                              encoding="utf-8")
            return 0
        rows = collect(a.folder, a.ota, a.batch)
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        if a.append:
            text = _appended(a.out, rows, text)
    except (BadInput, IndexMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_text(a.out, text)
    print(f"{len(rows)} sentences of {len({r['id'].rsplit('-', 1)[0] for r in rows})} "
          f"documents, {sum(bool(r['labels']) for r in rows)} labelled -> {a.out}")
    return 0


def _appended(labels_file: Path, rows: list[dict], text: str) -> str:
    """The labels file's text with ``text`` (the rows) after it; an id it holds already is
    refused, so a batch collected twice cannot be counted twice."""
    from corpus.sentence_labels import read_labels

    if not labels_file.is_file():
        raise BadInput(f"{labels_file} does not exist: --append adds to a labels file")
    have = {r.id for r in read_labels(labels_file)}
    if twice := sorted(have & {r["id"] for r in rows}):
        raise BadInput(f"{labels_file} already holds {len(twice)} of these ids ({twice[0]}, "
                       "...): was this batch collected before?")
    with open_text(labels_file) as fh:
        return fh.read() + text


if __name__ == "__main__":
    raise SystemExit(main())
