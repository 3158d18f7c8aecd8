"""The digest of watched changes (corpus/watches.py) as Markdown, JSON or RSS 2.0."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

FORMATS = ("md", "json", "rss")
DEFAULT_LINK = "http://127.0.0.1:7860/"  # `policy-assistant serve`: ?record=ID opens a record


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown(d: Any) -> str:
    out = [f"# Digest of watched changes ({d.generated})", "",
           f"{len(d.items)} {d.basis}, for: "
           + ("; ".join(f"{w.describe()} (watch {w.watch_id})" for w in d.watches)
              or "no watches (add one with `policy-assistant watch add PLATFORM`)") + "."]
    if d.formatting_only:
        out.append(f"{d.formatting_only} formatting-only change(s) or moves are not listed.")
    group = None
    for item in d.items:
        r = item.record
        key = (r.platform, r.doc_type, r.from_date, r.to_date)
        if key != group:
            out += ["", f"## {r.platform} — {r.doc_type}, {r.from_date} → {r.to_date}", ""]
            group = key
        m = item.meaning
        ids = " ".join(f"`{i}`" for i in [*r.old_ids, *r.new_ids])
        out.append(f"- **{_md(m.label)}** · {m.severity} · `{r.change_id}` — {_md(m.summary)}"
                   f" ({_md(m.reason)}; records {ids})")
    return "\n".join(out) + "\n"


def as_json(d: Any) -> str:
    return json.dumps(d.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _rfc822(day: str) -> str:
    try:
        when = dt.datetime.fromisoformat(day.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return format_datetime(when)


def rss(d: Any, link: str = DEFAULT_LINK) -> str:
    feed = ET.Element("rss", version="2.0")
    chan = ET.SubElement(feed, "channel")
    ET.SubElement(chan, "title").text = "policy-assistant: watched changes"
    ET.SubElement(chan, "link").text = link
    ET.SubElement(chan, "description").text = (
        f"{d.basis.capitalize()}, for: " + "; ".join(w.describe() for w in d.watches))
    ET.SubElement(chan, "lastBuildDate").text = _rfc822(d.generated)
    for item in d.items:
        r, m = item.record, item.meaning
        node = ET.SubElement(chan, "item")
        ET.SubElement(node, "title").text = (f"{r.platform} {r.doc_type}: {m.label} "
                                             f"({m.severity})")
        rid = (r.new_ids or r.old_ids)[0]
        ET.SubElement(node, "link").text = f"{link}?record={quote(rid)}"
        ET.SubElement(node, "description").text = (
            f"{m.summary} — {m.reason}. Records: {' '.join([*r.old_ids, *r.new_ids])}.")
        ET.SubElement(node, "guid", isPermaLink="false").text = r.change_id
        ET.SubElement(node, "pubDate").text = _rfc822(r.to_date)
        ET.SubElement(node, "category").text = m.kind
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(feed, encoding="unicode") \
        + "\n"


def render(d: Any, fmt: str = "md", link: str = DEFAULT_LINK) -> str:
    if fmt == "json":
        return as_json(d)
    if fmt == "rss":
        return rss(d, link)
    return markdown(d)
