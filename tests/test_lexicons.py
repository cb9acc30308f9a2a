"""The lexicons of kind, indicator, money role and period: typed shapes through one loader."""
from __future__ import annotations

import pytest

from pipeline import lexicons as L
from pipeline.rules import RulesError, from_data, load_yaml


@pytest.mark.parametrize("name", sorted(L.FILES))
def test_every_lexicon_loads_as_its_shape(name):
    path, shape = L.FILES[name]
    assert isinstance(L.lexicon(name), shape)


@pytest.mark.parametrize("name", sorted(L.FILES))
def test_unknown_and_missing_keys_are_errors(name):
    path, shape = L.FILES[name]
    data = load_yaml(path)
    with pytest.raises(RulesError, match=r"unknown keys \['cue_verbz'\]"):
        from_data(shape, {**data, "cue_verbz": []}, path)
    first = next(iter(data))
    with pytest.raises(RulesError, match=rf"missing keys \['{first}'\]"):
        from_data(shape, {k: v for k, v in data.items() if k != first}, path)


def test_a_word_yaml_reads_as_a_boolean_is_an_error():
    # `[in, for, of, on]` reads `on` as True: the shape wants strings
    data = load_yaml("link/targets.yaml")
    with pytest.raises(RulesError, match=r"scope_prepositions\[3\]: expected str, got bool"):
        from_data(L.TargetsLexicon, {**data, "scope_prepositions": ["in", "for", "of", True]}, "targets.yaml")
    assert "on" in L.targets().scope_prepositions


def test_indicator_names_are_checked_against_the_vocabulary():
    data = load_yaml("link/indicators.yaml")
    with pytest.raises(RulesError, match="gross_happiness"):
        from_data(L.IndicatorsLexicon, {**data, "indicators": data["indicators"] + [["gross_happiness", "happy"]]},
                  "indicators.yaml")
    with pytest.raises(RulesError, match="wellbeing"):
        from_data(L.IndicatorsLexicon, {**data, "verb_indicators": {"smile": "wellbeing"}}, "indicators.yaml")
    with pytest.raises(RulesError, match=r"expected \[indicator, regex\]"):
        from_data(L.IndicatorsLexicon, {**data, "indicators": [["gdp"]]}, "indicators.yaml")


def test_roles_are_checked_against_the_vocabulary():
    data = load_yaml("quantities/money_roles.yaml")
    with pytest.raises(RulesError, match="windfall"):
        from_data(L.MoneyRolesLexicon, {**data, "roles": {**data["roles"], "windfall": ["windfall"]}}, "money_roles.yaml")
    with pytest.raises(RulesError, match="bounty"):
        from_data(L.MoneyRolesLexicon, {**data, "verb_roles": {"award": "bounty"}}, "money_roles.yaml")


def test_cue_classes_and_regexes_are_checked():
    data = load_yaml("link/targets.yaml")
    with pytest.raises(RulesError, match="wish"):
        from_data(L.TargetsLexicon, {**data, "cue_classes": {"wish": ["hope"]}}, "targets.yaml")
    with pytest.raises(RulesError, match="restated_as: not a regex"):
        from_data(L.TargetsLexicon, {**data, "restated_as": "(unclosed"}, "targets.yaml")


def test_period_tables_are_checked():
    data = load_yaml("link/periods.yaml")
    with pytest.raises(RulesError, match="five_year_plans"):
        from_data(L.PeriodsLexicon, {**data, "five_year_plans": {14: [2025, 2021]}}, "periods.yaml")
    with pytest.raises(RulesError, match="year_parts"):
        from_data(L.PeriodsLexicon, {**data, "year_parts": {"first half": [1, 13]}}, "periods.yaml")
