"""Yearly average exchange rates (rules/quantities/exchange_rates.yaml), validated when loaded.

`monetary.amount_cny` converts every amount to yuan with them, so that money read from the news can
be added up on one basis. The file quotes each currency against the US dollar, as the IMF's
International Financial Statistics do; yuan per unit is the cross rate through the dollar.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .rules import load_yaml
from .schema import is_currency

RULES_FILE = "quantities/exchange_rates.yaml"
KEYS = {"source", "basis", "per_usd", "usd_per"}
BASIS = "yearly_average"


class RatesError(ValueError):
    """The exchange-rate file is malformed: the message says where."""


@dataclass(frozen=True)
class ExchangeRates:
    """Yuan per unit of each currency, per year, over one contiguous range of years."""
    source: str
    first_year: int
    last_year: int
    cny_per_unit: dict[str, dict[int, float]]

    def rate(self, currency: object, year: int) -> float | None:
        """Yuan per unit of `currency` in `year` (clamped to the years of the table); None if unknown."""
        if currency == "CNY":
            return 1.0
        per_year = self.cny_per_unit.get(currency) if isinstance(currency, str) else None
        if per_year is None:
            return None
        return per_year[min(max(int(year), self.first_year), self.last_year)]

    def period_rate(self, currency: object, first: int, last: int) -> float | None:
        """Mean of the yearly average rates over the years `first`..`last`: the rate of a multi-year total."""
        if last < first:
            first, last = last, first
        rates = [self.rate(currency, y) for y in range(first, last + 1)]
        return None if None in rates else sum(rates) / len(rates)


def _years_of(code: str, table: object, where: str) -> dict[int, float]:
    if not isinstance(table, dict) or not table:
        raise RatesError(f"{RULES_FILE}: {where}.{code} must map years to rates")
    out = {}
    for year, value in table.items():
        if not isinstance(year, int) or isinstance(year, bool):
            raise RatesError(f"{RULES_FILE}: {where}.{code}: year {year!r} is not an integer")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise RatesError(f"{RULES_FILE}: {where}.{code}.{year}: rate {value!r} is not a positive number")
        out[year] = float(value)
    return out


def parse(data: dict, currencies: set[str]) -> ExchangeRates:
    """Validate the file's data against the currency codes the quantities stage can produce."""
    if not isinstance(data, dict):
        raise RatesError(f"{RULES_FILE}: expected a mapping")
    unknown = set(data) - KEYS
    if unknown:
        raise RatesError(f"{RULES_FILE}: unknown keys {sorted(unknown)}; allowed: {sorted(KEYS)}")
    if data.get("basis") != BASIS:
        raise RatesError(f"{RULES_FILE}: basis must be {BASIS!r}, not {data.get('basis')!r}")
    if not isinstance(data.get("source"), str) or not data["source"].strip():
        raise RatesError(f"{RULES_FILE}: `source` must name where the rates come from")
    quoted: dict[str, tuple[str, dict[int, float]]] = {}
    for where in ("per_usd", "usd_per"):
        section = data.get(where) or {}
        if not isinstance(section, dict):
            raise RatesError(f"{RULES_FILE}: {where} must map currency codes to years")
        for code, table in section.items():
            if not is_currency(code) or code == "USD":
                raise RatesError(f"{RULES_FILE}: {where}: {code!r} is not an ISO 4217 code other than USD")
            if code in quoted:
                raise RatesError(f"{RULES_FILE}: {code} is quoted twice")
            quoted[code] = (where, _years_of(code, table, where))
    if "CNY" not in quoted or quoted["CNY"][0] != "per_usd":
        raise RatesError(f"{RULES_FILE}: per_usd.CNY (yuan per US dollar) is required")
    years = sorted(quoted["CNY"][1])
    if years != list(range(years[0], years[-1] + 1)):
        raise RatesError(f"{RULES_FILE}: per_usd.CNY must cover contiguous years, has {years}")
    for code, (where, table) in quoted.items():
        if sorted(table) != years:
            raise RatesError(f"{RULES_FILE}: {where}.{code} must cover the years {years[0]}–{years[-1]} of CNY")
    missing = sorted(currencies - set(quoted) - {"USD"})
    if missing:
        raise RatesError(f"{RULES_FILE}: no rates for {missing}, which rules/quantities/currencies.yaml produces")
    cny_per_usd = quoted["CNY"][1]
    cny_per_unit = {"USD": dict(cny_per_usd)}
    for code, (where, table) in quoted.items():
        if code != "CNY":
            cny_per_unit[code] = {y: cny_per_usd[y] / r if where == "per_usd" else cny_per_usd[y] * r
                                  for y, r in table.items()}
    return ExchangeRates(data["source"].strip(), years[0], years[-1], cny_per_unit)


def produced_currencies() -> set[str]:
    """Every currency code the quantities stage can write (the values of currencies.yaml)."""
    forms = load_yaml("quantities/currencies.yaml")
    return {code for section in forms.values() for code in section.values()}


@lru_cache(maxsize=1)
def load() -> ExchangeRates:
    """The rates of rules/quantities/exchange_rates.yaml (cached per process)."""
    return parse(load_yaml(RULES_FILE), produced_currencies())
