"""Recognise the platforms a question names: exact names and aliases (case-insensitive),
small typos (fuzzy), and nothing when none is named."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from corpus.errors import BadInput, quoted
from corpus.ids import platform_slug

MAX_NAME = 200  # characters of a platform name given on purpose (the longest real one is ~40)

# extra names people use; the value is a platform display name as in the corpus
ALIASES = {
    "fb": "Facebook", "meta": "Facebook", "insta": "Instagram", "ig": "Instagram",
    "x.com": "X", "x (twitter)": "X", "yt": "YouTube",
    "whats app": "WhatsApp", "chat gpt": "ChatGPT", "openai": "OpenAI", "claude": "Claude.ai",
    "anthropic": "Claude.ai", "aws": "Amazon Web Services", "amazon": "Amazon.com",
    "google play store": "Google Play", "play store": "Google Play", "msft": "Microsoft",
    "gemini": "Google Generative AI Services", "copilot": "Microsoft Copilot",
    "mistral": "Mistral AI", "le chat": "Le Chat", "dall-e": "DALL·E", "dalle": "DALL·E",
    "proton": "Proton Mail", "protonmail": "Proton Mail",
}
# names that are also ordinary words: they count only when capitalised as a name
COMMON_WORDS = {"x", "line", "signal", "match", "bolt", "threads", "brave", "steam", "her",
                "lex", "hily", "zoom", "discord", "bumble", "medium", "grammarly", "meta",
                "vibe", "cursor", "substack", "lovable", "perplexity", "claude", "copilot"}
_WORD = re.compile(r"[\w][\w.'’·&+-]*")
# a capitalised word where a question puts a service's name: "Does Myspace ...", "Myspace's
# terms", "use Myspace", "on Myspace"
_NAME = r"([A-Z][\w.&+-]*[\w+](?:\s[A-Z][\w&+-]*[\w+])?)"
_SERVICE_SLOT = re.compile(
    rf"^\s*(?i:does|do|did|can|could|will|would|is|are|may|might|should|has|have)\s+{_NAME}\b"
    rf"(?!\s+(?:I|we|you|they|my|me)\b)|\b{_NAME}['’]s\b|\b(?i:on|use|using|with|join|"
    rf"joining|leave|quit|delete|from|at|about|by)\s+{_NAME}\b(?!['’]s)")
# capitalised words that are not service names: places, laws, agencies, document words
NOT_SERVICES = frozenset("""I I'm I've I'd EU US USA UK EEA GDPR CCPA CPRA COPPA DMCA DSA FTC
CFAA ROSCA AI API APIs SMS IP VPN DNT California Texas New York Europe European America
American Canada Canadian Australia Germany German France French India Ireland Irish Japan
China Brazil English Terms Privacy Policy Service Services Community Guidelines Cookie
Cookies Which What When Where Who Whom Why How If Is Are Do Does Can Could Will Would May
Might Should Has Have Did My Our Your The This That These Those A An Internet Web Android
iOS Windows Mac ChatGPT's Google Apple Microsoft Amazon Meta Thanks Thank Hello Hi Hey Yes
No Ok Okay Sure Great Cool Nice Really Please Sorry Help Spain Spanish Italy Italian Netherlands
Dutch Belgium Sweden Norway Denmark Finland Poland Austria Switzerland Swiss Portugal Greece
Mexico Argentina Chile Colombia Korea Singapore Indonesia Turkey Russia Ukraine Israel Egypt
Nigeria Kenya Africa Asia Quebec Ontario Virginia Colorado Illinois Washington Florida Britain
British England Scotland Wales Brexit Latin UAE Vietnam Philippines Thailand
Malaysia Pakistan Bangladesh Zealand""".split())
# a name listed beside another ("Zoom and Slack", "Slack, Zoom") or standing alone after a
# follow-up's opening ("and Myspace?", "what about Friendster?")
_LISTED = re.compile(rf"(?:\b(?i:and|or|vs\.?|versus)\s+|,\s*){_NAME}|"
                     rf"{_NAME}(?=\s*(?:,|\b(?i:and|or|vs\.?|versus)\b))")
# how a follow-up opens ("and Spotify?", "what about cookies?"): the chat drops it from a topic
FOLLOW_UP_OPENING = (r"and|also|but|so|ok|okay|what about|how about|and what about|same for|"
                     r"same question for|now|then")
_ALONE = re.compile(rf"^\s*(?i:{FOLLOW_UP_OPENING})\s+{_NAME}\s*[?.!]*\s*$")
_LEADING = frozenset("compare contrast between and or versus vs".split())
# what may stand between two names of one list: "Zoom, Discord and Slack", "Zoom vs Webex"
LIST_GAP = re.compile(r"\s*(?:(?:,|&|/|\b(?:and|or|vs\.?|versus)\b)\s*)*", re.I)


class PlatformMatcher:
    def __init__(self, names: dict[str, str]):
        """``names``: platform ID -> display name, as the store holds them."""
        self.names = names
        by_lower = {n.lower(): pid for pid, n in names.items()}
        self.table: dict[str, str] = dict(by_lower)
        for pid in names:
            self.table.setdefault(pid.replace("-", " "), pid)
        for alias, target in ALIASES.items():
            target_pid = by_lower.get(target.lower())
            if target_pid:
                self.table.setdefault(alias, target_pid)
        self._max_words = max((len(k.split()) for k in self.table), default=1)

    def find(self, text: str) -> list[str]:
        """Platform IDs named in ``text``, in order of mention."""
        found: list[str] = []
        for pid, _, _ in self.find_spans(text):
            if pid not in found:
                found.append(pid)
        return found

    def find_spans(self, text: str) -> list[tuple[str, int, int]]:
        """(platform ID, start, end) of every mention in ``text``."""
        spans = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
        found: list[tuple[str, int, int]] = []
        i = 0
        while i < len(spans):
            hit = None
            for n in range(min(self._max_words, len(spans) - i), 0, -1):
                chunk = text[spans[i][0]:spans[i + n - 1][1]]
                key = re.sub(r"['’]s$", "", chunk).strip(".,;:!?").lower()
                pid = self.table.get(key)
                if pid and self._plausible(chunk, key, i):
                    hit = (pid, n)
                    break
            if hit is None:
                word = re.sub(r"['’]s$", "", spans[i][2]).strip(".,;:!?")
                pid = self._fuzzy(word)
                if pid:
                    hit = (pid, 1)
            if hit:
                found.append((hit[0], spans[i][0], spans[i + hit[1] - 1][1]))
                i += hit[1]
            else:
                i += 1
        return found

    def _plausible(self, chunk: str, key: str, index: int) -> bool:
        if key not in COMMON_WORDS:
            return True
        # a common word counts only written as a name: capitalised and not just sentence-initial
        return chunk[:1].isupper() and (index > 0 or chunk.isupper() or len(key) > 4)

    def _fuzzy(self, word: str) -> str | None:
        if len(word) < 5 or (not word[:1].isupper() and len(word) < 6):
            return None
        cutoff = 85 if word[:1].isupper() else 88
        got = process.extractOne(word.lower(), list(self.table), scorer=fuzz.ratio,
                                 score_cutoff=cutoff)
        if got and got[0] not in COMMON_WORDS and abs(len(got[0]) - len(word)) <= 2:
            return self.table[got[0]]
        return None

    def unknown(self, text: str) -> str | None:
        """A name the question uses as a service's that is no platform of the corpus
        ("Does Myspace sell my data?"), so the answer can say so instead of answering for
        other platforms. None when the question names a known platform or no such name."""
        if self.find(text):
            return None
        for m in _SERVICE_SLOT.finditer(text):
            name = next(g for g in m.groups() if g)
            if not self._not_a_service(name):
                return name
        return None

    def unknown_spans(self, text: str, known: list[tuple[str, int, int]] | None = None
                      ) -> list[tuple[str, int, int]]:
        """(name, start, end) of every name a chat message uses as a service's that is no
        platform of the corpus, beside the platforms it does name ("compare Zoom and
        Slack") or after a follow-up's opening ("and Myspace?"), so a conversation never
        answers for the platforms in focus instead. ``known``: ``find_spans(text)``, when the
        caller has it."""
        known = self.find_spans(text) if known is None else known
        out: list[tuple[str, int, int]] = []
        listed: list[tuple[str, int, int]] = []
        # with a platform named, only names listed beside it count ("does Zoom share data with
        # Salesforce?" asks about Zoom); without one, a name where a service's goes
        for rx in (_LISTED,) if known else (_SERVICE_SLOT, _ALONE, _LISTED):
            for m in rx.finditer(text):
                g = next(i for i in range(1, (m.re.groups or 0) + 1) if m.group(i))
                start, end = m.span(g)
                words = m.group(g).split()
                while words and words[0].lower() in _LEADING:  # "Compare Slack and Zoom"
                    start = text.index(words[1], start) if len(words) > 1 else end
                    words = words[1:]
                name = " ".join(words)
                acronym = rx is not _SERVICE_SLOT and name.isupper() and len(name) <= 4
                if (not name or acronym or self._not_a_service(name)  # "AI and ML"
                        or any(s < end and start < e for _, s, e in known)
                        or any(n == name for n, _, _ in out + listed)):
                    continue
                (listed if rx is _LISTED else out).append((name, start, end))
        # a listed name counts only in a list that holds a platform or a name found above:
        # "Zoom, Discord and Slack", not "does Zoom share data with Salesforce and Marketo?"
        anchors = [(s, e) for _, s, e in known + out]
        while True:
            joined = [t for t in listed if any(
                LIST_GAP.fullmatch(text[min(e, t[2]):max(s, t[1])]) for s, e in anchors)]
            if not joined:
                break
            out += joined
            anchors += [(s, e) for _, s, e in joined]
            listed = [t for t in listed if t not in joined]
        return sorted(out, key=lambda t: t[1])

    def _not_a_service(self, name: str) -> bool:
        return (name.split()[0] in NOT_SERVICES or name in NOT_SERVICES
                or name.lower() in self.table)

    def resolve(self, name: str) -> str:
        """A platform ID for a name given on purpose (a --platform flag), or a helpful error."""
        if len(name) > MAX_NAME:
            raise BadInput(f"unknown platform {quoted(name)}: platform names are at most "
                           f"{MAX_NAME} characters")
        key = name.strip().lower()
        pid = self.table.get(key) or (platform_slug(name) if platform_slug(name) in self.names
                                      else None)
        if pid:
            return pid
        found = self.find(name)
        if len(found) == 1:
            return found[0]
        close = process.extract(key, list(self.table), scorer=fuzz.WRatio, limit=3)
        hint = ", ".join(self.names[self.table[c[0]]] for c in close)
        raise BadInput(f"unknown platform {quoted(name)}; closest known: {hint}")
