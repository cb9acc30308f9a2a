"""Article metadata from a page's text: publication date, publisher, and the latest date in the body.

The publication date is chosen among candidates: every date printed in the page header (a
metadata line such as `(Xinhua) Updated: 2016-03-03 11:02`), a dateline (`BEIJING, March 5,
2024 --`), a metadata line below the body, and for HTML the page's own metadata read by
htmldate; never a date the body talks about. Each candidate has features (its place, label,
whether its line is only metadata, ...); weighted features give a score and the best wins
(`best_candidate`), and its evidence is kept. Formats, lexicons and weights live in
rules/clean/dates.yaml and rules/clean/publishers.yaml; dateparser reads only the few header
lines that carry a date label but no known format.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass

import dateparser

from .rules import RulesError, alternation
from .rules import load as load_rules


_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?![\w:])", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class DateRules:
    month_names: dict[str, int]
    full_patterns: tuple[re.Pattern, ...]
    header_patterns: tuple[re.Pattern, ...]
    date_labels: re.Pattern
    dateline: re.Pattern
    infer_dateline_year: bool
    horizon_words: re.Pattern
    body_year: re.Pattern
    min_year: int
    dateparser_languages: tuple[str, ...]
    dateparser_settings: dict
    label_kinds: tuple[tuple[str, re.Pattern], ...]
    label_max_gap: int
    weights: "CandidateWeights"
    body_opening_max_chars: int


PLACES = ("html_published", "html_updated", "below_title", "title_line", "above_title", "header",
          "body_opening", "dateline", "below_body")


# --------------------------------------------------------------------------- the rules files' shapes

@dataclass(frozen=True)
class DateparserRules:
    languages: list[str]
    relative_base: str
    prefer_dates_from: str
    require_parts: list[str]
    parsers: list[str]


@dataclass(frozen=True)
class DatesFile:
    """rules/clean/dates.yaml."""
    month_names: dict[str, int]
    full_date_patterns: dict[str, str]
    header_only_patterns: dict[str, str]
    date_labels: dict[str, str]
    label_max_gap: int
    dateline: str
    infer_dateline_year: bool
    horizon_words: str
    body_year: str
    min_year: int
    dateparser: DateparserRules
    candidate_weights: CandidateWeights
    body_opening_max_chars: int

    def __post_init__(self):
        unknown = sorted(set(self.candidate_weights.label) - set(self.date_labels))
        if unknown:
            raise RulesError(f"candidate_weights.label: unknown labels {unknown}")


@dataclass(frozen=True)
class PublishersFile:
    """rules/clean/publishers.yaml: canonical name -> its aliases, and what a bare domain looks like."""
    publishers: dict[str, list[str]]
    domain: str


@dataclass(frozen=True)
class CandidateWeights:
    place: dict[str, float]
    label: dict[str, float]
    meta_line: float
    with_time: float
    furniture: float
    year_inferred: float

    def __post_init__(self):
        if set(self.place) != set(PLACES):
            raise RulesError(f"candidate_weights.place: places must be {sorted(PLACES)}, got {sorted(self.place)}")


@dataclass(frozen=True)
class PublisherRules:
    aliases: re.Pattern          # every alias, longest first
    canonical: dict[str, str]    # lower-case alias -> canonical name
    domain: re.Pattern


@dataclass(frozen=True)
class MetaLine:
    """What a page-metadata line says: its date (if any, valid) and the publishers it names."""

    date: dt.date | None
    publishers: tuple[str, ...]


@functools.cache
def date_rules() -> DateRules:
    data = load_rules("clean/dates.yaml", DatesFile)
    months = {k.lower(): v for k, v in data.month_names.items()}
    month_alt = alternation(months)

    def compile_(pattern: str) -> re.Pattern:
        return re.compile(pattern.replace("{MONTH}", month_alt), re.I)

    dp = data.dateparser
    labels = data.date_labels
    settings = {
        "RELATIVE_BASE": dt.datetime.fromisoformat(dp.relative_base),
        "PREFER_DATES_FROM": dp.prefer_dates_from,
        "REQUIRE_PARTS": list(dp.require_parts),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": list(dp.parsers),
    }
    return DateRules(
        month_names=months,
        full_patterns=tuple(compile_(p) for p in data.full_date_patterns.values()),
        header_patterns=tuple(compile_(p) for p in data.header_only_patterns.values()),
        date_labels=re.compile("(?:" + "|".join(f"(?:{p})" for p in labels.values()) + r")\s*[:：]?", re.I),
        # The dateline's place is upper case: matched case-sensitively (month names are capitalised).
        dateline=re.compile(data.dateline.replace("{MONTH}", _capitalised_alternation(months))),
        infer_dateline_year=data.infer_dateline_year,
        horizon_words=re.compile(data.horizon_words, re.I),
        body_year=re.compile(data.body_year),
        min_year=data.min_year,
        dateparser_languages=tuple(dp.languages),
        dateparser_settings=settings,
        label_kinds=tuple((kind, re.compile(rf"(?:{p})\s*[:：]?", re.I)) for kind, p in labels.items()),
        label_max_gap=data.label_max_gap,
        weights=data.candidate_weights,
        body_opening_max_chars=data.body_opening_max_chars,
    )


def _capitalised_alternation(months: dict[str, int]) -> str:
    return alternation([form for n in months for form in (n.capitalize(), n.upper())])


@functools.cache
def publisher_rules() -> PublisherRules:
    data = load_rules("clean/publishers.yaml", PublishersFile)
    canonical: dict[str, str] = {}
    for name, aliases in data.publishers.items():
        for alias in [name, *aliases]:
            canonical[alias.lower()] = name
    names = alternation(canonical)
    return PublisherRules(
        aliases=re.compile(rf"(?<![\w.])(?:{names})(?![\w])", re.I),
        canonical=canonical,
        domain=re.compile(data.domain, re.I),
    )


def today() -> dt.date:
    """The day of the run: no article can be published after it."""
    return dt.date.today()


def make_date(year: int, month: int, day: int) -> dt.date | None:
    """A real calendar date between rules' min_year and the day of the run, else None."""
    try:
        date = dt.date(year, month, day)
    except (ValueError, OverflowError):
        return None
    if date.year < date_rules().min_year or date > today():
        return None
    return date


def _month(match: re.Match) -> int:
    groups = match.groupdict()
    if groups.get("monthname"):
        return date_rules().month_names[groups["monthname"].lower().rstrip(".")]
    return int(groups["month"])


def _date_of(match: re.Match) -> dt.date | None:
    groups = match.groupdict()
    if groups.get("year"):
        year = int(groups["year"])
    elif groups.get("year2"):
        year = 2000 + int(groups["year2"])
    else:
        return None
    return make_date(year, _month(match), int(groups["day"]))


def full_dates(text: str) -> list[tuple[int, int, dt.date]]:
    """(start, end, date) of every valid full date (day, month, year) in `text`, in text order."""
    found: list[tuple[int, int, dt.date]] = []
    taken: list[tuple[int, int]] = []
    for pattern in date_rules().full_patterns:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append(m.span())
            date = _date_of(m)
            if date is not None:
                found.append((m.start(), m.end(), date))
    return sorted(found)


def header_date_spans(line: str) -> list[tuple[int, int, dt.date | None]]:
    """Date expressions of a header line (full dates and header-only site formats), valid or not."""
    spans: list[tuple[int, int, dt.date | None]] = []
    rules = date_rules()
    for pattern in rules.full_patterns + rules.header_patterns:
        for m in pattern.finditer(line):
            if any(m.start() < e and s < m.end() for s, e, _ in spans):
                continue
            spans.append((m.start(), m.end(), _date_of(m)))
    return sorted(spans, key=lambda s: s[0])


def dateparser_date(text: str, reference: dt.date | None = None) -> dt.date | None:
    """`text` read by dateparser with the one set of settings (rules/clean/dates.yaml `dateparser`),
    for header dates and body periods alike: a missing year is the reference date's; with no
    reference the year must be written."""
    rules = date_rules()
    settings = dict(rules.dateparser_settings)
    if reference is None:
        settings["REQUIRE_PARTS"] = [*settings["REQUIRE_PARTS"], "year"]
    else:
        settings["RELATIVE_BASE"] = dt.datetime.combine(reference, dt.time())
    try:
        parsed = dateparser.parse(text, languages=list(rules.dateparser_languages), settings=settings)
    except Exception:  # noqa: BLE001 - dateparser can raise on odd input; no date then
        return None
    return parsed.date() if parsed else None


def parse_with_dateparser(text: str) -> dt.date | None:
    """dateparser on a short header string (full date required), validated."""
    date = dateparser_date(text[:60])
    return make_date(date.year, date.month, date.day) if date else None


def parse_date_string(value: object) -> dt.date | None:
    """A date given as metadata (JSONL `published`, trafilatura's date): ISO first, then dateparser."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return make_date(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return make_date(value.year, value.month, value.day)
    text = str(value).strip()
    if not text:
        return None
    spans = header_date_spans(text)
    for _, _, date in spans:
        if date is not None:
            return date
    return parse_with_dateparser(text)


def metadata_line(line: str, filler_words: frozenset[str], max_leftover_words: int, max_chars: int) -> MetaLine | None:
    """The line read as a page-metadata line (date, source, widgets), or None when it says more than that.

    A metadata line is one whose words, once its dates, times, date labels, publisher names,
    domains and `filler_words` are removed, are at most `max_leftover_words`; it must carry
    a date or a date label, so that a short heading is never taken for metadata.
    """
    if len(line) > max_chars:
        return None
    rules = date_rules()
    spans = header_date_spans(line)
    has_label = rules.date_labels.search(line) is not None
    if not spans and not has_label:
        return None
    rest = line
    for start, end, _ in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    publishers = publishers_named(rest)
    prules = publisher_rules()
    rest = prules.aliases.sub(" ", rest)
    rest = prules.domain.sub(" ", rest)
    rest = _TIME.sub(" ", rest)
    rest = rules.date_labels.sub(" ", rest)
    leftover = [w for w in _WORD.findall(rest) if w.lower() not in filler_words]
    # What metadata leaves is names (`Gov`, `Zhang Wei`); a sentence leaves lower-case words.
    if len(leftover) > max_leftover_words or sum(w[:1].islower() for w in leftover) > 1:
        return None
    date = next((d for _, _, d in spans if d is not None), None)
    if date is None and not spans and has_label:
        label = rules.date_labels.search(line)
        date = parse_with_dateparser(line[label.end():]) if label else None
        if date is None:
            return None  # a label with nothing that reads as a date: not a metadata line
    return MetaLine(date=date, publishers=publishers)


def publishers_named(text: str) -> tuple[str, ...]:
    """Canonical publishers named in `text`, in order: lexicon names first, then unknown domains."""
    prules = publisher_rules()
    named: list[tuple[int, str]] = [(m.start(), prules.canonical[m.group(0).lower()])
                                    for m in prules.aliases.finditer(text)]
    out = list(dict.fromkeys(name for _, name in sorted(named)))
    if not out:
        out = [m.group(0).lower() for m in prules.domain.finditer(text)]
    return tuple(dict.fromkeys(out))


def canonical_publisher(name: str | None) -> str | None:
    """The lexicon name of a site name or host (`chinadaily.com.cn` -> `China Daily`), else the name as given."""
    if not name or not str(name).strip():
        return None
    name = str(name).strip()
    host = re.sub(r"^(?:https?://)?", "", name).split("/")[0].lower()
    prules = publisher_rules()
    if host in prules.canonical:
        return prules.canonical[host]
    # Longest listed domain that the host ends with (`english.yunnan.cn` -> `yunnan.cn`).
    for alias, canonical in sorted(prules.canonical.items(), key=lambda kv: -len(kv[0])):
        if "." in alias and (host == alias or host.endswith("." + alias)):
            return canonical
    named = publishers_named(name)
    return named[0] if named else name


@dataclass(frozen=True)
class Dateline:
    date: dt.date | None
    year_inferred: bool
    agency: str | None


def dateline(paragraph: str, body: str) -> Dateline | None:
    """The dateline opening `paragraph` (`HAIKOU, Jan. 23 --`), with its date.

    Without a printed year, the year is the latest one the body names outside horizons
    (`by 2035`), when rules allow it (see dates.yaml), and the result is marked inferred.
    """
    rules = date_rules()
    m = rules.dateline.match(paragraph)
    if not m or not m.group("monthname") or not m.group("dash"):
        return None
    agency_match = re.search(r"\(([^)]{1,40})\)", m.group(0))
    agency = publishers_named(agency_match.group(1))[0] if agency_match and publishers_named(agency_match.group(1)) else None
    month, day = _month(m), int(m.group("day"))
    if m.group("year"):
        return Dateline(make_date(int(m.group("year")), month, day), False, agency)
    if not rules.infer_dateline_year:
        return Dateline(None, False, agency)
    for year in sorted(body_years(body), reverse=True):
        date = make_date(year, month, day)
        if date is not None:
            return Dateline(date, True, agency)
    return Dateline(None, False, agency)


@dataclass(frozen=True)
class DatelineOpening:
    """A dateline opening a line of a text: the whole opening and its place, as offsets in that text."""
    start: int
    end: int
    place_start: int
    place_end: int
    dated: bool  # it carries a month and day


def dateline_openings(text: str) -> list[DatelineOpening]:
    """Every line of `text` that opens with a dateline (`NANNING, June 16 (Xinhua) --`, `CHANGCHUN -`):
    the one detector of datelines, read by `dateline`, clean's blocks and the region recogniser."""
    pattern = date_rules().dateline
    found = []
    pos = 0
    for line in text.split("\n"):
        m = pattern.match(line)
        if m:
            found.append(DatelineOpening(pos + m.start("place"), pos + len(m.group(0).rstrip()),
                                         pos + m.start("place"), pos + m.end("place"), bool(m.group("monthname"))))
        pos += len(line) + 1
    return found


def body_years(body: str) -> set[int]:
    """Years the body names as a time of events (not as a horizon such as `by 2035`), up to this year."""
    rules = date_rules()
    years: set[int] = set()
    this_year = today().year
    for m in rules.body_year.finditer(body):
        year = int(m.group("year"))
        if not rules.min_year <= year <= this_year:
            continue
        if rules.horizon_words.search(body[max(0, m.start() - 30):m.start()]):
            continue
        years.add(year)
    return years


def latest_date(text: str) -> dt.date | None:
    """The latest valid full date written in `text` (the fallback reference date)."""
    dates = [d for _, _, d in full_dates(text)]
    return max(dates) if dates else None


# --------------------------------------------------------------------------- date candidates

@dataclass(frozen=True)
class DateCandidate:
    """One date the page prints where a publication date can stand, with its features."""

    date: dt.date
    place: str                 # one of PLACES
    order: int                 # position on the page (line number; HTML metadata comes first)
    text: str = ""             # the date as printed (for the evidence)
    label: str | None = None   # kind of the label right before it (`updated`, `published`, `date`)
    meta_line: bool = False    # its line says nothing but dates, labels, publishers and widget words
    with_time: bool = False    # a clock time stands right after it
    furniture: bool = False    # its line is navigation (ticker, menu, list of other stories)
    year_inferred: bool = False
    utc_hour: int | None = None  # HTML metadata given as a UTC moment: its hour (the local day may differ)
    local_day: bool = False    # its date is the page's local day of that UTC moment (`local_days`)

    @property
    def score(self) -> float:
        w = date_rules().weights
        return (w.place[self.place] + (w.label.get(self.label, 0.0) if self.label else 0.0)
                + w.meta_line * self.meta_line + w.with_time * self.with_time
                + w.furniture * self.furniture + w.year_inferred * self.year_inferred)

    @property
    def evidence(self) -> str:
        """Which candidate won and why: `below_title label=updated meta_line score=4.60: 2018-07-11`."""
        flags = [f"label={self.label}"] if self.label else []
        flags += [name for name in ("meta_line", "with_time", "furniture", "year_inferred", "local_day")
                  if getattr(self, name)]
        return " ".join([self.place, *flags, f"score={self.score:.2f}:"]) + " " + self.text[:60]


def label_before(line: str, start: int) -> str | None:
    """Kind of the date label closest before position `start` of `line`, if it ends near enough."""
    rules = date_rules()
    best: tuple[int, str] | None = None
    for kind, pattern in rules.label_kinds:
        for m in pattern.finditer(line, 0, start):
            if start - m.end() <= rules.label_max_gap and (best is None or m.end() > best[0]):
                best = (m.end(), kind)
    return best[1] if best else None


def line_candidates(line: str, place: str, order: int, meta_line: bool = False,
                    furniture: bool = False) -> list[DateCandidate]:
    """Every valid full date of one line, as candidates of `place`."""
    found = []
    for start, end, date in header_date_spans(line):
        if date is None:
            continue
        after = end + 1 if line[end:end + 1] == " " else end
        found.append(DateCandidate(date=date, place=place, order=order, text=line[start:end],
                                   label=label_before(line, start), meta_line=meta_line,
                                   with_time=_TIME.match(line, after) is not None, furniture=furniture))
    return found


def opening_candidates(paragraph: str, body: str, order: int) -> list[DateCandidate]:
    """Candidates opening the first paragraph: its dateline, or a labelled date at its start."""
    found = []
    line = dateline(paragraph, body)
    if line is not None and line.date is not None:
        found.append(DateCandidate(date=line.date, place="dateline", order=order, text=paragraph[:40],
                                   year_inferred=line.year_inferred))
    limit = date_rules().body_opening_max_chars
    for cand in line_candidates(paragraph[:limit + 40], "body_opening", order):
        start = paragraph.find(cand.text)
        if cand.label is not None and 0 <= start <= limit:
            found.append(cand)
    return found


def best_candidate(candidates: list[DateCandidate]) -> DateCandidate | None:
    """The highest-scoring candidate (metadata moments read as the page's local day); ties go to
    the first on the page."""
    if not candidates:
        return None
    return max(local_days(candidates), key=lambda c: (c.score, -c.order))


# Time zones run from UTC-12 to UTC+14: a UTC moment falls on the next local day only from
# 10:00 UTC on (UTC+14), and on the day before only before 12:00 UTC (UTC-12).
_NEXT_DAY_FROM_UTC_HOUR = 10
_DAY_BEFORE_UNTIL_UTC_HOUR = 12


def local_days(candidates: list[DateCandidate]) -> list[DateCandidate]:
    """HTML metadata given as a UTC moment (`2024-06-12T23:03:00Z`) names an instant, not the
    article's day: when the page prints a date that the instant can be in its time zone (the day
    after or before, as the hour allows; `BEIJING, June 13 (Xinhua) --`), that printed local day
    is the metadata's date. Printed `updated` dates and navigation are not read for it."""
    printed = [c for c in candidates if c.utc_hour is None and not c.place.startswith("html_")
               and not c.furniture and c.label != "updated" and not c.year_inferred]
    out = []
    for c in candidates:
        if c.utc_hour is not None:
            possible = {c.date + dt.timedelta(days=1)} if c.utc_hour >= _NEXT_DAY_FROM_UTC_HOUR else set()
            if c.utc_hour < _DAY_BEFORE_UNTIL_UTC_HOUR:
                possible.add(c.date - dt.timedelta(days=1))
            shown = [p for p in printed if p.date in possible]
            if shown and not any(p.date == c.date for p in printed):
                best = max(shown, key=lambda p: (p.score, -p.order))
                c = dataclasses.replace(c, date=best.date, local_day=True)
        out.append(c)
    return out


def html_candidates(html: str) -> list[DateCandidate]:
    """The page's own dates from its metadata and structure, read by htmldate (original, then updated).

    The metadata's date is the article's local day as its timestamp's offset gives it
    (`2024-06-13T07:00:00+08:00` is June 13). htmldate is told no address (`url=""`, so it does not
    read the canonical link either): a date in the URL goes before the metadata in htmldate
    and is often a day off it (CNN's `/2024/06/12/` over `datePublished` 2024-06-13), and the
    URL alone is not evidence of the publication date (docs/ANNOTATION.md).
    """
    import htmldate  # imported lazily: only HTML pages need it

    rules = date_rules()
    found = []
    for place, original in (("html_published", True), ("html_updated", False)):
        try:
            value = htmldate.find_date(html, url="", original_date=original, extensive_search=False,
                                       outputformat="%Y-%m-%dT%H:%M:%S%z", min_date=f"{rules.min_year}-01-01",
                                       max_date=today().isoformat())
        except Exception:  # noqa: BLE001 - htmldate can fail on broken markup; no candidate then
            value = None
        date = parse_date_string(value)
        if date is not None and all(c.date != date for c in found):
            utc = re.fullmatch(r"\d{4}-\d{2}-\d{2}T(\d{2}):\d{2}:\d{2}\+0000", str(value))
            found.append(DateCandidate(date=date, place=place, order=-1, text=str(value),
                                       utc_hour=int(utc.group(1)) if utc else None))
    return found
