"""Access to the domain knowledge in rules/: one loader, cached per process."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


@lru_cache(maxsize=None)
def load_yaml(relative_path: str) -> dict:
    """The YAML file `rules/<relative_path>` as data (an empty mapping for an empty file)."""
    with open(RULES_DIR / relative_path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def alternation(words) -> str:
    """A regex alternation of literal words, longest first so that `per cent` wins over `per`."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
