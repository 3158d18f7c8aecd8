"""Kill the CLI at every fault point of ingest and label-corpus, resume, and compare the store
with a clean run of the same commands: clause IDs, versions, occurrences, links, change
records, labels, vectors and Chroma entries must all be the same.

The pipeline is what a user runs: ``ingest`` of a first corpus (OTA documents, a three-version
document, a ToS;DR points file, an announcement and a record page), ``ingest`` of a second one
(an edited document and an edited points file: updates, new change records, relinking, Chroma
metadata updates), then ``label-corpus``. Each step runs in its own child process, killed on
every pass of every point; the resume reruns the killed command and the ones after it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus import faults
from tests import crash_harness as harness
from tests.conftest import FIXTURE_OTA, FIXTURE_TOSDR, FIXTURES
from tests.history_fixture import FIXTURE_HISTORY

REPO = Path(__file__).resolve().parents[1]
LABEL_POINTS = FIXTURES / "label_points.jsonl"
# the kill matrix below: its size is asserted, and the README's reliability table quotes it
EXPECTED_KILLS = 41  # 37, plus the labels ingest now keeps current (2 passes in each ingest)


def _sources(root: Path) -> tuple[list[Path], list[Path]]:
    """Two corpora at fixed paths: the first ingest's and the second's (same collection name,
    so the second updates documents of the first)."""
    first, second = root / "one", root / "two"
    shutil.copytree(FIXTURE_OTA, first / "fixture-versions")
    shutil.copytree(FIXTURE_HISTORY, first / "ota-history")
    shutil.copy(FIXTURE_TOSDR, first / "points.jsonl")
    (first / "pages").mkdir()
    for name in ("announcement.txt", "record_page.txt"):
        shutil.copy(FIXTURES / "pages" / name, first / "pages" / name)
    shutil.copytree(first / "fixture-versions", second / "fixture-versions")
    learnify = second / "fixture-versions" / "Learnify" / "Terms of Service.md"
    stat = learnify.stat()
    text = learnify.read_text()
    dropped = ("Any violation of these Terms may result in your access to all or part of the "
               "Services being suspended, disabled, or terminated.\n\n")
    assert dropped in text and "at any time." in text
    learnify.write_text(text.replace(dropped, "").replace("at any time.", "once a year."))
    os.utime(learnify, (stat.st_atime, stat.st_mtime + 86400 * 30))  # a later version date
    points = FIXTURE_TOSDR.read_text().replace("does not sell your personal data",
                                               "does not sell or rent your personal data")
    (second / "points.jsonl").write_text(points)
    return ([first / "fixture-versions", first / "ota-history", first / "points.jsonl",
             first / "pages"], [second / "fixture-versions", second / "points.jsonl"])


def _steps(data: Path, first: list[Path], second: list[Path]) -> list[list[str]]:
    base = ["--data-dir", str(data), "--embedder", "hash"]
    return [[*base, "ingest", "--quiet", *map(str, first)],
            [*base, "ingest", "--quiet", *map(str, second)],
            [*base, "label-corpus"]]


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The clean run: a label model trained once, each step's data dir kept, the points each
    step passed, and the final snapshot."""
    root = tmp_path_factory.mktemp("crash")
    first, second = _sources(root / "sources")
    model_dir = root / "model"
    code, got = harness.run([["--data-dir", str(model_dir), "--embedder", "hash",
                              "train-labels", "--points", str(LABEL_POINTS), "--no-eval",
                              "--no-label"]], root / "model.json")
    assert code == 0 and got["codes"] == [0], (root / "model.json.log").read_text()
    model = [model_dir / "cache" / name for name in ("labels-model.npz", "labels-model.json")]
    ref = root / "ref"
    (ref / "cache").mkdir(parents=True)
    for path in model:
        shutil.copy(path, ref / "cache")
    after: list[Path] = []
    hits: list[dict[str, int]] = []
    steps = _steps(ref, first, second)
    for i, argv in enumerate(steps):
        last = i == len(steps) - 1
        code, got = harness.run([argv], root / f"ref{i}.json", snapshot_of=ref if last else None)
        assert code == 0 and got["codes"] == [0], (root / f"ref{i}.json.log").read_text()
        hits.append(got["hits"])
        shutil.copytree(ref, root / f"after{i}")
        after.append(root / f"after{i}")
    return {"root": root, "first": first, "second": second, "model": model, "after": after,
            "hits": hits, "snapshot": got["snapshot"]}


def test_the_clean_run_passes_every_fault_point_and_writes_every_table(clean):
    passed = set().union(*clean["hits"])
    assert passed == set(faults.POINTS)
    snap = clean["snapshot"]
    assert {k: len(v) for k, v in snap.items() if k not in ("meta", "sources")} == {
        "documents": 7, "versions": 10, "clauses": 28, "occurrences": 40, "annotations": 4,
        "embeddings": 28, "changes": 9, "change_refs": 15, "change_pairs": 3, "labels": 15,
        "chroma": 28}
    linked = [a for a in snap["annotations"] if a[1]]
    assert len(linked) == 2


def _kills(clean) -> list[tuple[int, str, int]]:
    """(step, point, pass): every pass of every point in every step of the clean run."""
    return [(step, name, k) for step, hits in enumerate(clean["hits"])
            for name, n in sorted(hits.items()) for k in range(1, n + 1)]


def _diff(got: dict, want: dict) -> list[str]:
    return [f"{table}: {len(got[table])} rows, clean run {len(want[table])}; first difference "
            f"{next((g, w) for g, w in zip(got[table] + [None] * len(want[table]), want[table] + [None] * len(got[table]), strict=False) if g != w)}"  # noqa: E501
            for table in want if got.get(table) != want[table]]


def _kill_and_resume(clean, n: int, step: int, point: str, k: int) -> str:
    """Kill step ``step`` on pass ``k`` of ``point``, resume; '' when the store is the clean
    one, else what differs."""
    root = clean["root"]
    data = root / f"kill{n}"
    steps = _steps(data, clean["first"], clean["second"])
    for _attempt in (1, 2):
        shutil.rmtree(data, ignore_errors=True)
        if step:
            shutil.copytree(clean["after"][step - 1], data)
        else:
            (data / "cache").mkdir(parents=True)
            for path in clean["model"]:
                shutil.copy(path, data / "cache")
        code, got = harness.run([steps[step]], root / f"kill{n}.json", fault=f"{point}:{k}")
        if (code, got) != (harness.STATUS_LOST, {}):
            break
        # the forkserver lost the child's exit status, so whether it died at the point is
        # unknown: run the scenario once more from its starting store
    if (code, got) != (faults.KILLED, {}):
        return f"step {step} was not killed at {point}:{k}: exit {code}, {got}"
    code, got = harness.run(steps[step:], root / f"resume{n}.json", snapshot_of=data)
    if code != 0 or got["codes"] != [0] * (len(steps) - step):
        return f"resume after {point}:{k} failed: " + (root / f"resume{n}.json.log").read_text()
    shutil.rmtree(data)
    if got["snapshot"] != clean["snapshot"]:
        return (f"step {step} killed at {point}:{k}: "
                + "; ".join(_diff(got["snapshot"], clean["snapshot"])))
    return ""


def test_a_kill_at_any_point_then_a_rerun_ends_in_the_clean_store(clean):
    from concurrent.futures import ThreadPoolExecutor

    kills = _kills(clean)
    assert len(kills) == EXPECTED_KILLS
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:  # each scenario waits on its own child processes
        results = list(pool.map(lambda a: _kill_and_resume(clean, a[0], *a[1]),
                                 enumerate(kills)))
    print(f"{len(kills)} kills resumed in {time.perf_counter() - t0:.1f} s")
    assert [r for r in results if r] == []


def test_a_killed_linking_links_on_the_next_plain_rerun(tmp_path):
    """The issue's case, with `python -m assistant` itself: ToS;DR points and their file's
    "seen" mark are committed, the process dies before the links are; the rerun finds every
    document and the points file unchanged and still links."""
    sources = [str(FIXTURE_OTA), str(FIXTURE_TOSDR)]
    env = {**os.environ, "PYTHONPATH": str(REPO), faults.ENV: "links"}

    def ingest(data: Path, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(data),
                               "--embedder", "hash", "ingest", "--quiet", *sources],
                              cwd=REPO, capture_output=True, text=True, timeout=120, **kw)

    killed = ingest(tmp_path / "data", env=env)
    assert killed.returncode == faults.KILLED, killed.stderr
    import sqlite3

    def links(data: Path) -> list[tuple]:
        conn = sqlite3.connect(data / "store.sqlite")
        try:
            return list(conn.execute("SELECT annotation_id, record_id FROM annotations "
                                     "ORDER BY 1"))
        finally:
            conn.close()

    assert [r[1] for r in links(tmp_path / "data")] == [None] * 4
    env.pop(faults.ENV)
    rerun = ingest(tmp_path / "data", env=env)
    assert rerun.returncode == 0, rerun.stderr
    assert "documents new 0, updated 0, unchanged 4" in rerun.stdout
    assert "ToS;DR points 4, linked to a current clause 2" in rerun.stdout
    from tests.test_retrieval import NO_SALE

    assert links(tmp_path / "data") == [("tosdr-9001", "streamly-bf7b-32gp-7whs"),
                                        ("tosdr-9002", NO_SALE), ("tosdr-9003", None),
                                        ("tosdr-9004", None)]


def test_a_fault_point_kills_only_on_its_pass(monkeypatch):
    monkeypatch.setattr(faults, "hits", faults.Counter())
    monkeypatch.setenv(faults.ENV, "document:2")
    exits = []
    monkeypatch.setattr(faults.os, "_exit", exits.append)
    faults.point("document")
    faults.point("links")
    assert exits == []
    faults.point("document")
    assert exits == [faults.KILLED]
    with pytest.raises(ValueError, match="unknown fault point 'nosuch'"):
        faults.point("nosuch")
    assert signal.SIGKILL + 128 == faults.KILLED
