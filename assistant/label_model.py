"""The fine-tuned sentence-label classifier at run time: one probability per taxonomy category
for each sentence, from MiniLM (first layers) fine-tuned on OPP-115 expert spans, ToS;DR
quotes and unquoted sentences (``assistant/label_train.py``). It is not shipped (on the
hand-labelled held-out set it scored below ``train-labels``' model, see the README), so it
runs only on a model folder given to it, for ``evals.label_heldout``. Converted to OpenVINO on
first use and cached, like the embedder; decision thresholds per category live beside the
weights (``thresholds.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from assistant import openvino_models as ovm

DYNAMIC_GROUP = 384
BATCH = 16


class SentenceLabeler:
    def __init__(self, model_dir: Path, cache_dir: Path | None = None,
                 threads: int = 1):
        from assistant.label_train import MAX_LEN, TextEncoder
        from assistant.trained_weights import base_model_dir, read_meta

        weights = model_dir / "weights.safetensors"
        if not weights.exists():
            from corpus.errors import IndexMissing

            raise IndexMissing(f"no label model at {weights}; train one with "
                               "`python -m assistant.label_train`")
        self.slugs: list[str] = json.loads(read_meta(weights)["labels"])
        th = model_dir / "thresholds.json"
        self.thresholds = np.array([json.loads(th.read_text())["thresholds"].get(s, 0.5)
                                    for s in self.slugs]) if th.exists() else \
            np.full(len(self.slugs), 0.5)
        base = base_model_dir()
        self._encoder = TextEncoder(base / "tokenizer.json", MAX_LEN)
        self.name, self._model = ovm.trained_model("labels", weights, cache_dir,
                                                   lambda: _export(weights, base))
        self._compiled = ovm.compile_cpu(self._model, threads, DYNAMIC_GROUP)
        self._streams = max(1, threads)

    def proba(self, texts: list[str]) -> np.ndarray:
        """(len(texts), categories) sigmoid probabilities; similar lengths batched together."""
        out = np.zeros((len(texts), len(self.slugs)), dtype=np.float32)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]

        def done(request: Any, idx: list[int]) -> None:
            out[idx] = 1 / (1 + np.exp(-request.get_output_tensor(0).data))

        queue = ovm.async_queue(self._compiled, self._streams)
        queue.set_callback(done)
        for idx in batches:
            queue.start_async(self._encoder.encode([texts[j] for j in idx]), idx)
        queue.wait_all()
        return out

    def decide(self, proba: np.ndarray) -> np.ndarray:
        return proba >= self.thresholds[None, :]


def _export(weights: Path, base: Path) -> tuple[Any, dict[str, Any]]:
    import torch

    from assistant.label_train import TextEncoder, load_trained

    module, _ = load_trained(weights, base)
    example = TextEncoder(base / "tokenizer.json", 32).encode(
        ["These Terms are governed by the laws of California.", "We may end your account."])
    return module, {k: torch.from_numpy(v) for k, v in example.items()}
