"""HTML and export text for the web UI, kept apart from gradio so it is tested without a browser.

Policy text is data: every value that comes from the corpus, a record ID or the user goes
through ``html.escape`` before it meets markup, and the only links are a record's own recorded
source URL, and only when it is http(s), and the official texts the reviewed regulation map
cites (``assistant.ui_monitor``). Record IDs are carried in ``data-record`` attributes;
the UI's click handler reads them, so no markup needs a ``javascript:`` URL or inline handler.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from assistant import Answer, Citation, CompareRow
from assistant.ui_basics import e, record_button, safe_url

# meta keys a record may gain from later issues, shown when present, in this order
RECORD_META = [("categories", "Categories"), ("category", "Category"), ("severity", "Severity"),
               ("prevalence", "Prevalence"), ("first_tracked", "First tracked"),
               ("last_verified", "Last verified")]



def file_name(source: str | None) -> str:
    """The last part of a path (either slash): what a page shows of a source on disk."""
    return re.split(r"[\\/]", str(source or "").rstrip("/\\"))[-1]


def source_link(url: str | None, source: str | None, label: str = "source") -> str:
    """A link to the recorded source URL, or, for a source read from disk, its file name as
    plain text: never the path on the server's disk."""
    href = safe_url(url) or safe_url(source)
    if href:
        return (f'<a class="pa-src" href="{e(href)}" target="_blank" '
                f'rel="noopener noreferrer nofollow">{e(label)}</a>')
    return f'<span class="pa-src-path">{e(file_name(source))}</span>'


def text_block(text: str) -> str:
    """Escaped text whose line breaks survive in a container that renders HTML."""
    return e(text).replace("\n", "<br>")


def highlight(text: str, quote: str, start: int = -1, end: int = -1) -> str:
    """The clause text, escaped, with the quoted span inside <mark>. Uses the offsets when they
    point at the quote, else the quote's first occurrence, else no highlight."""
    if not (0 <= start < end <= len(text) and text[start:end] == quote):
        start = text.find(quote) if quote else -1
        end = start + len(quote)
    if start < 0 or not quote:
        return text_block(text)
    return (text_block(text[:start]) + '<mark class="pa-quote">' + text_block(text[start:end])
            + "</mark>" + text_block(text[end:]))


def citation_card(c: Citation, clause_text: str, url: str = "", source: str = "",
                  open_: bool = False, section: str = "") -> str:
    section = c.section or section
    section = f'<div class="pa-section">{e(section)}</div>' if section else ""
    return (
        f'<details class="pa-card" data-n="{e(c.n)}"{" open" if open_ else ""}>'
        f'<summary><span class="pa-n">[{e(c.n)}]</span> {record_button(c.record_id)} '
        f'<span class="pa-plat">{e(c.platform)}</span> · <span class="pa-doc">{e(c.document)}'
        f"</span></summary>{section}"
        f'<blockquote class="pa-clause">{highlight(clause_text, c.quote, c.start, c.end)}'
        f"</blockquote>"
        f'<div class="pa-links">{source_link(url, source, "view source")}</div></details>')


def citation_cards(answer: Answer, lookup: Callable[[str], Any] | None = None) -> str:
    """Numbered, expandable cards for an answer's citations. ``lookup(record_id)`` returns a
    record view (``.clause`` with text/url/source) or None; evidence text is used first."""
    if not answer.citations:
        return '<div class="pa-cards pa-empty">No citations for this answer.</div>'
    texts = {h.record_id: h.text for h in answer.evidence}
    cards = []
    for i, c in enumerate(answer.citations):
        clause_text, url, source, section = texts.get(c.record_id, ""), "", "", ""
        view = lookup(c.record_id) if lookup else None
        if view is not None:
            clause_text = clause_text or view.clause.text
            url, source, section = view.clause.url, view.clause.source, view.clause.section
        cards.append(citation_card(c, clause_text or c.quote, url, source, open_=i == 0,
                                   section=section))
    return '<div class="pa-cards">' + "".join(cards) + "</div>"


def answer_bubble(answer: Answer) -> str:
    """What the chat bubble shows; a comparison's table is rendered as an HTML table."""
    table = answer.table if answer.route == "compare" else None
    if table:
        rest = answer.text.split("\n\n", 1)[1] if "\n\n" in answer.text else ""
        return compare_table(table, buttons=False) + f"<p>{text_block(rest)}</p>"
    return text_block(answer.text)


def focus_line(text: str) -> str:
    return f'<div class="pa-focus">{e(text)}</div>' if text else ""


def compare_table(rows: Sequence[CompareRow], buttons: bool = True) -> str:
    if not rows:
        return '<div class="pa-empty">No platforms compared.</div>'
    out = ['<table class="pa-table"><thead><tr><th>Platform</th><th>Document</th>'
           "<th>What the clause says</th><th>Record ID</th></tr></thead><tbody>"]
    for r in rows:
        if r.addressed:
            rid = r.record_id
            rid_html = record_button(rid) if buttons else f"<code>{e(rid)}</code>"
            n = f' [{e(r.n)}]' if r.n else ""
            out.append(f'<tr data-platform="{e(r.platform_id)}"><td>'
                       f'{e(r.platform)}</td><td>{e(r.document)}</td>'
                       f"<td>“{e(r.quote)}”{n}</td><td>{rid_html}</td></tr>")
        else:
            out.append(f'<tr class="pa-silent"><td>{e(r.platform)}</td><td>—</td>'
                       f"<td>not addressed in {e(r.searched or 'its documents')}</td>"
                       "<td>—</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


EXPORT_FIELDS = ["platform", "document", "record_id", "addressed", "quote", "searched"]


def table_csv(rows: Iterable[CompareRow]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, EXPORT_FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: getattr(r, k) for k in EXPORT_FIELDS})
    return buf.getvalue()


def _md_cell(value: Any) -> str:
    """A Markdown table cell that shows the literal text: no pipes, breaks or live HTML."""
    text = " ".join(str(value if value is not None else "").split())
    return (text.replace("\\", "\\\\").replace("|", "\\|").replace("&", "&amp;")
            .replace("<", "&lt;").replace(">", "&gt;"))


def table_markdown(rows: Iterable[CompareRow], title: str = "") -> str:
    out = [f"## {_md_cell(title)}", ""] if title else []
    out += ["| Platform | Document | What the clause says | Record ID |", "|---|---|---|---|"]
    for r in rows:
        if r.addressed:
            out.append(f"| {_md_cell(r.platform)} | {_md_cell(r.document)} | "
                       f"“{_md_cell(r.quote)}” | `{_md_cell(r.record_id)}` |")
        else:
            out.append(f"| {_md_cell(r.platform)} | — | not addressed in "
                       f"{_md_cell(r.searched or 'its documents')} | — |")
    return "\n".join(out) + "\n"


def _field(label: str, value_html: str) -> str:
    return f"<tr><th>{e(label)}</th><td>{value_html}</td></tr>"


def record_page(view: Any) -> str:
    """A record: the clause with its provenance, the assessments that quote it, and whatever
    later parts add (categories, severity, prevalence, similar clauses, change history)."""
    c = view.clause
    rows = [_field("Record", f'<code class="pa-rid">{e(c.record_id)}</code>'),
            _field("Platform", e(c.platform)),
            _field("Document", f"{e(c.doc_type)} <code>{e(c.document_id)}</code>"),
            _field("Version", f"{e(c.version_date)} <code>{e(c.version_id)}</code>"
                   + ("" if c.current else " (not current)"))]
    if c.section:
        rows.append(_field("Section", e(c.section)))
    rows.append(_field("Source", source_link(c.url, c.source, c.url or c.source or "")))
    rows.append(_field("SHA-256", f"<code>{e(c.sha256)}</code>"))
    meta = dict(c.meta or {})
    for key in ("category", "categories", "severity", "prevalence"):
        extra = getattr(view, key, None)
        if extra not in (None, "", []):
            meta[key] = extra
    for key, label in RECORD_META:
        if meta.get(key) not in (None, "", []):
            rows.append(_field(label, e(_plain(meta[key]))))
    parts = [f'<div class="pa-record" data-record-id="{e(c.record_id)}">',
             f'<table class="pa-fields">{"".join(rows)}</table>',
             f'<blockquote class="pa-clause">{text_block(c.text)}</blockquote>',
             _annotations(view.annotations)]
    similar = getattr(view, "similar", None)
    if similar:
        parts.append(_similar(similar))
    monitor = getattr(view, "monitor", None)
    history = getattr(view, "history", None) or getattr(view, "changes", None)
    if monitor is not None:  # activity, stability (with the change history), regulations, ...
        from assistant.ui_monitor import monitor_html

        parts.append(monitor_html(monitor))
    elif history:
        parts.append(_history(history))
    parts.append("</div>")
    return "".join(parts)


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


def _get(obj: Any, key: str, default: Any = "") -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _annotations(notes: Sequence[dict[str, Any]]) -> str:
    if not notes:
        return '<h4>ToS;DR assessments</h4><p class="pa-empty">None quote this clause.</p>'
    items = []
    for a in notes:
        cls = e(a.get("classification", ""))
        items.append(f'<li class="pa-note pa-{cls}"><code>{e(a.get("annotation_id"))}</code> '
                     f'<b>[{cls}]</b> {e(a.get("case_title") or a.get("title"))}'
                     f' <span class="pa-score">(match {e(a.get("match_score"))})</span>'
                     f'<div class="pa-note-quote">“{e(a.get("quote"))}”</div></li>')
    return "<h4>ToS;DR assessments quoting this clause</h4><ul>" + "".join(items) + "</ul>"


def _similar(items: Sequence[Any]) -> str:
    lis = [f"<li>{record_button(_get(s, 'record_id'))} {e(_get(s, 'platform'))} · "
           f"{e(_get(s, 'doc_type') or _get(s, 'document'))}<div>“{e(_get(s, 'text'))}”</div>"
           "</li>" for s in items]
    return "<h4>Similar clauses on other platforms</h4><ul>" + "".join(lis) + "</ul>"


def _history(items: Sequence[Any]) -> str:
    lis = [f"<li>{e(_get(h, 'date') or _get(h, 'version_date'))} {e(_get(h, 'change'))} "
           f"{e(_get(h, 'summary') or _get(h, 'text'))}</li>" for h in items]
    return "<h4>Change history</h4><ul>" + "".join(lis) + "</ul>"


def changes_list(records: Sequence[Any], platform: str) -> str:
    """Change records grouped by document and version pair; record IDs open their records."""
    if not records:
        return (f'<p class="pa-empty">No tracked version of {e(platform)}\'s documents shows a '
                "change.</p>")
    out = [f"<h4>{e(platform)}: {len(records)} change record(s)</h4>"]
    group = None
    for r in records:
        key = (r.doc_type, r.from_date, r.to_date)
        if key != group:
            if group is not None:
                out.append("</ul>")
            out.append(f"<h5>{e(r.doc_type)}, {e(r.from_date)} → {e(r.to_date)}</h5><ul>")
            group = key
        ids = " ".join(record_button(i) for i in [*r.old_ids, *r.new_ids])
        m = getattr(r, "meaning", None) or {}
        means = (f' · <span class="pa-kind">{e(m.get("label", ""))}</span> '
                 f'<span class="pa-sev pa-sev-{e(m.get("severity", "").lower())}">'
                 f'{e(m.get("severity", ""))}</span><div class="pa-summary">'
                 f'{e(m.get("summary", ""))}</div>' if m else "")
        out.append(f'<li><b>{e(r.kind)}</b> <code>{e(r.change_id)}</code> {e(r.summary)} '
                   f"{ids}{means}</li>")
    out.append("</ul>")
    return "".join(out)


def error_box(message: str) -> str:
    return f'<div class="pa-error">{e(message)}</div>'
