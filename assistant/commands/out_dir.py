"""`--out` folders of long-running commands, checked before the work rather than after it."""

from __future__ import annotations

from pathlib import Path


def writable(out: Path, what: str) -> None:
    """Make ``out`` now, or say in one line why ``what`` cannot be written there."""
    from corpus.errors import BadInput

    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BadInput(f"cannot write {what} to {out}: {exc.strerror or exc} "
                       "(--out names a folder to create or reuse)") from None
