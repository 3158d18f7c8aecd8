"""The shipped question-answering model (assistant/models/qa) and its trainer, for real:
it loads offline, ranks fixture pairs as measured, its yes/no gate refuses a lead on a quote
that contradicts the question, and a few training steps on a tiny set give a model the runtime
can load."""

from __future__ import annotations

import json

import pytest

from assistant.lead import polarity_lead

pytestmark = pytest.mark.slow

TERMINATE = ("Streamly may suspend or terminate your account at any time, without notice, if we "
             "believe you have breached these Terms.")
COOKIES = ("We use cookies and similar tracking technologies to remember your preferences and to "
           "measure how the service is used.")
RETENTION = ("We keep your listening history for as long as your account is open and delete it "
             "within 90 days after you close your account.")
NO_SALE = ("Streamly does not sell your personal data to anyone. We never rent or trade your "
           "information.")
PASSAGES = [TERMINATE, COOKIES, RETENTION, NO_SALE]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("qa-cache")


@pytest.fixture(scope="module", params=["f32", "bf16"])
def model(cache, request):
    """The shipped model computing in each precision the run time may pick (bf16 where the CPU
    has it natively; elsewhere OpenVINO computes a bf16 request in float32)."""
    from assistant.qa_model import QAModel

    return QAModel(cache_dir=cache, precision=request.param)


@pytest.fixture(scope="module")
def f32_model(cache):
    from assistant.qa_model import QAModel

    return QAModel(cache_dir=cache, precision="f32")


@pytest.mark.parametrize("question,best", [
    ("Can Streamly terminate my account?", TERMINATE),
    ("How long does Streamly keep my listening history?", RETENTION),
    ("Does Streamly sell my personal data?", NO_SALE),
    ("Does Streamly use cookies?", COOKIES),
])
def test_the_shipped_model_ranks_the_answering_clause_first(model, question, best):
    readings = model.read(question, PASSAGES)
    top = max(range(len(PASSAGES)), key=lambda i: readings[i].relevance)
    assert PASSAGES[top] == best
    assert readings[top].span_score > 0  # the reader finds an answer in it ...
    others = [r.span_score for i, r in enumerate(readings) if i != top]
    assert max(others) < readings[top].span_score  # ... more surely than in any other


def test_a_passage_reads_the_same_whatever_is_read_beside_it(model):
    """A tracked copy of a clause must tie with the original exactly (the fused order then
    breaks the tie), so no passage is padded to a longer neighbour."""
    q = "Can Streamly terminate my account?"
    alone = model.read(q, [TERMINATE])[0]
    beside = model.read(q, [COOKIES, TERMINATE, RETENTION + " " + NO_SALE, TERMINATE])
    assert beside[1] == alone and beside[3] == alone


def test_a_text_that_comes_twice_is_read_once(model, monkeypatch):
    """Tracked copies of a clause are often among the candidates; each distinct text costs
    one inference, and every copy gets its reading, in order."""
    q = "Can Streamly terminate my account?"
    want = model.read(q, [TERMINATE, COOKIES])
    calls = []
    make = model._compiled.create_infer_request

    def counting() -> object:
        request = make()

        class Counted:
            def infer(self, inputs: dict) -> object:
                calls.append(len(inputs["input_ids"]))
                return request.infer(inputs)

        return Counted()

    monkeypatch.setattr(model, "_compiled", type("C", (), {
        "create_infer_request": staticmethod(counting)})())
    got = model.read(q, [TERMINATE, COOKIES, TERMINATE, TERMINATE, COOKIES])
    assert got == [want[0], want[1], want[0], want[0], want[1]]
    assert calls == [1, 1]


def test_the_reader_span_holds_the_answer(model):
    r = model.read("How long does Streamly keep my listening history?", [RETENTION])[0]
    assert r.span is not None and "90 days" in RETENTION[r.span[0]:r.span[1]]


def test_the_gate_refuses_a_lead_on_a_contradicting_quote(model):
    """The polarity head alone says 'yes' more than 'no' here (it leans on the question's
    wording, see the model card); the threshold keeps that from becoming a lead."""
    r = model.read("Does Streamly sell my personal data?", [NO_SALE])[0]
    assert polarity_lead(r) != "yes"


def test_float32_is_the_torch_model_and_bf16_and_int8_stay_close(f32_model, cache, tmp_path):
    """The run time keeps the weights in float32 (faster than int8 without VNNI, see
    ``qa_model.INT8``): computing in float32 its relevance logits are the torch model's to
    float rounding; bf16 (the default where the CPU has it natively) and the int8 run time
    are approximations of them that rank the passages alike; int8 is cached under another
    name."""
    import torch

    from assistant import trained_weights as tw
    from assistant.qa_model import MODEL_DIR, QAModel
    from assistant.qa_tokens import PairEncoder
    from assistant.qa_train import load_trained

    q = "Can Streamly terminate my account?"
    enc = PairEncoder(tw.base_model_dir() / "tokenizer.json", 256)
    module = load_trained(MODEL_DIR / "weights.safetensors").eval()
    with torch.no_grad():
        ref = [float(module(**{k: torch.from_numpy(v) for k, v in
                               enc.encode([(q, p)]).arrays().items()})[0][0]) for p in PASSAGES]
    f32 = [r.relevance for r in f32_model.read(q, PASSAGES)]
    bf16 = [r.relevance for r in QAModel(cache_dir=cache, precision="bf16").read(q, PASSAGES)]
    q8 = QAModel(cache_dir=tmp_path, int8=True)
    i8 = [r.relevance for r in q8.read(q, PASSAGES)]
    assert f32_model.name.endswith("-fp32") and not q8.name.endswith("-fp32")
    assert (f32_model.precision, q8.precision) == ("f32", "int8")
    assert max(abs(a - b) for a, b in zip(f32, ref, strict=True)) < 1e-3
    assert max(abs(a - b) for a, b in zip(bf16, ref, strict=True)) < 0.15
    assert 1e-3 < max(abs(a - b) for a, b in zip(i8, ref, strict=True)) < 0.5
    best = max(range(4), key=lambda i: ref[i])
    assert max(range(4), key=lambda i: i8[i]) == best == max(range(4), key=lambda i: bf16[i])


def test_a_few_training_steps_give_a_model_the_runtime_loads(tmp_path):
    from assistant.qa_model import QAModel
    from assistant.qa_train import read_groups, train

    groups = [
        {"q": "Can they terminate my account?", "pos": TERMINATE, "negs": [COOKIES, NO_SALE],
         "span": [0, 46], "pol": 0, "fold": 0, "src": "t", "group": "streamly", "meta": {}},
        {"q": "How long is my history kept?", "pos": RETENTION, "negs": [TERMINATE],
         "span": [86, 100], "pol": None, "fold": 1, "src": "t", "group": "streamly",
         "meta": {}},
    ]
    data = tmp_path / "groups.jsonl"
    data.write_text("".join(json.dumps(g) + "\n" for g in groups), encoding="utf-8")
    assert len(read_groups(data, exclude_fold=1)) == 1
    card = train(read_groups(data), tmp_path / "m", layers=1, epochs=2, per_batch=2,
                 device="cpu", log=lambda line: None)
    assert card["steps"] == 2 and card["layers"] == 1
    m = QAModel(tmp_path / "m", cache_dir=tmp_path / "cache")
    readings = m.read("Can they terminate my account?", [TERMINATE, COOKIES])
    assert len(readings) == 2 and all(abs(r.yes + r.no + r.neither - 1) < 1e-6
                                      for r in readings)


def test_a_few_label_training_steps_give_a_model_the_runtime_loads(tmp_path):
    from assistant.label_model import SentenceLabeler
    from assistant.label_train import train

    examples = [{"text": TERMINATE, "labels": ["account-termination"], "w": 1.0},
                {"text": COOKIES, "labels": ["tracking-cookies"], "w": 1.0},
                {"text": "Welcome to Streamly.", "labels": [], "w": 0.3}]
    slugs = ["account-termination", "tracking-cookies"]
    card = train(examples, slugs, tmp_path / "m", layers=1, epochs=1, per_batch=2,
                 device="cpu", log=lambda line: None)
    assert card["steps"] == 2
    labeler = SentenceLabeler(tmp_path / "m", cache_dir=tmp_path / "cache")
    proba = labeler.proba([TERMINATE, COOKIES, "Hello."])
    assert proba.shape == (3, 2) and ((proba >= 0) & (proba <= 1)).all()
    assert labeler.slugs == slugs
