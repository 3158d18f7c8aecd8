"""The app's monitoring views without a browser: the record page's monitoring sections and the
Watches tab's handlers (WebUI), on the trial fixture with the saved record page."""

from __future__ import annotations

import pytest

from assistant import ui_html as H
from assistant.ui_monitor import digest_html, regulations_html, watches_html
from corpus import labels as store_labels
from corpus.changes import compute_changes
from corpus.regulations import engaged
from tests import trial_fixture as T
from tests.conftest import FIXTURES, build_assistant

SEED = "CA-P-990001"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    from assistant.ui import WebUI

    root = tmp_path_factory.mktemp("ui-monitor")
    ota = root / "ota"
    a = build_assistant(root / "data", sources=[T.write(ota, both=False),
                                                 FIXTURES / "pages" / "record_page.txt"])
    ui = WebUI(a, export_dir=root / "exports")
    assert ui.watch_add("coursera", "Terms of Service", "")[1] == (
        '<p class="pa-ok">Watching Coursera — Terms of Service (watch 1).</p>')
    a.ingest([T.write(ota)])
    store_labels.replace_labels(a.store, [
        (T.rid(T.TRIAL_NEW), "payments-refunds", 0.9, "Low", "test label")], "{}")
    compute_changes(a.store)
    return ui


def test_record_page_has_the_monitoring_sections(web):
    html = H.record_page(web.a.record(T.rid(T.TRIAL_NEW)))
    for part in [
        '<section class="pa-activity"><h4>Recent activity</h4><p>Coursera recorded 2 '
        "documented changes to its Terms of Service in the last 30 days (to 2026-05-27, the "
        "newest tracked version) and 2 in the last 90 days; tracked since 2026-03-13 (2 "
        "versions).</p>",
        '<h4>Clause stability: <span class="pa-status">Mostly stable</span></h4>',
        '<td><div class="pa-fig">1</div><div>Changes</div></td>',
        '<td><div class="pa-fig">3</div><div>Months monitored</div></td>',
        '<b class="pa-kind">guarantee or right weakened</b> '
        '<span class="pa-sev pa-sev-medium">Medium</span>',
        "Removes the stated 7-day free trial: now “Certain subscriptions may come with a free "
        "trial period.",
        '<li class="pa-reg" data-regulation="rosca"><b>ROSCA</b> <span class="pa-jurisdiction">'
        "United States, Federal</span> · 15 U.S.C. § 8403",
        '<a class="pa-reg-src" href="https://www.law.cornell.edu/uscode/text/15/8403" '
        'target="_blank" rel="noopener noreferrer nofollow">source</a>',
        "It is not a legal determination of whether the clause complies",
        f"Record ID: {T.rid(T.TRIAL_NEW)}",
        "Payments and refunds: found in 1 of 2 platforms (50%)",
    ]:
        assert part in html, part


def test_record_page_of_the_saved_record(web):
    html = H.record_page(web.a.record(SEED))
    assert "Learnify&#x27;s Terms of Service: no document of this type has two tracked " \
           "versions yet" in html
    assert "the source page says 41 of 343 platforms" in html
    assert 'data-regulation="dsa"' in html and "Captured: May 3, 2026 10:15 UTC" in html


def test_watches_tab_handlers(web):
    listed = web.watches_view()
    assert '<tr data-watch="1"><td>1</td><td>Coursera</td><td>Terms of Service</td>' in listed
    digest = web.show_digest("2026-05-01")
    assert digest.startswith('<div class="pa-digest"><p class="pa-digest-head">2 changes whose '
                             "newer version is dated 2026-05-01 or later.</p>")
    assert digest.count('<li class="pa-change"') == 2
    assert f'data-record="{T.rid(T.TRIAL_NEW)}"' in digest
    # the app reads the digest without moving the command line's mark
    assert web.show_digest("").count('<li class="pa-change"') == 2
    assert web.show_digest("").count('<li class="pa-change"') == 2
    assert web.show_digest("May 2026") == (
        "<div class=\"pa-error\">&#x27;May 2026&#x27; is not a date (YYYY-MM-DD, YYYY-MM or "
        "YYYY)</div>")
    assert web.watch_add("", "", "")[1] == '<div class="pa-error">Pick a platform to watch.</div>'
    assert "unknown category" in web.watch_add("coursera", "", "fees")[1]
    listed, msg = web.watch_add("learnify", "", "")
    assert msg == '<p class="pa-ok">Watching Learnify — all documents (watch 2).</p>'
    listed, msg = web.watch_remove(2)
    assert msg == '<p class="pa-ok">Stopped watch 2: Learnify — all documents.</p>'
    assert 'data-watch="2"' not in listed
    assert web.watch_remove(9)[1] == ('<div class="pa-error">no watch 9; `policy-assistant '
                                      "watch list` shows them</div>")


def test_monitor_html_escapes_what_it_shows():
    regs = engaged("We follow the GDPR <script>x</script>.")
    html = regulations_html(regs, [("<b>FTC</b>", "x")], "<i>notice</i>")
    assert "<script>" not in html and "&lt;b&gt;FTC&lt;/b&gt;" in html
    assert "&lt;i&gt;notice&lt;/i&gt;" in html
    assert watches_html([]).startswith('<p class="pa-empty">No watches yet.')

    class W:
        watch_id, platform, doc_type, category, created = 1, "<img src=x>", "", "", "now"
    assert "&lt;img src=x&gt;" in watches_html([W()])

    class D:
        items, basis, formatting_only = [], "changes <b>", 0
    assert digest_html(D()) == ('<div class="pa-digest"><p class="pa-digest-head">0 changes '
                                "&lt;b&gt;.</p></div>")


def test_record_lookups_make_the_monitoring_part_only_when_read(web):
    view = web.a.record(T.rid(T.CONDUCT))  # what each citation card does
    assert view._monitor is None
    assert [e.regulation.id for e in view.monitor.regulations] == ["gdpr", "ccpa", "cfaa"]
    assert view._monitor is view.monitor
