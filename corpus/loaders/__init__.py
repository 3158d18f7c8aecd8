"""One loader per source format; each yields our own types and reports bad input as Problems."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from corpus.errors import Problem
from corpus.limits import DEFAULT_LIMITS, file_too_large

Report = Callable[[Problem], None]
MAX_BYTES = DEFAULT_LIMITS.max_file_bytes


def read_text(path: Path, report: Report, max_bytes: int = MAX_BYTES) -> str | None:
    """The file as UTF-8 text, or None after reporting why it cannot be read (one over
    ``max_bytes`` is not read at all)."""
    try:
        too_large = file_too_large(path.stat().st_size, max_bytes)
        if too_large:
            report(Problem(str(path), too_large))
            return None
        data = path.read_bytes()
    except OSError as exc:
        report(Problem(str(path), f"cannot be read ({exc.strerror or exc})"))
        return None
    if not data.strip():
        report(Problem(str(path), "is empty"))
        return None
    if b"\x00" in data[:8192]:
        report(Problem(str(path), "is a binary file, not text"))
        return None
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        report(Problem(str(path), f"is not UTF-8 text (byte {exc.start})"))
        return None


def read_jsonl(path: Path, report: Report, what: str,
               check: Callable[[dict], None]) -> Iterator[dict]:
    """The JSON objects of a JSON-lines file that pass ``check`` (which raises ValueError);
    any other line is reported as ``path:line: malformed <what> (reason)`` and skipped."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not an object")
                check(row)
            except ValueError as exc:
                report(Problem(f"{path}:{n}", f"malformed {what} ({exc})"))
                continue
            yield row
