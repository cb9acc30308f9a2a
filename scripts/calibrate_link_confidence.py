"""Calibrate `link_confidence` (rules/link/confidence.yaml) on the dev set, with cross-validation over the folds.

usage: python scripts/calibrate_link_confidence.py GOLD.jsonl OUT_DIR [--write]
OUT_DIR is a run over seeds + dev. Articles are sorted by id; fold k holds those whose index % 4 == k.
Every linked money and percentage row matched to a gold figure (the project's evaluator,
pipeline/evaluate.py) counts as right when its region agrees. A row's cell is its finder (`evidence`)
and situation (`via`, the kind of mention it came through).

Estimates are shrunk toward their parent, so a small cell says little of its own:
  all rows     p0 = (right + 1) / (rows + 2)
  a finder     pf = (right_f + S * p0) / (rows_f + S)
  a cell       pc = (right_c + S * pf) / (rows_c + S)
The prior strength S is chosen by cross-validation: for each fold, fit on the other three and score
the held-out fold's rows (log loss); the S with the lowest loss over the four held-out folds wins.
The reliability printed (predicted against observed, per confidence bin) is the held-out one: each
fold's rows scored by the table fitted without that fold. The table written is fitted on all four folds.

Every fold has now been looked at while building linking, so its precision runs higher than on text
nobody tuned for. `--untuned DIR` names a run from before fold 3 was worked on (main at d327a6e): the
ratio of its fold-3 precision to its folds 0-2 precision is that optimism, measured once, and is
written as `untuned_factor`; `link_confidence` is the cell's estimate times that factor.
"""
from __future__ import annotations

import math
import sys
from collections import defaultdict
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipeline import evaluate as E  # noqa: E402

FOLDS = 4
STRENGTHS = (1, 2, 5, 10, 20, 50, 100)   # prior strengths tried by cross-validation
CONFIDENCE = Path(__file__).resolve().parent.parent / "rules" / "link" / "confidence.yaml"


def matched_rows(gold_path: str, out_dir: str) -> list[tuple[int, str, str, bool]]:
    """(fold, evidence, via, right) per linked money or percentage row matched to a gold figure."""
    gold = E.load_gold(gold_path)
    fold = {aid: i % FOLDS for i, aid in enumerate(sorted(gold))}
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


def calibrate(rows, strength: float) -> dict:
    """The confidence table (per finder, per via, and a default), each estimate shrunk toward its parent."""
    cells, finders, every = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0]), [0, 0]
    for _, evidence, via, right in rows:
        for counter in (cells[(evidence, via)], finders[evidence], every):
            counter[0] += right
            counter[1] += 1
    p0 = (every[0] + 1) / (every[1] + 2)
    table = {"default": round(p0, 3), "finders": {}}
    for finder, (right, n) in sorted(finders.items()):
        pf = (right + strength * p0) / (n + strength)
        vias = {via: round((cr + strength * pf) / (cn + strength), 3)
                for (f, via), (cr, cn) in sorted(cells.items()) if f == finder and via is not None}
        table["finders"][finder] = {"all": round(pf, 3), "rows": n, "right": right, "via": vias}
    return table


def lookup(table: dict, evidence: str, via: str) -> float:
    entry = table["finders"].get(evidence)
    return table["default"] if entry is None else entry["via"].get(via, entry["all"])


def held_out(rows, strength: float) -> list[tuple[float, bool, int]]:
    """(confidence, right, fold) of every row, each scored by the table fitted on the other folds."""
    out = []
    for k in range(FOLDS):
        table = calibrate([r for r in rows if r[0] != k], strength)
        out += [(lookup(table, e, v), right, k) for f, e, v, right in rows if f == k]
    return out


def log_loss(scored) -> float:
    eps = 1e-3
    return -sum(math.log(min(max(c if right else 1 - c, eps), 1)) for c, right, _ in scored) / max(len(scored), 1)


def untuned_factor(gold_path: str, untuned_dir: str) -> float:
    """Precision on the fold nobody had tuned for (3) over precision on the folds built on (0-2), in one run."""
    rows = matched_rows(gold_path, untuned_dir)
    held = [r[3] for r in rows if r[0] == 3]
    built = [r[3] for r in rows if r[0] != 3]
    return round((sum(held) / len(held)) / (sum(built) / len(built)), 3)


def best_strength(rows) -> float:
    return min(STRENGTHS, key=lambda s: (log_loss(held_out(rows, s)), s))


def reliability(scored) -> str:
    """Mean predicted confidence against the share right, per bin, and the Brier score."""
    bins = defaultdict(lambda: [0.0, 0, 0])
    for c, right, _ in scored:
        b = bins[min(int(c * 10), 9) if c < 0.9 else (9 if c < 0.95 else 95)]
        b[0] += c; b[1] += right; b[2] += 1
    label = lambda k: "0.95-1.0" if k == 95 else f"{k / 10:.1f}-{(k + 1) / 10 - (0.05 if k == 9 else 0):.2f}"
    lines = [f"  confidence {label(k)}: {n} rows, mean confidence {s / n:.3f}, right {r / n:.3f}"
             for k, (s, r, n) in sorted(bins.items())]
    brier = sum((c - right) ** 2 for c, right, _ in scored) / max(len(scored), 1)
    return "\n".join(lines + [f"  Brier score {brier:.4f} over {len(scored)} rows"])


def precision_by_finder(rows) -> str:
    counts = defaultdict(lambda: [[0, 0] for _ in range(FOLDS)])
    for f, e, _, right in rows:
        counts[e][f][0] += right
        counts[e][f][1] += 1
    lines = ["  finder               folds 0-2   fold 3    all"]
    for e, per in sorted(counts.items(), key=lambda kv: -sum(n for _, n in kv[1])):
        a = [sum(per[k][i] for k in range(3)) for i in (0, 1)]
        b = per[3]
        lines.append(f"  {str(e):20s} {a[0]:>4}/{a[1]:<5} {b[0]:>4}/{b[1]:<4} {a[0] + b[0]:>4}/{a[1] + b[1]}")
    return "\n".join(lines)


if __name__ == "__main__":
    rows = matched_rows(sys.argv[1], sys.argv[2])
    strength = best_strength(rows)
    print("precision per finder (right/rows):\n" + precision_by_finder(rows))
    print(f"prior strength chosen by cross-validation: {strength} (log loss per strength: "
          + ", ".join(f"{s}: {log_loss(held_out(rows, s)):.4f}" for s in STRENGTHS) + ")")
    scored = held_out(rows, strength)
    print("reliability, each fold scored by the table fitted on the other three:\n" + reliability(scored))
    for k in range(FOLDS):
        print(f"fold {k} held out:\n" + reliability([s for s in scored if s[2] == k]))
    table = calibrate(rows, strength)
    if "--untuned" in sys.argv:
        factor = untuned_factor(sys.argv[1], sys.argv[sys.argv.index("--untuned") + 1])
        scaled = [(min(c * factor, 1.0), right, k) for c, right, k in scored]
        print(f"untuned factor {factor}; the held-out folds scored with it (they have all been tuned on since):\n"
              + reliability(scaled))
        table["untuned_factor"] = factor
    if "--write" in sys.argv:
        header = ("# link_confidence per finder and `via` (pipeline/linking/config.py `confidence`), written by\n"
                  "# scripts/calibrate_link_confidence.py from a run over seeds + dev (all four folds): the share of\n"
                  "# linked money and percentage rows matched to gold whose region is right, each cell shrunk toward\n"
                  f"# its finder's figure and each finder toward all rows with prior strength {strength}, chosen by\n"
                  "# cross-validation over the folds (fit on three, log loss on the fourth); `all` is the finder's,\n"
                  "# used for a `via` it has no rows for; `default` for a finder without rows. `untuned_factor`\n"
                  "# (--untuned) is fold 3's precision over folds 0-2's in a run from before fold 3 was worked on:\n"
                  "# link_confidence is a cell's figure times it, for text nobody tuned linking on.\n"
                  "# Regenerate after a change of linking policy.\n")
        CONFIDENCE.write_text(header + yaml.safe_dump(table, sort_keys=False), encoding="utf-8")
        print(f"wrote {CONFIDENCE}")
