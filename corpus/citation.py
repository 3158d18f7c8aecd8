"""A citation block for a clause record, to paste into a filing or a paper: entity, document,
record ID, when the version was captured, its SHA-256, the source URL and the date accessed,
as plain text or in a BibTeX-like form. Everything comes from the stored record; ``accessed``
is the day the citation is made (today unless given)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from corpus.store import ClauseRow


@dataclass(frozen=True)
class CitationBlock:
    entity: str
    document: str
    document_id: str
    version_id: str
    record_id: str
    section: str
    captured: str
    sha256: str
    sha256_of: str  # what the hash is of
    url: str
    accessed: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def plain(self) -> str:
        rows = [("Entity", self.entity),
                ("Document", f"{self.document} ({self.document_id}, version {self.version_id})"),
                ("Record ID", self.record_id)]
        if self.section:
            rows.append(("Section", self.section))
        rows += [("Captured", self.captured), ("SHA-256", f"{self.sha256} ({self.sha256_of})"),
                 ("URL", self.url), ("Accessed", self.accessed)]
        return "\n".join(f"{k}: {v}" for k, v in rows)

    def bibtex(self) -> str:
        title = f"{self.entity}, {self.document}" + (f", “{self.section}”" if self.section
                                                      else "")
        found = re.search(r"\b(?:19|20)\d\d\b", self.captured)
        year = found.group(0) if found else ""
        fields = [("title", _bib(title)), ("author", "{" + _bib(self.entity) + "}"),
                  ("howpublished", "\\url{" + self.url + "}" if self.url else "")]
        if year:
            fields.append(("year", year))
        fields += [("note", _bib(f"Record {self.record_id}; document {self.document_id}, "
                                 f"version {self.version_id}; captured {self.captured}; "
                                 f"SHA-256 {self.sha256} ({self.sha256_of})")),
                   ("urldate", self.accessed)]
        body = ",\n".join(f"  {k:<12} = {{{v}}}" for k, v in fields if v)
        return f"@misc{{{self.record_id},\n{body}\n}}"


def _bib(text: str) -> str:
    """Text safe inside a BibTeX field: braces and TeX specials escaped."""
    text = text.replace("\\", "\\textbackslash{}")
    return re.sub(r"([{}%&$#_])", r"\\\1", text)


def citation_for(clause: ClauseRow, accessed: str | None = None) -> CitationBlock:
    """The citation of a record as stored. A record page imported from a monitoring site
    cites its own captured time and the content hash it states; any other record, the
    version it was read from (its date and the SHA-256 of the version's text)."""
    meta = clause.meta or {}
    seed = bool(meta.get("source_sha256") or meta.get("captured"))
    return CitationBlock(
        entity=clause.platform,
        document=str(meta.get("document") or clause.doc_type),
        document_id=clause.document_id,
        version_id=clause.version_id,
        record_id=clause.record_id,
        section=clause.section,
        captured=str(meta.get("captured") or clause.version_date),
        sha256=str(meta.get("source_sha256") or clause.sha256),
        sha256_of=("source document, as stated on the record page" if meta.get("source_sha256")
                   else "record page as saved" if seed else "text of this version"),
        url=clause.url or clause.source,
        accessed=accessed or dt.date.today().isoformat(),
    )
