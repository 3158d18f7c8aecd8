"""Clause-category classifier over numpy arrays. scikit-learn is imported here and nowhere else.

Training data are ToS;DR assessments: each quote is labelled with the taxonomy categories its
case maps to (multi-label; quotes of reviewed-but-unmapped cases are negatives for every
category). One logistic regression per category (one-vs-rest) over sentence embeddings,
optionally concatenated with TF-IDF word and word-pair features. Confidence is calibrated by
Platt scaling fitted on out-of-fold scores (folds grouped by platform), and each category's
decision threshold is the one that maximises F1 on those same out-of-fold predictions, so
nothing is tuned on the evaluation split. Evaluation holds out whole platforms
(GroupShuffleSplit with a fixed seed) and compares against a TF-IDF + logistic-regression
baseline trained the same way on the same split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from corpus.severity import NEIGHBOURS, Ratings
from corpus.text import normalise

if TYPE_CHECKING:  # scikit-learn and scipy load only where a model is trained or applied
    from sklearn.feature_extraction.text import TfidfVectorizer

KINDS = ("embedding", "embedding+tfidf", "tfidf")
FOLDS = 5
Tick = Callable[[int], None]  # called with the number of classifiers fitted since the last call
SEED = 0
C_BY_KIND = {"embedding": 8.0, "embedding+tfidf": 8.0, "tfidf": 8.0}
_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


@dataclass
class TrainingSet:
    """Quotes (deduplicated per platform) with multi-label targets, plus every assessment as a
    (quote row, category, rating) triple for the severity rule."""

    texts: list[str]
    groups: np.ndarray  # platform ID per row
    Y: np.ndarray  # (rows, categories) 0/1
    slugs: list[str]
    ref_row: np.ndarray  # per assessment: row of its quote
    ref_slug: np.ndarray  # per assessment: category index
    ref_rating: np.ndarray  # per assessment: "bad" (bad/blocker), "good" or "neutral"

    def subset(self, rows: np.ndarray) -> TrainingSet:
        rows = np.asarray(rows)
        new = -np.ones(len(self.texts), dtype=np.int64)
        new[rows] = np.arange(len(rows))
        keep = new[self.ref_row] >= 0
        return TrainingSet([self.texts[i] for i in rows], self.groups[rows], self.Y[rows],
                           self.slugs, new[self.ref_row[keep]], self.ref_slug[keep],
                           self.ref_rating[keep])


def with_sentences(data: TrainingSet, emb: np.ndarray, texts: list[str],
                   vectors: np.ndarray, labels: Sequence[Sequence[str]],
                   groups: Sequence[str]) -> tuple[TrainingSet, np.ndarray]:
    """``data`` plus labelled sentences as rows after the quotes (no assessments: the severity
    rule's references stay the quotes'); a sentence with no label is a negative for every
    category. Groups are prefixed, so a sentence's service never shares a fold key with a
    ToS;DR platform of the same slug."""
    index = {s: i for i, s in enumerate(data.slugs)}
    Y = np.zeros((len(texts), len(data.slugs)), dtype=np.int8)
    for r, cats in enumerate(labels):
        Y[r, [index[c] for c in cats]] = 1
    out = TrainingSet(data.texts + list(texts),
                      np.concatenate([data.groups, np.array([f"sentences:{g}" for g in groups],
                                                            dtype=object)]),
                      np.vstack([data.Y, Y]), data.slugs, data.ref_row, data.ref_slug,
                      data.ref_rating)
    return out, np.vstack([emb, vectors])


def build_training_set(assessments: Iterable[tuple[str, str, str, str]],
                       case_map: dict[str, list[str]], slugs: Sequence[str]) -> TrainingSet:
    """``assessments``: (platform_id, case title, classification, quote). Quotes of cases not
    in the map, and empty quotes, are skipped; the same quote on one platform is one row."""
    index = {s: i for i, s in enumerate(slugs)}
    rows: dict[tuple[str, str], int] = {}
    texts: list[str] = []
    groups: list[str] = []
    labels: list[set[int]] = []
    refs: list[tuple[int, int, str]] = []
    for platform, case, rating, quote in assessments:
        quote = (quote or "").strip()
        mapped = case_map.get((case or "").strip())
        if not quote or mapped is None:
            continue
        key = (platform, normalise(quote))
        row = rows.get(key)
        if row is None:
            row = rows[key] = len(texts)
            texts.append(quote)
            groups.append(platform)
            labels.append(set())
        rating = "bad" if rating in ("bad", "blocker") else rating
        for slug in mapped:
            labels[row].add(index[slug])
            refs.append((row, index[slug], rating))
    Y = np.zeros((len(texts), len(slugs)), dtype=np.int8)
    for r, cats in enumerate(labels):
        Y[r, sorted(cats)] = 1
    ref = np.array(refs, dtype=object).reshape(-1, 3)
    return TrainingSet(texts, np.array(groups, dtype=object), Y, list(slugs),
                       ref[:, 0].astype(np.int64), ref[:, 1].astype(np.int64),
                       ref[:, 2].astype(str))


class Features:
    """Embeddings, TF-IDF, or both side by side (each row of each part has unit length)."""

    def __init__(self, kind: str):
        if kind not in KINDS:
            raise ValueError(f"unknown feature kind {kind!r}")
        self.kind = kind
        self.vectorizer: TfidfVectorizer | None = None

    def fit(self, texts: list[str]) -> Features:
        if "tfidf" in self.kind:
            self.vectorizer = _vectorizer(min_df=2, max_features=50_000).fit(texts)
        return self

    def state(self) -> tuple[list[str], np.ndarray]:
        """The TF-IDF vocabulary (in column order) and its IDF weights; empty without TF-IDF."""
        if self.vectorizer is None:
            return [], np.zeros(0, np.float32)
        vocab = self.vectorizer.vocabulary_
        return sorted(vocab, key=vocab.__getitem__), np.asarray(self.vectorizer.idf_, np.float32)

    @classmethod
    def restore(cls, kind: str, vocabulary: list[str], idf: np.ndarray) -> Features:
        """Features from ``state()``: the same transform, without refitting."""
        feats = cls(kind)
        if "tfidf" in kind:
            feats.vectorizer = tfidf_vectorizer(vocabulary, idf)
        return feats

    def transform(self, emb: np.ndarray | None, texts: list[str]) -> Any:
        from scipy import sparse

        parts: list[Any] = []
        if "embedding" in self.kind:
            if emb is None:
                raise ValueError("this model needs embeddings")
            parts.append(sparse.csr_matrix(emb) if self.vectorizer else np.asarray(emb))
        if self.vectorizer is not None:
            parts.append(self.vectorizer.transform(texts))
        return parts[0] if len(parts) == 1 else sparse.hstack(parts, format="csr")


def _vectorizer(**kw: Any) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), dtype=np.float32, **kw)


def _fit_column(F: Any, y: np.ndarray, C: float, seed: int, w: np.ndarray | None = None
                ) -> tuple[np.ndarray, float]:
    """One logistic regression (rows weighted by ``w``), kept as its weights and intercept (a
    linear score needs no scikit-learn object at run time, so the model saves as plain
    arrays)."""
    if y.min() == y.max():  # one class only: a constant score
        return np.zeros(F.shape[1], np.float32), 10.0 if y[0] else -10.0
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, solver="liblinear", random_state=seed, max_iter=200)
    clf.fit(F, y, sample_weight=w)
    return np.asarray(clf.coef_[0], np.float32), float(clf.intercept_[0])


def _fit(F: Any, Y: np.ndarray, C: float, seed: int, tick: Tick | None = None,
         w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    cols = []
    for j in range(Y.shape[1]):
        cols.append(_fit_column(F, Y[:, j].astype(int), C, seed, w))
        if tick is not None:
            tick(1)
    return (np.stack([c[0] for c in cols]),
            np.array([c[1] for c in cols], dtype=np.float32))


def tfidf_vectorizer(vocabulary: list[str] | None = None, idf: np.ndarray | None = None
                     ) -> TfidfVectorizer:
    """Words and word pairs, sublinear tf, min df 2; from a saved vocabulary and IDF when
    given (no refit)."""
    if vocabulary is None:
        return _vectorizer(min_df=2)
    vec = _vectorizer(vocabulary={t: i for i, t in enumerate(vocabulary)})
    vec.idf_ = np.asarray(idf, np.float64)
    return vec


def side_by_side(dense: np.ndarray, vec: TfidfVectorizer, texts: list[str]) -> Any:
    """Dense features and TF-IDF columns in one sparse matrix."""
    from scipy import sparse

    return sparse.hstack([sparse.csr_matrix(np.asarray(dense, np.float32)),
                          vec.transform(texts)], format="csr")


def fit_linear(F: Any, y: np.ndarray, C: float, seed: int = SEED) -> tuple[np.ndarray, float]:
    """One L2 logistic regression (lbfgs), as weights and intercept."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=5000, random_state=seed).fit(F, y)
    return np.asarray(clf.coef_[0], np.float32), float(clf.intercept_[0])


def grouped_folds(groups: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, test rows) per fold, whole groups apart."""
    from sklearn.model_selection import GroupKFold

    n = min(folds, len(set(groups.tolist())))
    return list(GroupKFold(n_splits=n).split(np.zeros(len(groups)), groups=groups))


def _scores(coef: np.ndarray, intercept: np.ndarray, F: Any) -> np.ndarray:
    return np.asarray(F @ coef.T.astype(np.float64), dtype=np.float64) + intercept


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int((y & pred).sum())
    denom = int(y.sum()) + int(pred.sum())
    return 2 * tp / denom if denom else 0.0


class Gate(Protocol):
    """What the label model needs of a severity gate (``corpus.severity_gate.SeverityGate``)."""

    threshold: float

    def proba(self, vectors: np.ndarray, category_proba: np.ndarray, bad: np.ndarray,
              good: np.ndarray, texts: Sequence[str]) -> np.ndarray: ...


@dataclass
class LabelModel:
    slugs: list[str]
    kind: str
    C: float
    features: Features
    coef: np.ndarray  # (categories, features): one linear score per category
    intercept: np.ndarray  # (categories,)
    platt: np.ndarray  # (categories, 2): probability = sigmoid(a * score + b)
    thresholds: np.ndarray  # per category, on the calibrated probability
    oof_macro_f1: float
    embedder: str = ""
    ref_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    ref_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ref_slug: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ref_rating: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    info: dict[str, Any] = field(default_factory=dict)
    gate: Gate | None = None  # corpus/severity_gate.py; None: the neighbour rule alone
    # calibrated out-of-fold probabilities of the training rows (set by training, not saved)
    oof_proba: np.ndarray | None = field(default=None, repr=False, compare=False)

    def proba(self, emb: np.ndarray | None, texts: list[str]) -> np.ndarray:
        """Calibrated probability of every category, (rows, categories)."""
        if not texts:
            return np.zeros((0, len(self.slugs)))
        s = _scores(self.coef, self.intercept, self.features.transform(emb, texts))
        return _sigmoid(s * self.platt[:, 0] + self.platt[:, 1])

    def decide(self, proba: np.ndarray) -> np.ndarray:
        return proba >= self.thresholds

    def category_ratings(self, slug_index: int) -> Ratings:
        r = self.ref_rating[self.ref_slug == slug_index]
        return Ratings(int((r == "bad").sum()), int((r == "good").sum()),
                       int((r == "neutral").sum()))

    def _nearest(self, vectors: np.ndarray, slug_index: int, k: int) -> np.ndarray | None:
        """Ratings of the ``k`` assessments of a category whose quotes are closest to each
        vector, (rows, k) ("bad", "good" or "neutral"); None when there are none. Only the
        set of the k nearest matters (counts), not their order."""
        sel = np.flatnonzero(self.ref_slug == slug_index)
        if not len(sel) or not len(vectors):
            return None
        sims = np.asarray(vectors, dtype=np.float32) @ self.ref_vectors[self.ref_row[sel]].T
        k = min(k, len(sel))
        order = (np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < len(sel)
                 else np.arange(len(sel))[None, :].repeat(len(sims), 0))
        return self.ref_rating[sel][order]

    def near_ratings(self, vectors: np.ndarray, slug_index: int, k: int = NEIGHBOURS
                     ) -> list[Ratings]:
        """Ratings of the ``k`` assessments of a category whose quotes are closest to each
        vector."""
        rated = self._nearest(vectors, slug_index, k)
        if rated is None:
            return [Ratings(0, 0, 0) for _ in range(len(vectors))]
        return [Ratings(int((r == "bad").sum()), int((r == "good").sum()),
                        int((r == "neutral").sum())) for r in rated]

    def near_shares(self, vectors: np.ndarray, k: int = NEIGHBOURS, chunk: int = 4096
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Per vector and category: the share of bad and of good ratings among the category's
        ``k`` nearest assessments (``near_ratings`` as shares, for every category at once),
        (rows, categories) each; the severity gate reads them."""
        bad = np.zeros((len(vectors), len(self.slugs)), np.float32)
        good = np.zeros_like(bad)
        for j in range(len(self.slugs)):
            for lo in range(0, len(vectors), chunk):
                rated = self._nearest(vectors[lo:lo + chunk], j, k)
                if rated is not None:
                    bad[lo:lo + chunk, j] = (rated == "bad").mean(1)
                    good[lo:lo + chunk, j] = (rated == "good").mean(1)
        return bad, good


def int8_rows(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows as int8 with one scale each (value = q * scale)."""
    m = np.asarray(m, np.float32).reshape(len(m), -1)
    scale = np.abs(m).max(axis=1) / 127.0 if m.size else np.zeros(len(m), np.float32)
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.round(m / scale[:, None]).astype(np.int8), scale


def model_arrays(model: LabelModel) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The model as plain arrays and JSON-able metadata (no pickle): the weights and the
    reference vectors quantised to int8 per row, everything else as is."""
    coef_q, coef_s = int8_rows(model.coef)
    ref_q, ref_s = int8_rows(model.ref_vectors)
    vocab, idf = model.features.state()
    arrays = {"coef_q": coef_q, "coef_scale": coef_s,
              "intercept": np.asarray(model.intercept, np.float32),
              "platt": np.asarray(model.platt, np.float64),
              "thresholds": np.asarray(model.thresholds, np.float64),
              "ref_q": ref_q, "ref_scale": ref_s, "ref_row": model.ref_row.astype(np.int32),
              "ref_slug": model.ref_slug.astype(np.int16),
              "ref_rating": np.asarray(model.ref_rating, dtype="<U8"), "idf": idf}
    meta = {"slugs": model.slugs, "kind": model.kind, "C": model.C,
            "oof_macro_f1": model.oof_macro_f1, "embedder": model.embedder,
            "info": model.info, "vocabulary": vocab}
    return arrays, meta


def model_from_arrays(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> LabelModel:
    kind = str(meta["kind"])
    return LabelModel(
        list(meta["slugs"]), kind, float(meta["C"]),
        Features.restore(kind, list(meta["vocabulary"]), arrays["idf"]),
        arrays["coef_q"].astype(np.float32) * arrays["coef_scale"][:, None],
        arrays["intercept"].astype(np.float32), arrays["platt"], arrays["thresholds"],
        float(meta["oof_macro_f1"]), str(meta["embedder"]),
        ref_vectors=arrays["ref_q"].astype(np.float32) * arrays["ref_scale"][:, None],
        ref_row=arrays["ref_row"].astype(np.int64), ref_slug=arrays["ref_slug"].astype(np.int64),
        ref_rating=arrays["ref_rating"].astype(str), info=dict(meta["info"]))


def fits_per_train(data: TrainingSet, folds: int = FOLDS) -> int:
    """How many classifiers ``train`` fits (one per category per fold, then on all the data):
    the unit of its progress."""
    n_groups = len(set(data.groups.tolist()))
    return (min(folds, n_groups) + 1 if n_groups >= 2 else 1) * data.Y.shape[1]


def _grid(y: np.ndarray, p: np.ndarray) -> list[tuple[float, int, float, float, float]]:
    """(threshold, texts called, precision, recall, F1) of ``p >= t`` at each grid threshold."""
    positives = int(y.sum())
    out = []
    for t in _GRID:
        pred = p >= t
        tp, called = int((y & pred).sum()), int(pred.sum())
        out.append((float(t), called, tp / called if called else 0.0,
                    tp / positives if positives else 0.0, round(_f1(y, pred), 6)))
    return out


def _best_f1(grid: list[tuple[float, int, float, float, float]]) -> float:
    """The best F1 of ``grid`` rows (ties: nearest 0.5)."""
    return max(grid, key=lambda g: (g[4], -abs(g[0] - 0.5)))[0]


def choose_threshold(y: np.ndarray, p: np.ndarray, min_precision: float | None = None
                     ) -> float:
    """The grid threshold with the best F1 of ``p >= t`` against ``y`` (ties: nearest 0.5); with
    ``min_precision``, the lowest one whose precision reaches it (the best-F1 one when none
    does)."""
    grid = _grid(y, p)
    if min_precision is not None:
        for t, called, precision, _, _ in grid:
            if called and precision >= min_precision:
                return t
    return _best_f1(grid)


def best_f1_threshold(y: np.ndarray, p: np.ndarray, min_precision: float = 0.0,
                      min_recall: float = 0.0) -> float | None:
    """The grid threshold with the best F1 of ``p >= t`` among those whose precision and recall
    reach the minimums (ties: nearest 0.5); None when none does."""
    eligible = [g for g in _grid(y, p) if g[2] >= min_precision and g[3] >= min_recall]
    return _best_f1(eligible) if eligible else None


def train(data: TrainingSet, emb: np.ndarray | None, kind: str = "embedding",
          C: float | None = None, folds: int = FOLDS, seed: int = SEED,
          tick: Tick | None = None, weights: np.ndarray | None = None,
          min_precision: float | None = None) -> LabelModel:
    """Fit per-category classifiers, with Platt calibration and thresholds from grouped
    out-of-fold predictions on ``data`` alone (``choose_threshold``). ``weights``: one per
    row (e.g. below 1 for unlabelled sentences taken as negatives). ``tick(1)`` after each
    classifier fitted (``fits_per_train`` in all)."""
    return train_variants(data, emb, kind, C, folds, seed, tick, weights, (min_precision,))[0]


def train_variants(data: TrainingSet, emb: np.ndarray | None, kind: str = "embedding",
                   C: float | None = None, folds: int = FOLDS, seed: int = SEED,
                   tick: Tick | None = None, weights: np.ndarray | None = None,
                   rules: Sequence[float | None] = (None,)) -> list[LabelModel]:
    """``train`` once, calibrated once per threshold rule (a ``min_precision`` or None): the
    classifiers and the out-of-fold scores are shared, so each extra rule is free."""
    C = C_BY_KIND[kind] if C is None else C
    Y = data.Y.astype(bool)
    n_groups = len(set(data.groups.tolist()))
    oof = np.zeros(Y.shape)
    from sklearn.linear_model import LogisticRegression

    if n_groups >= 2:
        for tr, va in grouped_folds(data.groups, folds):
            texts_tr = [data.texts[i] for i in tr]
            feats = Features(kind).fit(texts_tr)
            F_tr = feats.transform(None if emb is None else emb[tr], texts_tr)
            F_va = feats.transform(None if emb is None else emb[va],
                                   [data.texts[i] for i in va])
            oof[va] = _scores(*_fit(F_tr, Y[tr], C, seed, tick,
                                    None if weights is None else weights[tr]), F_va)
    platt = np.tile([1.0, 0.0], (Y.shape[1], 1))
    probs: dict[int, np.ndarray] = {}
    for j in range(Y.shape[1]):
        y = Y[:, j]
        if y.min() == y.max() or n_groups < 2:
            continue
        cal = LogisticRegression(C=1e4, solver="lbfgs").fit(oof[:, [j]], y.astype(int))
        platt[j] = (float(cal.coef_[0, 0]), float(cal.intercept_[0]))
        probs[j] = _sigmoid(oof[:, j] * platt[j, 0] + platt[j, 1])
    oof_proba = _sigmoid(oof * platt[:, 0] + platt[:, 1]) if n_groups >= 2 else None
    feats = Features(kind).fit(data.texts)
    F = feats.transform(emb, data.texts)
    coef, intercept = _fit(F, Y, C, seed, tick, weights)
    models = []
    for rule in rules:
        thresholds = np.array([0.5 if Y[:, j].any() else 1.01 for j in range(Y.shape[1])])
        f1s = []
        for j, p in probs.items():
            thresholds[j] = choose_threshold(Y[:, j], p, rule)
            f1s.append(_f1(Y[:, j], p >= thresholds[j]))
        models.append(LabelModel(
            data.slugs, kind, C, feats, coef, intercept, platt.copy(), thresholds,
            float(np.mean(f1s)) if f1s else 0.0,
            ref_vectors=(np.asarray(emb, dtype=np.float32) if emb is not None
                         else np.zeros((len(data.texts), 0), np.float32)),
            ref_row=data.ref_row, ref_slug=data.ref_slug, ref_rating=data.ref_rating,
            oof_proba=oof_proba))
    return models


def scores_table(Y: np.ndarray, pred: np.ndarray, slugs: Sequence[str]) -> dict[str, Any]:
    """Per-category precision/recall/F1/support; macro-F1 over categories with test support."""
    rows = {}
    for j, slug in enumerate(slugs):
        y, p = Y[:, j].astype(bool), pred[:, j].astype(bool)
        tp = int((y & p).sum())
        prec = tp / int(p.sum()) if p.any() else 0.0
        rec = tp / int(y.sum()) if y.any() else 0.0
        rows[slug] = {"precision": round(prec, 4), "recall": round(rec, 4),
                      "f1": round(_f1(y, p), 4), "support": int(y.sum()),
                      "predicted": int(p.sum())}
    scored = [r["f1"] for r in rows.values() if r["support"]]
    y_all, p_all = Y.astype(bool).ravel(), pred.astype(bool).ravel()
    return {"macro_f1": round(float(np.mean(scored)), 4) if scored else 0.0,
            "micro_f1": round(_f1(y_all, p_all), 4), "categories_scored": len(scored),
            "per_category": rows}


def calibration_error(Y: np.ndarray, proba: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error over every (clause, category) probability."""
    y, p = Y.astype(float).ravel(), proba.ravel()
    edges = np.linspace(0, 1, bins + 1)
    err = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
        if m.any():
            err += m.mean() * abs(p[m].mean() - y[m].mean())
    return round(float(err), 4)


def severity_agreement(model: LabelModel, test: TrainingSet, test_emb: np.ndarray
                       ) -> dict[str, Any]:
    """How often the severity rule, using only training assessments, lands on the side a
    held-out reviewer chose (bad/blocker -> High or Medium; good -> Favourable; neutral -> Low)
    for the category of each held-out assessment; beside a rule that ignores the clause and
    uses only the category's overall ratings."""
    from corpus.severity import severity

    want = {"bad": {"High", "Medium"}, "good": {"Favourable"}, "neutral": {"Low"}}
    hit_near = hit_prior = 0
    for row, j, rating in zip(test.ref_row, test.ref_slug, test.ref_rating, strict=True):
        near = model.near_ratings(test_emb[[row]], int(j))[0]
        hit_near += severity(near, 1.0) in want[rating]
        hit_prior += severity(model.category_ratings(int(j)), 1.0) in want[rating]
    n = len(test.ref_row)
    return {"assessments": n, "nearest_rule": round(hit_near / max(1, n), 4),
            "category_prior_rule": round(hit_prior / max(1, n), 4)}


def evaluation_split(data: TrainingSet, test_size: float = 0.2, seed: int = SEED
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Rows to train on and rows to score, whole platforms apart."""
    from sklearn.model_selection import GroupShuffleSplit

    split = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    tr, te = next(split.split(np.zeros(len(data.texts)), groups=data.groups))
    return tr, te


def evaluate(data: TrainingSet, emb: np.ndarray, kinds: Sequence[str] = KINDS,
             test_size: float = 0.2, seed: int = SEED, tick: Tick | None = None
             ) -> dict[str, Any]:
    """Hold out whole platforms, train each feature kind on the rest, score on the held out
    (``tick`` as in ``train``: ``fits_per_train`` of the training rows per kind)."""
    tr, te = evaluation_split(data, test_size, seed)
    train_set, test_set = data.subset(tr), data.subset(te)
    out: dict[str, Any] = {
        "split": {"seed": seed, "test_size": test_size,
                  "train_platforms": len(set(train_set.groups.tolist())),
                  "test_platforms": len(set(test_set.groups.tolist())),
                  "train_quotes": len(tr), "test_quotes": len(te),
                  "platform_overlap": len(set(train_set.groups.tolist())
                                          & set(test_set.groups.tolist()))},
        "systems": {},
    }
    for kind in kinds:
        model = train(train_set, emb[tr] if "embedding" in kind else None, kind, seed=seed,
                      tick=tick)
        proba = model.proba(emb[te] if "embedding" in kind else None, test_set.texts)
        table = scores_table(test_set.Y, model.decide(proba), data.slugs)
        table["ece"] = calibration_error(test_set.Y, proba)
        table["oof_macro_f1_on_train"] = round(model.oof_macro_f1, 4)
        if "embedding" in kind:
            table["severity"] = severity_agreement(model, test_set, emb[te])
        out["systems"][kind] = table
    return out
