"""Period expressions resolved against a reference date (pipeline/periods.py): pure text functions."""
import datetime as dt

import pytest

from pipeline.periods import assign, find_periods, merge_events, years_of

REF = dt.date(2022, 7, 20)


def only(text, reference=REF):
    found = [p for p in find_periods(text, reference) if p.role != "comparison"]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text,start,end,role", [
    ("In the first half of this year, exports grew", "2022-01-01", "2022-06-30", "span"),
    ("in the first half of the year", "2022-01-01", "2022-06-30", "span"),
    ("in the first five months of 2023", "2023-01-01", "2023-05-31", "span"),
    ("trade from January to May hit", "2022-01-01", "2022-05-31", "span"),
    ("foreign trade surge in Jan-May", "2022-01-01", "2022-05-31", "span"),
    ("the province last year reported", "2021-01-01", "2021-12-31", "span"),
    ("In 2015, economic growth", "2015-01-01", "2015-12-31", "span"),
    ("goals from 2016 to 2020", "2016-01-01", "2020-12-31", "span"),
    ("during the 13th Five Year Plan period (2016-20)", "2016-01-01", "2020-12-31", "span"),
    ("during the 14th Five-Year Plan period", "2021-01-01", "2025-12-31", "span"),
    ("in the Fifteenth Five-Year Plan", "2026-01-01", "2030-12-31", "span"),
    ("completed throughout the year", "2022-01-01", "2022-12-31", "end_event"),
    ("GDP growth of 8 percent for next year", "2023-01-01", "2023-12-31", "span"),
])
def test_spans_resolve_against_the_reference_date(text, start, end, role):
    p = only(text)
    assert (str(p.start), str(p.end), p.role) == (start, end, role)


def test_by_and_as_of_have_an_open_start():
    by = only("By 2025, per capita GDP")
    assert (by.start, by.end, by.role) == (None, dt.date(2025, 12, 31), "by")
    assert years_of(by) == (None, 2025)
    assert years_of(only("to triple its economic output by the year 2020")) == (None, 2020)
    as_of = only("As of 2021, Xinjiang has achieved")
    assert (as_of.start, as_of.end) == (None, dt.date(2021, 12, 31))


def test_relative_expressions_need_a_reference_date_never_today():
    assert find_periods("this year, the first half of the year", None) == []
    assert only("in 2015", None).start == dt.date(2015, 1, 1)


def test_comparison_bases_are_not_periods_of_a_figure():
    text = "an increase of 37% over the same period last year"
    found = find_periods(text, REF)
    assert [p.role for p in found] == ["comparison"]
    assert assign(found, 15, 18) is None


def test_calendar_dates_take_the_reference_year_when_they_have_none():
    p = only("HAIKOU, Jan. 23 -- Hainan", dt.date(2024, 1, 23))
    assert p.start == p.end == dt.date(2024, 1, 23)
    assert only("Updated: 2021-01-26").start == dt.date(2021, 1, 26)


def test_numbers_that_are_not_years_are_not_periods():
    assert find_periods("31.6 billion yuan and 2,020 projects, 2020 percent", REF) == []


def test_project_start_and_completion_merge_into_one_period():
    text = "This project has already been launched in the end of last year, and it is planned to be completed in 2025."
    found = find_periods(text, dt.date(2020, 2, 25))
    assert [p.role for p in found] == ["start_event", "end_event"]
    assert years_of(merge_events(found)) == (2019, 2025)
    only_end = find_periods("and it will be completed in 2021.", REF)
    assert years_of(merge_events(only_end)) == (None, 2021)


def test_each_figure_takes_the_year_right_after_it():
    text = "rose from 4.4% in 2016 to 4.7% in 2021"
    found = find_periods(text, REF)
    first = assign(found, text.index("4.4%"), text.index("4.4%") + 4)
    second = assign(found, text.index("4.7%"), text.index("4.7%") + 4)
    assert (first.start_year, second.start_year) == (2016, 2021)


def test_in_another_years_counts_from_the_period_before():
    import datetime as dt
    from pipeline import periods as P
    text = "raise output to 750 billion yuan by 2020 and to over 1 trillion yuan in another two years"
    found = P.find_periods(text, dt.date(2018, 5, 1))
    last = found[-1]
    assert (last.start, last.end, last.role, last.evidence) == (None, dt.date(2022, 12, 31), "by", "relative_to_previous")
    assert P.find_periods("prices rose in another two years", None) == []


@pytest.mark.parametrize("text,end_year", [
    ("keep it above $10,000 until 2010", 2010),
    ("no later than 2027", 2027),
    ("by end-2025", 2025),
    ("by mid-2024", 2024),
    ("from now to 2025", 2025),
])
def test_open_start_deadlines(text, end_year):
    assert years_of(only(text)) == (None, end_year)


def test_in_the_year_before_a_year_is_that_year():
    assert years_of(only("in the year 2025")) == (2025, 2025)
    assert years_of(only("throughout the year")) == (2022, 2022)


@pytest.mark.parametrize("text", ["up 12 percent from last year", "8 percent higher than last year",
                                  "a rise of 5 percent over the previous year"])
def test_the_base_year_of_a_change_is_a_comparison(text):
    assert [p.role for p in find_periods(text, REF)] == ["comparison"]
