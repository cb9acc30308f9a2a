"""The tables stage: monetary is the currency view of quantities, summable in yuan; rows come in text order."""
import pandas as pd
import pytest

from pipeline import exchange_rates, tables


def figures() -> pd.DataFrame:
    return pd.DataFrame([
        {"article_id": "b", "sentence_id": 0, "start": 5, "end": 9, "value": 7.5, "unit": "percent"},
        {"article_id": "a", "sentence_id": 1, "start": 40, "end": 55, "value": 3.16e10, "unit": "CNY", "role": "contract_value"},
        {"article_id": "a", "sentence_id": 0, "start": 3, "end": 12, "value": 1500, "unit": "count"},
        {"article_id": "a", "sentence_id": 1, "start": 60, "end": 70, "value": 4.6e8, "unit": "USD", "role": "investment"},
    ])


def test_monetary_is_the_currency_rows_with_amount_and_currency():
    money = tables.monetary_view(figures())
    assert money["currency"].tolist() == ["CNY", "USD"]
    assert money["amount"].tolist() == money["value"].tolist() == [3.16e10, 4.6e8]
    assert tables.monetary_view(None).empty


def test_rows_are_in_article_and_text_order():
    out = tables.run(pd.DataFrame([{"article_id": "b"}, {"article_id": "a"}]), None, None, figures(), None)
    assert out["articles"]["article_id"].tolist() == ["a", "b"]
    assert list(zip(out["quantities"]["article_id"], out["quantities"]["start"])) == [("a", 3), ("a", 40), ("a", 60), ("b", 5)]
    assert set(out) == {"articles", "sentences", "regions", "quantities", "monetary", "targets"}
    assert out["targets"].empty and "indicator" in out["targets"].columns


TITLE = "Haixi signs deals worth 31.6 billion yuan"
TEXT = (f"{TITLE}\n\nHaixi signed deals worth 31.6 billion yuan ($4.5 billion) in 2016 and "
        "attracted 2 billion euros over 2016 to 2017; 500 million yuan came from Golmud.")


def _money(text: str, start_at: int = 0, **extra) -> dict:
    start = TEXT.index(text, start_at)
    return {"article_id": "h", "start": start, "end": start + len(text), "text": text, **extra}


def headline_article() -> tuple[pd.DataFrame, pd.DataFrame]:
    body = len(TITLE)
    articles = pd.DataFrame([{"article_id": "h", "title": TITLE, "clean_text": TEXT, "published": "2017-03-01"}])
    rows = pd.DataFrame([
        _money("31.6 billion yuan", value=3.16e10, unit="CNY", quantity_id=0),
        _money("31.6 billion yuan", body, value=3.16e10, unit="CNY", quantity_id=1,
               period_start="2016-01-01", period_end="2016-12-31"),
        _money("$4.5 billion", value=4.5e9, unit="USD", quantity_id=2, converts=1,
               period_start="2016-01-01", period_end="2016-12-31"),
        _money("2 billion euros", value=2e9, unit="EUR", quantity_id=3,
               period_start="2016-01-01", period_end="2017-12-31"),
        _money("500 million yuan", value=5e8, unit="CNY", quantity_id=4),
    ])
    return articles, rows


def test_amounts_are_in_yuan_at_the_yearly_average_of_their_period():
    articles, rows = headline_article()
    money = tables.monetary_view(rows, articles).set_index("quantity_id")
    rates = exchange_rates.load()
    assert money.loc[[0, 1, 4], "amount_cny"].tolist() == [3.16e10, 3.16e10, 5e8]
    assert money.loc[2, "cny_rate"] == rates.rate("USD", 2016)
    assert money.loc[2, "amount_cny"] == pytest.approx(4.5e9 * rates.rate("USD", 2016))
    # a period of two years: the mean of the two yearly averages
    assert money.loc[3, "cny_rate"] == pytest.approx((rates.rate("EUR", 2016) + rates.rate("EUR", 2017)) / 2)


def test_without_a_period_the_publication_year_gives_the_rate_and_without_any_year_none():
    articles, rows = headline_article()
    usd = rows.iloc[[2]].drop(columns=["period_start", "period_end"])
    rates = exchange_rates.load()
    assert tables.monetary_view(usd, articles)["cny_rate"].tolist() == [rates.rate("USD", 2017)]
    undated = articles.assign(published=None)
    assert tables.monetary_view(usd, undated)["amount_cny"].isna().all()
    assert tables.monetary_view(usd.assign(unit="CNY"), undated)["amount_cny"].tolist() == [4.5e9]


def test_conversions_and_headline_repeats_are_flagged_so_each_amount_counts_once():
    articles, rows = headline_article()
    money = tables.monetary_view(rows, articles).set_index("quantity_id")
    assert money["is_conversion"].tolist() == [False, False, True, False, False]
    assert money["in_title"].tolist() == [True, False, False, False, False]
    kept = money[~money["is_conversion"] & ~money["in_title"]]
    assert kept.index.tolist() == [1, 3, 4]
    # a headline amount the body does not repeat is the only row of that amount: kept
    alone = tables.monetary_view(rows[rows["quantity_id"] != 1], articles)
    assert not alone["in_title"].any()


BREAKDOWN = ("Deals worth 31.6 billion yuan were signed. Of them, 19 projects are worth 16.7 billion yuan and "
             "16 projects 14.9 billion yuan. GDP topped 5,385.08 billion yuan: more than 5 trillion yuan from "
             "industry and about 410 billion yuan from farming.")


def breakdown_rows(role_of_last: str = "contract_value") -> tuple[pd.DataFrame, pd.DataFrame]:
    articles = pd.DataFrame([{"article_id": "t", "title": None, "clean_text": BREAKDOWN}])
    rows = []
    for qid, (number, value, role) in enumerate([
            ("31.6 billion", 3.16e10, "contract_value"), ("16.7 billion", 1.67e10, "contract_value"),
            ("14.9 billion", 1.49e10, role_of_last), ("5,385.08 billion", 5.38508e12, "gdp"),
            ("5 trillion", 5e12, "gdp"), ("410 billion", 4.1e11, "gdp")]):
        start = BREAKDOWN.index(number)
        rows.append({"article_id": "t", "start": start, "end": start + len(number) + 5, "value": value,
                     "unit": "CNY", "role": role, "region_id": "630100", "quantity_id": qid,
                     "number_start": start, "number_end": start + len(number)})
    return articles, pd.DataFrame(rows)


def test_a_breakdown_that_adds_up_exactly_points_to_its_total():
    articles, rows = breakdown_rows()
    money = tables.monetary_view(rows, articles)
    assert money["part_of"].tolist()[:3] == [pd.NA, 0, 0]
    # rounded and bounded figures near a total are not a breakdown of it (5,000 + 410 is not 5,385.08)
    assert money["part_of"].iloc[3:].isna().all()
    # parts of another role are not a breakdown within the role
    other_articles, other_rows = breakdown_rows(role_of_last="investment")
    assert tables.monetary_view(other_rows, other_articles)["part_of"].isna().all()


@pytest.mark.parametrize("value, number, unit", [(3.16e10, "31.6 billion", 1e8), (1e4, "10,000", 1.0),
                                                 (5.38508e12, "5,385.08 billion", 1e7), (2e9, "two billion", None)])
def test_last_digit_unit(value, number, unit):
    assert tables.last_digit_unit(value, number) == (pytest.approx(unit) if unit else None)


def test_counted_once_keeps_one_row_per_real_amount():
    articles, rows = headline_article()
    money = tables.monetary_view(rows, articles)
    assert money[tables.counted_once(money)]["quantity_id"].tolist() == [1, 3, 4]
    articles, rows = breakdown_rows()
    money = tables.monetary_view(rows, articles)
    assert money[tables.counted_once(money)]["quantity_id"].tolist() == [0, 3, 4, 5]
    old_run = pd.DataFrame({"amount": [1.0, 2.0]})  # written before these columns existed
    assert tables.counted_once(old_run).tolist() == [True, True]
