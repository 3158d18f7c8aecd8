"""The severity rule, written down in one place and shown to the user.

A labelled clause gets a severity from how ToS;DR reviewers rated the clauses most like it:

1. Take the ToS;DR assessments whose case maps to the clause's category and keep the
   ``NEIGHBOURS`` whose quoted text is closest to the clause (cosine of the embeddings; all of
   them when the category has fewer).
2. ``bad`` = share rated *bad* or *blocker*, ``good`` = share rated *good*.
3. **Favourable** if good >= 50% and good > bad; else **High** if bad >= 70%; else **Medium** if
   bad >= 40%; else **Low**.
4. The label itself may be wrong: when the model's confidence in the category is below 50%,
   High becomes Medium and Medium becomes Low.
5. When the label model carries a severity gate (the shipped one does;
   ``corpus/severity_gate.py``), the gate decides whether the clause is against the user at
   all (``gated``): at or above its threshold it is High (when steps 1-4 say High) or Medium;
   below it, Favourable (when they say Favourable) or Low.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("High", "Medium", "Low", "Favourable")
NEIGHBOURS = 25
FAVOURABLE_GOOD = 0.5
HIGH_BAD = 0.7
MEDIUM_BAD = 0.4
SURE = 0.5

RULE = (
    f"Severity comes from the {NEIGHBOURS} ToS;DR assessments of the same category whose quotes "
    "are closest to the clause: Favourable if at least half were rated good (and more good than "
    f"bad); High if at least {HIGH_BAD:.0%} were rated bad or blocker; Medium if at least "
    f"{MEDIUM_BAD:.0%}; otherwise Low. If the model is less than {SURE:.0%} sure of the "
    "category, High drops to Medium and Medium to Low. A severity gate trained on "
    "hand-labelled sentences then decides whether the clause is against the user at all: if "
    "so it is High (when the rule says High) or Medium, if not Favourable (when the rule says "
    "Favourable) or Low."
)


@dataclass(frozen=True)
class Ratings:
    """Counts of ToS;DR ratings among the assessments a severity is based on."""

    bad: int  # bad + blocker
    good: int
    neutral: int

    @property
    def n(self) -> int:
        return self.bad + self.good + self.neutral


def severity(near: Ratings, confidence: float) -> str:
    """Apply the rule to the ratings of the nearest assessments and the label's confidence."""
    if near.n == 0:
        return "Low"
    bad, good = near.bad / near.n, near.good / near.n
    if good >= FAVOURABLE_GOOD and good > bad:
        return "Favourable"
    level = "High" if bad >= HIGH_BAD else "Medium" if bad >= MEDIUM_BAD else "Low"
    if confidence < SURE:
        level = {"High": "Medium", "Medium": "Low"}.get(level, level)
    return level


def explain(level: str, near: Ratings, category: Ratings, category_name: str,
            confidence: float) -> str:
    """One sentence a user can check: what the level rests on."""
    if near.n == 0:
        return f"{level}: no ToS;DR assessments of {category_name!r} to compare with"
    share = near.good if level == "Favourable" else near.bad
    word = "good" if level == "Favourable" else "bad"
    cat_share = (category.good if level == "Favourable" else category.bad) / max(1, category.n)
    text = (f"{level}: the {near.n} ToS;DR assessments of {category_name!r} closest to this "
            f"clause rate it {word} in {share} ({share / near.n:.0%}); across all "
            f"{category.n} assessments of the category, {cat_share:.0%} {word}")
    if confidence < SURE and level in ("Medium", "Low") and near.bad / near.n >= MEDIUM_BAD:
        text += f" (lowered one step: category confidence {confidence:.0%})"
    return text


def gated(level: str, why: str, against: float, threshold: float) -> tuple[str, str]:
    """The severity gate's decision on top of the neighbour rule's level: at or above the
    threshold the clause is High (when the rule says High) or Medium; below it, Favourable
    (when the rule says Favourable) or Low. The reason says what moved."""
    if against >= threshold:
        new = "High" if level == "High" else "Medium"
    else:
        new = "Favourable" if level == "Favourable" else "Low"
    if new == level:
        return level, why
    side = "against the user" if against >= threshold else "not against the user"
    return new, (f"{new}: the severity gate, trained on hand-labelled sentences, reads it as "
                 f"{side} ({against:.0%}; threshold {threshold:.0%}); the neighbour rule alone "
                 f"said {why}")
