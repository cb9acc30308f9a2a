"""Yearly average exchange rates (rules/quantities/exchange_rates.yaml), validated when loaded.

`monetary.amount_cny` converts every amount to yuan with them, so that money read from the news can
be added up on one basis. The file quotes each currency against the US dollar, as the IMF's
International Financial Statistics do; yuan per unit is the cross rate through the dollar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from . import quantity_rules
from .rules import RulesError, from_data
from .rules import load as load_rules
from .schema import is_currency

RULES_FILE = "quantities/exchange_rates.yaml"
BASIS = "yearly_average"

# The exchange-rate file's errors are rules errors (raised by its shape when loaded).
RatesError = RulesError


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
        raise RatesError(f"{where}.{code} must map years to rates")
    out = {}
    for year, value in table.items():
        if not isinstance(year, int) or isinstance(year, bool):
            raise RatesError(f"{where}.{code}: year {year!r} is not an integer")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise RatesError(f"{where}.{code}.{year}: rate {value!r} is not a positive number")
        out[year] = float(value)
    return out


@dataclass(frozen=True)
class ExchangeRatesFile:
    """rules/quantities/exchange_rates.yaml: yearly average rates quoted against the US dollar, either way
    round, every currency over the contiguous years of CNY."""
    source: str
    basis: str
    per_usd: dict[str, dict]          # currency -> year -> units of it per US dollar
    usd_per: dict[str, dict] = field(default_factory=dict)  # currency -> year -> US dollars per unit

    def __post_init__(self):
        if self.basis != BASIS:
            raise RatesError(f"basis must be {BASIS!r}, not {self.basis!r}")
        if not self.source.strip():
            raise RatesError("`source` must name where the rates come from")
        quoted = self.quoted
        if "CNY" not in quoted or quoted["CNY"][0] != "per_usd":
            raise RatesError("per_usd.CNY (yuan per US dollar) is required")
        years = self.years
        if years != list(range(years[0], years[-1] + 1)):
            raise RatesError(f"per_usd.CNY must cover contiguous years, has {years}")
        for code, (where, table) in quoted.items():
            if sorted(table) != years:
                raise RatesError(f"{where}.{code} must cover the years {years[0]}–{years[-1]} of CNY")

    @property
    def quoted(self) -> dict[str, tuple[str, dict[int, float]]]:
        """Currency -> (the section quoting it, year -> rate), each currency quoted once."""
        quoted: dict[str, tuple[str, dict[int, float]]] = {}
        for where in ("per_usd", "usd_per"):
            for code, table in getattr(self, where).items():
                if not is_currency(code) or code == "USD":
                    raise RatesError(f"{where}: {code!r} is not an ISO 4217 code other than USD")
                if code in quoted:
                    raise RatesError(f"{code} is quoted twice")
                quoted[code] = (where, _years_of(code, table, where))
        return quoted

    @property
    def years(self) -> list[int]:
        return sorted(_years_of("CNY", self.per_usd.get("CNY"), "per_usd"))


def rates_of(rates: ExchangeRatesFile, currencies: set[str]) -> ExchangeRates:
    """Yuan per unit from the file's rates, which must quote every one of `currencies` (but USD)."""
    quoted = rates.quoted
    missing = sorted(currencies - set(quoted) - {"USD"})
    if missing:
        raise RatesError(f"rules/{RULES_FILE}: no rates for {missing}, which rules/quantities/currencies.yaml produces")
    years = rates.years
    cny_per_usd = quoted["CNY"][1]
    cny_per_unit = {"USD": dict(cny_per_usd)}
    for code, (where, table) in quoted.items():
        if code != "CNY":
            cny_per_unit[code] = {y: cny_per_usd[y] / r if where == "per_usd" else cny_per_usd[y] * r
                                  for y, r in table.items()}
    return ExchangeRates(rates.source.strip(), years[0], years[-1], cny_per_unit)


def parse(data: dict, currencies: set[str]) -> ExchangeRates:
    """Validate the file's data (its shape, then its currencies against `currencies`) and convert it."""
    return rates_of(from_data(ExchangeRatesFile, data, f"rules/{RULES_FILE}"), currencies)


def produced_currencies() -> set[str]:
    """Every currency code the quantities stage can write (the values of currencies.yaml)."""
    return quantity_rules.currencies().codes


@lru_cache(maxsize=1)
def load() -> ExchangeRates:
    """The rates of rules/quantities/exchange_rates.yaml (cached per process)."""
    return rates_of(load_rules(RULES_FILE, ExchangeRatesFile), produced_currencies())
