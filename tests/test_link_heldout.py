"""Held-out check of linking and targets on news written for it (never tuned on seeds/dev).

tests/link_heldout/articles/*.txt are short articles in the style of Xinhua / China Daily /
CGTN / provincial-government news about regional development: work-report target lists,
plan documents (`14th Five-Year Plan period`, `by 2025`, `by 2035`), statistics releases with
`respectively`, national figures (CN), totals over macro regions, headlines (`X to invest Y`,
`X targets 5% growth`), mixed actual/target sentences, zones and economists' forecasts.
gold.jsonl follows SPEC §5 and the conventions of the seeds/dev gold. The pipeline's SPEC §6
scores on it are printed and held to the floors under `link_heldout` in accuracy_floors.json.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import evaluate
from tests.floors import below_floors

HERE = Path(__file__).resolve().parent
HELDOUT = HERE / "link_heldout"


@pytest.fixture(scope="module")
def heldout_scores(tmp_path_factory) -> dict:
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("link_heldout")
    assert main(["--quiet", "run", "--input", str(HELDOUT / "articles"), "--output", str(out),
                 "--params", str(HERE.parent / "params.yaml")]) == 0
    return evaluate.score(HELDOUT / "gold.jsonl", out)


def test_gold_covers_every_article():
    ids = {json.loads(line)["article_id"] for line in (HELDOUT / "gold.jsonl").read_text().splitlines() if line}
    assert ids == {p.stem for p in (HELDOUT / "articles").glob("*.txt")}
    assert len(ids) >= 15


def test_heldout_scores_meet_floors(heldout_scores):
    scores = evaluate.flat_metrics(heldout_scores)
    print("\nheld-out: " + evaluate.summary(heldout_scores))
    for name in ("targets_missed", "targets_spurious"):
        if heldout_scores.get(name):
            print(f"  {name}: {heldout_scores[name]}")
    below = below_floors(scores, "link_heldout")
    assert not below, f"held-out scores below their floors (score, floor): {below}"
