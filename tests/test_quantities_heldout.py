"""Held-out check of the quantities stage on news-style paragraphs written for it (never tuned on seeds/dev).

tests/quantities_heldout/*.txt are short paragraphs in the style of Xinhua / China Daily / CGTN /
provincial-government news, dense with the forms of money, percentages, units and non-figures
(dates, times, phone numbers, names like `G60`, `COVID-19`, `No. 1`) that unseen articles have;
expected.jsonl lists every figure a careful reader finds (value, unit, qualifier, value_high).
Precision/recall of (unit, value) are printed and held to floors.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline import quantities, schema, segment
from pipeline.nlp import load_model
from tests.floors import below_floors

HELDOUT = Path(__file__).resolve().parent / "quantities_heldout"
SCORED_UNITS = ("percent", "percentage_point")      # with currencies: what SPEC §6 scores


def load_heldout() -> tuple[dict[str, str], dict[str, list[dict]]]:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(HELDOUT.glob("*.txt"))}
    expected: dict[str, list[dict]] = {aid: [] for aid in texts}
    for line in (HELDOUT / "expected.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            expected[row["article_id"]].append(row)
    return texts, expected


def extract(nlp, texts: dict[str, str]) -> pd.DataFrame:
    articles = pd.DataFrame({"article_id": list(texts), "status": "ok", "clean_text": list(texts.values())})
    _, tokens = segment.run(articles, nlp)
    return quantities.run(articles, tokens)


def is_scored(unit: str) -> bool:
    return unit in SCORED_UNITS or schema.is_currency(unit)


def match(expected: dict[str, list[dict]], table: pd.DataFrame, keep=lambda unit: True) -> dict:
    """One-to-one matches of (unit, value within 0.5 %) per article, as the SPEC §6 scorer does.

    Returns counts, P/R, and the misses (expected, not found) and extras (found, not expected)."""
    tp = n_exp = n_pred = 0
    agree = {"qualifier": 0, "value_high": 0}
    misses, extras = [], []
    for aid, rows in expected.items():
        exp = [r for r in rows if keep(r["unit"])]
        found = table[(table["article_id"] == aid) & table["unit"].map(keep)]
        free = list(found.itertuples())
        n_exp, n_pred = n_exp + len(exp), n_pred + len(found)
        for r in exp:
            hit = next((f for f in free if f.unit == r["unit"]
                        and abs(f.value - r["value"]) <= 0.005 * abs(r["value"])), None)
            if hit is None:
                misses.append((aid, r["text"], r["unit"], r["value"]))
                continue
            free.remove(hit)
            tp += 1
            agree["qualifier"] += hit.qualifier == r["qualifier"]
            high = None if pd.isna(hit.value_high) else hit.value_high
            want = r["value_high"]
            agree["value_high"] += (high is None and want is None) or (
                high is not None and want is not None and abs(high - want) <= 0.005 * abs(want))
        extras.extend((aid, f.text, f.unit, f.value) for f in free)
    return {"tp": tp, "expected": n_exp, "predicted": n_pred,
            "precision": tp / n_pred if n_pred else 1.0, "recall": tp / n_exp if n_exp else 1.0,
            "qualifier_acc": agree["qualifier"] / tp if tp else 1.0,
            "value_high_acc": agree["value_high"] / tp if tp else 1.0,
            "misses": misses, "extras": extras}


def report(name: str, score: dict) -> str:
    lines = [f"{name}: P={score['precision']:.3f} R={score['recall']:.3f} (tp {score['tp']}, expected "
             f"{score['expected']}, predicted {score['predicted']}), qualifier {score['qualifier_acc']:.3f}, "
             f"value_high {score['value_high_acc']:.3f}"]
    lines += [f"  miss  {m}" for m in score["misses"]] + [f"  extra {e}" for e in score["extras"]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def heldout():
    texts, expected = load_heldout()
    return expected, extract(load_model(), texts)


def test_heldout_corpus_is_consistent():
    texts, expected = load_heldout()
    assert len(texts) >= 15
    for aid, rows in expected.items():
        for r in rows:
            assert r["text"] in texts[aid], r
            assert r["qualifier"] in schema.VOCABULARIES["quantities.qualifier"]


def test_heldout_money_and_percent(heldout):
    expected, table = heldout
    score = match(expected, table, is_scored)
    print(report("money+percent", score))
    below = below_floors(score, "quantities_heldout_money_percent")
    assert not below, (below, report("money+percent", score))


def test_heldout_all_units(heldout):
    expected, table = heldout
    score = match(expected, table)
    print(report("all units", score))
    below = below_floors(score, "quantities_heldout_all_units")
    assert not below, (below, report("all units", score))
