"""The UI's markup: every piece of data is escaped, links only to a recorded http(s) source."""

from __future__ import annotations

import csv
import io

from assistant import ui_html as H
from assistant.types import Answer, Citation, CompareRow, Hit

EVIL = '<script>window.__xss=1</script> <img src=x onerror="window.__xss=2"> **b** [l](x)'


def _answer(text: str = EVIL, quote: str = "<script>window.__xss=1</script>") -> Answer:
    start = text.index(quote)
    cite = Citation("evil-aaaa-bbbb-cccc", "Evil<b>Corp</b>", "Terms <i>", "A > <B>", quote,
                    start, start + len(quote), {}, 1)
    hit = Hit("evil-aaaa-bbbb-cccc", "EvilCorp", "evil", "Terms", "evil-tos", "A", text)
    return Answer(text=f"Yes [1]. “{quote}”", citations=[cite], evidence=[hit])


def test_safe_url_accepts_only_http_and_https_with_a_host():
    assert H.safe_url("https://example.org/tos?a=1") == "https://example.org/tos?a=1"
    assert H.safe_url("http://example.org") == "http://example.org"
    for bad in ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>",
                "/etc/passwd", "https://", "vbscript:x", "https://x.org/\"onmouseover=1",
                "https://x.org/<script>", "", None, "//evil.org/x"]:
        assert H.safe_url(bad) == "", bad


def test_source_link_is_a_link_only_for_a_web_source():
    assert H.source_link("https://a.org/t", "", "view source") == (
        '<a class="pa-src" href="https://a.org/t" target="_blank" '
        'rel="noopener noreferrer nofollow">view source</a>')
    assert H.source_link("", "/data/<x>.md") == (  # the file name, never the server's path
        '<span class="pa-src-path">&lt;x&gt;.md</span>')
    assert H.source_link("", "C:\\srv\\pages\\post.txt") == (
        '<span class="pa-src-path">post.txt</span>')
    assert "href" not in H.source_link("javascript:alert(1)", "javascript:alert(1)")


def test_highlight_marks_the_quote_and_escapes_everything():
    text = "Before <b>. We sell data. After & more."
    out = H.highlight(text, "We sell data.", 13, 26)
    assert out == ('Before &lt;b&gt;. <mark class="pa-quote">We sell data.</mark>'
                   " After &amp; more.")
    # offsets that do not point at the quote fall back to finding it
    assert H.highlight(text, "We sell data.", 0, 5) == out
    assert H.highlight(text, "absent", 0, 6) == "Before &lt;b&gt;. We sell data. After &amp; more."


def test_citation_cards_escape_clause_ids_and_metadata():
    html = H.citation_cards(_answer())
    assert "<script>" not in html and "<img" not in html and "<b>Corp" not in html
    assert ('<mark class="pa-quote">&lt;script&gt;window.__xss=1&lt;/script&gt;</mark>'
            in html)
    assert "&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;" in html
    assert 'data-record="evil-aaaa-bbbb-cccc"' in html
    assert "Evil&lt;b&gt;Corp&lt;/b&gt;" in html and "A &gt; &lt;B&gt;" in html
    assert "**b** [l](x)" in html  # Markdown stays literal text
    assert "href" not in html  # no recorded web source: no link


def test_citation_cards_link_only_the_recorded_source():
    class View:
        class clause:  # noqa: N801 - stands in for ClauseRow
            text, url, source = EVIL, "javascript:alert(1)", "https://example.org/tos"
            section = ""

    html = H.citation_cards(_answer(), lambda rid: View)
    assert html.count("href=") == 1 and 'href="https://example.org/tos"' in html


def test_record_id_from_user_input_is_escaped_in_buttons():
    assert H.record_button('x" onclick="alert(1)') == (
        '<button type="button" class="pa-rec" data-record="x&quot; onclick=&quot;alert(1)" '
        'title="Open record x&quot; onclick=&quot;alert(1)">x&quot; onclick=&quot;alert(1)'
        "</button>")


def test_answer_bubble_keeps_line_breaks_and_escapes():
    a = Answer(text="Line <1>\n\n[1] “a & b”", citations=[], evidence=[])
    assert H.answer_bubble(a) == "Line &lt;1&gt;<br><br>[1] “a &amp; b”"


ROWS = [
    CompareRow(platform="Streamly", platform_id="streamly", document="Terms of Service",
               quote='Disputes | go to <b>arbitration</b>, "always"',
               record_id="streamly-at04-k0tt-f5b9",
               addressed=True, searched="Terms of Service", n=1),
    CompareRow(platform="Learnify", platform_id="learnify", document="", quote="",
               record_id="", addressed=False, searched="Terms of Service", n=0),
]


def test_compare_table_html():
    html = H.compare_table(ROWS)
    assert html.count("<tr") == 3
    assert "Disputes | go to &lt;b&gt;arbitration&lt;/b&gt;, &quot;always&quot;" in html
    assert 'data-record="streamly-at04-k0tt-f5b9"' in html
    assert "not addressed in Terms of Service" in html


def test_table_exports():
    rows = list(csv.DictReader(io.StringIO(H.table_csv(ROWS))))
    assert [r["record_id"] for r in rows] == ["streamly-at04-k0tt-f5b9", ""]
    assert rows[0]["quote"] == 'Disputes | go to <b>arbitration</b>, "always"'
    assert [r["addressed"] for r in rows] == ["True", "False"]
    md = H.table_markdown(ROWS, "Comparing Streamly and Learnify on: arbitration")
    assert md.splitlines() == [
        "## Comparing Streamly and Learnify on: arbitration",
        "",
        "| Platform | Document | What the clause says | Record ID |",
        "|---|---|---|---|",
        "| Streamly | Terms of Service | “Disputes \\| go to &lt;b&gt;arbitration&lt;/b&gt;, "
        "\"always\"” | `streamly-at04-k0tt-f5b9` |",
        "| Learnify | — | not addressed in Terms of Service | — |",
    ]


def test_record_page_on_the_fixture_corpus(fixture_assistant):
    view = fixture_assistant.record("streamly-bf7b-32gp-7whs")
    html = H.record_page(view)
    assert '<code class="pa-rid">streamly-bf7b-32gp-7whs</code>' in html
    assert "<th>Section</th><td>1. Your Account &gt; Termination</td>" in html
    assert f"<code>{view.clause.sha256}</code>" in html
    assert "<code>tosdr-9001</code> <b>[bad]</b> The service can delete your account" in html
    assert "href" not in html  # the fixture's source is a local file, not a web page


def test_record_page_shows_what_later_parts_add():
    class Clause:
        record_id, platform, doc_type, document_id = "r-1", "P", "Terms", "p-tos"
        version_id, version_date, current, section = "v1", "2024-01-01", False, ""
        url, source, sha256, text = "https://p.org/tos", "", "ab", "Text <i>"
        meta = {"severity": "high", "categories": ["account-termination", "<x>"]}

    class View:
        clause, annotations = Clause, []
        similar = [{"record_id": "q-1", "platform": "Q", "doc_type": "Terms", "text": "<s>"}]
        history = [{"date": "2023-05-01", "change": "modified", "summary": "was <old>"}]

    html = H.record_page(View)
    assert "<th>Severity</th><td>high</td>" in html
    assert "<th>Categories</th><td>account-termination, &lt;x&gt;</td>" in html
    assert "(not current)" in html and 'href="https://p.org/tos"' in html
    assert 'data-record="q-1"' in html and "“&lt;s&gt;”" in html
    assert "2023-05-01 modified was &lt;old&gt;" in html
