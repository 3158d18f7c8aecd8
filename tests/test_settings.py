"""Model precisions from the environment (the embedder's, with the older QUANTIZE switch
honoured; the QA model's, bf16 where the CPU has it) and the candidate count."""

from __future__ import annotations

import pytest

from assistant.settings import Settings


@pytest.mark.parametrize(("env", "want"), [
    ({}, "int8"),
    ({"POLICY_ASSISTANT_QUANTIZE": "0"}, "fp32"),
    ({"POLICY_ASSISTANT_PRECISION": "bf16"}, "bf16"),
    ({"POLICY_ASSISTANT_PRECISION": "bf16", "POLICY_ASSISTANT_QUANTIZE": "0"}, "bf16"),
])
def test_precision_from_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                            want: str) -> None:
    for key in ("POLICY_ASSISTANT_PRECISION", "POLICY_ASSISTANT_QUANTIZE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings.from_env().precision == want


def test_unknown_precision_is_one_line() -> None:
    from assistant.embedder_factory import make_embedder
    from corpus.errors import BadInput

    with pytest.raises(BadInput, match="unknown precision 'fp8'"):
        make_embedder("minilm", precision="fp8")


def test_torch_runs_only_float_precisions() -> None:
    from assistant.embedder import MiniLMEmbedder
    from corpus.errors import BadInput

    with pytest.raises(BadInput, match="bf16 or fp32, not 'int8'"):
        MiniLMEmbedder(precision="int8")


@pytest.mark.parametrize(("value", "want"), [(None, 0), ("4", 4), ("30", 30)])
def test_candidates_from_env(monkeypatch: pytest.MonkeyPatch, value: str | None,
                             want: int) -> None:
    monkeypatch.delenv("POLICY_ASSISTANT_CANDIDATES", raising=False)
    if value is not None:
        monkeypatch.setenv("POLICY_ASSISTANT_CANDIDATES", value)
    assert Settings.from_env().candidates == want


@pytest.mark.parametrize("value", ["0", "-3", "four", "2.5"])
def test_a_bad_candidate_count_is_one_line(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from corpus.errors import BadInput

    monkeypatch.setenv("POLICY_ASSISTANT_CANDIDATES", value)
    with pytest.raises(BadInput, match=r"^\$POLICY_ASSISTANT_CANDIDATES=.* is not a whole "
                       r"number of at least 1$"):
        Settings.from_env()


@pytest.mark.parametrize(("value", "want"), [(None, "auto"), ("f32", "f32"), ("bf16", "bf16")])
def test_qa_precision_from_env(monkeypatch: pytest.MonkeyPatch, value: str | None,
                               want: str) -> None:
    monkeypatch.delenv("POLICY_ASSISTANT_QA_PRECISION", raising=False)
    if value is not None:
        monkeypatch.setenv("POLICY_ASSISTANT_QA_PRECISION", value)
    assert Settings.from_env().qa_precision == want


@pytest.mark.parametrize("value", ["int8", "fp32", "BF16"])
def test_a_bad_qa_precision_is_one_line(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    from corpus.errors import BadInput

    monkeypatch.setenv("POLICY_ASSISTANT_QA_PRECISION", value)
    with pytest.raises(BadInput, match=r"^\$POLICY_ASSISTANT_QA_PRECISION is auto, f32 or "
                       r"bf16, not '.*'$"):
        Settings.from_env()


AMD_BF16 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni avx512_bf16\n"
INTEL_AMX = "flags\t: fpu avx2 avx512f amx_tile amx_bf16 amx_int8\n"
AVX2_ONLY = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\nbugs\t\t: spectre_v1\n"


@pytest.mark.parametrize(("cpuinfo", "want"), [
    (AMD_BF16, True), (INTEL_AMX, True), (AVX2_ONLY, False), ("", False),
    ("model name\t: AMD EPYC\n", False),
])
def test_native_bf16_is_read_from_the_cpu_flags(cpuinfo: str, want: bool) -> None:
    from assistant.openvino_models import native_bf16

    assert native_bf16(cpuinfo) is want


@pytest.mark.parametrize(("native", "asked", "want"), [
    (True, "auto", "bf16"), (False, "auto", "f32"), (True, "f32", "f32"),
    (False, "bf16", "bf16"),
])
def test_auto_qa_precision_is_bf16_only_where_the_cpu_has_it(
        monkeypatch: pytest.MonkeyPatch, native: bool, asked: str, want: str) -> None:
    from assistant import openvino_models
    from assistant.qa_model import resolve_precision

    monkeypatch.setattr(openvino_models, "native_bf16", lambda: native)
    assert resolve_precision(asked) == want


def test_a_bad_qa_model_precision_is_one_line() -> None:
    from assistant.qa_model import resolve_precision
    from corpus.errors import BadInput

    with pytest.raises(BadInput, match=r"^\$POLICY_ASSISTANT_QA_PRECISION is auto, f32 or bf16, "
                       r"not 'fp16'$"):
        resolve_precision("fp16")
