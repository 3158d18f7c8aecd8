"""The shipped question adapter with the real embedder, and its trainer on a tiny set."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.test_slow_qa_model import COOKIES, NO_SALE, PASSAGES, RETENTION, TERMINATE

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    from assistant.embedder_factory import make_embedder

    return make_embedder("minilm", cache_dir=tmp_path_factory.mktemp("ov-cache"))


# Measured with the shipped adapter: the answering clause stays first (the plain embedding
# ranks these first too), at the cosine given (plain in the comment). The cosines pin the
# shipped weights: an identity or untrained adapter keeps the plain ones. It misses one of
# these clauses' questions: "Does Streamly use cookies?" ranks NO_SALE (0.40) over COOKIES
# (0.27), see the model card.
@pytest.mark.parametrize("question,best,cosine", [
    ("Can Streamly terminate my account?", TERMINATE, 0.576),  # plain 0.816
    ("Can they close my account without warning?", TERMINATE, 0.415),  # 0.544
    ("Can I be banned?", TERMINATE, 0.311),  # 0.464
    ("How long does Streamly keep my listening history?", RETENTION, 0.493),  # 0.733
    ("When is my data deleted?", RETENTION, 0.165),  # 0.465
    ("Does Streamly sell my personal data?", NO_SALE, 0.611),  # 0.891
    ("Is my information sold to advertisers?", NO_SALE, 0.305),  # 0.484
    ("Am I tracked when I use the service?", COOKIES, 0.363),  # 0.514
])
def test_the_shipped_adapter_keeps_the_answering_clause_first(embedder, question, best,
                                                               cosine):
    from assistant.query_adapter import QueryAdapter

    clauses = embedder.embed(PASSAGES)
    q = QueryAdapter()(embedder.embed([question]))[0]
    assert abs(float(np.linalg.norm(q)) - 1) < 1e-5
    scores = clauses @ q
    assert PASSAGES[int(np.argmax(scores))] == best
    # int8 kernels differ by CPU: on an AMD EPYC (AVX-512 VNNI) two cosines moved by 0.012;
    # the adapter still moves every one by 0.13 or more from the plain embedding's
    assert float(scores.max()) == pytest.approx(cosine, abs=0.03)


def test_a_short_training_run_gives_an_adapter_the_runtime_loads(tmp_path):
    from assistant.adapter_train import main
    from assistant.query_adapter import QueryAdapter

    groups = [
        {"q": "Can they terminate my account?", "pos": TERMINATE, "negs": [COOKIES, NO_SALE],
         "span": None, "pol": None, "fold": 0, "src": "t", "group": "streamly",
         "meta": {"case": "termination"}},
        {"q": "How long is my history kept?", "pos": RETENTION, "negs": [TERMINATE],
         "span": None, "pol": None, "fold": 1, "src": "t", "group": "streamly",
         "meta": {"case": "retention"}},
        {"q": "Do you sell my data?", "pos": NO_SALE, "negs": [COOKIES, RETENTION],
         "span": None, "pol": None, "fold": 1, "src": "t", "group": "streamly",
         "meta": {"case": "sale"}},
    ]
    data = tmp_path / "groups.jsonl"
    data.write_text("".join(json.dumps(g) + "\n" for g in groups), encoding="utf-8")
    assert main(["--data", str(data), "--out", str(tmp_path / "m"), "--embedder", "hash",
                 "--exclude-fold", "0", "--epochs", "3", "--batch", "2"]) == 0
    card = json.loads((tmp_path / "m" / "training.json").read_text())
    assert card["groups"] == 2 and card["embedder"] == "hash-1024"
    assert card["held_out"]["before"]["groups"] == 1  # the fold-0 group, measured
    assert (tmp_path / "cache" / "quote-vectors-hash-1024.npz").exists()  # the rerun cache
    adapter = QueryAdapter(tmp_path / "m")
    assert adapter.fits("hash-1024", 1024) and not adapter.fits("all-MiniLM-L6-v2", 384)
    out = adapter(np.eye(1024, dtype=np.float32)[:2])
    assert out.shape == (2, 1024) and np.allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)
