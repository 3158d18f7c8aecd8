"""Single saved web pages: a clause record page of a governance-monitoring site, or any other
page (an announcement, a blog post) taken as one document."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from corpus.loaders import MAX_BYTES, Report, read_text
from corpus.models import Document, SeedRecord

_MONTH_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
    r" (\d{1,2}), (\d{4})\b"
)


def _iso(text: str) -> str:
    m = _MONTH_DATE.search(text)
    if not m:
        return ""
    return dt.datetime.strptime(" ".join(m.groups()), "%B %d %Y").date().isoformat()


def _field(text: str, label: str) -> str:
    """The value on the line after a label line ('Record ID' / 'CA-P-012894')."""
    m = re.search(rf"^{re.escape(label)}\s*\n\s*(.+?)\s*$", text, re.M)
    return m.group(1).strip() if m else ""


def _list_after(lines: list[str], label: str) -> list[str]:
    """Non-blank lines right under a label, up to the first blank line."""
    if label not in lines:
        return []
    out = []
    for ln in lines[lines.index(label) + 1:]:
        if not ln:
            break
        out.append(ln)
    return out


def is_record_page(text: str) -> bool:
    return "Record ID" in text and "View Original Clause Language" in text


def load_page(path: Path, report: Report, max_bytes: int = MAX_BYTES
              ) -> Document | SeedRecord | None:
    """A page; its source is the URL a record page names, else the file name: never the path
    on this machine's disk, which the web app would show to everyone."""
    text = read_text(path, report, max_bytes)
    if text is None:
        return None
    if is_record_page(text):
        return parse_record_page(text, path.name)
    return parse_announcement(text, path.name, path)


def parse_record_page(text: str, source: str) -> SeedRecord:
    first = text.strip().splitlines()[0]
    parts = [p.strip() for p in first.split("·")]
    platform = parts[0]
    document = parts[1] if len(parts) > 1 else ""
    lines = [ln.strip() for ln in text.splitlines()]
    heading = next((ln for ln in lines[1:] if ln), "")
    m = re.search(r"View Original Clause Language[^\n]*\n\s*\"?\s*\n(.+?)\n\s*\n?— Excerpt", text,
                  re.S)
    clause = m.group(1).strip().strip('"').strip() if m else ""
    doc_type = "Terms of Service" if re.search(r"terms", document, re.I) else document
    sev = re.search(r"^Severity\s*\n\s*(\w+)", text, re.M)
    prevalence = re.search(r"(\d+) of (\d+) platforms", text)
    meta = {
        "document": document,
        "severity": sev.group(1) if sev else "",
        "categories": _list_after(lines, "Categories"),
        "heading": heading,
        "first_tracked": _iso(_field(text, "First tracked")),
        "last_verified": _iso(_field(text, "Last verified")),
        "document_last_updated": _iso(_field(text, "Document last updated")),
        "captured": (_field(text, "Analysis generated") or ""),
        "source_sha256": _field(text, "Content hash (SHA-256)"),
        "prevalence": prevalence.group(0) if prevalence else "",
        "page_sha256": hashlib.sha256(text.encode()).hexdigest(),
    }
    url = re.search(r"^URL:\s*(\S+)", text, re.M)
    return SeedRecord(
        record_id=_field(text, "Record ID"),
        document_id=_field(text, "Document ID"),
        platform=platform,
        doc_type=doc_type,
        section=heading,
        text=clause,
        source=url.group(1) if url else source,
        meta=meta,
    )


def parse_announcement(text: str, source: str, path: Path) -> Document:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    platform = lines[0] if lines else path.stem
    date = _iso(text) or dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    # the title is the line just before the first date line
    title, body = "", text
    for i, ln in enumerate(lines):
        if _MONTH_DATE.fullmatch(ln) and i:
            title = lines[i - 1]
            body = f"# {title}\n\n" + text.split(ln, 1)[1]
            break
    body = _strip_page_chrome(body)
    return Document(platform, "Announcement", date, source, body, collection="pages",
                    meta={"title": title})


_ARTICLE_END = re.compile(r"^[ \t]*(?:Keep reading|Related (?:posts|articles|stories))[ \t]*$",
                          re.M | re.I)


def _strip_page_chrome(text: str) -> str:
    """Bullet-point menus and share buttons become blank lines; the prose stays. Everything
    from "Keep reading" on (links to other posts, the site footer) is not the article."""
    end = _ARTICLE_END.search(text)
    if end:
        text = text[:end.start()]
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("•") or s.startswith("Share") or s in ("Mail", "Send email Mail"):
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)
