"""Shared fixtures. The fast tier uses the hash embedder (no model) and an embedded Chroma in a
temporary folder; slow tiers (marked) use the real model, a Chroma server, a browser."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_OTA = FIXTURES / "ota" / "fixture-versions"
FIXTURE_TOSDR = FIXTURES / "tosdr.jsonl"
FIXTURE_SOURCES = [FIXTURE_OTA, FIXTURE_TOSDR]
POLICY_DOCS = Path(os.environ.get("POLICY_DOCS", Path(__file__).parents[1] / ".." / "shared"
                                  / "policy-docs"))


def build_assistant(data_dir: Path, embedder: str = "hash", sources: list[Path] | None = None,
                    chroma_url: str = ""):
    """An Assistant over the fixture corpus, built through the same path as the CLI."""
    from assistant.core import Assistant
    from assistant.settings import Settings

    settings = Settings.from_env(data_dir=data_dir, embedder=embedder, chroma_url=chroma_url)
    a = Assistant(settings)
    a.ingest(list(sources or FIXTURE_SOURCES))
    return a


@pytest.fixture(scope="session")
def fixture_assistant(tmp_path_factory):
    """Hash-embedder assistant over the fixture corpus (shared; do not mutate)."""
    return build_assistant(tmp_path_factory.mktemp("fixture-data"))


@pytest.fixture()
def fresh_assistant(tmp_path):
    return build_assistant(tmp_path / "data")


@pytest.fixture(scope="session")
def cli_data(tmp_path_factory):
    """A data dir built by the CLI from the fixture corpus and both fixture pages (shared; do
    not mutate)."""
    from assistant.cli import main

    d = tmp_path_factory.mktemp("cli-data")
    assert main(["--data-dir", str(d), "--embedder", "hash", "ingest", "--quiet",
                 str(FIXTURE_OTA), str(FIXTURE_TOSDR), str(FIXTURES / "pages")]) == 0
    return d


def ota_snapshot(root: Path, docs: dict[tuple[str, str], str]) -> Path:
    """A minimal OTA snapshot: one collection, a MANIFEST row per document."""
    lines = []
    for (service, doc_type), text in docs.items():
        path = root / "demo-versions" / service / f"{doc_type}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        lines.append(json.dumps({"kind": "latest", "service": service, "terms_type": doc_type,
                                 "our_path": f"shared/policy-docs/ota/demo-versions/{service}/"
                                             f"{doc_type}.md", "commit_date": "2026-01-01"}))
    (root / "MANIFEST.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
