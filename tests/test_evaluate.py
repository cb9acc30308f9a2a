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


def test_error_listing_of_a_known_case(tmp_path):
    gold, out = _toy_outputs(tmp_path)
    rows = evaluate.errors(gold, out)
    assert all(set(r) == set(evaluate.ERROR_COLUMNS) for r in rows)
    assert [(r["table"], r["error"], r["gold_label"], r["pred_label"]) for r in rows] == [
        ("regions", "missed", None, None),                # macro:northeast
        ("regions", "spurious", None, None),              # Jilin
        ("monetary", "wrong_kind", "actual", None),       # the toy prediction carries no kind
        ("monetary", "wrong_region", None, "650000"),     # $3, linked to Xinjiang where gold has none
        ("percentages", "missed", None, None),            # 1 point
        ("percentages", "spurious", None, None),          # 2 points
        ("targets", "wrong_year", "2020", "2021"),
    ]
    by_kind = {(r["table"], r["error"]): r for r in rows}
    assert by_kind[("regions", "missed")]["gold_value"] == "macro:northeast"
    assert by_kind[("regions", "spurious")]["pred_value"] == "220000"
    assert by_kind[("percentages", "missed")]["gold_text"] == "1 point"
    assert by_kind[("percentages", "spurious")]["pred_value"] == 2
    wrong_year = by_kind[("targets", "wrong_year")]
    assert (wrong_year["gold_label"], wrong_year["pred_label"]) == ("2020", "2021")
    wrong_region = [r for r in rows if r["error"] == "wrong_region"]
    assert [(r["gold_label"], r["pred_label"]) for r in wrong_region] == [(None, "650000")]


def test_error_kinds_are_the_documented_ones(tmp_path):
    gold, out = _toy_outputs(tmp_path)
    assert {r["error"] for r in evaluate.errors(gold, out)} <= set(evaluate.ERROR_KINDS)


def test_wrong_role_indicator_kind_and_published_are_listed(tmp_path):
    gold = {"article_id": "b", "published": "2021-05-01",
            "monetary": [{"text": "5 yuan", "amount": 5.0, "currency": "CNY", "role": "gdp", "region_id": None,
                          "kind": "target"}],
            "targets": [{"text": "t", "indicator": "gdp", "value": 7.0, "unit": "percent", "region_id": None}]}
    gold_path = tmp_path / "g.jsonl"
    gold_path.write_text(json.dumps(gold) + "\n")
    out = tmp_path / "out"
    write_table(pd.DataFrame([{"article_id": "b", "status": "ok", "published": "2021-05-02"}]), "articles",
                out / "articles.parquet")
    q = pd.DataFrame([{"article_id": "b", "value": 5.0, "unit": "CNY", "role": "other", "kind": "actual",
                       "text": "5 yuan", "evidence": "same_sentence"}])
    write_table(q, "quantities", out / "quantities.parquet")
    write_table(monetary_view(q), "monetary", out / "monetary.parquet")
    write_table(pd.DataFrame([{"article_id": "b", "indicator": "other", "value": 7.0, "unit": "percent"}]),
                "targets", out / "targets.parquet")
    got = {(r["table"], r["error"]): (r["gold_label"], r["pred_label"], r["gold_value"], r["pred_value"])
           for r in evaluate.errors(gold_path, out)}
    assert got[("monetary", "wrong_role")][:2] == ("gdp", "other")
    assert got[("monetary", "wrong_kind")][:2] == ("target", "actual")
    assert got[("targets", "wrong_indicator")][:2] == ("gdp", "other")
    assert got[("articles", "wrong_published")][2:] == ("2021-05-01", "2021-05-02")


def test_error_files_and_printed_listing(tmp_path):
    gold, out = _toy_outputs(tmp_path)
    result = evaluate.score(gold, out)
    csv_rows = pd.read_csv(evaluate.write_errors(result["errors"], tmp_path / "e.csv"))
    assert list(csv_rows.columns) == list(evaluate.ERROR_COLUMNS) and len(csv_rows) == len(result["errors"])
    jsonl = (evaluate.write_errors(result["errors"], tmp_path / "e.jsonl")).read_text().splitlines()
    assert [json.loads(line)["error"] for line in jsonl] == [r["error"] for r in result["errors"]]
    with pytest.raises(ValueError):
        evaluate.write_errors(result["errors"], tmp_path / "e.txt")
    printed = evaluate.format_errors(result["errors"]).splitlines()
    assert printed[0].split() == ["article", "table", "error", "gold", "predicted", "evidence"]
    assert len(printed) == len(result["errors"]) + 1


def test_listing_escapes_control_characters():
    row = dict.fromkeys(evaluate.ERROR_COLUMNS)
    row.update(article_id="a", table="monetary", error="missed", gold_text="5 yuan\x1b[31m red")
    line = evaluate.format_errors([row]).splitlines()[1]
    assert "\x1b" not in line and "\\x1b" in line


def test_by_article_scores_and_plots(tmp_path):
    gold, out = _toy_outputs(tmp_path)
    result = evaluate.score(gold, out)
    frame = evaluate.by_article_frame(result)
    assert frame["article_id"].tolist() == ["a"]
    assert frame.loc[0, "monetary_linked_f1"] == result["monetary"]["linked_f1"]  # one article: the corpus score
    assert frame.loc[0, "regions_f1"] == result["regions"]["f1"]
    plots = pd.read_csv(evaluate.write_plots(result, tmp_path / "plots.csv"))
    assert list(plots.columns) == ["article_id", *evaluate.BY_ARTICLE_SCORES]
    assert plots.loc[0, "targets_linked_f1"] == result["targets"]["linked_f1"]
    assert "a" in evaluate.format_by_article(result)


def test_cli_prints_errors_and_by_article(tmp_path, capsys):
    from pipeline.cli import main

    gold, out = _toy_outputs(tmp_path)
    assert main(["evaluate", "--gold", str(gold), "--output", str(out), "--errors", "--by-article",
                 "--errors-out", str(tmp_path / "e.jsonl"), "--plots", str(tmp_path / "p.csv")]) == 0
    printed = capsys.readouterr().out
    assert "wrong_year" in printed and "regions=" in printed and "monetary_lnk" in printed
    assert (tmp_path / "e.jsonl").exists() and (tmp_path / "p.csv").exists()
    assert main(["evaluate", "--gold", str(gold), "--output", str(out), "--errors-out", str(tmp_path / "e.xlsx")]) == 2


def test_dvc_plots_draw_columns_the_evaluate_stage_writes():
    import yaml

    spec = yaml.safe_load((Path(__file__).resolve().parent.parent / "dvc.yaml").read_text(encoding="utf-8"))
    stage = spec["stages"]["evaluate"]
    plot_file = next(iter(stage["plots"][0]))
    assert f"--plots {plot_file}" in " ".join(stage["cmd"].split())
    assert spec["plots"], "no top-level plot definitions"
    for definition in spec["plots"]:
        (title, body), = definition.items()
        assert body["x"] in evaluate.BY_ARTICLE_SCORES, title
        assert body["y"] == {plot_file: "article_id"}, title
