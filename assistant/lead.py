"""When an answer may open with "Yes" or "No".

Only on a signal that says so: the trained polarity head (``assistant.qa_model``) when it is
at least ``POLARITY_MIN`` sure the cited clause answers the yes/no question one way, or the
age rule below when the question states the user's age and the clause a minimum age. Anything
else gets no lead: a wrong "Yes" is the worst answer this product can give. The old rule
(count negation words in question and quote) was wrong in 10 of 21 leads a user study found.

``POLARITY_MIN`` was chosen on held-out training data, not on an evaluation suite: ToS;DR
yes/no groups of the platforms a fold model never saw (see ``assistant/models/qa/MODEL_CARD.md``).
"""

from __future__ import annotations

import re

from assistant.qa_model import Reading

POLARITY_MIN = 0.9
YES_NO = re.compile(r"^\s*(can|could|does|do|did|is|are|will|would|may|might|should|has|have|"
                    r"must|am|was|were)\b", re.I)
# the user's own age: "I'm 17", "I am 16 years old", "aged 15", "a 17-year-old", "at 12"
_USER_AGE = re.compile(
    r"\b(?:i'?m|i am|aged?|at|if i'?m|when i'?m)\s+(\d{1,2})\b(?!\s*(?:%|percent|days?|"
    r"months?|hours?|minutes?|dollars?|usd|eur))"
    r"|\b(\d{1,2})[- ]years?[- ]old\b|\bunder\s+(\d{1,2})\b(?=.*\b(?:i|my|me)\b)", re.I)
# a minimum age stated in the clause; numbers that are section or statute numbers are not ages
_MIN_AGE = re.compile(
    r"\b(?:at least|minimum age of|age of|over(?: the age of)?|older than|aged)\s+(\d{1,2})\b"
    r"(?!\s*(?:U\.?S\.?C|§|CFR))"
    r"|\b(\d{1,2})\s+(?:years? (?:of age )?)?or (?:older|over)\b"
    r"|\b(\d{1,2})\+|\bunder(?: the age of)?\s+(\d{1,2})\b(?!\s*(?:U\.?S\.?C|§))", re.I)
_ALLOWED_BELOW = re.compile(r"parent|guardian|consent", re.I)
# a condition the rule cannot weigh: "without a parent's permission", "with consent"
_CONDITION = re.compile(r"parent|guardian|permission|consent|approval|supervis", re.I)


def is_yes_no(question: str) -> bool:
    return bool(YES_NO.match(question))


def user_age(question: str) -> int | None:
    m = _USER_AGE.search(question)
    if not m:
        return None
    value = int(next(g for g in m.groups() if g))
    return value if 5 <= value <= 99 else None


def age_as_words(question: str) -> str:
    """The question with the user's stated age taken out and "minimum age" added ("Can I use
    Bumble if I'm 17?" -> "Can I use Bumble if I'm? minimum age"): retrieval then looks for the
    clause about ages instead of matching "17" as a token ("17 U.S.C.", section 17). The age
    rule still compares the number with the clause's."""
    m = _USER_AGE.search(question)
    if not m or user_age(question) is None:
        return question
    digits = re.search(r"\d{1,2}", m.group(0))
    assert digits is not None
    cut = m.start() + digits.start(), m.start() + digits.end()
    text = question[:cut[0]] + question[cut[1]:]
    return re.sub(r"\s+", " ", text.replace("-year-old", " person").replace(" years old", "")
                  ).strip() + " minimum age"


def minimum_age(text: str) -> int | None:
    ages = [int(next(g for g in m.groups() if g)) for m in _MIN_AGE.finditer(text)]
    ages = [a for a in ages if 10 <= a <= 25]
    return max(ages) if ages else None


def age_lead(question: str, quote: str) -> str | None:
    """'yes' / 'no' for "Can I use X if I'm 17?" against a quote stating the minimum age;
    None when either number is missing, the question adds a condition (a parent's
    permission) or the quote allows younger users with consent."""
    age, minimum = user_age(question), minimum_age(quote)
    if age is None or minimum is None or _CONDITION.search(question):
        return None
    if age >= minimum:
        return "yes"
    return None if _ALLOWED_BELOW.search(quote) else "no"


def polarity_lead(reading: Reading | None, threshold: float = POLARITY_MIN) -> str | None:
    if reading is None:
        return None
    if reading.yes >= threshold:
        return "yes"
    if reading.no >= threshold:
        return "no"
    return None
