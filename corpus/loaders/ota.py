"""Open Terms Archive markdown trees.

Two layouts: the snapshot in ``shared/policy-docs/ota`` (``<collection>/<Service>/<Terms type>.md``,
``history/<Service>/<Terms type>/<date>.md`` and ``MANIFEST.jsonl``), and a user's own clone of
an OTA versions repository (``<Service>/<Terms type>.md``, no MANIFEST; the folder name is the
collection and the file's modification date stands in for the version date).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from corpus.errors import Problem
from corpus.loaders import MAX_BYTES, Report, read_jsonl, read_text
from corpus.models import Document

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_ota_tree(path: Path) -> bool:
    if (path / "MANIFEST.jsonl").is_file():
        return True
    return path.is_dir() and any(path.glob("*/*.md"))


def load_ota(root: Path, report: Report, max_bytes: int = MAX_BYTES) -> Iterator[Document]:
    manifest = root / "MANIFEST.jsonl"
    if manifest.is_file():
        yield from _load_snapshot(root, manifest, report, max_bytes)
    elif any(root.glob("*/*.md")):
        yield from _load_clone(root, root.name, report, max_bytes)
    else:
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if any(sub.glob("*/*.md")):
                yield from _load_clone(sub, sub.name, report, max_bytes)


def _mtime_date(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()


def _load_clone(root: Path, collection: str, report: Report,
                max_bytes: int = MAX_BYTES) -> Iterator[Document]:
    for path in sorted(root.glob("*/*.md")):
        text = read_text(path, report, max_bytes)
        if text is not None:
            yield Document(path.parent.name, path.stem, _mtime_date(path), str(path), text,
                           collection=collection)


def _check_manifest_row(row: dict) -> None:
    for key in ("kind", "service", "terms_type", "our_path"):
        if not isinstance(row.get(key), str):
            raise ValueError(f"missing field {key!r}")


def _manifest_lines(manifest: Path, report: Report) -> list[dict]:
    return list(read_jsonl(manifest, report, "MANIFEST line", _check_manifest_row))


def _relative(our_path: str) -> str:
    return our_path.split("/ota/", 1)[1] if "/ota/" in our_path else our_path


def _load_snapshot(root: Path, manifest: Path, report: Report,
                   max_bytes: int = MAX_BYTES) -> Iterator[Document]:
    rows = _manifest_lines(manifest, report)
    listed: set[Path] = set()
    inside = root.resolve()
    for row in sorted(rows, key=lambda r: (r["kind"] != "latest", r["our_path"])):
        rel = _relative(row["our_path"])
        path = root / rel
        if not path.resolve().is_relative_to(inside):
            report(Problem(str(manifest), f"lists {rel!r}, outside the snapshot folder"))
            continue
        listed.add(path.resolve())
        if not path.is_file():
            report(Problem(str(path), "listed in MANIFEST.jsonl but missing"))
            continue
        text = read_text(path, report, max_bytes)
        if text is None:
            continue
        date = str(row.get("commit_date") or "")[:10]
        if row["kind"] == "history":
            date = date if _DATE.match(date) else path.stem
            latest = _relative(str(row.get("latest_our_path") or ""))
            collection = latest.split("/", 1)[0] if "/" in latest else ""
            kind = "history"
        else:
            collection = rel.split("/", 1)[0]
            kind = "current"
        if not _DATE.match(date):
            date = _mtime_date(path)
        repo, commit, in_repo = (row.get(k) for k in ("repo", "commit", "path_in_repo"))
        url = ""
        if isinstance(in_repo, str) and in_repo and all(isinstance(v, str) and v
                                                        for v in (repo, commit)):
            url = f"https://github.com/{repo}/blob/{commit}/{quote(in_repo)}"
        yield Document(row["service"], row["terms_type"], date, str(path), text,
                       collection=collection, kind=kind, url=url,
                       meta={"manifest_sha256": row.get("sha256", "")})
    # files on disk that the manifest does not list still count
    for path in sorted(root.glob("*/*/*.md")):
        if path.resolve() in listed or path.parts[-3] == "history":
            continue
        text = read_text(path, report, max_bytes)
        if text is not None:
            yield Document(path.parent.name, path.stem, _mtime_date(path), str(path), text,
                           collection=path.parts[-3])
