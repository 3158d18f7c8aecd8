"""The trained question-answering cross-encoder at run time: for a question and candidate
clauses, one forward pass each gives a relevance score (reranker), the answering span
(reader) and yes / no / neither probabilities (lead gate). See ``assistant/models/qa/``
for the weights and their model card, ``assistant/qa_train.py`` for how they were made.

The shipped weights are the int8 difference against all-MiniLM-L6-v2; on first use they are
put together with the base model, converted to OpenVINO (float32 weights, see ``INT8``) and
cached under the data directory, like the embedder. Later starts load the cached model
without torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant import openvino_models as ovm
from assistant.qa_tokens import PairEncoder, best_span
from assistant.settings import check_qa_precision

MODEL_DIR = Path(__file__).with_name("models") / "qa"
DYNAMIC_GROUP = 384
MAX_LEN = 256
# pairs per inference call. One: no padding at all, and the same text always gets the same
# scores (a tracked copy of a clause ties with the original, so the fused order breaks the
# tie). `python -m evals.bench_latency --questions 60 --batch-ratio 4` (full corpus, 1 thread):
# reading p50 346 ms at 1 vs 376 ms at 4 (0.92x); scores equal to 8e-6.
BATCH = 1
# int8 weights at run time (OpenVINO weight compression plus dynamic int8 activations). Off:
# on the 2-core AVX2 machine this is measured on (no VNNI), int8 reads slower than float32
# (`python -m evals.bench_latency --questions 60 --int8-ratio`, see evals/README.md); the
# shipped file stays int8 either way, float32 is what it is decompressed to.
INT8 = False
# what the CPU computes in: bf16 where it does so natively (AVX-512 BF16, AMX), float32
# elsewhere (emulated bf16 is slower). On an AMD EPYC with AVX-512 BF16, reading 60 questions'
# 12 candidates at 1 thread (`python -m evals.bench_latency --precision-ratio`): bf16 p50
# 124 ms against float32 196 ms; relevance logits within 0.083 of float32's and every suite
# the same to 0.002 (README, "Answering stages"). Int8 read 96 ms but moved logits up to 0.71
# (median 0.29). The choices: assistant.settings.QA_PRECISIONS


@dataclass(frozen=True)
class Reading:
    """What the model says of one (question, passage) pair."""

    relevance: float  # logit; higher answers better
    span: tuple[int, int] | None  # character offsets of the answer in the passage
    span_score: float  # span score minus the null answer's; > 0: the model finds an answer
    yes: float  # probabilities of the three polarity classes
    no: float
    neither: float


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class QAModel:
    def __init__(self, model_dir: Path = MODEL_DIR, cache_dir: Path | None = None,
                 threads: int = 1, max_len: int = MAX_LEN, int8: bool = INT8,
                 precision: str = "auto"):
        from assistant import trained_weights as tw
        from corpus.errors import IndexMissing

        weights = model_dir / "weights.safetensors"
        if not weights.exists():
            raise IndexMissing(f"the question-answering model is missing ({weights}); "
                               "reinstall the package or train it with "
                               "`policy-assistant train-qa`")
        try:  # the header names the layer count; a damaged file fails here, not mid-convert
            tw.read_meta(weights)
        except Exception as exc:  # truncated, damaged, or not a safetensors file
            raise IndexMissing(f"{weights} cannot be read ({type(exc).__name__}); reinstall the "
                               "package or train it with `policy-assistant train-qa`") from None
        base = tw.base_model_dir()
        self._encoder = PairEncoder(base / "tokenizer.json", max_len)
        self.name, self._model = ovm.trained_model(f"qa-{model_dir.name}", weights, cache_dir,
                                                   lambda: _export(weights, base), int8)
        self.precision = "int8" if int8 else resolve_precision(precision)
        # one stream: a question's candidates are read as one request over all threads
        self._compiled = ovm.compile_cpu(self._model, threads, DYNAMIC_GROUP if int8 else 0,
                                         streams=1,
                                         precision="bf16" if self.precision == "bf16" else "f32")

    def read(self, question: str, passages: list[str], batch: int = BATCH) -> list[Reading]:
        """One reading per passage, in order (``batch`` passages per inference call, by
        length, so a short clause is never padded to a long one). A text that comes twice is
        read once: tracked copies of a clause are about a sixth of the candidates (122 of 720
        for 60 benchmark questions), and a text reads the same whatever is read beside it."""
        distinct = list(dict.fromkeys(passages))
        if len(distinct) < len(passages):
            once = dict(zip(distinct, self.read(question, distinct, batch), strict=True))
            return [once[p] for p in passages]
        out: list[Reading | None] = [None] * len(passages)
        order = sorted(range(len(passages)), key=lambda i: len(passages[i]))
        request = self._compiled.create_infer_request()
        encoded = self._encoder.encode([(question, p) for p in passages])  # tokenised once
        for b in range(0, len(order), batch):
            idx = order[b:b + batch]
            pairs = encoded.take(idx)
            res = request.infer(pairs.arrays())
            rel, start, end, pol = (np.asarray(res[k]) for k in range(4))
            probs = _softmax(pol.astype(np.float64))
            for row, i in enumerate(idx):
                s, e, score = best_span(start[row], end[row], pairs.passage[row])
                span = None
                if np.isfinite(score):
                    span = (pairs.offsets[row][s][0], pairs.offsets[row][e][1])
                out[i] = Reading(float(rel[row]), span, score, float(probs[row, 0]),
                                 float(probs[row, 1]), float(probs[row, 2]))
        return [r for r in out if r is not None]


def resolve_precision(precision: str) -> str:
    """``auto`` as this CPU's faster exact-enough precision; f32 and bf16 as given."""
    if check_qa_precision(precision) == "auto":
        return "bf16" if ovm.native_bf16() else "f32"
    return precision


def _export(weights: Path, base: Path) -> tuple[Any, dict[str, Any]]:
    import torch

    from assistant.qa_train import load_trained

    module = load_trained(weights, base)
    enc = PairEncoder(base / "tokenizer.json", 64)
    example = enc.encode([("can they end my account?", "We may suspend your account."),
                          ("a question", "a longer passage about something else entirely")])
    return module, {k: torch.from_numpy(v) for k, v in example.arrays().items()}
