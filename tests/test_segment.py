"""Segmentation of small hand-written markdown: exact clauses, section paths and offsets."""

from __future__ import annotations

import pytest

from corpus.segment import MAX_CHARS, display_text, segment
from corpus.text import normalise, sentence_spans


def span(source: str, snippet: str) -> tuple[int, int]:
    """Offsets of ``snippet`` (which must occur exactly once) in ``source``."""
    assert source.count(snippet) == 1, snippet
    start = source.index(snippet)
    return start, start + len(snippet)


def clauses(source: str) -> list[tuple[str, str, int, int]]:
    segs = segment(source)
    for s in segs:  # offsets always point at the source span the text was made from
        assert display_text(source[s.start:s.end]) == s.text
    return [(s.section, s.text, s.start, s.end) for s in segs]


def expect(source: str, rows: list[tuple[str, str, str]]) -> list[tuple[str, str, int, int]]:
    """(section, text, source snippet) -> the tuples ``clauses`` returns."""
    return [(sec, text, *span(source, snippet)) for sec, text, snippet in rows]


WHO = ("You may use our Services only if you are at least 13 years old and can form a binding "
       "contract with Coursera.")
SECURITY = ("You are responsible for all activity on your account and must keep your password "
            "confidential at all times.")
FEES = ("All fees are charged in advance and are non-refundable except where the applicable law "
        "says otherwise.")


def test_atx_headings_give_section_paths_without_the_document_title():
    src = f"""# Coursera Terms of Use

## 1. Using Coursera

### Who May Use Our Services

{WHO}

### Account Security

{SECURITY}

## 2. Payments

{FEES}

# Part B: Country Terms

## Germany

{FEES.replace("All fees", "Fees in Germany")}
"""
    assert clauses(src) == expect(src, [
        ("1. Using Coursera > Who May Use Our Services", WHO, WHO),
        ("1. Using Coursera > Account Security", SECURITY, SECURITY),
        ("2. Payments", FEES, FEES),
        # a later level-1 heading is a real section, not a title
        ("Part B: Country Terms > Germany", FEES.replace("All fees", "Fees in Germany"),
         FEES.replace("All fees", "Fees in Germany")),
    ])


def test_setext_headings_and_escaped_numbers():
    src = f"""Coursera Terms of Use
=====================

1\\. Using Coursera
------------------

#### Who May Use Our Services

{WHO}

2\\. Payments
------------

{FEES}
"""
    assert clauses(src) == expect(src, [
        ("1. Using Coursera > Who May Use Our Services", WHO, WHO),
        ("2. Payments", FEES, FEES),
    ])


def test_text_before_any_heading_has_an_empty_path():
    src = f"_Last updated: March 1, 2026._\n\n## Payments\n\n{FEES}\n"
    assert clauses(src) == expect(src, [
        ("", "Last updated: March 1, 2026.", "_Last updated: March 1, 2026._"),
        ("Payments", FEES, FEES),
    ])


def test_list_items_stay_with_their_lead_in_paragraph():
    lead = "You agree not to engage in any of the following prohibited activities:"
    items = ("- using any automated system, including robots or spiders, to access the "
             "Services;\n"
             "- transmitting spam, chain letters, or other unsolicited email;\n\n"
             "- collecting personal information\n  about other users without their consent.")
    after = "We may suspend your account if you break any of these rules, with or without notice."
    plain_list = ("* Accounts that stay inactive for two years may be closed by us.\n"
                  "* Closed accounts cannot be reopened later.")
    src = f"# Terms\n\n## Conduct\n\n{lead}\n\n{items}\n\n{after}\n\n{plain_list}\n"
    assert clauses(src) == expect(src, [
        ("Conduct",
         lead + "\n\n• using any automated system, including robots or spiders, to access the "
         "Services;\n• transmitting spam, chain letters, or other unsolicited email;\n\n"
         "• collecting personal information\nabout other users without their consent.",
         f"{lead}\n\n{items}"),
        # a paragraph not ending in ':' does not take the list that follows it
        ("Conduct", after, after),
        ("Conduct", "• Accounts that stay inactive for two years may be closed by us.\n"
         "• Closed accounts cannot be reopened later.", plain_list),
    ])


def test_a_heading_ending_with_colon_leads_into_its_list():
    providers = "We use service providers to host our servers and to send emails on our behalf."
    items = ("- advertisers who show you ads on our behalf and measure how well they work;\n"
             "- law enforcement when the law requires us to.")
    careful = "You must read this section carefully before you share anything with other people."
    src = f"""# Privacy Policy

## 3. Sharing

### Service providers

{providers}

### We also share data with:

{items}

{careful}
"""
    assert clauses(src) == expect(src, [
        ("3. Sharing > Service providers", providers, providers),
        # the lead-in heading is part of the clause and closes "Service providers"
        ("3. Sharing",
         "We also share data with:\n\n• advertisers who show you ads on our behalf and measure "
         "how well they work;\n• law enforcement when the law requires us to.",
         f"### We also share data with:\n\n{items}"),
        ("3. Sharing", careful, careful),
    ])


def _long_paragraph(n: int = 40) -> str:
    return " ".join(
        f"Sentence number {i} says we may process your data for purpose {i}, e.g. analytics "
        f"run by Example Inc. in the U.S. and elsewhere." for i in range(n))


def test_a_very_long_section_is_split_at_sentence_boundaries():
    para = _long_paragraph()
    assert len(para) > 3 * MAX_CHARS
    src = f"# Policy\n\n## How we use data\n\n{para}\n\n## Contact\n\n{FEES}\n"
    segs = segment(src)
    chunks = [s for s in segs if s.section == "How we use data"]
    assert len(chunks) >= 4
    assert all(s.end - s.start <= MAX_CHARS for s in chunks)
    # in order, without overlap, and together they are the whole paragraph
    assert all(a.end < b.start for a, b in zip(chunks, chunks[1:], strict=False))
    assert " ".join(s.text for s in chunks) == para
    assert (chunks[0].start, chunks[-1].end) == span(src, para)
    # every cut is at a sentence end (abbreviations like "e.g.", "Inc.", "U.S." do not cut)
    assert all(s.text.startswith("Sentence number ") and s.text.endswith("and elsewhere.")
               for s in chunks)
    assert [s.section for s in segs if s.section != "How we use data"] == ["Contact"]


def test_tiny_fragments_merge_into_a_neighbour_of_the_same_section():
    body = "Write to privacy@example.com or to our postal address in Dublin, and we will reply."
    src = f"# Policy\n\n## Contact\n\nQuestions?\n\n{body}\n\nThanks.\n\n## Short\n\nShort one.\n"
    assert clauses(src) == expect(src, [
        ("Contact", f"Questions?\n\n{body}\n\nThanks.", f"Questions?\n\n{body}\n\nThanks."),
        # no neighbour in its own section: kept alone rather than merged across sections
        ("Short", "Short one.", "Short one."),
    ])


def test_navigation_residue_is_dropped():
    collect = ("We collect the information you give us when you create an account, such as your "
               "name and email address.")
    cookies = ("We use cookies to remember your preferences; you can change your cookie settings "
               "at any time.")
    src = f"""# Policy

Skip to main content

[Home](https://x.example) | [Help](https://x.example/help)

* [Privacy](https://x.example/p)
* [Terms](https://x.example/t)

We use cookies to improve your experience. Accept all Reject all Cookie settings

## Data we collect

{collect}

Back to top

## Cookies

{cookies}

[Back to top](#top)
"""
    assert clauses(src) == expect(src, [
        ("Data we collect", collect, collect),
        ("Cookies", cookies, cookies),  # about cookies, but not a banner: kept
    ])


def test_bold_lines_act_as_headings():
    access = "You can ask us for a copy of the personal data we hold about you, free of charge."
    delete = "You can ask us to delete your personal data, and we will do so within thirty days."
    note = "You must read this section carefully before you share anything with other people."
    src = f"""# Policy

## 4. Your rights

**Access**

{access}

__Deletion__

{delete}

**Important**
{note}

## 5. Contact

This paragraph has **bold words** inside it and is long enough to stand alone.
"""
    assert clauses(src) == expect(src, [
        ("4. Your rights > Access", access, access),
        ("4. Your rights > Deletion", delete, delete),
        # a bold line with text right under it is the start of a paragraph, not a heading
        ("4. Your rights > Deletion", f"Important\n{note}", f"**Important**\n{note}"),
        ("5. Contact",
         "This paragraph has bold words inside it and is long enough to stand alone.",
         "This paragraph has **bold words** inside it and is long enough to stand alone."),
    ])


def test_a_table_is_one_clause():
    table = ("| Data | How long we keep it |\n"
             "|------|---------------------|\n"
             "| Account data | Until you delete your account |\n"
             "| Payment records | 7 years, as tax law requires |")
    after = "We delete data when the period ends, unless the law requires us to keep it longer."
    src = f"# Policy\n\n## Retention periods\n\n{table}\n\n{after}\n"
    assert clauses(src) == expect(src, [
        ("Retention periods", table, table),
        ("Retention periods", after, after),
    ])


def test_crlf_and_empty_input():
    assert segment("") == []
    assert segment("\n\n   \n") == []
    src = f"# Policy\r\n\r\n## Payments\r\n\r\n{FEES}\r\n"
    assert clauses(src) == expect(src, [("Payments", FEES, FEES)])


# ---- corpus.text -----------------------------------------------------------------------------


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_sentence_spans_do_not_split_at_abbreviations():
    text = ("We share data with partners, e.g. advertisers, and service providers.  "
            "Example Inc. is based in the U.S. and Ireland. Mr. Smith, i.e. our officer, "
            "answers!\nReally? Yes; see Sec. 4: it applies.")
    assert sentences(text) == [
        "We share data with partners, e.g. advertisers, and service providers.",
        "Example Inc. is based in the U.S. and Ireland.",
        "Mr. Smith, i.e. our officer, answers!",
        "Really?",
        "Yes; see Sec. 4: it applies.",
    ]
    for (s, e), sent in zip(sentence_spans(text), sentences(text), strict=True):
        assert text[s:e] == sent and not sent[0].isspace() and not sent[-1].isspace()


def test_sentence_spans_split_list_items_and_lead_ins():
    text = "We may share:\n- with advertisers;\n- with auditors.\n1. Numbered item here."
    assert sentences(text) == ["We may share:", "- with advertisers;", "- with auditors.",
                               "1. Numbered item here."]
    assert sentence_spans("") == []
    assert sentences("No final stop") == ["No final stop"]


@pytest.mark.parametrize("variant", [
    "We **may** share   your data with “partners” — see [our list](https://x.example/list).",
    "we may share your data with \"partners\" - see our list.",
    "We _may_ share your data\nwith \u201cpartners\u201d \u2013 see our list.",
    "WE MAY SHARE YOUR DATA WITH \u201cPARTNERS\u201d\u00a0— SEE OUR LIST.",
])
def test_normalise_ignores_formatting_quotes_case_and_spacing(variant):
    assert normalise(variant) == 'we may share your data with "partners" - see our list.'


def test_normalise_keeps_wording_apart():
    assert normalise("- We may share data.") == normalise("We may share data.")
    assert normalise("We may share data.") != normalise("We may not share data.")
    assert normalise("We may share data.") != normalise("We may share data")
