"""The hand-written suite (evals/suites/handwritten.jsonl): every case below was written and
checked by hand against the real corpus (record text read with `policy-assistant record ID`).
This script writes the file, refuses any record ID that is not in a current document, and adds
to each expected ID the platform's other current clauses with the same normalised text (the
same provision in a second document). Usage:

    python -m evals.build_handwritten evals/suites/handwritten.jsonl [STORE]

STORE defaults to the store of the default data directory ($POLICY_ASSISTANT_DATA).
"""
# ruff: noqa: E501  (the cases are data: one case a line reads best)

import json
import re
import sys
from collections import Counter
from typing import Any

from assistant import Settings
from corpus.errors import NotFound
from corpus.store import Store
from corpus.text import normalise

STORE = sys.argv[2] if len(sys.argv) > 2 else str(Settings.from_env().store_path)
store = Store(STORE, read_only=True)
_cache: dict[str, dict[str, str]] = {}


def current(platform_id: str) -> dict[str, str]:
    if platform_id not in _cache:
        _cache[platform_id] = {r.record_id: r.text for r in store.current_clauses(platform_id)}
    return _cache[platform_id]

def platform_of(rid: str) -> str:
    try:
        return store.platform_of(rid)
    except NotFound:
        sys.exit(f"unknown record {rid}")

def expand(ids: list[str]) -> list[str]:
    out: list[str] = []
    for rid in ids:
        cur = current(platform_of(rid))
        if rid not in cur:
            sys.exit(f"{rid} is not in a current document")
        norm = normalise(cur[rid])
        for other, t in sorted(cur.items()):
            if (other == rid or normalise(t) == norm) and other not in out:
                out.append(other)
    return out

def regex_ids(platform: str, pattern: str) -> list[str]:
    """The current clauses of ``platform`` (its display name) that match ``pattern``."""
    ids = [pid for pid, name in store.platforms().items() if name == platform]
    if not ids:
        sys.exit(f"unknown platform {platform!r}")
    rx = re.compile(pattern, re.I)
    return sorted(r for r, t in current(ids[0]).items() if rx.search(t))

Q = [  # id, question, expected IDs (hand-checked), note
 ("discord-terminate", "Can Discord suspend my account without notice?", ["discord-hft7-fb90-wbwc"]),
 ("spotify-terminate", "Can Spotify terminate my account?", ["spotify-0q35-cs1y-ppj1", "spotify-ddsn-8jvn-9s83", "spotify-z8yw-kxrf-5ec2", "spotify-5v2e-pjzm-t86t", "spotify-kgdx-bfv6-n4y6"]),
 ("spotify-price", "Can Spotify change the price of my subscription?", ["spotify-8g9d-eqbg-txpg"]),
 ("zoom-ai-training", "Does Zoom use my meeting audio and video to train AI?", ["zoom-3qac-kfqh-5rem", "zoom-8nzm-6x4m-x9fc", "zoom-cjjy-hv03-vywb", "zoom-hvmh-4cg0-fgcz"]),
 ("netflix-household", "Can I share my Netflix account with someone outside my household?", ["netflix-edh1-wkap-wdh7", "netflix-x2xz-n9yw-znvc", "netflix-zqg8-8wye-mx6c"]),
 ("reddit-ownership", "Do I keep ownership of the content I post on Reddit?", ["reddit-d833-h02g-skb2"]),
 ("github-age", "How old do I have to be to use GitHub?", ["github-pzpc-h0ks-13e6", "github-fbff-7dap-j0yy", "github-zpkt-jcs0-j2mf"]),
 ("tinder-age", "What is the minimum age to use Tinder?", ["tinder-59dx-nfxg-4b7z", "tinder-6aep-tz3p-nx6b", "tinder-9xrh-ftgd-z3x6", "tinder-etqs-hhw8-zvxe"]),
 ("instagram-age", "How old must I be to use Instagram?", ["instagram-6hhh-f2a7-t0b4"]),
 ("signal-read", "Can Signal read my messages?", ["signal-5e1z-a80m-hyyp", "signal-w74h-rc1a-ey6t"]),
 ("whatsapp-e2e", "Are my WhatsApp messages end-to-end encrypted?", ["whatsapp-66ba-4wkn-a571", "whatsapp-syd6-m1jf-cqfa", "whatsapp-syd6-m1jf-cqfa", "whatsapp-vv33-2qeq-y632", "whatsapp-zyxj-v598-065e", "whatsapp-k123-vcjt-d4j8"]),
 ("steam-sell-account", "Can I sell my Steam account?", ["steam-5pky-q08w-x00a"]),
 ("steam-age", "What is the minimum age for a Steam account?", ["steam-c9hv-mhfw-zek3"]),
 ("chatgpt-business-training", "Does ChatGPT use my business data to train its models?", ["chatgpt-0fh3-pd93-thef", "chatgpt-1y2h-jesb-g09d", "chatgpt-0855-c8xk-va55", "chatgpt-3kbj-7d0j-z150", "chatgpt-39sc-q6rd-vf84"]),
 ("proton-decrypt", "Can Proton decrypt my end-to-end encrypted emails for the authorities?", ["proton-mail-fs14-tstw-37wk"]),
 ("nordvpn-logs", "Does NordVPN keep logs of my online activity?", ["nordvpn-0fhq-4188-p4fv", "nordvpn-df3v-jcf4-05qj"]),
 ("bitwarden-vault", "Can Bitwarden see the data in my vault?", ["bitwarden-2hjx-kkmv-jdsh", "bitwarden-35xw-b521-t6zn"]),
 ("wikipedia-license", "Under what license is the text I contribute to Wikipedia published?", ["wikipedia-4ssk-nxqc-kchf", "wikipedia-njq7-s2yq-56nh", "wikipedia-sr96-gb92-4zkc"]),
 ("stackoverflow-license", "What license applies to the content I post on Stack Overflow?", ["stack-overflow-500m-bs11-356m", "stack-overflow-xqcb-4sd8-071x"]),
 ("snapchat-delete-snaps", "Can I delete my Snaps on Snapchat?", ["snapchat-eef1-hg8e-e0cs"]),
 ("midjourney-public", "Are the images I make with Midjourney public by default?", ["midjourney-wmcw-mxq9-bkdd"]),
 ("yelp-pay-remove", "Can a business pay to have reviews removed on Yelp?", ["yelp-mdde-7qx2-kpm3", "yelp-14qb-y27c-ye2g", "yelp-s4r1-61p1-4g36"]),
 ("roblox-robux-refund", "Will Roblox refund my Robux?", ["roblox-hhev-bv0t-e5gv", "roblox-ydgs-jce1-e5sm", "roblox-314a-fp2z-rcqd"]),
 ("linkedin-scraping", "Am I allowed to scrape LinkedIn with bots or crawlers?", ["linkedin-h18y-xvfn-g9hh", "linkedin-rher-e5z9-b0z0"]),
 ("ebay-arbitration", "Do I have to go to arbitration for disputes with eBay?", ["ebay-5d1h-v22w-hmmd", "ebay-hb8p-zxz6-wtfe", "ebay-pfym-ntgd-34de"]),
 ("zoom-arbitration", "Are disputes with Zoom resolved by arbitration instead of in court?", ["zoom-11cc-8q0d-2ne2", "zoom-mkx6-z007-zx14"]),
 ("airbnb-age", "How old must I be to register on Airbnb?", ["airbnb-7d1m-p1ap-zk3p"]),
 ("booking-law", "Which country's law governs Booking.com's terms?", ["booking-com-1gzn-p845-3kp6", "booking-com-f3s0-hxe0-rmvg"]),
 ("paypal-inactivity-fee", "Does PayPal charge a fee if my account is inactive?", ["paypal-z6er-cvhv-kn8w", "paypal-6ta6-b683-9e5v", "paypal-k0gx-z6ra-yx0t"]),
 ("firefox-telemetry", "Can I stop Firefox from sending technical and interaction data to Mozilla?", ["firefox-3dn2-vf6k-w999", "firefox-ggw9-3h4k-8h26", "firefox-3k6s-p78a-p32v"]),
 ("grindr-hiv", "Does Grindr share my HIV status with other companies?", ["grindr-bwfv-r34z-v3yr"]),
 ("vimeo-age", "How old do I need to be to use Vimeo?", ["vimeo-z84f-yvdq-zbn8", "vimeo-h4zp-7dg6-ejrc"]),
 ("coursera-guided-refund", "Can I get a refund for a Coursera Guided Project?", ["coursera-7p2g-q0c0-06fk"]),
 ("amazon-class-action", "Can I join a class action against Amazon.com?", ["amazon-com-cdwq-s6vv-j7ns"]),
 ("tiktok-age", "What is the minimum age to use TikTok?", ["tiktok-5g14-ncjb-c0c2", "tiktok-q19k-78n8-6345"]),
 ("x-ai-training", "Does X use my information to train its AI models?", ["x-8zke-x2fp-mqq5", "x-cvz5-198z-gtr5", "x-n9br-0kbv-acrn"]),
 ("bumble-age", "How old do you have to be to use Bumble?", ["bumble-2wap-94dx-bxff", "bumble-4ynj-fp23-a0t3", "bumble-8js6-m1rj-szvz", "bumble-07pz-8mge-40mf", "bumble-mcb3-60s8-66ez"]),
 ("duckduckgo-ip", "Does DuckDuckGo save my IP address with my searches?", ["duckduckgo-g9k9-3pp3-0kcd", "duckduckgo-9qj5-t13y-5w3d", "duckduckgo-n0fs-8z4k-vavk"]),
 ("facebook-sell", "Does Facebook sell my personal information?", ["facebook-c7rv-y5w4-xth9", "facebook-svcr-63v3-7981", "facebook-8aya-ecx7-cv62"]),
 ("discord-age", "How old do I need to be to use Discord?", ["discord-hc7a-9vtm-z31d"]),
 ("netflix-cancel", "How do I cancel my Netflix subscription?", ["netflix-8rb6-jrat-29xr"]),
 ("linkedin-close", "How long does it take for my LinkedIn profile to disappear after I close my account?", ["linkedin-cfjd-827r-xsbc"]),
 ("imgur-hidden", "Can people still see my hidden posts on Imgur?", ["imgur-184q-8am3-0912"]),
 ("deliveroo-tip", "Will Deliveroo refund the tip I gave the rider if I change my mind?", ["deliveroo-0ftw-ywmn-dqzj"]),
 ("substack-revenue", "Does Substack take a share of what my readers pay?", ["substack-04sj-kfxq-6zxa"]),
 ("prime-plan-change", "Can I cancel Amazon Prime if they change my membership plan?", ["amazon-prime-5p36-hyba-y1qy"]),
 ("vinted-lost-item", "Will Vinted reimburse me if my item is lost during shipping?", ["vinted-6774-1vtx-2qtg", "vinted-403e-j3q8-b7bw"]),
 ("google-delete", "Can I delete the photos and content I uploaded to Google?", ["google-4na1-6cwp-wapp", "google-yz6x-fzq3-c2fg", "google-pm3d-97qm-2mdf", "google-gfjh-cewn-w6nk"]),
 ("youtube-download-data", "Can I download my data before closing my YouTube channel?", ["youtube-gcnp-knmn-222n"]),
 ("twitter-ai-training", "Does Twitter use my data to train machine learning models?", ["twitter-7vcc-pa0q-75ep"]),
 ("discord-e2e-calls", "Are Discord voice and video calls end-to-end encrypted?", ["discord-njah-vfr2-fyfn"]),
]
ABSTAIN = [
 ("abstain-tinder-bitcoin", "Does Tinder accept Bitcoin as payment?"),
 ("abstain-bumble-ceo", "Who is the CEO of Bumble?"),
 ("abstain-signal-student", "Does Signal give students a discount?"),
 ("abstain-zoom-singapore", "Does Zoom have an office in Singapore?"),
 ("abstain-netflix-share-price", "What is Netflix's share price today?"),
 ("abstain-discord-logo", "What colour is the Discord logo?"),
 ("abstain-coursera-sourdough", "Does Coursera sell sourdough starter kits?"),
 ("abstain-airbnb-wifi", "What is the Wi-Fi password at Airbnb's headquarters?"),
 ("abstain-capital", "What is the capital of Australia?"),
 ("abstain-world-cup", "Who won the 2022 football World Cup?"),
 ("abstain-weather", "What will the weather be in Paris tomorrow?"),
 ("abstain-calories", "How many calories are in a Big Mac?"),
 ("abstain-tinder-file-size", "What is the maximum photo file size in megabytes on Tinder?"),
 ("abstain-netflix-senior", "Does Netflix offer a pensioner discount?"),
 ("abstain-zoom-paypal", "Can I pay for Zoom with PayPal?"),
 ("abstain-signal-loyalty", "Does Signal have a loyalty rewards programme?"),
 ("abstain-github-tshirt", "Does GitHub send free t-shirts to contributors?"),
 ("abstain-spotify-karaoke", "Does Spotify have a karaoke mode with a scoring system?"),
 ("abstain-unknown-platform", "Can Friendster delete my account without notice?"),
]
RECORDS = [
 ("record-seed", "CA-P-012894", "You agree not to engage in any of the following prohibited activities", ""),
 ("record-discord", "discord-hft7-fb90-wbwc", "we reserve the right to suspend or terminate your account", ""),
 ("record-zoom", "zoom-3qac-kfqh-5rem", "does not use audio, video or chat Customer Content to train", ""),
 ("record-padded", "  steam-5pky-q08w-x00a  ", "You may therefore not sell or charge others for the right to use your Account", ""),
 ("record-typo", "discord-hft7-fb90-wbwx", "", "NotFound"),
 ("record-unknown", "notaplatform-0000-0000-0000", "", "NotFound"),
 ("record-blank", "   ", "", "BadInput"),
]
BAD: list[tuple[str, dict[str, Any]]] = [
 ("bad-empty", {"question": ""}),
 ("bad-whitespace", {"question": "   \n\t  "}),
 ("bad-control", {"question": "\u0000\u0001\u0002\u0007"}),
 ("bad-too-long", {"question": "Can Spotify delete my account? " + "x" * 2000}),
 ("bad-unknown-platform", {"question": "Can they delete my account?", "platforms": ["Nonexistentbook"]}),
]
CONV: list[tuple[str, list[dict[str, Any]]]] = [
 ("conv-terminate-followup", [
   {"message": "Can Spotify terminate my account?", "expect_focus": ["Spotify"], "expected": ["spotify-0q35-cs1y-ppj1", "spotify-ddsn-8jvn-9s83", "spotify-z8yw-kxrf-5ec2", "spotify-5v2e-pjzm-t86t", "spotify-kgdx-bfv6-n4y6"]},
   {"message": "and Discord?", "expect_focus": ["Discord"], "expected": ["discord-hft7-fb90-wbwc"]}]),
 ("conv-age-followup", [
   {"message": "How old must I be to use Tinder?", "expect_focus": ["Tinder"], "expected": ["tinder-59dx-nfxg-4b7z", "tinder-6aep-tz3p-nx6b", "tinder-9xrh-ftgd-z3x6", "tinder-etqs-hhw8-zvxe"]},
   {"message": "what about Bumble?", "expect_focus": ["Bumble"], "expected": ["bumble-2wap-94dx-bxff", "bumble-4ynj-fp23-a0t3", "bumble-8js6-m1rj-szvz", "bumble-07pz-8mge-40mf", "bumble-mcb3-60s8-66ez"]}]),
 ("conv-ai-followup", [
   {"message": "Does Zoom use my content to train AI models?", "expect_focus": ["Zoom"], "expected": ["zoom-3qac-kfqh-5rem", "zoom-8nzm-6x4m-x9fc", "zoom-cjjy-hv03-vywb", "zoom-hvmh-4cg0-fgcz"]},
   {"message": "And Twitter?", "expect_focus": ["Twitter"], "expected": ["twitter-7vcc-pa0q-75ep"]}]),
 ("conv-record-lookup", [
   {"message": "Can I sell my Steam account?", "expect_focus": ["Steam"], "expected": ["steam-5pky-q08w-x00a"]},
   {"message": "show me steam-5pky-q08w-x00a", "expect_route": "record", "expected": ["steam-5pky-q08w-x00a"]}]),
 ("conv-encryption-compare", [
   {"message": "Is Signal end-to-end encrypted?", "expect_focus": ["Signal"], "expected": ["signal-5e1z-a80m-hyyp", "signal-w74h-rc1a-ey6t", "signal-jsqb-gj3r-cnwy", "signal-c5sy-degy-5s42"]},
   {"message": "and WhatsApp?", "expect_focus": ["WhatsApp"]},
   {"message": "compare Signal and WhatsApp", "expect_focus": ["Signal", "WhatsApp"], "expect_route": "compare"}]),
 ("conv-handle-that-followup", [
   {"message": "Can Coursera suspend my account without notice?", "expect_focus": ["Coursera"], "expected": ["coursera-2m99-vte5-73xz", "coursera-5dya-tsb3-ex6y", "coursera-8b5j-dtny-mb6a"]},
   {"message": "and how does Spotify handle that?", "expect_focus": ["Spotify"], "expected": ["spotify-0q35-cs1y-ppj1", "spotify-ddsn-8jvn-9s83", "spotify-z8yw-kxrf-5ec2"]},
   {"message": "Does Discord have a similar clause?", "expect_focus": ["Discord"], "expected": ["discord-hft7-fb90-wbwc"]}]),
 ("conv-missing-service-followup", [
   {"message": "Can Spotify terminate my account?", "expect_focus": ["Spotify"], "expected": ["spotify-0q35-cs1y-ppj1", "spotify-ddsn-8jvn-9s83", "spotify-z8yw-kxrf-5ec2", "spotify-5v2e-pjzm-t86t", "spotify-kgdx-bfv6-n4y6"]},
   {"message": "and Myspace?", "expect_route": "missing", "expect_abstain": True},
   {"message": "and Discord?", "expect_focus": ["Discord"], "expected": ["discord-hft7-fb90-wbwc"]}]),
 ("conv-pronoun-keeps-platform", [
   {"message": "Does Facebook sell my personal information?", "expect_focus": ["Facebook"], "expected": ["facebook-c7rv-y5w4-xth9", "facebook-svcr-63v3-7981", "facebook-8aya-ecx7-cv62"]},
   {"message": "Do they share it with researchers?", "expect_focus": ["Facebook"]}]),
]
COMP = [
 ("cmp-minimum-age", "minimum age", ["Tinder", "Discord", "Instagram"], [],
  ["tinder-59dx-nfxg-4b7z", "tinder-6aep-tz3p-nx6b", "tinder-9xrh-ftgd-z3x6", "tinder-etqs-hhw8-zvxe", "discord-hc7a-9vtm-z31d", "instagram-6hhh-f2a7-t0b4"]),
 ("cmp-ai-training", "using my content to train AI models", ["Zoom", "X", "Signal"], ["Signal"],
  ["zoom-3qac-kfqh-5rem", "zoom-8nzm-6x4m-x9fc", "zoom-cjjy-hv03-vywb", "zoom-hvmh-4cg0-fgcz", "x-8zke-x2fp-mqq5", "x-cvz5-198z-gtr5", "x-3wwm-bfn3-75ze", "x-n9br-0kbv-acrn"]),
 ("cmp-arbitration", "arbitration of disputes", ["Zoom", "eBay", "Amazon.com"], [],
  regex_ids("Zoom", r"arbitrat") + regex_ids("eBay", r"arbitrat") + regex_ids("Amazon.com", r"arbitrat")),
 ("cmp-robux-refund", "refunds of Robux", ["Roblox", "Signal"], ["Signal"], ["roblox-hhev-bv0t-e5gv", "roblox-ydgs-jce1-e5sm", "roblox-314a-fp2z-rcqd"]),
 ("cmp-e2e", "end-to-end encryption of messages", ["Signal", "WhatsApp", "Tinder"], ["Tinder"],
  regex_ids("Signal", r"end-to-end") + regex_ids("WhatsApp", r"end-to-end")),
 ("cmp-age-dating", "how old you must be", ["Bumble", "Tinder"], [],
  ["bumble-2wap-94dx-bxff", "bumble-4ynj-fp23-a0t3", "bumble-8js6-m1rj-szvz", "bumble-3hxa-s5y5-gty6", "bumble-07pz-8mge-40mf", "bumble-mcb3-60s8-66ez", "tinder-59dx-nfxg-4b7z", "tinder-6aep-tz3p-nx6b", "tinder-9xrh-ftgd-z3x6", "tinder-etqs-hhw8-zvxe"]),
]

out: list[dict[str, Any]] = []
for cid, q, ids in Q:
    out.append({"id": cid, "type": "question", "question": q, "expected": expand(ids)})
for cid, q in ABSTAIN:
    out.append({"id": cid, "type": "abstain", "question": q})
for cid, rid, text, err in RECORDS:
    case: dict[str, Any] = {"id": cid, "type": "record", "record_id": rid}
    case.update({"expect_error": err} if err else {"expect_text": text})
    out.append(case)
for cid, fields in BAD:
    out.append({"id": cid, "type": "bad_input", **fields, "expect_error": "BadInput"})
for cid, turns in CONV:
    for t in turns:
        if "expected" in t:
            t["expected"] = expand(t["expected"])
    out.append({"id": cid, "type": "conversation", "turns": turns})
for cid, topic, plats, silent, ids in COMP:
    case = {"id": cid, "type": "comparison", "question": topic, "platforms": plats,
            "expect_not_addressed": silent, "expected": expand(ids)}
    out.append(case)
for case in out:  # check expect_text of records
    if case["type"] == "record" and "expect_text" in case:
        text = store.clause_text(case["record_id"].strip())
        assert normalise(case["expect_text"]) in normalise(text), case
with open(sys.argv[1], "w") as fh:
    for case in out:
        fh.write(json.dumps(case, ensure_ascii=False) + "\n")
print(len(out), Counter(c["type"] for c in out))
