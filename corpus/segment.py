"""Heading-aware clause segmentation of markdown (and plain-text) policy documents.

A clause is one provision: a paragraph, a lead-in with its list, or a table, under the path of
headings that contain it. Very long blocks are cut at sentence boundaries, fragments too small
to stand alone are merged into a neighbour of the same section, and navigation residue (link
lists, cookie banners, "Back to top") is dropped. Offsets always point into the source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.models import Segment
from corpus.text import clean_markdown, sentence_spans

MAX_CHARS = 1500  # blocks longer than this are split at sentence boundaries...
TARGET_CHARS = 900  # ...into chunks of about this size
MIN_CHARS = 60  # shorter blocks are merged into a neighbour in the same section

_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_HR = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_LIST = re.compile(r"^\s*(?:[*+-]|\d{1,3}[.)]|\(?[a-z]{1,4}\))\s+", re.I)
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(?P<t>[^*_].{0,100}?[^.;,!?])\1\s*:?\s*$")
_BULLET = re.compile(r"^[ \t]*[*+-][ \t]+", re.M)
_LINK_ONLY = re.compile(r"^\s*(?:[*+-]\s*)?(?:!?\[[^\]]*\]\([^)]*\)[\s|·•,]*)+$")
_RESIDUE = {
    "skip to main content", "back to top", "top", "print", "share", "table of contents",
    "contents", "menu", "close", "open menu", "search", "log in", "sign in", "sign up",
    "download pdf", "print this page", "expand all", "collapse all", "previous", "next",
}
_COOKIE_BANNER = re.compile(
    r"accept all|reject all|allow all|cookie settings|cookie preferences|manage cookies", re.I
)


@dataclass
class _Block:
    kind: str  # heading | text | list | table
    start: int
    end: int
    level: int = 0
    title: str = ""


def segment(text: str) -> list[Segment]:
    """Cut ``text`` into clauses with section paths and exact source offsets."""
    blocks = _blocks(text)
    pieces = _attach(text, blocks)
    return _finish(text, pieces)


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        out.append((pos, pos + len(body), body))
        pos += len(line)
    return out


def _blocks(text: str) -> list[_Block]:
    lines = _lines(text)
    blocks: list[_Block] = []
    cur: _Block | None = None

    def close() -> None:
        nonlocal cur
        if cur is not None:
            blocks.append(cur)
            cur = None

    i = 0
    while i < len(lines):
        start, end, body = lines[i]
        nxt = lines[i + 1][2] if i + 1 < len(lines) else ""
        if not body.strip():
            # a blank line ends a paragraph; a list goes on if the next item follows
            if cur is not None and cur.kind == "list" and _LIST.match(_next_nonblank(lines, i)):
                i += 1
                continue
            close()
        elif m := _ATX.match(body):
            close()
            blocks.append(_Block("heading", start, end, len(m.group(1)), m.group(2)))
        elif (_SETEXT.match(nxt) and cur is None and not _LIST.match(body)
              and not _HR.match(body) and len(body.strip()) < 200):
            close()
            level = 1 if nxt.strip().startswith("=") else 2
            blocks.append(_Block("heading", start, end, level, body.strip()))
            i += 2
            continue
        elif _HR.match(body):
            close()
        elif (bold := _BOLD_LINE.match(body)) and cur is None and not _next_is_text_same_para(nxt):
            blocks.append(_Block("heading", start, end, 7, bold.group("t")))
        elif _LIST.match(body):
            if cur is None or cur.kind not in ("list",):
                close()
                cur = _Block("list", start, end)
            else:
                cur.end = end
        elif body.lstrip().startswith("|"):
            if cur is None or cur.kind != "table":
                close()
                cur = _Block("table", start, end)
            else:
                cur.end = end
        else:
            if cur is None:
                cur = _Block("text", start, end)
            elif cur.kind == "list" and body.startswith((" ", "\t")):
                cur.end = end  # continuation of a list item
            elif cur.kind in ("list", "table"):
                close()
                cur = _Block("text", start, end)
            else:
                cur.end = end
        i += 1
    close()
    return blocks


def _next_nonblank(lines: list[tuple[int, int, str]], i: int) -> str:
    for _, _, body in lines[i + 1:]:
        if body.strip():
            return body
    return ""


def _next_is_text_same_para(nxt: str) -> bool:
    return bool(nxt.strip()) and not _LIST.match(nxt)


@dataclass
class _Piece:
    section: str
    start: int
    end: int


def _attach(text: str, blocks: list[_Block]) -> list[_Piece]:
    """Give each body block its section path; join lists to the paragraph that leads in."""
    stack: list[tuple[int, str]] = []
    pieces: list[_Piece] = []
    seen_body = False
    prev_kind = ""
    lead_in: int | None = None  # start of a heading that ends with ':' (it leads into a list)
    for b in blocks:
        if b.kind == "heading":
            title = _heading_text(b.title)
            if clean_markdown(b.title).rstrip().endswith(":"):
                # its words open the clause; like any heading it closes its sibling sections
                while stack and stack[-1][0] >= b.level:
                    stack.pop()
                lead_in = b.start
                continue
            lead_in = None
            if not seen_body and b.level == 1 and not stack:
                stack.append((0, ""))  # the document's own title: not part of paths
            elif title:
                while stack and stack[-1][0] >= b.level:
                    stack.pop()
                stack.append((b.level, title))
            prev_kind = "heading"
            continue
        seen_body = True
        section = " > ".join(t for _, t in stack if t)
        body = text[b.start:b.end]
        if _is_residue(body):
            continue
        if lead_in is not None:
            b = _Block(b.kind, lead_in, b.end)
            lead_in = None
            pieces.append(_Piece(section, b.start, b.end))
            prev_kind = b.kind
            continue
        if (b.kind == "list" and pieces and prev_kind == "text"
                and pieces[-1].section == section
                and text[pieces[-1].start:pieces[-1].end].rstrip().endswith((":", "-", "—"))):
            pieces[-1].end = b.end
        else:
            pieces.append(_Piece(section, b.start, b.end))
        prev_kind = b.kind
    return pieces


def _heading_text(raw: str) -> str:
    title = clean_markdown(raw).strip().strip(":").strip()
    title = re.sub(r"\s+", " ", title)
    return title[:120]


def _is_residue(body: str) -> bool:
    lines = [ln for ln in body.splitlines() if ln.strip()]
    if lines and all(_LINK_ONLY.match(ln) for ln in lines):
        return True
    plain = clean_markdown(body)
    letters = sum(ch.isalpha() for ch in plain)
    if letters < 3:
        return True
    if plain.lower().strip(" .:") in _RESIDUE:
        return True
    return len(plain) < 400 and bool(_COOKIE_BANNER.search(plain)) and "accept" in plain.lower()


def _finish(text: str, pieces: list[_Piece]) -> list[Segment]:
    merged: list[_Piece] = []
    for p in pieces:
        small = len(clean_markdown(text[p.start:p.end])) < MIN_CHARS
        if merged and merged[-1].section == p.section and (
            small or len(clean_markdown(text[merged[-1].start:merged[-1].end])) < MIN_CHARS
        ) and p.end - merged[-1].start <= MAX_CHARS:
            merged[-1].end = p.end
        else:
            merged.append(_Piece(p.section, p.start, p.end))
    out: list[Segment] = []
    for p in merged:
        for s, e in _split_long(text, p.start, p.end):
            shown = display_text(text[s:e])
            if shown:
                out.append(Segment(shown, p.section, s, e))
    return out


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= MAX_CHARS:
        return [(start, end)]
    chunks: list[tuple[int, int]] = []
    c_start = c_end = None
    for s, e in sentence_spans(text[start:end]):
        s, e = s + start, e + start
        if c_start is None:
            c_start, c_end = s, e
        elif e - c_start > TARGET_CHARS and c_end is not None:
            chunks.append((c_start, c_end))
            c_start, c_end = s, e
        else:
            c_end = e
    if c_start is not None and c_end is not None:
        if chunks and c_end - c_start < MIN_CHARS * 3:
            chunks[-1] = (chunks[-1][0], c_end)
        else:
            chunks.append((c_start, c_end))
    return chunks


def display_text(markdown: str) -> str:
    """The text users see and quote: markup removed, bullets as '•', spacing tidy."""
    return clean_markdown(_BULLET.sub("• ", markdown))
