"""Written rules for categories that ToS;DR's 2020 assessments cannot teach.

The ToS;DR export has no quote about training AI on user content (the practice postdates it),
so the classifier has no positive example of ``ai-training``. A clause gets that label from this
rule instead: one sentence must name a use for training or improving AI / machine-learning
models and, in the same sentence, the user's content or data. The confidence given to a rule
match is the precision measured by reading a random sample of matches in the corpus (see
``RULE_PRECISION``), not a calibrated probability; such labels carry ``"source": "rule"``.
Severity is Favourable when every matching sentence is negated ("we do not use your content to
train ..."); otherwise it borrows the ToS;DR ratings of the closest assessed category
(``SEVERITY_PROXY``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.text import sentence_spans

_TRAIN = r"(?:train\w*|fine[- ]?tun\w*|improv\w*|develop\w*|enhanc\w*)"
_MODEL = (r"(?:artificial intelligence|machine[- ]learning|(?:AI|language|foundation|generative|"
          r"our|the|its) models?|large language models?|LLMs?|AI (?:systems?|technolog\w+|"
          r"features?|products?))")
_NEAR = re.compile(rf"\b{_TRAIN}\b[^.;]{{0,60}}\b{_MODEL}\b|\b{_MODEL}\b[^.;]{{0,40}}\b"
                   r"(?:are|is|be|being)\s+(?:trained|fine-tuned|improved)\b", re.I)
_OWNER = re.compile(
    r"\b(?:your|user|users'?|customer|member)\s+(?:content|data|information|inputs?|prompts?|"
    r"outputs?|conversations?|chats?|submissions?|posts?|materials?|interactions?|feedback)\b"
    r"|\bcontent (?:you|that you)\b|\bpersonal (?:data|information)\b"
    r"|\binformation (?:we collect|you provide)\b|\binputs? and outputs?\b"
    r"|\bpublic (?:posts|content)\b", re.I)
_NEGATED = re.compile(r"\b(?:not|never|no|won't|doesn't|don't)\b", re.I)

RULES = {"ai-training": (_NEAR, _OWNER)}
# on-topic share of 20 random corpus matches read by hand (2026-11-25: 15 of 20)
RULE_PRECISION = {"ai-training": 0.75}
SEVERITY_PROXY = {"ai-training": "user-content-licence"}


@dataclass(frozen=True)
class RuleMatch:
    confidence: float
    negated: bool  # every matching sentence says the provider does NOT do it


def rule_labels(text: str) -> dict[str, RuleMatch]:
    """Categories whose written rule matches a sentence of ``text``."""
    out: dict[str, RuleMatch] = {}
    if not any(near.search(text) and owner.search(text) for near, owner in RULES.values()):
        return out  # the common case, without splitting sentences
    sentences = [text[s:e] for s, e in sentence_spans(text)] or [text]
    for slug, (near, owner) in RULES.items():
        found = [s for s in sentences if near.search(s) and owner.search(s)]
        if found:
            out[slug] = RuleMatch(RULE_PRECISION[slug], all(_NEGATED.search(s) for s in found))
    return out
