"""The question adapter: a small residual network that moves a question's embedding towards the
stored vectors of the clauses that answer it (``v + B relu(A v + a) + b``, then unit length).

Only the question side changes, so the clause vectors in the index, the label model and "how
other platforms handle this" stay as they are and nothing is re-embedded. The weights are
trained by ``python -m assistant.adapter_train`` on the project's (question, answering clause,
same-document negatives) groups; see ``assistant/models/query/MODEL_CARD.md``. Runs on numpy
(one 384x768 and one 768x384 product a question, well under a millisecond); the file holds
int8 rows with a float32 scale per row, like the QA model's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).parent / "models" / "query"
WEIGHTS = "weights.safetensors"


class QueryAdapter:
    def __init__(self, folder: Path = MODEL_DIR):
        from assistant.trained_weights import load_numpy
        from corpus.errors import BadInput

        path = folder / WEIGHTS if folder.is_dir() else folder
        if not path.exists():
            raise BadInput(f"no question adapter at {path} (train one with "
                           "`python -m assistant.adapter_train`)")
        try:
            self.meta, w = load_numpy(path)
        except Exception as e:  # safetensors' own error type for a damaged file
            raise BadInput(f"{path} cannot be read as a question adapter ({e}); train it "
                           "again or set POLICY_ASSISTANT_QUERY_ADAPTER=off") from None
        try:
            self._a, self._a_bias = w["a.weight"], w["a.bias"]
            self._b, self._b_bias = w["b.weight"], w["b.bias"]
        except KeyError as e:
            raise BadInput(f"{path} is not a question adapter (no {e.args[0]})") from None
        if not self.meta.get("embedder"):
            raise BadInput(f"{path} is not a question adapter (no 'embedder' in its metadata)")
        self.dim = int(self._a.shape[1])
        self.path = path
        self.embedder = self.meta["embedder"]

    def fits(self, embedder_name: str, dim: int) -> bool:
        """Trained on vectors of this embedder's model (any precision or length setting)."""
        return dim == self.dim and embedder_name.startswith(self.embedder.split("-ov")[0])

    def __call__(self, vecs: np.ndarray) -> np.ndarray:
        v = np.asarray(vecs, dtype=np.float32)
        hidden = np.maximum(v @ self._a.T + self._a_bias, 0.0)
        out = v + hidden @ self._b.T + self._b_bias
        norm = np.linalg.norm(out, axis=-1, keepdims=True)
        return (out / np.maximum(norm, 1e-12)).astype(np.float32)
