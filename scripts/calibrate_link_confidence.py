"""Calibrate `link_confidence` (rules/link/confidence.yaml) on the dev set, and report its reliability.

usage: python scripts/calibrate_link_confidence.py GOLD.jsonl OUT_DIR [--write]
OUT_DIR is a run over seeds + dev. Articles are sorted by id; fold k holds those whose index % 4 == k.
On folds 0-2, every linked money and percentage row matched to a gold figure (the project's evaluator,
pipeline/evaluate.py) counts as right when its region agrees; the precision of each finder and
situation (the `via` of the row) is (right + 1) / (rows + 2). A cell with fewer than MIN_ROWS rows
backs off to its finder's precision; a finder without rows takes that of all linked rows. On fold 3 it prints, per
confidence bin, the mean confidence against the share right, and the Brier score.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipeline import evaluate as E  # noqa: E402

MIN_ROWS = 10   # fewest matched rows a cell needs to stand on its own
CONFIDENCE = Path(__file__).resolve().parent.parent / "rules" / "link" / "confidence.yaml"


def matched_rows(gold_path: str, out_dir: str) -> list[tuple[int, str, str, bool]]:
    """(fold, evidence, via, right) per linked money or percentage row matched to a gold figure."""
    gold = E.load_gold(gold_path)
    fold = {aid: i % 4 for i, aid in enumerate(sorted(gold))}
    out = Path(out_dir)
    money, quant = E._read(out, "monetary"), E._read(out, "quantities")
    quant = quant[quant["unit"].isin(["percent", "percentage_point"])]
    rows = []
    for aid, g in gold.items():
        for gold_rows, pred, compatible in ((g.get("monetary", []), E._records(money, aid), E._money_compatible),
                                            (g.get("percentages", []), E._records(quant, aid), E._percent_compatible)):
            for gi, pi in E.match_one_to_one(gold_rows, pred, compatible, E._same_region):
                p = pred[pi]
                if p.get("region_id") is not None:
                    rows.append((fold[aid], p.get("evidence"), p.get("via"), E._same_region(gold_rows[gi], p)))
    return rows


def calibrate(rows) -> dict:
    """The confidence table: per finder, per via, and a default."""
    cells, finders, every = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0]), [0, 0]
    for _, evidence, via, right in rows:
        for counter in (cells[(evidence, via)], finders[evidence], every):
            counter[0] += right
            counter[1] += 1
    p = lambda c: round((c[0] + 1) / (c[1] + 2), 3)
    table = {"default": p(every), "finders": {}}
    for finder, c in sorted(finders.items()):
        vias = {via: p(cc) for (f, via), cc in sorted(cells.items()) if f == finder and cc[1] >= MIN_ROWS}
        table["finders"][finder] = {"all": p(c), "rows": c[1], "right": c[0], "via": vias}
    return table


def lookup(table: dict, evidence: str, via: str) -> float:
    entry = table["finders"].get(evidence)
    return table["default"] if entry is None else entry["via"].get(via, entry["all"])


def reliability(table: dict, rows) -> str:
    bins = defaultdict(lambda: [0.0, 0, 0])
    brier = 0.0
    for _, evidence, via, right in rows:
        c = lookup(table, evidence, via)
        b = bins[min(int(c * 10), 9)]
        b[0] += c; b[1] += right; b[2] += 1
        brier += (c - right) ** 2
    lines = [f"  confidence {k / 10:.1f}-{(k + 1) / 10:.1f}: {n} rows, mean confidence {s / n:.3f}, right {r / n:.3f}"
             for k, (s, r, n) in sorted(bins.items())]
    return "\n".join(lines + [f"  Brier score {brier / max(len(rows), 1):.4f} over {len(rows)} rows"])


if __name__ == "__main__":
    rows = matched_rows(sys.argv[1], sys.argv[2])
    build = [r for r in rows if r[0] != 3]
    check = [r for r in rows if r[0] == 3]
    table = calibrate(build)
    print("per-finder precision, folds 0-2 (right/rows):")
    for finder, e in table["finders"].items():
        print(f"  {finder:18s} {e['right']}/{e['rows']}")
    print("reliability on fold 3:\n" + reliability(table, check))
    if "--write" in sys.argv:
        header = ("# link_confidence per finder and `via` (pipeline/linking/config.py `confidence`), written by\n"
                  "# scripts/calibrate_link_confidence.py from a run over seeds + dev: (right + 1) / (rows + 2) of the\n"
                  "# linked money and percentage rows of folds 0-2 matched to gold; `all` is the finder's, used for a\n"
                  f"# `via` with fewer than {MIN_ROWS} rows; `default` for a finder without rows. Fold 3 checks it.\n"
                  "# Regenerate after a change of linking policy.\n")
        CONFIDENCE.write_text(header + yaml.safe_dump(table, sort_keys=False), encoding="utf-8")
        print(f"wrote {CONFIDENCE}")
