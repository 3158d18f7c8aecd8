"""Helpers for the tests of the CLI's edge: run a command in-process, read its one line."""

from __future__ import annotations

from pathlib import Path

from assistant.cli import main

LONG_ID = "x" * 100_000


def run(capsys, data_dir: Path, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``policy-assistant --data-dir DATA --embedder hash ARGS``."""
    code = main(["--data-dir", str(data_dir), "--embedder", "hash", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line(err: str) -> str:
    """``err`` without its newline, after checking it is exactly one line and no traceback."""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.rstrip("\n")


def ingest(capsys, data_dir: Path, *paths: Path) -> tuple[int, str, str]:
    return run(capsys, data_dir, "ingest", "--quiet", *map(str, paths))
