"""Record IDs: format, and stability under re-ingest, reordering, edits and reformatting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import ids
from corpus.ingest import ingest
from corpus.store import Store
from tests.conftest import FIXTURE_OTA

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
RECORD_ID = re.compile(rf"^(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)-[{CROCKFORD}]{{4}}"
                       rf"-[{CROCKFORD}]{{4}}-[{CROCKFORD}]{{4}}$")

TERMS = """# Acme Terms of Service

## 1. Your account

You must be at least 16 years old to create an account, and you must give us accurate details.

We may suspend or close your account at any time if you break these terms or the law.

## 2. Payments

Subscriptions renew automatically each month until you cancel them in your account settings.

Refunds are not given for partial months, except where the law in your country requires them.

## 3. Content

You can't post content that you don't have the right to share, and you keep ownership of it.
"""


def write_doc(root: Path, text: str, platform: str = "Acme",
              doc_type: str = "Terms of Service") -> Path:
    path = root / platform / f"{doc_type}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def current_ids(store: Store, platform: str = "Acme", doc_type: str = "Terms of Service",
                collection: str = "acme-versions") -> list[str]:
    doc_id = ids.document_id(collection, platform, doc_type)
    rows = store.conn.execute(
        "SELECT o.record_id FROM occurrences o JOIN documents d ON "
        "o.version_id=d.current_version WHERE d.document_id=? ORDER BY o.position", (doc_id,))
    return [r[0] for r in rows]


@pytest.fixture()
def acme(tmp_path):
    """A clone-layout collection holding one document, and a store it was ingested into."""
    root = tmp_path / "acme-versions"
    write_doc(root, TERMS)
    store = Store(tmp_path / "store.sqlite")
    summary = ingest(store, [root])
    assert summary.problems == [] and summary.new_documents == 1
    yield root, store
    store.close()


# ---- format ----------------------------------------------------------------------------------


def test_record_id_format():
    rid = ids.record_id("Streamly", ids.document_key("c", "Streamly", "Terms of Service"),
                        "Streamly may suspend your account.")
    m = RECORD_ID.match(rid)
    assert m and m.group("slug") == "streamly"
    # long, accented, punctuated platform names give a short ASCII slug cut at a word boundary
    assert ids.platform_slug("Société Générale – Banque & Assurances") == "societe-generale"
    rid = ids.record_id("Société Générale – Banque & Assurances", "k", "Some clause text.")
    assert RECORD_ID.match(rid) and rid.startswith("societe-generale-")


def test_record_ids_use_the_whole_crockford_alphabet_and_nothing_else():
    codes = "".join(ids.record_id("X", "k", f"clause {i}")[2:].replace("-", "")
                    for i in range(400))
    assert set(codes) == set(CROCKFORD)  # no i, l, o, u; 60 bits in 12 characters
    assert len({ids.record_id("X", "k", f"clause {i}") for i in range(400)}) == 400


def test_document_and_version_ids():
    doc = ids.document_id("pga-versions", "Coursera", "Terms of Use")
    assert re.fullmatch(rf"coursera-tou-[{CROCKFORD}]{{4}}", doc)
    assert doc != ids.document_id("contrib-versions", "Coursera", "Terms of Use")
    assert ids.document_id("c", "Coursera", "Privacy Policy").startswith("coursera-pp-")
    assert ids.version_id(doc, "2026-05-27", "1a2b3c" + "0" * 58) == f"{doc}@2026-05-27.1a2b"


def test_every_fixture_record_id_has_the_format(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    ingest(store, [FIXTURE_OTA])
    rows = list(store.conn.execute("SELECT record_id, platform_id FROM clauses"))
    assert len(rows) == 15
    for rid, pid in rows:
        m = RECORD_ID.match(rid)
        assert m and m.group("slug") == pid, rid


# ---- stability -------------------------------------------------------------------------------


def test_ingesting_twice_gives_identical_ids_and_adds_nothing(tmp_path):
    first = Store(tmp_path / "a.sqlite")
    s1 = ingest(first, [FIXTURE_OTA])
    before = sorted(r[0] for r in first.conn.execute("SELECT record_id FROM clauses"))
    s2 = ingest(first, [FIXTURE_OTA])
    after = sorted(r[0] for r in first.conn.execute("SELECT record_id FROM clauses"))
    assert (s1.new_documents, s1.clauses_new) == (4, 15)
    assert (s2.new_documents, s2.updated_documents, s2.unchanged_documents) == (0, 0, 4)
    assert (s2.clauses_new, s2.clauses_removed) == (0, 0)
    assert after == before
    # a separate store built from the same files gives the very same IDs
    other = Store(tmp_path / "b.sqlite")
    ingest(other, [FIXTURE_OTA])
    assert sorted(r[0] for r in other.conn.execute("SELECT record_id FROM clauses")) == before


def test_reordering_sections_keeps_the_set_of_ids(acme):
    root, store = acme
    before = current_ids(store)
    one, two, three = (TERMS.split("## ")[i] for i in (1, 2, 3))
    write_doc(root, "# Acme Terms of Service\n\n## " + "## ".join([three, one, two]))
    summary = ingest(store, [root])
    after = current_ids(store)
    assert summary.updated_documents == 1
    assert (summary.clauses_new, summary.clauses_removed) == (0, 0)
    assert after != before and sorted(after) == sorted(before)


def test_editing_one_clause_changes_exactly_that_id(acme):
    root, store = acme
    before = set(current_ids(store))
    write_doc(root, TERMS.replace("each month", "each year"))
    summary = ingest(store, [root])
    after = set(current_ids(store))
    assert len(before - after) == 1 and len(after - before) == 1
    (new,) = after - before
    assert "each year" in store.clause(new).text
    assert (summary.clauses_new, summary.clauses_removed) == (1, 1)
    # the old record stays readable, marked as no longer current
    (old,) = before - after
    assert "each month" in store.clause(old).text and not store.clause(old).current


def test_formatting_only_changes_keep_the_ids(acme):
    root, store = acme
    before = current_ids(store)
    reformatted = (TERMS
                   .replace("at least 16 years old", "at least **16 years old**")
                   .replace("automatically each month", "automatically   each\nmonth")
                   .replace("can't", "can\u2019t").replace("don't", "don\u2019t")
                   .replace("## 2. Payments", "## 2. *Payments*"))
    assert reformatted != TERMS
    write_doc(root, reformatted)
    summary = ingest(store, [root])
    assert summary.updated_documents == 1 and summary.clauses_new == 0
    assert current_ids(store) == before


def test_repeated_text_in_one_document_gets_distinct_stable_ids(tmp_path):
    repeat = "Contact us about this policy at any time by writing to help@acme.example today."
    text = f"# T\n\n## Accounts\n\n{repeat}\n\n## Payments\n\n{repeat}\n"
    root = tmp_path / "acme-versions"
    write_doc(root, text)
    store = Store(tmp_path / "s.sqlite")
    ingest(store, [root])
    first = current_ids(store)
    assert len(first) == 2 and len(set(first)) == 2
    other = Store(tmp_path / "t.sqlite")
    ingest(other, [root])
    assert current_ids(other) == first


def test_same_text_in_two_collections_is_two_records_embedded_once(tmp_path):
    from assistant.core import Assistant
    from assistant.settings import Settings

    a, b = tmp_path / "pga-versions", tmp_path / "contrib-versions"
    write_doc(a, TERMS)
    write_doc(b, TERMS)
    assistant = Assistant(Settings.from_env(data_dir=tmp_path / "data", embedder="hash"))
    _, stats = assistant.ingest([a, b])
    store = assistant.store
    in_a = current_ids(store, collection="pga-versions")
    in_b = current_ids(store, collection="contrib-versions")
    assert len(in_a) == len(in_b) == 5 and not set(in_a) & set(in_b)
    key = dict(store.conn.execute("SELECT record_id, embed_key FROM clauses"))
    assert [key[r] for r in in_a] == [key[r] for r in in_b]
    counts = store.counts()
    assert (counts["clauses"], counts["distinct_texts"]) == (10, 5)
    # five vectors computed and stored, ten records in the vector index
    assert (stats.embedded, stats.added) == (5, 10)
    assert store.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 5
    assert len(assistant.chroma.ids()) == 10
