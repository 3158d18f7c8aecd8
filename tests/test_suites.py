"""The ToS;DR suite generator on the fixture corpus, and the committed suite files."""

from evals.cases import load_cases
from evals.make_tosdr_suite import generate
from evals.runner import SUITES_DIR
from tests.conftest import FIXTURE_TOSDR


def test_generator_keeps_points_whose_quote_is_still_there(fixture_assistant):
    cases, stats = generate(fixture_assistant.store, FIXTURE_TOSDR)
    # 9001 and 9002 quote Streamly verbatim; 9003 paraphrases Learnify (no match >= 85);
    # 9004 is about a platform not in the corpus; one line is not JSON
    assert stats == {"malformed_lines": 1, "points": 4, "with_quote": 4,
                     "platform_in_corpus": 3, "case_templated": 3, "quote_found": 2,
                     "cases": 2, "platforms": 1}
    assert [(c["id"], c["question"], c["expected"]) for c in cases] == [
        ("tosdr-9001", "Can Streamly delete my account without notice?",
         ["streamly-bf7b-32gp-7whs"]),
        ("tosdr-9002", "Does Streamly sell my personal data?", ["streamly-656s-bg1z-qwqs"]),
    ]


def test_committed_suites_parse():
    hand = load_cases(SUITES_DIR / "handwritten.jsonl")
    assert len(hand) >= 80
    kinds = {c.type for c in hand}
    assert kinds == {"question", "abstain", "record", "bad_input", "conversation", "comparison"}
    tosdr = load_cases(SUITES_DIR / "tosdr.jsonl")
    assert len(tosdr) > 400 and all(c.expected and c.quote for c in tosdr)
