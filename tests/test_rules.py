"""Where the rules are read from (the repository's rules/ in a checkout; the installed case, package
data, is tests/test_package.py), and their typed, validated shapes."""
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

