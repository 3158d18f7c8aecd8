"""Clause intelligence: classifier training, severity, prevalence, record pages, `label`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from assistant.embedder import HashEmbedder
from assistant.labels import (
    assessments_from_points,
    assign,
    cached_vectors,
    label_corpus,
    load_model,
    read_model,
    record_labels,
    save_model,
    training_set,
)
from corpus import labels as store_labels
from corpus.classify import evaluate, train
from corpus.label_rules import rule_labels
from corpus.severity import Ratings, severity
from corpus.store import Store
from tests.conftest import FIXTURES, build_assistant

POINTS = FIXTURES / "label_points.jsonl"


@pytest.fixture(scope="module")
def tiny():
    data = training_set(assessments_from_points(POINTS))
    emb = HashEmbedder().embed(data.texts)
    return data, emb


def _model(tiny):
    data, emb = tiny
    m = train(data, emb, "embedding", folds=3)
    m.embedder = HashEmbedder.name
    m.info = {"embedder": HashEmbedder.name}
    return m


def test_training_set_from_fixture(tiny) -> None:
    data, _ = tiny
    assert len(data.texts) == 42
    assert sorted(set(data.groups.tolist())) == ["alpha", "bravo", "charlie", "delta", "echo",
                                                 "foxtrot"]
    counts = {s: int(n) for s, n in zip(data.slugs, data.Y.sum(0), strict=True) if n}
    assert counts == {"account-termination": 6, "arbitration": 6, "data-sale": 6,
                      "scraping-automated-access": 6, "unilateral-change": 6}
    assert len(data.ref_row) == 30
    j = data.slugs.index("data-sale")
    assert sorted(data.ref_rating[data.ref_slug == j].tolist()) == ["bad"] * 3 + ["good"] * 3


def test_training_is_deterministic(tiny) -> None:
    data, emb = tiny
    a, b = _model(tiny), _model(tiny)
    probe = ["You must not use robots or scrapers to access the service.",
             "We may terminate your account without notice.",
             "Bravo may sell your personal information.",
             "The weather is nice today."]
    pe = HashEmbedder().embed(probe)
    assert np.array_equal(a.thresholds, b.thresholds)
    assert np.array_equal(a.proba(pe, probe), b.proba(pe, probe))
    got = [[s for s, *_ in labels] for labels in assign(a, pe, probe)]
    assert got == [["scraping-automated-access"], ["account-termination"], ["data-sale"], []]


def test_grouped_split_keeps_platforms_apart(tiny) -> None:
    data, emb = tiny
    ev = evaluate(data, emb, kinds=("embedding", "tfidf"), test_size=0.34)
    assert ev["split"]["platform_overlap"] == 0
    assert ev["split"]["test_platforms"] + ev["split"]["train_platforms"] == 6
    assert ev["split"]["test_quotes"] + ev["split"]["train_quotes"] == 42
    assert set(ev["systems"]) == {"embedding", "tfidf"}
    assert ev["systems"]["embedding"]["categories_scored"] == 5


def test_severity_rule() -> None:
    assert severity(Ratings(bad=18, good=2, neutral=5), 0.9) == "High"
    assert severity(Ratings(bad=18, good=2, neutral=5), 0.3) == "Medium"
    assert severity(Ratings(bad=10, good=5, neutral=10), 0.9) == "Medium"
    assert severity(Ratings(bad=10, good=5, neutral=10), 0.3) == "Low"
    assert severity(Ratings(bad=2, good=15, neutral=8), 0.9) == "Favourable"
    assert severity(Ratings(bad=5, good=5, neutral=15), 0.9) == "Low"


def test_ai_training_rule() -> None:
    yes = rule_labels("We may use your content to train our AI models.")
    no = rule_labels("We do not use your content to train our AI models.")
    assert yes["ai-training"].negated is False and no["ai-training"].negated is True
    assert rule_labels("We use AI models to moderate posts.") == {}


def test_quote_vectors_are_cached(tmp_path: Path) -> None:
    class Counting(HashEmbedder):
        calls = 0

        def embed(self, texts, progress=None):
            Counting.calls += len(texts)
            return super().embed(texts, progress)

    e = Counting()
    first = cached_vectors(["a b c", "d e f"], e, tmp_path)
    again = cached_vectors(["d e f", "a b c", "g h"], e, tmp_path)
    assert Counting.calls == 3
    assert np.array_equal(first[[1, 0]], again[:2])


@pytest.fixture(scope="module")
def labelled(tmp_path_factory, tiny):
    """A fixture assistant whose corpus is labelled by the tiny model (shared: do not mutate)."""
    a = build_assistant(tmp_path_factory.mktemp("labelled") / "data")
    model = _model(tiny)
    save_model(model, a.settings.cache_dir)
    run = label_corpus(a.store, model)
    return a, run


def _rid(a, platform: str, needle: str) -> str:
    row = a.store.conn.execute("SELECT record_id FROM clauses WHERE platform=? AND text LIKE ?",
                               (platform, f"%{needle}%")).fetchone()
    return row[0]


def test_prevalence_counts_are_exact(fresh_assistant) -> None:
    a = fresh_assistant
    scrape = _rid(a, "Learnify", "robots, spiders")
    term = [_rid(a, "Streamly", "suspend or terminate"), _rid(a, "Learnify", "suspended")]
    sale = _rid(a, "Streamly", "sell")
    rows = [(scrape, "scraping-automated-access", 0.9, "Low", ""),
            (term[0], "account-termination", 0.9, "High", ""),
            (term[1], "account-termination", 0.8, "High", ""),
            (sale, "data-sale", 0.9, "Favourable", "")]
    store_labels.replace_labels(a.store, rows, "{}")
    tos = ("Terms of Service",)
    p = store_labels.prevalence(a.store, "account-termination", tos)
    assert (p.found, p.of) == (2, 3)
    p = store_labels.prevalence(a.store, "scraping-automated-access", tos)
    assert (p.found, p.of) == (1, 3)
    # data-sale concerns privacy policies: only Streamly has one
    p = store_labels.prevalence(a.store, "data-sale", ("Privacy Policy",))
    assert (p.found, p.of) == (1, 1)
    assert p.text().startswith("found in 1 of 1 platforms (100%) that have a Privacy Policy")
    assert p.unfavourable == 0 and p.text().endswith("; in 1 of them only as a Favourable clause")
    # the same clause in a document type the category does not concern is not counted
    p = store_labels.prevalence(a.store, "data-sale", tos)
    assert (p.found, p.of) == (0, 3)
    assert store_labels.label_counts(a.store)["account-termination"] == {"clauses": 2,
                                                                         "current": 2}


def test_prevalence_is_kept_until_the_store_changes(fresh_assistant) -> None:
    """Record pages ask the same prevalence and "other platforms" lists again and again, so
    they are kept; a write through this store, or a commit by another connection (another
    process relabelling), makes them be asked afresh."""
    a = fresh_assistant
    term = [_rid(a, "Streamly", "suspend or terminate"), _rid(a, "Learnify", "suspended")]
    tos = ("Terms of Service",)
    store_labels.replace_labels(a.store, [(term[0], "account-termination", 0.9, "High", "")],
                                "{}")
    assert store_labels.prevalence(a.store, "account-termination", tos).found == 1
    asked = []
    real = store_labels._prevalence

    def counting(*args: object) -> store_labels.Prevalence:
        asked.append(args[1])
        return real(*args)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store_labels, "_prevalence", counting)
        assert store_labels.prevalence(a.store, "account-termination", tos).found == 1
        assert asked == []  # kept
        store_labels.replace_labels(a.store, [(r, "account-termination", 0.9, "High", "")
                                              for r in term], "{}")
        assert store_labels.prevalence(a.store, "account-termination", tos).found == 2
        assert asked == ["account-termination"]  # the write made it be asked again
        assert len(store_labels.current_labelled(a.store, ["account-termination"])) == 2
        other = Store(a.store.path)  # another connection commits
        store_labels.replace_labels(other, [], "{}")
        other.close()
        assert store_labels.prevalence(a.store, "account-termination", tos).found == 0
        assert store_labels.current_labelled(a.store, ["account-termination"]) == []


def test_corpus_labels_and_record_page(labelled) -> None:
    a, run = labelled
    assert run.clauses == a.store.counts()["clauses"]
    scrape = _rid(a, "Learnify", "robots, spiders")
    view = record_labels(a.store, scrape)
    assert view is not None
    assert [c.slug for c in view.categories][0] == "scraping-automated-access"
    train_ai = _rid(a, "Chatterbox", "train our artificial")
    assert "ai-training" in [lab.slug for lab in store_labels.labels_for(a.store, train_ai)]
    term = _rid(a, "Streamly", "suspend or terminate")
    view = record_labels(a.store, term)
    cat = next(c for c in view.categories if c.slug == "account-termination")
    assert cat.severity == "High"
    assert cat.similar and all(s.platform != "Streamly" for s in cat.similar)
    assert cat.similar[0].record_id == _rid(a, "Learnify", "suspended")
    text = "\n".join(view.lines())
    assert "How other platforms handle it:" in text and "found in 2 of 3 platforms" in text


def test_record_filter_restricts_retrieval(labelled) -> None:
    from assistant.labels import allowed_records
    from assistant.types import Filters

    a, _ = labelled
    allowed = allowed_records(a.store, slugs=["account-termination"])
    hits = a.retrieve("account", Filters(records=allowed))
    assert hits and {h.record_id for h in hits} <= allowed


def test_label_command_on_stdin(labelled, monkeypatch, capsys) -> None:
    from assistant.cli import main

    a, _ = labelled
    lines = [json.dumps({"id": 1, "clause": "We may terminate your account without notice."}),
             "You must not use robots or scrapers to access the service.",
             "",
             "The weather is nice today."]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    code = main(["--data-dir", str(a.settings.data_dir), "--embedder", "hash", "label", "-",
                 "--text-field", "clause"])
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert code == 0 and len(out) == 4
    assert out[0]["id"] == 1 and out[0]["clause"].startswith("We may terminate")
    assert [c["slug"] for c in out[0]["categories"]] == ["account-termination"]
    assert out[0]["severity"] == "High"
    assert [c["slug"] for c in out[1]["categories"]] == ["scraping-automated-access"]
    assert out[2]["categories"] == [] and out[3]["categories"] == []
    assert all(0 <= c["confidence"] <= 1 for r in out for c in r["categories"])


def test_label_command_reports_bad_json(labelled, monkeypatch, capsys) -> None:
    from assistant.cli import main

    a, _ = labelled
    monkeypatch.setattr("sys.stdin", io.StringIO('{"text": 1}\n'))
    code = main(["--data-dir", str(a.settings.data_dir), "--embedder", "hash", "label"])
    assert code != 0
    assert "no string field 'text'" in capsys.readouterr().err


def test_question_routing() -> None:
    from assistant.router import question_category, severity_filter

    assert question_category("Which platforms can train AI on my content?") == "ai-training"
    assert question_category("Is it normal to waive class actions?") == "arbitration"
    assert question_category("Can Streamly terminate my account?") is None
    assert severity_filter("high-severity clauses in Discord's terms") == ["High"]
    assert severity_filter("What does Discord say about cookies?") == []


def test_prevalence_answer_with_live_count(fresh_assistant) -> None:
    a = fresh_assistant
    arb = _rid(a, "Streamly", "binding individual arbitration")
    ai = _rid(a, "Chatterbox", "train our")
    store_labels.replace_labels(a.store, [(arb, "arbitration", 0.9, "High", ""),
                                          (ai, "ai-training", 0.75, "Medium", "")], "{}")
    ans = a.ask("Is it normal to waive class actions?")
    assert ans.route == "prevalence"
    assert "found in 1 of 3 platforms (33%)" in ans.text
    assert [c.record_id for c in ans.citations] == [arb]
    ans = a.ask("Which platforms can train AI on my content?")
    assert [c.record_id for c in ans.citations] == [ai]
    assert "found in 1 of 3 platforms" in ans.text


def test_severity_words_filter_the_search(labelled) -> None:
    a, _ = labelled
    ans = a.ask("high-severity clauses in Streamly's terms")
    high = {r[0] for r in a.store.conn.execute(
        "SELECT l.record_id FROM labels l JOIN clauses c USING(record_id) "
        "WHERE l.severity='High' AND c.platform='Streamly'")}
    assert ans.route == "severity"
    assert {c.record_id for c in ans.citations} == high


def test_acceptance_rules() -> None:
    got = rule_labels("By using the Services, you agree to be bound by these Terms.")
    assert set(got) == {"contract-by-use"} and got["contract-by-use"].negated is False
    got = rule_labels("Our Privacy Policy is incorporated into these Terms by reference.")
    assert set(got) == {"privacy-by-acceptance"}
    assert rule_labels("You may close your account at any time.") == {}


PROBE = ["You must not use robots or scrapers to access the service.",
         "We may terminate your account without notice.",
         "Bravo may sell your personal information.",
         "The weather is nice today."]


@pytest.mark.parametrize("kind", ["embedding", "embedding+tfidf"])
def test_a_saved_model_reads_back_as_plain_arrays(tiny, tmp_path, kind) -> None:
    data, emb = tiny
    m = train(data, emb, kind, folds=3)
    m.embedder, m.info = HashEmbedder.name, {"embedder": HashEmbedder.name}
    save_model(m, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels-model.json",
                                                          "labels-model.npz"]
    with np.load(tmp_path / "labels-model.npz", allow_pickle=False) as z:  # no pickle inside
        assert z["coef_q"].dtype == np.int8 and z["ref_q"].dtype == np.int8
    back = read_model(tmp_path)
    pe = HashEmbedder().embed(PROBE)
    # int8 weights move a probability by less than 0.02 and no decision on the probe
    assert np.abs(back.proba(pe, PROBE) - m.proba(pe, PROBE)).max() < 0.02
    assert [[s for s, *_ in x] for x in assign(back, pe, PROBE)] == [
        [s for s, *_ in x] for x in assign(m, pe, PROBE)]
    assert back.info == {"embedder": HashEmbedder.name, "source": "trained here"}


def test_the_shipped_model_is_used_until_one_is_trained(tiny, tmp_path) -> None:
    from corpus.taxonomy import load_taxonomy

    shipped = load_model(tmp_path)  # nothing trained in this cache
    assert shipped.info["source"] == "shipped"
    assert shipped.embedder == "all-MiniLM-L6-v2-ov-int8-256"  # the default embedder's
    assert shipped.slugs == [c.slug for c in load_taxonomy()]
    save_model(_model(tiny), tmp_path)
    assert load_model(tmp_path).info["source"] == "trained here"


def test_ingest_labels_the_corpus_and_keeps_them_current(capsys, tmp_path, tiny) -> None:
    from tests.conftest import FIXTURE_OTA
    from tests.edge import ingest

    data = tmp_path / "data"
    code, out, _ = ingest(capsys, data, FIXTURE_OTA)
    # the shipped model reads MiniLM vectors; a data dir of hash vectors cannot use it
    assert code == 0 and out.splitlines()[-1] == (
        "labels: not made (the label model reads all-MiniLM-L6-v2-ov-int8-256 vectors and "
        "this data dir holds hash-1024 vectors; run `policy-assistant train-labels`)")
    save_model(_model(tiny), data / "cache")
    code, out, _ = ingest(capsys, data, FIXTURE_OTA)
    line = out.splitlines()[-1]
    assert line.startswith("labels: 9 of 15 clauses labelled (11 labels, trained here model) in ")
    from corpus.store import Store

    store = Store(data / "store.sqlite", read_only=True)
    rows = store_labels.current_labelled(store)
    assert (len(rows), len({r.record_id for r in rows})) == (11, 9)  # what the line says
    code, out, _ = ingest(capsys, data, FIXTURE_OTA)  # nothing changed: nothing relabelled
    assert out.splitlines()[-1] == "labels: up to date"


def test_train_labels_reports_progress_through_every_stage(labelled, tmp_path) -> None:
    """Every stage is announced with its total, and its progress adds up to that total: the
    42 fixture quotes embedded, then 3 kinds x (4 training platforms: 4 folds + 1) x 32
    categories fitted in the evaluation, then 2 kinds x (6 platforms: 5 folds + 1) x 32."""
    from assistant.labels import train_labels

    a, _ = labelled
    stages: list[list] = []

    def on_stage(line: str, total: int | None, unit: str) -> None:
        stages.append([line.split(" ")[0], total, unit, 0])

    def progress(n: int) -> None:
        stages[-1][3] += n

    train_labels(a.store, HashEmbedder(), tmp_path, points=POINTS, progress=progress,
                 on_stage=on_stage, out=tmp_path)
    assert stages == [["embedding", None, "quote", 42],
                      ["evaluating", 3 * 5 * 32, "fit", 3 * 5 * 32],
                      ["training", 2 * 6 * 32, "fit", 2 * 6 * 32]]


def test_threshold_choice_for_f1_or_for_precision() -> None:
    """Scores 0.9 .. 0.3 against truth 1 1 1 0 0 1 0: the best F1 (6/7) keeps the top three
    (first grid step 0.61); precision 0.7 is first reached keeping four (3/4, at 0.51); a
    precision no threshold reaches falls back to the best F1."""
    from corpus.classify import choose_threshold

    y = np.array([1, 1, 1, 0, 0, 1, 0], dtype=bool)
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3])
    assert choose_threshold(y, p) == 0.61
    assert choose_threshold(y, p, 0.7) == 0.51
    assert choose_threshold(y, p, 0.6) == 0.31  # 4 of 6
    assert choose_threshold(y, p, 1.01) == 0.61


def test_a_row_weighted_twice_counts_as_two_rows(tiny) -> None:
    data, emb = tiny
    rows = np.r_[np.arange(len(data.texts)), 0]
    twice = train(data.subset(rows), emb[rows], "embedding", folds=3)
    weighted = train(data, emb, "embedding", folds=3,
                     weights=np.r_[2.0, np.ones(len(data.texts) - 1)])
    assert np.allclose(twice.coef, weighted.coef, atol=1e-3)
    assert np.allclose(twice.intercept, weighted.intercept, atol=1e-3)


def test_label_negatives_trains_both_threshold_rules(tmp_path) -> None:
    """The held-out comparison's extra model on the fixture: quotes plus an OPP-115 sentence
    and two weighted negatives, two model folders that load, severity references kept to the
    42 quotes."""
    from evals import label_negatives

    examples = tmp_path / "label_examples.jsonl"
    rows = [{"text": "We sell your personal information to data brokers.", "labels": ["data-sale"],
             "w": 1.0, "group": "opp-policy", "src": "opp115", "fold": 0},
            {"text": "Our offices are in Berlin.", "labels": [], "w": 0.3, "group": "alpha",
             "src": "corpus-negative", "fold": 0},
            {"text": "Contact us by email.", "labels": [], "w": 0.3, "group": "bravo",
             "src": "corpus-negative", "fold": 1},
            {"text": "Ignored: already a quote.", "labels": [], "w": 1.0, "group": "alpha",
             "src": "tosdr", "fold": 0}]
    examples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out"
    assert label_negatives.main(["--points", str(POINTS), "--examples", str(examples),
                                 "--out", str(out), "--data-dir", str(tmp_path / "data"),
                                 "--embedder", "hash"]) == 0
    report = json.loads((out / "label-negatives.json").read_text())
    assert set(report) == {"best-f1", "precision"}
    assert report["precision"]["min_precision"] == 0.8 and report["best-f1"]["rows"] == 45
    assert report["best-f1"]["negative_weights"] == [0.3]  # each row's own weight
    for name in report:
        m = read_model(out / name)
        assert m.ref_vectors.shape[0] == 42 and len(m.ref_row) == 30
    assert label_negatives.main(["--points", str(tmp_path / "missing.jsonl"), "--examples",
                                 str(examples), "--out", str(out)]) == 2
