"""policy-assistant's Python API: cited answers about platforms' terms and policies.

    from assistant import Settings, build_assistant
    a = build_assistant(Settings.from_env())
    answer = a.ask("Can Coursera suspend my account without notice?")
    print(answer.text, [c.record_id for c in answer.citations])

The names in ``__all__`` are the API the command line, the web app and the evaluations use;
other modules are internal. Names load on first use, so ``import assistant`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "CANDIDATES", "EVAL_COLUMNS", "FAST", "FULL", "FUSED", "PLAIN", "RERANKED", "RETRIEVAL_MODES",
    "Answer", "Assistant", "BadInput", "Citation", "CompareRow", "Filters", "Hit",
    "IndexMissing", "NotFound", "PolicyAssistantError", "RecordView", "Session", "Settings",
    "Stages", "StoreUnavailable", "build_assistant", "check_day", "clean_question", "rerank_hits",
]

_HOMES = {
    "Assistant": "assistant.core", "build_assistant": "assistant.core",
    "check_day": "assistant.core", "clean_question": "assistant.core",
    "RecordView": "assistant.records", "Session": "assistant.chat",
    "Settings": "assistant.settings",
    "CANDIDATES": "assistant.rerank", "FAST": "assistant.rerank", "FULL": "assistant.rerank",
    "FUSED": "assistant.rerank",
    "PLAIN": "assistant.rerank", "RERANKED": "assistant.rerank",
    "Stages": "assistant.rerank", "rerank_hits": "assistant.rerank",
    "EVAL_COLUMNS": "assistant.types", "RETRIEVAL_MODES": "assistant.types",
    "Answer": "assistant.types", "Citation": "assistant.types",
    "CompareRow": "assistant.types", "Filters": "assistant.types", "Hit": "assistant.types",
    "BadInput": "corpus.errors", "IndexMissing": "corpus.errors", "NotFound": "corpus.errors",
    "PolicyAssistantError": "corpus.errors", "StoreUnavailable": "corpus.errors",
}

if TYPE_CHECKING:
    from assistant.chat import Session
    from assistant.core import Assistant, build_assistant, check_day, clean_question
    from assistant.records import RecordView
    from assistant.rerank import (
        CANDIDATES,
        FAST,
        FULL,
        FUSED,
        PLAIN,
        RERANKED,
        Stages,
        rerank_hits,
    )
    from assistant.settings import Settings
    from assistant.types import (
        EVAL_COLUMNS,
        RETRIEVAL_MODES,
        Answer,
        Citation,
        CompareRow,
        Filters,
        Hit,
    )
    from corpus.errors import (
        BadInput,
        IndexMissing,
        NotFound,
        PolicyAssistantError,
        StoreUnavailable,
    )


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
