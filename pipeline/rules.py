"""Access to the domain knowledge in rules/: one loader, cached per process.

This module is the one place that knows where the rules are: the `rules/` directory of the
repository in a checkout, or the package data `pipeline/_rules` that a wheel ships (pyproject.toml
maps that data package onto `rules/`, so the directory stays where it is in the repository).
"""
from __future__ import annotations

import importlib.resources
import re
from functools import lru_cache
from pathlib import Path

import yaml

# Name of the data package inside `pipeline` that an installed wheel holds the rules in.
PACKAGED_RULES = "_rules"


def _rules_dir() -> Path:
    """The installed package data when there is any, else the checkout's `rules/` beside `pipeline/`."""
    packaged = importlib.resources.files(__package__).joinpath(PACKAGED_RULES)
    if packaged.is_dir():
        if not isinstance(packaged, Path):  # a zip import: the readers below need real files
            raise RuntimeError(f"the rules of {__package__} must be installed on a file system, not in {packaged}")
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


RULES_DIR = _rules_dir()


@lru_cache(maxsize=None)
def load_yaml(relative_path: str) -> dict:
    """The YAML file `rules/<relative_path>` as data (an empty mapping for an empty file)."""
    with open(RULES_DIR / relative_path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def alternation(words) -> str:
    """A regex alternation of literal words, longest first so that `per cent` wins over `per`."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
