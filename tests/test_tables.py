"""The tables stage: monetary is the currency view of quantities; rows come in text order."""
import pandas as pd

from pipeline import tables


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
