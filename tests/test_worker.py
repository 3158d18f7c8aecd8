"""The resident worker (assistant/worker.py): `ask` answers through it when one runs with the
same settings, exactly as it answers alone; otherwise `ask` answers in its own process."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from conftest import FIXTURE_OTA, FIXTURE_TOSDR, FIXTURES

from assistant import BadInput, Settings, build_assistant, worker
from assistant.cli import main

QUESTION = "Does Streamly sell my personal data?"


def cli(capsys, data_dir, *args):
    capsys.readouterr()  # what set-up printed
    code = main(["--data-dir", str(data_dir), "--embedder", "hash", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture()
def data_dir(tmp_path):
    d = tmp_path / "data"
    assert main(["--data-dir", str(d), "--embedder", "hash", "ingest", "--quiet",
                 str(FIXTURE_OTA), str(FIXTURE_TOSDR)]) == 0
    return d


@pytest.fixture()
def running(data_dir):
    """A worker serving the data dir from a thread; stopped after the test."""
    a = build_assistant(Settings.from_env(data_dir=data_dir, embedder="hash"))
    w = worker.Worker(a, idle_minutes=5)
    ready = threading.Event()
    t = threading.Thread(target=w.serve, args=(worker.socket_path(a.settings), ready.set),
                         daemon=True)
    t.start()
    assert ready.wait(60)
    yield w
    worker.request(a.settings, {"op": "stop"})
    t.join(10)
    assert not t.is_alive() and not worker.socket_path(a.settings).exists()


def _profile(tmp_path, monkeypatch):
    path = tmp_path / "profile.json"
    monkeypatch.setenv("POLICY_ASSISTANT_PROFILE", str(path))
    return path


def test_ask_through_the_worker_prints_what_ask_alone_prints(capsys, data_dir, running,
                                                            tmp_path, monkeypatch):
    profile = _profile(tmp_path, monkeypatch)
    via = cli(capsys, data_dir, "ask", QUESTION)
    assert json.loads(profile.read_text()).get("worker") is True
    via_json = cli(capsys, data_dir, "ask", QUESTION, "--json")
    cli(capsys, data_dir, "worker", "stop")
    alone = cli(capsys, data_dir, "ask", QUESTION)
    assert "worker" not in json.loads(profile.read_text())
    assert via == alone and via[0] == 0 and via[1].startswith("Searching Streamly")
    answer = json.loads(via_json[1])
    assert answer["citations"][0]["platform"] == "Streamly"


def test_errors_through_the_worker_are_the_same_one_line(capsys, data_dir, running):
    code, out, err = cli(capsys, data_dir, "ask", "   ")
    assert (code, out) == (2, "")
    assert err == ('error: the question is empty; ask something like "Can Coursera suspend my '
                   'account?"\n')
    code, _, err = cli(capsys, data_dir, "ask", QUESTION, "--platform", "Nosuch")
    assert code == 2 and err.startswith("error: unknown platform 'Nosuch'")


def test_the_worker_reloads_after_an_ingest(capsys, data_dir, running):
    before = cli(capsys, data_dir, "ask", "What is this page about?")[1].splitlines()[0]
    assert cli(capsys, data_dir, "ingest", "--quiet", str(FIXTURES / "pages"))[0] == 0
    after = cli(capsys, data_dir, "ask", "What is this page about?")[1].splitlines()[0]
    assert before != after  # the clause count searched grew with the new documents
    assert running.fingerprint == running.a.store.fingerprint()


def test_other_settings_or_no_worker_answer_in_process(capsys, data_dir, running, tmp_path,
                                                       monkeypatch):
    profile = _profile(tmp_path, monkeypatch)
    monkeypatch.setenv("POLICY_ASSISTANT_THREADS", "2")  # not the worker's settings
    assert cli(capsys, data_dir, "ask", QUESTION)[0] == 0
    assert "worker" not in json.loads(profile.read_text())
    assert cli(capsys, data_dir, "worker", "status")[0] == 1  # no worker for these settings


def test_a_socket_left_by_a_killed_worker_is_ignored_and_replaced(capsys, data_dir):
    path = data_dir / worker.SOCKET
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()  # the file stays; nothing listens
    code, out, _ = cli(capsys, data_dir, "ask", QUESTION)
    assert code == 0 and out.startswith("Searching Streamly")
    assert worker.socket_is_stale(path)
    a = build_assistant(Settings.from_env(data_dir=data_dir, embedder="hash"))
    ready = threading.Event()
    w = worker.Worker(a, idle_minutes=5)
    t = threading.Thread(target=w.serve, args=(path, ready.set), daemon=True)
    t.start()  # a new worker takes the stale socket's place
    assert ready.wait(60)
    assert worker.request(a.settings, {"op": "status"})["status"] == "ok"
    with pytest.raises(BadInput, match="a worker already listens"):
        worker.socket_is_stale(path)
    worker.request(a.settings, {"op": "stop"})
    t.join(10)
