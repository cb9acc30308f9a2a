"""Where the rules are read from (the repository's rules/ in a checkout; the installed case, package
data, is tests/test_package.py), and their typed, validated shapes."""
import copy
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipeline import rules

ROOT = Path(__file__).resolve().parent.parent


def test_checkout_reads_the_repository_rules():
    assert rules.RULES_DIR == ROOT / "rules"
    assert rules.load_yaml("link/periods.yaml")


def test_alternation_puts_longer_words_first():
    assert rules.alternation(["per", "per cent"]) == "per\\ cent|per"


@dataclass(frozen=True)
class Inner:
    pattern: str


@dataclass(frozen=True)
class Shape:
    words: list[str]
    share: float
    inner: Inner
    rows: list[Inner] = field(default_factory=list)
    note: str | None = None

    def __post_init__(self):
        rules.check_vocabulary(self.words, "targets.measure", "words")


def test_a_rules_file_reads_into_its_shape():
    got = rules.from_data(Shape, {"words": ["growth"], "share": 1, "inner": {"pattern": "x"},
                                  "rows": [{"pattern": "y"}]}, "f.yaml")
    assert got == Shape(["growth"], 1.0, Inner("x"), [Inner("y")])


@pytest.mark.parametrize("data, message", [
    ({"words": [], "share": 0.5, "inner": {"pattern": "x"}, "sahre": 1}, r"f\.yaml: unknown keys \['sahre'\]"),
    ({"words": [], "inner": {"pattern": "x"}}, r"missing keys \['share'\]"),
    ({"words": "growth", "share": 0.5, "inner": {"pattern": "x"}}, "words: expected a list"),
    ({"words": [], "share": "half", "inner": {"pattern": "x"}}, "share: expected float"),
    ({"words": [], "share": 0.5, "inner": {"pattern": 3}}, "inner: pattern: expected str"),
    ({"words": [], "share": 0.5, "inner": {"pattern": "x"}, "rows": [{"patern": "y"}]}, r"rows\[0\]: unknown keys"),
    ({"words": ["growth", "shrink"], "share": 0.5, "inner": {"pattern": "x"}}, r"\['shrink'\] not in the schema's"),
])
def test_a_rules_file_of_another_shape_is_an_error_naming_the_file(data, message):
    with pytest.raises(rules.RulesError, match=message):
        rules.from_data(Shape, data, "f.yaml")


def test_lines_of_a_text_rules_file_skip_comments():
    syllables = rules.load_lines("gazetteer/pinyin_syllables.txt")
    assert "liang" in syllables and not any(s.startswith("#") for s in syllables)


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
    from pipeline import quantity_rules

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
    from pipeline import quantity_rules

    data = copy.deepcopy(rules.load_yaml("quantities/qualifiers.yaml"))
    change(data)
    with pytest.raises(rules.RulesError, match=message):
        rules.from_data(quantity_rules.QualifiersFile, data, "qualifiers.yaml")


def test_currency_codes_and_percent_units_are_checked():
    from pipeline import quantity_rules

    currencies = copy.deepcopy(rules.load_yaml("quantities/currencies.yaml"))
    currencies["suffix"]["quid"] = "pound"
    with pytest.raises(rules.RulesError, match="ISO 4217"):
        rules.from_data(quantity_rules.CurrenciesFile, currencies, "currencies.yaml")
    units = copy.deepcopy(rules.load_yaml("quantities/units.yaml"))
    units["percent"]["permille"] = ["‰"]
    with pytest.raises(rules.RulesError, match="percentage_point"):
        rules.from_data(quantity_rules.UnitsFile, units, "units.yaml")


def test_non_figure_patterns_take_the_one_month_table():
    from pipeline import quantity_rules
    from pipeline.published import date_rules

    assert "January" not in rules.load_yaml("quantities/non_figures.yaml")["patterns"]["month_day"]
    non_figures = quantity_rules.non_figures()
    compiled = dict(zip(non_figures.patterns, non_figures.compiled("patterns", date_rules().month_names)))
    month_day, day_month = compiled["month_day"], compiled["day_month"]
    assert month_day.search("on Sept. 22, 2021 the") and not month_day.search("on sept 22")
    assert day_month.search("on 5 March") and day_month.search("on 22 sep")
    with pytest.raises(rules.RulesError, match="not a regular expression"):
        rules.from_data(quantity_rules.NonFiguresFile, {"patterns": {"broken": "(?:{MONTH}"}}, "non_figures.yaml")
