"""The SQuAD loader on a tiny file: documents per article, answer offsets into their text."""

import json

import pytest

from corpus.errors import BadInput
from evals.squad import SEPARATOR, is_squad_file, load_squad
from tests.conftest import FIXTURES

MINI = FIXTURES / "evals" / "mini_squad.json"


def test_articles_become_documents_and_offsets_point_into_them():
    s = load_squad(MINI)
    assert [d.platform for d in s.documents] == ["alpha.example", "beta.example"]
    alpha = s.documents[0]
    assert alpha.doc_type == "Privacy Policy" and alpha.collection == "squad-mini_squad"
    assert alpha.text.count(SEPARATOR) == 1
    # b3 has no answer (SQuAD 2.0 style) and is left out
    assert [q.qid for q in s.questions] == ["a1", "a2", "a3", "b1", "b2"]
    docs = {d.platform: d.text for d in s.documents}
    for q in s.questions:
        for a in q.answers:
            assert docs[q.platform][a.start:a.end] == a.text
    a2 = next(q for q in s.questions if q.qid == "a2")
    # second paragraph: offset = len(first paragraph) + len("\n\n") + 31
    first = json.loads(MINI.read_text())["data"][0]["paragraphs"][0]["context"]
    assert a2.answers[0].start == len(first) + 2 + 31
    assert len(s.sha256) == 64 and is_squad_file(MINI)


def test_bad_files_are_refused_with_a_reason(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    with pytest.raises(BadInput, match="not a SQuAD JSON file"):
        load_squad(bad)
    bad.write_text(json.dumps({"data": [{"title": "t", "paragraphs": [{"context": "abc def",
                   "qas": [{"id": "1", "question": "q?", "answers": [
                       {"text": "xyz", "answer_start": 0}]}]}]}]}))
    with pytest.raises(BadInput, match="not at offset 0"):
        load_squad(bad)
    bad.write_text(json.dumps({"data": []}))
    with pytest.raises(BadInput, match="no answerable questions"):
        load_squad(bad)
    with pytest.raises(BadInput, match="cannot be read"):
        load_squad(tmp_path / "missing.json")
    assert not is_squad_file(FIXTURES / "evals" / "suite.jsonl")
