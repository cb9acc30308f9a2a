"""Tables stage: the contracted output tables from the stage results, conformed to the schema."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import exchange_rates, schema
from .evaluate import values_close
from .tableio import is_missing, write_table


def monetary_view(quantities: pd.DataFrame, articles: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows of `quantities` whose unit is a currency, with `amount` and `currency` beside value and unit,
    the amount in yuan, and the flags that keep one row per real amount (`is_conversion`, `in_title`)."""
    if quantities is None or quantities.empty:
        return schema.empty("monetary")
    money = quantities[quantities["unit"].map(schema.is_currency)].copy().reset_index(drop=True)
    money["amount"] = money["value"]
    money["currency"] = money["unit"]
    money["cny_rate"] = _cny_rates(money, articles)
    money["amount_cny"] = money["amount"] * money["cny_rate"]
    money["is_conversion"] = money["converts"].notna() if "converts" in money.columns else False
    money["in_title"] = _headline_repeats(money, articles)
    return money


def _article_years(articles: pd.DataFrame | None) -> dict[str, int]:
    """Year of each article's publication date, else of its reference date (the latest date in its body)."""
    if articles is None or articles.empty:
        return {}
    years: dict[str, int] = {}
    for column in ("reference_date", "published"):  # published wins: written last
        if column in articles.columns:
            dates = pd.to_datetime(articles[column], errors="coerce")
            years.update({str(a): int(d.year) for a, d in zip(articles["article_id"], dates) if not pd.isna(d)})
    return years


def _cny_rates(money: pd.DataFrame, articles: pd.DataFrame | None) -> pd.Series:
    """Yuan per unit for each row: the mean yearly average over the years of the figure's period, else the
    publication year's; 1 for yuan; null when the currency has no rate or no year is known."""
    rates = exchange_rates.load()
    fallback = _article_years(articles)
    columns = [pd.to_datetime(money[c], errors="coerce") if c in money.columns else pd.Series(pd.NaT, money.index)
               for c in ("period_start", "period_end")]
    out = []
    for aid, currency, start, end in zip(money["article_id"].astype(str), money["currency"], *columns):
        first = start.year if not pd.isna(start) else end.year if not pd.isna(end) else fallback.get(aid)
        last = end.year if not pd.isna(end) else first
        if currency == "CNY":
            out.append(1.0)
        else:
            out.append(None if first is None else rates.period_rate(currency, int(first), int(last)))
    return pd.Series(out, index=money.index, dtype="float64")


def title_ends(articles: pd.DataFrame | None) -> dict[str, int]:
    """End offset of each article's headline in its `clean_text` (the clean stage writes it as the first line)."""
    if articles is None or articles.empty or not {"title", "clean_text"} <= set(articles.columns):
        return {}
    ends = {}
    for aid, title, text in zip(articles["article_id"].astype(str), articles["title"], articles["clean_text"]):
        if not is_missing(title) and not is_missing(text) and title and text.startswith(title):
            ends[aid] = len(title)
    return ends


def _headline_repeats(money: pd.DataFrame, articles: pd.DataFrame | None) -> pd.Series:
    """True for an amount in the headline that the body states again (same currency, same amount within the
    SPEC §6 matching tolerance, the one notion of `same amount` the project has)."""
    ends = title_ends(articles)
    flags = pd.Series(False, index=money.index, dtype="bool")
    if not ends:
        return flags
    for aid, rows in money.groupby(money["article_id"].astype(str), sort=False):
        end = ends.get(aid)
        if end is None:
            continue
        in_headline = rows["end"] <= end
        body = rows[~in_headline]
        for i, row in rows[in_headline].iterrows():
            flags[i] = any(c == row["currency"] and values_close(v, row["amount"])
                           for c, v in zip(body["currency"], body["amount"]))
    return flags


def run(articles: pd.DataFrame, sentences: pd.DataFrame, regions: pd.DataFrame,
        quantities: pd.DataFrame, targets: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The six output tables, keyed by name, rows in article and text order."""
    ordered = {
        "articles": articles,
        "sentences": sentences,
        "regions": regions,
        "quantities": quantities,
        "monetary": monetary_view(quantities, articles),
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
