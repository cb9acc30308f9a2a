"""The accuracy floors of tests/accuracy_floors.json, one section per check.

Floors only go up: raise one in the commit that improves its score; lowering one needs an
entry in the file's `lowered` list with the reason.
"""
from __future__ import annotations

import json
from pathlib import Path

FLOORS_FILE = Path(__file__).with_name("accuracy_floors.json")


def floors(section: str) -> dict[str, float]:
    """The floors of one check (`seeds+dev`, `clean`, `link_heldout`, …)."""
    return json.loads(FLOORS_FILE.read_text(encoding="utf-8"))[section]


def below_floors(scores: dict[str, float], section: str) -> dict[str, tuple[float | None, float]]:
    """Scores under their floor (or missing), as {name: (score, floor)}; printed for the log."""
    wanted = floors(section)
    for name, floor in sorted(wanted.items()):
        value = scores.get(name)
        print(f"  {section:20s} {name:28s} {'-' if value is None else f'{value:.3f}'}  floor {floor:.3f}")
    return {name: (scores.get(name), floor) for name, floor in wanted.items()
            if scores.get(name) is None or scores[name] < floor}
