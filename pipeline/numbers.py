"""The number grammar: number text (digits, spelled numbers, scale words) and the qualifiers around it.

Pure text functions with no spaCy: `find_numbers` lists the numbers written in a text with
their values, `parse_number` reads one number phrase, `qualifier_before`/`qualifier_after`
read the qualifier adjacent to a figure. The vocabularies are data in rules/quantities/.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from . import quantity_rules
from .rules import alternation
from .schema import VOCABULARIES

QUALIFIERS = VOCABULARIES["quantities.qualifier"]  # the schema's vocabulary, in one place


@dataclass(frozen=True)
class NumberMatch:
    """A number written in a text: `start:end` covers the digits or words and any scale word."""
    start: int
    end: int
    value: float          # scale applied (`31.6 billion` -> 3.16e10)
    digits_end: int       # end of the bare number, before the scale word
    scale: float          # 1.0 when no scale word
    spelled: bool         # written in words (`seven`)
    abbreviated: bool     # scale given as an abbreviation (`3b`): only money may use it
    integer_text: bool    # digits with no separator or decimal (`2020`): years look like this
    vague: bool = False   # an order of magnitude in words (`hundreds of millions`): value is its lower bound

    @property
    def unscaled(self) -> float:
        return self.value / self.scale


@lru_cache(maxsize=1)
def _grammar() -> dict:
    scales = quantity_rules.scales()
    units_rules = quantity_rules.units()
    unit_words = alternation(scales.units)
    ten_words = alternation(scales.tens)
    small = rf"(?:(?:{ten_words})(?:-(?:{unit_words}))?|(?:{unit_words}))"
    spelled = rf"\b{small}(?:\s+hundred(?:\s+(?:and\s+)?{small})?)?\b"
    scale_words = alternation(scales.words)
    vague_values = {k.lower(): float(v) for k, v in scales.vague.items()}
    vague_words = alternation(vague_values)
    return {
        "sign_word": re.compile(rf"\b(?:{alternation(scales.signs)})\s+$", re.IGNORECASE),
        "digits": re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])"),
        "spelled": re.compile(spelled, re.IGNORECASE),
        "scale": re.compile(rf"(?:(?:\s+|-)(?:{scale_words})\b)+", re.IGNORECASE),
        "abbrev_spaced": re.compile(r"\s?(bn|bln|mn|mln|trln|tn)\b", re.IGNORECASE),
        "abbrev_glued": re.compile(r"(b|m|k)\b"),
        "glued_letters": re.compile(r"[^\W\d_]+"),
        "glued_symbols": {s.lower() for s in units_rules.glued_symbols},
        "ordinal": re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE),
        "vague": re.compile(rf"(?<![\w-])(?:(?:{vague_words})\s+of\s+)*(?:{vague_words})(?![\w-])", re.IGNORECASE),
        "vague_values": vague_values,
        "scale_values": {k.lower(): float(v) for k, v in scales.words.items()},
        "abbrev_values": {k.lower(): float(v) for k, v in scales.abbreviations.items()},
        "small_values": {**scales.units, **scales.tens},
    }


def _spelled_value(text: str) -> float | None:
    """Value of a spelled number up to the hundreds (`twenty-one`, `three hundred and five`)."""
    small = _grammar()["small_values"]
    total, current = 0.0, 0.0
    words = re.split(r"[\s-]+", text.lower().strip())
    if not words or words == [""]:
        return None
    for word in words:
        if word == "and":
            continue
        if word == "hundred":
            current = (current or 1.0) * 100
        elif word in small:
            current += small[word]
        else:
            return None
    return total + current


def _scale_value(text: str) -> float:
    values = _grammar()["scale_values"]
    scale = 1.0
    for word in re.split(r"[\s-]+", text.strip(" -")):
        scale *= values[word.lower()]
    return scale


def parse_number(text: str) -> float | None:
    """Read one number phrase (`1,234.5`, `seven`, `31.6 billion`, `3b`); None when it is not one."""
    text = text.strip()
    found = find_numbers(text, allow_abbreviated=True)
    if len(found) != 1 or found[0].start != 0 or found[0].end != len(text):
        return None
    return found[0].value


def _glued_ok(text: str, end: int, g: dict) -> tuple[bool, int, float, bool]:
    """What letters glued to the digits mean: (keep?, new end, scale, abbreviated)."""
    m = g["glued_letters"].match(text, end)
    if not m:
        return True, end, 1.0, False
    letters = m.group(0)
    if g["abbrev_glued"].fullmatch(letters) or letters.lower() in ("bn", "bln", "mn", "mln", "tn", "trln"):
        return True, m.end(), g["abbrev_values"][letters.lower()], True
    if letters.lower() in g["glued_symbols"]:
        return True, end, 1.0, False
    return False, end, 1.0, False          # `5G`, `16th`, `3D`: a name or an ordinal


def find_numbers(text: str, allow_abbreviated: bool = True) -> list[NumberMatch]:
    """Every number in `text`, in order, with its scale word; names like `G20`/`5G` and ordinals excluded."""
    g = _grammar()
    found: list[NumberMatch] = []
    for m in g["digits"].finditer(text):
        start, end = m.start(), m.end()
        before = text[start - 1] if start else ""
        if before.isalpha() and not _currency_glued_before(text, start):
            continue                                        # `G20`, `A380`
        if before == "/" or text[end:end + 1] == "/" and text[end + 1:end + 2].isdigit():
            continue                                        # `1/2`
        digits = m.group(0)
        value = float(digits.replace(",", ""))
        if _minus_sign_before(text, start):
            start, value = start - 1, -value
        elif sign := g["sign_word"].search(text, max(0, start - 12), start):
            start, value = sign.start(), -value                 # `minus 3 percent`
        ok, new_end, scale, abbreviated = _glued_ok(text, end, g)
        if not ok:
            continue
        digits_end = end
        if not abbreviated:
            sm = g["scale"].match(text, end)
            if sm:
                scale, new_end = _scale_value(sm.group(0)), sm.end()
            elif allow_abbreviated:
                am = g["abbrev_spaced"].match(text, end)
                if am:
                    scale, new_end, abbreviated = g["abbrev_values"][am.group(1).lower()], am.end(), True
        if not math.isfinite(value * scale):
            continue                                        # absurd: past float range, never `inf`
        found.append(NumberMatch(start, new_end, value * scale, digits_end, scale, False, abbreviated,
                                 "," not in digits and "." not in digits))
    for m in g["spelled"].finditer(text):
        start, end = m.start(), m.end()
        if text[end:end + 1] == "-" and text[end + 1:end + 2].isalpha():
            continue                                        # `five-year plan`
        if any(n.start <= start < n.end for n in found):
            continue
        value = _spelled_value(m.group(0))
        if value is None:
            continue
        scale, new_end = 1.0, end
        sm = g["scale"].match(text, end)
        if sm:
            scale, new_end = _scale_value(sm.group(0)), sm.end()
        if not math.isfinite(value * scale):
            continue
        found.append(NumberMatch(start, new_end, value * scale, end, scale, True, False, False))
    for m in g["vague"].finditer(text):
        if any(n.start < m.end() and m.start() < n.end for n in found):
            continue
        words = re.findall(r"[^\W\d_]+", m.group(0).lower())
        value = 1.0
        for word in words:
            value *= g["vague_values"].get(word, 1.0)
        if value <= 10.0:
            continue                                        # `tens` alone is no amount
        found.append(NumberMatch(m.start(), m.end(), value, m.end(), 1.0, True, False, False, vague=True))
    found.sort(key=lambda n: n.start)
    return found


def _minus_sign_before(text: str, start: int) -> bool:
    """`-2.3%` is negative; `5-6%` and `5 - 6%` are ranges, `COVID-19` a name."""
    if start == 0 or text[start - 1] not in "-−":
        return False
    if start >= 2 and text[start - 2].isalnum():
        return False                                   # `5-6%`, `COVID-19`
    before = text[:start - 1].rstrip()
    return not before or not (before[-1].isdigit() or before[-1] == "%")


def _currency_glued_before(text: str, start: int) -> bool:
    """`RMB20` / `US$5`: letters right before the digits that are a currency prefix."""
    prefixes = quantity_rules.currencies().prefix
    return any(text.endswith(p, 0, start) and p[-1].isalpha() for p in prefixes)


@lru_cache(maxsize=1)
def _qualifier_patterns() -> tuple[re.Pattern, dict, re.Pattern, dict]:
    rules = quantity_rules.qualifiers()
    before = {k.lower(): v for k, v in rules.before.items()}
    after = {k.lower(): v for k, v in rules.after.items()}
    before_re = re.compile(rf"(?<![\w-])({alternation(before)})\s*$", re.IGNORECASE)
    # `1,200 firms and more than 100,000 researchers`: `and more` opening the next figure qualifies nothing
    after_re = re.compile(rf"^\s*({alternation(after)})(?![\w-])(?!\s+than\b)", re.IGNORECASE)
    return before_re, before, after_re, after


@lru_cache(maxsize=1)
def _verbs_only() -> tuple[frozenset, re.Pattern]:
    """Qualifier phrases read as verbs only, and what before them makes them a rank instead:
    a determiner, a possessive (`the city's top 10 percent`) or the start of a sentence or heading."""
    rules = quantity_rules.qualifiers().verbs_only
    determiners = [rf"(?<![\w-])(?:{alternation(rules.not_after)})\s+"] if rules.not_after else []
    determiner_re = re.compile("(?:" + "|".join(determiners + [r"\w['’]s\s+", r"^\s*", r"[.!?:;\n][\"'“”]?\s*"])
                               + ")$", re.IGNORECASE)
    return frozenset(p.lower() for p in rules.phrases), determiner_re


# How far back a qualifier may start: the longest phrase in rules/quantities/qualifiers.yaml is
# 14 characters; 40 leaves room for spacing.
_QUALIFIER_WINDOW = 40


def qualifier_before(text: str, pos: int) -> tuple[str, int] | None:
    """The qualifier phrase that ends right before `pos` (whitespace between allowed): (qualifier, its start)."""
    before_re, before, _, _ = _qualifier_patterns()
    lo = max(0, pos - _QUALIFIER_WINDOW)
    m = before_re.search(text[lo:pos])
    if not m:
        return None
    start = lo + m.start(1)
    verbs, determiner_re = _verbs_only()
    if m.group(1).lower() in verbs and determiner_re.search(text, max(0, start - _QUALIFIER_WINDOW), start):
        return None                                   # `the top 10 percent`: a rank, not `more than`
    return before[m.group(1).lower()], start


def qualifier_after(text: str, pos: int) -> tuple[str, int] | None:
    """The qualifier phrase that starts right after `pos` (`or more`): (qualifier, its end)."""
    _, _, after_re, after = _qualifier_patterns()
    m = after_re.match(text[pos:pos + _QUALIFIER_WINDOW])
    if not m:
        return None
    return after[m.group(1).lower()], pos + m.end(1)
