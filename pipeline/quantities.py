"""Quantities stage: every number with a unit (percentages, money, counts, physical units) in the clean text.

Two layers:
- `figures_in_text(text)` — the text grammar, no spaCy: numbers (pipeline/numbers.py) with their
  currency, percent or domain unit, qualifier, ranges (`6 to 6.5 percent`), distributive lists
  (`5.7, 6.5 and 3 percent`) and parenthetical conversions (`1 billion yuan (about $145 million)`).
- `run(articles, tokens)` — adds what needs the parse: sentence ids, counts of things (a number
  that modifies a noun: `57 projects`), physical units through quantulum3 on the candidate span
  only, and the role of each money amount from the phrase that governs it.
"""
from __future__ import annotations

import bisect
from collections import Counter
import re
import warnings
from dataclasses import dataclass, field, replace
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pandas as pd
from spacy.tokens import Doc
import pyarrow as pa

from . import lexicons as L
from . import quantity_rules
from . import roles as R
from . import schema
from . import targets as T
from .docs import docs_from_tokens
from .nlp import blank
from .numbers import NumberMatch, find_numbers, qualifier_after, qualifier_before
from .published import date_rules  # the one month table
from .rules import RULES_DIR, alternation

PERCENT_UNITS = ("percent", "percentage_point")


@dataclass
class Figure:
    """A figure found in the text; offsets are into that text."""
    start: int                 # mention start, qualifier included
    end: int                   # mention end, unit and trailing qualifier included
    number_start: int          # the bare number(s): first digit ..
    number_end: int            # .. end of the last number and its scale word
    value: float
    unit: str | None           # None until a count or physical unit is resolved
    qualifier: str = "exact"
    value_high: float | None = None
    unit_end: int | None = None    # where the unit text ends (None: no unit written yet)
    abbreviated: bool = False
    year_like: bool = False
    spelled: bool = False
    converts: "Figure | None" = None   # the amount this one converts (`130,000 yuan ($20,124)`)
    list_id: int | None = None
    list_index: int | None = None
    list_size: int | None = None
    item: str | None = None        # what a count counts (`project`)
    role: str | None = None
    extra: dict = field(default_factory=dict)


# ---------------------------------------------------------------- rules

@lru_cache(maxsize=1)
def _patterns() -> dict:
    cur = quantity_rules.currencies()
    units = quantity_rules.units()
    percent_forms = {}
    for unit, forms in units.percent.items():
        for form in forms:
            percent_forms[form.lower()] = unit
    suffix = {k.lower(): v for k, v in cur.suffix.items()}
    domain = {k.lower(): v for k, v in units.domain.items()}
    non_fig = quantity_rules.non_figures()
    lexicon = R.lexicon()
    return {
        "prefix": cur.prefix,
        # a prefix is whole: not the tail of a word (`BRMB`), space or nothing before the number
        "prefix_re": re.compile(rf"(?<![A-Za-z$])({alternation(cur.prefix)})\s?$"),
        # `%` may touch what follows (`5%-6%`); word forms must end a word
        "percent_re": re.compile(rf"(?:\s*|-)(%|(?:{alternation(set(percent_forms) - {'%'})})(?![\w-]))",
                                 re.IGNORECASE),
        "percent_forms": percent_forms,
        "vague_of": re.compile(r"\s+of(?=\s)", re.IGNORECASE),   # `hundreds of millions _of_ yuan`
        "suffix_re": re.compile(rf"(?:\s*|-)({alternation(suffix)})(?![\w$])", re.IGNORECASE),
        "suffix": suffix,
        # `1,000 mu`, and hyphenated compounds (`1.4-fold`, `a 10-day tour`)
        "domain_re": re.compile(rf"(?:\s*|-)({alternation(domain)})(?![\w-])", re.IGNORECASE),
        "domain": domain,
        "non_figures": non_fig.compiled("patterns", date_rules().month_names),
        "not_counts": non_fig.compiled("not_counts", date_rules().month_names),
        "range_to": re.compile(r"^\s*(?:to|-|–|—|~)\s*$", re.IGNORECASE),
        "range_and": re.compile(r"^\s*and\s*$", re.IGNORECASE),
        "between": re.compile(r"(?<![\w-])between\s*$", re.IGNORECASE),
        # `from 7 to 139`, `fell by 2 million to 1.4 billion` are changes, not ranges
        # (`ranging from 5 to 6 percent` is one)
        "from": re.compile(r"(?<![\w-])(?:(?<!ranging )(?<!range )(?<!ranges )from|by)\s*$", re.IGNORECASE),
        "list_and": re.compile(r"\b(?:and|or)\b", re.IGNORECASE),
        "list_sep": re.compile(r"^\s*(?:,|,?\s*(?:and|or)|;)\s*$", re.IGNORECASE),
        "paren_open": re.compile(r"^\s*\(\s*$"),
        "parens": re.compile(r"\([^()]*\)"),
        "role_re": lexicon["role_re"],
        "role_of": lexicon["role_of"],
        "respectively": re.compile(r"\brespectively\b", re.IGNORECASE),
        # `respectively` closing a list: after its last item, no other number or sentence break between
        "respectively_next": re.compile(r"[^.;\d]{0,30}?\brespectively\b", re.IGNORECASE),
        "clause_break": re.compile(r"[,;:]"),
        "word": re.compile(r"\w+"),
        "quantulum_names": units.quantulum_names,
        "quantulum_reject": set(units.quantulum_reject),
        "quantulum_entities": set(units.quantulum_entities),
        "not_unit_words": {w.lower() for w in units.not_unit_words},
        "not_count_heads": {w.lower() for w in units.not_count_heads},
        "time_heads": {w.lower() for w in units.time_heads},
        "rate_re": re.compile(rf"\s*(?:{alternation(units.rate_connectors)})\s+(?=\d)", re.IGNORECASE),
    }


def _masked_spans(text: str, kind: str = "non_figures") -> list[tuple[int, int]]:
    """Spans of `text` matched by the rules/quantities/non_figures.yaml patterns of `kind`
    (`non_figures`: no number there is a figure; `not_counts`: no bare number there is a count)."""
    spans = []
    for pattern in _patterns()[kind]:
        spans.extend(m.span() for m in pattern.finditer(text))
    return spans


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in spans)


def _is_year(n: NumberMatch) -> bool:
    """A four-digit integer in 1900..2100 written without separators reads as a year."""
    return n.integer_text and n.scale == 1.0 and 1900 <= n.value <= 2100


# ---------------------------------------------------------------- text grammar

def _figure_of(text: str, n: NumberMatch) -> Figure:
    """A number with its currency prefix/suffix or percent unit, if any, written right next to it."""
    p = _patterns()
    start, end, unit, unit_end = n.start, n.end, None, None
    pm = p["prefix_re"].search(text, max(0, n.start - 6), n.start)
    if pm and pm.end() == n.start:
        unit, start = p["prefix"][pm.group(1)], pm.start()
    m = p["percent_re"].match(text, n.end)
    if m and unit is None and not n.abbreviated:
        unit, end = p["percent_forms"][m.group(1).lower()], m.end()
        unit_end = end
    else:
        of = p["vague_of"].match(text, n.end) if n.vague else None
        m = p["suffix_re"].match(text, of.end() if of else n.end)
        if m:
            code = p["suffix"][m.group(1).lower()]
            if unit is None or unit == code or m.group(1).lower() in ("yuan", "renminbi", "rmb"):
                unit, end = unit or code, m.end()
    if unit is not None:
        unit_end = end
    return Figure(start=start, end=end, number_start=n.start, number_end=n.end, value=n.value, unit=unit,
                  unit_end=unit_end, abbreviated=n.abbreviated, year_like=_is_year(n), spelled=n.spelled,
                  qualifier="more_than" if n.vague else "exact",
                  extra={"scale": n.scale, "unscaled": n.unscaled, "vague": n.vague})


def _merge_ranges(text: str, figs: list[Figure]) -> list[Figure]:
    """`6 to 6.5 percent`, `6-6.5%`, `between 5 and 6 percent` -> one figure with value_high."""
    p = _patterns()
    out: list[Figure] = []
    i = 0
    while i < len(figs):
        a = figs[i]
        if i + 1 < len(figs):
            b = figs[i + 1]
            gap = text[a.end:b.start]
            between = p["between"].search(text, max(0, a.start - 10), a.start)
            connector = p["range_to"].match(gap) or (between and p["range_and"].match(gap))
            from_before = p["from"].search(text, max(0, a.start - 16), a.start)
            compatible = a.unit is None or a.unit == b.unit
            # `2016 to 2020`, `4.4% in 2016 to 4.7%`: a bare year is no bound (`between 2000 and 2050 yuan` is)
            years = (a.year_like and a.unit is None and not between) or (b.year_like and b.unit is None)
            if connector and compatible and not from_before and not years \
                    and (between or b.unit is not None or "-" not in gap):
                value = a.value
                if a.extra["scale"] == 1.0 and b.extra["scale"] != 1.0:
                    value = a.value * b.extra["scale"]        # `1.5 to 2 billion yuan`
                merged = replace(b, start=between.start() if between else a.start, number_start=a.number_start,
                                 value=value, value_high=b.value, year_like=False,
                                 qualifier=a.qualifier if a.qualifier != "exact" else b.qualifier)
                out.append(merged)
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _gap_without_parens(text: str, figs: list[Figure], i: int, j: int) -> str:
    """Text between figures i and j with parenthesised conversions removed."""
    return _patterns()["parens"].sub(" ", text[figs[i].end:figs[j].start])


def _mark_conversions(text: str, figs: list[Figure]) -> None:
    """`130,000 yuan ($20,124)`: the amount in brackets right after another amount converts it."""
    p = _patterns()
    for i in range(1, len(figs)):
        a, b = figs[i - 1], figs[i]
        if a.unit and b.unit and schema.is_currency(a.unit) and schema.is_currency(b.unit) \
                and p["paren_open"].match(text[a.end:b.start]) and text[b.end:b.end + 3].lstrip().startswith(")"):
            b.converts = a.converts if a.converts is not None else a


def _mark_lists(text: str, figs: list[Figure]) -> None:
    """Distributive lists: `5.7, 6.5 and 3 percent` -> each takes the unit (and scale) of the last item.

    Lists of figures that each carry the same unit (`10 percent and 14 percent`) are numbered too,
    so the link stage can distribute them over `respectively`.
    """
    p = _patterns()
    primary = [i for i, f in enumerate(figs) if f.converts is None]
    groups: list[list[int]] = []
    for i in primary:
        if groups and p["list_sep"].match(_gap_without_parens(text, figs, groups[-1][-1], i)):
            groups[-1].append(i)
        else:
            groups.append([i])
    list_id = 0
    for group in groups:
        # split at a unit: a unitless item takes the unit of the next item that has one
        runs: list[list[int]] = []
        current: list[int] = []
        for i in group:
            current.append(i)
            if figs[i].unit is not None:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        merged: list[list[int]] = []
        for run in runs:
            last = figs[run[-1]]
            # a bare number takes the unit only in an `and`/`or` list (`5.7, 6.5 and 3 percent`):
            # `reached 6,195, 36 percent more` is no list
            # (`6.1, 6.0, 4.3 percent respectively` closes one without `and`)
            closes_list = len(run) == 1 or p["list_and"].search(_gap_without_parens(text, figs, run[-2], run[-1])) \
                or p["respectively_next"].match(text, last.end)
            if last.unit is None or any(figs[i].year_like for i in run) or not closes_list:
                merged.extend([[i] for i in run])
                continue
            for i in run[:-1]:
                f = figs[i]
                f.unit = last.unit
                if f.extra["scale"] == 1.0 and last.extra["scale"] != 1.0:
                    f.value *= last.extra["scale"]
                    if f.value_high is not None:
                        f.value_high *= last.extra["scale"]
            if merged and figs[merged[-1][-1]].unit == last.unit and len(merged[-1]) >= 1:
                merged[-1].extend(run)
            else:
                merged.append(run)
        for run in merged:
            if len(run) < 2 or figs[run[0]].unit is None:
                continue
            for k, i in enumerate(run):
                figs[i].list_id, figs[i].list_index, figs[i].list_size = list_id, k, len(run)
            list_id += 1


def _qualify(text: str, figs: list[Figure]) -> None:
    for f in figs:
        q = qualifier_before(text, f.start)
        if q:
            f.qualifier, f.start = q
        tail = f.unit_end if f.unit_end is not None else f.number_end
        q = qualifier_after(text, tail)
        if q and f.unit is not None:
            f.qualifier, f.end = q[0], max(f.end, q[1])


def figures_in_text(text: str) -> list[Figure]:
    """The figures of a text that the grammar alone can tell: money, percentages, and bare numbers
    (unit None) that the parse may later make counts or physical quantities."""
    masked = _masked_spans(text)
    numbers = [n for n in find_numbers(text) if not _overlaps((n.start, n.digits_end), masked)]
    figs = [_figure_of(text, n) for n in numbers]
    # `3b` and `hundreds of millions` are figures only as money (`5m` may be metres, `thousands of people` no count)
    figs = [f for f in figs if not ((f.abbreviated or f.extra["vague"]) and not schema.is_currency(f.unit))]
    _qualify(text, figs)
    figs = _merge_ranges(text, figs)
    _mark_conversions(text, figs)
    _mark_lists(text, figs)
    return figs


# ---------------------------------------------------------------- units from the parse

def _domain_unit(text: str, f: Figure) -> tuple[str, int] | None:
    p = _patterns()
    m = p["domain_re"].match(text, f.number_end)
    if m:
        return p["domain"][m.group(1).lower()], m.end()
    return None


@contextmanager
def _quiet_import():
    """Import quantulum3 without its ~3 s cold start and without its warnings.

    Nearly all of that cost is `inflect` (a quantulum3 dependency) instrumenting its classes with
    typeguard's `@typechecked` at import, which re-parses their source for runtime argument type
    checks (measured: `import inflect` 3.3 s, 0.4 s under `python -O`, where typeguard skips
    the instrumentation itself). The decorator is made a no-op while inflect is first imported:
    results are the same, only checks that would raise on wrongly typed arguments are gone.
    """
    import sys
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if "inflect" in sys.modules:
            yield
            return
        import typeguard
        original = typeguard.typechecked

        def no_check(target=None, **_options):
            return target if target is not None else (lambda t: t)
        typeguard.typechecked = no_check
        try:
            yield
        finally:
            typeguard.typechecked = original


def warm_up() -> None:
    """Load quantulum3 and its unit tables now rather than at the first figure that needs them."""
    _quantulum()


@lru_cache(maxsize=1)
def _quantulum():
    with _quiet_import():
        from quantulum3 import load, parser
        _kept_units(load)
        parser.parse("1 km")       # compiles its unit regex (~0.3 s) here, once per process
    return parser


def _kept_units(load) -> None:
    """quantulum3's unit tables, most of its set-up (issue 16: 0.9 s idle, 8 s under load), built once per
    version of its data and read back after (pipeline/artifacts.py), then put where `load.units()` looks."""
    import quantulum3

    from .artifacts import files_digest, load_or_build

    root = Path(quantulum3.__file__).parent
    flags = (load.USE_GENERAL_UNITS, load.USE_LANGUAGE_UNITS, load.USE_ADDITIONAL_UNITS, load.USE_CUSTOM_UNITS)
    key = files_digest([p for p in root.rglob("*") if p.suffix in (".json", ".py")], root) + repr(flags).encode()
    units = load_or_build("quantulum-units", key, load.units, load.Units)
    load._CACHED_UNITS[hash(("en_US", *flags))] = units  # the key quantulum3's load.units() computes


# rules/quantities/quantulum_vocabulary.yaml, generated by scripts/build_quantulum_vocabulary.py:
# what may start one of quantulum3's units, so that quantulum3 is called only when one may follow.
@lru_cache(maxsize=1)
def _unit_starts() -> tuple[frozenset, frozenset]:
    vocabulary = quantity_rules.quantulum_vocabulary()
    return frozenset(vocabulary.symbols), frozenset(vocabulary.words)


def _may_start_unit(word: str) -> bool:
    """Whether quantulum3 could read `word` (the first word after a number) as the start of a unit."""
    symbols, words = _unit_starts()
    first = re.split(r"[/-]", word.strip(".-"))[0]     # `gigawatts.`, `-year-old`, `km/h`
    return first in symbols or first.lower() in words or first.lower().rstrip("s") in words


# Words after the number handed to quantulum3: enough for `square kilometres per hour`.
_QUANTULUM_WORDS = 4


def _plain(words: str) -> str:
    """Lower case, hyphens as spaces, plural `s` dropped from each word: `Kilowatt-hours` -> `kilowatt hour`."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.split(r"[\s-]+", words.lower()))


def _written_as_unit(unit) -> bool:
    """Whether every part of a unit quantulum3 found is written as that unit's name or symbol.

    quantulum3 also composes units from prefix letters inside plain words (`300 key projects` ->
    exayear); a real mention writes each part as a known symbol (`GW`, `km/h`; case-sensitive,
    `kwh` allowed for symbols of 3+ letters) or name (`kilometers`, `kilowatt-hours`)."""
    _quantulum()
    from quantulum3 import load
    names = load.units().names
    for dim in unit.original_dimensions or []:
        base, surface = names.get(dim.get("base")), dim.get("surface") or ""
        if base is None:
            return False
        symbols = set(base.symbols) | {s.lower() for s in base.symbols if len(s) >= 3}
        if surface not in symbols and _plain(surface) not in {_plain(x) for x in base.surfaces}:
            return False
    return True


def _quantulum_unit(text: str, f: Figure) -> tuple[str, int] | None:
    """A physical unit right after the number, by quantulum3 on the number and the next few words."""
    p = _patterns()
    tail = re.match(r"(?:\s*[^\s,;:()]+){0,%d}" % _QUANTULUM_WORDS, text[f.number_end:f.number_end + 60])
    window_text = text[f.number_start:f.number_end + (tail.end() if tail else 0)]
    first_word = re.match(r"\s*([^\s,;:()]+)", text[f.number_end:f.number_end + 40])
    if not first_word or not re.search(r"[A-Za-z]", first_word.group(1)) \
            or first_word.group(1).lower() in p["not_unit_words"] or not _may_start_unit(first_word.group(1)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            found = _quantulum().parse(window_text)
        except Exception:  # noqa: BLE001 - quantulum3 raises on odd inputs; the span is then no unit
            return None
    for q in found:
        if q.span[0] > 1:
            continue
        name = q.unit.name
        if name in p["quantulum_reject"] or q.unit.entity.name not in p["quantulum_entities"]:
            return None
        if q.span[1] <= f.number_end - f.number_start or not _written_as_unit(q.unit):
            return None
        return p["quantulum_names"].get(name, name), f.number_start + q.span[1]
    return None


def _word_hyphen(token) -> bool:
    """A hyphen written inside a word (`high-tech`), not a dash between phrases."""
    doc = token.doc
    return token.text == "-" and not token.whitespace_ and token.i > 0 and not doc[token.i - 1].whitespace_


# A number written as a year of the period the articles speak of (1900-2099, no separator).
_YEAR = re.compile(r"(?:19|20)\d\d")


def _count_head(doc, f: Figure):
    """The noun a bare number counts (`57 projects` -> projects), from the dependency parse."""
    span = doc.char_span(f.number_start, f.number_end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    if any(_YEAR.fullmatch(t.text) for t in span):
        return None  # a year (`2025 targets`), not a count
    token = span[-1]
    head = token.head
    if token.dep_ not in ("nummod", "quantmod", "compound") and not any(t.dep_ == "nummod" for t in span):
        return None
    if head.i <= token.i or head.pos_ not in ("NOUN", "PROPN"):
        return None
    if head.lemma_.lower() in _patterns()["not_count_heads"] or head.lemma_.lower() in _patterns()["time_heads"]:
        return None
    # the noun must be in the same phrase: every word between modifies a word of the phrase
    # (`1,500 local jobs`, `15 east-west technology cooperation projects`), and a hyphen inside
    # a compound word is no break (`1,200 high-tech enterprises`)
    between = doc[token.i + 1:head.i]
    if len(between) > _MAX_MODIFIERS or any(t.is_punct and not _word_hyphen(t) for t in between):
        return None
    if any(not token.i < t.head.i <= head.i for t in between):
        return None
    return head


# Words allowed between a count and its noun. The longest chain in seeds + dev is 5
# (`15 east-west technology cooperation projects`); coordinated hyphenated modifiers take 8
# (`3,000 foreign-funded small and medium-sized enterprises`), so 10 leaves room. The phrase
# check above, not this bound, is what keeps clauses out.
_MAX_MODIFIERS = 10


def _resolve_units(text: str, doc, figs: list[Figure]) -> list[Figure]:
    """Give bare numbers a domain, quantulum3 or count unit; drop those that get none."""
    not_counts = _masked_spans(text, "not_counts")
    kept = []
    for f in figs:
        if f.unit is None:
            if f.year_like:
                continue
            if _patterns()["rate_re"].match(text, f.number_end):
                kept.append(f)       # `2.5 per 10,000 people`: the rate is its unit (_merge_rates)
                continue
            found = _domain_unit(text, f) or _quantulum_unit(text, f)
            if found:
                f.unit, f.end = found
                f.unit_end = f.end
            elif not (f.spelled and f.value == 1) and doc is not None \
                    and not _overlaps((f.number_start, f.number_end), not_counts):
                head = _count_head(doc, f)
                if head is not None:
                    f.unit, f.item, f.end = "count", head.lemma_.lower(), head.idx + len(head.text)
                else:
                    implied = _implied_unit(doc, f)
                    if implied is None:
                        continue
                    f.unit, noun = implied
                    f.item = noun.lemma_.lower() if f.unit == "count" else None
            else:
                continue
            q = qualifier_after(text, f.unit_end or f.end)
            if q and f.qualifier == "exact":
                f.qualifier, f.end = q[0], q[1]
        kept.append(f)
    return _merge_rates(text, kept)


@lru_cache(maxsize=1)
def _unwritten() -> tuple[dict[str, float], list[tuple[re.Pattern, str]], re.Pattern]:
    r = L.unwritten_units()
    verbs = {w.lower(): float(n) for w, n in r.multiple_verbs.items()}
    # not a modifier: `double-digit`, `double digits`, `a double whammy`
    pattern = re.compile(rf"(?<![\w-])(?<!\ba )(?<!\bthe )({alternation(verbs)})(?![\w-])(?!\s+digits?\b)", re.I)
    return verbs, [(re.compile(p, re.I), unit) for p, unit in r.implied_units.items()], pattern


def _implied_unit(doc, f: Figure):
    """(unit, noun) of the unit a bare number's noun implies (`the life expectancy will increase to
    83`: year; `tourist arrivals exceeding 800 million`: a count of arrivals), or None."""
    span = doc.char_span(f.number_start, f.number_end, alignment_mode="expand")
    if span is None or not len(span):
        return None
    token = span.root
    verb = T.governing_verb(token)
    held = (token.dep_ == "pobj" and token.head.lower_ in ("to", "at") and token.head.head.i == verb.i) \
        or (token.dep_ in ("dobj", "attr") and token.head.i == verb.i)
    subject = T.chain_subject(T.verb_chain(verb)) if held and verb.pos_ in T.VERBS else None
    if subject is None:
        return None
    words = T.phrase_text(subject)
    return next(((unit, subject) for pattern, unit in _unwritten()[1] if pattern.search(words)), None)


def multiples_in_text(text: str, masked: list[tuple[int, int]] = ()) -> list[Figure]:
    """Multiples stated by a verb (`to more than triple its economic output`): figures of unit `times`."""
    verbs, _, pattern = _unwritten()
    out = []
    for m in pattern.finditer(text):
        if _overlaps((m.start(), m.end()), list(masked)):
            continue
        f = Figure(start=m.start(), end=m.end(), number_start=m.start(), number_end=m.end(),
                   value=verbs[m.group(1).lower()], unit="times", unit_end=m.end(), spelled=True,
                   item="multiple", extra={"scale": 1.0, "unscaled": verbs[m.group(1).lower()], "vague": False})
        q = qualifier_before(text, m.start())
        if q:
            f.qualifier, f.start = q
        out.append(f)
    return out


def _merge_rates(text: str, figs: list[Figure]) -> list[Figure]:
    """`507 km per 10,000 sq km`: a physical figure followed by `per`/`for every` and another
    figure takes the rate as its unit; the base is no figure of its own."""
    p = _patterns()
    out: list[Figure] = []
    skip = None
    for i, f in enumerate(figs):
        if i == skip:
            continue
        nxt = figs[i + 1] if i + 1 < len(figs) else None
        m = p["rate_re"].match(text, f.end)
        if m and nxt is not None and nxt.number_start == m.end() and f.unit not in PERCENT_UNITS \
                and not schema.is_currency(f.unit) and nxt.unit is not None and not schema.is_currency(nxt.unit) \
                and nxt.unit not in PERCENT_UNITS:
            base = nxt.item if nxt.unit == "count" and nxt.item else nxt.unit
            f.unit = f"{f.unit} per {nxt.value:g} {base}" if f.unit else f"per {nxt.value:g} {base}"
            f.end = f.unit_end = nxt.end
            skip = i + 1
        if f.unit is not None:
            out.append(f)
    return out


# ---------------------------------------------------------------- money roles

def _role_mentions(text: str, lo: int, hi: int) -> list[tuple[int, int, str, str]]:
    """(start, end, role, phrase) of every role phrase in text[lo:hi]."""
    p = _patterns()
    return [(m.start() + lo, m.end() + lo, p["role_of"][m.group(1).lower()], m.group(1))
            for m in p["role_re"].finditer(text[lo:hi])]


def _words(text: str) -> int:
    """Distance in words, bracketed asides not counted (`15 billion yuan ($2.26 billion) of funds`)."""
    return len(_patterns()["word"].findall(_patterns()["parens"].sub(" ", text)))


def _role_near(text: str, f: Figure, mentions) -> tuple[str | None, float, str | None]:
    """The role phrase nearest the amount: before it in the sentence, or after it in its clause."""
    p = _patterns()
    best, best_dist, best_phrase = None, 10 ** 6, None
    for s, e, role, phrase in mentions:
        if e <= f.start:
            dist = _words(text[e:f.start])
        elif s >= f.end:
            gap = p["parens"].sub(" ", text[f.end:s])
            if p["clause_break"].search(gap):
                continue
            dist = _words(gap) + 0.5          # at equal distance the phrase before governs
        else:
            continue
        if dist < best_dist:
            best, best_dist, best_phrase = role, dist, phrase
    return best, best_dist, best_phrase


# Sources of a role read from the text itself (not carried from other amounts): they count
# towards the article's most frequent role.
_TEXT_SOURCES = ("signed", "own_phrase", "subject", "verb", "clause", "respectively")


def _assign_roles(text: str, figs: list[Figure], sentences: list[tuple[int, int]], doc=None) -> None:
    """`role` and `role_evidence` of each money amount (pipeline/roles.py decides); a bracketed
    conversion shares the role of the amount it converts."""
    p = _patterns()
    money = [i for i, f in enumerate(figs) if schema.is_currency(f.unit)]
    decided: list[tuple[int, str]] = []          # (sentence index, role) of the amounts so far
    article: Counter = Counter()
    window = R.lexicon()["context"]
    for i in money:
        f = figs[i]
        if f.converts is not None:
            continue
        sid = f.extra.get("sentence_index", 0)
        s_start, s_end = sentences[sid] if sentences else (0, len(text))
        mentions = _role_mentions(text, s_start, s_end)
        role, _, phrase = _role_near(text, f, mentions)
        parsed = R.candidates(_anchor_token(doc, f)) if doc is not None else []
        if f.list_size and f.list_size > 1 and p["respectively"].search(text, f.end, s_end):
            first = next(g for g in figs if g.list_id == f.list_id)
            before = [m for m in mentions if m[1] <= first.start]
            if len(before) >= f.list_size:
                m = before[len(before) - f.list_size + f.list_index]
                parsed = [R.Role(m[2], f"respectively:{m[3]}")]
        context = [r for s, r in decided if sid - window <= s <= sid]
        choice = R.decide(parsed, (role, phrase), context, article)
        f.role, f.extra["role_evidence"] = choice.role, choice.evidence
        decided.append((sid, choice.role))
        if choice.evidence.split(":")[0] in _TEXT_SOURCES:
            article[choice.role] += 1
    for i in money:   # an amount before any that the text names (a headline) takes the article's role
        f = figs[i]
        if f.converts is None and f.extra.get("role_evidence") == "none" and article:
            f.role, f.extra["role_evidence"] = article.most_common(1)[0][0], "article"
    for i in money:
        if figs[i].converts is not None:
            figs[i].role = figs[i].converts.role or "other"
            figs[i].extra["role_evidence"] = "conversion"


def _anchor_token(doc, f: Figure):
    """The token that carries an amount in the parse: the root of its number-and-unit span."""
    span = doc.char_span(f.number_start, max(f.end, f.number_end), alignment_mode="expand")
    if span is None or not len(span):
        return doc[0]
    return span.root


# ---------------------------------------------------------------- stage


def figures_of_article(text: str, doc=None) -> list[Figure]:
    """All figures of one article, units resolved and money roles set, in text order."""
    figs = figures_in_text(text)
    figs = _resolve_units(text, doc, figs)
    taken = [(f.start, f.end) for f in figs]
    figs = sorted(figs + [m for m in multiples_in_text(text, _masked_spans(text)) if not _overlaps((m.start, m.end), taken)],
                  key=lambda f: f.start)
    sentences = [(s.start_char, s.end_char) for s in doc.sents] if doc is not None else [(0, len(text))]
    starts = [s for s, _ in sentences]
    for f in figs:
        f.extra["sentence_index"] = max(0, bisect.bisect_right(starts, f.number_start) - 1)
    _assign_roles(text, figs, sentences, doc)
    return figs


def run(articles: pd.DataFrame, tokens: pd.DataFrame | None, docs: dict[str, Doc] | None = None) -> pd.DataFrame:
    """The `quantities` table of every `ok` article (link columns left null); Docs rebuilt from `tokens` unless given."""
    if docs is None:
        docs = docs_from_tokens(tokens, blank().vocab)
    rows = []
    ok = articles[articles["status"] == "ok"] if "status" in articles.columns else articles
    for article_id, text in zip(ok["article_id"].astype(str), ok["clean_text"]):
        if not isinstance(text, str) or not text:
            continue
        doc = docs.get(article_id)
        figs = figures_of_article(text, doc)
        index_of = {id(f): k for k, f in enumerate(figs)}
        for k, f in enumerate(figs):
            rows.append({
                "article_id": article_id,
                "sentence_id": f.extra["sentence_index"],
                "start": f.start, "end": f.end, "text": text[f.start:f.end],
                "value": float(f.value), "value_high": f.value_high, "unit": f.unit, "qualifier": f.qualifier,
                "role": f.role if schema.is_currency(f.unit) else None,
                "role_evidence": f.extra.get("role_evidence") if schema.is_currency(f.unit) else None,
                "quantity_id": k,
                "number_start": f.number_start, "number_end": f.number_end, "item": f.item,
                "converts": None if f.converts is None else index_of.get(id(f.converts)),
                "list_index": f.list_index, "list_size": f.list_size,
                "list_id": f.list_id,
            })
    frame = pd.DataFrame(rows, columns=schema.QUANTITIES.names)
    for fld in schema.QUANTITIES:
        if fld.type == pa.int32():
            frame[fld.name] = frame[fld.name].astype("Int32")
        elif fld.type == pa.float64():
            frame[fld.name] = frame[fld.name].astype("float64")
    return frame

