"""Where the rules are read from: the repository's rules/ in a checkout (the installed case, package
data, is tests/test_package.py)."""
from pathlib import Path

from pipeline import rules

ROOT = Path(__file__).resolve().parent.parent


def test_checkout_reads_the_repository_rules():
    assert rules.RULES_DIR == ROOT / "rules"
    assert rules.load_yaml("link/periods.yaml")


def test_alternation_puts_longer_words_first():
    assert rules.alternation(["per", "per cent"]) == "per\\ cent|per"
