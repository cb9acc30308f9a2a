"""Accuracy gate: the evaluator's scores on seeds + dev must not fall below the committed floors.

Floors live in tests/accuracy_floors.json. They only go up: raise one in the commit that
improves its score; lowering one needs a written reason in that file.
"""
from __future__ import annotations

from pipeline import evaluate
from tests.floors import below_floors, floors


def test_scores_meet_floors(corpus_gold, corpus_outputs):
    result = evaluate.score(corpus_gold, corpus_outputs)
    print("\n" + evaluate.summary(result))
    below = below_floors(evaluate.flat_metrics(result), "seeds+dev")
    assert not below, f"scores below their floors (score, floor): {below}"


def test_every_floor_names_a_score(corpus_gold, corpus_outputs):
    known = set(evaluate.flat_metrics(evaluate.score(corpus_gold, corpus_outputs)))
    assert set(floors("seeds+dev")) <= known, f"floors for unknown scores: {set(floors('seeds+dev')) - known}"
