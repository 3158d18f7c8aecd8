"""Reranking, reading and the yes/no gate, driven by a scripted stand-in for the trained model
that enters through the same door as the real one (``Assistant(qa=...)``). The real model's
behaviour on fixture pairs is in tests/test_slow_qa_model.py."""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURE_OTA, FIXTURE_TOSDR
from test_retrieval import NO_SALE, TERMINATE

from assistant.answer import lead_quote, trim_markup
from assistant.core import Assistant
from assistant.qa_model import Reading
from assistant.rerank import CANDIDATES, FAST, FULL, FUSED, Stages, rerank_hits
from assistant.settings import Settings
from assistant.types import Citation, Hit


class ScriptedQA:
    """Readings from a script: passage substring -> (relevance, answer substring, p_yes,
    p_no). Passages the script does not name get a low score and no answer."""

    def __init__(self, script: dict[str, tuple[float, str, float, float]]):
        self.script = script
        self.calls: list[tuple[str, int]] = []
        self.passages: list[list[str]] = []

    def read(self, question: str, passages: list[str]) -> list[Reading]:
        self.calls.append((question, len(passages)))
        self.passages.append(list(passages))
        out = []
        for p in passages:
            for needle, (rel, answer, yes, no) in self.script.items():
                if needle in p:
                    s = p.index(answer)
                    out.append(Reading(rel, (s, s + len(answer)), 2.0, yes, no, 1 - yes - no))
                    break
            else:
                out.append(Reading(-5.0, None, -3.0, 0.0, 0.0, 1.0))
        return out


def assistant_with(data_dir, script, sources=None):
    a = Assistant(Settings.from_env(data_dir=data_dir, embedder="hash"), qa=ScriptedQA(script))
    a.ingest(sources or [FIXTURE_OTA, FIXTURE_TOSDR])
    return a


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("stages")


def test_rerank_fuses_the_retrieval_rank_with_the_models_rank():
    """Reciprocal-rank fusion, both lists weighted alike: fused order A, B, C and model order
    B, C, A give B (1/62 + 1/61), A (1/61 + 1/63), C (1/63 + 1/62)."""
    hits = [Hit(rid, "P", "p", "ToS", "d", "", rid) for rid in ("A", "B", "C")]
    readings = {"A": Reading(0.0, None, -1, 0, 0, 1), "B": Reading(5.0, None, -1, 0, 0, 1),
                "C": Reading(4.0, None, -1, 0, 0, 1)}
    out = rerank_hits(hits, readings, prior={})
    assert [h.record_id for h in out] == ["B", "A", "C"]
    assert [h.rerank for h in out] == [5.0, 0.0, 4.0]


def test_the_document_prior_breaks_near_ties_toward_the_main_documents():
    """Fused order G, T, X; equal logits for G (guidelines) and T (terms). Without the prior
    the model's order is G, T, X and G leads; with it (log 0.2 = -1.6, log 1.5 = +0.4) the
    model's order is T, X, G, and T (1/62 + 1/61) passes G (1/61 + 1/63)."""
    hits = [Hit("G", "P", "p", "Community Guidelines", "d", "", "G"),
            Hit("T", "P", "p", "Terms of Service", "d", "", "T"),
            Hit("X", "P", "p", "Terms of Service", "d", "", "X")]
    readings = {"G": Reading(3.0, None, -1, 0, 0, 1), "T": Reading(3.0, None, -1, 0, 0, 1),
                "X": Reading(2.0, None, -1, 0, 0, 1)}
    prior = {"Community Guidelines": 0.2, "Terms of Service": 1.5}
    assert [h.record_id for h in rerank_hits(hits, readings, prior=prior)] == ["T", "G", "X"]
    assert [h.record_id for h in rerank_hits(hits, readings, prior={})] == ["G", "T", "X"]


def test_the_assistant_runs_the_model_on_the_fused_candidates(data_dir):
    qa = ScriptedQA({"delete it within 90 days": (4.0, "delete it within 90 days", 0.0, 0.0)})
    a = Assistant(Settings.from_env(data_dir=data_dir / "a", embedder="hash"), qa=qa)
    a.ingest([FIXTURE_OTA, FIXTURE_TOSDR])
    ans = a.ask("How long does Streamly keep my data?")
    assert qa.calls == [("How long does Streamly keep my data?", len(ans.evidence))]
    assert all(h.rerank is not None for h in ans.evidence)
    assert "read_ms" in ans.timings
    retention = next(c for c in ans.citations if "90 days" in c.quote)
    assert retention.key == "delete it within 90 days"
    fused = a.ask("How long does Streamly keep my data?", stages=FUSED)
    assert all(h.rerank is None for h in fused.evidence) and len(qa.calls) == 1


def test_the_model_reads_as_many_fused_candidates_as_asked(data_dir):
    """The setting (POLICY_ASSISTANT_CANDIDATES) and the `fast` stages cap what the model
    reads; the clauses it did not read keep their fused order after the ones it did."""
    q = "How long does Streamly keep my data?"
    script = {"delete it within 90 days": (4.0, "delete it within 90 days", 0.0, 0.0)}
    qa = ScriptedQA(script)
    a = Assistant(Settings.from_env(data_dir=data_dir / "n", embedder="hash", candidates=2),
                  qa=qa)
    a.ingest([FIXTURE_OTA, FIXTURE_TOSDR])
    assert a.stages() == Stages(candidates=2)
    full = a.ask(q, stages=FULL)
    fused = a.ask(q, stages=FUSED)
    two = a.ask(q)
    fast = a.ask(q, stages=FAST)
    assert [n for _, n in qa.calls] == [min(CANDIDATES, len(full.evidence)), 2, 4]
    assert len(full.evidence) > 4  # so that the caps bite
    ids = [h.record_id for h in fused.evidence]
    assert {h.record_id for h in two.evidence[:2]} == set(ids[:2])
    assert [h.record_id for h in two.evidence[2:]] == ids[2:len(two.evidence)]
    assert all(h.rerank is not None for h in two.evidence[:2])
    assert all(h.rerank is None for h in two.evidence[2:])
    assert {h.record_id for h in fast.evidence[:4]} == set(ids[:4])
    assert [h.record_id for h in fast.evidence[4:]] == ids[4:len(fast.evidence)]
    assert FAST.name == "+reader (top 4)" and FULL.name == "+reader"


def test_candidates_are_the_clauses_the_model_reads(data_dir):
    """``Assistant.candidates`` (what the eval tools replay) searches as ``ask`` does and
    returns as many clauses as the model reads, in the order it is given them."""
    q = "How long does Streamly keep my data?"
    qa = ScriptedQA({"delete it within 90 days": (4.0, "delete it within 90 days", 0.0, 0.0)})
    a = Assistant(Settings.from_env(data_dir=data_dir / "c", embedder="hash", candidates=3),
                  qa=qa)
    a.ingest([FIXTURE_OTA, FIXTURE_TOSDR])
    f = a.resolve_filters(q)
    read = a.candidates(q, f)
    a.ask(q, f)
    assert [h.text for h in read] == qa.passages[-1] and len(read) == 3
    assert [h.record_id for h in a.candidates(q, f, k=5)][:3] == [h.record_id for h in read]


def test_a_candidate_count_below_one_is_refused(tmp_path):
    from corpus.errors import BadInput

    with pytest.raises(ValueError, match="at least 1, not 0"):
        Stages(candidates=0)
    with pytest.raises(BadInput, match="candidates must be at least 1"):
        Settings.from_env(data_dir=tmp_path, candidates=-2)


def test_the_reader_quotes_the_sentence_that_holds_the_answer(data_dir):
    a = assistant_with(data_dir / "b", {
        "does not sell": (3.0, "never rent or trade", 0.0, 0.0)})
    ans = a.ask("Does Streamly rent out my information?")
    c = ans.citations[0]
    assert c.record_id == NO_SALE
    assert c.quote == "We never rent or trade your information."  # the second sentence
    assert c.key == "never rent or trade"
    # the lead quotes the sentence holding the reader's words, so that it reads as a statement
    assert ans.text.startswith(
        "From Streamly's Privacy Policy [1]: “We never rent or trade your information.”")


def test_a_lead_quotes_only_the_readers_words_when_they_end_past_the_cut():
    text = " ".join(f"w{i}" for i in range(70)) + " may suspend your account."
    ks = text.index("may suspend")
    c = Citation("r1", "Streamly", "Terms of Service", "", text, 0, len(text), n=1,
                 key_start=ks, key_end=ks + len("may suspend your account"))
    assert lead_quote(c) == "… may suspend your account"
    short = "Streamly may suspend your account if you break these terms."
    c2 = Citation("r2", "Streamly", "Terms of Service", "", short, 10, 10 + len(short), n=1,
                  key_start=10 + short.index("if you"), key_end=10 + len(short) - 1)
    assert lead_quote(c2) == short


@pytest.mark.parametrize("p_no,lead", [(0.97, "no"), (0.6, "")])
def test_a_lead_needs_a_sure_signal(data_dir, p_no, lead):
    a = assistant_with(data_dir / f"c{p_no}", {
        "does not sell": (3.0, "does not sell your personal data", 0.0, p_no)})
    ans = a.ask("Does Streamly sell my personal data?")
    assert ans.lead == lead
    if lead:
        assert ans.text.startswith("No — according to Streamly's Privacy Policy [1].")
    else:
        assert not ans.text.startswith(("Yes", "No"))


def test_without_the_model_no_yes_no_lead_is_given(fixture_assistant):
    """The word-parity rule is gone: with no trained signal the answer starts with what the
    clause says."""
    ans = fixture_assistant.ask("Can Streamly terminate my account without notice?")
    assert ans.lead == "" and not ans.text.startswith(("Yes", "No"))
    assert ans.citations[0].record_id == TERMINATE


def test_no_sentence_is_cited_twice(tmp_path):
    """Two tracked copies of one document: the same sentence is quoted once."""
    copy = tmp_path / "copy-versions"
    shutil.copytree(FIXTURE_OTA / "Streamly", copy / "Streamly")
    a = assistant_with(tmp_path / "d", {
        "your personal data to anyone": (3.0, "does not sell", 0.0, 0.0),
        "rent or trade": (3.0, "does not sell", 0.0, 0.0)}, [FIXTURE_OTA, copy])
    ans = a.ask("Does Streamly sell my personal data?")
    same = [h for h in ans.evidence if "does not sell your personal data" in h.text]
    assert len(same) == 2  # both copies were retrieved ...
    quotes = [c.quote for c in ans.citations]
    assert len(quotes) == len(set(quotes))  # ... and quoted once


def test_a_service_the_corpus_lacks_is_named_not_replaced(fixture_assistant):
    ans = fixture_assistant.ask("Does Myspace sell my personal data?")
    n = len(fixture_assistant.platform_names())
    assert ans.abstained and ans.citations == []
    assert ans.text.startswith(f"Myspace is not among the {n} platforms in this corpus")


def test_a_service_the_corpus_lacks_beside_one_it_holds_is_said_to_be_left_out(
        fixture_assistant):
    ans = fixture_assistant.ask("Can Streamly or Slack terminate my account without notice?")
    n = len(fixture_assistant.platform_names())
    assert [c.record_id for c in ans.citations] == ["streamly-bf7b-32gp-7whs"]
    assert ans.text.endswith(f"Note: Slack is not among the {n} platforms in this corpus, so it "
                             "is left out of this answer.")
    assert ans.meta["missing_platforms"] == ["Slack"]
    plain = fixture_assistant.ask("Can Streamly share data with Salesforce and Marketo?")
    assert "missing_platforms" not in plain.meta and "Note:" not in plain.text


@pytest.mark.parametrize("text,span,want", [
    ("| We keep logs for 30 days. |", (0, 29), "We keep logs for 30 days."),
    ("* **Retention.** We keep logs.", (0, 30), "Retention.** We keep logs."),
    ("plain sentence", (0, 14), "plain sentence"),
])
def test_quotes_carry_no_table_or_list_markup(text, span, want):
    s, e = trim_markup(text, *span)
    assert text[s:e] == want


ROW = "* Device ID | You provide us with your gender and age. | When you consent"


@pytest.mark.parametrize("text,key,quote", [
    # the reader's words sit in a cell that reads as a sentence: quote that cell
    (ROW, "gender and age", "You provide us with your gender and age."),
    # a short cell needs its row
    ("To run the service | Contract.", "Contract", "To run the service | Contract."),
    # words across two cells: the row as it was
    (ROW, "ID | You provide", ROW),
    ("No table here, just a sentence.", "just", "No table here, just a sentence."),
])
def test_a_quote_from_a_table_row_keeps_to_the_readers_cell(text, key, quote):
    from assistant.answer import within_cell

    ks = text.index(key)
    s, e = within_cell(text, 0, len(text), lambda cs, ce: cs <= ks and ks + len(key) <= ce)
    assert text[s:e] == quote


def test_without_the_reader_a_table_quote_keeps_to_the_cell_with_the_question_words():
    from assistant.answer import DefaultAnswerer

    text = ("| What we collect | Why |\n| --- | --- |\n"
            "| * Device ID | We collect your date of birth to check your age. |")
    hit = Hit("r1", "Streamly", "streamly", "Privacy Policy", "d1", "", text, dense=0.8)
    ans = DefaultAnswerer().answer("Does Streamly check my age?", [hit], "Streamly")
    assert ans.citations[0].quote == "We collect your date of birth to check your age."
    assert ans.text.startswith(
        "From Streamly's Privacy Policy [1]: “We collect your date of birth to check your age.”")
