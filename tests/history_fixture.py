"""The three-version fixture document (tests/fixtures/ota-history, platform Videomeet) and the
record IDs of its clauses, computed from their texts."""

from __future__ import annotations

import json
from pathlib import Path

from corpus.ids import document_key, record_id


def _materialise() -> Path:
    """A temporary copy of the fixture tree with its manifest under the name the OTA loader
    reads (the repository keeps it as manifest.fixture.jsonl: hand-written, not shared data)."""
    import atexit
    import shutil
    import tempfile

    src = Path(__file__).parent / "fixtures" / "ota-history"
    root = Path(tempfile.mkdtemp(prefix="ota-history-"))
    atexit.register(shutil.rmtree, root, True)
    dst = root / "ota-history"
    shutil.copytree(src, dst)
    (dst / "manifest.fixture.jsonl").rename(dst / "MANIFEST.jsonl")
    return dst


FIXTURE_HISTORY = _materialise()
KEY = document_key("fixture-history", "Videomeet", "Terms of Service")
V1, V2, V3 = "2023-03-01", "2023-08-10", "2024-03-01"


def rid(text: str) -> str:
    return record_id("Videomeet", KEY, text)


AGE = rid("You must be at least 16 years old to create a Videomeet account and use the meeting "
          "service.")
TERMINATE = rid("We may suspend or terminate your account if you breach these terms, after "
                "giving you notice by email.")
OWN = rid('You own the audio, video and chat content that you share in meetings ("Customer '
          'Content").')
USE_OLD = rid("Videomeet may use Customer Content only to provide and operate the meeting "
              "service for you.")
USE_NEW = rid("Videomeet may use Customer Content to provide the meeting service for you and to "
              "train our artificial intelligence models.")
OPT_OUT = rid("You can turn off the use of your Customer Content for artificial intelligence "
              "training in your account settings.")
TRIAL_30 = rid("New users get a free trial of 30 days, and we will remind you by email before "
               "the trial ends.")
TRIAL_7 = rid("New users get a free trial of 7 days, and we will remind you by email before the "
              "trial ends.")
LAW = rid("These terms are governed by the laws of the State of Delaware, without regard to "
          "conflict rules.")


def write_snapshot(root: Path, service: str, versions: dict[str, str],
                   doc_type: str = "Terms of Service") -> Path:
    """An OTA snapshot tree (MANIFEST.jsonl, latest file, history/) for one document; the
    newest date is the current version."""
    dates = sorted(versions)
    latest = f"shared/policy-docs/ota/tmp-versions/{service}/{doc_type}.md"
    rows = []
    for d in dates:
        current = d == dates[-1]
        rel = latest if current else f"shared/policy-docs/ota/history/{service}/{doc_type}/{d}.md"
        path = root / rel.split("/ota/", 1)[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(versions[d], encoding="utf-8")
        rows.append({"kind": "latest" if current else "history", "service": service,
                     "terms_type": doc_type, "commit_date": f"{d}T00:00:00+00:00",
                     "our_path": rel, "latest_our_path": latest})
    (root / "MANIFEST.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root
