"""Text helpers: markdown clean-up, normalisation for IDs, sentence spans, slugs."""

from __future__ import annotations

import re
import unicodedata

_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^()]|\([^)]*\))*\)")
_AUTOLINK = re.compile(r"<(https?://[^>]+)>")
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)|(?<!\w)_(?=\S)|(?<=\S)_(?!\w))")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_LIST_MARK = re.compile(r"^(\s*)(?:[*+-]|\d{1,3}[.)])\s+", re.M)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                         "\u00a0": " ", "\u200b": ""})
_WS = re.compile(r"\s+")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # undecodable bytes (argv) or lone JSON escapes


def plain_text(value: object) -> str:
    """Text as the store and a terminal can take it, for anything a user types: control
    characters become spaces and lone surrogates U+FFFD."""
    return _CONTROL.sub(" ", _SURROGATE.sub("\ufffd", str(value)))


_BR = re.compile(r"<br\s*/?>", re.I)
_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_BLANKS = re.compile(r"[ \t]+")
_LINE_EDGES = re.compile(r" *\n *")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def clean_markdown(text: str) -> str:
    """Markdown markup to plain display text (links keep their words, emphasis goes).

    Each substitution runs only when its trigger character is present: the same output, but
    ingest calls this over half a million times and most paragraphs carry no markup.
    """
    if "<" in text:
        text = _BR.sub("\n", text)
    if "](" in text:
        text = _LINK.sub(lambda m: m.group(1), text)
    if "<" in text:
        text = _AUTOLINK.sub(lambda m: m.group(1), text)
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub("", text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if "#" in text:
        text = _HEADING.sub("", text)
    text = _BLANKS.sub(" ", text)
    if "\n" in text:
        text = _LINE_EDGES.sub("\n", text)
        text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip()


def normalise(text: str) -> str:
    """The form that decides identity: formatting, quotes, case and spacing do not count."""
    text = unicodedata.normalize("NFKC", clean_markdown(text)).translate(_QUOTES)
    text = _LIST_MARK.sub(r"\1", text)
    text = re.sub(r"[*_`#>|]", " ", text)
    return _WS.sub(" ", text).strip().casefold()


def slugify(text: str, limit: int = 24) -> str:
    """ASCII kebab-case slug, cut at a word boundary within ``limit`` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"
    if len(slug) > limit:
        cut = slug[:limit]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return slug


_ABBREV = {
    "e.g", "i.e", "etc", "inc", "ltd", "co", "corp", "no", "vs", "u.s", "u.k", "e.u", "mr", "mrs",
    "ms", "dr", "st", "sec", "art", "para", "approx", "incl", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig", "cf", "al", "llc", "u.s.a", "n.v",
    "b.v", "s.a", "gmbh", "p.o", "viz",
}
_SENT_END = re.compile(
    r"[.!?;:](?:['\")\]]*)(?=\s+|$)|\n(?=\s*(?:[*+•-]|\d{1,3}[.)]|\(\w{1,4}\))\s)|\n(?=\|)")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of sentences (and list items) in ``text``; offsets are exact, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        if m.group(0) in ":;" or m.group(0).startswith(":") or m.group(0).startswith(";"):
            # keep clauses joined by ':' or ';' together unless a list follows
            nxt = text[end:end + 8].lstrip()
            if not re.match(r"(?:[*+-]|\d{1,3}[.)]|\([a-z0-9]{1,4}\))\s", nxt):
                continue
        if m.group(0).startswith("."):
            word = re.search(r"([\w.]+)\.['\")\]]*$", text[start:end])
            if word and (word.group(1).lower() in _ABBREV or len(word.group(1)) == 1):
                continue
            if end < len(text) and text[end:end + 2].strip()[:1].islower():
                continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


# the commonest function words of the languages the corpus has met; a text is English when
# English ones outnumber those of every other language
_STOPWORDS = {
    "English": frozenset("the and of to in that is for you your we our with this are be or by "
                         "as on not any may will".split()),
    "German": frozenset("der die das und zu den von mit sich nicht ist auf für eine ein dem "
                        "sie wir ihre oder werden".split()),
    "French": frozenset("le la les et des du une un est pour que vous nous pas sur dans par "
                        "avec ou vos".split()),
    "Spanish": frozenset("el la los las y de que en del por para con una su sus usted nos "
                         "como".split()),
    "Italian": frozenset("il lo gli e di che per con una del della sono non dei le nostro "
                         "vostro".split()),
    "Portuguese": frozenset("o os as e de que em do da para com uma não seu sua você nós "
                            "pelo".split()),
    "Dutch": frozenset("de het een en van dat die in is voor met niet zijn op je uw we "
                       "onze".split()),
}


_URL = re.compile(r"\S*(?:https?:|//|www\.)\S*")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LETTER = re.compile(r"[^\W\d_]")


def language_of(text: str) -> str:
    """The language whose function words are commonest in ``text``; "a non-Latin script" when
    most letters are not Latin; "English" when the text has too few words to tell."""
    sample = _URL.sub(" ", clean_markdown(text[:30000]))
    letters = len(_LETTER.findall(sample))
    if letters > 200 and len(_LATIN.findall(sample)) < 0.5 * letters:
        return "a non-Latin script"
    found = [w for w in words(sample) if len(w) > 1]
    if len(found) < 30:
        return "English"
    counts = {lang: sum(w in stop for w in found) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 1.5 * counts["English"] else "English"
