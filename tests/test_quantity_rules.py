"""The typed shapes of the rules/quantities files (pipeline/quantity_rules.py)."""
from __future__ import annotations

import copy

import pytest

from pipeline import quantity_rules, rules


QUANTITY_SHAPES = {
    "quantities/scales.yaml": "ScalesFile",
    "quantities/currencies.yaml": "CurrenciesFile",
    "quantities/units.yaml": "UnitsFile",
    "quantities/qualifiers.yaml": "QualifiersFile",
    "quantities/non_figures.yaml": "NonFiguresFile",
    "quantities/quantulum_vocabulary.yaml": "QuantulumVocabularyFile",
}


@pytest.mark.parametrize("path, shape", sorted(QUANTITY_SHAPES.items()))
def test_every_quantities_rules_file_reads_into_its_shape_and_refuses_an_unknown_key(path, shape):
    data = rules.load_yaml(path)
    assert isinstance(rules.load(path, getattr(quantity_rules, shape)), getattr(quantity_rules, shape))
    with pytest.raises(rules.RulesError, match="unknown keys"):
        rules.from_data(getattr(quantity_rules, shape), {**data, "extra_key": 1}, path)


@pytest.mark.parametrize("change, message", [
    (lambda d: d["before"].update({"about": "roughly"}), "quantities.qualifier"),
    (lambda d: d["after"].update({"or so": "approximately"}), "quantities.qualifier"),
    (lambda d: d["verbs_only"].update(phrases=["peaked"]), "verbs_only"),
])
def test_qualifier_names_are_the_schema_vocabulary(change, message):
    data = copy.deepcopy(rules.load_yaml("quantities/qualifiers.yaml"))
    change(data)
    with pytest.raises(rules.RulesError, match=message):
        rules.from_data(quantity_rules.QualifiersFile, data, "qualifiers.yaml")


def test_currency_codes_and_percent_units_are_checked():
    currencies = copy.deepcopy(rules.load_yaml("quantities/currencies.yaml"))
    currencies["suffix"]["quid"] = "pound"
    with pytest.raises(rules.RulesError, match="ISO 4217"):
        rules.from_data(quantity_rules.CurrenciesFile, currencies, "currencies.yaml")
    units = copy.deepcopy(rules.load_yaml("quantities/units.yaml"))
    units["percent"]["permille"] = ["‰"]
    with pytest.raises(rules.RulesError, match="percentage_point"):
        rules.from_data(quantity_rules.UnitsFile, units, "units.yaml")


def test_non_figure_patterns_take_the_one_month_table():
    from pipeline.published import date_rules

    assert "January" not in rules.load_yaml("quantities/non_figures.yaml")["patterns"]["month_day"]
    non_figures = quantity_rules.non_figures()
    compiled = dict(zip(non_figures.patterns, non_figures.compiled("patterns", date_rules().month_names)))
    month_day, day_month = compiled["month_day"], compiled["day_month"]
    assert month_day.search("on Sept. 22, 2021 the") and not month_day.search("on sept 22")
    assert day_month.search("on 5 March") and day_month.search("on 22 sep")
    with pytest.raises(rules.RulesError, match="not a regular expression"):
        rules.from_data(quantity_rules.NonFiguresFile, {"patterns": {"broken": "(?:{MONTH}"}}, "non_figures.yaml")


def test_the_quantities_rules_are_read_only_through_their_shapes():
    """No module reads a rules/quantities file as an untyped mapping (money_roles.yaml has its own
    loader in pipeline/roles.py)."""
    import re
    from pathlib import Path

    untyped = re.compile(r"""load_yaml\(\s*f?["']quantities/(?!money_roles)""")
    package = Path(quantity_rules.__file__).parent
    readers = [str(p.relative_to(package)) for p in package.rglob("*.py") if untyped.search(p.read_text(encoding="utf-8"))]
    assert readers == []
