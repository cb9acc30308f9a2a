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
# A second set, one paragraph per error class (romanisations, old names, full names, county-level
# cities, captions, headlines, zones the table lacks, demonyms), written blind before the
# recogniser was changed for them; its blind score is in the commit that added it.
CLASSES = HELDOUT / "classes"


def expected(folder: Path = HELDOUT) -> list[dict]:
    return [json.loads(line) for line in (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def recognise(nlp, folder: Path = HELDOUT) -> tuple[pd.DataFrame, pd.DataFrame]:
    from pipeline import ner, segment

    texts = {e["id"]: (folder / f"{e['id']}.txt").read_text(encoding="utf-8") for e in expected(folder)}
    articles = pd.DataFrame({"article_id": list(texts), "status": "ok", "clean_text": list(texts.values())})
    _, tokens = segment.run(articles, nlp)
    return articles, ner.run(articles, tokens)


def score(articles: pd.DataFrame, regions: pd.DataFrame, folder: Path = HELDOUT) -> dict:
    """Micro P/R over per-article id sets at prefecture level, and mentions inside `not` phrases."""
    from pipeline.gazetteer import prefecture_id

    tp = n_pred = n_gold = 0
    details = []
    texts = dict(zip(articles["article_id"], articles["clean_text"]))
    for e in expected(folder):
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


def test_heldout_corpus_is_substantial():
    entries = expected()
    assert len(entries) >= 15
    assert all((HELDOUT / f"{e['id']}.txt").exists() and e["regions"] for e in entries)


# Each set is scored against the floors section of its own name.
SETS = {"ner_heldout": HELDOUT, "ner_heldout_classes": CLASSES}


@pytest.fixture(scope="module", params=list(SETS))
def scored(request, nlp):
    folder = SETS[request.param]
    return request.param, score(*recognise(nlp, folder), folder)


def test_class_set_covers_each_class_once():
    entries = expected(CLASSES)
    assert len({e["class"] for e in entries}) == len(entries) >= 12
    assert all((CLASSES / f"{e['id']}.txt").exists() and e["regions"] for e in entries)


def test_precision_and_recall_meet_floors(scored):
    """Blind scores of the class set, before the changes made for its classes: c01-c14 P=1.000
    R=0.899 (the misses were names without their apostrophe and postal romanisations), c15-c24 and
    c25-c32 P=1.000 R=1.000."""
    section, result = scored
    print(f"\n{section} regions: P={result['precision']:.3f} R={result['recall']:.3f}")
    errors = [d for d in result["details"] if d["missed"] or d["spurious"]]
    below = below_floors({"precision": result["precision"], "recall": result["recall"]}, section)
    assert not below, (below, errors)


def test_no_region_inside_organisations_landforms_persons_demonyms_or_credits(scored):
    _, result = scored
    inside = {d["id"]: d["inside_not"] for d in result["details"] if d["inside_not"]}
    assert inside == {}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from pipeline.nlp import load_model

    nlp = load_model()
    for folder in SETS.values():
        result = score(*recognise(nlp, folder), folder)
        for d in result["details"]:
            if d["missed"] or d["spurious"] or d["inside_not"]:
                print(d)
        print(f"{folder.name}: P={result['precision']:.3f} R={result['recall']:.3f}")
    sys.exit(0)
