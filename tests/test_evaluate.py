"""The evaluator implements SPEC §6; cross-checked against the reference scorer when it is beside the repo."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline import evaluate
from pipeline.tableio import write_table
from pipeline.tables import monetary_view

REFERENCE_SCORER = Path(__file__).resolve().parents[2] / "shared" / "tools" / "score.py"


@pytest.mark.parametrize("code, expected", [
    ("632801", "632800"), ("632800", "632800"), ("630000", "630000"), ("110105", "110000"),
    ("500233", "500000"), ("macro:northeast", "macro:northeast"), ("CN", "CN"), (None, None),
])
def test_prefecture_level(code, expected):
    assert evaluate.prefecture_level(code) == expected


def test_matching_prefers_linked_pairs():
    gold = [{"v": 1, "r": "a"}, {"v": 1, "r": "b"}]
    pred = [{"v": 1, "r": "b"}, {"v": 1, "r": "a"}]
    pairs = evaluate.match_one_to_one(gold, pred, lambda g, p: g["v"] == p["v"], lambda g, p: g["r"] == p["r"])
    assert sorted(pairs) == [(0, 1), (1, 0)]


def test_matching_is_one_to_one():
    gold = [{"v": 1}]
    pred = [{"v": 1}, {"v": 1}]
    assert evaluate.match_one_to_one(gold, pred, lambda g, p: True, lambda g, p: True) == [(0, 0)]


def _toy_outputs(tmp_path: Path) -> tuple[Path, Path]:
    gold = [{
        "article_id": "a", "published": "2020-01-02",
        "regions": [{"region_id": "632801"}, {"region_id": "110000"}, {"region_id": "macro:northeast"}],
        "monetary": [{"text": "5 billion yuan", "amount": 5e9, "currency": "CNY", "role": "investment",
                      "region_id": "632800", "kind": "actual"},
                     {"text": "$3", "amount": 3.0, "currency": "USD", "role": "other", "region_id": None}],
        "percentages": [{"text": "7.5 percent", "value": 7.5, "unit": "percent", "region_id": "630000"},
                        {"text": "1 point", "value": 1, "unit": "percentage_point", "region_id": None}],
        "targets": [{"text": "t", "indicator": "gdp", "value": 7.5, "unit": "percent", "region_id": "630000",
                     "end_year": 2020},
                    {"text": "u", "indicator": "output_value", "value": 100, "unit": "tonne", "region_id": None,
                     "end_year": None}],
    }]
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text("\n".join(json.dumps(g) for g in gold) + "\n")
    out = tmp_path / "out"
    write_table(pd.DataFrame([{"article_id": "a", "status": "ok", "published": "2020-01-02"}]), "articles",
                out / "articles.parquet")
    write_table(pd.DataFrame([
        {"article_id": "a", "region_id": "632802", "level": "county", "admin_id": "632802"},
        {"article_id": "a", "region_id": "zone:x", "level": "zone", "admin_id": "110105"},
        {"article_id": "a", "region_id": "CN", "level": "country"},
        {"article_id": "a", "region_id": "220000", "level": "province", "admin_id": "220000"},
    ]), "regions", out / "regions.parquet")
    quantities = pd.DataFrame([
        {"article_id": "a", "value": 5.01e9, "unit": "CNY", "region_id": "632801", "role": "investment"},
        {"article_id": "a", "value": 3.0, "unit": "USD", "region_id": "650000", "role": "other"},
        {"article_id": "a", "value": 7.5, "unit": "percent", "region_id": "630000"},
        {"article_id": "a", "value": 2, "unit": "percentage_point"},
        {"article_id": "a", "value": 9, "unit": "count"},
    ])
    write_table(quantities, "quantities", out / "quantities.parquet")
    write_table(monetary_view(quantities), "monetary", out / "monetary.parquet")
    write_table(pd.DataFrame([
        {"article_id": "a", "indicator": "gdp", "value": 7.5, "unit": "percent", "region_id": "630000",
         "end_year": 2021},
        {"article_id": "a", "indicator": "output_value", "value": 100, "unit": "ton", "region_id": None},
        {"article_id": "a", "indicator": "gdp", "value": None, "unit": None},
    ]), "targets", out / "targets.parquet")
    return gold_path, out


def test_scores_of_a_known_case(tmp_path):
    gold, out = _toy_outputs(tmp_path)
    result = evaluate.score(gold, out)
    assert result["regions"]["tp"] == 2 and result["regions"]["pred"] == 3 and result["regions"]["gold"] == 3
    assert result["monetary"]["tp"] == 2 and result["monetary"]["linked_f1"] == 0.5
    assert result["percentages"]["tp"] == 1 and result["percentages"]["pred"] == 2
    assert result["targets"]["tp"] == 2 and result["targets"]["pred"] == 2  # a target with no value is not scored
    assert result["target_year_acc"] == 0.5
    assert result["published_acc"] == 1.0


@pytest.mark.skipif(not REFERENCE_SCORER.exists(), reason="reference scorer not beside the repository")
def test_agrees_with_reference_scorer_on_known_case(tmp_path):
    gold, out = _toy_outputs(tmp_path)
    _assert_agrees(gold, out)


@pytest.mark.skipif(not REFERENCE_SCORER.exists(), reason="reference scorer not beside the repository")
def test_agrees_with_reference_scorer_on_corpus(corpus_gold, corpus_outputs):
    _assert_agrees(corpus_gold, corpus_outputs)


def _assert_agrees(gold: Path, out: Path) -> None:
    proc = subprocess.run([sys.executable, str(REFERENCE_SCORER), str(gold), str(out), "--json"],
                          capture_output=True, text=True, check=True)
    reference = json.loads(proc.stdout[: proc.stdout.rindex("}") + 1])
    ours = evaluate.score(gold, out)
    for key in evaluate.SCORED:
        assert {k: ours[key][k] for k in ("tp", "pred", "gold", "f1", "linked_f1")} == \
               {k: reference[key][k] for k in ("tp", "pred", "gold", "f1", "linked_f1")}, key
    for key in ("published_acc", "target_year_acc", "target_indicator_acc", "money_role_acc"):
        assert ours[key] == reference[key], key
