"""corpus.diff on hand-written version pairs, with the exact changes expected."""

from __future__ import annotations

from corpus.diff import Clause, diff_clauses, render_word_diff, stripped, word_diff
from corpus.ids import record_id

KEY = "fixture\x1fAcme\x1fTerms of Service"


def clause(text: str, section: str = "Terms", raw: str = "") -> Clause:
    return Clause(record_id("Acme", KEY, text), section, text, raw or text)


A = clause("You may cancel your subscription at any time from the account page.")
B = clause("We may suspend or terminate your account if you break these terms.")
C = clause("These terms are governed by the laws of the State of Delaware.")
D = clause("We will send you an email at least thirty days before any price increase.")
E = clause("You must be at least sixteen years old to create an account.")


def summary(changes):
    return [(c.kind, c.old_ids, c.new_ids, c.reason, c.moved) for c in changes]


def test_identical_versions_have_no_changes():
    assert diff_clauses([A, B, C], [A, B, C]) == []


def test_edit_is_one_modified_pair_with_a_word_diff():
    b2 = clause("We may suspend or terminate your account at any time if you break these terms.")
    changes = diff_clauses([A, B, C], [A, b2, C])
    assert summary(changes) == [("modified", [B.record_id], [b2.record_id], "", False)]
    ch = changes[0]
    assert ch.similarity is not None and ch.similarity > 80
    inserted = [(w.tag, w.new) for w in ch.words if w.tag != "equal"]
    assert inserted == [("insert", "at any time")]
    op = next(w for w in ch.words if w.tag == "insert")
    assert b2.text[op.new_span[0]:op.new_span[1]] == "at any time"
    assert render_word_diff(ch.words) == (
        "We may suspend or terminate your account {+at any time+} if you break these terms.")


def test_insertion_deletion_and_their_places():
    changes = diff_clauses([A, B, C], [A, D, C])
    # B and D share too few words to be one edited clause
    assert summary(changes) == [("removed", [B.record_id], [], "", False),
                                ("added", [], [D.record_id], "", False)]
    assert [c.old_pos for c in changes] == [1, None]
    assert [c.new_pos for c in changes] == [None, 1]


def test_move_keeps_the_record_and_reports_only_the_moved_clause():
    changes = diff_clauses([A, B, C, D], [A, C, D, B])
    assert summary(changes) == [("moved", [B.record_id], [B.record_id], "", True)]
    assert (changes[0].old_pos, changes[0].new_pos) == (1, 3)


def test_markup_only_change_keeps_the_record_id_and_is_formatting():
    raw_old = "These terms are governed by the laws of the State of Delaware."
    raw_new = "These terms are governed by the laws of the **State of Delaware**."
    c_new = Clause(record_id("Acme", KEY, raw_new), "Terms", C.text, raw_new)
    assert c_new.record_id == C.record_id  # normalisation removes the markup
    old_c = Clause(C.record_id, "Terms", C.text, raw_old)
    changes = diff_clauses([A, old_c], [A, c_new])
    assert summary(changes) == [("formatting", [C.record_id], [C.record_id], "markup", False)]


def test_punctuation_only_change_is_formatting_not_wording():
    c2 = clause("These terms are governed by the laws of the State of Delaware!")
    assert c2.record_id != C.record_id
    changes = diff_clauses([A, C], [A, c2])
    assert summary(changes) == [("formatting", [C.record_id], [c2.record_id], "punctuation",
                                 False)]
    assert changes[0].words == []


def test_renumbered_list_item_is_formatting_numbering():
    old = Clause(E.record_id, "Terms", "38. PAYMENTS AND CHARGES", "38. **PAYMENTS AND CHARGES**")
    new = Clause(E.record_id, "Terms", "37. PAYMENTS AND CHARGES", "37. **PAYMENTS AND CHARGES**")
    assert summary(diff_clauses([old], [new])) == [
        ("formatting", [E.record_id], [E.record_id], "numbering", False)]


def test_resegmentation_is_formatting_both_ways():
    joined = clause(A.text + " " + B.text)
    merged = diff_clauses([A, B, C], [joined, C])
    assert summary(merged) == [("formatting", [A.record_id, B.record_id], [joined.record_id],
                                "resegmented", False)]
    split = diff_clauses([joined, C], [A, B, C])
    assert summary(split) == [("formatting", [joined.record_id], [A.record_id, B.record_id],
                               "resegmented", False)]


def test_everything_at_once_in_new_document_order():
    b2 = clause("We may suspend or terminate your account at any time if you break these terms.")
    c2 = clause("These terms are governed by the laws of the State of Delaware!")
    old = [A, B, C, D]
    new = [c2, A, b2, E]  # C moved to the top with new punctuation, B edited, D gone, E new
    got = summary(diff_clauses(old, new))
    assert got == [
        ("formatting", [C.record_id], [c2.record_id], "punctuation", True),
        ("modified", [B.record_id], [b2.record_id], "", False),
        ("removed", [D.record_id], [], "", False),
        ("added", [], [E.record_id], "", False),
    ]


def test_alignment_is_by_similarity_not_position():
    b2 = clause("We may suspend or terminate your account if you break any of these terms.")
    changes = diff_clauses([B, D], [D, E, b2])
    kinds = summary(changes)
    assert ("modified", [B.record_id], [b2.record_id], "", True) in kinds
    assert ("added", [], [E.record_id], "", False) in kinds
    assert len(kinds) == 2


def test_word_diff_ignores_case_and_punctuation_of_equal_words():
    ops = word_diff("Zoom may use Customer Content.", "zoom may NOT use customer content")
    assert [(o.tag, o.old, o.new) for o in ops if o.tag != "equal"] == [("insert", "", "NOT")]


def test_stripped_drops_markup_punctuation_case_and_spaces():
    assert stripped("**Hello**, World!") == stripped("hello world") == "helloworld"


def test_a_clause_that_grew_by_whole_sentences_is_one_modified_clause():
    extra = (" This includes monthly plans, yearly plans, team plans and gift subscriptions, "
             "whether bought on the website, in the mobile apps or through a partner store, "
             "and any add-ons bought with them.")
    grown = clause(A.text + extra)
    changes = diff_clauses([A, B], [grown, B])
    assert summary(changes) == [("modified", [A.record_id], [grown.record_id], "", False)]
    assert changes[0].similarity == 55.0  # paired by containment, not by ratio
    assert [(w.tag, w.new) for w in changes[0].words if w.tag != "equal"] == [
        ("insert", extra.strip())]
