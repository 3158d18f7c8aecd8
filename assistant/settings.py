"""Settings, read from command-line flags, then the environment, then defaults.

All state lives under one data directory: ``--data-dir``, else ``$POLICY_ASSISTANT_DATA``,
else ``~/.local/share/policy-assistant``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from corpus.errors import BadInput
from corpus.limits import Limits

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "policy-assistant"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() not in ("0", "false", "no", "")


def _on_off_auto(value: str, variable: str) -> str:
    if value not in ("auto", "on", "off"):
        raise BadInput(f"{variable} is {value!r}; use on, off or auto")
    return value


def _env_number(name: str, default: float, minimum: float, kind: type = int) -> float:
    """A number from the environment, or a one-line BadInput naming the variable."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or not number >= minimum or number != number or number == float("inf"):
        what = "a whole number" if kind is int else "a number"
        raise BadInput(f"${name}={value!r} is not {what} of at least {minimum:g}")
    return number


# what the QA model may compute in (assistant/qa_model.py): auto picks bf16 where the CPU
# has it natively, else f32
QA_PRECISIONS = ("auto", "f32", "bf16")


def check_qa_precision(value: str) -> str:
    """``value`` when it is one of ``QA_PRECISIONS``; otherwise a one-line BadInput."""
    if value not in QA_PRECISIONS:
        raise BadInput(f"$POLICY_ASSISTANT_QA_PRECISION is {', '.join(QA_PRECISIONS[:-1])} "
                       f"or {QA_PRECISIONS[-1]}, not {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    chroma_url: str = ""  # empty: embedded PersistentClient under data_dir
    embedder: str = "minilm"  # minilm | hash
    precision: str = "int8"  # int8 | bf16 | fp32 (assistant/embedder.py)
    max_seq_length: int = 256
    threads: int = 1  # model threads for queries (one: the machine is shared while serving)
    ingest_threads: int = 0  # model threads for ingest; 0: every core
    llm_url: str = ""  # OpenAI-compatible endpoint for the optional generative answerer
    llm_model: str = ""
    # the trained reranker / reader / yes-no model (assistant/models/qa): on | off | auto
    # (auto: on, except with the test-only hash embedder)
    qa: str = "auto"
    qa_model: str = ""  # folder of another trained QA model (default: the shipped one)
    # what the QA model computes in: auto | f32 | bf16 (auto: bf16 where the CPU has it
    # natively, assistant/qa_model.py)
    qa_precision: str = "auto"
    # the trained question adapter (assistant/models/query): on | off | auto
    # (auto: on when the embedder is the model it was trained for)
    query_adapter: str = "auto"
    query_adapter_model: str = ""  # folder of another trained adapter
    # fused candidates the QA model reads per question; 0: assistant.rerank.CANDIDATES (12).
    # Fewer is faster (reading is nearly all of an answer's time) but reranks fewer clauses
    candidates: int = 0
    limits: Limits = Limits()  # largest file, document and record ID (corpus/limits.py)
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.candidates < 0:
            raise BadInput(f"candidates must be at least 1 (0: the default), not "
                           f"{self.candidates}")
        check_qa_precision(self.qa_precision)

    @property
    def qa_enabled(self) -> bool:
        mode = _on_off_auto(self.qa, "POLICY_ASSISTANT_QA")
        return mode == "on" or (mode == "auto" and self.embedder != "hash")

    @property
    def query_adapter_mode(self) -> str:
        return _on_off_auto(self.query_adapter, "POLICY_ASSISTANT_QUERY_ADAPTER")

    @property
    def store_path(self) -> Path:
        return self.data_dir / "store.sqlite"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        s = cls(
            data_dir=Path(env.get("POLICY_ASSISTANT_DATA") or DEFAULT_DATA_DIR).expanduser(),
            chroma_url=env.get("POLICY_ASSISTANT_CHROMA_URL", ""),
            embedder=env.get("POLICY_ASSISTANT_EMBEDDER", "minilm"),
            # POLICY_ASSISTANT_QUANTIZE=0, the older switch, still means fp32
            precision=env.get("POLICY_ASSISTANT_PRECISION")
            or ("int8" if _env_bool("POLICY_ASSISTANT_QUANTIZE", True) else "fp32"),
            max_seq_length=int(_env_number("POLICY_ASSISTANT_MAX_SEQ", 256, 8)),
            threads=int(_env_number("POLICY_ASSISTANT_THREADS", 1, 1)),
            ingest_threads=int(_env_number("POLICY_ASSISTANT_INGEST_THREADS", 0, 0)),
            llm_url=env.get("POLICY_ASSISTANT_LLM_URL", ""),
            llm_model=env.get("POLICY_ASSISTANT_LLM_MODEL", ""),
            qa=env.get("POLICY_ASSISTANT_QA", "auto"),
            qa_model=env.get("POLICY_ASSISTANT_QA_MODEL", ""),
            qa_precision=env.get("POLICY_ASSISTANT_QA_PRECISION", "auto"),
            query_adapter=env.get("POLICY_ASSISTANT_QUERY_ADAPTER", "auto"),
            query_adapter_model=env.get("POLICY_ASSISTANT_QUERY_ADAPTER_MODEL", ""),
            candidates=int(_env_number("POLICY_ASSISTANT_CANDIDATES", 0, 1)),
            limits=Limits(
                max_file_mb=_env_number("POLICY_ASSISTANT_MAX_FILE_MB", Limits.max_file_mb,
                                        0.001, float),
                max_clauses=int(_env_number("POLICY_ASSISTANT_MAX_CLAUSES", Limits.max_clauses,
                                            1)),
                max_record_id=int(_env_number("POLICY_ASSISTANT_MAX_RECORD_ID",
                                              Limits.max_record_id, 8))),
        )
        clean = {k: v for k, v in overrides.items() if v not in (None, "")}
        if "data_dir" in clean:
            clean["data_dir"] = Path(str(clean["data_dir"])).expanduser()
        return replace(s, **clean)  # type: ignore[arg-type]
