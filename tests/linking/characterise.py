"""Write the characterisation fixture of linking from a run's output directory.

usage: python tests/linking/characterise.py OUT_DIR  (rewrites tests/linking/characterisation.jsonl)
The fixture pins, per figure row, the region, zone, evidence, kind and period linking gave; a
change of linking policy rewrites it in the same commit, and the diff shows what moved.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

FIXTURE = Path(__file__).resolve().parent / "characterisation.jsonl"
KEY = ("article_id", "quantity_id", "link_index")
PINNED = ("text", "region_id", "zone_id", "evidence", "via", "kind", "period_start", "period_end")


def rows(out_dir: str | Path) -> list[dict]:
    """One dict per quantities row: its key and its pinned link columns, as JSON-ready values."""
    q = pd.read_parquet(Path(out_dir) / "quantities.parquet")
    out = []
    for r in q.sort_values(list(KEY)).to_dict("records"):
        d = {}
        for k in KEY + PINNED:
            v = r.get(k)
            d[k] = None if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT else (
                int(v) if k in ("quantity_id", "link_index") else str(v))
        out.append(d)
    return out


if __name__ == "__main__":
    FIXTURE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows(sys.argv[1])), encoding="utf-8")
    print(f"wrote {FIXTURE}")
