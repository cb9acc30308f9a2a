"""The number grammar: numbers rendered as text in the forms news writes them are read back.

Property-based (hypothesis): digits with separators and decimals, spelled numbers, scale words,
ranges, qualifiers, currencies and percent; plus fuzzing that no input text raises.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import quantity_rules
from pipeline.numbers import find_numbers, parse_number, qualifier_after, qualifier_before
from pipeline.quantities import figures_in_text

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
         "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def spell(n: int) -> str:
    """English words for 0..999 (the test's own renderer, independent of the parser)."""
    if n < 20:
        return UNITS[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return TENS[tens] + (f"-{UNITS[unit]}" if unit else "")
    hundreds, rest = divmod(n, 100)
    return f"{UNITS[hundreds]} hundred" + (f" and {spell(rest)}" if rest else "")


def render_digits(value: float, decimals: int, separators: bool) -> str:
    return f"{value:,.{decimals}f}" if separators else f"{value:.{decimals}f}"


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# numbers that do not read as years (1900..2100 without separators are years by design)
plain_numbers = st.builds(lambda i, d: (i, d), st.integers(0, 10 ** 12), st.integers(0, 3)).filter(
    lambda t: not (t[1] == 0 and 1900 <= t[0] <= 2100))


@given(plain_numbers, st.booleans())
def test_digits_round_trip(number, separators):
    integer, decimals = number
    value = integer / 10 ** decimals
    text = render_digits(value, decimals, separators)
    assert close(parse_number(text), float(text.replace(",", "")))


@given(st.integers(0, 999))
def test_spelled_numbers_round_trip(n):
    assert parse_number(spell(n)) == n
    assert parse_number(spell(n).capitalize()) == n


@given(st.integers(1, 999_999), st.integers(0, 3), st.sampled_from(sorted(SCALES)))
def test_scale_words(integer, decimals, scale):
    mantissa = integer / 10 ** decimals
    text = f"{render_digits(mantissa, decimals, True)} {scale}"
    assert close(parse_number(text), float(f"{mantissa:.{decimals}f}") * SCALES[scale])


@given(st.integers(1, 999), st.sampled_from([("b", 1e9), ("bn", 1e9), ("m", 1e6), ("mn", 1e6), ("tn", 1e12)]))
def test_abbreviated_scales(n, abbreviation):
    suffix, factor = abbreviation
    assert parse_number(f"{n}{suffix}") == n * factor


@given(st.integers(0, 999), st.sampled_from(["percent", "per cent", "%", "pct"]))
def test_percent_forms(n, form):
    sep = "" if form == "%" else " "
    for number in (str(n), spell(n)):
        if number == str(n) or form != "%":
            figs = figures_in_text(f"Growth was {number}{sep}{form} last year.")
            assert [(f.value, f.unit) for f in figs if f.unit] == [(n, "percent")]


@given(st.integers(1, 99), st.integers(0, 9))
def test_percentage_points(whole, tenth):
    figs = figures_in_text(f"up {whole}.{tenth} percentage points from a year earlier")
    assert [(f.value, f.unit) for f in figs] == [(float(f"{whole}.{tenth}"), "percentage_point")]


def _currency_forms():
    rules = quantity_rules.currencies()
    return sorted(rules.prefix.items()), sorted(rules.suffix.items())


@given(st.integers(1, 99_999), st.integers(0, 2), st.sampled_from(["", " million", " billion"]), st.data())
def test_currencies(integer, decimals, scale, data):
    prefixes, suffixes = _currency_forms()
    amount = integer / 10 ** decimals
    number = render_digits(amount, decimals, True) + scale
    expected = float(f"{amount:.{decimals}f}") * SCALES.get(scale.strip(), 1.0)
    if data.draw(st.booleans()):
        form, code = data.draw(st.sampled_from(prefixes))
        space = data.draw(st.sampled_from(["", " "])) if form[-1].isalpha() else ""
        text = f"The project cost {form}{space}{number} in total."
    else:
        form, code = data.draw(st.sampled_from(suffixes))
        text = f"The project cost {number} {form} in total."
    figs = [f for f in figures_in_text(text) if f.unit]
    assert len(figs) == 1, text
    assert figs[0].unit == code and close(figs[0].value, expected), text


@given(st.integers(0, 500), st.integers(1, 500), st.sampled_from(["{a} to {b} percent", "{a}-{b}%",
                                                                  "between {a} and {b} percent", "{a}%-{b}%",
                                                                  "{a} percent to {b} percent"]))
def test_ranges(a10, step, form):
    a, b = a10 / 10, (a10 + step) / 10
    text = "Growth is expected at " + form.format(a=a, b=b) + " this year."
    figs = figures_in_text(text)
    assert [(f.value, f.value_high, f.unit) for f in figs] == [(a, b, "percent")], text


@given(st.integers(1, 999), st.sampled_from(["billion", "million"]))
def test_range_shares_scale_and_currency(n, scale):
    figs = figures_in_text(f"an investment of {n} to {n + 1} {scale} yuan")
    assert [(f.value, f.value_high, f.unit) for f in figs] == [(n * SCALES[scale], (n + 1) * SCALES[scale], "CNY")]


@given(st.sampled_from(sorted(quantity_rules.qualifiers().before.items())), st.integers(1, 999))
def test_qualifiers_before(phrase_qualifier, n):
    phrase, qualifier = phrase_qualifier
    text = f"output reached {phrase} {n} billion yuan"
    pos = text.index(f" {n} ") + 1
    assert qualifier_before(text, pos) == (qualifier, text.index(phrase))
    figs = figures_in_text(text)
    assert [(f.qualifier, text[f.start:f.end]) for f in figs] == [(qualifier, f"{phrase} {n} billion yuan")]


@given(st.sampled_from(sorted(quantity_rules.qualifiers().after.items())), st.integers(1, 99))
def test_qualifiers_after(phrase_qualifier, n):
    phrase, qualifier = phrase_qualifier
    text = f"a share of {n} percent {phrase} of the total"
    assert qualifier_after(text, text.index("percent") + len("percent"))[0] == qualifier
    assert [f.qualifier for f in figures_in_text(text)] == [qualifier]


@given(st.lists(st.integers(1, 999), min_size=2, max_size=5))
def test_distributive_lists(values):
    tenths = [v / 10 for v in values]
    listed = ", ".join(str(v) for v in tenths[:-1]) + f" and {tenths[-1]} percent, respectively"
    figs = figures_in_text(f"The provinces grew {listed}.")
    assert [(f.value, f.unit) for f in figs] == [(v, "percent") for v in tenths]
    assert [f.list_index for f in figs] == list(range(len(tenths)))


def test_names_ordinals_and_dates_are_not_numbers_with_units():
    text = ("The 14th Five-Year Plan, 5G and G20, COVID-19, the 16th new area, at 2:54 PM on July 23, 2020, "
            "in 2016-20, Part 1/2, 1. Development Objectives, 7 days/24 hours.")
    assert [f for f in figures_in_text(text) if f.unit] == []
    # letters glued to digits make names and ordinals, and fractions are not numbers
    names = "The 14th Five-Year Plan, 5G and G20, the 16th new area, Part 1/2, 3D, but 35 projects"
    assert [names[n.start:n.end] for n in find_numbers(names)] == ["35"]


@pytest.mark.parametrize("text", ["", "   ", "-", "1,", ",,,", "1..2", "$", "RMB", "between and percent",
                                  "one hundred and", "5%-", "(1)", "99999999999999999999999 trillion yuan"])
def test_odd_inputs_do_not_raise(text):
    figures_in_text(text)


@settings(max_examples=300)
@given(st.text())
def test_fuzz_arbitrary_text(text):
    for f in figures_in_text(text):
        assert 0 <= f.start <= f.number_start < f.number_end <= f.end <= len(text)
        assert f.qualifier in ("exact", "about", "more_than", "at_least", "less_than", "at_most")


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["5", "1,234.5", " ", "percent", "%", "yuan", "RMB", "$", "billion", "to", "-",
                                 "and", "between", "about", "more than", "(", ")", ",", "respectively", "2020",
                                 "seven", "per cent", "or more", "US$", "3b", "."]), max_size=20))
def test_fuzz_figure_like_text(parts):
    text = " ".join(parts)
    for f in figures_in_text(text):
        assert 0 <= f.start <= f.number_start < f.number_end <= f.end <= len(text)
        assert math.isfinite(f.value) and (f.value_high is None or math.isfinite(f.value_high))


@given(st.integers(1, 999))
def test_negative_values_and_hyphen_ranges(n):
    value = n / 10
    assert [(f.value, f.value_high) for f in figures_in_text(f"prices fell -{value}% in May")] == [(-value, None)]
    assert [(f.value, f.value_high) for f in figures_in_text(f"rates of {value}-{value + 1}%")] == \
        [(value, value + 1)]


@given(st.sampled_from([("hundreds of millions of yuan", 1e8, "CNY"), ("tens of billions of yuan", 1e10, "CNY"),
                        ("billions of dollars", 1e9, "USD"), ("hundreds of thousands of euros", 1e5, "EUR")]),
       st.sampled_from(["", "about "]))
def test_orders_of_magnitude_are_lower_bounds_of_money(phrase_value_unit, qualifier_phrase):
    phrase, value, unit = phrase_value_unit
    figs = figures_in_text(f"The county has spent {qualifier_phrase}{phrase} on roads.")
    assert [(f.value, f.unit, f.qualifier) for f in figs] == \
        [(value, unit, "about" if qualifier_phrase else "more_than")]


def test_orders_of_magnitude_without_currency_are_no_figures():
    assert figures_in_text("Hundreds of thousands of people and tens of millions visited.") == []


@given(st.integers(1, 999), st.sampled_from(["pc", " pc", "pct", " pct"]))
def test_pc_and_pct_percent(n, form):
    figs = figures_in_text(f"wages rose {n / 10}{form} last year")
    assert [(f.value, f.unit) for f in figs] == [(n / 10, "percent")]


@given(st.lists(st.integers(1, 999), min_size=2, max_size=5))
def test_comma_lists_closed_by_respectively(values):
    tenths = [v / 10 for v in values]
    figs = figures_in_text("GDP grew " + ", ".join(map(str, tenths)) + " percent respectively.")
    assert [(f.value, f.unit) for f in figs] == [(v, "percent") for v in tenths]
    # without `respectively` or `and`, a bare number before a figure is no list item
    assert [f.value for f in figures_in_text("Visits reached 6,195, 36 percent more.") if f.unit] == [36.0]


def test_and_more_than_opens_the_next_figure():
    figs = figures_in_text("It employs 50 percent of graduates and more than 20 percent of retirees.")
    assert [(f.value, f.qualifier) for f in figs] == [(50.0, "exact"), (20.0, "more_than")]


def test_rankings_are_no_figures_but_top_percentiles_are():
    assert [f.value for f in figures_in_text("the Top 10 enterprises and the top 10 percent of earners")
            if f.unit] == [10.0]
    assert find_numbers("the Top 10 enterprises")[0].value == 10   # the number is read, the stage masks it


@given(st.sampled_from(["top", "tops", "topped", "will top", "is expected to top"]), st.integers(1, 999),
       st.sampled_from([("trillion yuan", 1e12, "CNY"), ("billion US dollars", 1e9, "USD"), ("percent", 1, "percent")]))
def test_top_as_a_verb_qualifies_the_amount_after_it(verb, n, scale_unit):
    words, scale, unit = scale_unit
    text = f"Last year the province saw its GDP {verb} {n / 10} {words}."
    figs = figures_in_text(text)
    assert [(f.value, f.unit, f.qualifier) for f in figs] == [(pytest.approx(n / 10 * scale), unit, "more_than")]
    assert text[figs[0].start:figs[0].end] == f"{verb.split()[-1]} {n / 10} {words}"


@pytest.mark.parametrize("before", ["the ", "its ", "the city's ", "Growth. ", ""])
def test_top_after_a_determiner_or_opening_a_sentence_is_a_rank(before):
    text = f"{before}Top 10 percent of earners" if not before or before.endswith(". ") else f"{before}top 10 percent"
    assert qualifier_before(text, text.index("10")) is None
    assert [(f.value, f.qualifier) for f in figures_in_text(text)] == [(10.0, "exact")]


@pytest.mark.parametrize("text, value", [("minus 3 percent", -3.0), ("Minus 0.5 percent", -0.5),
                                         ("negative 2 percent", -2.0), ("-3 percent", -3.0)])
def test_sign_words_make_a_number_negative(text, value):
    (match,) = [n for n in find_numbers(text)]
    assert match.value == value and match.start == 0


def test_down_is_a_direction_not_a_sign():
    """`down 9.8 percent` keeps 9.8 (the gold's convention): the word, not the value, gives the direction."""
    assert [n.value for n in find_numbers("exports were down 9.8 percent")] == [9.8]


@pytest.mark.parametrize("text", ["9" * 400 + " yuan", "1" + "0" * 300 + " trillion yuan", "5" * 320 + ".5 percent"])
def test_absurd_numbers_are_no_number_never_inf(text):
    assert all(math.isfinite(n.value) for n in find_numbers(text))
    assert find_numbers(text) == []
