"""The replay behind the dense weight (``evals.fusion_sweep``): its fusion is the retrieval's,
checked against real hybrid searches of the fixture corpus, and its table on lists worked out
by hand."""

from __future__ import annotations

import json

import pytest

from assistant.retrieve import DENSE_WEIGHT
from evals.fusion_sweep import fuse, main, record, replay_matches, table

QUESTIONS = ["Can Streamly terminate my account without notice?",
             "How long does Streamly keep my data?", "Does Chatterbox sell my data?",
             "How old do I have to be to use Learnify?", "Can they change the terms?"]


def test_the_replay_fuses_as_retrieval_does(fixture_assistant):
    rows = [record(fixture_assistant, q, []) for q in QUESTIONS]
    assert sum(1 for r in rows if r["dense"] and r["lexical"]) == 4  # the fusion has work
    assert max(len(r["dense"]) for r in rows) > 12  # and the cut at 12 too
    assert replay_matches({"all": rows}, DENSE_WEIGHT) == (5, 5)
    # the weight matters on these lists: dense alone and lexical alone differ from hybrid
    assert any(r["dense"][:12] != r["hybrid"] for r in rows)
    assert any(fuse(r["dense"], r["lexical"], 0.0)[:12] != r["hybrid"] for r in rows)


def test_fuse_by_hand():
    # dense A, B; lexical B, C: at weight 1, B 1/62 + 1/61 > A 1/61 > C 1/62
    assert fuse(["A", "B"], ["B", "C"], 1.0) == ["B", "A", "C"]
    # at weight 3: B 3/62 + 1/61 = 0.065 > A 3/61 = 0.049 > C 1/62
    assert fuse(["A", "B"], ["B", "C"], 3.0) == ["B", "A", "C"]
    assert fuse(["A", "B"], ["C", "D"], 1.0) == ["A", "C", "B", "D"]  # ties by record ID
    assert fuse(["A", "B"], ["C", "D"], 0.0) == ["C", "D", "A", "B"]


def test_the_table_and_the_command_replay_a_recorded_file(tmp_path, capsys):
    # at the shipped 1.5: A 1.5/61 + 1/62, B 1.5/62, C 1/61 -> A, B, C
    one = {"dense": ["A", "B"], "lexical": ["C", "A"], "hybrid": ["A", "B", "C"], "fold": 0}
    records = {"opp": [{**one, "span": ["C"], "text": ["B"]}], "tosdr": [{**one, "text": ["A"]}],
               "tosdr-wordings": [{**one, "text": ["C"]}]}
    text = table(records, [1.0])
    # weight 1: A 1/61 + 1/62, C 1/61, B 1/62 -> A, C, B; dense alone A, B
    assert text.splitlines()[2:] == [
        "| 1 | 0.000 / 1.000 / 1.000 / 1.000 / 1.000 | 0.000 / 1.000 / 1.000 / 1.000 / 1.000 | "
        "1.000 / 1.000 / 1.000 / 1.000 / 1.000 | 0.000 / 1.000 / 1.000 / 1.000 / 1.000 |",
        "| dense alone | 0.000 / 0.000 / 0.000 / 0.000 / 0.000 | 0.000 / 1.000 / 1.000 / 1.000 "
        "/ 1.000 | 1.000 / 1.000 / 1.000 / 1.000 / 1.000 | 0.000 / 0.000 / 0.000 / 0.000 / "
        "0.000 |"]
    path = tmp_path / "lists.json"
    path.write_text(json.dumps(records))
    main(["--lists", str(path), "--weights", "1"])
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == f"replay at the shipped weight {DENSE_WEIGHT:g} reproduces 3 of 3 " \
                     "recorded hybrid top-12 lists"
    assert "\n".join(out[1:]) == text


def test_recording_without_the_adapters_is_refused_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--lists", str(tmp_path / "none.json")])
    assert exit_.value.code == 2
    assert "none.json does not exist: recording it needs --data-dir, --sets and --adapters" \
        in capsys.readouterr().err
