"""The typed shapes of the rules/quantities/ files that the number grammar, the quantities stage, the
periods and the exchange rates read (money_roles.yaml has its own, in pipeline/roles.py).

Each file is read once per process by `rules.load` into a frozen dataclass: an unknown, missing or
mistyped key is a RulesError naming the file, and the names a file maps to are checked against
pipeline/schema.py (qualifiers against `quantities.qualifier`, currencies against ISO 4217's shape).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .rules import RulesError, alternation, check_vocabulary
from .rules import load as load_rules
from .schema import is_currency


@dataclass(frozen=True)
class ScalesFile:
    """rules/quantities/scales.yaml: scale words, signs, abbreviations and the one number-word table."""
    words: dict[str, int]          # `billion` -> 1e9
    signs: dict[str, int]          # `minus` -> -1
    abbreviations: dict[str, int]  # `bn` -> 1e9 (money only)
    units: dict[str, int]          # spelled numbers `zero`..`nineteen`, read by numbers, periods and linking
    tens: dict[str, int]           # `twenty`..`ninety`
    vague: dict[str, int]          # `hundreds` -> 100 (`hundreds of millions of yuan`)


@dataclass(frozen=True)
class CurrenciesFile:
    """rules/quantities/currencies.yaml: currency forms written before and after the number -> ISO 4217 code."""
    prefix: dict[str, str]
    suffix: dict[str, str]

    def __post_init__(self):
        bad = sorted(code for code in self.codes if not is_currency(code))
        if bad:
            raise RulesError(f"currency codes {bad} are not ISO 4217 codes (three upper-case letters)")

    @property
    def codes(self) -> set[str]:
        """Every currency code a figure can be written with."""
        return set(self.prefix.values()) | set(self.suffix.values())


@dataclass(frozen=True)
class UnitsFile:
    """rules/quantities/units.yaml: percent forms, domain units and what quantulum3 may say."""
    percent: dict[str, list[str]]       # `percent` / `percentage_point` -> its written forms
    domain: dict[str, str]              # surface form -> unit name, checked before quantulum3
    quantulum_names: dict[str, str]     # quantulum3's unit name -> the project's
    quantulum_reject: list[str]
    quantulum_entities: list[str]
    not_unit_words: list[str]
    not_count_heads: list[str]
    time_heads: list[str]
    glued_symbols: list[str]
    rate_connectors: list[str]

    def __post_init__(self):
        if set(self.percent) != {"percent", "percentage_point"}:
            raise RulesError(f"percent: units must be percent and percentage_point, got {sorted(self.percent)}")


@dataclass(frozen=True)
class VerbsOnly:
    phrases: list[str]      # qualifier phrases that qualify only as verbs (`top`)
    not_after: list[str]    # the determiners that make them a rank instead (`the top 10 percent`)


@dataclass(frozen=True)
class QualifiersFile:
    """rules/quantities/qualifiers.yaml: phrases before and after a figure -> the schema's qualifier."""
    before: dict[str, str]
    after: dict[str, str]
    verbs_only: VerbsOnly

    def __post_init__(self):
        check_vocabulary([*self.before.values(), *self.after.values()], "quantities.qualifier", "qualifiers")
        unknown = sorted(set(self.verbs_only.phrases) - set(self.before))
        if unknown:
            raise RulesError(f"verbs_only.phrases: {unknown} are not `before` phrases")


@dataclass(frozen=True)
class NonFiguresFile:
    """rules/quantities/non_figures.yaml: regexes of spans whose numbers are no figures (`patterns`) or no
    counts (`not_counts`). `{MONTH}` stands for a month name of the one month table (rules/clean/dates.yaml)."""
    patterns: dict[str, str]
    not_counts: dict[str, str] = field(default_factory=dict)

    def compiled(self, kind: str, month_names) -> list[re.Pattern]:
        """The patterns of `kind` (`patterns` or `not_counts`) compiled, `{MONTH}` filled with `month_names`
        capitalised (`Jan`, `January`)."""
        months = alternation([name.capitalize() for name in month_names])
        return [re.compile(p.replace("{MONTH}", months)) for p in getattr(self, kind).values()]

    def __post_init__(self):
        for kind in ("patterns", "not_counts"):
            for name, pattern in getattr(self, kind).items():
                try:
                    re.compile(pattern.replace("{MONTH}", "May"))
                except re.error as exc:
                    raise RulesError(f"{kind}.{name}: not a regular expression ({exc})") from None


@dataclass(frozen=True)
class QuantulumVocabularyFile:
    """rules/quantities/quantulum_vocabulary.yaml (generated): what may start one of quantulum3's units."""
    symbols: list[str]
    words: list[str]


def scales() -> ScalesFile:
    return load_rules("quantities/scales.yaml", ScalesFile)


def currencies() -> CurrenciesFile:
    return load_rules("quantities/currencies.yaml", CurrenciesFile)


def units() -> UnitsFile:
    return load_rules("quantities/units.yaml", UnitsFile)


def qualifiers() -> QualifiersFile:
    return load_rules("quantities/qualifiers.yaml", QualifiersFile)


def non_figures() -> NonFiguresFile:
    return load_rules("quantities/non_figures.yaml", NonFiguresFile)


def quantulum_vocabulary() -> QuantulumVocabularyFile:
    return load_rules("quantities/quantulum_vocabulary.yaml", QuantulumVocabularyFile)
