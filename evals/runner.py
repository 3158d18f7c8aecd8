"""Run a suite through the assistant's public API and collect metrics.

``evaluate(target, settings)`` is the Python entry point (the CLI's ``eval`` command calls it).
Each retrieval mode (hybrid, dense, lexical) answers the same questions, so every figure has a
reference measured on the same run. A SQuAD-format file brings its own corpus: it is ingested
into a separate assistant under ``<cache>/suites/<sha>-<model>/``, never into the main index.
"""

from __future__ import annotations

import datetime as _dt
import platform as _platform
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant import (
    EVAL_COLUMNS,
    FAST,
    FUSED,
    PLAIN,
    RERANKED,
    Assistant,
    BadInput,
    PolicyAssistantError,
    Session,
    Stages,
)
from corpus.link import THRESHOLD, best_match, candidates
from corpus.text import normalise, sentence_spans
from evals import metrics as M
from evals.cases import Case, load_cases
from evals.squad import SquadSet, is_squad_file, load_squad

# run by default; "precedent" is opt-in. "hybrid" runs every stage the assistant runs; the
# ablations drop the trained model ("fused"), also the question adapter ("plain"), or the
# model's reader ("reranked")
MODES = ("hybrid", "reranked", "fused", "dense", "lexical")
K = 10
STAGES = ("embed_ms", "retrieve_ms", "read_ms", "answer_ms", "total_ms")


def column(name: str) -> tuple[str, Stages | None]:
    """(retrieval mode, answering stages) of an eval column: ``dense`` and ``lexical`` are
    single-retriever references without the QA model (``dense`` with the question adapter,
    as ``fused``); None: the assistant's default."""
    if name == "fused":
        return "hybrid", FUSED
    if name == "plain":
        return "hybrid", PLAIN
    if name == "reranked":
        return "hybrid", RERANKED
    if name == "fast":
        return "hybrid", FAST
    if name in ("dense", "lexical"):
        return name, FUSED
    return name, None
SUITES_DIR = Path(__file__).parent / "suites"
Progress = Callable[[int], None]


def policy_docs() -> Path:
    import os

    env = os.environ.get("POLICY_DOCS")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / \
        "policy-docs"


def builtin_suites() -> dict[str, Path]:
    found = {p.stem: p for p in sorted(SUITES_DIR.glob("*.jsonl"))}
    found["policyqa"] = policy_docs() / "policyqa" / "dev.json"
    return found


def resolve_target(target: str | Path, fmt: str | None = None) -> tuple[Path, str]:
    """(path, format) for a suite name or file; format is 'suite' or 'squad'."""
    path = Path(target)
    if not path.exists():
        known = builtin_suites()
        if str(target) not in known:
            raise BadInput(f"no suite or file {str(target)!r}; built-in suites: "
                           + ", ".join(sorted(known)))
        path = known[str(target)]
        if not path.exists():
            raise BadInput(f"suite {target!r} needs {path}, which does not exist "
                           "(set POLICY_DOCS to the policy-docs folder)")
    if path.is_dir():
        raise BadInput(f"{path} is a folder; give a suite file (.jsonl) or a SQuAD file (.json)")
    if fmt is None:
        fmt = "squad" if is_squad_file(path) else "suite"
    if fmt not in ("suite", "squad"):
        raise BadInput(f"unknown format {fmt!r} (suite or squad)")
    return path, fmt


# ---- the run ---------------------------------------------------------------------------------


def evaluate(target: str | Path, settings: Any, *, fmt: str | None = None,
             limit: int | None = None, modes: tuple[str, ...] = MODES,
             assistant: Assistant | None = None, cache_dir: Path | None = None,
             progress: Callable[[int], Progress] | None = None) -> dict[str, Any]:
    """Run ``target`` and return the report object (metrics, per-question results, config).

    ``progress(total)`` is called once with the number of steps and returns a callback that
    is called with the number of steps done since the last call.
    """
    path, fmt = resolve_target(target, fmt)
    bad = [m for m in modes if m not in EVAL_COLUMNS]
    if bad or not modes:
        raise BadInput(f"unknown retrieval mode(s) {', '.join(bad) or '(none)'}; "
                       f"choose from {', '.join(EVAL_COLUMNS)}")
    if limit is not None and limit < 1:
        raise BadInput("--limit must be at least 1")
    if fmt == "squad":
        squad = load_squad(path)
        base = Path(cache_dir) if cache_dir else settings.cache_dir / "suites"
        own = replace(settings, data_dir=base / f"{squad.sha256[:16]}-{settings.embedder}",
                      chroma_url="")
        sub = Assistant(own, embedder=assistant.embedder if assistant else None)
        sub.ingest_documents(squad.documents)
        report = run_squad(sub, squad, limit, modes, progress)
        a = sub
    else:
        a = assistant or Assistant(settings)
        report = run_cases(a, load_cases(path), limit, modes, progress)
    name = str(target) if str(target) in builtin_suites() else path.stem
    report["config"] = run_config(a, name, path, fmt, limit, modes)
    return report


def run_config(a: Assistant, name: str, path: Path, fmt: str, limit: int | None,
               modes: tuple[str, ...]) -> dict[str, Any]:
    s = a.settings
    th = a.answerer.thresholds
    stages = a.stages()
    return {
        "suite": name, "path": str(path),
        "format": fmt, "limit": limit, "modes": list(modes), "k": K,
        "model": a.embedder.name, "embedder": s.embedder,
        "precision": s.precision, "max_seq_length": s.max_seq_length, "data_dir": str(s.data_dir),
        "thresholds": {"dense": th.dense, "coverage": th.coverage},
        "query_adapter": str(adapter.path) if (adapter := a.query_adapter) else "off",
        "candidates_read": stages.candidates if stages.any else 0,  # the default column
        # what the QA model computed in (bf16 where the CPU has it natively, else f32)
        "qa_precision": qa.precision if (qa := a.qa) is not None else "off",
        "corpus_hash": a.store.fingerprint(), "corpus_counts": a.store.counts(),
        "git_commit": git_commit(), "python": _platform.python_version(),
        "started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).parent, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, cwd=Path(__file__).parent,
                               timeout=10).stdout.strip()
        return out.stdout.strip() + ("-dirty" if dirty else "") if out.returncode == 0 \
            else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _tick(progress: Callable[[int], Progress] | None, total: int) -> Progress:
    return progress(total) if progress else (lambda n: None)


def _run_of(hits: list[Any]) -> dict[str, float]:
    """Hits in rank order as a BEIR run (score = K - rank, so ties cannot reorder them)."""
    return {h.record_id: float(len(hits) - i) for i, h in enumerate(hits)}


def latency_summary(timings: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for stage in STAGES:
        vals = sorted(t[stage] for t in timings if stage in t)
        if vals:
            out[f"{stage}_p50"] = round(statistics.median(vals), 2)
            out[f"{stage}_p95"] = round(vals[min(len(vals) - 1, int(0.95 * len(vals)))], 2)
    return out


# ---- SQuAD-format sets -----------------------------------------------------------------------


def squad_qrels(a: Assistant, squad: SquadSet) -> tuple[dict[str, dict[str, int]],
                                                  dict[str, dict[str, int]],
                                                  dict[str, list[str]]]:
    """Gold clauses per question, two ways: (1) clauses whose span overlaps the answer span;
    (2) any current clause of the question's policy whose text holds the answer text (the
    definition of the reference figures). Also the gold clause texts, for the oracle."""
    spans: dict[str, list[tuple[str, int, int]]] = {}
    for r in a.store.current_spans():
        spans.setdefault(r.platform, []).append((r.record_id, r.start, r.end))
    texts: dict[str, list[tuple[str, str]]] = {}
    for pid in a.platform_names():
        for c in a.store.current_clauses(pid):
            texts.setdefault(pid, []).append((c.record_id, M.normalize_answer(c.text)))
    by_id = {rid: t for rows in texts.values() for rid, t in rows}
    overlap: dict[str, dict[str, int]] = {}
    holds: dict[str, dict[str, int]] = {}
    gold_texts: dict[str, list[str]] = {}
    for q in squad.questions:
        pid = a.matcher.resolve(q.platform)
        overlap[q.qid] = {rid: 1 for ans in q.answers for rid, s, e in spans.get(q.platform, [])
                          if s < ans.end and e > ans.start}
        golds = [M.normalize_answer(x.text) for x in q.answers]
        holds[q.qid] = {rid: 1 for rid, t in texts.get(pid, []) if any(g in t for g in golds)}
        gold_texts[q.qid] = [a.store.clause(rid).text for rid in overlap[q.qid] if rid in by_id]
    return overlap, holds, gold_texts


def oracle_f1(clause_texts: list[str], golds: list[str]) -> float:
    """The best SQuAD F1 any single sentence of the gold clauses reaches."""
    best = 0.0
    for text in clause_texts:
        for s, e in sentence_spans(text):
            best = max(best, M.best_over_golds(M.f1_score, text[s:e], golds))
    return best


def run_squad(a: Assistant, squad: SquadSet, limit: int | None, modes: tuple[str, ...],
              progress: Callable[[int], Progress] | None = None) -> dict[str, Any]:
    questions = squad.questions[:limit] if limit else squad.questions
    overlap, holds, gold_texts = squad_qrels(a, squad)
    qids = [q.qid for q in questions]
    oracle = {q.qid: oracle_f1(gold_texts[q.qid], [x.text for x in q.answers])
              for q in questions}
    tick = _tick(progress, len(questions) * len(modes))
    results: list[dict[str, Any]] = []
    metrics: dict[str, dict[str, float]] = {}
    latency: dict[str, list[dict[str, float]]] = {}
    for mode in modes:
        run: dict[str, dict[str, float]] = {}
        rows: list[dict[str, Any]] = []
        retrieval, stages = column(mode)
        for q in questions:
            f = a.resolve_filters(q.question, [q.platform])
            ans = a.ask(q.question, f, mode=retrieval, stages=stages)
            run[q.qid] = _run_of(ans.evidence)
            golds = [x.text for x in q.answers]
            pred = ans.citations[0].key if ans.citations else ""
            sentence = ans.citations[0].quote if ans.citations else ""
            cited_text = " ".join(c.quote for c in ans.citations)
            rows.append({
                "qid": q.qid, "mode": mode, "question": q.question, "platform": q.platform,
                "answers": golds, "gold": sorted(overlap[q.qid]),
                "retrieved": [h.record_id for h in ans.evidence],
                "cited": [c.record_id for c in ans.citations], "prediction": pred,
                "f1": M.best_over_golds(M.f1_score, pred, golds),
                "f1_sentence": M.best_over_golds(M.f1_score, sentence, golds),
                "exact_match": M.best_over_golds(M.exact_match, pred, golds),
                "contains_answer": M.contains_answer(cited_text, golds),
                "oracle_f1": oracle[q.qid],
                "abstained": ans.abstained, "timings": ans.timings,
                "top_dense": ans.top_dense, "top_coverage": ans.top_coverage})
            tick(1)
        m = M.retrieval_metrics({k: overlap[k] for k in qids}, run)
        for key in ("recall@1", "recall@3", "recall@5", "recall@10", "mrr@10"):
            m[f"{key} (text)"] = _hit_recall(holds, run, qids, key)
        n = len(rows)
        for key in ("f1", "f1_sentence", "exact_match", "contains_answer", "oracle_f1"):
            m[key] = sum(r[key] for r in rows) / n
        m["abstained"] = sum(r["abstained"] for r in rows) / n
        m["questions"] = n
        m.update(latency_summary([r["timings"] for r in rows]))
        metrics[mode] = m
        latency[mode] = [r["timings"] for r in rows]
        results += rows
    return {"metrics": metrics, "results": results, "latency": latency,
            "notes": {"gold": "recall@k etc.: gold = clauses overlapping the answer span; "
                      "'(text)': a hit is any clause of the policy whose text holds the gold "
                      "answer (the reference figures' definition); F1/EM: the first citation's "
                      "answer (the reader's span when it found one, else the cited sentence) vs "
                      "the gold span; f1_sentence: the first cited sentence; oracle_f1: best "
                      "single sentence of the gold clauses"}}


def _hit_recall(holds: dict[str, dict[str, int]], run: dict[str, dict[str, float]],
                qids: list[str], key: str) -> float:
    """Under the text definition any one holding clause answers: recall@k is a hit rate."""
    q = {k: holds[k] for k in qids}
    k = int(key.split("@")[1])
    return M.mrr_at_k(q, run, k) if key.startswith("mrr") else M.hit_at_k(q, run, k)


# ---- hand-written and generated suites -------------------------------------------------------


def holds_quote(text: str, quote: str | list[str]) -> bool:
    """Whether ``text`` holds the quote (any of them), by the corpus linker's fuzzy match."""
    quotes = [quote] if isinstance(quote, str) else quote
    cands = candidates([("x", normalise(text))])
    return any(q and best_match(q, cands)[0] is not None for q in quotes)


def _error_name(exc: BaseException) -> str:
    return type(exc).__name__


def run_cases(a: Assistant, cases: list[Case], limit: int | None, modes: tuple[str, ...],
              progress: Callable[[int], Progress] | None = None) -> dict[str, Any]:
    cases = cases[:limit] if limit else cases
    per_mode = [c for c in cases
                if c.type in ("question", "abstain", "record", "bad_input", "yesno")]
    once = [c for c in cases if c.type in ("conversation", "comparison")]
    tick = _tick(progress, len(per_mode) * len(modes) + len(once))
    results: list[dict[str, Any]] = []
    metrics: dict[str, dict[str, float]] = {}
    latency: dict[str, list[dict[str, float]]] = {}
    for mode in modes:
        rows = []
        for c in per_mode:
            rows.append(run_case(a, c, mode))
            tick(1)
        if mode == modes[0]:
            for c in once:
                rows.append(run_case(a, c, mode))
                tick(1)
        metrics[mode] = suite_metrics(rows)
        latency[mode] = [r["timings"] for r in rows if r.get("timings")]
        metrics[mode].update(latency_summary(latency[mode]))
        results += rows
    out: dict[str, Any] = {"metrics": metrics, "results": results, "latency": latency}
    out["notes"] = {"modes": f"conversation and comparison cases run once, in {modes[0]} mode, "
                    "through Assistant.chat / Assistant.compare",
                    "quote_threshold": f"a cited record 'holds the quote' at rapidfuzz "
                    f"partial_ratio >= {THRESHOLD:g} (corpus.link)"}
    return out


def _cited_ok(c: Case, cited: list[Any], texts: dict[str, str]) -> list[bool]:
    return [x.record_id in c.expected or holds_quote(texts.get(x.record_id, ""), c.quote)
            for x in cited]


def run_case(a: Assistant, c: Case, mode: str) -> dict[str, Any]:
    row: dict[str, Any] = {"qid": c.id, "type": c.type, "mode": mode}
    retrieval, stages = column(mode)
    try:
        if c.type == "yesno":
            f = a.resolve_filters(c.question, [c.platform] if c.platform else c.platforms)
            ans = a.ask(c.question, f, mode=retrieval, stages=stages)
            texts = {h.record_id: h.text for h in ans.evidence}
            row.update({"question": c.question, "platform": c.platform, "truth": c.answer,
                        "lead": ans.lead, "lead_right": ans.lead == c.answer if ans.lead
                        else None, "cited": [x.record_id for x in ans.citations],
                        "cites_quote": any(holds_quote(texts.get(x.record_id, ""), c.quote)
                                           for x in ans.citations),
                        "abstained": ans.abstained, "timings": ans.timings,
                        "answer": ans.text[:300]})
            row["passed"] = ans.lead != "" and ans.lead == c.answer
        elif c.type in ("question", "abstain"):
            f = a.resolve_filters(c.question, c.platforms)
            ans = a.ask(c.question, f, mode=retrieval, stages=stages)
            texts = {h.record_id: h.text for h in ans.evidence}
            ok = _cited_ok(c, ans.citations, texts)
            row.update({
                "question": c.question, "expected": c.expected,
                "platforms": list(f.platforms),
                "retrieved": [h.record_id for h in ans.evidence],
                "run": _run_of(ans.evidence),
                "cited": [x.record_id for x in ans.citations], "cited_ok": ok,
                "lead": ans.lead, "abstained": ans.abstained, "timings": ans.timings,
                "top_dense": ans.top_dense, "top_coverage": ans.top_coverage})
            row["passed"] = ans.abstained if c.type == "abstain" else (
                not ans.abstained and any(ok))
        elif c.type == "record":
            if c.expect_error:
                a.record(c.record_id)
                row["passed"] = False
            else:
                view = a.record(c.record_id)
                row["passed"] = normalise(c.expect_text) in normalise(view.clause.text)
        elif c.type == "bad_input":
            if c.record_id:
                a.record(c.record_id)
            else:
                f = a.resolve_filters(c.question or "x", c.platforms)
                a.ask(c.question, f, mode=retrieval, stages=stages)
            row["passed"] = False
        elif c.type == "conversation":
            row.update(run_conversation(a, c))
        elif c.type == "comparison":
            row.update(run_comparison(a, c))
    except PolicyAssistantError as exc:
        row["error"] = f"{_error_name(exc)}: {exc}"
        row["passed"] = bool(c.expect_error) and _error_name(exc) == c.expect_error
    except Exception as exc:  # a crash is a failed case, reported, not a stopped run
        row["error"] = f"crash {_error_name(exc)}: {exc}"
        row["passed"] = False
    return row


def run_conversation(a: Assistant, c: Case) -> dict[str, Any]:
    session = Session()
    turns = []
    for t in c.turns:
        ans = a.chat(session, t["message"])
        focus = [a.matcher.resolve(p) for p in t.get("expect_focus", [])]
        got = list(ans.platforms)
        expected = t.get("expected", [])
        cited = [x.record_id for x in ans.citations]
        retrieved = [h.record_id for h in ans.evidence]
        turn = {"message": t["message"], "route": ans.route, "focus": got,
                "focus_ok": sorted(focus) == sorted(got) if "expect_focus" in t else None,
                "route_ok": ans.route == t["expect_route"] if "expect_route" in t else None,
                "cited": cited, "retrieved": retrieved[:10],
                "hit@3": bool(set(expected) & set(retrieved[:3])) if expected else None,
                "cited_ok": [x in expected for x in cited] if expected else [],
                "abstain_ok": ans.abstained == t["expect_abstain"]
                if "expect_abstain" in t else None}
        checks = [turn[k] for k in ("focus_ok", "route_ok", "abstain_ok") if turn[k] is not None]
        if expected:
            checks.append(bool(set(expected) & set(cited + retrieved[:3])))
        turn["passed"] = all(checks)
        turns.append(turn)
    return {"turns": turns, "passed": all(t["passed"] for t in turns)}


def run_comparison(a: Assistant, c: Case) -> dict[str, Any]:
    ans = a.compare(c.question, c.platforms)
    rows = [r.platform for r in ans.table]
    silent = [r.platform for r in ans.table if not r.addressed]
    names = a.platform_names()
    want_rows = [names[a.matcher.resolve(p)] for p in c.expect_platforms or c.platforms]
    want_silent = [names[a.matcher.resolve(p)] for p in c.expect_not_addressed]
    cited = [x.record_id for x in ans.citations]
    ok = [x in c.expected for x in cited] if c.expected else []
    rows_ok = sorted(rows) == sorted(want_rows) and sorted(silent) == sorted(want_silent)
    return {"question": c.question, "rows": rows, "not_addressed": silent, "cited": cited,
            "cited_ok": ok, "rows_ok": rows_ok,
            "passed": rows_ok and (not c.expected or all(ok)),
            "timings": ans.timings}


def suite_metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    qs = [r for r in rows if r["type"] == "question" and "run" in r]
    qrels = {r["qid"]: {rid: 1 for rid in r["expected"]} for r in qs if r["expected"]}
    run = {r["qid"]: r["run"] for r in qs}
    m: dict[str, float] = M.retrieval_metrics(qrels, run) if qrels else {}
    answered = [r for r in qs if r["cited"]]
    if answered:
        m["citation_precision"] = sum(sum(r["cited_ok"]) / len(r["cited_ok"])
                                      for r in answered) / len(answered)
    if qs:
        m["abstained"] = sum(r["abstained"] for r in qs) / len(qs)
        m["answered_correctly"] = sum(bool(r.get("passed")) for r in qs) / len(qs)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_type.setdefault(r["type"], []).append(r)
    for t, rs in by_type.items():
        m[f"{t}_passed"] = sum(bool(r.get("passed")) for r in rs) / len(rs)
        m[f"{t}_cases"] = len(rs)
    turns = [t for r in by_type.get("conversation", []) for t in r.get("turns", [])]
    focus = [t["focus_ok"] for t in turns if t["focus_ok"] is not None]
    if focus:
        m["turn_focus_accuracy"] = sum(focus) / len(focus)
    hits = [t["hit@3"] for t in turns if t["hit@3"] is not None]
    if hits:
        m["turn_hit@3"] = sum(hits) / len(hits)
    yn = by_type.get("yesno", [])
    if yn:
        led = [r for r in yn if r.get("lead")]
        m["yesno_lead_share"] = len(led) / len(yn)
        m["yesno_leads"] = len(led)
        m["yesno_leads_right"] = sum(bool(r["lead_right"]) for r in led)
        m["yesno_leads_wrong"] = len(led) - m["yesno_leads_right"]
        if led:
            m["yesno_lead_precision"] = m["yesno_leads_right"] / len(led)
        m["yesno_cites_quote"] = sum(bool(r.get("cites_quote")) for r in yn) / len(yn)
    comps = by_type.get("comparison", [])
    if comps:
        m["comparison_rows_ok"] = sum(r.get("rows_ok", False) for r in comps) / len(comps)
    m["crashes"] = sum(str(r.get("error", "")).startswith("crash") for r in rows)
    return m


# ---- baselines -------------------------------------------------------------------------------


def with_baseline(report: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Add ``deltas`` {mode: {metric: now - baseline}} for every metric both reports hold."""
    deltas: dict[str, dict[str, float]] = {}
    for mode, m in report["metrics"].items():
        old = baseline.get("metrics", {}).get(mode, {})
        deltas[mode] = {k: v - old[k] for k, v in m.items()
                        if isinstance(v, int | float) and isinstance(old.get(k), int | float)}
    report["deltas"] = deltas
    report["baseline"] = {"config": baseline.get("config", {}), "metrics": baseline.get(
        "metrics", {})}
    return report
