"""Text files that travel packed: read and written through xz when the name ends in ``.xz``
(the hand-labelled sentences, training data), plainly otherwise."""

from __future__ import annotations

import lzma
from pathlib import Path
from typing import IO


def open_text(path: Path) -> IO[str]:
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def write_text(path: Path, text: str) -> None:
    """Whole-file write; the same text always gives the same bytes (xz preset 9, no
    timestamp in the format), so a packed file changes in git only when its text does."""
    if path.suffix == ".xz":
        with lzma.open(path, "wt", encoding="utf-8", preset=9) as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
