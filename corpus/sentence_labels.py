"""Hand-labelled sentences for training (``corpus/sentence_labels.jsonl.xz``, rules and
provenance in ``corpus/sentence_labels.md``).

The file holds labels, not text: each row names a sentence by its document (collection,
platform, document type of the Open Terms Archive snapshot) and its position ``n`` among the
document's sentences, as the project's own segmenter and sentence splitter cut them, plus the
first 16 hex digits of the text's SHA-256. ``texts`` rebuilds the sentences from a copy of the
snapshot and refuses rows whose text no longer matches (another snapshot, another segmenter).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from corpus.errors import BadInput
from corpus.packed import open_text

if TYPE_CHECKING:
    from corpus.models import Document

LABELS_FILE = Path(__file__).parent / "sentence_labels.jsonl.xz"  # packed: about 12x smaller
MIN_CHARS = 20  # sentences shorter than this were never numbered
# batches of contiguous runs drawn at random (`python -m evals.label_batch draw`): thresholds
# and out-of-fold figures are taken on these only. Every later batch was chosen by a model
# (`select`: sentences its severity gate finds hard); such batches train but over-represent
# hard cases. A new batch counts as chosen unless added here, the safe default: forgetting
# costs threshold rows, never biases them. 0 is a row that names no batch (a labels file of
# one's own, written without batches): taken as drawn at random, as such files were before.
RANDOM_BATCHES = frozenset({0, 1, 2, 3, 4, 5})


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    collection: str
    platform: str
    doc_type: str
    n: int
    sha256: str
    labels: tuple[str, ...]
    severity: str  # high | medium | low | favourable | none
    batch: int = 0  # the labelling batch (corpus/sentence_labels.md); 0 when not given

    @property
    def against_user(self) -> bool:
        """The severity decision the label model's severity gate learns: High or Medium."""
        return self.severity in ("high", "medium")

    @property
    def drawn_at_random(self) -> bool:
        """From a random run (threshold and figures are taken on these), not model-selected."""
        return self.batch in RANDOM_BATCHES


def read_labels(path: Path | None = None) -> list[LabelledSentence]:
    path = path or LABELS_FILE
    rows = []
    with open_text(path) as fh:
        lines = fh.read().splitlines()
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            rows.append(LabelledSentence(r["id"], r["collection"], r["platform"], r["doc_type"],
                                         int(r["n"]), r["sha256"], tuple(r["labels"]),
                                         r["severity"], int(r.get("batch", 0))))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadInput(f"{path}:{i}: not a labelled sentence ({exc})") from None
    return rows


def document_sentences(text: str) -> list[str]:
    """A document's sentences in order, numbered as the labels number them."""
    return [sentence for sentence, _ in sentences_with_sections(text)]


def sentences_with_sections(text: str) -> list[tuple[str, str]]:
    """(sentence, section path) in ``document_sentences``' order."""
    from corpus.segment import segment
    from corpus.text import sentence_spans

    return [(seg.text[s:e], seg.section) for seg in segment(text)
            for s, e in sentence_spans(seg.text) if e - s >= MIN_CHARS]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def current_documents(ota_root: Path) -> dict[tuple[str, str, str], Document]:
    """The snapshot's current documents by (collection, platform, document type)."""
    from corpus.loaders.ota import load_ota

    if not (ota_root / "MANIFEST.jsonl").is_file():
        raise BadInput(f"{ota_root} is not an Open Terms Archive snapshot (no MANIFEST.jsonl); "
                       "the labelled sentences are rebuilt from ../shared/policy-docs/ota")
    return {(d.collection, d.platform, d.doc_type): d
            for d in load_ota(ota_root, lambda problem: None) if d.kind == "current"}


def texts(rows: list[LabelledSentence], ota_root: Path) -> list[str]:
    """The text of every row, from the OTA snapshot at ``ota_root`` (current documents)."""
    wanted = {(r.collection, r.platform, r.doc_type) for r in rows}
    sentences = {key: document_sentences(d.text)
                 for key, d in current_documents(ota_root).items() if key in wanted}
    out = []
    for r in rows:
        doc = sentences.get((r.collection, r.platform, r.doc_type))
        if doc is None:
            raise BadInput(f"{r.id}: {r.platform} {r.doc_type} ({r.collection}) is not in "
                           f"{ota_root}")
        if r.n >= len(doc) or digest(doc[r.n]) != r.sha256:
            raise BadInput(f"{r.id}: sentence {r.n} of {r.platform} {r.doc_type} does not match "
                           "the labelled text (another snapshot or segmenter?)")
        out.append(doc[r.n])
    return out
