"""Dates named in questions: "in August 2023", "since 2022", "before March 2021",
"on 2023-08-07", "between 2022 and 2024". No relative dates ("last year") on purpose: the
answer must say which dates it used, and a relative date depends on when it is read."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = r"(?P<{0}>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{0}>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<{0}>(?:19|20)\d\d)"
_PERIODS = [
    ("iso", r"(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)"),
    ("dmy", rf"{_DAY.format('dd')} (?:of )?{_MONTH.format('dm')},? {_YEAR.format('dy')}"),
    ("mdy", rf"{_MONTH.format('mm')} {_DAY.format('md')},? {_YEAR.format('myr')}"),
    ("my", rf"{_MONTH.format('m')},? {_YEAR.format('y')}"),
    ("y", rf"(?<![\d-]){_YEAR.format('yy')}(?![\d-])"),
]
_PERIOD = "(?:" + "|".join(f"(?P<k{k}>{p})" for k, p in _PERIODS) + ")"
_PERIOD2 = re.sub(r"\(\?P<(\w+)>", r"(?P<\1_2>", _PERIOD)
_OPEN = {"since": "start", "from": "start", "after": "after", "starting": "start",
         "before": "before", "until": "end", "till": "end", "by": "end", "prior to": "before",
         "up to": "end"}
_PATTERN = re.compile(
    rf"\b(?:(?P<between>between|from) {_PERIOD} (?:and|to|-) {_PERIOD2}"
    rf"|(?:(?P<prep>since|from|after|starting|before|until|till|by|prior to|up to|in|during"
    rf"|on|as of|at|around|back in) (?:the )?(?:(?:start|end|beginning|middle) of )?)?"
    rf"{_PERIOD.replace('(?P<', '(?P<s_')})", re.I)


@dataclass(frozen=True)
class DateRange:
    """Inclusive ISO dates; an empty string is an open end."""

    start: str = ""
    end: str = ""
    phrase: str = ""  # the words of the question it was read from

    @property
    def as_of(self) -> str:
        """The day whose versions answer a question about this period: its last day
        (capped at today), or its first day when the period has no end."""
        today = dt.date.today().isoformat()
        if self.end:
            return min(self.end, today)
        return self.start

    def describe(self) -> str:
        if self.start and self.end:
            return self.start if self.start == self.end else f"{self.start} to {self.end}"
        if self.start:
            return f"since {self.start}"
        return f"up to {self.end}" if self.end else "any date"

    def contains(self, iso: str) -> bool:
        return (not self.start or iso >= self.start) and (not self.end or iso <= self.end)


def _period(m: re.Match, p: str, suffix: str = "") -> tuple[str, str] | None:
    def g(name: str) -> str:
        return m.group(f"{p}{name}{suffix}") or ""

    try:
        if g("kiso"):
            d = dt.date(int(g("iy")), int(g("im")), int(g("id")))
            return d.isoformat(), d.isoformat()
        if g("kdmy"):
            d = dt.date(int(g("dy")), _MONTHS[g("dm").lower()], int(g("dd")))
            return d.isoformat(), d.isoformat()
        if g("kmdy"):
            d = dt.date(int(g("myr")), _MONTHS[g("mm").lower()], int(g("md")))
            return d.isoformat(), d.isoformat()
        if g("kmy"):
            year, month = int(g("y")), _MONTHS[g("m").lower()]
            last = calendar.monthrange(year, month)[1]
            return f"{year}-{month:02d}-01", f"{year}-{month:02d}-{last:02d}"
        if g("ky"):
            return f"{g('yy')}-01-01", f"{g('yy')}-12-31"
    except ValueError:  # 31 February and the like
        return None
    return None


def _day_before(iso: str) -> str:
    return (dt.date.fromisoformat(iso) - dt.timedelta(days=1)).isoformat()


def _day_after(iso: str) -> str:
    return (dt.date.fromisoformat(iso) + dt.timedelta(days=1)).isoformat()


def extract_dates(question: str) -> DateRange | None:
    """The first date or period the question names, as a range; None when it names none."""
    for m in _PATTERN.finditer(question):
        if m.group("between"):
            a, b = _period(m, ""), _period(m, "", "_2")
            if a and b:
                return DateRange(min(a[0], b[0]), max(a[1], b[1]), m.group(0))
            continue
        got = _period(m, "s_")
        if got is None:
            continue
        start, end = got
        prep = (m.group("prep") or "").lower()
        role = _OPEN.get(prep, "period")
        if role == "start":
            return DateRange(start, "", m.group(0))
        if role == "after":
            return DateRange(_day_after(end), "", m.group(0))
        if role == "before":
            return DateRange("", _day_before(start), m.group(0))
        if role == "end":
            return DateRange("", end, m.group(0))
        return DateRange(start, end, m.group(0))
    return None


def strip_dates(question: str, dates: DateRange | None) -> str:
    """The question without its date phrase (so retrieval is not steered by the words)."""
    if not dates or not dates.phrase:
        return question
    out = question.replace(dates.phrase, " ")
    return re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", out)).strip()
