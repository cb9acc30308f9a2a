"""Tables stage: the contracted output tables from the stage results, conformed to the schema."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import schema
from .tableio import write_table


def monetary_view(quantities: pd.DataFrame) -> pd.DataFrame:
    """Rows of `quantities` whose unit is a currency, with `amount` and `currency` beside value and unit."""
    if quantities is None or quantities.empty:
        return schema.empty("monetary")
    money = quantities[quantities["unit"].map(schema.is_currency)].copy()
    money["amount"] = money["value"]
    money["currency"] = money["unit"]
    return money.reset_index(drop=True)


def run(articles: pd.DataFrame, sentences: pd.DataFrame, regions: pd.DataFrame,
        quantities: pd.DataFrame, targets: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The six output tables, keyed by name, rows in article and text order."""
    ordered = {
        "articles": articles,
        "sentences": sentences,
        "regions": regions,
        "quantities": quantities,
        "monetary": monetary_view(quantities),
        "targets": targets,
    }
    return {name: _sorted(df, name) for name, df in ordered.items()}


def _sorted(df: pd.DataFrame | None, name: str) -> pd.DataFrame:
    if df is None or df.empty:
        return schema.empty(name) if df is None else df.reset_index(drop=True)
    keys = [k for k in ("article_id", "sentence_id", "start", "end") if k in df.columns]
    if name == "articles":
        keys = ["article_id"]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def write_all(tables: dict[str, pd.DataFrame], out_dir: str | Path) -> list[Path]:
    """Write every output table as OUT_DIR/<name>.parquet, each atomically."""
    return [write_table(tables.get(name), name, Path(out_dir) / f"{name}.parquet") for name in schema.TABLES]
