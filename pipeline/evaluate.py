"""Evaluate stage: scores of an output directory against gold annotations (SPEC §6).

Micro-averaged over the articles of the gold file. Regions compare as per-article sets at
prefecture level; figures match one to one (linked pairs first), values within 0.5 %.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from .gazetteer import prefecture_id
from .tableio import atomic_write_text, is_missing

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


ERROR_KINDS = ("missed", "spurious", "wrong_region", "wrong_indicator", "wrong_role", "wrong_year", "wrong_kind",
               "wrong_published")
ERROR_COLUMNS = ("article_id", "table", "error", "gold_text", "gold_value", "gold_label", "pred_text", "pred_value",
                 "pred_label", "pred_start", "pred_end", "gold_region", "pred_region", "evidence")
# What each scored table compares in its value column, and the label a wrong_* error is about.
_VALUE_FIELD = {"monetary": "amount", "percentages": "value", "targets": "value"}


def _error(aid: str, table: str, error: str, g: dict | None, p: dict | None, field: str | None = None) -> dict:
    """One line of the error listing; `field` names the attribute a wrong_* error is about."""
    value = _VALUE_FIELD.get(table, "value")
    g, p = g or {}, p or {}
    def label(r: dict) -> str | None:
        v = None if field is None else r.get(field)
        return None if v is None or is_missing(v) else str(_year(v) if field == "end_year" else v)

    return {"article_id": aid, "table": table, "error": error,
            "gold_text": g.get("text"), "gold_value": g.get(value), "gold_label": label(g),
            "pred_text": p.get("text"), "pred_value": p.get(value, p.get("value")), "pred_label": label(p),
            "pred_start": p.get("start"), "pred_end": p.get("end"),
            "gold_region": g.get("region_id"), "pred_region": p.get("region_id"), "evidence": p.get("evidence")}


def _pair_errors(aid: str, table: str, gold_rows: list, pred_rows: list, pairs: list) -> list[dict]:
    """missed / spurious rows, and for matched pairs every attribute that disagrees."""
    out = [_error(aid, table, "missed", gold_rows[i], None) for i in _unpaired(gold_rows, (a for a, _ in pairs))]
    out += [_error(aid, table, "spurious", None, pred_rows[i]) for i in _unpaired(pred_rows, (b for _, b in pairs))]
    for a, b in pairs:
        g, p = gold_rows[a], pred_rows[b]
        if not _same_region(g, p):
            out.append(_error(aid, table, "wrong_region", g, p, "region_id"))
        if table == "monetary" and g.get("role") != p.get("role"):
            out.append(_error(aid, table, "wrong_role", g, p, "role"))
        if table == "targets" and g.get("indicator") != p.get("indicator"):
            out.append(_error(aid, table, "wrong_indicator", g, p, "indicator"))
        if table == "targets" and _year(g.get("end_year")) != _year(p.get("end_year")):
            out.append(_error(aid, table, "wrong_year", g, p, "end_year"))
        if table != "targets" and g.get("kind") is not None and g.get("kind") != p.get("kind"):
            out.append(_error(aid, table, "wrong_kind", g, p, "kind"))
    return out


def _unpaired(rows: list, matched: Iterable[int]) -> list[int]:
    seen = set(matched)
    return [i for i in range(len(rows)) if i not in seen]


def _article_scores(counts: dict, extra: dict) -> dict[str, float | None]:
    """One article's scores, named as in flat_metrics (None where the article has nothing to score)."""
    out: dict[str, float | None] = {}
    for key in SCORED:
        c = counts[key]
        empty = c["pred"] == 0 and c["gold"] == 0
        out[f"{key}_f1"] = None if empty else _prf(c["tp"], c["pred"], c["gold"])["f1"]
        out[f"{key}_linked_f1"] = None if empty else _prf(c["linked_tp"], c["pred"], c["gold"])["f1"]
    out["published_acc"] = (extra["pub_ok"] / extra["pub_n"]) if extra["pub_n"] else None
    nt, nm = counts["targets"]["tp"], counts["monetary"]["tp"]
    out["target_indicator_acc"] = round(extra["target_indicator_ok"] / nt, 3) if nt else None
    out["target_year_acc"] = round(extra["target_year_ok"] / nt, 3) if nt else None
    out["money_role_acc"] = round(extra["money_role_ok"] / nm, 3) if nm else None
    return out


def _new_counts() -> tuple[dict, dict]:
    return ({k: {"tp": 0, "pred": 0, "gold": 0, "linked_tp": 0} for k in SCORED},
            {"target_year_ok": 0, "target_indicator_ok": 0, "money_role_ok": 0, "pub_ok": 0, "pub_n": 0})


def score(gold_path: str | Path, out_dir: str | Path) -> dict:
    """All SPEC §6 scores of the tables in `out_dir` against `gold_path`, with per-article misses,
    per-article scores (`by_article`) and one record per error (`errors`, ERROR_COLUMNS)."""
    gold = load_gold(gold_path)
    out = Path(out_dir)
    articles = _read(out, "articles")
    regions = _read(out, "regions")
    money = _read(out, "monetary")
    quantities = _read(out, "quantities")
    targets = _read(out, "targets")
    percentages = quantities[quantities["unit"].isin(["percent", "percentage_point"])] if not quantities.empty else quantities
    targets = targets[targets["value"].notna()] if not targets.empty else targets

    counts, extra = _new_counts()
    per_article: dict[str, dict] = {}
    by_article: dict[str, dict] = {}
    errors: list[dict] = []

    for aid, g in gold.items():
        report: dict = {}
        a_counts, a_extra = _new_counts()

        def add(key: str, gold_rows: list, pred_rows: list, compatible: Callable, linked: Callable) -> list:
            pairs = match_one_to_one(gold_rows, pred_rows, compatible, linked)
            for c in (counts[key], a_counts[key]):
                c["tp"] += len(pairs)
                c["pred"] += len(pred_rows)
                c["gold"] += len(gold_rows)
                c["linked_tp"] += sum(linked(gold_rows[g], pred_rows[p]) for g, p in pairs)
            errors.extend(_pair_errors(aid, key, gold_rows, pred_rows, pairs))
            return pairs

        def tally(name: str, n: int) -> None:
            extra[name] += n
            a_extra[name] += n

        gold_set = {prefecture_level(r["region_id"]) for r in g.get("regions", [])} - {"CN", None}
        pred_rows = _records(regions, aid)
        pred_set = {prefecture_level(r.get("admin_id") if r.get("level") == "zone" else r.get("region_id"))
                    for r in pred_rows} - {"CN", None}
        tp = len(gold_set & pred_set)
        for c in (counts["regions"], a_counts["regions"]):
            for key, value in (("tp", tp), ("pred", len(pred_set)), ("gold", len(gold_set)), ("linked_tp", tp)):
                c[key] += value
        report["regions_missed"] = sorted(gold_set - pred_set)
        report["regions_spurious"] = sorted(pred_set - gold_set)
        errors.extend(_region_errors(aid, g.get("regions", []), pred_rows, gold_set, pred_set))

        gm, pm = g.get("monetary", []), _records(money, aid)
        pairs = add("monetary", gm, pm, _money_compatible, _same_region)
        tally("money_role_ok", sum(gm[a].get("role") == pm[b].get("role") for a, b in pairs))
        report["money_missed"] = _unmatched(gm, (a for a, _ in pairs))
        report["money_spurious"] = _unmatched(pm, (b for _, b in pairs))

        gp, pp = g.get("percentages", []), _records(percentages, aid)
        pairs = add("percentages", gp, pp, _percent_compatible, _same_region)
        report["percentages_missed"] = _unmatched(gp, (a for a, _ in pairs))
        report["percentages_spurious"] = _unmatched(pp, (b for _, b in pairs))

        gt, pt = g.get("targets", []), _records(targets, aid)
        pairs = add("targets", gt, pt, _target_compatible, _target_linked)
        tally("target_indicator_ok", sum(gt[a].get("indicator") == pt[b].get("indicator") for a, b in pairs))
        tally("target_year_ok", sum(_year(gt[a].get("end_year")) == _year(pt[b].get("end_year")) for a, b in pairs))
        report["targets_missed"] = _unmatched(gt, (a for a, _ in pairs))
        report["targets_spurious"] = _unmatched(pt, (b for _, b in pairs))

        if g.get("published"):
            tally("pub_n", 1)
            rows = _records(articles, aid)
            predicted = str(rows[0]["published"])[:10] if rows and rows[0].get("published") is not None else None
            if predicted == g["published"]:
                tally("pub_ok", 1)
            else:
                report["published_wrong"] = str(rows[0].get("published")) if rows else "missing article"
        if g.get("published") or _records(articles, aid) and _records(articles, aid)[0].get("published") is not None:
            rows = _records(articles, aid)
            predicted = str(rows[0]["published"])[:10] if rows and rows[0].get("published") is not None else None
            if predicted != g.get("published"):  # a date where gold has none is listed, though not scored
                errors.append({**_error(aid, "articles", "wrong_published", None, None),
                               "gold_value": g.get("published"), "pred_value": predicted,
                               "evidence": rows[0].get("published_evidence") if rows else None})
        per_article[aid] = report
        by_article[aid] = _article_scores(a_counts, a_extra)

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
    result["by_article"] = by_article
    result["errors"] = errors
    return result


def _region_errors(aid: str, gold_rows: list, pred_rows: list, gold_set: set, pred_set: set) -> list[dict]:
    """missed / spurious region ids, at the prefecture level the score compares, with a text of each."""
    def level(r: dict, zone_admin: bool) -> str | None:
        return prefecture_level(r.get("admin_id") if zone_admin and r.get("level") == "zone" else r.get("region_id"))

    out = []
    for rid in sorted(gold_set - pred_set):
        g = next((r for r in gold_rows if level(r, False) == rid), {})
        out.append({**_error(aid, "regions", "missed", None, None), "gold_text": g.get("text"), "gold_value": rid})
    for rid in sorted(pred_set - gold_set):
        p = next((r for r in pred_rows if level(r, True) == rid), {})
        out.append({**_error(aid, "regions", "spurious", None, p), "pred_value": rid,
                    "pred_region": p.get("region_id")})
    return out


def errors(gold_path: str | Path, out_dir: str | Path) -> list[dict]:
    """Every error of `out_dir` against `gold_path`, one dict per error with the keys ERROR_COLUMNS."""
    return score(gold_path, out_dir)["errors"]


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


# ---------------------------------------------------------------- listings

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _cell(value: object, width: int) -> str:
    """A table cell: control characters of untrusted text escaped, cut to `width`."""
    text = "" if value is None or is_missing(value) else str(value)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _described(text: object, value: object, label: object) -> str:
    parts = [str(text)] if text is not None and not is_missing(text) else []
    extra = [str(v) for v in (value, label) if v is not None and not is_missing(v)]
    return " ".join(parts + ([f"[{' | '.join(extra)}]"] if extra else []))


def format_errors(rows: list[dict]) -> str:
    """The error listing as a fixed-width text table, one line per error."""
    header = ("article", "table", "error", "gold", "predicted", "evidence")
    widths = (14, 11, 15, 48, 48, 22)
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    for r in rows:
        cells = (r["article_id"], r["table"], r["error"], _described(r["gold_text"], r["gold_value"], r["gold_label"]),
                 _described(r["pred_text"], r["pred_value"], r["pred_label"]), r["evidence"])
        lines.append("  ".join(_cell(c, w).ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(lines)


def write_errors(rows: list[dict], path: str | Path) -> Path:
    """The error listing as CSV or JSON Lines, chosen by the file's extension (.csv, .jsonl)."""
    path = Path(path)
    frame = pd.DataFrame(rows, columns=list(ERROR_COLUMNS))
    for column in ("pred_start", "pred_end"):
        frame[column] = pd.array(frame[column], dtype="Int64")
    if path.suffix.lower() == ".csv":
        text = frame.to_csv(index=False)
    elif path.suffix.lower() in (".jsonl", ".json"):
        text = "".join(json.dumps({k: _plain(v) for k, v in r.items()}, ensure_ascii=False) + "\n"
                       for r in frame.to_dict("records"))
    else:
        raise ValueError(f"--errors-out must end in .csv or .jsonl, not {path.name!r}")
    atomic_write_text(path, text)
    return path


def _plain(value: object) -> object:
    if value is None or is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


BY_ARTICLE_SCORES = ("regions_f1", "monetary_f1", "monetary_linked_f1", "percentages_f1", "percentages_linked_f1",
                     "targets_f1", "targets_linked_f1", "target_indicator_acc", "target_year_acc", "money_role_acc",
                     "published_acc")


def by_article_frame(result: dict) -> pd.DataFrame:
    """Per-article scores, one row per article, one column per score (empty where nothing to score)."""
    rows = [{"article_id": aid, **{k: scores.get(k) for k in BY_ARTICLE_SCORES}}
            for aid, scores in sorted(result["by_article"].items())]
    return pd.DataFrame(rows, columns=["article_id", *BY_ARTICLE_SCORES])


def format_by_article(result: dict) -> str:
    frame = by_article_frame(result)
    short = {k: k.replace("_linked_f1", "_lnk").replace("_f1", "").replace("_acc", "") for k in BY_ARTICLE_SCORES}
    widths = [max(10, len(short[k])) for k in BY_ARTICLE_SCORES]
    lines = ["article".ljust(16) + " ".join(short[k].rjust(w) for k, w in zip(BY_ARTICLE_SCORES, widths))]
    for r in frame.to_dict("records"):
        cells = ["-" if is_missing(r[k]) else f"{r[k]:.3f}" for k in BY_ARTICLE_SCORES]
        lines.append(_cell(r["article_id"], 15).ljust(16) + " ".join(c.rjust(w) for c, w in zip(cells, widths)))
    return "\n".join(lines)


def write_plots(result: dict, path: str | Path) -> Path:
    """Per-article scores as CSV, one row per article and one column per score (empty where the
    article has nothing to score): the data of dvc.yaml's per-article plots."""
    atomic_write_text(Path(path), by_article_frame(result).to_csv(index=False))
    return Path(path)
