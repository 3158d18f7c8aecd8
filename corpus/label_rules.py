"""Written rules for categories that ToS;DR's 2020 assessments cannot teach.

``contract-by-use`` ("by using the service you agree ...") and ``privacy-by-acceptance`` (the
privacy policy is part of the terms) have 4 and 0 ToS;DR quotes, so they are matched by the
patterns below as well.

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
_BY_USE = re.compile(
    r"\bby (?:accessing|using|visiting|browsing|continuing to (?:access|use)|downloading|"
    r"installing|registering)\b[^.]{0,120}?\b(?:you (?:hereby )?(?:agree|accept|acknowledge|"
    r"consent)|you are (?:agreeing|accepting)|(?:constitutes?|signif\w+|indicates?) (?:your )?"
    r"(?:acceptance|agreement|consent))"
    r"|\bcontinued (?:use|access)\b[^.]{0,120}?\b(?:constitutes?|means?|signif\w+|indicates?|"
    r"deemed|will be)\b[^.]{0,40}?\b(?:accept\w*|agree\w*|consent)", re.I)
_PRIVACY_BY_TERMS = re.compile(
    r"\bprivacy (?:policy|notice|statement)\b[^.]{0,100}?\b(?:is |are )?(?:incorporated|"
    r"forms? (?:a |an )?(?:integral )?part of|is (?:a )?part of|made (?:a )?part of)\b"
    r"|\bby (?:using|accessing|accepting|agreeing)[^.]{0,120}?\b(?:consent|agree)\w* to "
    r"[^.]{0,80}?privacy (?:policy|notice|statement)", re.I)
_ANY = re.compile("")

# slug -> (pattern, second pattern; both must match one sentence)
RULES = {"ai-training": (_NEAR, _OWNER), "contract-by-use": (_BY_USE, _ANY),
         "privacy-by-acceptance": (_PRIVACY_BY_TERMS, _ANY)}
# on-topic share of 20 random corpus matches read by hand (2026-11-25): ai-training 15 of 20,
# contract-by-use 15 of 20, privacy-by-acceptance 18 of 20
RULE_PRECISION = {"ai-training": 0.75, "contract-by-use": 0.75, "privacy-by-acceptance": 0.9}
# rules whose negated sentences mean the opposite ("we do not use your content to train")
NEGATABLE = {"ai-training"}
# ToS;DR has (almost) no assessments of these categories; the nearest assessed one stands in
SEVERITY_PROXY = {"ai-training": "user-content-licence", "contract-by-use": "unilateral-change",
                  "privacy-by-acceptance": "unilateral-change"}


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
            out[slug] = RuleMatch(RULE_PRECISION[slug], slug in NEGATABLE
                                  and all(_NEGATED.search(s) for s in found))
    return out
