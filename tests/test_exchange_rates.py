"""The exchange-rate table: complete for every currency the quantities stage writes, checked when loaded."""
import copy

import pytest

from pipeline import exchange_rates
from pipeline.rules import load_yaml


def data() -> dict:
    return copy.deepcopy(load_yaml(exchange_rates.RULES_FILE))


def test_every_currency_produced_has_a_rate_for_every_year():
    rates = exchange_rates.load()
    assert (rates.first_year, rates.last_year) == (2000, 2025)
    assert "International Financial Statistics" in rates.source
    for code in exchange_rates.produced_currencies():
        assert all(rates.rate(code, y) > 0 for y in range(2000, 2026)), code


def test_cross_rates_go_through_the_dollar():
    rates = exchange_rates.load()
    raw = data()
    assert rates.rate("CNY", 1990) == 1.0
    assert rates.rate("USD", 2016) == raw["per_usd"]["CNY"][2016]
    assert rates.rate("HKD", 2016) == pytest.approx(raw["per_usd"]["CNY"][2016] / raw["per_usd"]["HKD"][2016])
    assert rates.rate("EUR", 2016) == pytest.approx(raw["per_usd"]["CNY"][2016] * raw["usd_per"]["EUR"][2016])
    # plausibility of the transcription: a dollar bought 6-8.3 yuan, a euro 6.5-11, 100 yen 4-9 over these years
    assert all(6 < rates.rate("USD", y) < 8.3 for y in range(2000, 2026))
    assert all(6.5 < rates.rate("EUR", y) < 11 for y in range(2000, 2026))
    assert all(4 < 100 * rates.rate("JPY", y) < 9 for y in range(2000, 2026))


def test_years_outside_the_table_take_its_nearest_year_and_periods_the_mean():
    rates = exchange_rates.load()
    assert rates.rate("USD", 1995) == rates.rate("USD", 2000)
    assert rates.rate("USD", 2035) == rates.rate("USD", 2025)
    assert rates.period_rate("USD", 2016, 2020) == pytest.approx(sum(rates.rate("USD", y) for y in range(2016, 2021)) / 5)
    assert rates.rate("XYZ", 2016) is None and rates.period_rate("XYZ", 2016, 2017) is None


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(spot=1), "unknown keys"),
    (lambda d: d.update(basis="end_of_period"), "basis"),
    (lambda d: d.update(source=""), "source"),
    (lambda d: d["per_usd"].pop("JPY"), "JPY"),
    (lambda d: d["per_usd"]["HKD"].pop(2010), "HKD"),
    (lambda d: d["per_usd"]["HKD"].update({2010: -7.8}), "positive"),
    (lambda d: d["per_usd"]["HKD"].update({2010: "7.8"}), "positive"),
    (lambda d: d["per_usd"].update(usd={2000: 1}), "ISO 4217"),
    (lambda d: d["usd_per"].update(HKD=d["per_usd"]["HKD"]), "twice"),
    (lambda d: d["per_usd"].pop("CNY"), "CNY"),
])
def test_a_malformed_file_is_refused_with_the_reason(change, message):
    broken = data()
    change(broken)
    with pytest.raises(exchange_rates.RatesError, match=message):
        exchange_rates.parse(broken, exchange_rates.produced_currencies())
