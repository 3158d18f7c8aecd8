"""The web app in a real browser: Debian's Chromium driven by Playwright, against the app served
on a free loopback port over the fixture corpus plus one hostile document (Scriptly) whose
clause carries <script> and <img onerror>. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_SOURCES, build_assistant

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
TIMEOUT = 30_000

HOSTILE = """# Scriptly Terms of Service

## Cookies

Scriptly uses tracking cookies <script>window.__xss=1</script> and pixels \
<img src=x onerror="window.__xss=2"> to follow you across websites, see ${7*7} and {{7*7}}.

## Termination

Scriptly may close your account whenever it wants.
"""
# the loader reads the Markdown, so `__xss` loses its underscores (emphasis) on the way in
HOSTILE_SHOWN = ('Scriptly uses tracking cookies <script>window.xss=1</script> and pixels '
                 '<img src=x onerror="window.xss=2"> to follow you across websites, '
                 'see ${7*7} and {{7*7}}.')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, object]]:
    from assistant.ui import build_app, launch

    root = tmp_path_factory.mktemp("ui")
    hostile = root / "hostile-versions" / "Scriptly"
    hostile.mkdir(parents=True)
    (hostile / "Terms of Service.md").write_text(HOSTILE, encoding="utf-8")
    assistant = build_assistant(root / "data", sources=[*FIXTURE_SOURCES, hostile.parent])
    demo = build_app(assistant)
    port = _free_port()
    launch(demo, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}", assistant
    finally:
        demo.close()


@pytest.fixture(scope="module")
def app_url(served) -> str:
    return served[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        msg = f"{CHROMIUM} not found: apt-get install chromium"
        pytest.fail(msg) if os.environ.get("CI") else pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """One browser session on the app, recording every request that leaves the app."""

    def __init__(self, browser, url: str):
        self.url = url
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT)
        self.outside: list[str] = []
        self.page.on("request", self._request)
        self.page.goto(url)
        # attached, not visible: a deep link (?record=ID) may switch to the Record tab first
        self.page.wait_for_selector("#pa-input textarea", state="attached")

    def _request(self, request) -> None:
        if not request.url.startswith((self.url, "data:", "blob:")):
            self.outside.append(request.url)

    def ask(self, question: str) -> None:
        """Ask, then wait for the turn to settle (its citation panel or an abstention)."""
        n = self.page.locator("#pa-chat .message-row").count()
        self.page.fill("#pa-input textarea", question)
        self.page.click("#pa-send")
        self.page.wait_for_function(
            "n => document.querySelectorAll('#pa-chat .message-row').length >= n + 2", arg=n)
        self.page.wait_for_function(
            "() => !document.querySelector('#pa-chat .generating') && "
            "!document.querySelector('#pa-send[disabled]') && "
            "document.querySelector('#pa-input textarea').value === ''")
        self.page.wait_for_function(
            "q => { const rows = document.querySelectorAll('#pa-chat .message-row');"
            " const last = rows[rows.length - 1]; return last && "
            "!last.innerText.includes('Searching…') }", arg=question)
        self.page.wait_for_timeout(300)

    def cited(self) -> list[str]:
        return [b.get_attribute("data-record")
                for b in self.page.locator("#pa-sources button.pa-rec").all()]

    def focus(self) -> str:
        return self.page.inner_text("#pa-focus").strip()

    def last_answer(self) -> str:
        return self.page.locator("#pa-chat .message-row").last.inner_text()

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def page(browser, app_url) -> Iterator[Page]:
    p = Page(browser, app_url)
    yield p
    assert p.outside == [], "requests left the app"
    p.close()


def test_ask_cites_click_opens_record_and_follow_ups_keep_focus(page):
    page.ask("Can Streamly terminate my account without notice?")
    assert page.cited() == ["streamly-bf7b-32gp-7whs"]
    assert page.focus() == "Searching Streamly for: terminate my account without notice"
    assert "From Streamly's Terms of Service [1]: “Streamly may suspend" in page.last_answer()
    card = page.page.locator("#pa-sources details.pa-card").first
    assert card.locator("mark.pa-quote").inner_text() == (
        "Streamly may suspend or terminate your account at any time, without notice, if we "
        "believe you have breached these Terms.")
    assert card.locator(".pa-section").inner_text() == "1. Your Account > Termination"
    # the focus is reflected in the platform filter
    assert page.page.locator("#pa-filter-platforms").inner_text().count("Streamly") == 1
    page.shot("fixture-chat")

    page.ask("Can I appeal?")
    assert page.focus() == "Searching Streamly for: I appeal"
    assert page.cited() == ["streamly-5czy-ghj4-ejj1"]
    page.ask("What about Chatterbox?")
    assert page.focus() == "Searching Chatterbox for: I appeal"
    assert page.cited() == ["chatterbox-57a9-rcx2-04yn"]

    # an earlier answer's citations come back when that answer is clicked
    page.page.locator("#pa-chat .message-row.bot-row").first.click()
    page.page.wait_for_function(
        "() => document.querySelector('#pa-sources [data-record]')"
        ".getAttribute('data-record') === 'streamly-bf7b-32gp-7whs'")

    page.page.locator("#pa-sources button.pa-rec").first.click()
    page.page.wait_for_selector("#pa-record .pa-record")
    assert page.page.input_value("#pa-rec-id textarea, #pa-rec-id input") == (
        "streamly-bf7b-32gp-7whs")
    record = page.page.inner_text("#pa-record")
    assert "1. Your Account > Termination" in record
    assert "tosdr-9001 [bad] The service can delete your account without prior notice" in record
    assert page.page.locator("#pa-record a").count() == 0  # the fixture source is a local file
    assert page.page.locator("button[role=tab][aria-selected=true]").inner_text() == "Record"
    page.shot("fixture-record")


def test_reset_clears_the_conversation(page):
    page.ask("Can Streamly terminate my account without notice?")
    page.page.click("#pa-reset")
    page.page.wait_for_function("() => !document.querySelector('#pa-chat .message-row')")
    assert page.focus() == "" and page.cited() == []
    page.ask("Can I appeal?")  # no platform in focus any more
    assert page.focus() == "Searching all platforms for: I appeal"
    assert page.cited() == ["streamly-5czy-ghj4-ejj1", "chatterbox-57a9-rcx2-04yn"]
    # the chat's own clear icon resets the conversation too
    page.ask("Does Streamly sell my personal data?")
    assert page.focus() != ""
    page.page.fill("#pa-input textarea", "Can I appeal?")  # typed before the bin is clicked
    page.page.locator("#pa-chat button[aria-label='Clear']").click()
    page.page.wait_for_function("() => !document.querySelector('#pa-chat .message-row')")
    # the browser empties the chat at once; the server's reset lands when the focus line clears
    page.page.wait_for_function("() => document.querySelector('#pa-focus').innerText.trim() === ''")
    assert page.page.input_value("#pa-input textarea") == "Can I appeal?"  # what was typed stays
    page.ask("Can I appeal?")
    assert page.focus() == "Searching all platforms for: I appeal"
    assert page.page.locator("#pa-chat .message-row").count() == 2


def test_compare_tab_table_record_ids_and_exports(page, tmp_path):
    p = page.page
    p.get_by_role("tab", name="Compare").click()
    for name in ("Streamly", "Learnify"):
        p.click("#pa-cmp-platforms input")
        p.get_by_role("option", name=name, exact=True).click()
    p.fill("#pa-cmp-topic textarea, #pa-cmp-topic input", "arbitration")
    p.click("#pa-cmp-go")
    p.wait_for_selector("#pa-cmp-table table.pa-table")
    rows = p.locator("#pa-cmp-table tbody tr")
    assert [r.inner_text().split("\t")[0] for r in rows.all()] == ["Streamly", "Learnify"]
    assert [b.get_attribute("data-record") for b in
            p.locator("#pa-cmp-table button.pa-rec").all()] == ["streamly-at04-k0tt-f5b9"]
    assert "not addressed in Terms of Service" in rows.nth(1).inner_text()
    assert p.inner_text("#pa-cmp-focus").strip() == (
        "Comparing Streamly and Learnify on: arbitration")
    page.shot("fixture-compare")
    with p.expect_download() as dl:
        p.click("#pa-cmp-csv")
    csv_path = tmp_path / "table.csv"
    dl.value.save_as(csv_path)
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "platform,document,record_id,addressed,quote,searched"
    assert lines[1].startswith("Streamly,Terms of Service,streamly-at04-k0tt-f5b9,True,")
    with p.expect_download() as dl:
        p.click("#pa-cmp-md")
    md_path = tmp_path / "table.md"
    dl.value.save_as(md_path)
    assert "| `streamly-at04-k0tt-f5b9` |" in md_path.read_text(encoding="utf-8")
    p.locator("#pa-cmp-table button.pa-rec").click()
    p.wait_for_selector("#pa-record .pa-record[data-record-id='streamly-at04-k0tt-f5b9']")


def test_hostile_text_renders_as_text(page):
    p = page.page
    page.ask("Does Scriptly use tracking cookies?")
    assert page.cited() == ["scriptly-0sxz-6719-5p6s"]
    assert p.locator("#pa-sources mark.pa-quote").inner_text() == HOSTILE_SHOWN
    assert HOSTILE_SHOWN in page.last_answer()
    page.shot("fixture-xss-chat")
    # user input is data too
    page.ask('Does Scriptly track me? <img src=x onerror="window.__xss=3"> **bold**')
    assert '<img src=x onerror="window.__xss=3"> **bold**' in (
        p.locator("#pa-chat .message-row.user-row").last.inner_text())
    p.locator("#pa-sources button.pa-rec").first.click()
    p.wait_for_selector("#pa-record .pa-record")
    assert HOSTILE_SHOWN in p.inner_text("#pa-record blockquote")
    p.fill("#pa-rec-id textarea, #pa-rec-id input", "<img src=y onerror=window.__xss=4>")
    p.click("#pa-rec-go")
    p.wait_for_selector("#pa-record .pa-error")
    assert "no record '<img src=y onerror=window.__xss=4>'" in p.inner_text("#pa-record")
    page.shot("fixture-xss-record")
    assert p.evaluate("[typeof window.__xss, typeof window.xss]") == ["undefined", "undefined"]
    # nothing hostile became an element: no <img> or <script> inside the app's content
    assert p.locator("#pa-chat img, #pa-sources img, #pa-record img").count() == 0
    assert p.locator("#pa-chat script, #pa-sources script, #pa-record script").count() == 0


def test_record_deep_link(browser, app_url):
    page = Page(browser, app_url + "/?record=chatterbox-57a9-rcx2-04yn")
    try:
        page.page.wait_for_selector("#pa-record .pa-record[data-record-id="
                                    "'chatterbox-57a9-rcx2-04yn']")
        assert "Content Moderation" in page.page.inner_text("#pa-record")
    finally:
        page.close()


def test_sessions_are_separate_and_answer_together(browser, app_url):
    pages = [Page(browser, app_url) for _ in range(3)]
    try:
        questions = ["Can Streamly terminate my account without notice?",
                     "Can Learnify suspend my access?",
                     "Does Streamly sell my personal data?"]
        for pg, q in zip(pages, questions, strict=True):  # all three in flight at once
            pg.page.fill("#pa-input textarea", q)
            pg.page.click("#pa-send")
        for pg in pages:
            pg.page.wait_for_selector("#pa-sources .pa-card")
        assert [pg.cited() for pg in pages] == [["streamly-bf7b-32gp-7whs"],
                                                 ["learnify-1aft-akcp-a4tx"],
                                                 ["streamly-656s-bg1z-qwqs"]]
        assert [pg.page.locator("#pa-chat .message-row").count() for pg in pages] == [2, 2, 2]
        pages[1].ask("Can I appeal?")  # Learnify's session follows up on Learnify
        assert pages[1].focus() == "Searching Learnify for: I appeal"
        assert all(pg.outside == [] for pg in pages)
    finally:
        for pg in pages:
            pg.close()


def test_login_when_credentials_are_given(browser, served):
    from assistant.ui import build_app, launch

    demo = build_app(served[1])
    port = _free_port()
    launch(demo, host="127.0.0.1", port=port, auth=[("alice", "s3cret")], block=False,
           quiet=True)
    context = browser.new_context()
    try:
        p = context.new_page()
        p.set_default_timeout(TIMEOUT)
        url = f"http://127.0.0.1:{port}"
        assert p.request.get(url + "/config").status == 401
        p.goto(url)
        p.wait_for_selector("input[type=password]")
        assert p.locator("#pa-input").count() == 0
        p.locator("input[type=text]").first.fill("alice")
        p.fill("input[type=password]", "wrong")
        p.get_by_role("button", name="Login").click()
        p.wait_for_selector("text=Incorrect Credentials")
        assert p.locator("#pa-input").count() == 0
        p.locator("input[type=text]").first.fill("alice")  # the form clears it
        p.fill("input[type=password]", "s3cret")
        p.get_by_role("button", name="Login").click()
        p.wait_for_selector("#pa-input textarea")
    finally:
        context.close()
        demo.close()


# ---- monitoring: the record page's activity, stability, regulations, citation; Watches -----

@pytest.fixture(scope="module")
def monitor_url(tmp_path_factory) -> Iterator[str]:
    """The app over the two-version trial document (tests/trial_fixture.py) and the saved
    Learnify record page; one clause labelled by the test."""
    from assistant.ui import build_app, launch
    from corpus import labels as store_labels
    from corpus.changes import compute_changes
    from tests import trial_fixture as T

    root = tmp_path_factory.mktemp("ui-monitor")
    assistant = build_assistant(root / "data", sources=[
        T.write(root / "ota"), Path(__file__).parent / "fixtures" / "pages" / "record_page.txt"])
    store_labels.replace_labels(assistant.store, [
        (T.rid(T.TRIAL_NEW), "payments-refunds", 0.9, "Low", "test label")], "{}")
    compute_changes(assistant.store)
    demo = build_app(assistant)
    port = _free_port()
    launch(demo, host="127.0.0.1", port=port, block=False, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        demo.close()


def test_record_page_monitoring(browser, monitor_url):
    from tests import trial_fixture as T

    page = Page(browser, monitor_url + f"/?record={T.rid(T.TRIAL_NEW)}")
    p = page.page
    try:
        p.wait_for_selector(f"#pa-record .pa-record[data-record-id='{T.rid(T.TRIAL_NEW)}']")
        assert p.inner_text("#pa-record .pa-activity p").strip() == (
            "Coursera recorded 2 documented changes to its Terms of Service in the last 30 days "
            "(to 2026-05-27, the newest tracked version) and 2 in the last 90 days; tracked since "
            "2026-03-13 (2 versions).")
        assert p.locator("#pa-record .pa-activity li.pa-change").count() == 2
        assert p.inner_text("#pa-record .pa-stability h4").strip() == (
            "Clause stability: Mostly stable")
        assert [c.inner_text().split("\n") for c in
                p.locator("#pa-record table.pa-figures td").all()] == [
            ["1", "Changes"], ["3", "Months monitored"], ["2026-03-13", "First seen"],
            ["2026-05-27", "Last seen"]]
        change = p.locator("#pa-record .pa-stability li.pa-change").first
        assert change.locator(".pa-kind").inner_text() == "guarantee or right weakened"
        assert change.locator(".pa-sev").inner_text() == "Medium"
        assert change.locator(".pa-summary").inner_text().startswith(
            "Removes the stated 7-day free trial: now “Certain subscriptions may come with")
        assert p.inner_text("#pa-record .pa-prevalence li").startswith(
            "Payments and refunds: found in 1 of 2 platforms (50%)")
        regs = [r.get_attribute("data-regulation") for r in
                p.locator("#pa-record li.pa-reg").all()]
        assert regs == ["crd", "ftc-act", "rosca"]
        assert "United States, Federal" in p.inner_text("#pa-record li.pa-reg[data-regulation="
                                                        "'rosca']")
        assert "It is not a legal determination" in p.inner_text("#pa-record .pa-notice")
        cite = p.inner_text("#pa-record pre.pa-cite-plain")
        assert f"Record ID: {T.rid(T.TRIAL_NEW)}" in cite and "Captured: 2026-05-27" in cite
        assert p.locator("#pa-record a.pa-src").count() == 0  # the fixture source is a file
        assert p.locator("#pa-record a.pa-reg-src").count() == 4  # the laws' official texts
        page.shot("fixture-monitor-record")
        # the earlier wording opens from the change history
        change.locator(f"button.pa-rec[data-record='{T.rid(T.TRIAL_OLD)}']").click()
        p.wait_for_selector(f"#pa-record .pa-record[data-record-id='{T.rid(T.TRIAL_OLD)}']")
        assert [u for u in page.outside if not u.startswith(monitor_url)] == []
    finally:
        page.close()


def test_saved_record_page_monitoring(browser, monitor_url):
    page = Page(browser, monitor_url + "/?record=CA-P-990001")
    p = page.page
    try:
        p.wait_for_selector("#pa-record .pa-record[data-record-id='CA-P-990001']")
        assert [r.get_attribute("data-regulation") for r in
                p.locator("#pa-record li.pa-reg").all()] == ["dsa", "ftc-act"]
        assert "Applicable agencies: European Commission (EU DSA)" in p.inner_text(
            "#pa-record .pa-regulations")
        cite = p.inner_text("#pa-record pre.pa-cite-plain")
        assert "Captured: May 3, 2026 10:15 UTC" in cite
        assert "Clause stability: Stable" in p.inner_text("#pa-record .pa-stability h4")
    finally:
        page.close()


def test_watches_tab_and_digest(browser, monitor_url):
    from tests import trial_fixture as T

    page = Page(browser, monitor_url)
    p = page.page
    try:
        p.get_by_role("tab", name="Watches").click()
        p.click("#pa-watch-platform input")
        p.get_by_role("option", name="Coursera", exact=True).click()
        p.click("#pa-watch-doctype input")
        p.get_by_role("option", name="Terms of Service", exact=True).click()
        p.click("#pa-watch-add")
        p.wait_for_selector("#pa-watches tr[data-watch]")
        assert p.inner_text("#pa-watch-msg").strip() == (
            "Watching Coursera — Terms of Service (watch 1).")
        row = p.locator("#pa-watches tr[data-watch]").first.inner_text().split("\t")
        assert row[:4] == ["1", "Coursera", "Terms of Service", "all categories"]
        p.fill("#pa-digest-since textarea, #pa-digest-since input", "2026-05-01")
        p.click("#pa-digest-go")
        p.wait_for_selector("#pa-digest li.pa-change")
        assert p.inner_text("#pa-digest .pa-digest-head").strip() == (
            "2 changes whose newer version is dated 2026-05-01 or later.")
        items = p.locator("#pa-digest li.pa-change").all()
        assert [i.locator(".pa-kind").inner_text() for i in items] == [
            "guarantee or right weakened"] * 2
        assert [i.locator(".pa-sev").inner_text() for i in items] == ["Medium"] * 2
        page.shot("fixture-watches")
        items[0].locator(f"button.pa-rec[data-record='{T.rid(T.TRIAL_NEW)}']").click()
        p.wait_for_selector(f"#pa-record .pa-record[data-record-id='{T.rid(T.TRIAL_NEW)}']")
        assert p.locator("button[role=tab][aria-selected=true]").inner_text() == "Record"
        p.get_by_role("tab", name="Watches").click()
        p.fill("#pa-watch-id input", "1")
        p.click("#pa-watch-remove")
        p.wait_for_selector("#pa-watches .pa-empty")
        assert page.outside == []
    finally:
        page.close()


def test_regulation_question_in_the_chat(browser, monitor_url):
    from tests import trial_fixture as T

    page = Page(browser, monitor_url)
    try:
        page.ask("Which of Coursera's clauses touch GDPR?")
        assert page.cited() == [T.rid(T.CONDUCT)]
        assert "1 of 5 current clauses engage GDPR" in page.last_answer()
        assert "not a legal determination" in page.last_answer()
    finally:
        page.close()


def test_screenshots_are_kept():
    shots = sorted(p.name for p in SHOTS.glob("fixture-*.png"))
    assert shots == ["fixture-chat.png", "fixture-compare.png", "fixture-monitor-record.png",
                     "fixture-record.png", "fixture-watches.png", "fixture-xss-chat.png",
                     "fixture-xss-record.png"]


FULL_DATA = os.environ.get("POLICY_ASSISTANT_FULL_DATA", "")


@pytest.mark.skipif(not FULL_DATA, reason="set POLICY_ASSISTANT_FULL_DATA to a data dir with "
                    "the full corpus (store.sqlite + chroma/) to screenshot the three tabs")
def test_full_corpus_screenshots(browser):
    """`serve` over the full corpus (real model), one question, a follow-up, a record and a
    comparison; the screenshots are kept as full-*.png."""
    import subprocess
    import sys
    import time
    from urllib.request import urlopen

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", FULL_DATA,
                             "serve", "--port", str(port)],
                            cwd=Path(__file__).resolve().parents[1])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 900
        while True:
            assert proc.poll() is None, "serve exited"
            try:
                with urlopen(url + "/config", timeout=2):
                    break
            except OSError:
                assert time.time() < deadline, "serve did not start"
                time.sleep(2)
        page = Page(browser, url)
        page.page.set_default_timeout(120_000)
        page.ask("Can Spotify terminate my account without notice?")
        assert page.focus() == "Searching Spotify for: terminate my account without notice"
        cited = page.cited()
        assert cited and all(r.startswith("spotify-") for r in cited), cited
        page.ask("What about Zoom?")
        assert page.focus() == "Searching Zoom for: terminate my account without notice"
        assert all(r.startswith("zoom-") for r in page.cited())
        page.shot("full-chat")
        page.page.locator("#pa-sources button.pa-rec").first.click()
        page.page.wait_for_selector("#pa-record .pa-record")
        assert page.page.locator("#pa-record a.pa-src").count() == 1  # its recorded source
        page.shot("full-record")
        p = page.page
        p.get_by_role("tab", name="Compare").click()
        for name in ("Spotify", "Discord", "Zoom"):
            p.click("#pa-cmp-platforms input")
            p.keyboard.type(name)
            p.get_by_role("option", name=name, exact=True).click()
        p.click("#pa-cmp-category input")
        p.get_by_role("option", name="Arbitration and class-action waiver").click()
        p.click("#pa-cmp-go")
        p.wait_for_selector("#pa-cmp-table table.pa-table")
        rows = [r.inner_text().split("\t")[0] for r in
                p.locator("#pa-cmp-table tbody tr").all()]
        assert rows == ["Spotify", "Discord", "Zoom"]
        page.shot("full-compare")
        assert page.outside == []
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
