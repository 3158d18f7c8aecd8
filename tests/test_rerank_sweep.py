"""The replay behind the rerank rule (``evals.rerank_sweep``) on recorded readings whose
orders are worked out by hand; recording them needs the fold models and is run by hand."""

from __future__ import annotations

import json

import pytest

from evals.rerank_sweep import CUTS, by_rank_fusion, by_weight, main, table
from evals.tuning_replay import hit_rates

# fused order A, B, C; logits 0, 5, 4 (one document type, so the prior shifts all alike)
ONE = {"ids": ["A", "B", "C"], "dt": ["Terms of Service"] * 3, "rel": [0.0, 5.0, 4.0],
       "fold": 0}
# fused order D, E; E reads 3 logits better: not enough at weight 0.2 (needs log 2 / 0.2)
TWO = {"ids": ["D", "E"], "dt": ["Terms of Service"] * 2, "rel": [0.0, 3.0], "fold": 1}
RECORDS = {"opp": [{**ONE, "span": ["B"], "text": ["A", "C"]}, {**TWO, "span": [], "text": []}],
           "tosdr": [{**TWO, "text": ["E"]}], "tosdr-wordings": [{**ONE, "text": ["C"]}]}


def test_the_shipped_rank_fusion_and_the_weighted_alternative_order_as_worked_out():
    # rank fusion: B 1/62 + 1/61 > A 1/61 + 1/63 > C 1/63 + 1/62
    assert by_rank_fusion(12)(ONE) == ["B", "A", "C"]
    assert by_rank_fusion(1)(ONE) == ["A", "B", "C"]  # only A read: the rest keep their order
    # weight 0.2: B 1.0 - log 2 > A 0 > C 0.8 - log 3
    assert by_weight(0.2, 12)(ONE) == ["B", "A", "C"]
    assert by_weight(0.2, 12)(TWO) == ["D", "E"]
    assert by_weight(1.0, 12)(TWO) == ["E", "D"]
    # the model's first, third in the fused order: rank fusion lifts it to second
    # (1/63 + 1/61 > 1/62 + 1/63), its 1.5-logit margin does not (0.3 - log 3 < -log 2)
    three = {**ONE, "rel": [0.0, 0.0, 1.5]}
    assert by_rank_fusion(12)(three) == ["A", "C", "B"]
    assert by_weight(0.2, 12)(three) == ["A", "B", "C"]


def test_hits_count_only_questions_with_gold_clauses():
    assert hit_rates(RECORDS["opp"], "span", by_weight(0.2, 12), CUTS) == (1, [1.0, 1.0, 1.0])
    assert hit_rates(RECORDS["opp"], "text", by_weight(0.2, 12), CUTS) == (1, [0.0, 1.0, 1.0])
    assert hit_rates(RECORDS["tosdr"], "text", by_rank_fusion(12), CUTS) == (1, [0.0, 1.0, 1.0])


def test_the_table_and_the_command_replay_a_recorded_file(tmp_path, capsys):
    text = table(RECORDS, [1.0], [12])
    assert text.splitlines()[0] == ("| rule | opp-span (1) hit@1/3/5 | opp-text (1) hit@1/3/5 | "
                                    "tosdr (1) hit@1/3/5 | tosdr-wordings (1) hit@1/3/5 |")
    # fused A, B, C / D, E; rank fusion B, A, C / D, E (a tie keeps the fused order);
    # weight 1: B 5 - log 2, C 4 - log 3, A 0 / E 3 - log 2, D 0
    assert text.splitlines()[2:] == [
        "| fused (no model) | 0.000 / 1.000 / 1.000 | 1.000 / 1.000 / 1.000 | "
        "0.000 / 1.000 / 1.000 | 0.000 / 1.000 / 1.000 |",
        "| rank fusion (shipped), read 12 | 1.000 / 1.000 / 1.000 | 0.000 / 1.000 / 1.000 | "
        "0.000 / 1.000 / 1.000 | 0.000 / 1.000 / 1.000 |",
        "| weight 1, read 12 | 1.000 / 1.000 / 1.000 | 0.000 / 1.000 / 1.000 | "
        "1.000 / 1.000 / 1.000 | 0.000 / 1.000 / 1.000 |"]
    path = tmp_path / "readings.json"
    path.write_text(json.dumps(RECORDS))
    main(["--readings", str(path), "--weights", "1", "--read", "12"])
    assert capsys.readouterr().out.strip() == text


def test_recording_without_the_models_is_refused_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--readings", str(tmp_path / "none.json")])
    assert exit_.value.code == 2
    assert "none.json does not exist: recording it needs --data-dir, --sets, --models and " \
           "--adapters" in capsys.readouterr().err
