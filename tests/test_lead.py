"""The rules around leads and answer notes: ages compared as numbers, the language of a
document, a service the corpus lacks."""

from __future__ import annotations

import pytest

from assistant.lead import age_lead, is_yes_no, minimum_age, polarity_lead, user_age
from assistant.qa_model import Reading
from corpus.text import language_of


@pytest.mark.parametrize("question,quote,lead", [
    ("Can I use Bumble if I'm 17?", "You must be at least 18 years old to use Bumble.", "no"),
    ("Can a 13-year-old use Signal?", "You must be at least 13 years old to use our Services.",
     "yes"),
    ("Can I use Bumble if I'm 17?", "pursuant to 17 U.S.C. § 512, section 17 applies", None),
    ("Can a 15-year-old use ChatGPT without a parent's permission?",
     "You must be at least 13 years old.", None),  # a condition the rule cannot weigh
    ("Can a 12-year-old use Kids+?", "Users under 13 may use it with parental consent.", None),
    ("Can I use Bumble?", "You must be at least 18 years old.", None),
])
def test_ages_are_compared_as_numbers(question, quote, lead):
    assert age_lead(question, quote) == lead


def test_numbers_that_are_not_ages_are_not_ages():
    assert user_age("Can I get a refund within 30 days?") is None
    assert minimum_age("See 17 U.S.C. § 512 and section 230.") is None
    assert minimum_age("You must be 16 or older; under 13 is never allowed.") == 16


def test_the_polarity_gate_needs_ninety_percent():
    assert polarity_lead(Reading(1, None, 0, 0.95, 0.03, 0.02)) == "yes"
    assert polarity_lead(Reading(1, None, 0, 0.02, 0.93, 0.05)) == "no"
    assert polarity_lead(Reading(1, None, 0, 0.77, 0.23, 0.0)) is None
    assert polarity_lead(None) is None
    assert is_yes_no("Does Reddit sell my data?") and not is_yes_no("How long is data kept?")


@pytest.mark.parametrize("text,lang", [
    ("Diese Datenschutzerklärung gilt für die Nutzung der App. Wir verarbeiten die Daten, die "
     "Sie uns mitteilen, nur für den Zweck, für den sie erhoben wurden, und nicht für andere "
     "Zwecke. Die Daten werden auf unseren Servern gespeichert und nicht an Dritte "
     "weitergegeben, es sei denn, wir sind dazu verpflichtet.", "German"),
    ("We collect the information you give us when you create an account, and we use it to "
     "provide the service to you. You can delete your account at any time, and we will "
     "delete your data within thirty days of the request unless the law requires us to keep "
     "it for longer.", "English"),
    ("本隐私政策适用于我们的产品和服务。我们会收集您在使用服务时主动提供的信息" * 8,
     "a non-Latin script"),
])
def test_the_language_of_a_document(text, lang):
    assert language_of(text) == lang


def test_a_missing_service_is_found_only_where_a_name_goes():
    from assistant.platforms import PlatformMatcher

    m = PlatformMatcher({"streamly": "Streamly", "proton-mail": "Proton Mail"})
    assert m.unknown("Does Myspace sell my personal data?") == "Myspace"
    assert m.unknown("Can I use Friendster if I am 12?") == "Friendster"
    assert m.unknown("Does Streamly sell my personal data?") is None
    assert m.unknown("Which platforms use my data to train AI?") is None
    assert m.unknown("Does GDPR apply to me in California?") is None


@pytest.mark.parametrize("text,unknown", [
    ("Compare Streamly and Slack on data retention", [("Slack", 21, 26)]),
    ("Compare Slack and Streamly on data retention", [("Slack", 8, 13)]),
    ("and Myspace?", [("Myspace", 4, 11)]),
    ("what about Friendster?", [("Friendster", 11, 21)]),
    ("Streamly, Slack or Teams: who keeps my messages?", [("Slack", 10, 15), ("Teams", 19, 24)]),
    ("Proton Mail and Tutanota?", [("Tutanota", 16, 24)]),
    ("Compare Streamly and Proton Mail", []),
    ("Does Streamly use AI and ML?", []),  # acronyms beside a name are not services
    ("Does Streamly comply with GDPR and CCPA?", []),
    ("Thanks!", []),
    ("and cookies?", []),
    ("what about Spain?", []),  # a place, asked of the platforms in focus
    ("what about Slack and Teams?", [("Slack", 11, 16), ("Teams", 21, 26)]),
    ("Does Streamly share data with Salesforce and Marketo?", []),  # asked of Streamly
    ("Compare Streamly, Proton Mail and Slack", [("Slack", 34, 39)]),
])
def test_services_a_chat_message_names_that_the_corpus_lacks(text, unknown):
    from assistant.platforms import PlatformMatcher

    m = PlatformMatcher({"streamly": "Streamly", "proton-mail": "Proton Mail"})
    assert m.unknown_spans(text) == unknown


def test_retrieval_does_not_match_the_users_age_as_a_token():
    from assistant.lead import age_as_words

    assert age_as_words("Can I use Bumble if I'm 17?") == "Can I use Bumble if I'm ? minimum age"
    assert age_as_words("Can a 16-year-old open a Netflix account?") == \
        "Can a person open a Netflix account? minimum age"
    assert age_as_words("Can I get a refund within 30 days?") == \
        "Can I get a refund within 30 days?"
