"""Watches and the digest, through the real command line: ingest the trial fixture's older
version, add a watch, ingest the newer version, and the digest lists exactly the two change
records that version brought."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from assistant.cli import main
from corpus import changes as ch
from corpus import labels as store_labels
from corpus import watches as W
from corpus.schema import SCHEMA_VERSION
from corpus.store import Store
from tests import trial_fixture as T
from tests.history_fixture import FIXTURE_HISTORY

TRIAL = ([T.rid(T.TRIAL_OLD)], [T.rid(T.TRIAL_NEW)])
CANCEL = ([T.rid(T.CANCEL_OLD)], [T.rid(T.CANCEL_NEW)])


def cli(capsys, data, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), "--embedder", "hash", *args])
    out, err = capsys.readouterr()
    return code, out, err


def digest_json(capsys, data, *args: str) -> dict:
    code, out, _ = cli(capsys, data, "digest", "--format", "json", *args)
    assert code == 0
    return json.loads(out)


def test_digest_after_an_ingest_that_brings_a_new_version(capsys, tmp_path):
    data, ota = tmp_path / "data", tmp_path / "ota"
    assert cli(capsys, data, "ingest", "--quiet", str(T.write(ota, both=False)),
               str(FIXTURE_HISTORY))[0] == 0
    code, out, _ = cli(capsys, data, "watch", "add", "Coursera", "--document",
                       "terms of service")
    assert (code, out) == (0, "Watching Coursera — Terms of Service (watch 1). Changes stored "
                              "from now on appear in `policy-assistant digest`.\n")
    # nothing has arrived yet; the Videomeet history was there before the watch
    assert digest_json(capsys, data)["changes"] == []

    assert cli(capsys, data, "ingest", "--quiet", str(T.write(ota)))[0] == 0
    got = digest_json(capsys, data, "--keep")
    assert got["basis"] == "changes that arrived since the previous digest"
    assert [(c["change"], c["old_ids"], c["new_ids"], c["kind"], c["severity"], c["to_date"],
             c["watches"]) for c in got["changes"]] == [
        ("modified", *TRIAL, "right-weakened", "Medium", T.NEW_DATE, [1]),
        ("modified", *CANCEL, "right-weakened", "Medium", T.NEW_DATE, [1])]
    assert got["changes"][0]["summary"].startswith("Removes the stated 7-day free trial: now "
                                                   "“Certain subscriptions may come with")
    store = Store(data / "store.sqlite")
    ids = [r.change_id for r in ch.changes_for(store, "Coursera", refresh=False)]
    assert [c["change_id"] for c in got["changes"]] == ids

    # the Markdown digest, and the mark: a second digest lists nothing new
    code, out, _ = cli(capsys, data, "digest")
    lines = out.splitlines()
    assert lines[2] == ("2 changes that arrived since the previous digest, for: Coursera — Terms "
                        "of Service (watch 1).")
    assert "## Coursera — Terms of Service, 2026-03-13 → 2026-05-27" in lines
    assert sum(ln.startswith("- **guarantee or right weakened** · Medium · `chg-") for ln in
               lines) == 2
    assert digest_json(capsys, data)["changes"] == []
    # --since lists by version date and leaves the mark alone
    assert len(digest_json(capsys, data, "--since", "2026-05")["changes"]) == 2
    assert len(digest_json(capsys, data, "--since", "2026-06")["changes"]) == 0

    # watches survive a re-ingest of every source
    assert cli(capsys, data, "ingest", "--quiet", str(ota), str(FIXTURE_HISTORY))[0] == 0
    code, out, _ = cli(capsys, data, "watch", "list")
    assert out.startswith("   1  Coursera — Terms of Service  (since ")
    assert W.list_watches(store)[0].doc_type == "Terms of Service"
    store.close()


def test_rss_digest(capsys, tmp_path):
    data, ota = tmp_path / "data", tmp_path / "ota"
    cli(capsys, data, "ingest", "--quiet", str(T.write(ota, both=False)))
    cli(capsys, data, "watch", "add", "coursera")
    cli(capsys, data, "ingest", "--quiet", str(T.write(ota)))
    code, out, _ = cli(capsys, data, "digest", "--format", "rss", "--link",
                       "http://app.example/")
    assert code == 0 and out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<rss ')
    chan = ET.fromstring(out.split("\n", 1)[1]).find("channel")
    assert chan is not None
    items = chan.findall("item")
    assert [i.findtext("title") for i in items] == [
        "Coursera Terms of Service: guarantee or right weakened (Medium)"] * 2
    assert [i.findtext("link") for i in items] == [
        f"http://app.example/?record={TRIAL[1][0]}", f"http://app.example/?record={CANCEL[1][0]}"]
    assert [i.findtext("pubDate") for i in items] == ["Wed, 27 May 2026 00:00:00 +0000"] * 2
    assert all(i.findtext("guid", "").startswith("chg-coursera-tos-") for i in items)
    assert [i.findtext("category") for i in items] == ["right-weakened"] * 2


def test_category_watch_and_other_platforms(tmp_path):
    ota = tmp_path / "ota"
    store = Store(tmp_path / "store.sqlite")
    from corpus.ingest import ingest

    ingest(store, [T.write(ota, both=False), FIXTURE_HISTORY])
    store_labels.replace_labels(store, [(T.rid(T.TRIAL_OLD), "payments-refunds", 0.9, "Low",
                                         "test")])
    w_cat = W.add_watch(store, "Coursera", category="Payments and refunds")
    w_other = W.add_watch(store, "videomeet")
    assert (w_cat.category, w_other.platform) == ("payments-refunds", "Videomeet")
    assert W.add_watch(store, "coursera", category="payments-refunds") == w_cat  # no duplicate
    ingest(store, [T.write(ota)])
    d = W.digest(store)
    assert [(i.record.old_ids, i.watches) for i in d.items] == [(TRIAL[0], [w_cat.watch_id])]
    assert d.items[0].meaning.category_before == ["payments-refunds"]
    # a watch made after the changes arrived does not list them
    late = W.add_watch(store, "Coursera")
    assert [i.watches for i in W.digest(store).items] == [[w_cat.watch_id]]
    assert W.remove_watch(store, late.watch_id) == late
    assert [w.watch_id for w in W.list_watches(store)] == [w_cat.watch_id, w_other.watch_id]


def test_watch_errors(capsys, tmp_path):
    data = tmp_path / "data"
    cli(capsys, data, "ingest", "--quiet", str(T.write(tmp_path / "ota")))
    code, _, err = cli(capsys, data, "watch", "add", "Coursera", "--document", "Privacy Policy")
    assert (code, err) == (2, "error: no document 'Privacy Policy' for this platform; it has: "
                              "Terms of Service\n")
    code, _, err = cli(capsys, data, "watch", "add", "Coursera", "--category", "fees")
    assert code == 2 and err.startswith("error: unknown category 'fees'")
    code, _, err = cli(capsys, data, "watch", "remove", "7")
    assert (code, err) == (3, "error: no watch 7; `policy-assistant watch list` shows them\n")
    code, out, _ = cli(capsys, data, "watch", "list")
    assert out == "No watches. Add one with `policy-assistant watch add PLATFORM`.\n"
    code, out, _ = cli(capsys, data, "watch", "add", "coursera", "--json")
    assert [(w["watch_id"], w["platform"], w["doc_type"]) for w in json.loads(out)] == [
        (1, "Coursera", "")]
    code, out, _ = cli(capsys, data, "watch", "list", "--json")
    assert [w["watch_id"] for w in json.loads(out)] == [1]


def test_a_store_from_a_newer_version_is_refused_by_the_watch_commands(capsys, tmp_path):
    data = tmp_path / "data"
    cli(capsys, data, "ingest", "--quiet", str(T.write(tmp_path / "ota")))
    assert cli(capsys, data, "watch", "add", "Coursera")[0] == 0
    store = Store(data / "store.sqlite")
    with store.conn:  # watches share the store's one schema version
        store.conn.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                           (str(SCHEMA_VERSION + 1),))
    store.close()
    code, _, err = cli(capsys, data, "watch", "list")
    assert code == 2
    assert err.endswith("was written by a newer policy-assistant (schema "
                        f"{SCHEMA_VERSION + 1}, this one reads {SCHEMA_VERSION})\n")


@pytest.mark.parametrize("fmt", ["md", "json", "rss"])
def test_digest_without_watches(capsys, tmp_path, fmt):
    data = tmp_path / "data"
    cli(capsys, data, "ingest", "--quiet", str(T.write(tmp_path / "ota")))
    code, out, _ = cli(capsys, data, "digest", "--format", fmt)
    assert code == 0
    if fmt == "md":
        assert "no watches (add one with `policy-assistant watch add PLATFORM`)" in out
    elif fmt == "json":
        assert json.loads(out)["changes"] == []
    else:
        assert ET.fromstring(out.split("\n", 1)[1]).find("channel/item") is None
