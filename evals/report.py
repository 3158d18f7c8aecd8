"""Write a run's report: report.json, report.md (tables a person reads) and PNG plots.

matplotlib is imported here and nowhere else (lazily, with the Agg backend).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEADLINE = ("recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10", "hit@3",
            "recall@1 (text)", "recall@5 (text)", "recall@10 (text)", "f1", "exact_match",
            "contains_answer", "oracle_f1", "citation_precision", "abstained",
            "answered_correctly")


def write_report(report: dict[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md"}
    paths["json"].write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    paths.update(plots(report, out))
    paths["md"].write_text(markdown(report, {k: v.name for k, v in paths.items()
                                             if k.startswith("plot")}))
    return paths


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def _delta(d: float | None) -> str:
    if d is None:
        return ""
    return " (±0)" if abs(d) < 5e-4 else f" ({d:+.3f})" if abs(d) < 10 else f" ({d:+.1f})"


def metrics_table(report: dict[str, Any], keys: list[str]) -> list[str]:
    modes = list(report["metrics"])
    deltas = report.get("deltas", {})
    lines = ["| metric | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
    for k in keys:
        cells = []
        for mode in modes:
            v = report["metrics"][mode].get(k)
            cells.append("–" if v is None else _fmt(v) + _delta(deltas.get(mode, {}).get(k)))
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    return lines


def markdown(report: dict[str, Any], plot_files: dict[str, str] | None = None) -> str:
    cfg = report.get("config", {})
    all_keys: list[str] = []
    for m in report["metrics"].values():
        all_keys += [k for k in m if k not in all_keys]
    head = [k for k in HEADLINE if k in all_keys]
    lat = [k for k in all_keys if k.endswith(("_p50", "_p95"))]
    rest = [k for k in all_keys if k not in head and k not in lat]
    out = [f"# Evaluation: {cfg.get('suite', '?')}", ""]
    out += [f"- run {cfg.get('started', '')}, git {cfg.get('git_commit', '?')}, model "
            f"`{cfg.get('model', '?')}`, corpus `{cfg.get('corpus_hash', '?')}` "
            f"({cfg.get('corpus_counts', {}).get('clauses', '?')} clauses)",
            f"- format {cfg.get('format')}, limit {cfg.get('limit') or 'none'}, k = "
            f"{cfg.get('k')}, abstention thresholds {cfg.get('thresholds')}"]
    if "baseline" in report:
        b = report["baseline"].get("config", {})
        out.append(f"- deltas (in brackets) against the baseline run {b.get('started', '?')}, "
                   f"git {b.get('git_commit', '?')}")
    for k, v in (report.get("notes") or {}).items():
        out.append(f"- {k}: {v}")
    if report.get("skipped"):
        out.append(f"- NOT RUN: {len(report['skipped']['cases'])} cases "
                   f"({report['skipped']['why']})")
    out += ["", "## Headline metrics (one column per retriever)", ""]
    out += metrics_table(report, head)
    if rest:
        out += ["", "## Case types and other counts", ""] + metrics_table(report, rest)
    if lat:
        out += ["", "## Latency (ms)", ""] + metrics_table(report, lat)
    for name, file in (plot_files or {}).items():
        out += ["", f"![{name}]({file})"]
    first = next(iter(report["metrics"]), None)
    fails = [r for r in report.get("results", [])
             if r.get("mode") == first and r.get("passed") is False]
    if fails:
        shown = f"{min(40, len(fails))} of {len(fails)} shown"
        out += ["", f"## Failed cases ({first} mode, {shown})", "",
                "| case | type | question | why | cited |", "|---|---|---|---|---|"]
        for r in fails[:40]:
            q = r.get("question") or (r.get("turns") or [{}])[0].get("message", "")
            out.append(f"| {r['qid']} | {r['type']} | {_cell(str(q), 90)} | "
                       f"{_cell(why_failed(r), 80)} | {_cell(' '.join(r.get('cited', [])), 70)} |")
    return "\n".join(out) + "\n"


def _cell(text: str, limit: int) -> str:
    text = " ".join(text.split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def why_failed(r: dict[str, Any]) -> str:
    if r.get("error"):
        return str(r["error"])
    if r["type"] == "question":
        return "abstained" if r.get("abstained") else "no expected record cited"
    if r["type"] == "abstain":
        return "answered instead of abstaining"
    if r["type"] == "conversation":
        bad = [i + 1 for i, t in enumerate(r.get("turns", [])) if not t.get("passed")]
        return "turn " + ", ".join(map(str, bad)) + " wrong (focus, route or citations)"
    if r["type"] == "comparison":
        if not r.get("rows_ok"):
            return f"rows {r.get('rows')}, not addressed {r.get('not_addressed')}"
        return "a cited record is not expected"
    return "expectation not met"


def plots(report: dict[str, Any], out: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: dict[str, Path] = {}
    metrics = report["metrics"]
    ks = [1, 3, 5, 10]
    if any("recall@1" in m for m in metrics.values()):
        fig, ax = plt.subplots(figsize=(6, 4))
        for mode, m in metrics.items():
            if all(f"recall@{k}" in m for k in ks):
                ax.plot(ks, [m[f"recall@{k}"] for k in ks], marker="o", label=mode)
        ax.set_xlabel("k")
        ax.set_ylabel("recall@k")
        ax.set_xticks(ks)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.legend()
        ax.set_title(f"recall@k per retriever: {report.get('config', {}).get('suite', '')}")
        fig.tight_layout()
        paths["plot_recall"] = out / "recall_at_k.png"
        fig.savefig(paths["plot_recall"], dpi=100)
        plt.close(fig)
    latency = report.get("latency") or {}
    stages = [s for s in ("embed_ms", "retrieve_ms", "answer_ms", "total_ms")
              if any(s in t for ts in latency.values() for t in ts)]
    if stages:
        fig, axes = plt.subplots(1, len(stages), figsize=(4 * len(stages), 3.5), squeeze=False)
        for ax, stage in zip(axes[0], stages, strict=True):
            every = sorted(t[stage] for ts in latency.values() for t in ts if stage in t)
            top = every[min(len(every) - 1, int(0.99 * len(every)))] or 1.0
            bins = [top * i / 30 for i in range(31)]  # shared bins up to the 99th percentile
            for mode, ts in latency.items():
                vals = [min(t[stage], top) for t in ts if stage in t]
                if vals:
                    ax.hist(vals, bins=bins, alpha=0.5, label=mode)
            ax.set_title(stage.replace("_ms", "") + " (ms; last bin: >= p99)")
            ax.set_xlabel("ms")
            ax.legend(fontsize=8)
        fig.suptitle("latency per stage")
        fig.tight_layout()
        paths["plot_latency"] = out / "latency.png"
        fig.savefig(paths["plot_latency"], dpi=100)
        plt.close(fig)
    return paths
