"""Publication dates, datelines, publishers and body dates (pipeline/published.py)."""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from pipeline import clean, published

D = dt.date


def header_date(line: str) -> dt.date | None:
    rules = clean.line_rules()
    info = published.metadata_line(line, rules.meta_filler_words, rules.meta_max_leftover_words, rules.meta_max_chars)
    return info.date if info else None


@pytest.mark.parametrize("line, expected", [
    ("China Today, November 10, 2016 Adjust font size:", D(2016, 11, 10)),
    ("2021-11-05 | Gov & Xinhua & China Daily", D(2021, 11, 5)),
    ("(Xinhua) Updated: 2016-03-03 11:02", D(2016, 3, 3)),
    ("【Updated :August 05,20 2:54 PM】", D(2020, 8, 5)),
    ("Pub Date:2019-02-18 08:55", D(2019, 2, 18)),
    ("Updated: Nov 5, 2020 Print", D(2020, 11, 5)),
    ("Xinhua) 14:08, June 16, 2023", D(2023, 6, 16)),
    ("ezhejiang.gov.cn| Updated:  June 30, 2021 L M S", D(2021, 6, 30)),
    ("Updated:2020-02-25 13:44:34   Yunnan Gateway", D(2020, 2, 25)),
    ("Updated: 5 March 2019 | By Li Ming", D(2019, 3, 5)),
    ("发布时间：2019年2月18日", D(2019, 2, 18)),
    ("Updated: 23/01/2024", D(2024, 1, 23)),          # no rule: dateparser reads the labelled date
])
def test_header_date_formats(line, expected):
    assert header_date(clean.normalize_text(line)) == expected


@pytest.mark.parametrize("line", [
    "Updated: 2099-01-01",          # after the day of the run
    "Updated: 1985-06-01",          # before 1990
    "Updated: 2021-02-30",          # no such day
])
def test_impossible_dates_rejected(line):
    assert header_date(line) is None


@pytest.mark.parametrize("line", [
    "On July 16, 2022, a drop-trailer vehicle left the border bridge of the Alataw Pass land port.",
    "Integrating with the Belt and Road Initiative",
    "Updated daily with the latest figures from the provincial bureau of statistics",
    "On July 16, 2022, the port opened.",
    "The plan was issued on 2021-11-05 by the State Council.",
])
def test_body_lines_are_not_metadata(line):
    rules = clean.line_rules()
    assert published.metadata_line(line, rules.meta_filler_words, rules.meta_max_leftover_words,
                                   rules.meta_max_chars) is None


def test_dateline_with_and_without_year():
    line = published.dateline("BEIJING, March 5, 2024 (Xinhua) -- China set its growth target.", "")
    assert line.date == D(2024, 3, 5) and not line.year_inferred and line.agency == "Xinhua"
    body = ("HAIKOU, Jan. 23 -- Hainan's GDP grew 9.2 percent in 2023. It eyes 8 percent for 2024 "
            "and a free trade port by 2035.")
    line = published.dateline(body, body)
    assert line.date == D(2024, 1, 23) and line.year_inferred   # 2035 is a horizon, not the report's year
    assert published.dateline("On May 8, Sichuan released a report in 2022.", "") is None
    assert published.dateline("NANNING, June 16 -- no year anywhere.", "no year anywhere").date is None


@pytest.mark.parametrize("text, place, dated", [
    ("NANNING, June 16 (Xinhua) -- Output rose.", "NANNING", True),
    ("SUZHOU, Anhui, June 5 (Xinhua) -- The city grew.", "SUZHOU", True),
    ("SHENZHEN, China, May 6, 2024 /PRNewswire/ -- A firm said.", "SHENZHEN", True),
    ("CHANGCHUN - The province approved a plan.", "CHANGCHUN", False),
    ("BEIJING (Xinhua) -- Output rose.", "BEIJING", False),
    ("HONG KONG, March 3 -- Shares fell.", "HONG KONG", True),
])
def test_one_dateline_detector(text, place, dated):
    body = "Headline\n" + text
    [opening] = published.dateline_openings(body)
    assert body[opening.place_start:opening.place_end] == place and opening.dated == dated
    assert body[opening.start:opening.end].rstrip().endswith(("--", "-")) or "(" in body[opening.start:opening.end]
    assert (published.dateline(text, text) is not None) == dated   # a date only from a dated dateline


def test_dateline_is_no_sentence_or_headline_in_capitals():
    assert published.dateline_openings("Beijing, June 5 is a date.\nIn BEIJING, June 5 -- x") == []
    assert published.dateline_openings("CHINA GROWS FAST") == []


def test_clean_blocks_and_the_recogniser_read_the_same_dateline(nlp):
    from pipeline import ner, segment

    text = "Jilin plans growth\n\nCHANGCHUN - The province approved a plan for Jilin."
    [block] = [b for b in clean.article_blocks("a", text, "Jilin plans growth") if b["kind"] == "dateline"]
    [opening] = published.dateline_openings(text)
    assert (block["start"], block["end"]) == (opening.start, opening.end)
    articles = pd.DataFrame({"article_id": ["a"], "status": ["ok"], "clean_text": [text]})
    regions = ner.run(articles, segment.run(articles, nlp)[1])
    [dateline] = regions[regions["source"] == "dateline"].itertuples()
    assert (dateline.start, dateline.end, dateline.region_id) == (opening.place_start, opening.place_end, "220100")


def test_no_printed_date_means_null_published():
    text = ("Sichuan Sees Growing GDP\n\nOn May 8, Sichuan Provincial Bureau of Statistics released a report on the "
            "economy in the past five years, which grew in 2021 and 2022.")
    result = clean.extract_text(text)
    assert result.published is None and result.published_source is None


def test_header_date_wins_over_body_dates():
    text = ("Xinjiang ports boom\n\nUpdated: 2022-08-01\n\nOn July 16, 2022, a truck left the Alataw Pass land port "
            "for Kazakhstan, carrying more than 1,000 goods.")
    result = clean.extract_text(text)
    assert result.published == D(2022, 8, 1) and result.published_source == "header"


def test_latest_body_date():
    body = "On July 14, 2022 workers met. On 16 July 2022 a truck left. In 2023 more. By 2099-01-01 never."
    assert published.latest_date(body) == D(2022, 7, 16)
    assert published.latest_date("No dates here, only 2021 and May 8.") is None


def test_parse_date_string():
    assert published.parse_date_string("2023-06-16") == D(2023, 6, 16)
    assert published.parse_date_string("2023-06-16T08:00:00+08:00") == D(2023, 6, 16)
    assert published.parse_date_string("June 16, 2023") == D(2023, 6, 16)
    assert published.parse_date_string("yesterday") is None     # never relative to today
    assert published.parse_date_string("not a date") is None
    assert published.parse_date_string(None) is None


@pytest.mark.parametrize("name, expected", [
    ("chinadaily.com.cn", "China Daily"),
    ("https://ningxia.chinadaily.com.cn/a/1.htm", "China Daily"),
    ("http://english.yunnan.cn/html/2020/x.html", "Yunnan Gateway"),
    ("Xinhua News Agency", "Xinhua"),
    ("Some Local Portal", "Some Local Portal"),
    ("", None),
])
def test_canonical_publisher(name, expected):
    assert published.canonical_publisher(name) == expected


def test_first_named_publisher():
    assert published.publishers_named(" | Gov & Xinhua & China Daily") == ("Xinhua", "China Daily")
    assert published.publishers_named("ezhejiang.gov.cn|") == ("Zhejiang Government",)
    assert published.publishers_named("portal.example.com |") == ("portal.example.com",)


@pytest.mark.parametrize("line, expected", [
    ("日期：2019-02-18", D(2019, 2, 18)),
    ("UPDATED: March 4, 2023", D(2023, 3, 4)),
    ("Updated:March 4, 2023", D(2023, 3, 4)),
    ("LMS| Updated: October 31, 2023", D(2023, 10, 31)),
    ("By Liu Wei ( ) 2013-07-22", D(2013, 7, 22)),
])
def test_more_header_date_formats(line, expected):
    assert header_date(clean.normalize_text(line)) == expected


def test_label_kinds():
    assert published.label_before("Updated: 2020-01-02", 9) == "updated"
    assert published.label_before("UPDATED:2020-01-02", 8) == "updated"
    assert published.label_before("Pub Date:2019-02-18", 9) == "published"
    assert published.label_before("日期：2019-02-18", 3) == "date"
    assert published.label_before("2019-02-18", 0) is None


def test_article_date_below_the_title_beats_the_portal_date_above_it():
    text = ("The Official Website of the Provincial Government Mobile 中文 Francais\n\n15 July 2015\n\n"
            "Home>Business>Statistics Updates\n\nProvince announces 64 new projects worth 174 bln yuan\n\n"
            "2018-07-11 Download Print Comment\n"
            "Sixty-four new projects have been announced for the province between January and June this year, "
            "with a total investment of 174 billion yuan.\n")
    result = clean.extract_text(text)
    assert result.title == "Province announces 64 new projects worth 174 bln yuan"
    assert result.published == D(2018, 7, 11)
    assert result.published_evidence.startswith("below_title")


@pytest.mark.parametrize("text, expected, place", [
    # a labelled date opening the first paragraph
    ("date 2018-01-26 Chongqing has set its economic growth target for 2018 at 8.5 percent, according to a "
     "government work report on Friday.", D(2018, 1, 26), "body_opening"),
    # a date printed in the headline's line
    ("Economic zones of the city continued to grow steadily 2018-06-20\n\nFrom January to April of this year, the "
     "city's economic development zones completed business revenue of 458.96 billion yuan.", D(2018, 6, 20),
     "title_line"),
    # a PR-wire dateline
    ("Company opens plant in Suzhou\n\nSUZHOU, China, May 6, 2024 /PRNewswire/ -- The company opened a new plant in "
     "the Suzhou Industrial Park on Monday, it said in a statement.", D(2024, 5, 6), "dateline"),
    # a closing source line below the body
    ("Henan grain output rises again\n\nThe province harvested 65.4 million tonnes of grain in 2003, the provincial "
     "bureau of statistics said on Monday.\n\n(Xinhua News Agency March 22, 2004)", D(2004, 3, 22), "below_body"),
])
def test_date_places(text, expected, place):
    result = clean.extract_text(text)
    assert result.published == expected
    assert result.published_evidence.split()[0] == place


def test_body_date_is_not_an_opening_candidate():
    text = ("Xinjiang ports boom\n\nOn July 16, 2022, a truck left the Alataw Pass land port for Kazakhstan, "
            "carrying more than 1,000 goods.")
    assert clean.extract_text(text).published is None


def test_navigation_dates_lose_to_the_article_date():
    nav = published.line_candidates("Xinjiang cotton exports rise 2024-01-03", "above_title", 0, furniture=True)
    own = published.line_candidates("Updated: 2024-01-05", "above_title", 1, meta_line=True)
    assert published.best_candidate(nav + own).date == D(2024, 1, 5)
    assert published.best_candidate([]) is None


def test_html_metadata_dates_from_htmldate():
    html = ("<html><head><meta property='article:published_time' content='2023-10-05T01:30:00Z'>"
            "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"datePublished\": \"2023-10-05T01:30:00Z\","
            " \"dateModified\": \"2023-10-07T09:00:00Z\"}</script></head><body><h1>Title</h1>"
            "<p>Updated 2023-10-07</p></body></html>")
    found = published.html_candidates(html)
    assert found[0].place == "html_published" and found[0].date == D(2023, 10, 5)
    assert published.best_candidate(found).date == D(2023, 10, 5)


# A news page in the shape of a CNN one: its address and canonical link carry the day before the
# article's local date; the metadata gives the local time with its offset (+08:00) and JSON-LD the
# same moment in UTC, which is also the day before.
CNN_LIKE = ("<html><head><title>China's factories rebound | CNN Business</title>"
            "<link rel='canonical' href='https://edition.cnn.com/2024/06/12/business/china-factories-hnk/index.html'>"
            "<meta property='article:published_time' content='2024-06-13T07:03:00+08:00'>"
            "<script type='application/ld+json'>{\"@context\": \"https://schema.org\", \"@type\": \"NewsArticle\","
            " \"headline\": \"China's factories rebound\", \"datePublished\": \"2024-06-12T23:03:00Z\","
            " \"dateModified\": \"2024-06-12T23:03:00Z\"}</script></head><body><article>"
            "<h1>China's factories rebound as exports pick up</h1>"
            "<p>Factory output in Guangdong rose 6.1 percent in May from a year earlier, the provincial statistics "
            "bureau said, as exporters in the Pearl River Delta took more orders.</p>"
            "<p>Shipments from Shenzhen and Dongguan led the rise, officials said on Thursday.</p>"
            "</article></body></html>")


def _html_article(html: str, url: str | None) -> dict:
    raw = pd.DataFrame([{"article_id": "p", "source_path": "p.html", "sha256": None, "input_format": "html",
                         "content_type": "html", "raw_text": html, "url": url, "published_hint": None,
                         "error": None}], dtype=object)
    return clean.run(raw).iloc[0]


def test_html_date_is_the_metadata_local_day_not_the_url_day():
    for url in (None, "https://edition.cnn.com/2024/06/12/business/china-factories-hnk/index.html"):
        row = _html_article(CNN_LIKE, url)
        assert row["published"] == D(2024, 6, 13), (url, row["published_evidence"])
        assert row["published_evidence"].startswith("html_published")


def _utc_page(moment: str, opening: str) -> str:
    return ("<html><head><title>Beijing sets growth goal</title>"
            f"<meta property='article:published_time' content='{moment}'></head><body><article>"
            "<h1>Beijing sets its growth goal for the year</h1>"
            f"<p>{opening}Beijing set a growth target of about 5 percent for this year, the municipal government "
            "said in its work report on Thursday.</p><p>The city will also add 100,000 jobs, officials said.</p>"
            "</article></body></html>")


def test_utc_metadata_moment_is_read_as_the_local_day_the_page_prints():
    # 23:03 UTC on June 12 is 07:03 on June 13 in Beijing, the day the dateline prints
    row = _html_article(_utc_page("2024-06-12T23:03:00Z", "BEIJING, June 13, 2024 (Xinhua) -- "), None)
    assert row["published"] == D(2024, 6, 13), row["published_evidence"]
    assert row["published_evidence"].startswith("html_published") and "local_day" in row["published_evidence"]
    # without a printed date the metadata's own date stands
    assert _html_article(_utc_page("2024-06-12T23:03:00Z", ""), None)["published"] == D(2024, 6, 12)
    # a moment with its offset is already the local day; 02:00 UTC cannot be the next local day
    assert _html_article(_utc_page("2024-06-13T07:03:00+08:00", "BEIJING, June 14, 2024 (Xinhua) -- "),
                         None)["published"] == D(2024, 6, 13)
    assert _html_article(_utc_page("2024-06-12T02:00:00Z", "BEIJING, June 13, 2024 (Xinhua) -- "),
                         None)["published"] == D(2024, 6, 12)


def test_local_day_ignores_updated_and_navigation_dates():
    moment = published.DateCandidate(date=D(2024, 6, 12), place="html_published", order=-1, utc_hour=23)
    updated = published.DateCandidate(date=D(2024, 6, 13), place="below_title", order=2, label="updated")
    nav = published.DateCandidate(date=D(2024, 6, 13), place="above_title", order=0, furniture=True)
    assert published.best_candidate([moment, updated, nav]).date == D(2024, 6, 12)
    printed = published.DateCandidate(date=D(2024, 6, 13), place="dateline", order=3)
    assert published.best_candidate([moment, printed]).date == D(2024, 6, 13)
    same_day = published.DateCandidate(date=D(2024, 6, 12), place="below_title", order=2)
    assert published.best_candidate([moment, printed, same_day]).date == D(2024, 6, 12)


def test_html_date_in_the_url_alone_is_no_publication_date():
    html = re.sub(r"<meta property='article:published_time'[^>]*>|<script.*?</script>", "", CNN_LIKE)
    assert "datePublished" not in html and "published_time" not in html
    assert published.html_candidates(html) == []
    assert _html_article(html, "https://edition.cnn.com/2024/06/12/business/x/index.html")["published"] is None


def test_dates_rules_are_validated():
    from pipeline.rules import RulesError, from_data, load_yaml

    data = load_yaml("clean/dates.yaml")
    weights = data["candidate_weights"]
    assert from_data(published.DatesFile, data, "dates.yaml").candidate_weights.place == weights["place"]
    for broken in ({**data, "candidate_weights": {**weights, "place": {}}},
                   {**data, "candidate_weights": {**weights, "label": {"revised": 1.0}}},
                   {**data, "candidate_weights": {**weights, "bonus": 1.0}},
                   {**data, "dateparser": {**data["dateparser"], "languages": "en"}},
                   {**data, "month_name": {}}):
        with pytest.raises(RulesError, match="dates.yaml"):
            from_data(published.DatesFile, broken, "dates.yaml")


def test_publishers_rules_are_validated():
    from pipeline.rules import RulesError, from_data, load_yaml

    data = load_yaml("clean/publishers.yaml")
    with pytest.raises(RulesError, match="unknown keys"):
        from_data(published.PublishersFile, {**data, "domains": ""}, "publishers.yaml")


def test_one_dateparser_setting_set_for_header_dates_and_body_periods():
    from pipeline import periods

    # body periods: a missing year is the reference date's, even when the date falls after it
    assert published.dateparser_date("March 5", D(2024, 1, 10)) == D(2024, 3, 5)
    assert periods.find_periods("On March 5 the park opened.", D(2024, 1, 10))[0].start == D(2024, 3, 5)
    # header dates have no reference: the year must be printed (ANNOTATION.md `published`)
    assert published.dateparser_date("March 5") is None
    assert published.parse_with_dateparser("23/01/2024 10:02") == D(2024, 1, 23)
    # absolute dates only, never relative to the day of the run
    assert published.dateparser_date("yesterday", D(2024, 1, 10)) is None
