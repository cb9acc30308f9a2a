"""The rules linking reads: vocabularies (rules/link/linking.yaml, anaphora.yaml) and the decider's
order, exclusions and tie-breaks (rules/link/decider.yaml), checked when loaded."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache

from .. import quantity_rules
from ..gazetteer import LEVEL_RANK  # noqa: F401  (read by mentions and the decider from here)
from ..rules import RulesError, check_vocabulary, load_yaml
from ..rules import load as load_rules

TIE_BREAKS = ("coordinated", "containers_out", "nearest", "finest")
DECIDER_KEYS = {"order", "exclusions", "tie_break", "fan_out", "kind_order", "period_order"}


class LinkRulesError(RulesError):
    """rules/link/decider.yaml names something the code does not know."""


@dataclass(frozen=True)
class AnaphorNoun:
    """What `the <noun>` may refer to: regions of these levels (only municipalities, or autonomous
    regions too, when said), or the country."""
    levels: list[str] = field(default_factory=list)
    municipality: bool = False
    autonomous_region: bool = False
    country: bool = False

    def __post_init__(self):
        check_vocabulary(self.levels, "regions.level", "levels")


@dataclass(frozen=True)
class AnaphoraFile:
    """rules/link/anaphora.yaml."""
    nouns: dict[str, AnaphorNoun]
    determiners: list[str]
    group_determiners: list[str]
    whole_phrases: list[str]
    count_words: dict[str, int]
    pronouns: list[str]
    plural_pronouns: list[str]
    country_phrases: list[str]
    country_adjectives: list[str]
    autonomous_regions: list[str]
    municipalities: list[str]


@dataclass(frozen=True)
class FollowingRegion:
    prepositions: list[str]


@dataclass(frozen=True)
class AlternatingList:
    """finders.alternating_list: what may stand between a region and its figure, and between one
    pair and the next, in `Hunan received 12 billion yuan, Hubei 9 billion yuan and Jiangxi …`."""
    region_figure_words: list[str]
    pair_separators: list[str]


@dataclass(frozen=True)
class LinkingFile:
    """rules/link/linking.yaml, with the anaphora lexicon beside it (`anaphora`, from anaphora.yaml)."""
    base_nouns: list[str]
    comparison_words: list[str]
    comparison_determiners: list[str]
    speaking_institutions: list[str]
    rank_words: list[str]
    total_words: list[str]
    each_words: list[str]
    distributive_words: list[str]
    list_gap_words: list[str]
    following_region: FollowingRegion
    made_into_prepositions: list[str]
    previous_sentence_window: int
    focus_title_weight: float
    focus_first_paragraph_weight: float
    focus_min_share: float
    focus_min_margin: float
    focus_min_mentions: int
    lead_in_goal_words: list[str]
    lead_in_fulfilled_verbs: list[str]
    parallel_list_prepositions: list[str]
    alternating_list: AlternatingList
    anaphora: AnaphoraFile | None = None


@lru_cache(maxsize=1)
def rules() -> LinkingFile:
    """rules/link/linking.yaml with the anaphora lexicon beside it, as typed shapes."""
    linking = load_rules("link/linking.yaml", LinkingFile)
    anaphora = load_rules("link/anaphora.yaml", AnaphoraFile)
    spelled = dict(quantity_rules.scales().units)  # the one number-word table
    anaphora = dataclasses.replace(anaphora, count_words={**spelled, **anaphora.count_words})
    return dataclasses.replace(linking, anaphora=anaphora)


@lru_cache(maxsize=1)
def decider_rules() -> dict:
    """rules/link/decider.yaml, validated against the finders and situations the code defines."""
    from .. import kinds
    from .context import SITUATIONS
    from .finders import FINDERS
    from .kinds import PERIOD_FINDERS

    return validate_decider(load_yaml("link/decider.yaml"), set(FINDERS), set(SITUATIONS),
                            kind_sources=set(kinds.SOURCES), period_finders=set(PERIOD_FINDERS))


VIAS = ("mention", "pronoun", "anaphora", "dateline")


@lru_cache(maxsize=1)
def confidence_table() -> dict:
    """rules/link/confidence.yaml (scripts/calibrate_link_confidence.py), checked against the finders."""
    from .finders import FINDERS

    return validate_confidence(load_yaml("link/confidence.yaml"), set(FINDERS) | {"conversion"})


def validate_confidence(data: dict, finders: set[str]) -> dict:
    """The confidence table if its finders, vias and probabilities are known and in [0, 1]; else LinkRulesError."""
    if not {"default", "finders"} <= set(data) <= {"default", "finders", "untuned_factor"}:
        raise LinkRulesError("rules/link/confidence.yaml: keys must be default, finders and optionally "
                             f"untuned_factor, not {sorted(data)}")
    probabilities = [data["default"], data.get("untuned_factor", 1.0)]
    for finder, entry in (data["finders"] or {}).items():
        if finder not in finders:
            raise LinkRulesError(f"rules/link/confidence.yaml: unknown finder {finder!r}")
        if set(entry) - {"all", "rows", "right", "via"} or "all" not in entry:
            raise LinkRulesError(f"rules/link/confidence.yaml: bad entry for {finder!r}: {sorted(entry)}")
        bad = set(entry.get("via") or {}) - set(VIAS)
        if bad:
            raise LinkRulesError(f"rules/link/confidence.yaml: unknown via {sorted(bad)} of {finder!r}")
        probabilities += [entry["all"], *(entry.get("via") or {}).values()]
    if not all(isinstance(p, (int, float)) and 0 <= p <= 1 for p in probabilities):
        raise LinkRulesError("rules/link/confidence.yaml: confidences must be numbers from 0 to 1")
    return data


def confidence(finder: str | None, via: str | None) -> float | None:
    """The calibrated probability that a region linked by `finder` through a `via` mention is right, on
    text linking was not tuned on (the cell's dev precision times `untuned_factor`)."""
    if finder is None:
        return None
    table = confidence_table()
    entry = table["finders"].get(finder)
    p = table["default"] if entry is None else (entry.get("via") or {}).get(via, entry["all"])
    return round(float(p) * float(table.get("untuned_factor", 1.0)), 3)


def validate_decider(data: dict, finders: set[str], situations: set[str], kind_sources: set[str] | None = None,
                     period_finders: set[str] | None = None) -> dict:
    """The decider rules if every key, finder, situation, tie-break, kind source and period finder is
    known, and the kind and period orders name each of theirs once; else LinkRulesError."""
    unknown = set(data) - DECIDER_KEYS
    if unknown:
        raise LinkRulesError(f"rules/link/decider.yaml: unknown keys {sorted(unknown)}")
    missing = DECIDER_KEYS - set(data)
    if missing:
        raise LinkRulesError(f"rules/link/decider.yaml: missing keys {sorted(missing)}")

    def known(names, what: str, allowed) -> list[str]:
        names = list(names or [])
        bad = [n for n in names if n not in allowed]
        if bad:
            raise LinkRulesError(f"rules/link/decider.yaml: unknown {what} {bad}; known: {sorted(allowed)}")
        return names

    order = known(data["order"], "finder in `order`", finders)
    if len(set(order)) != len(order):
        raise LinkRulesError("rules/link/decider.yaml: a finder appears twice in `order`")
    exclusions = {}
    for situation, excluded in (data["exclusions"] or {}).items():
        known([situation], "situation in `exclusions`", situations)
        exclusions[situation] = known(excluded, f"finder excluded by `{situation}`", finders)
    orders = {}
    for key, allowed in (("kind_order", kind_sources), ("period_order", period_finders)):
        names = known(data[key], f"name in `{key}`", allowed if allowed is not None else set(data[key] or []))
        if allowed is not None and sorted(names) != sorted(allowed):
            raise LinkRulesError(f"rules/link/decider.yaml: `{key}` must name each of {sorted(allowed)} once, "
                                 f"not {names}")
        orders[key] = names
    return {"order": order, "exclusions": exclusions, **orders,
            "tie_break": known(data["tie_break"], "tie-break", TIE_BREAKS),
            "fan_out": set(known(data["fan_out"], "finder in `fan_out`", finders))}
