"""Evaluate stage: scores of an output directory against gold annotations (SPEC §6).

Micro-averaged over the articles of the gold file. Regions compare as per-article sets at
prefecture level; figures match one to one (linked pairs first), values within 0.5 %.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .gazetteer import prefecture_id
from .tableio import is_missing

VALUE_TOLERANCE = 0.005  # SPEC §6: "within 0.5 %"
SCORED = ("regions", "monetary", "percentages", "targets")


def prefecture_level(region_id: object) -> str | None:
    """Map an administrative code to its prefecture (municipalities and provinces to the province)."""
    return None if is_missing(region_id) else prefecture_id(str(region_id))


def load_gold(path: str | Path) -> dict[str, dict]:
    """Gold as {article_id: annotation} from a JSONL file or a directory of JSON files."""
    path = Path(path)
    records: list[dict] = []
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    for file in files:
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".json":
            records.append(json.loads(text))
        else:  # JSON Lines, whatever the name (a pipe has none)
            records += [json.loads(line) for line in text.splitlines() if line.strip()]
    return {r["article_id"]: r for r in records}


def values_close(pred: object, gold: object) -> bool:
    try:
        p, g = float(pred), float(gold)
    except (TypeError, ValueError):
        return False
    if math.isnan(p) or math.isnan(g):
        return False
    return abs(p - g) <= VALUE_TOLERANCE * max(abs(g), 1e-9)


def _is_strict_unit(unit: object) -> bool:
    """Percent, points, counts and currencies must match exactly; physical units compare loosely."""
    return unit in ("percent", "percentage_point", "count") or (
        isinstance(unit, str) and len(unit) == 3 and unit.isupper())


def match_one_to_one(gold: list[dict], pred: list[dict], compatible: Callable, linked: Callable) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs: first those that also agree on the link, then the rest."""
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for require_link in (True, False):
        for gi, g in enumerate(gold):
            if any(gi == a for a, _ in pairs):
                continue
            for pi, p in enumerate(pred):
                if pi not in used and compatible(g, p) and (not require_link or linked(g, p)):
                    used.add(pi)
                    pairs.append((gi, pi))
                    break
    return pairs


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if n_gold == 0 else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(f, 3), "tp": tp, "pred": n_pred, "gold": n_gold}


def _read(out: Path, name: str) -> pd.DataFrame:
    path = out / f"{name}.parquet"
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _records(df: pd.DataFrame, article_id: str) -> list[dict]:
    if df.empty:
        return []
    rows = df[df["article_id"].astype(str) == article_id]
    return [{k: (None if is_missing(v) else v) for k, v in r.items()} for r in rows.to_dict("records")]


def _same_region(g: dict, p: dict) -> bool:
    return prefecture_level(g.get("region_id")) == prefecture_level(p.get("region_id"))


def _money_compatible(g: dict, p: dict) -> bool:
    return str(p.get("currency")) == g["currency"] and values_close(p.get("amount", p.get("value")), g["amount"])


def _percent_compatible(g: dict, p: dict) -> bool:
    return str(p.get("unit")) == g["unit"] and values_close(p.get("value"), g["value"])


def _target_compatible(g: dict, p: dict) -> bool:
    units_agree = str(p.get("unit")) == g["unit"] or not (_is_strict_unit(g["unit"]) or _is_strict_unit(p.get("unit")))
    return values_close(p.get("value"), g["value"]) and units_agree


def _target_linked(g: dict, p: dict) -> bool:
    return _same_region(g, p) and g.get("indicator") == p.get("indicator")


def _year(v: object) -> int | None:
    return None if is_missing(v) else int(v)


def score(gold_path: str | Path, out_dir: str | Path) -> dict:
    """All SPEC §6 scores of the tables in `out_dir` against `gold_path`, with per-article misses."""
    gold = load_gold(gold_path)
    out = Path(out_dir)
    articles = _read(out, "articles")
    regions = _read(out, "regions")
    money = _read(out, "monetary")
    quantities = _read(out, "quantities")
    targets = _read(out, "targets")
    percentages = quantities[quantities["unit"].isin(["percent", "percentage_point"])] if not quantities.empty else quantities
    targets = targets[targets["value"].notna()] if not targets.empty else targets

    counts = {k: {"tp": 0, "pred": 0, "gold": 0, "linked_tp": 0} for k in SCORED}
    extra = {"target_year_ok": 0, "target_indicator_ok": 0, "money_role_ok": 0, "pub_ok": 0, "pub_n": 0}
    per_article: dict[str, dict] = {}

    def add(key: str, gold_rows: list, pred_rows: list, compatible: Callable, linked: Callable) -> list:
        pairs = match_one_to_one(gold_rows, pred_rows, compatible, linked)
        c = counts[key]
        c["tp"] += len(pairs)
        c["pred"] += len(pred_rows)
        c["gold"] += len(gold_rows)
        c["linked_tp"] += sum(linked(gold_rows[g], pred_rows[p]) for g, p in pairs)
        return pairs

    for aid, g in gold.items():
        report: dict = {}
        gold_set = {prefecture_level(r["region_id"]) for r in g.get("regions", [])} - {"CN", None}
        pred_set = {prefecture_level(r.get("admin_id") if r.get("level") == "zone" else r.get("region_id"))
                    for r in _records(regions, aid)} - {"CN", None}
        tp = len(gold_set & pred_set)
        for key, value in (("tp", tp), ("pred", len(pred_set)), ("gold", len(gold_set)), ("linked_tp", tp)):
            counts["regions"][key] += value
        report["regions_missed"] = sorted(gold_set - pred_set)
        report["regions_spurious"] = sorted(pred_set - gold_set)

        gm, pm = g.get("monetary", []), _records(money, aid)
        pairs = add("monetary", gm, pm, _money_compatible, _same_region)
        extra["money_role_ok"] += sum(gm[a].get("role") == pm[b].get("role") for a, b in pairs)
        report["money_missed"] = _unmatched(gm, (a for a, _ in pairs))
        report["money_spurious"] = _unmatched(pm, (b for _, b in pairs))

        gp, pp = g.get("percentages", []), _records(percentages, aid)
        pairs = add("percentages", gp, pp, _percent_compatible, _same_region)
        report["percentages_missed"] = _unmatched(gp, (a for a, _ in pairs))
        report["percentages_spurious"] = _unmatched(pp, (b for _, b in pairs))

        gt, pt = g.get("targets", []), _records(targets, aid)
        pairs = add("targets", gt, pt, _target_compatible, _target_linked)
        extra["target_indicator_ok"] += sum(gt[a].get("indicator") == pt[b].get("indicator") for a, b in pairs)
        extra["target_year_ok"] += sum(_year(gt[a].get("end_year")) == _year(pt[b].get("end_year")) for a, b in pairs)
        report["targets_missed"] = _unmatched(gt, (a for a, _ in pairs))
        report["targets_spurious"] = _unmatched(pt, (b for _, b in pairs))

        if g.get("published"):
            extra["pub_n"] += 1
            rows = _records(articles, aid)
            if rows and rows[0].get("published") is not None and str(rows[0]["published"])[:10] == g["published"]:
                extra["pub_ok"] += 1
            else:
                report["published_wrong"] = str(rows[0].get("published")) if rows else "missing article"
        per_article[aid] = report

    result: dict = {}
    for key in SCORED:
        c = counts[key]
        result[key] = _prf(c["tp"], c["pred"], c["gold"]) | {"linked_f1": _prf(c["linked_tp"], c["pred"], c["gold"])["f1"]}
    n_targets, n_money = counts["targets"]["tp"], counts["monetary"]["tp"]
    result["published_acc"] = round(extra["pub_ok"] / extra["pub_n"], 3) if extra["pub_n"] else None
    result["target_indicator_acc"] = round(extra["target_indicator_ok"] / n_targets, 3) if n_targets else None
    result["target_year_acc"] = round(extra["target_year_ok"] / n_targets, 3) if n_targets else None
    result["money_role_acc"] = round(extra["money_role_ok"] / n_money, 3) if n_money else None
    result["articles"] = len(gold)
    result["per_article"] = per_article
    return result


def _unmatched(rows: list[dict], matched: Iterable[int]) -> list[str]:
    seen = set(matched)
    return [str(r.get("text")) for i, r in enumerate(rows) if i not in seen]


def flat_metrics(result: dict) -> dict[str, float]:
    """The scores as flat `name: number` pairs, the form of DVC metrics and of the floors file."""
    flat: dict[str, float] = {}
    for key in SCORED:
        flat[f"{key}_f1"] = result[key]["f1"]
        flat[f"{key}_linked_f1"] = result[key]["linked_f1"]
    for key in ("published_acc", "target_indicator_acc", "target_year_acc", "money_role_acc"):
        if result.get(key) is not None:
            flat[key] = result[key]
    return flat


def summary(result: dict) -> str:
    """One line: F1/linked F1 per score, publication-date accuracy."""
    parts = " ".join(f"{k}={result[k]['f1']}/{result[k]['linked_f1']}" for k in SCORED)
    return (f"{parts} pub={result['published_acc']} target_year={result['target_year_acc']} "
            f"(F1/linkedF1, n={result['articles']})")
