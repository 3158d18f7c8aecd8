"""The question adapter (assistant/query_adapter.py): its arithmetic on hand-made weights, the
settings that switch it, and that the searcher's dense retrieval really goes through it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from assistant.query_adapter import QueryAdapter
from corpus.errors import BadInput


def write_adapter(path: Path, a_w: np.ndarray, a_b: np.ndarray, b_w: np.ndarray,
                  b_b: np.ndarray, embedder: str = "all-MiniLM-L6-v2-ov-int8-256",
                  int8: bool = False) -> Path:
    from safetensors.numpy import save_file

    tensors = {"a.weight": a_w, "a.bias": a_b, "b.bias": b_b}
    if int8:  # as the trainer stores matrices: int8 rows, one float32 scale per row
        scale = np.abs(b_w).max(axis=1).clip(min=1e-8) / 127.0
        tensors["b.weight.int8"] = np.round(b_w / scale[:, None]).astype(np.int8)
        tensors["b.weight.scale"] = scale.astype(np.float32)
    else:
        tensors["b.weight"] = b_w
    path.mkdir(parents=True, exist_ok=True)
    save_file({k: np.ascontiguousarray(v, dtype=v.dtype if v.dtype == np.int8 else np.float32)
               for k, v in tensors.items()}, str(path / "weights.safetensors"),
              metadata={"embedder": embedder})
    return path


def test_v_plus_b_relu_a_v_then_unit_length(tmp_path):
    # d = 2, hidden = 2: A = I, a = (0, -1), B = [[1, 0], [0, 1]] * 2, b = (0, 0)
    folder = write_adapter(tmp_path / "m", np.eye(2), np.array([0.0, -1.0]), 2 * np.eye(2),
                           np.zeros(2), int8=True)
    adapter = QueryAdapter(folder)
    out = adapter(np.array([[0.6, 0.8]], dtype=np.float32))
    # relu(A v + a) = (0.6, 0); v + B h = (0.6 + 1.2, 0.8) = (1.8, 0.8); / |.| = 1.9698
    assert out.shape == (1, 2) and out.dtype == np.float32
    assert np.allclose(out[0], [1.8 / np.hypot(1.8, 0.8), 0.8 / np.hypot(1.8, 0.8)], atol=1e-6)


def test_a_zero_residual_leaves_unit_vectors_as_they_are(tmp_path):
    rng = np.random.default_rng(0)
    folder = write_adapter(tmp_path / "m", rng.normal(size=(8, 4)), rng.normal(size=8),
                           np.zeros((4, 8)), np.zeros(4))
    v = rng.normal(size=(3, 4)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    assert np.allclose(QueryAdapter(folder)(v), v, atol=1e-7)


def test_it_fits_only_the_model_it_was_trained_for(tmp_path):
    adapter = QueryAdapter(write_adapter(tmp_path / "m", np.eye(4), np.zeros(4), np.eye(4),
                                         np.zeros(4)))
    assert adapter.fits("all-MiniLM-L6-v2-ov-int8-256", 4)
    assert adapter.fits("all-MiniLM-L6-v2-bf16-128", 4)  # another precision / length
    assert not adapter.fits("hash-1024", 4)
    assert not adapter.fits("all-MiniLM-L6-v2-ov-int8-256", 1024)


def test_missing_or_foreign_files_are_one_line_errors(tmp_path):
    from safetensors.numpy import save_file

    with pytest.raises(BadInput, match="no question adapter"):
        QueryAdapter(tmp_path / "nothing")
    (tmp_path / "other").mkdir()
    save_file({"x": np.zeros(2, dtype=np.float32)}, str(tmp_path / "other" /
                                                         "weights.safetensors"))
    with pytest.raises(BadInput, match="not a question adapter"):
        QueryAdapter(tmp_path / "other")
    (tmp_path / "anon").mkdir()  # the right tensors, but no embedder named: fits nothing
    save_file({k: np.zeros((2, 2), dtype=np.float32) if k.endswith("weight")
               else np.zeros(2, dtype=np.float32) for k in ("a.weight", "a.bias", "b.weight",
                                                             "b.bias")},
              str(tmp_path / "anon" / "weights.safetensors"))
    with pytest.raises(BadInput, match="no 'embedder'"):
        QueryAdapter(tmp_path / "anon")
    whole = write_adapter(tmp_path / "cut", np.eye(4), np.zeros(4), np.eye(4), np.zeros(4))
    data = (whole / "weights.safetensors").read_bytes()
    (whole / "weights.safetensors").write_bytes(data[: len(data) // 2])  # a broken copy
    with pytest.raises(BadInput, match="cannot be read as a question adapter"):
        QueryAdapter(whole)


def test_the_shipped_adapter_is_for_minilm():
    adapter = QueryAdapter()
    assert adapter.fits("all-MiniLM-L6-v2-ov-int8-256", 384) and adapter.dim == 384


def test_settings_switch_it(fixture_assistant, monkeypatch):
    from assistant.core import Assistant
    from assistant.settings import Settings

    monkeypatch.setenv("POLICY_ASSISTANT_QUERY_ADAPTER", "sometimes")
    with pytest.raises(BadInput, match="use on, off or auto"):
        _ = Settings.from_env().query_adapter_mode
    a = fixture_assistant
    assert a.settings.query_adapter == "auto" and a.query_adapter is None  # hash embedder
    on = Assistant(replace(a.settings, query_adapter="on"), store=a.store,
                   embedder=a.embedder, chroma=a.chroma)
    with pytest.raises(BadInput, match="trained for 'all-MiniLM-L6-v2"):
        _ = on.query_adapter


def test_dense_search_goes_through_the_adapter(fixture_assistant, tmp_path):
    """An adapter whose output is one clause's own vector, whatever the question, must make
    that clause the top dense hit: the searcher applies it to every question. Its score stays
    the plain embedding's cosine."""
    from assistant.core import Assistant

    a = fixture_assistant
    question = "Can they terminate my account?"
    plain = a.search(question, k=5, mode="dense")
    target = plain[-1]  # the fifth hit without the adapter
    vec = a.embedder.embed([target.text])[0]
    dim = a.embedder.dim
    folder = write_adapter(tmp_path / "m", np.zeros((2, dim)), np.zeros(2),
                           np.zeros((dim, 2)), 1e3 * vec, embedder=a.embedder.name)
    adapted = Assistant(replace(a.settings, query_adapter="on",
                                query_adapter_model=str(folder)),
                        store=a.store, embedder=a.embedder, chroma=a.chroma)
    hits = adapted.search(question, k=5, mode="dense")
    assert plain[0].record_id != target.record_id
    assert hits[0].record_id == target.record_id
    # the adapted question sits next to that clause (its stored vector embeds the section
    # heading too, so not exactly on it); the hit reports the plain question's cosine, the
    # scale the abstention thresholds are calibrated on
    assert hits[0].dense == pytest.approx(target.dense, abs=1e-5)
    assert target.dense < 0.9
    # adapt=False (the eval's plain column) gives the plain ranking back
    assert [h.record_id for h in adapted.search(question, k=5, mode="dense", adapt=False)] \
        == [h.record_id for h in plain]

