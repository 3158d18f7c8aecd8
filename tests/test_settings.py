"""Model precision from the environment: one knob, with the older QUANTIZE switch honoured."""

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
