"""`policy-assistant label [FILE|-]`: label clauses a user brings (a contract the corpus does
not hold). Input: JSONL (objects with a text field) or plain lines; output: one JSON line per
input line with categories [{slug, confidence}] and a severity."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from corpus.errors import BadInput, quoted
from corpus.limits import file_too_large, size_text
from corpus.text import plain_text


def add_parser(sub: Any) -> None:
    p = sub.add_parser("label", help="label your own clauses (JSONL or plain lines)")
    p.add_argument("file", nargs="?", default="-", help="input file, or - for stdin (default)")
    p.add_argument("--text-field", default="text",
                   help="field holding the clause in JSONL input (default: text)")
    p.set_defaults(func=run)


def read_inputs(lines: list[str], field: str) -> list[tuple[dict[str, Any] | None, str]]:
    """(original object or None, clause text) per input line; a line that starts with '{' is
    read as JSON, any other line as the clause itself."""
    out: list[tuple[dict[str, Any] | None, str]] = []
    for n, line in enumerate(lines, 1):
        raw = line.rstrip("\n")
        if raw.lstrip().startswith("{"):
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise BadInput(f"line {n}: not valid JSON ({exc.msg})") from None
            text = obj.get(field) if isinstance(obj, dict) else None
            if not isinstance(text, str):
                raise BadInput(f"line {n}: no string field {quoted(field)} (use --text-field)")
            out.append((obj, plain_text(text)))
        else:
            out.append((None, raw))
    return out


def read_lines(file: str, max_bytes: int) -> list[str]:
    """The lines of ``file`` (``-``: stdin) as UTF-8 text; BadInput says why they are not."""
    name = "stdin" if file == "-" else file
    try:
        if file == "-":
            stream = getattr(sys.stdin, "buffer", None)  # a text stream in tests
            data = (stream.read(max_bytes + 1) if stream is not None
                    else sys.stdin.read(max_bytes + 1).encode("utf-8", "replace"))
            size = len(data)
        else:
            size = Path(file).stat().st_size
            data = b"" if size > max_bytes else Path(file).read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {name}: {exc.strerror or exc}") from None
    if file == "-" and size > max_bytes:
        raise BadInput(f"stdin holds over {size_text(max_bytes)}; more is not read "
                       "(POLICY_ASSISTANT_MAX_FILE_MB)")
    if too_large := file_too_large(size, max_bytes):
        raise BadInput(f"{name} {too_large}")
    if b"\x00" in data:
        raise BadInput(f"{name} is a binary file, not text (JSONL or one clause per line)")
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name} is not UTF-8 text (byte {exc.start})") from None


def run(args: argparse.Namespace, ctx: Any) -> int:
    from assistant.labels import label_texts, load_model

    lines = read_lines(args.file, ctx.settings.limits.max_file_bytes)
    items = read_inputs(lines, args.text_field)
    model = load_model(ctx.settings.cache_dir)
    texts = [t for _, t in items]
    todo = [i for i, t in enumerate(texts) if t.strip()]
    results: list[dict[str, Any]] = [{"categories": [], "severity": None}
                                     for _ in texts]
    if todo:
        embedder = ctx.assistant().embedder
        for i, res in zip(todo, label_texts(model, embedder, [texts[i] for i in todo]),
                          strict=True):
            results[i] = res
    for (obj, text), res in zip(items, results, strict=True):
        row = dict(obj) if obj is not None else {args.text_field: text}
        row.update(res)
        print(json.dumps(row, ensure_ascii=False))
    return 0
