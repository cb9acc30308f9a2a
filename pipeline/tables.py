"""Tables stage: the contracted output tables from the stage results, conformed to the schema."""
from __future__ import annotations

import re
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
    money["part_of"] = _parts_of_totals(money, articles)
    return money


ONCE_FLAGS = ("is_conversion", "in_title")


def counted_once(money: pd.DataFrame) -> pd.Series:
    """Rows of `monetary` that are amounts in their own right: not a conversion, a headline repeat or a part
    of a total the article states (columns missing from older outputs count as false)."""
    keep = pd.Series(True, index=money.index, dtype="bool")
    for flag in ONCE_FLAGS:
        if flag in money.columns:
            keep &= ~money[flag].fillna(False).astype(bool)
    if "part_of" in money.columns:
        keep &= money["part_of"].isna()
    return keep


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


_DIGITS = re.compile(r"\d[\d,]*(?:\.(\d+))?")


def last_digit_unit(value: float, number_text: str) -> float | None:
    """What one unit of the last written digit is worth: 1e8 for `31.6 billion`, 1 for `10,000`; None for
    a number in words."""
    m = _DIGITS.search(number_text or "")
    if not m:
        return None
    literal = float(m.group(0).replace(",", ""))
    if literal == 0:
        return None
    return abs(value / literal) * 10.0 ** -len(m.group(1) or "")


MAX_PARTS = 12  # longest breakdown looked for; the corpus has 2 and 3 (seeds 004, dv_02, dv_28)


def _parts_of_totals(money: pd.DataFrame, articles: pd.DataFrame | None) -> pd.Series:
    """`quantity_id` of the total an amount is a part of: a run of two or more consecutive amounts of one
    article with the same currency, role and region that add up to another of them (`35 projects worth
    31.6 billion yuan` … `16.7 billion yuan` … `14.9 billion yuan`).

    They must add up exactly at the finest written digit of the numbers involved, so that rounded or
    bounded figures (`more than 5 trillion` + `about 410 billion` near `5,385.08 billion`) do not match
    by chance; a breakdown against a rounded total goes unmarked, which keeps both rather than losing one.
    """
    out = pd.Series(pd.NA, index=money.index, dtype="Int32")
    needed = {"quantity_id", "number_start", "number_end"}
    if articles is None or articles.empty or not needed <= set(money.columns) or "clean_text" not in articles:
        return out
    texts = dict(zip(articles["article_id"].astype(str), articles["clean_text"]))
    single = money["value_high"].isna() if "value_high" in money.columns else pd.Series(True, money.index)
    candidates = money[~money["is_conversion"] & ~money["in_title"] & single & money["quantity_id"].notna()
                       & money["number_start"].notna()]
    keys = [candidates["article_id"].astype(str), candidates["currency"],
            candidates["role"].fillna("") if "role" in candidates else "",
            candidates["region_id"].fillna("") if "region_id" in candidates else ""]
    for (aid, *_), group in candidates.groupby(keys, sort=False):
        text = texts.get(aid)
        if not isinstance(text, str):
            continue
        group = group.sort_values("start")
        rows = list(group.index)
        amounts = [float(a) for a in group["amount"]]
        units = [last_digit_unit(a, text[int(s):int(e)])
                 for a, s, e in zip(amounts, group["number_start"], group["number_end"])]
        for t, total in enumerate(amounts):
            for first in range(len(rows)):
                for stop in range(first + 2, min(first + MAX_PARTS, len(rows)) + 1):
                    if first <= t < stop:
                        break
                    span = range(first, stop)
                    if None in [units[t]] + [units[i] for i in span] or any(amounts[i] >= total for i in span):
                        continue
                    finest = min([units[t]] + [units[i] for i in span])
                    if abs(sum(amounts[i] for i in span) - total) <= finest / 2 * (1 + 1e-9):
                        for i in span:
                            if pd.isna(out[rows[i]]):
                                out[rows[i]] = int(group.at[rows[t], "quantity_id"])
    return out


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
