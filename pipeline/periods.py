"""Time expressions: the periods a text names, resolved against the article's reference date.

Pure text functions (no spaCy): `find_periods(text, reference)` lists the period mentions of a
text with their dates and role; `assign(...)` picks the one a figure refers to. Relative
expressions (`this year`, `the first half of the year`) resolve against the reference date and
never against today's date; without a reference date they stay unresolved (None).
The vocabularies are data in rules/link/periods.yaml.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from . import lexicons as L
from . import quantity_rules
from .published import date_rules, dateparser_date
from .rules import alternation, load_yaml


YEAR = r"(?:19[5-9]\d|20\d\d)"

# Roles of a period mention: the time a figure covers (`span`), an open-start deadline (`by`),
# a status date (`as_of`), an open-end start (`since`), the start or the completion of an
# event (`start_event`, `end_event`), and the base of a comparison (`comparison`, never assigned).
ROLES = ("span", "by", "as_of", "since", "start_event", "end_event", "comparison")


@dataclass(frozen=True)
class PeriodMention:
    start_char: int
    end_char: int
    start: dt.date | None
    end: dt.date | None
    evidence: str   # `plan_period`, `year_range`, `year_part`, `month_range`, `explicit_date`, `relative`, `explicit_year`, …
    role: str = "span"

    @property
    def start_year(self) -> int | None:
        return self.start.year if self.start else None

    @property
    def end_year(self) -> int | None:
        return self.end.year if self.end else None


def rules() -> L.PeriodsLexicon:
    """rules/link/periods.yaml as its typed shape (pipeline/lexicons.py)."""
    return L.periods()


def month_names() -> dict[str, int]:
    """Month name or abbreviation (lower case) -> number: the one month table, rules/clean/dates.yaml's,
    shared with the publication dates (pipeline/published.py)."""
    return date_rules().month_names


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern]]:
    """(name, compiled regex) in priority order: earlier names win overlaps of equal length."""
    r = rules()
    month = rf"(?P<mon>{alternation(month_names())})\.?"
    rel = "|".join(f"(?:{k})" for k in r.relative_years)
    year_ref = rf"(?:\s+(?:of\s+)?(?:(?P<rel>{rel})|(?P<year>{YEAR})))?"
    ordinals = alternation(r.ordinal_words)
    parts = alternation(r.year_parts)
    spelled = alternation(quantity_rules.scales().units)  # the one number-word table

    def sub(p: str) -> str:
        return p.replace("{YEAR}", YEAR).replace("{MONTH}", month)

    specs = [
        ("comparison", "|".join(f"(?:{sub(p)})" for p in r.comparison_phrases)),
        ("plan_period", rf"(?:the\s+)?(?P<ord>\d{{1,2}}(?:st|nd|rd|th)|{ordinals})\s+five[- ]year\s+plan"
                        rf"(?:\s+period)?(?:\s*\(\s*{YEAR}\s*[-–]\s*\d{{2,4}}\s*\))?"),
        ("year_range", rf"(?:from\s+|between\s+)?(?P<y1>{YEAR})\s*(?:to|and|through|until|till|-|–|/)\s*"
                       rf"(?P<y2>{YEAR}|\d\d)(?![-/.]?\d)"),
        ("first_months", rf"(?:the\s+)?first\s+(?P<n>\d{{1,2}}|{spelled})"
                         rf"\s+months{year_ref}"),
        ("year_part", rf"(?:the\s+)?(?P<part>{parts}){year_ref}"),
        ("month_range", rf"(?:from\s+)?(?P<m1>{alternation(month_names())})\.?\s*(?:-|–|to|through)\s*"
                        rf"(?P<m2>{alternation(month_names())})\.?(?:\s+(?:of\s+)?(?P<year>{YEAR}))?"),
        ("by", rf"\b(?:by|until|till|no\s+later\s+than|from\s+now\s+(?:to|until|till|through))\s+"
               rf"(?:the\s+(?:end|middle)\s+of\s+|end[- ]|mid[- ])?(?:the\s+year\s+)?(?:(?P<rel>{rel})|(?P<year>{YEAR}))"),
        ("as_of", rf"\bas\s+of\s+(?:the\s+end\s+of\s+)?(?:{month}\s+)?(?:(?P<rel>{rel})|(?P<year>{YEAR}))"),
        ("since", rf"\bsince\s+(?:the\s+(?:beginning|start)\s+of\s+)?(?:{month}\s+)?(?:(?P<rel>{rel})|(?P<year>{YEAR}))"),
        ("past_years", rf"\b(?:in|over|during)\s+the\s+(?:past|last)\s+(?P<n>\d{{1,2}}|{spelled})\s+years"),
        # `by 2020 and to over 1 trillion yuan in another two years`: counted from the period before
        ("later_years", rf"\b(?:in|within|after)\s+(?:an)?other\s+(?P<n>\d{{1,2}}|{spelled})\s+years"
                        rf"|\b(?P<n2>\d{{1,2}}|{spelled})\s+years\s+later\b"),
        ("iso_date", rf"(?<![\d-])(?P<y>{YEAR})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"),
        ("explicit_date", rf"\b{month}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<year>{YEAR}))?"),
        ("month_year", rf"\b{month}\s*,?\s+(?P<year>{YEAR})"),
        ("relative", rf"\b(?:in\s+the\s+end\s+of\s+|at\s+the\s+end\s+of\s+)?(?P<rel>{rel})\b"),
        ("month", rf"\b(?:in|during|since|from)\s+(?:early\s+|late\s+|mid-)?{month}(?=[\s,.;]|$)"),
        ("explicit_year", rf"(?<![\d.,/-])(?P<year>{YEAR})(?![\d%]|[.,]\d|\s*(?:percent|per\s+cent|yuan)|s\b)"),
    ]
    return [(name, re.compile(p, re.IGNORECASE)) for name, p in specs]


def _number(text: str) -> int:
    """A count written in digits or spelled (rules/quantities/scales.yaml `units`, the one number-word table)."""
    return int(text) if text.isdigit() else quantity_rules.scales().units[text.lower()]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year_span(year: int | None) -> tuple[dt.date | None, dt.date | None]:
    return (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else (None, None)


def _relative_offset(phrase: str) -> int:
    for pattern, offset in rules().relative_years.items():
        if re.fullmatch(pattern, phrase.strip(), re.IGNORECASE):
            return int(offset)
    return 0


def _year_of(m: re.Match, reference: dt.date | None) -> int | None:
    """The year a match names: its explicit year, its relative phrase, else the reference year."""
    groups = m.groupdict()
    if groups.get("year"):
        return int(groups["year"])
    if reference is None:
        return None
    if groups.get("rel"):
        return reference.year + _relative_offset(groups["rel"])
    return reference.year


def _month_number(name: str) -> int:
    return month_names()[name.lower().rstrip(".")]


def _resolve(name: str, m: re.Match, reference: dt.date | None) -> tuple[dt.date | None, dt.date | None, str, str] | None:
    """(start, end, evidence, role) of one match, or None when it names no usable period."""
    g = m.groupdict()
    if name == "comparison":
        return None, None, "comparison", "comparison"
    if name == "plan_period":
        n = int(re.match(r"\d+", g["ord"]).group()) if g["ord"][0].isdigit() else rules().ordinal_words[g["ord"].lower()]
        years = rules().five_year_plans.get(n)
        if not years:
            return None
        return dt.date(years[0], 1, 1), dt.date(years[1], 12, 31), "plan_period", "span"
    if name == "year_range":
        y1 = int(g["y1"])
        y2 = int(g["y2"]) if len(g["y2"]) == 4 else y1 // 100 * 100 + int(g["y2"])
        if not y1 < y2 <= y1 + 50:
            return None
        return dt.date(y1, 1, 1), dt.date(y2, 12, 31), "year_range", "span"
    if name == "first_months":
        year = _year_of(m, reference)
        n = _number(g["n"])
        if year is None or not 1 <= n <= 12:
            return None
        return dt.date(year, 1, 1), _month_end(year, n), "year_part", "span"
    if name == "year_part":
        year = _year_of(m, reference)
        first, last = rules().year_parts[g["part"].lower()]
        if year is None:
            return None
        return dt.date(year, first, 1), _month_end(year, last), "year_part", "span"
    if name == "month_range":
        year = _year_of(m, reference)
        m1, m2 = _month_number(g["m1"]), _month_number(g["m2"])
        if year is None or m1 > m2:
            return None
        return dt.date(year, m1, 1), _month_end(year, m2), "month_range", "span"
    if name in ("by", "as_of"):
        year = _year_of(m, reference)
        if year is None:
            return None
        if g.get("mon"):
            return None, _month_end(year, _month_number(g["mon"])), name, name
        return None, dt.date(year, 12, 31), name, name
    if name == "since":
        year = _year_of(m, reference)
        if year is None:
            return None
        month = _month_number(g["mon"]) if g.get("mon") else 1
        return dt.date(year, month, 1), reference, "since", "since"
    if name == "past_years":
        if reference is None:
            return None
        n = _number(g["n"])
        return dt.date(reference.year - n, 1, 1), dt.date(reference.year - 1, 12, 31), "relative", "span"
    if name == "later_years":
        return None   # resolved against the period before it (find_periods)
    if name == "iso_date":
        try:
            day = dt.date(int(g["y"]), int(g["m"]), int(g["d"]))
        except ValueError:
            return None
        return day, day, "explicit_date", "span"
    if name == "explicit_date":
        day = _parse_date(m.group(0), reference)
        if day is None:
            return None
        return day, day, "explicit_date", "span"
    if name in ("month_year", "month"):
        year = _year_of(m, reference)
        if year is None:
            return None
        month = _month_number(g["mon"])
        return dt.date(year, month, 1), _month_end(year, month), "explicit_date", "span"
    if name == "relative":
        if reference is None:
            return None
        start, end = _year_span(reference.year + _relative_offset(g["rel"]))
        return start, end, "relative", "span"
    if name == "explicit_year":
        start, end = _year_span(int(g["year"]))
        return start, end, "explicit_year", "span"
    return None


@lru_cache(maxsize=4096)  # dateparser costs ~2 ms a call; datelines and report dates repeat across articles
def _parse_date(text: str, reference: dt.date | None) -> dt.date | None:
    """A calendar date (`July 16, 2022`, `Jan. 23`): a missing year comes from the reference date."""
    if reference is None and not re.search(YEAR, text):
        return None
    return dateparser_date(text, reference)


@lru_cache(maxsize=1)
def _event_patterns() -> tuple[re.Pattern, re.Pattern]:
    r = rules()
    return (re.compile(r.start_event_words, re.IGNORECASE), re.compile(r.end_event_words, re.IGNORECASE))


def find_periods(text: str, reference: dt.date | None) -> list[PeriodMention]:
    """Every period mention of `text`, in text order, without overlaps (the longest wins)."""
    candidates = []
    for priority, (name, pattern) in enumerate(_patterns()):
        for m in pattern.finditer(text):
            candidates.append((m.start(), m.end(), priority, name, m))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    taken: list[tuple[int, int]] = []
    mentions: list[PeriodMention] = []
    later: list[re.Match] = []
    for start, end, _, name, m in candidates:
        if any(start < e and s < end for s, e in taken):
            continue
        if name == "later_years":
            taken.append((start, end))
            later.append(m)
            continue
        resolved = _resolve(name, m, reference)
        if resolved is None:
            continue
        taken.append((start, end))
        p_start, p_end, evidence, role = resolved
        mentions.append(PeriodMention(start, end, p_start, p_end, evidence, role))
    mentions.sort(key=lambda p: p.start_char)
    mentions = [_with_event_role(p, text) for p in mentions]
    for m in later:
        resolved = _after_previous(m, mentions)
        if resolved is not None:
            mentions.append(resolved)
    return sorted(mentions, key=lambda p: p.start_char)


# How far back (characters) `in another two years` looks for the period it counts from: the
# same sentence in practice (the dev case has its deadline 60 characters before).
_LATER_WINDOW = 200


def _after_previous(m: re.Match, mentions: list[PeriodMention]) -> PeriodMention | None:
    """`in another two years`: a deadline that many years after the end of the period before it."""
    before = [p for p in mentions if p.end_char <= m.start() and p.end is not None
              and m.start() - p.end_char <= _LATER_WINDOW and p.role != "comparison"]
    if not before:
        return None
    n = _number(m.group("n") or m.group("n2"))
    year = before[-1].end.year + n
    return PeriodMention(m.start(), m.end(), None, dt.date(year, 12, 31), "relative_to_previous", "by")


def _with_event_role(p: PeriodMention, text: str) -> PeriodMention:
    """A period right after `started`/`completed` marks an event's start or end, not a span."""
    if p.role not in ("span",):
        return p
    before = text[max(0, p.start_char - 40):p.start_char]
    start_words, end_words = _event_patterns()
    if end_words.search(before):
        return replace(p, role="end_event")
    if start_words.search(before):
        return replace(p, role="start_event")
    return p


def merge_events(mentions: list[PeriodMention]) -> PeriodMention | None:
    """One period from an event's start and completion (`started in 2017 … completed in 2027`)."""
    starts = [p for p in mentions if p.role == "start_event"]
    ends = [p for p in mentions if p.role in ("end_event", "by")]
    if not starts and not [p for p in mentions if p.role == "end_event"]:
        return None
    first = starts[0] if starts else None
    last = ends[-1] if ends else None
    anchor = first or last
    return PeriodMention(anchor.start_char, (last or first).end_char, first.start if first else None,
                         last.end if last else None, "event", "span")


def assign(mentions: list[PeriodMention], start: int, end: int,
           lo: int | None = None, hi: int | None = None) -> PeriodMention | None:
    """The period a figure at `start:end` refers to, among the mentions between `lo` and `hi`.

    The nearest usable mention wins; one right after the figure (`4.4% in 2016`) counts as
    adjacent. Comparison bases (`same period last year`) are never a figure's period.
    """
    best, best_distance = None, None
    for p in mentions:
        if p.role == "comparison" or (lo is not None and p.start_char < lo) or (hi is not None and p.end_char > hi):
            continue
        if p.start_char >= end:
            distance = p.start_char - end
        elif p.end_char <= start:
            # A period before the figure is slightly farther than one after at the same gap:
            # `rose from 4.4% in 2016 to 4.7% in 2021` pairs each value with the year after it.
            distance = start - p.end_char + 2
        else:
            distance = 0
        if best_distance is None or distance < best_distance:
            best, best_distance = p, distance
    return best


def years_of(p: PeriodMention | None) -> tuple[int | None, int | None]:
    """(start_year, end_year) of a target period: `by 2025` -> (None, 2025)."""
    if p is None:
        return None, None
    return p.start_year, p.end_year
