"""The load check's `varied` questions: each session asks its own, drawn as bench_latency
draws its questions (ToS;DR templates with the data dir's platforms), the same on every run."""

from __future__ import annotations

import pytest

from evals.bench_ui_load import main, varied_questions


def test_each_session_asks_its_own_questions_about_the_stores_platforms(fixture_assistant):
    data = str(fixture_assistant.settings.data_dir)
    names = set(fixture_assistant.platform_names().values())
    drawn = varied_questions(data, 4)
    assert drawn == varied_questions(data, 4)  # a fixed seed per session
    assert [len(q) for q in drawn] == [5, 5, 5, 5]
    assert len({q for qs in drawn for q in qs}) > 15  # sessions do not repeat each other
    for qs in drawn:  # as bench_latency draws them: the third of every three names none
        for i, q in enumerate(qs):
            assert "{platform}" not in q, q
            assert ("the service" in q) if i % 3 == 2 else any(name in q for name in names), q
    assert varied_questions(data, 6)[:4] == drawn  # session i asks the same whatever N is


def test_varied_needs_a_data_dir(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--url", "http://127.0.0.1:7860", "--set", "varied"])
    assert exc.value.code == 2
    assert "--set varied draws its questions from the platforms of --data-dir" in \
        capsys.readouterr().err
