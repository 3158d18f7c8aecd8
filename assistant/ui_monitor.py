"""HTML for the monitoring parts of the web app: a record's activity, stability, prevalence,
regulations and citation block, and the Watches tab (watches and the digest). Kept apart from
gradio and tested without a browser; every value is escaped like everything in ``ui_html``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.ui_basics import e, record_button, safe_url


def _button(record_id: str) -> str:
    return record_button(record_id)


def _link(url: str, label: str) -> str:
    """A link to a regulation's official text (from the reviewed map, never from the corpus)."""
    href = safe_url(url)
    if not href:
        return ""
    return (f'<a class="pa-reg-src" href="{e(href)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">{e(label)}</a>')


def severity_badge(level: str) -> str:
    return f'<span class="pa-sev pa-sev-{e(level.lower())}">{e(level)}</span>' if level else ""


def change_item(line: Any, with_ids: bool = True) -> str:
    ids = " ".join(_button(r) for r in line.record_ids) if with_ids else ""
    return (f'<li class="pa-change" data-change="{e(line.change_id)}">{e(line.date)} '
            f'<b class="pa-kind">{e(line.label)}</b> {severity_badge(line.severity)} '
            f'<span class="pa-summary">{e(line.summary)}</span> '
            f'<code>{e(line.change_id)}</code> {ids}'
            f'<div class="pa-reason">{e(line.reason)}</div></li>')


def monitor_html(m: Any, recent_shown: int = 10) -> str:
    """The record page's monitoring sections."""
    parts = []
    act = m.activity
    if act is not None:
        items = "".join(change_item(c) for c in m.recent[:recent_shown])
        more = (f'<p class="pa-more">… and {len(m.recent) - recent_shown} more in the Changes '
                "tab.</p>" if len(m.recent) > recent_shown else "")
        parts.append(f'<section class="pa-activity"><h4>Recent activity</h4>'
                     f"<p>{e(act.sentence())}</p>"
                     f'{"<ul>" + items + "</ul>" if items else ""}{more}</section>')
    s = m.stability
    cells = [("Changes", s.changes), ("Months monitored", s.months),
             ("First seen", s.first_seen or "?"), ("Last seen", s.last_seen or "?")]
    figures = "".join(f'<td><div class="pa-fig">{e(v)}</div><div>{e(k)}</div></td>'
                      for k, v in cells)
    history = "".join(change_item(c) for c in m.history)
    earlier = (f"<p>Earlier wordings: {' '.join(_button(r) for r in s.earlier)}</p>"
               if s.earlier else "")
    parts.append(f'<section class="pa-stability"><h4>Clause stability: '
                 f'<span class="pa-status">{e(s.status)}</span></h4>'
                 f'<table class="pa-figures"><tr>{figures}</tr></table>'
                 f"<p>{e(s.sentence())}</p>{earlier}"
                 f'{"<h5>Change history</h5><ul>" + history + "</ul>" if history else ""}'
                 "</section>")
    if m.severity:
        parts.append(f'<p class="pa-change-severity">Change severity: '
                     f"{severity_badge(m.severity)} (the most severe of this clause's "
                     "changes)</p>")
    prev = "".join(f"<li>{e(p.sentence())}</li>" for p in m.prevalence)
    note = f'<p class="pa-empty">{e(m.prevalence_note)}</p>' if m.prevalence_note else ""
    parts.append(f'<section class="pa-prevalence"><h4>Prevalence</h4>'
                 f'{"<ul>" + prev + "</ul>" if prev else ""}{note}</section>')
    parts.append(regulations_html(m.regulations, m.agencies, m.notice))
    c = m.citation
    parts.append(f'<section class="pa-citation"><h4>Citation record</h4>'
                 f'<pre class="pa-cite-plain">{e(c.plain())}</pre>'
                 f'<details><summary>BibTeX</summary><pre class="pa-cite-bibtex">'
                 f"{e(c.bibtex())}</pre></details></section>")
    return "".join(parts)


def regulations_html(engagements: Sequence[Any], agencies: Sequence[tuple[str, str]],
                     notice: str) -> str:
    items = []
    for eng in engagements:
        r = eng.regulation
        sources = " ".join(_link(u, "source") for u in eng.to_dict()["sources"])
        items.append(f'<li class="pa-reg" data-regulation="{e(r.id)}"><b>{e(r.name)}</b> '
                     f'<span class="pa-jurisdiction">{e(r.jurisdiction)}</span> · '
                     f"{e(eng.provisions or 'named in the clause')}"
                     f'<div class="pa-reg-title">{e(r.title)}; engaged by '
                     f"{e(', '.join(eng.triggers))}</div>"
                     f'<div class="pa-reg-why">{e("; ".join(x.why for x in eng.rules))}</div>'
                     f"<div>{sources}</div></li>")
    body = ("<ul>" + "".join(items) + "</ul>" if items
            else '<p class="pa-empty">None in the map for its categories and wording.</p>')
    ag = ("<p><b>Applicable agencies:</b> "
          + "; ".join(f"{e(a)} ({e(regs)})" for a, regs in agencies) + "</p>"
          if agencies else "")
    return (f'<section class="pa-regulations"><h4>Regulations this clause engages</h4>{body}'
            f'{ag}<p class="pa-notice">{e(notice)}</p></section>')


# ---- the Watches tab ------------------------------------------------------------------------

def watches_html(watches: Sequence[Any]) -> str:
    if not watches:
        return ('<p class="pa-empty">No watches yet. Pick a platform (and, if you like, one '
                "document type or category) and add a watch.</p>")
    rows = "".join(f'<tr data-watch="{e(w.watch_id)}"><td>{e(w.watch_id)}</td>'
                   f"<td>{e(w.platform)}</td><td>{e(w.doc_type or 'all documents')}</td>"
                   f"<td>{e(w.category or 'all categories')}</td><td>{e(w.created)}</td></tr>"
                   for w in watches)
    return ('<table class="pa-table pa-watches"><thead><tr><th>Watch</th><th>Platform</th>'
            "<th>Document</th><th>Category</th><th>Since</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def digest_html(d: Any) -> str:
    """The digest: one group per document and version pair, each change with its meaning,
    severity and record IDs (buttons that open the records)."""
    head = f'<p class="pa-digest-head">{e(len(d.items))} {e(d.basis)}.</p>'
    if d.formatting_only:
        head += (f'<p class="pa-empty">{e(d.formatting_only)} formatting-only change(s) or '
                 "moves are not listed.</p>")
    out = [head]
    group = None
    for item in d.items:
        r, m = item.record, item.meaning
        key = (r.platform, r.doc_type, r.from_date, r.to_date)
        if key != group:
            if group is not None:
                out.append("</ul>")
            out.append(f"<h5>{e(r.platform)} — {e(r.doc_type)}, {e(r.from_date)} → "
                       f"{e(r.to_date)}</h5><ul>")
            group = key
        ids = " ".join(_button(i) for i in [*r.old_ids, *r.new_ids])
        out.append(f'<li class="pa-change" data-change="{e(r.change_id)}">'
                   f'<b class="pa-kind">{e(m.label)}</b> {severity_badge(m.severity)} '
                   f'<span class="pa-summary">{e(m.summary)}</span> '
                   f"<code>{e(r.change_id)}</code> {ids}"
                   f'<div class="pa-reason">{e(m.reason)}</div></li>')
    if group is not None:
        out.append("</ul>")
    return f'<div class="pa-digest">{"".join(out)}</div>'
