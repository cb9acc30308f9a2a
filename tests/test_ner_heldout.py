"""Region recognition on a held-out corpus (tests/ner_heldout/): short news paragraphs written for this
check, never used to tune the rules directly, covering provinces across China and the hard cases
(shared names, datelines, zones, macro regions, organisations, landforms, foreign places, persons).

`expected.jsonl`: per paragraph the region ids a careful reader lists (scored at prefecture level as
SPEC §6 does) and `not`: phrases inside which no region may be found. Run as a script for details:
`python tests/test_ner_heldout.py`.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.floors import below_floors

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "ner_heldout"


def expected() -> list[dict]:
    return [json.loads(line) for line in (HELDOUT / "expected.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def recognise(nlp) -> tuple[pd.DataFrame, pd.DataFrame]:
    from pipeline import ner, segment

    texts = {e["id"]: (HELDOUT / f"{e['id']}.txt").read_text(encoding="utf-8") for e in expected()}
    articles = pd.DataFrame({"article_id": list(texts), "status": "ok", "clean_text": list(texts.values())})
    _, tokens = segment.run(articles, nlp)
    return articles, ner.run(articles, tokens)


def score(articles: pd.DataFrame, regions: pd.DataFrame) -> dict:
    """Micro P/R over per-article id sets at prefecture level, and mentions inside `not` phrases."""
    from pipeline.gazetteer import prefecture_id

    tp = n_pred = n_gold = 0
    details = []
    texts = dict(zip(articles["article_id"], articles["clean_text"]))
    for e in expected():
        rows = regions[regions["article_id"] == e["id"]]
        ids = rows["admin_id"].where(rows["level"] == "zone", rows["region_id"])
        pred = {prefecture_id(i) for i in ids if isinstance(i, str)} - {"CN"}
        gold = {prefecture_id(i) for i in e["regions"]}
        tp += len(pred & gold)
        n_pred += len(pred)
        n_gold += len(gold)
        text = texts[e["id"]]
        inside = []
        for phrase in e.get("not", []):
            start = text.find(phrase)
            while start >= 0:
                end = start + len(phrase)
                inside += [r.text for r in rows.itertuples()
                           if r.region_id != "CN" and start <= r.start and r.end <= end]
                start = text.find(phrase, end)
        details.append({"id": e["id"], "missed": sorted(gold - pred), "spurious": sorted(pred - gold),
                        "inside_not": inside})
    return {"precision": tp / n_pred if n_pred else 0.0, "recall": tp / n_gold if n_gold else 0.0,
            "details": details}


@pytest.fixture(scope="module")
def heldout(nlp):
    return score(*recognise(nlp))


def test_heldout_corpus_is_substantial():
    entries = expected()
    assert len(entries) >= 15
    assert all((HELDOUT / f"{e['id']}.txt").exists() and e["regions"] for e in entries)


def test_heldout_precision_and_recall(heldout):
    print(f"\nheld-out regions: P={heldout['precision']:.3f} R={heldout['recall']:.3f}")
    errors = [d for d in heldout["details"] if d["missed"] or d["spurious"]]
    below = below_floors({"precision": heldout["precision"], "recall": heldout["recall"]}, "ner_heldout")
    assert not below, (below, errors)


def test_no_region_inside_organisations_landforms_persons_or_foreign_names(heldout):
    inside = {d["id"]: d["inside_not"] for d in heldout["details"] if d["inside_not"]}
    assert inside == {}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from pipeline.nlp import load_model

    result = score(*recognise(load_model()))
    for d in result["details"]:
        if d["missed"] or d["spurious"] or d["inside_not"]:
            print(d)
    print(f"P={result['precision']:.3f} R={result['recall']:.3f}")
    sys.exit(0)
