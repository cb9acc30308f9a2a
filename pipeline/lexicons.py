"""Typed shapes of the lexicons that decide a figure's kind, indicator, money role and period.

One loader for the five files: `rules/link/targets.yaml`, `rules/link/indicators.yaml`,
`rules/quantities/money_roles.yaml`, `rules/link/periods.yaml` and
`rules/quantities/unwritten_units.yaml` are read through
`rules.load(path, Shape)`, so an unknown or missing key, or a value of the wrong type, is a
RulesError naming the file; each shape's `__post_init__` checks the vocabulary names it holds
against pipeline/schema.py (SPEC §2 roles, SPEC §4 indicators) and that its regexes compile.
The modules that use them (targets, kinds, indicators, roles, periods) only compile views.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .rules import RulesError, check_vocabulary
from .rules import load as load_rules

# The classes of forward-looking statement kind_evidence names (targets.yaml `cue_classes`).
CUE_CLASSES = ("plan", "forecast", "expectation", "budget", "goal")


def _regex(pattern: str, what: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise RulesError(f"{what}: not a regex ({exc}): {pattern!r}") from None


@dataclass(frozen=True)
class TargetsLexicon:
    """rules/link/targets.yaml: cues of a goal, and the kind decider's words (pipeline/kinds.py)."""
    future_aux: list[str]
    tense_auxiliaries: list[str]
    unit_words: list[str]
    cue_verbs: list[str]
    object_cue_verbs: list[str]
    cue_verbs_read_as_nouns: list[str]
    passive_cue_verbs: list[str]
    cue_words: list[str]
    subject_cue_modifiers: list[str]
    cue_predicates: list[str]
    commitment_nouns: list[str]
    completion_verbs: list[str]
    reporting_verbs: list[str]
    amount_verbs: list[str]
    cue_classes: dict[str, list[str]]
    semicolon_list_min_parts: int
    signing_verbs: list[str]
    deal_nouns: list[str]
    started_verbs: list[str]
    scene_count_items: list[str]
    duration_units: list[str]
    scope_prepositions: list[str]
    duration_prepositions: list[str]
    group_member: str
    restatement: str
    amount_anaphors: list[str]
    superseded_from: list[str]
    comparison_bases: dict[str, list[str]]
    past_year_words: list[str]
    description_heads: list[str]
    restated_as: str
    restating_verbs: list[str]
    restating_subjects: list[str]
    parallel_verbs: list[str]

    def __post_init__(self):
        unknown = sorted(set(self.cue_classes) - set(CUE_CLASSES))
        if unknown:
            raise RulesError(f"cue_classes: unknown cue classes {unknown} (known: {', '.join(CUE_CLASSES)})")
        for name in ("group_member", "restatement", "restated_as"):
            _regex(getattr(self, name), name)


@dataclass(frozen=True)
class IndicatorsLexicon:
    """rules/link/indicators.yaml: SPEC §4 indicators by phrase, measure and frequency words."""
    indicators: list[list[str]]
    money_indicators: list[list[str]]
    verb_indicators: dict[str, str]
    ratio_units: list[str]
    generic_heads: list[str]
    change_units: list[str]
    change_words: list[str]
    level_words: list[str]
    annual_phrases: list[str]
    pass_through_heads: list[str]
    economy_growth_indicator: str
    bare_growth: str
    growth_verbs: list[str]
    share_verbs: list[str]
    share_particles: dict[str, str]
    ratio_indicators: list[str]
    own_complement_preps: list[str]
    verb_object_preps: list[str]
    context_heads: list[str]
    share_nouns: list[str]
    generic_count_nouns: list[str]

    def __post_init__(self):
        for key in ("indicators", "money_indicators"):
            for i, pair in enumerate(getattr(self, key)):
                if len(pair) != 2:
                    raise RulesError(f"{key}[{i}]: expected [indicator, regex], got {pair!r}")
                _regex(pair[1], f"{key}[{i}]")
        used = [n for n, _ in self.indicators + self.money_indicators] + list(self.verb_indicators.values()) \
            + list(self.ratio_indicators) + [self.economy_growth_indicator]
        check_vocabulary(used, "targets.indicator", "indicators")
        for i, p in enumerate(self.annual_phrases):
            _regex(p, f"annual_phrases[{i}]")
        _regex(self.bare_growth, "bare_growth")


@dataclass(frozen=True)
class MoneyRolesLexicon:
    """rules/quantities/money_roles.yaml: SPEC §2 money roles by phrase and by verb (pipeline/roles.py)."""
    roles: dict[str, list[str]]
    verb_roles: dict[str, str]
    people_subjects: list[str]
    context_sentences: int
    generic_heads: list[str]
    in_place: str

    def __post_init__(self):
        check_vocabulary(list(self.roles) + list(self.verb_roles.values()), "monetary.role", "roles")
        _regex(self.in_place, "in_place")


@dataclass(frozen=True)
class PeriodsLexicon:
    """rules/link/periods.yaml: time expressions (pipeline/periods.py)."""
    five_year_plans: dict[int, list[int]]
    ordinal_words: dict[str, int]
    year_parts: dict[str, list[int]]
    relative_years: dict[str, int]
    comparison_phrases: list[str]
    start_event_words: str
    end_event_words: str

    def __post_init__(self):
        for n, years in self.five_year_plans.items():
            if not isinstance(n, int) or len(years) != 2 or not years[0] <= years[1]:
                raise RulesError(f"five_year_plans: {n}: expected a number and [first year, last year], got {years!r}")
        for part, months in self.year_parts.items():
            if len(months) != 2 or not 1 <= months[0] <= months[1] <= 12:
                raise RulesError(f"year_parts: {part}: expected [first month, last month], got {months!r}")
        for name in ("start_event_words", "end_event_words"):
            _regex(getattr(self, name), name)
        for i, p in enumerate(list(self.relative_years) + self.comparison_phrases):
            _regex(p.replace("{YEAR}", "2000").replace("{MONTH}", "May"), f"pattern {i}")


@dataclass(frozen=True)
class UnwrittenUnitsLexicon:
    """rules/quantities/unwritten_units.yaml: multiples stated by a verb, units a noun implies."""
    multiple_verbs: dict[str, float]
    implied_units: dict[str, str]

    def __post_init__(self):
        for word, n in self.multiple_verbs.items():
            if n <= 1:
                raise RulesError(f"multiple_verbs: {word}: a multiple is above 1, got {n!r}")
        for i, p in enumerate(self.implied_units):
            _regex(p, f"implied_units[{i}]")


# The lexicon files, by the name their modules use.
FILES = {
    "targets": ("link/targets.yaml", TargetsLexicon),
    "indicators": ("link/indicators.yaml", IndicatorsLexicon),
    "money_roles": ("quantities/money_roles.yaml", MoneyRolesLexicon),
    "periods": ("link/periods.yaml", PeriodsLexicon),
    "unwritten_units": ("quantities/unwritten_units.yaml", UnwrittenUnitsLexicon),
}


def lexicon(name: str):
    """The lexicon `name` (a key of FILES) as its typed shape (cached per process by rules.load)."""
    path, shape = FILES[name]
    return load_rules(path, shape)


def targets() -> TargetsLexicon:
    return lexicon("targets")


def indicators() -> IndicatorsLexicon:
    return lexicon("indicators")


def money_roles() -> MoneyRolesLexicon:
    return lexicon("money_roles")


def periods() -> PeriodsLexicon:
    return lexicon("periods")


def unwritten_units() -> UnwrittenUnitsLexicon:
    return lexicon("unwritten_units")
