"""Clause intelligence at run time: train the category classifier from ToS;DR assessments,
label the corpus, label texts a user brings, and gather what a record page shows (labels,
severity, prevalence, how other platforms word the same thing).

A model ships inside the package (``assistant/models/labels/``, its card beside it), so labels
work right after ingest. ``policy-assistant train-labels`` rebuilds one from the data under
``<data dir>/cache/`` (``labels-model.npz`` + ``.json``, plus ``labels-eval.json``), which is
then used instead. ToS;DR quotes are embedded once and cached by text hash and model name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embedder import Embedder, cached_vectors
from corpus import labels as store_labels
from corpus.classify import (
    LabelModel,
    TrainingSet,
    build_training_set,
    evaluate,
    evaluation_split,
    fits_per_train,
    model_arrays,
    model_from_arrays,
    train,
    with_sentences,
)
from corpus.errors import BadInput, IndexMissing
from corpus.label_rules import SEVERITY_PROXY, rule_labels
from corpus.severity import RULE, explain, gated, severity
from corpus.severity_gate import SeverityGate, fits, train_gate
from corpus.store import Store
from corpus.taxonomy import Category, load_case_map, load_taxonomy

MODEL_FILE = "labels-model.npz"
MODEL_META = "labels-model.json"
EVAL_FILE = "labels-eval.json"
MODEL_VERSION = 2
SHIPPED = Path(__file__).parent / "models" / "labels"
SIMILAR = 3

Progress = Callable[[int], None]


# ---- training data --------------------------------------------------------------------------

def assessments_from_store(store: Store) -> list[tuple[str, str, str, str]]:
    """(platform_id, case, classification, quote) of every ToS;DR assessment in the store."""
    return [(a.platform_id, a.case, a.classification, a.quote) for a in store.assessments()]


def assessments_from_points(path: Path) -> list[tuple[str, str, str, str]]:
    """The same, read from a ToS;DR ``points.jsonl`` file."""
    from corpus.ids import platform_slug
    from corpus.loaders.tosdr import load_tosdr

    problems: list[Any] = []
    out = [(platform_slug(a.platform), a.case, a.classification, a.quote)
           for a in load_tosdr(path, problems.append) if a.quote]
    if not out:
        raise BadInput(f"{path} holds no ToS;DR points with quotes")
    return sorted(out, key=lambda a: (a[0], a[1], a[3]))


def training_set(assessments: Iterable[tuple[str, str, str, str]]) -> TrainingSet:
    slugs = [c.slug for c in load_taxonomy()]
    data = build_training_set(assessments, load_case_map(), slugs)
    if not data.texts:
        raise IndexMissing("no ToS;DR assessments with quotes to train on; ingest the ToS;DR "
                           "points (`policy-assistant ingest ../shared/policy-docs/tosdr`) or "
                           "pass --points FILE")
    return data


# ---- training -------------------------------------------------------------------------------

def choose_kind(data: TrainingSet, emb: np.ndarray, kinds: Iterable[str],
                tick: Progress | None = None) -> LabelModel:
    """Train each candidate feature kind on all the data; keep the best out-of-fold macro-F1
    (grouped by platform, so the choice never sees a held-out platform)."""
    best: LabelModel | None = None
    for kind in kinds:
        m = train(data, emb, kind, tick=tick)
        if best is None or m.oof_macro_f1 > best.oof_macro_f1:
            best = m
    assert best is not None
    return best


def train_labels(store: Store, embedder: Embedder, cache_dir: Path,
                 points: Path | None = None, run_eval: bool = True,
                 kinds: tuple[str, ...] = ("embedding", "embedding+tfidf"),
                 progress: Progress | None = None,
                 on_stage: Callable[[str, int | None, str], None] | None = None,
                 out: Path | None = None, ota: Path | None = None) -> tuple[LabelModel, dict]:
    """Train on every assessment, evaluate on a platform-grouped split, save both (in
    ``out``, default ``cache_dir``, where the quote vectors are cached). Each stage is
    announced as ``on_stage(line, total, unit)`` and then reports ``progress(n)``: quotes
    embedded (total unknown: cached quotes are skipped), then classifiers fitted. With ``ota``
    (the Open Terms Archive snapshot the hand-labelled sentences of
    ``corpus/sentence_labels.jsonl.xz`` come from), the severity gate is trained on them too."""
    out = out or cache_dir
    stage = on_stage or (lambda line, total, unit: None)
    data = training_set(assessments_from_points(points) if points
                        else assessments_from_store(store))
    stage(f"embedding {len(data.texts)} ToS;DR quotes (cached by text hash)", None, "quote")
    emb = cached_vectors(data.texts, embedder, cache_dir, progress)
    report: dict[str, Any] = {"training": {
        "quotes": len(data.texts), "assessments": int(len(data.ref_row)),
        "platforms": len(set(data.groups.tolist())), "embedder": embedder.name,
        "source": str(points) if points else "store annotations"}}
    if run_eval:
        eval_kinds = (*kinds, "tfidf")
        tr, _ = evaluation_split(data)
        stage("evaluating on a platform-grouped split",
              len(eval_kinds) * fits_per_train(data.subset(tr)), "fit")
        t = time.perf_counter()
        report["evaluation"] = evaluate(data, emb, kinds=eval_kinds, tick=progress)
        report["evaluation"]["seconds"] = round(time.perf_counter() - t, 1)
    train_data, train_emb, sentences = data, emb, None
    if ota is not None:
        sentences = _sentences(embedder, cache_dir, ota, stage, progress)
        rows, texts, vecs = sentences
        train_data, train_emb = with_sentences(data, emb, texts, vecs,
                                               [r.labels for r in rows],
                                               [r.platform for r in rows])
        report["training"]["sentences"] = len(rows)
    stage("training the model on all assessments"
          + (" and hand-labelled sentences" if sentences else ""),
          len(kinds) * fits_per_train(train_data), "fit")
    model = choose_kind(train_data, train_emb, kinds, tick=progress)
    if sentences is not None:
        model.ref_vectors = model.ref_vectors[:len(data.texts)]  # the quotes' rows only
        model.gate = _train_gate(model, sentences, len(data.texts), stage, progress)
        report["gate"] = model.gate.info
    model.embedder = embedder.name
    model.info = {"version": MODEL_VERSION, "kind": model.kind,
                  "oof_macro_f1": round(model.oof_macro_f1, 4), "embedder": embedder.name,
                  "trained": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                  "quotes": len(data.texts)}
    report["model"] = model.info
    save_model(model, out)
    (out / EVAL_FILE).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return model, report


def _sentences(embedder: Embedder, cache_dir: Path, ota: Path,
               stage: Callable[[str, int | None, str], None], progress: Progress | None
               ) -> tuple[list[Any], list[str], np.ndarray]:
    """The hand-labelled sentences (corpus/sentence_labels.jsonl.xz), their texts rebuilt from
    the snapshot at ``ota``, and their vectors."""
    from corpus import sentence_labels

    rows = sentence_labels.read_labels()
    texts = sentence_labels.texts(rows, ota)
    stage(f"embedding {len(texts)} hand-labelled sentences (cached by text hash)", None,
          "sentence")
    return rows, texts, cached_vectors(texts, embedder, cache_dir, progress)


def _train_gate(model: LabelModel, sentences: tuple[list[Any], list[str], np.ndarray],
                first: int, stage: Callable[[str, int | None, str], None],
                progress: Progress | None) -> SeverityGate:
    """The severity gate, from the hand-labelled sentences (rows ``first`` onwards of the
    model's training data) and the category model's out-of-fold probabilities for them: the
    gate learns from probabilities of a model that never saw the sentence's service, as it
    will meet new text."""
    rows, texts, vecs = sentences
    assert model.oof_proba is not None
    proba = model.oof_proba[first:first + len(rows)]
    bad, good = model.near_shares(vecs)
    groups = [r.platform for r in rows]
    stage("training the severity gate on hand-labelled sentences", fits(groups), "fit")
    return train_gate(vecs, proba, bad, good, texts, np.array([r.against_user for r in rows]),
                      groups, tick=progress,
                      random_rows=np.array([r.drawn_at_random for r in rows]))


def save_model(model: LabelModel, folder: Path) -> Path:
    """Write ``labels-model.npz`` (arrays) and ``labels-model.json`` (metadata), each replaced
    atomically; the JSON goes last, so a crash never leaves a readable half."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays, meta = model_arrays(model)
    if isinstance(model.gate, SeverityGate):
        gate_arrays, gate_meta = model.gate.arrays()
        arrays.update(gate_arrays)
        meta.update(gate_meta)
    meta["version"] = MODEL_VERSION
    npz, js = folder / MODEL_FILE, folder / MODEL_META
    tmp = folder / (MODEL_FILE + ".tmp.npz")
    np.savez_compressed(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(npz)
    tmp_js = js.with_suffix(".tmp")
    tmp_js.write_text(json.dumps(meta, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp_js.replace(js)
    return npz


def model_folder(cache_dir: Path) -> Path:
    """Where the label model comes from: one ``train-labels`` wrote under the data dir's
    cache, else the one shipped inside the package."""
    return cache_dir if (cache_dir / MODEL_META).exists() else SHIPPED


def load_model(cache_dir: Path) -> LabelModel:
    """The model ``train-labels`` left in ``cache_dir``, else the shipped one."""
    return read_model(model_folder(cache_dir))


def read_model(folder: Path) -> LabelModel:
    npz, js = folder / MODEL_FILE, folder / MODEL_META
    if not js.exists():
        raise IndexMissing(f"no label model at {folder}; build it with "
                           "`policy-assistant train-labels`")
    try:
        meta = json.loads(js.read_text(encoding="utf-8"))
        with np.load(npz, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        if meta.get("version") != MODEL_VERSION:
            raise IndexMissing(f"{js} was built by another version; rebuild it with "
                               "`policy-assistant train-labels`")
        model = model_from_arrays(arrays, meta)
        model.gate = SeverityGate.from_arrays(arrays, meta)
    except IndexMissing:
        raise
    except Exception as exc:  # truncated, damaged, or missing one of its two files
        raise IndexMissing(f"{folder / MODEL_FILE} cannot be read ({type(exc).__name__}); "
                           "rebuild it with `policy-assistant train-labels`") from None
    model.info = {**model.info, "source": "shipped" if folder == SHIPPED else "trained here"}
    return model


# ---- labelling ------------------------------------------------------------------------------

def _names() -> dict[str, Category]:
    return {c.slug: c for c in load_taxonomy()}


def assign(model: LabelModel, vectors: np.ndarray, texts: list[str]
           ) -> list[list[tuple[str, float, str, str]]]:
    """Per text: (slug, confidence, severity, reason) for every category above its threshold,
    most confident first."""
    cats = _names()
    proba = model.proba(vectors if "embedding" in model.kind else None, texts)
    chosen = model.decide(proba)
    out: list[list[tuple[str, float, str, str]]] = [[] for _ in texts]
    for j, slug in enumerate(model.slugs):
        rows = np.flatnonzero(chosen[:, j])
        if not len(rows):
            continue
        near = model.near_ratings(vectors[rows], j)
        overall = model.category_ratings(j)
        for r, nr in zip(rows, near, strict=True):
            conf = float(proba[r, j])
            level = severity(nr, conf)
            out[r].append((slug, round(conf, 4), level,
                           explain(level, nr, overall, cats[slug].name, conf)))
    _apply_rules(model, vectors, texts, out, cats)
    if model.gate is not None:
        _gate(model, vectors, texts, proba, out)
    for labels in out:
        labels.sort(key=lambda x: (-x[1], x[0]))
    return out


def gate_probability(model: LabelModel, vectors: np.ndarray, texts: list[str],
                     proba: np.ndarray, rows: Sequence[int]) -> np.ndarray:
    """The severity gate's probability that each of ``rows`` is against the user, from the
    texts' vectors and the category model's probabilities for them (``model.proba``)."""
    assert model.gate is not None
    rows = list(rows)
    bad, good = model.near_shares(vectors[rows])
    return model.gate.proba(vectors[rows], proba[rows], bad, good, [texts[r] for r in rows])


def _gate(model: LabelModel, vectors: np.ndarray, texts: list[str], proba: np.ndarray,
          out: list[list[tuple[str, float, str, str]]]) -> None:
    """The severity gate (corpus/severity_gate.py) decides High/Medium against the rest for
    every labelled text; the neighbour rule still picks High or Medium, Favourable or Low."""
    assert model.gate is not None
    rows = [r for r, labels in enumerate(out) if labels]
    if not rows:
        return
    p = gate_probability(model, vectors, texts, proba, rows)
    for r, pr in zip(rows, p, strict=True):
        out[r] = [(slug, conf, *gated(level, why, float(pr), model.gate.threshold))
                  for slug, conf, level, why in out[r]]


def _apply_rules(model: LabelModel, vectors: np.ndarray, texts: list[str],
                 out: list[list[tuple[str, float, str, str]]], cats: dict[str, Category]) -> None:
    """Labels from the written rules (corpus.label_rules) for categories ToS;DR cannot teach."""
    index = {s: j for j, s in enumerate(model.slugs)}
    for r, text in enumerate(texts):
        for slug, match in rule_labels(text).items():
            if any(x[0] == slug for x in out[r]):
                continue
            name = cats[slug].name
            if match.negated:
                out[r].append((slug, match.confidence, "Favourable",
                               f"Favourable: the clause says the provider does not do this "
                               f"({name!r}, matched by a written rule, {match.confidence:.0%} "
                               "precision on a hand-checked sample)"))
                continue
            proxy = SEVERITY_PROXY[slug]
            j = index[proxy]
            near = model.near_ratings(vectors[[r]], j)[0]
            level = severity(near, match.confidence)
            why = explain(level, near, model.category_ratings(j), cats[proxy].name,
                          match.confidence)
            out[r].append((slug, match.confidence, level,
                           f"{why} (ToS;DR has too few assessments of {name!r}, so the "
                           f"closest assessed category stands in; label from a written rule, "
                           f"{match.confidence:.0%} precision on a hand-checked sample)"))


@dataclass
class LabelRun:
    clauses: int = 0
    labelled_clauses: int = 0
    labels: int = 0
    seconds: float = 0.0
    per_category: dict[str, int] = field(default_factory=dict)


def label_corpus(store: Store, model: LabelModel, chunk: int = 4096,
                 progress: Progress | None = None) -> LabelRun:
    """Label every clause in the store (all versions) and replace the ``labels`` table."""
    t0 = time.perf_counter()
    rows = store.clause_inputs()
    if not rows:
        raise IndexMissing("no clauses in the store; run `policy-assistant ingest` first")
    run = LabelRun(clauses=len(rows))
    out: list[tuple[str, str, float, str, str]] = []
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        vecs = store.embeddings(model.embedder, sorted({r[2] for r in part}))
        missing = [r[0] for r in part if r[2] not in vecs]
        if missing:
            raise IndexMissing(f"{len(missing)} clauses have no {model.embedder} vector (e.g. "
                               f"{missing[0]}); run `policy-assistant ingest` to embed them")
        mat = np.stack([np.frombuffer(vecs[r[2]], dtype=np.float32) for r in part])
        for r, labels in zip(part, assign(model, mat, [r[1] for r in part]), strict=True):
            run.labelled_clauses += bool(labels)
            for slug, conf, level, reason in labels:
                out.append((r[0], slug, conf, level, reason))
                run.per_category[slug] = run.per_category.get(slug, 0) + 1
        if progress:
            progress(len(part))
    run.labels = store_labels.replace_labels(store, out, json.dumps(model.info))
    run.seconds = time.perf_counter() - t0
    return run


def keep_labels_current(store: Store, clauses: int, embedder_name: str, cache_dir: Path,
                        clauses_changed: bool, progress: Progress | None = None
                        ) -> tuple[LabelRun | None, str]:
    """After ingest (``clauses``: how many the store holds): label the corpus when it has no
    labels yet, its clauses changed, or its labels came from another model; else leave them.
    Returns the run (None when nothing was labelled) and one line that says what happened."""
    if not clauses:
        return None, "labels: no clauses to label"
    try:
        model = load_model(cache_dir)
    except IndexMissing as exc:
        return None, f"labels: not made ({exc})"
    if model.embedder != embedder_name:
        return None, (f"labels: not made (the label model reads {model.embedder} vectors and "
                      f"this data dir holds {embedder_name} vectors; run `policy-assistant "
                      "train-labels`)")
    same_model = store_labels.model_info(store) == json.loads(json.dumps(model.info))
    if same_model and not clauses_changed and store_labels.has_labels(store):
        return None, "labels: up to date"
    run = label_corpus(store, model, progress=progress)
    return run, (f"labels: {run.labelled_clauses} of {run.clauses} clauses labelled "
                 f"({run.labels} labels, {model.info['source']} model) in {run.seconds:.1f} s")


def label_texts(model: LabelModel, embedder: Embedder, texts: list[str],
                vectors: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Labels for clauses a user brings: categories with confidence, and a severity.
    ``vectors``: the texts already embedded by ``embedder``."""
    if embedder.name != model.embedder:
        raise BadInput(f"the label model was trained on {model.embedder} vectors but the "
                       f"embedder is {embedder.name}; use the same --embedder as train-labels")
    vecs = (vectors if vectors is not None else embedder.embed(texts) if texts
            else np.zeros((0, embedder.dim), np.float32))
    out = []
    for labels in assign(model, vecs, texts):
        out.append({
            "categories": [{"slug": s, "confidence": c} for s, c, _, _ in labels],
            "severity": _worst([lv for _, _, lv, _ in labels]),
            "severity_by_category": {s: {"severity": lv, "reason": why}
                                     for s, _, lv, why in labels},
        })
    return out


_ORDER = {"High": 0, "Medium": 1, "Low": 2, "Favourable": 3}


def _worst(levels: list[str]) -> str | None:
    return min(levels, key=_ORDER.__getitem__) if levels else None


# ---- record pages, prevalence, filters ------------------------------------------------------

@dataclass
class Similar:
    record_id: str
    platform: str
    doc_type: str
    severity: str
    similarity: float
    text: str


@dataclass
class CategoryView:
    slug: str
    name: str
    confidence: float
    severity: str
    reason: str
    prevalence: str
    similar: list[Similar]


@dataclass
class RecordLabels:
    record_id: str
    severity: str | None
    categories: list[CategoryView]
    rule: str = RULE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """Plain-text block for the CLI record page and the app's record tab."""
        if not self.categories:
            return ["Clause labels: none (no category above its threshold)"]
        out = ["Clause labels (classifier trained on ToS;DR assessments and hand-labelled "
               "sentences):",
               f"Severity  {self.severity}"]
        for c in self.categories:
            out.append(f"Category  {c.name} [{c.slug}] · confidence {c.confidence:.0%}")
            out.append(f"  {c.reason}")
            out.append(f"  Prevalence: {c.prevalence}")
            if c.similar:
                out.append("  How other platforms handle it:")
                for s in c.similar:
                    snippet = s.text if len(s.text) <= 160 else s.text[:157] + "..."
                    out.append(f"    {s.record_id} ({s.platform}, {s.doc_type}; {s.severity}; "
                               f"similarity {s.similarity:.2f}) {snippet}")
        out.append(f"Rule      {self.rule}")
        return out


def similar_clauses(store: Store, record_id: str, slug: str, model_name: str,
                    k: int = SIMILAR) -> list[Similar]:
    """The closest current clauses of the same category on other platforms (best per
    platform), by cosine of the stored vectors."""
    me = store.clause_ref(record_id)
    if me is None:
        return []
    mine = store.embeddings(model_name, [me[1]]).get(me[1])
    if mine is None:
        return []
    rows, mat = store.memo(("category vectors", slug, model_name),
                           lambda: _category_vectors(store, slug, model_name))
    if not rows:
        return []
    sims = mat @ np.frombuffer(mine, dtype=np.float32)
    best: dict[str, int] = {}
    for i in np.argsort(-sims, kind="stable"):
        pid = rows[i].platform_id
        if pid != me[0] and pid not in best:
            best[pid] = int(i)
            if len(best) == k:
                break
    out = []
    for i in best.values():
        r = rows[i]
        text = store.clause_text(r.record_id)
        out.append(Similar(r.record_id, r.platform, r.doc_type, r.severity,
                           round(float(sims[i]), 4), text))
    return out


def _category_vectors(store: Store, slug: str, model_name: str
                      ) -> tuple[list[store_labels.LabelledClause], np.ndarray]:
    """The current clauses labelled ``slug`` that have a ``model_name`` vector, and those
    vectors as rows of one matrix (kept by the caller until the store changes)."""
    rows = store_labels.current_labelled(store, slugs=[slug])
    vecs = store.embeddings(model_name, sorted({r.embed_key for r in rows}))
    rows = [r for r in rows if r.embed_key in vecs]
    if not rows:
        return [], np.zeros((0, 0), np.float32)
    return rows, np.stack([np.frombuffer(vecs[r.embed_key], dtype=np.float32) for r in rows])


def prevalence_text(store: Store, slug: str) -> str:
    cat = _names()[slug]
    return store_labels.prevalence(store, slug, cat.doc_types).text()


def record_labels(store: Store, record_id: str, model_name: str = "", k: int = SIMILAR
                  ) -> RecordLabels | None:
    """Labels, severity, prevalence and similar clauses for a record; None if the corpus has
    not been labelled. ``model_name``: the vectors to compare (default: those the labels were
    made from)."""
    if not store_labels.has_labels(store):
        return None
    model_name = model_name or store_labels.model_info(store).get("embedder", "")
    cats = _names()
    views = []
    for lab in store_labels.labels_for(store, record_id):
        views.append(CategoryView(
            lab.slug, cats[lab.slug].name, lab.confidence, lab.severity, lab.reason,
            prevalence_text(store, lab.slug),
            similar_clauses(store, record_id, lab.slug, model_name, k)))
    return RecordLabels(record_id, _worst([v.severity for v in views]), views)


def prevalence_table(store: Store) -> list[dict[str, Any]]:
    """Prevalence and label counts of every category, live from the store."""
    counts = store_labels.label_counts(store)
    out = []
    for c in load_taxonomy():
        p = store_labels.prevalence(store, c.slug, c.doc_types)
        out.append({"slug": c.slug, "name": c.name, "found": p.found, "of": p.of,
                    "unfavourable": p.unfavourable,
                    "share": round(p.share, 4), "as_of": p.as_of, "text": p.text(),
                    **counts.get(c.slug, {"clauses": 0, "current": 0})})
    return out


def allowed_records(store: Store, slugs: Iterable[str] = (), severities: Iterable[str] = (),
                    platform_ids: Iterable[str] = ()) -> frozenset[str]:
    """Record IDs of current clauses matching a category / severity filter, for
    ``Filters(records=...)``."""
    known = _names()
    slugs, severities = list(slugs), list(severities)
    for s in slugs:
        if s not in known:
            raise BadInput(f"unknown category {s!r}; see `policy-assistant prevalence`")
    for s in severities:
        if s not in _ORDER:
            raise BadInput(f"unknown severity {s!r} (High, Medium, Low, Favourable)")
    if not store_labels.has_labels(store):
        raise IndexMissing("the corpus has no labels yet; run `policy-assistant train-labels`")
    return frozenset(r.record_id for r in store_labels.current_labelled(
        store, slugs, severities, list(platform_ids)))
