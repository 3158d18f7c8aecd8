"""What a change means (corpus/meaning.py): kinds, direction, severity and summary on pairs of
texts whose answer is known, and on the change records of two fixture documents."""

from __future__ import annotations

import pytest

from corpus import changes as ch
from corpus.diff import word_diff
from corpus.ingest import ingest
from corpus.meaning import KINDS, Meaning, explain, numbers
from corpus.store import Store
from tests import trial_fixture as T
from tests.history_fixture import FIXTURE_HISTORY, LAW, OPT_OUT, TRIAL_7, USE_NEW


def modified(old: str, new: str, platform: str = "Acme") -> Meaning:
    return explain("modified", old, new, word_diff(old, new), platform=platform)


def test_the_coursera_free_trial_change_is_a_weakened_guarantee():
    m = explain("modified", T.TRIAL_OLD, T.TRIAL_NEW, word_diff(T.TRIAL_OLD, T.TRIAL_NEW),
                platform="Coursera", where="2. Subscription Plans")
    assert (m.kind, m.label, m.direction, m.severity) == (
        "right-weakened", "guarantee or right weakened", "adverse", "Medium")
    assert m.summary == (
        "Removes the stated 7-day free trial: now “Certain subscriptions may come with a free "
        "trial period. Please see the applicable check out page for details regarding free "
        "trial availability and duration.” (“For all other” → “Certain”; “Coursera provides” → "
        "“may come with”)")
    assert [(s.cue, s.old, s.new) for s in m.signals] == [
        ("number-removed", "7-day", ""), ("quantifier", "For all other", "Certain"),
        ("modal", "Coursera provides", "may come with")]
    assert m.reason == ("Medium: guarantee or right weakened, against the user; the clause has "
                        "no category label")


@pytest.mark.parametrize("old,new,kind,number,direction", [
    ("We do not sell your personal data.", "We may sell your personal data to our partners.",
     "right-removed", "", "adverse"),
    ("We will notify you by email before your account is deleted.",
     "We may notify you before your account is deleted.", "right-weakened", "", "adverse"),
    ("We will give you 30 days notice before we change these terms.",
     "We will give you 14 days notice before we change these terms.", "number-changed",
     "notice", "adverse"),
    ("You must be at least 13 years old to use the service.",
     "You must be at least 16 years old to use the service.", "number-changed", "age",
     "neutral"),
    ("The monthly plan costs $9.99 per month.", "The monthly plan costs $12.99 per month.",
     "number-changed", "price", "adverse"),
    ("We may suspend your account if you breach these terms.",
     "We may suspend your account at any time, for any reason, without notice.",
     "discretion-widened", "", "adverse"),
    ("We may suspend your account at any time, for any reason.",
     "We may suspend your account if you breach these terms, after giving you notice.",
     "discretion-narrowed", "", "favourable"),
    ("You may cancel your subscription from the settings page.",
     "You must cancel your subscription from the settings page at least 7 days before renewal.",
     "obligation-added", "", "adverse"),
    ("We share your information with service providers.",
     "We share your information with service providers, advertising partners and affiliates.",
     "scope-widened", "", "adverse"),
    ("We use your data to provide the service.", "We use your data only to provide the service.",
     "scope-narrowed", "", "favourable"),
    ("Last updated: January 1, 2024. These terms govern your use of the service.",
     "Last updated: March 5, 2025. These terms govern your use of the service.",
     "editorial", "", "neutral"),
    ("If we stop offering a service all together, we will tell you.",
     "If we stop offering a service altogether, we will tell you.", "editorial", "", "neutral"),
])
def test_kinds_of_edited_clauses(old, new, kind, number, direction):
    m = modified(old, new)
    assert (m.kind, m.number, m.direction) == (kind, number, direction)
    assert m.severity == ("Medium" if direction == "adverse" else "Low")


@pytest.mark.parametrize("change,text,kind", [
    ("added", "You can opt out of personalised ads in your settings.", "right-added"),
    ("removed", "You can opt out of personalised ads in your settings.", "right-removed"),
    ("added", "You agree not to scrape the service or use bots.", "obligation-added"),
    ("removed", "You agree not to scrape the service or use bots.", "obligation-removed"),
    ("added", "Acme may terminate your account at any time for any reason without notice.",
     "discretion-widened"),
    ("added", "Refunds are not available once you have downloaded the course.",
     "right-weakened"),
    ("added", "Acme may share your course progress with your employer.", "scope-widened"),
    ("added", "Products\n\nPricing\n\nBlog\n\nCareers\n\nContact us", "editorial"),
])
def test_kinds_of_added_and_removed_clauses(change, text, kind):
    m = explain(change, text if change == "removed" else "", text if change == "added" else "",
                platform="Acme")
    assert m.kind == kind


def test_numbers_are_terms_not_dates():
    got = [(n.type, n.value) for n in numbers(
        "Effective March 3, 2025: a 7-day free trial, 30 days' notice, users under 16, "
        "a fee of $4.99 and 15% of the fees; liability is capped at €500.")]
    assert got == [("duration", "7 day"), ("notice", "30 day"), ("age", "16"), ("price", "4.99"),
                   ("price", "15"), ("amount", "500")]


def test_severity_is_high_for_an_adverse_change_in_a_sensitive_category():
    old, new = "We will not use your content to train our models.", "We may use your content."
    m = explain("modified", old, new, word_diff(old, new), ["ai-training"], ["ai-training"])
    assert (m.kind, m.severity) == ("right-removed", "High")
    assert m.reason == ("High: guarantee or right removed, against the user, in a clause "
                        "labelled ai-training")
    unsure = explain("modified", old, new, word_diff(old, new), ["ai-training?"], [])
    assert unsure.severity == "Medium"  # a label the classifier was unsure of does not raise it
    moved = explain("modified", old, new, word_diff(old, new), ["ai-training"], ["data-use"])
    assert (moved.category_before, moved.category_after) == (["ai-training"], ["data-use"])
    assert moved.summary.endswith("; category ai-training → data-use")


def test_every_kind_is_documented():
    assert set(KINDS) == {"right-removed", "right-weakened", "right-added", "obligation-added",
                          "obligation-removed", "discretion-widened", "discretion-narrowed",
                          "number-changed", "scope-widened", "scope-narrowed", "editorial"}


# ---- through ingest: the meaning is stored with each change record -------------------------

@pytest.fixture(scope="module")
def trial_store(tmp_path_factory) -> Store:
    root = tmp_path_factory.mktemp("trial")
    s = Store(root / "store.sqlite")
    assert ingest(s, [T.write(root / "ota")]).problems == []
    return s


def test_trial_fixture_change_records_carry_their_meaning(trial_store):
    records = ch.changes_for(trial_store, "Coursera")
    assert [(r.kind, r.old_ids, r.new_ids) for r in records] == [
        ("modified", [T.rid(T.TRIAL_OLD)], [T.rid(T.TRIAL_NEW)]),
        ("modified", [T.rid(T.CANCEL_OLD)], [T.rid(T.CANCEL_NEW)])]
    first, second = (Meaning.from_dict(r.meaning) for r in records)
    assert (first.kind, first.severity) == ("right-weakened", "Medium")
    assert first.summary.startswith("Removes the stated 7-day free trial: now “Certain "
                                    "subscriptions may come with a free trial period.")
    assert (second.kind, second.summary) == ("right-weakened", (
        "Removes the stated 7-day free trial: now “To avoid being charged after the applicable "
        "free trial period, you must cancel the subscription before the trial ends.”"))
    # read back from SQLite exactly as computed
    again = ch.get_change(trial_store, records[0].change_id)
    assert again.meaning == records[0].meaning
    assert ch.meaning_of(trial_store, again) == first


def test_history_fixture_kinds(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    ingest(s, [FIXTURE_HISTORY])
    got = [(r.kind, r.meaning["kind"], r.meaning["severity"])
           for r in ch.changes_for(s, "Videomeet")]
    assert got == [
        ("formatting", "editorial", "Low"), ("formatting", "editorial", "Low"),
        ("modified", "scope-widened", "Medium"),  # "only to provide" -> "... and to train AI"
        ("added", "right-added", "Low"),  # you can turn off AI training
        ("moved", "editorial", "Low"),
        ("removed", "right-removed", "Medium"),  # ... and that choice goes
        ("modified", "number-changed", "Medium")]  # free trial of 30 days -> 7 days
    by_id = {tuple(r.new_ids or r.old_ids): r for r in ch.changes_for(s, "Videomeet")}
    assert by_id[(TRIAL_7,)].meaning["summary"] == (
        "Changes a duration in “4. Free Trial”: “free trial of 30 days” becomes “free trial of "
        "7 days”")
    assert by_id[(USE_NEW,)].meaning["summary"] == (
        "Widens the scope in “2. Customer Content”: drops “only”; drops “and operate”; adds "
        "“and to train our artificial intelligence models.”")
    assert by_id[(LAW,)].meaning["summary"] == "Moved, wording unchanged in “3. Governing Law”"
    assert by_id[(OPT_OUT,)].meaning["kind"] in ("right-added", "right-removed")


def test_meaning_of_a_record_stored_without_one_is_worked_out(trial_store):
    rec = ch.changes_for(trial_store, "Coursera")[0]
    bare = ch.ChangeRecord(**{**rec.to_dict(), "meaning": {}})
    assert ch.meaning_of(trial_store, bare).to_dict() == rec.meaning
