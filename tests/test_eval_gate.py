"""Accuracy gate: the evaluator's scores on seeds + dev must not fall below the committed floors.

Floors live in tests/accuracy_floors.json. They only go up: raise one in the commit that
improves its score; lowering one needs a written reason in that file.
"""
from __future__ import annotations

import json
from pathlib import Path

from pipeline import evaluate

FLOORS = Path(__file__).with_name("accuracy_floors.json")


def test_scores_meet_floors(corpus_gold, corpus_outputs):
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))["seeds+dev"]
    result = evaluate.score(corpus_gold, corpus_outputs)
    scores = evaluate.flat_metrics(result)
    print("\n" + evaluate.summary(result))
    for name, value in sorted(scores.items()):
        print(f"  {name:28s} {value:.3f}  floor {floors.get(name, '-')}")
    below = {name: (scores.get(name), floor) for name, floor in floors.items()
             if scores.get(name) is None or scores[name] < floor}
    assert not below, f"scores below their floors (score, floor): {below}"


def test_every_floor_names_a_score(corpus_gold, corpus_outputs):
    floors = json.loads(FLOORS.read_text(encoding="utf-8"))["seeds+dev"]
    known = set(evaluate.flat_metrics(evaluate.score(corpus_gold, corpus_outputs)))
    assert set(floors) <= known, f"floors for unknown scores: {set(floors) - known}"
