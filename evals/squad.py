"""SQuAD-format QA sets (PolicyQA and any file of that shape) as a corpus plus questions.

Each article becomes one ``Document`` whose platform is the article title (``ticketmaster.com``)
and whose text is its paragraphs joined by blank lines, so the segmenter cuts each paragraph
like any other document. Every question keeps its answers with offsets into that text, so the
gold clauses are the ones whose span overlaps the answer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.errors import BadInput
from corpus.models import Document

SEPARATOR = "\n\n"
DOC_TYPE = "Privacy Policy"
VERSION_DATE = "2015-01-01"  # OPP-115 texts are from about 2015; the files carry no date


@dataclass(frozen=True)
class GoldAnswer:
    text: str
    start: int  # offsets into the article's document text
    end: int


@dataclass(frozen=True)
class SquadQuestion:
    qid: str
    question: str
    platform: str
    answers: tuple[GoldAnswer, ...]
    kind: str = ""  # PolicyQA's OPP-115 "category|||attribute|||value"


@dataclass
class SquadSet:
    path: Path
    sha256: str
    documents: list[Document] = field(default_factory=list)
    questions: list[SquadQuestion] = field(default_factory=list)


def is_squad_file(path: Path) -> bool:
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    with path.open("rb") as fh:
        head = fh.read(4096)
    return b'"data"' in head and (b'"paragraphs"' in head or b'"title"' in head)


def _need(value: Any, kind: type, where: str, what: str) -> None:
    if not isinstance(value, kind):
        raise BadInput(f"{where} is not {what} (a SQuAD file nests data > paragraphs > qas > "
                       "answers)")


def _items(obj: dict, key: str, where: str) -> list:
    """``obj[key]`` as a list (absent: empty); BadInput when it is something else."""
    value = obj.get(key)
    if value is None:
        return []
    _need(value, list, f"{where}: {key!r}", "a list")
    return value


def load_squad(path: Path | str, collection: str = "") -> SquadSet:
    """Read a SQuAD v1.1 file; raise BadInput with the reason when it is not one."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: not a SQuAD JSON file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise BadInput(f"{path}: not a SQuAD JSON file (no 'data' list)")
    out = SquadSet(path, hashlib.sha256(raw).hexdigest())
    collection = collection or f"squad-{path.stem}"
    seen_titles: set[str] = set()
    for n, article in enumerate(data["data"]):
        where = f"{path}: article {n + 1}"
        _need(article, dict, where, "an object")
        title = str(article.get("title") or f"article-{n + 1}").strip()
        if title in seen_titles:
            raise BadInput(f"{path}: two articles are titled {title!r}")
        seen_titles.add(title)
        parts: list[str] = []
        offset = 0
        for p, para in enumerate(_items(article, "paragraphs", where)):
            at = f"{where}, paragraph {p + 1}"
            _need(para, dict, at, "an object")
            context = para.get("context") or ""
            _need(context, str, f"{at}: 'context'", "text")
            if not context.strip():
                continue
            if parts:
                offset += len(SEPARATOR)
            for q, qa in enumerate(_items(para, "qas", at)):
                _need(qa, dict, f"{at}, question {q + 1}", "an object")
                answers = []
                for a in _items(qa, "answers", f"{at}, question {q + 1}"):
                    _need(a, dict, f"{at}, question {q + 1}: an answer", "an object")
                    text, start = str(a.get("text") or ""), a.get("answer_start")
                    if not text or not isinstance(start, int) or isinstance(start, bool):
                        continue
                    if context[start:start + len(text)] != text or start < 0:
                        raise BadInput(f"{path}: answer of question {qa.get('id')!r} is not "
                                       f"at offset {start} of its paragraph")
                    answers.append(GoldAnswer(text, offset + start, offset + start + len(text)))
                question = qa.get("question")
                if not answers or not isinstance(question, str) or not question.strip():
                    continue  # unanswerable (SQuAD 2.0) or empty: nothing to score against
                out.questions.append(SquadQuestion(
                    str(qa.get("id") or f"{title}-{len(out.questions)}"), question,
                    title, tuple(answers), str(qa.get("type") or "")))
            parts.append(context)
            offset += len(context)
        if parts:
            out.documents.append(Document(
                platform=title, doc_type=DOC_TYPE, version_date=VERSION_DATE,
                source=f"{path}#{title}", text=SEPARATOR.join(parts), collection=collection))
    if not out.questions:
        raise BadInput(f"{path}: holds no answerable questions")
    return out
