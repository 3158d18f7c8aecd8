"""The smallest pieces of the web app's HTML, shared by ``ui_html`` and ``ui_monitor``:
escaping, safe links and the record button."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit


def e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def safe_url(url: str | None) -> str:
    """The URL if it is an absolute http(s) URL with a host, else ''."""
    if not url:
        return ""
    u = str(url).strip()
    try:
        parts = urlsplit(u)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if any(ch in u for ch in "\"'<>` \n\r\t"):
        return ""
    return u


def record_button(record_id: str) -> str:
    return (f'<button type="button" class="pa-rec" data-record="{e(record_id)}" '
            f'title="Open record {e(record_id)}">{e(record_id)}</button>')
