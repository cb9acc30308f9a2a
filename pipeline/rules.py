"""Access to the domain knowledge in rules/: one loader, cached per process.

`load(path, Shape)` reads a rules file into its typed shape, a frozen dataclass whose fields are the
file's keys: an unknown key, a missing one or a value of the wrong type is a RulesError naming the
file, and a shape's `__post_init__` checks the vocabulary names it holds against pipeline/schema.py
(`check_vocabulary`). `load_yaml` is the untyped read underneath.

This module is the one place that knows where the rules are: the `rules/` directory of the
repository in a checkout, or the package data `pipeline/_rules` that a wheel ships (pyproject.toml
maps that data package onto `rules/`, so the directory stays where it is in the repository).
"""
from __future__ import annotations

import dataclasses
import importlib.resources
import re
import types
import typing
from functools import lru_cache
from pathlib import Path

import yaml

from .schema import VOCABULARIES

# The safe loader in C (libyaml) where PyYAML has it: the same data as yaml.SafeLoader, and the
# pure-Python one took ~10% of a one-article run reading the rules (issue 16).
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
        return yaml.load(fh, Loader=YAML_LOADER) or {}


@lru_cache(maxsize=None)
def load_lines(relative_path: str) -> tuple[str, ...]:
    """The non-blank lines of the text file `rules/<relative_path>`, stripped, `#` comment lines left out."""
    text = (RULES_DIR / relative_path).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


class RulesError(ValueError):
    """A rules file that does not have the shape its loader declares."""


T = typing.TypeVar("T")


@lru_cache(maxsize=None)
def load(relative_path: str, shape: type[T]) -> T:
    """The rules file `rules/<relative_path>` as its typed shape (cached per process)."""
    return from_data(shape, load_yaml(relative_path), f"rules/{relative_path}")


def from_data(shape: type[T], data, where: str) -> T:
    """`data` (a mapping read from YAML) as the dataclass `shape`, checked key by key."""
    if not isinstance(data, dict):
        raise RulesError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(shape)}
    unknown = sorted(str(k) for k in set(data) - set(fields))
    if unknown:
        raise RulesError(f"{where}: unknown keys {unknown} (known: {sorted(fields)})")
    missing = sorted(n for n, f in fields.items() if n not in data and f.default is dataclasses.MISSING
                     and f.default_factory is dataclasses.MISSING)
    if missing:
        raise RulesError(f"{where}: missing keys {missing}")
    hints = typing.get_type_hints(shape)
    values = {k: _typed(hints[k], v, f"{where}: {k}") for k, v in data.items()}
    try:
        return shape(**values)
    except RulesError as exc:
        raise RulesError(f"{where}: {exc}") from None


def _typed(hint, value, where: str):
    """`value` checked against the annotation `hint` (containers one level into their items; nested
    dataclasses read with from_data)."""
    origin = typing.get_origin(hint)
    if hint is typing.Any:
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _typed(option, value, where)
            except RulesError as exc:
                errors.append(str(exc))
        raise RulesError("; ".join(errors))
    if dataclasses.is_dataclass(hint):
        return from_data(hint, value, where)
    if origin in (list, tuple, frozenset):
        if not isinstance(value, list):
            raise RulesError(f"{where}: expected a list, got {type(value).__name__}")
        item = typing.get_args(hint)[0] if typing.get_args(hint) else typing.Any
        return origin(_typed(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise RulesError(f"{where}: expected a mapping, got {type(value).__name__}")
        _, item = typing.get_args(hint) or (typing.Any, typing.Any)
        return {k: _typed(item, v, f"{where}.{k}") for k, v in value.items()}
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, float, bool, dict, list):
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise RulesError(f"{where}: expected {hint.__name__}, got {type(value).__name__} {value!r}")
        return value
    raise TypeError(f"{where}: unsupported annotation {hint!r}")


def check_vocabulary(values, vocabulary: str, what: str) -> None:
    """Raise RulesError when one of `values` is not a name of pipeline/schema.py's VOCABULARIES[vocabulary]."""
    unknown = sorted(set(values) - set(VOCABULARIES[vocabulary]))
    if unknown:
        raise RulesError(f"{what}: {unknown} not in the schema's {vocabulary} ({', '.join(VOCABULARIES[vocabulary])})")


def alternation(words) -> str:
    """A regex alternation of literal words, longest first so that `per cent` wins over `per`."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
