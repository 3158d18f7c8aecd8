"""Which rules a clause engages: a reviewed map (``regulations.json``) from clause categories
(``taxonomy.json`` slugs) and from attributes read off the text (personal data, automated
access, arbitration, auto-renewal) to regulations and agencies, each entry with its source.

A clause engages a regulation when one of its categories or attributes is mapped to it, or when
it names the regulation itself. That says what law governs the subject of the clause; it is
never a finding that the clause complies, applies to someone or is enforceable (``NOTICE``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from corpus.taxonomy import load_taxonomy

MAP_FILE = "regulations.json"
MAP_VERSION = 1


@dataclass(frozen=True)
class Regulation:
    id: str
    name: str
    title: str
    jurisdiction: str
    agencies: tuple[str, ...]
    source: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """One reviewed entry: a category or an attribute engages a regulation's provisions."""

    regulation: str
    provisions: str
    why: str
    source: str
    category: str = ""
    attribute: str = ""


@dataclass
class Engagement:
    """A regulation a clause engages, with every entry of the map that led there."""

    regulation: Regulation
    rules: list[Rule] = field(default_factory=list)
    # "category payments-refunds", "attribute auto-renewal (“free trial”)", "the clause names it"
    triggers: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)  # the words that matched an attribute

    @property
    def provisions(self) -> str:
        """The provisions of every entry, each named once ("Art. 5, Art. 6, Art. 13")."""
        parts = [p.strip() for r in self.rules for p in r.provisions.split(",") if p.strip()]
        return ", ".join(dict.fromkeys(parts))

    def to_dict(self) -> dict[str, Any]:
        r = self.regulation
        return {"id": r.id, "name": r.name, "title": r.title, "jurisdiction": r.jurisdiction,
                "agencies": list(r.agencies), "provisions": self.provisions,
                "why": [x.why for x in self.rules], "triggers": self.triggers,
                "evidence": self.evidence,
                "sources": list(dict.fromkeys([*(x.source for x in self.rules), r.source]))}


@dataclass(frozen=True)
class RegulationMap:
    notice: str
    reviewed: str
    regulations: dict[str, Regulation]
    attributes: dict[str, tuple[str, re.Pattern[str]]]  # name -> (description, pattern)
    rules: tuple[Rule, ...]


_URL = re.compile(r"^https://[\w.-]+/\S*$")


def parse_map(raw: Any, known_slugs: set[str]) -> RegulationMap:
    """Validate decoded ``regulations.json``; ValueError names the bad entry."""
    if not isinstance(raw, dict) or raw.get("version") != MAP_VERSION:
        raise ValueError(f"regulation map must be an object with version {MAP_VERSION}")
    regs: dict[str, Regulation] = {}
    for rid, r in (raw.get("regulations") or {}).items():
        for key in ("name", "title", "jurisdiction", "source"):
            if not isinstance(r.get(key), str) or not r[key].strip():
                raise ValueError(f"regulation {rid!r}: missing {key}")
        if not _URL.match(r["source"]):
            raise ValueError(f"regulation {rid!r}: source is not an https URL")
        regs[rid] = Regulation(rid, r["name"], r["title"], r["jurisdiction"],
                               tuple(r.get("agencies", [])), r["source"],
                               tuple(r.get("aliases", [])))
    attrs: dict[str, tuple[str, re.Pattern[str]]] = {}
    for name, a in (raw.get("attributes") or {}).items():
        try:
            attrs[name] = (a["description"], re.compile(a["pattern"], re.I))
        except (KeyError, re.error) as exc:
            raise ValueError(f"attribute {name!r}: {exc}") from None
    rules = []
    for i, e in enumerate(raw.get("map") or []):
        cat, attr = e.get("category", ""), e.get("attribute", "")
        if bool(cat) == bool(attr):
            raise ValueError(f"map entry #{i}: give a category or an attribute, not both")
        if cat and cat not in known_slugs:
            raise ValueError(f"map entry #{i}: unknown category {cat!r}")
        if attr and attr not in attrs:
            raise ValueError(f"map entry #{i}: unknown attribute {attr!r}")
        if e.get("regulation") not in regs:
            raise ValueError(f"map entry #{i}: unknown regulation {e.get('regulation')!r}")
        if not _URL.match(str(e.get("source", ""))):
            raise ValueError(f"map entry #{i}: no https source")
        if not str(e.get("provisions", "")).strip() or not str(e.get("why", "")).strip():
            raise ValueError(f"map entry #{i}: provisions and why are required")
        rules.append(Rule(e["regulation"], e["provisions"], e["why"], e["source"], cat, attr))
    if not str(raw.get("notice", "")).strip():
        raise ValueError("regulation map: the notice (not a legal determination) is required")
    return RegulationMap(raw["notice"], str(raw.get("reviewed", "")), regs, attrs, tuple(rules))


@cache
def load_map() -> RegulationMap:
    text = resources.files("corpus").joinpath(MAP_FILE).read_text(encoding="utf-8")
    return parse_map(json.loads(text), {c.slug for c in load_taxonomy()})


def attributes(text: str) -> dict[str, str]:
    """Attribute name -> the first words in ``text`` that show it."""
    out = {}
    for name, (_, pattern) in load_map().attributes.items():
        m = pattern.search(text)
        if m:
            out[name] = m.group(0)
    return out


def _alias_pattern(alias: str) -> re.Pattern[str]:
    edge = r"\b" if alias[:1].isalnum() else ""
    end = r"\b" if alias[-1:].isalnum() else ""
    flags = 0 if alias.isupper() else re.I  # "DSA", "FAA": as written, not inside words
    return re.compile(edge + re.escape(alias) + end, flags)


def named_in(text: str) -> list[Regulation]:
    """Regulations the text names (by name or alias), in map order."""
    return [r for r in load_map().regulations.values()
            if any(_alias_pattern(a).search(text) for a in (r.name, *r.aliases))]


def engaged(text: str, categories: Iterable[str] = ()) -> list[Engagement]:
    """The regulations a clause engages, from its categories (a trailing "?" — an unsure
    label — is ignored), the attributes of its text and the regulations it names."""
    m = load_map()
    slugs = {c.rstrip("?") for c in categories if not c.endswith("?")}
    found = attributes(text)
    out: dict[str, Engagement] = {}
    for rule in m.rules:
        if rule.category and rule.category in slugs:
            trigger = f"category {rule.category}"
        elif rule.attribute and rule.attribute in found:
            trigger = f"attribute {rule.attribute} (“{found[rule.attribute]}”)"
        else:
            continue
        e = out.setdefault(rule.regulation, Engagement(m.regulations[rule.regulation]))
        if not any(r.provisions == rule.provisions and r.why == rule.why for r in e.rules):
            e.rules.append(rule)
        if trigger not in e.triggers:
            e.triggers.append(trigger)
        if rule.attribute and found[rule.attribute] not in e.evidence:
            e.evidence.append(found[rule.attribute])
    for reg in named_in(text):
        e = out.setdefault(reg.id, Engagement(reg))
        e.triggers.append("the clause names it")
    order = list(m.regulations)
    return sorted(out.values(), key=lambda e: order.index(e.regulation.id))


def agencies(engagements: Sequence[Engagement]) -> list[tuple[str, str]]:
    """(agency, regulation names) for every agency the engagements name."""
    out: dict[str, list[str]] = {}
    for e in engagements:
        for a in e.regulation.agencies:
            out.setdefault(a, [])
            if e.regulation.name not in out[a]:
                out[a].append(e.regulation.name)
    return [(a, ", ".join(names)) for a, names in out.items()]
