"""`policy-assistant ingest [PATH ...]`: build or update the store and the index."""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

DEFAULT_SOURCES = ["../shared/policy-docs", "../shared/seeds"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("ingest", help="read policy documents into the store and index them",
                       description="Read OTA markdown trees, ToS;DR points and single pages; "
                       "segment them into clause records; embed what is new; update the index. "
                       "Safe to re-run: unchanged documents are skipped.")
    p.add_argument("paths", nargs="*", type=Path,
                   help="files or folders (default: $POLICY_DOCS or "
                   + " ".join(DEFAULT_SOURCES) + ")")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def _sizes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run(args: argparse.Namespace, ctx: Any) -> int:
    from tqdm import tqdm

    paths = args.paths or ([Path(os.environ["POLICY_DOCS"])] if os.environ.get("POLICY_DOCS")
                           else [Path(p) for p in DEFAULT_SOURCES])
    quiet = args.quiet or not sys.stderr.isatty() and os.environ.get("CI") == "true"
    a = ctx.assistant()
    t0 = time.perf_counter()
    docs = tqdm(desc="documents", unit="doc", disable=quiet, file=sys.stderr)
    bars: dict[str, Any] = {}

    def on_document(doc: Any, status: str) -> None:
        docs.update(1)
        docs.set_postfix_str(f"{status}: {getattr(doc, 'platform', '')}"[:40])

    def report(problem: Any) -> None:
        tqdm.write(f"skipped {problem}", file=sys.stderr)

    def on_embed_start(n: int) -> None:
        docs.close()
        bars["emb"] = tqdm(total=n, desc="embedding", unit="clause", disable=quiet or not n,
                           file=sys.stderr)

    def on_embedded(n: int) -> None:
        bars["emb"].update(n)

    def link_progress(items: Any) -> Any:
        return tqdm(items, desc="linking ToS;DR quotes", unit="platform", disable=quiet,
                    file=sys.stderr, leave=False)

    summary, stats = a.ingest(paths, report, on_document, on_embed_start, on_embedded,
                              link_progress)
    if "emb" in bars:
        bars["emb"].close()
    counts = a.store.counts()  # labelling below changes none of them
    if ctx.settings.qa_enabled and counts["clauses"]:
        t = time.perf_counter()
        if a.qa is not None:  # converted once into the cache, so the first question is quick
            print(f"answering model ready ({a.qa.name}, computing in {a.qa.precision}, "
                  f"{time.perf_counter() - t:.1f} s)")
    label_line = _labels(a, ctx, summary, quiet, counts["clauses"])
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"platforms {counts['platforms']} · documents {counts['documents']} · versions "
          f"{counts['versions']} · clauses {counts['clauses']} "
          f"({counts['distinct_texts']} distinct texts)")
    print(f"this run: documents new {summary.new_documents}, updated "
          f"{summary.updated_documents}, unchanged {summary.unchanged_documents}, history "
          f"versions {summary.history_versions}; clauses new {summary.clauses_new}, unchanged "
          f"{counts['clauses'] - summary.clauses_new}, removed {summary.clauses_removed}")
    if summary.annotations or summary.linked_annotations is not None:
        print(f"ToS;DR points {counts['annotations']}, linked to a current clause "
              f"{counts['linked_annotations']}")
    rate = f" ({stats.per_second:.0f}/s)" if stats.embedded else ""
    print(f"embedded {stats.embedded}{rate}; index +{stats.added} ~{stats.updated} "
          f"-{stats.deleted}; {wall:.1f} s; peak memory {peak:.0f} MiB")
    store_mb = _sizes(ctx.settings.store_path) / 2**20
    chroma_mb = (_sizes(ctx.settings.chroma_path) / 2**20
                 if ctx.settings.chroma_path.exists() and not ctx.settings.chroma_url else 0)
    print(f"data: {ctx.settings.data_dir} (SQLite {store_mb:.0f} MiB, Chroma {chroma_mb:.0f} MiB)")
    print(label_line)
    if summary.problems:
        print(f"{len(summary.problems)} input(s) skipped (see messages above)", file=sys.stderr)
    return outcome(summary, counts)


def _labels(a: Any, ctx: Any, summary: Any, quiet: bool, clauses: int) -> str:
    """Clause labels from the shipped (or a trained) model, kept in step with the clauses."""
    from tqdm import tqdm

    from assistant.labels import keep_labels_current

    bar = tqdm(total=clauses, desc="labelling", unit="clause", disable=quiet,
               file=sys.stderr, leave=False)
    changed = bool(summary.clauses_new or summary.clauses_removed)
    try:
        return keep_labels_current(a.store, clauses, a.embedder.name, ctx.settings.cache_dir,
                                   changed, bar.update)[1]
    finally:
        bar.close()


def outcome(summary: Any, counts: dict[str, int]) -> int:
    """The exit code, with the line that says why when it is not 0: non-zero only when
    nothing could be ingested."""
    if summary.problems and not (summary.documents or summary.annotations):
        print(f"error: nothing could be ingested ({len(summary.problems)} input(s) skipped, "
              "see above)", file=sys.stderr)
        return 1
    if not counts["clauses"]:
        if counts["annotations"]:
            print(f"note: no clause records yet; the {counts['annotations']} ToS;DR points "
                  "are stored and link to clauses once their platforms' documents are "
                  "ingested (e.g. `policy-assistant ingest ../shared/policy-docs/ota`)",
                  file=sys.stderr)
            return 0
        print("error: the store holds no clause records: no documents were found under the "
              "given paths", file=sys.stderr)
        return 1
    return 0
