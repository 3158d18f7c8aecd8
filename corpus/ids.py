"""Record, document and version IDs.

A record ID is ``<platform-slug>-xxxx-xxxx-xxxx``: the platform is readable at a glance and the
twelve Crockford base32 characters (no I, L, O, U: nothing to misread when typing) carry 60 bits
of a SHA-256 over the document key and the clause's normalised text. The same clause text in the
same document therefore gets the same ID on every ingest and in every version, wherever it
moves; any change of wording gives a new ID.

Collisions: for n clauses and b = 60 bits the birthday bound gives
P(any collision) <= n(n-1)/2 / 2^b. At n = 10^6 that is 5.0e11 / 1.15e18 = 4.3e-7, and since IDs
only share a prefix within one platform the real risk is lower still. The store refuses a
second text under an existing ID, so a collision would stop an ingest rather than pass silently.
"""

from __future__ import annotations

import hashlib

from corpus.text import normalise, slugify

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
RECORD_BITS = 60


def b32(digest: bytes, chars: int) -> str:
    value = int.from_bytes(digest, "big")
    out = []
    for _ in range(chars):
        value, rem = divmod(value, 32)
        out.append(_CROCKFORD[rem])
    return "".join(out)


def platform_slug(platform: str) -> str:
    return slugify(platform, limit=20)


def doc_type_abbrev(doc_type: str) -> str:
    """'Terms of Service' -> 'tos', 'Privacy Policy' -> 'pp'."""
    letters = [w[0] for w in slugify(doc_type, limit=60).split("-") if w]
    return "".join(letters)[:6] or "doc"


def document_key(collection: str, platform: str, doc_type: str) -> str:
    return f"{collection}\x1f{platform}\x1f{doc_type}"


def document_id(collection: str, platform: str, doc_type: str) -> str:
    """``coursera-tos-k3m9``: platform, document type, and 20 bits to keep collections apart."""
    digest = hashlib.sha256(document_key(collection, platform, doc_type).encode()).digest()
    return f"{platform_slug(platform)}-{doc_type_abbrev(doc_type)}-{b32(digest, 4)}"


def version_id(doc_id: str, version_date: str, sha256: str) -> str:
    """``coursera-tos-k3m9@2026-05-27.1a2b``: the document, its date and its content."""
    return f"{doc_id}@{version_date}.{sha256[:4]}"


def record_id(platform: str, doc_key: str, text: str, occurrence: int = 0) -> str:
    """Content-addressed clause ID; ``occurrence`` tells apart repeats inside one document."""
    payload = f"{doc_key}\x1e{normalise(text)}"
    if occurrence:
        payload += f"\x1e{occurrence}"
    digest = hashlib.sha256(payload.encode()).digest()
    code = b32(digest, RECORD_BITS // 5)
    return f"{platform_slug(platform)}-{code[:4]}-{code[4:8]}-{code[8:12]}"


def text_key(text: str) -> str:
    """Key of an embedding input: identical texts are embedded once."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]
