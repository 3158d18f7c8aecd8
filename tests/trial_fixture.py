"""A small Terms of Use in two dated versions, written for the tests, that reproduces the change
Coursera made between 2026-03-13 and 2026-05-27: the stated 7-day free trial becomes "certain
subscriptions may come with a free trial period", with the details left to the checkout page.
The other clauses give the record page something to map (automated access, personal data,
arbitration, auto-renewal)."""

from __future__ import annotations

from pathlib import Path

from corpus.ids import document_key, record_id
from tests.history_fixture import write_snapshot

PLATFORM = "Coursera"
COLLECTION = "tmp-versions"  # the collection write_snapshot puts the current version in
OLD_DATE, NEW_DATE = "2026-03-13", "2026-05-27"
KEY = document_key(COLLECTION, PLATFORM, "Terms of Service")

TRIAL_OLD = ("This section applies to all Coursera subscription offerings. For Coursera Plus "
             "Annual, Coursera offers a 14-day refund period. For all other subscriptions, "
             "Coursera provides a 7-day free trial.")
TRIAL_NEW = ("This section applies to all Coursera subscription offerings. For Coursera Plus "
             "Annual, Coursera offers a 14-day refund period. Certain subscriptions may come "
             "with a free trial period. Please see the applicable check out page for details "
             "regarding free trial availability and duration.")
CANCEL_OLD = ("Your subscription renews automatically each month. To avoid being charged after "
              "the applicable 7-day free trial, you must cancel the subscription before the "
              "trial period ends.")
CANCEL_NEW = ("Your subscription renews automatically each month. To avoid being charged after "
              "the applicable free trial period, you must cancel the subscription before the "
              "trial ends.")
CONDUCT = ("You agree not to use any automated system, including robots or spiders, to access "
           "the Services, and not to collect or harvest any personally identifiable information, "
           "including account names, from the Services.")
ARBITRATION = ("Any dispute between you and Coursera will be resolved by binding arbitration, and "
               "you waive your right to participate in a class action.")
AGE = ("You may use the Services only if you are at least 13 years old and can form a binding "
       "contract with Coursera.")


def document(trial: str, cancel: str) -> str:
    return (f"# Coursera Terms of Use\n\n## 1. Who May Use Our Services\n\n{AGE}\n\n"
            f"## 2. Subscription Plans\n\n{trial}\n\n{cancel}\n\n"
            f"## 3. Prohibited Conduct\n\n{CONDUCT}\n\n## 4. Disputes\n\n{ARBITRATION}\n")


OLD_TEXT = document(TRIAL_OLD, CANCEL_OLD)
NEW_TEXT = document(TRIAL_NEW, CANCEL_NEW)


def rid(text: str) -> str:
    return record_id(PLATFORM, KEY, text)


def write(root: Path, both: bool = True) -> Path:
    """The snapshot with the older version only (``both=False``) or with both, the newer one
    current. Writing both over the older snapshot is what a later OTA snapshot looks like."""
    versions = {OLD_DATE: OLD_TEXT}
    if both:
        versions[NEW_DATE] = NEW_TEXT
    return write_snapshot(root, PLATFORM, versions)
