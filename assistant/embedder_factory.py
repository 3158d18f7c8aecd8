"""``make_embedder``: the embedder settings name. Kept apart from the embedders so that the
OpenVINO embedder, which converts the sentence-transformers model it replaces, and the module
holding that model never import each other."""

from __future__ import annotations

from pathlib import Path

from assistant.embedder import PRECISIONS, Embedder, HashEmbedder, MiniLMEmbedder, offline


def make_embedder(kind: str, *, precision: str = "int8", max_seq_length: int = 256,
                  threads: int = 1, cache_dir: Path | None = None) -> Embedder:
    """``cache_dir`` keeps the converted OpenVINO model between runs (int8 only)."""
    from corpus.errors import BadInput

    if kind == "hash":
        return HashEmbedder()
    if kind != "minilm":
        raise BadInput(f"unknown embedding model {kind!r} (choose 'minilm' or 'hash')")
    if precision not in PRECISIONS:
        raise BadInput(f"unknown precision {precision!r} (choose {', '.join(PRECISIONS)})")
    if precision == "int8":
        offline()
        from assistant.openvino_embedder import OpenVinoEmbedder

        return OpenVinoEmbedder(max_seq_length=max_seq_length, threads=threads,
                                cache_dir=cache_dir)
    return MiniLMEmbedder(precision=precision, max_seq_length=max_seq_length, threads=threads)
