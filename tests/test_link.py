"""Linking figures to regions, periods and kinds, and the targets table (pipeline/link.py).

Small hand-written articles go through the real spaCy model (segment stage); regions and
figures are given by hand so the tests exercise linking alone.
"""
import datetime as dt

import pandas as pd
import pytest

from pipeline import link, schema, segment


def find(text, sub, nth=0):
    i = -1
    for _ in range(nth + 1):
        i = text.index(sub, i + 1)
    return i, i + len(sub)


def article(nlp, text, published=dt.date(2023, 5, 1), title=None, regions=(), figures=(), lists=(), converts=None,
            captions=None):
    """Run the link stage over one article. regions: (text, region_id, level, admin_id[, nth[, source]]);
    figures: (text, value, unit[, nth]); lists: tuples of figure indices the quantities stage would
    number as one list (`list_id`, `list_index`, `list_size`); converts: {figure index: index of the
    amount it converts} (`converts`); captions: clean's `caption_spans`."""
    articles = pd.DataFrame([{"article_id": "a", "status": "ok", "clean_text": text, "title": title,
                              "published": published, "reference_date": published, "caption_spans": captions}])
    sentences, tokens = segment.run(articles, nlp)
    reg_rows = []
    for spec in regions:
        sub, rid, level, admin = spec[:4]
        s, e = find(text, sub, spec[4] if len(spec) > 4 else 0)
        reg_rows.append({"article_id": "a", "sentence_id": 0, "start": s, "end": e, "text": sub, "region_id": rid,
                         "name": sub, "level": level, "admin_id": admin,
                         "province_id": admin[:2] + "0000" if admin else None,
                         "source": spec[5] if len(spec) > 5 else "gazetteer"})
    q_rows = []
    for k, spec in enumerate(figures):
        sub, value, unit = spec[:3]
        s, e = find(text, sub, spec[3] if len(spec) > 3 else 0)
        digits = next(i for i in range(s, e) if text[i].isdigit())
        sentence_id = int(sentences.loc[sentences["start"] <= digits, "sentence_id"].max())
        q_rows.append({"article_id": "a", "sentence_id": sentence_id, "start": s, "end": e, "text": sub,
                       "value": value, "value_high": None, "unit": unit, "qualifier": "exact", "quantity_id": k,
                       "number_start": digits})
    for list_id, members in enumerate(lists):
        for position, k in enumerate(members):
            q_rows[k].update(list_id=list_id, list_index=position, list_size=len(members))
    for k, amount in (converts or {}).items():
        q_rows[k]["converts"] = amount
    regions_df = pd.DataFrame(reg_rows) if reg_rows else schema.empty("regions")
    return link.run(articles, sentences, tokens, regions_df, pd.DataFrame(q_rows))


def by_text(quantities):
    return {r["text"]: r for r in quantities.to_dict("records")}


def test_respectively_gives_each_figure_its_region(nlp):
    text = ("In 2015, economic growth in Heilongjiang, Jilin, and Liaoning trailed behind the national average, "
            "posting 5.7, 6.5 and 3 percent, respectively.")
    q, t = article(nlp, text, regions=[("Heilongjiang", "230000", "province", "230000"),
                                       ("Jilin", "220000", "province", "220000"),
                                       ("Liaoning", "210000", "province", "210000")],
                   figures=[("5.7", 5.7, "percent"), ("6.5", 6.5, "percent"), ("3 percent", 3.0, "percent")],
                   lists=[(0, 1, 2)])
    rows = by_text(q)
    assert [rows[k]["region_id"] for k in ("5.7", "6.5", "3 percent")] == ["230000", "220000", "210000"]
    assert {rows[k]["evidence"] for k in rows} == {"respectively"}
    assert {rows[k]["kind"] for k in rows} == {"actual"}
    assert rows["5.7"]["period_start"] == dt.date(2015, 1, 1)
    assert t.empty


def test_subject_region_and_zone_host(nlp):
    text = "Up to now, the Kashgar Economic Development Zone has attracted 3.53 billion yuan of investment."
    q, _ = article(nlp, text, regions=[("Kashgar Economic Development Zone", "zone:kashgar-economic-development-zone",
                                        "zone", "653101")],
                   figures=[("3.53 billion yuan", 3.53e9, "CNY")])
    row = q.iloc[0]
    assert (row["region_id"], row["zone_id"], row["kind"]) == ("653101", "zone:kashgar-economic-development-zone",
                                                               "actual")


def test_anaphora_and_plan_period_of_a_goal(nlp):
    text = ("Haixi is a prefecture in Qinghai. Its goals from 2016 to 2020 are ambitious.\n\n"
            "The prefecture will increase local public finance revenue by 7 percent annually.")
    q, t = article(nlp, text, published=dt.date(2016, 11, 10),
                   regions=[("Haixi", "632800", "prefecture", "632800"), ("Qinghai", "630000", "province", "630000")],
                   figures=[("7 percent", 7.0, "percent")])
    row = q.iloc[0]
    assert (row["region_id"], row["evidence"], row["via"], row["kind"]) == ("632800", "dependency", "anaphora", "target")
    target = t.iloc[0]
    assert (target["indicator"], target["measure"], target["frequency"]) == ("fiscal_revenue", "growth", "annual")
    assert (target["start_year"], target["end_year"], target["region_id"]) == (2016, 2020, "632800")
    assert target["quantity_id"] == row["quantity_id"]


def test_share_base_is_not_the_figures_region(nlp):
    text = "Hechi relocated 176,200 people, accounting for 25 percent of Guangxi's total."
    q, _ = article(nlp, text, regions=[("Hechi", "451200", "prefecture", "451200"),
                                       ("Guangxi", "450000", "province", "450000")],
                   figures=[("25 percent", 25.0, "percent")])
    assert q.iloc[0]["region_id"] == "451200"


def test_a_figure_for_each_of_several_regions_is_one_row_per_region(nlp):
    text = "Zhengzhou and Changsha aim for 7 percent growth this year."
    q, t = article(nlp, text, regions=[("Zhengzhou", "410100", "prefecture", "410100"),
                                       ("Changsha", "430100", "prefecture", "430100")],
                   figures=[("7 percent", 7.0, "percent")])
    assert sorted(q["region_id"]) == ["410100", "430100"]
    assert list(q["quantity_id"]) == [0, 0] and sorted(q["link_index"]) == [0, 1]
    assert set(q["kind"]) == {"target"}
    assert sorted(t["region_id"]) == ["410100", "430100"]
    assert set(t["end_year"]) == {2023}


def test_a_total_over_several_regions_links_to_their_macro_region_or_null(nlp):
    text = "Beijing, Tianjin and Hebei together attracted 90 billion yuan of investment."
    q, _ = article(nlp, text, regions=[("Beijing", "110000", "province", "110000"),
                                       ("Tianjin", "120000", "province", "120000"),
                                       ("Hebei", "130000", "province", "130000")],
                   figures=[("90 billion yuan", 9e10, "CNY")])
    assert len(q) == 1
    assert q.iloc[0]["region_id"] in ("macro:beijing-tianjin-hebei", None)


def test_speaker_regions_are_ignored_and_previous_topic_is_used(nlp):
    text = ("Horgos developed its logistics industry. \"Investment in place rose 37 percent,\" said Hao, "
            "deputy secretary of Ili Kazakh Autonomous Prefecture.")
    q, _ = article(nlp, text, regions=[("Horgos", "654004", "county", "654004"),
                                       ("Ili Kazakh Autonomous Prefecture", "654000", "prefecture", "654000")],
                   figures=[("37 percent", 37.0, "percent")])
    assert q.iloc[0]["region_id"] == "654004"


def test_focus_region_and_foreign_subjects(nlp):
    text = ("Sichuan's economy keeps growing\n\n"
            "Sichuan reported steady growth in the first quarter of the year. Retail sales rose 6 percent. "
            "The World Bank defined a high-income economy as one with income of 12,536 dollars or more.")
    q, _ = article(nlp, text, title="Sichuan's economy keeps growing",
                   regions=[("Sichuan", "510000", "province", "510000"),
                            ("Sichuan", "510000", "province", "510000", 1)],
                   figures=[("6 percent", 6.0, "percent"), ("12,536 dollars", 12536.0, "USD")])
    rows = by_text(q)
    assert rows["6 percent"]["region_id"] == "510000"
    assert pd.isna(rows["12,536 dollars"]["region_id"])


def test_conversions_follow_their_amount_and_make_no_target(nlp):
    text = "The municipality of Chongqing will invest 3 billion yuan ($463.91 million) to upgrade the area."
    q, t = article(nlp, text, regions=[("Chongqing", "500000", "province", "500000")],
                   figures=[("3 billion yuan", 3e9, "CNY"), ("$463.91 million", 4.6391e8, "USD")], converts={1: 0})
    assert set(q["kind"]) == {"target"} and set(q["region_id"]) == {"500000"}
    assert list(t["value"]) == [3e9] and t.iloc[0]["indicator"] == "investment"
    assert pd.isna(t.iloc[0]["end_year"])


def test_relative_periods_never_resolve_against_today(nlp):
    text = "Exports rose 5 percent this year."
    q, _ = article(nlp, text, published=None, figures=[("5 percent", 5.0, "percent")])
    assert pd.isna(q.iloc[0]["period_start"]) and pd.isna(q.iloc[0]["period_end"])
    q, _ = article(nlp, text, published=dt.date(2019, 3, 1), figures=[("5 percent", 5.0, "percent")])
    assert q.iloc[0]["period_start"] == dt.date(2019, 1, 1)


def test_output_columns_follow_the_schema(nlp):
    q, t = article(nlp, "Hainan is eyeing GDP growth of around 8 percent for 2024.",
                   regions=[("Hainan", "460000", "province", "460000")], figures=[("8 percent", 8.0, "percent")])
    assert set(schema.QUANTITIES.names) <= set(q.columns)
    assert list(t.columns) == schema.TARGETS.names
    assert (t.iloc[0]["indicator"], t.iloc[0]["start_year"], t.iloc[0]["end_year"]) == ("gdp", 2024, 2024)


def test_heldout_style_links(nlp):
    """Datelines do not claim figures; pronouns take the subject before them in their sentence;
    regions in a relative clause describe; `the national figure` is China."""
    text = ("GUANGZHOU -- Guangdong province aims for GDP growth of around 5 percent in 2024.\n"
            "Zhengzhou will strive to see its GDP exceed 2 trillion yuan by 2025.\n"
            "The combined GDP of the Yangtze River Delta region, which covers Shanghai and Jiangsu, "
            "reached 30.5 trillion yuan in 2023.\n"
            "The national figure grew 5 percent to 36,883 yuan.")
    q, _ = article(nlp, text, regions=[("GUANGZHOU", "440100", "prefecture", "440100", 0, "dateline"),
                                       ("Guangdong", "440000", "province", "440000"),
                                       ("Zhengzhou", "410100", "prefecture", "410100"),
                                       ("Yangtze River Delta", "macro:yangtze-river-delta", "macro_region", None),
                                       ("Shanghai", "310000", "province", "310000"),
                                       ("Jiangsu", "320000", "province", "320000")],
                   figures=[("around 5 percent", 5.0, "percent"), ("2 trillion yuan", 2e12, "CNY"),
                            ("30.5 trillion yuan", 30.5e12, "CNY"), ("5 percent", 5.0, "percent", 1)])
    rows = by_text(q)
    assert rows["around 5 percent"]["region_id"] == "440000"
    assert rows["2 trillion yuan"]["region_id"] == "410100"
    assert rows["30.5 trillion yuan"]["region_id"] == "macro:yangtze-river-delta"
    assert rows["5 percent"]["region_id"] == "CN"


HENAN_LIST = ("Central China's Henan province has set its main development targets, according to the "
              "government work report.\n\n"
              "{lead}\n\n"
              "{m1} GDP growth of around 5.5 percent;\n\n"
              "{m2} urban surveyed unemployment rate within 5.5 percent;\n\n"
              "{m3} creating more than 1.1 million new urban jobs;\n\n"
              "{m4} an increase of about 3 percent in consumer prices.\n\n"
              "Zhengzhou's GDP grew 4.1 percent in 2023.")
HENAN_FIGURES = [("around 5.5 percent", 5.5, "percent"), ("within 5.5 percent", 5.5, "percent"),
                 ("more than 1.1 million new urban jobs", 1.1e6, "count"), ("about 3 percent", 3.0, "percent"),
                 ("4.1 percent", 4.1, "percent")]


def henan_list(nlp, lead, markers=("-", "-", "-", "-")):
    text = HENAN_LIST.format(lead=lead, m1=markers[0], m2=markers[1], m3=markers[2], m4=markers[3])
    return article(nlp, text, published=dt.date(2024, 1, 25),
                   regions=[("Henan", "410000", "province", "410000"), ("Zhengzhou", "410100", "prefecture", "410100")],
                   figures=HENAN_FIGURES)


@pytest.mark.parametrize("markers", [("-", "-", "-", "-"), ("1.", "2.", "3.", "4."), ("(1)", "(2)", "(3)", "(4)")])
def test_verbless_items_under_a_goal_lead_in_are_targets_of_its_frame(nlp, markers):
    """Items without a finite verb (`creating … jobs` has none) inherit the lead-in's goal, period
    (`for 2024`) and region (`The province` → Henan); a later sentence with a verb of its own ends the list."""
    q, t = henan_list(nlp, "The province set these targets for 2024:", markers)
    rows = by_text(q)
    items = [f[0] for f in HENAN_FIGURES[:4]]
    assert [rows[k]["kind"] for k in items] == ["target"] * 4
    assert {rows[k]["region_id"] for k in items} == {"410000"}
    assert {(rows[k]["period_start"], rows[k]["period_end"]) for k in items} == {(dt.date(2024, 1, 1),
                                                                                  dt.date(2024, 12, 31))}
    assert (rows["4.1 percent"]["kind"], rows["4.1 percent"]["region_id"]) == ("actual", "410100")
    got = [(r["indicator"], r["measure"], r["value"], r["region_id"], r["start_year"], r["end_year"])
           for r in t.sort_values("start").to_dict("records")]
    assert got == [("gdp", "growth", 5.5, "410000", 2024, 2024),
                   ("unemployment_rate", "level", 5.5, "410000", 2024, 2024),
                   ("employment", "change", 1.1e6, "410000", 2024, 2024),
                   ("cpi", "growth", 3.0, "410000", 2024, 2024)]
    # the clause of an item is its words, without the marker, punctuation and line break
    assert t.sort_values("start").iloc[0]["text"] == "GDP growth of around 5.5 percent"


@pytest.mark.parametrize("lead", ["Last year's achievements:", "The province met these targets in 2023:"])
def test_items_under_a_reported_lead_in_stay_actual(nlp, lead):
    q, t = henan_list(nlp, lead)
    rows = by_text(q)
    items = [f[0] for f in HENAN_FIGURES[:4]]
    assert [rows[k]["kind"] for k in items] == ["actual"] * 4
    assert {rows[k]["period_start"] for k in items} == {dt.date(2023, 1, 1)}
    assert {rows[k]["region_id"] for k in items} == {"410000"}
    assert t.empty


def test_a_lead_in_naming_a_region_gives_it_to_its_items(nlp):
    text = ("Zhengzhou reported its results on Monday.\n\n"
            "Anhui's main expected targets for 2024 are as follows:\n\n"
            "- GDP growth of around 6 percent;\n\n"
            "- more than 650,000 new urban jobs.")
    q, t = article(nlp, text, published=dt.date(2024, 1, 29),
                   regions=[("Zhengzhou", "410100", "prefecture", "410100"), ("Anhui", "340000", "province", "340000")],
                   figures=[("around 6 percent", 6.0, "percent"), ("more than 650,000 new urban jobs", 6.5e5, "count")])
    assert list(q["kind"]) == ["target", "target"] and set(q["region_id"]) == {"340000"}
    assert list(t.sort_values("start")["indicator"]) == ["gdp", "employment"]


def test_growth_said_of_places_each_expected_to_grow_is_gdp(nlp):
    text = "In 2023, Henan's GDP grew 4.1 percent, and Guizhou and Yunnan are each expected to grow more than 5 percent this year."
    q, t = article(nlp, text, published=dt.date(2024, 1, 25),
                   regions=[("Henan", "410000", "province", "410000"), ("Guizhou", "520000", "province", "520000"),
                            ("Yunnan", "530000", "province", "530000")],
                   figures=[("4.1 percent", 4.1, "percent"), ("more than 5 percent", 5.0, "percent")])
    assert by_text(q)["4.1 percent"]["kind"] == "actual"
    assert sorted(t["region_id"]) == ["520000", "530000"]
    assert set(t["indicator"]) == {"gdp"} and set(t["measure"]) == {"growth"}
    assert set(t["start_year"]) == {2024}


def test_places_a_participle_describes_own_its_figure(nlp):
    """`with Guizhou and Yunnan each expected to grow …`: the places the participle describes,
    one row each, not the subject of the main clause."""
    text = ("The western region's growth is likely to outpace that of the eastern region, "
            "with Guizhou and Yunnan each expected to grow more than 5 percent.")
    q, t = article(nlp, text, published=dt.date(2024, 1, 10),
                   regions=[("western region", "macro:western-region", "macro_region", None),
                            ("Guizhou", "520000", "province", "520000"), ("Yunnan", "530000", "province", "530000")],
                   figures=[("more than 5 percent", 5.0, "percent")])
    assert sorted(q["region_id"]) == ["520000", "530000"] and set(q["kind"]) == {"target"}
    assert sorted(t["region_id"]) == ["520000", "530000"] and set(t["indicator"]) == {"gdp"}


def test_page_about_other_countries_links_nothing_to_the_one_chinese_place_it_names(nlp):
    text = ("Stocks slip as oil climbs\n\n"
            "Wall Street stocks fell on Tuesday as oil prices rose in London and the yen weakened in Tokyo. "
            "The S&P 500 lost 1.2 percent, while Brent crude gained 2.5 percent. "
            "Investors in the United States, Japan and Germany also watched a factory opening in Shanghai. "
            "The Nikkei dropped 0.8 percent and the euro slipped 0.3 percent against the dollar.")
    q, _ = article(nlp, text, regions=[("Shanghai", "310000", "province", "310000")],
                   figures=[("1.2 percent", 1.2, "percent"), ("2.5 percent", 2.5, "percent"),
                            ("0.8 percent", 0.8, "percent"), ("0.3 percent", 0.3, "percent")])
    assert q["region_id"].isna().all(), q[["text", "region_id", "evidence"]]


def test_national_average_is_chinas_but_a_share_of_it_is_not(nlp):
    text = ("Guangdong's growth was 6.1 percent, lower than the national average of 6.9 percent. "
            "Its exports made up 25 percent of the national total.")
    q, _ = article(nlp, text, regions=[("Guangdong", "440000", "province", "440000")],
                   figures=[("6.1 percent", 6.1, "percent"), ("6.9 percent", 6.9, "percent"),
                            ("25 percent", 25.0, "percent")])
    rows = by_text(q)
    assert rows["6.1 percent"]["region_id"] == "440000"
    assert (rows["6.9 percent"]["region_id"], rows["6.9 percent"]["evidence"]) == ("CN", "owner_of_base")
    assert rows["25 percent"]["region_id"] == "440000"


def test_figures_each_followed_by_their_region(nlp):
    text = ("Heilongjiang, Liaoning and Jilin are the top beneficiaries, with 2.04 billion yuan going to "
            "Heilongjiang, 1.64 billion yuan to Liaoning and 1.53 billion yuan to Jilin.")
    q, _ = article(nlp, text, regions=[("Heilongjiang", "230000", "province", "230000"),
                                       ("Liaoning", "210000", "province", "210000"),
                                       ("Jilin", "220000", "province", "220000"),
                                       ("Heilongjiang", "230000", "province", "230000", 1),
                                       ("Liaoning", "210000", "province", "210000", 1),
                                       ("Jilin", "220000", "province", "220000", 1)],
                   figures=[("2.04 billion yuan", 2.04e9, "CNY"), ("1.64 billion yuan", 1.64e9, "CNY"),
                            ("1.53 billion yuan", 1.53e9, "CNY")])
    assert list(q.sort_values("start")["region_id"]) == ["230000", "210000", "220000"]


def test_plural_anaphor_is_a_group_and_a_total_over_it_the_macro_region(nlp):
    text = ("Liaoning, Jilin and Heilongjiang published their 2017 data. "
            "The three provinces' GDP accounted for 6.7 percent of the national total.")
    q, _ = article(nlp, text, regions=[("Liaoning", "210000", "province", "210000"),
                                       ("Jilin", "220000", "province", "220000"),
                                       ("Heilongjiang", "230000", "province", "230000")],
                   figures=[("6.7 percent", 6.7, "percent")])
    assert list(q["region_id"]) == ["macro:northeast"]


def test_figure_in_a_relative_clause_holds_for_each_region_it_describes(nlp):
    text = ("Henan will join Guangdong, Shandong, Jiangsu and Zhejiang provinces, whose GDPs all exceed "
            "1 trillion yuan.")
    q, _ = article(nlp, text, regions=[("Henan", "410000", "province", "410000"),
                                       ("Guangdong", "440000", "province", "440000"),
                                       ("Shandong", "370000", "province", "370000"),
                                       ("Jiangsu", "320000", "province", "320000"),
                                       ("Zhejiang", "330000", "province", "330000")],
                   figures=[("1 trillion yuan", 1e12, "CNY")])
    assert sorted(q["region_id"]) == ["320000", "330000", "370000", "440000"]
    assert set(q["evidence"]) == {"relative_owner"} and sorted(q["link_index"]) == [0, 1, 2, 3]


def test_their_refers_to_a_group_of_regions_each_holding_the_figure(nlp):
    text = "Guangdong and Jiangsu led the country in 2023, and their GDPs each exceeded 12 trillion yuan."
    q, _ = article(nlp, text, regions=[("Guangdong", "440000", "province", "440000"),
                                       ("Jiangsu", "320000", "province", "320000")],
                   figures=[("12 trillion yuan", 1.2e13, "CNY")])
    assert sorted(q["region_id"]) == ["320000", "440000"] and set(q["via"]) == {"pronoun"}


def test_a_region_named_as_a_model_is_no_antecedent(nlp):
    # `another Pudong New Area` is what the zone should become, not the zone `the development zone` means
    text = ("The development zone lies in Dalian's Jinpu New Area, which the city plans to turn into another "
            "Pudong New Area. The development zone reported 50 billion yuan of output.")
    q, _ = article(nlp, text, regions=[("Dalian", "210200", "prefecture", "210200"),
                                       ("Jinpu New Area", "zone:jinpu-new-area", "zone", "210213"),
                                       ("Pudong New Area", "zone:pudong-new-area", "zone", "310115")],
                   figures=[("50 billion yuan", 5e10, "CNY")])
    row = q.iloc[0]
    assert (row["region_id"], row["zone_id"], row["via"]) == ("210213", "zone:jinpu-new-area", "anaphora")


def test_the_total_a_share_is_taken_of_is_a_base(nlp):
    text = "Shanxi's coal output accounts for 20 percent of China's total coal production."
    q, _ = article(nlp, text, regions=[("Shanxi", "140000", "province", "140000"), ("China", "CN", "country", None)],
                   figures=[("20 percent", 20.0, "percent")])
    assert q.iloc[0]["region_id"] == "140000"


def test_a_group_in_an_earlier_sentence_gives_a_later_figure_no_region(nlp):
    text = ("The GDP of Jiangsu and Zhejiang provinces grew fast last year. "
            "Growth should exceed 5 percent next year, an official said.")
    q, _ = article(nlp, text, regions=[("Jiangsu", "320000", "province", "320000"),
                                       ("Zhejiang", "330000", "province", "330000")],
                   figures=[("5 percent", 5.0, "percent")])
    assert len(q) == 1 and pd.isna(q.iloc[0]["region_id"])


def test_respectively_pairs_conjoined_regions_and_figures_quantities_did_not_list(nlp):
    text = ('Hubei, and the farming province Henan, set growth targets of "above 6 percent" and 7 percent, '
            'respectively.')
    q, _ = article(nlp, text, regions=[("Hubei", "420000", "province", "420000"),
                                       ("Henan", "410000", "province", "410000")],
                   figures=[("above 6 percent", 6.0, "percent"), ("7 percent", 7.0, "percent")])
    rows = by_text(q)
    assert len(q) == 2
    assert (rows["above 6 percent"]["region_id"], rows["7 percent"]["region_id"]) == ("420000", "410000")
    assert {r["evidence"] for r in rows.values()} == {"respectively"}


def test_a_figure_in_brackets_after_a_region_is_that_regions(nlp):
    text = "Exports rose fastest in Yunnan province (12.5 percent) and Guizhou province (9.1 percent)."
    q, _ = article(nlp, text, regions=[("Yunnan province", "530000", "province", "530000"),
                                       ("Guizhou province", "520000", "province", "520000")],
                   figures=[("12.5 percent", 12.5, "percent"), ("9.1 percent", 9.1, "percent")])
    rows = by_text(q)
    assert (rows["12.5 percent"]["region_id"], rows["9.1 percent"]["region_id"]) == ("530000", "520000")
    assert rows["9.1 percent"]["evidence"] == "region_before_bracket"


def test_explain_mode_gives_every_figure_its_candidates(nlp):
    text = ("Growth of 3 percent was reported elsewhere. "
            "Guangxi's GDP grew 6 percent to 2.6 trillion yuan (US$380 billion) in 2023.")
    articles = pd.DataFrame([{"article_id": "a", "status": "ok", "clean_text": text, "title": None,
                              "published": dt.date(2024, 1, 5), "reference_date": dt.date(2024, 1, 5)}])
    sentences, tokens = segment.run(articles, nlp)
    s, e = find(text, "Guangxi")
    regions = pd.DataFrame([{"article_id": "a", "sentence_id": 1, "start": s, "end": e, "text": "Guangxi",
                             "region_id": "450000", "name": "Guangxi", "level": "province", "admin_id": "450000",
                             "province_id": "450000", "source": "gazetteer"}])
    figs = [("6 percent", 6.0, "percent"), ("2.6 trillion yuan", 2.6e12, "CNY"), ("US$380 billion", 3.8e11, "USD"),
            ("3 percent", 3.0, "percent")]
    rows = []
    for k, (sub, value, unit) in sorted(enumerate(figs), key=lambda kf: text.index(kf[1][0])):
        s, e = find(text, sub)
        digits = next(i for i in range(s, e) if text[i].isdigit())
        rows.append({"article_id": "a", "sentence_id": 1 if k < 3 else 0, "start": s, "end": e, "text": sub,
                     "value": value, "value_high": None, "unit": unit, "qualifier": "exact", "quantity_id": k,
                     "number_start": digits, "converts": 1 if k == 2 else None})
    q, _, c = link.run_explained(articles, sentences, tokens, regions, pd.DataFrame(rows))
    assert set(c["quantity_id"]) == {0, 1, 2, 3}
    conversion = c[c["quantity_id"] == 2]
    assert conversion["finder"].tolist() == ["conversion"] and conversion["region_id"].tolist() == ["450000"]
    unlinked = c[c["quantity_id"] == 3]
    assert len(unlinked) == 1 and unlinked["reason"].tolist() == ["no_region"] and unlinked["region_id"].isna().all()
    assert pd.isna(q.set_index("quantity_id").loc[3, "region_id"])


def test_a_photo_caption_lends_its_region_to_no_sentence_after_it(nlp):
    caption = "Ningbo's new container terminal in Zhejiang province is seen from the air."
    text = f"{caption}\n\nThe port handled 35 million containers last year, up 8 percent."
    regions = [("Ningbo", "330200", "prefecture", "330200"), ("Zhejiang", "330000", "province", "330000")]
    figures = [("8 percent", 8.0, "percent")]
    q, _ = article(nlp, text, regions=regions, figures=figures, captions=f"0-{len(caption)}")
    assert pd.isna(q.iloc[0]["region_id"])
    # the same line as a body paragraph is the previous sentence's topic
    q, _ = article(nlp, text, regions=regions, figures=figures)
    assert q.iloc[0]["region_id"] == "330200" and q.iloc[0]["evidence"] == "previous_sentence"


def test_a_figure_of_what_a_verb_turns_its_object_into_is_the_objects(nlp):
    text = ("Guangxi will turn the Qinzhou Free Trade Port Area into a logistics hub with an output value of "
            "30 billion yuan by 2025.")
    q, _ = article(nlp, text, regions=[("Guangxi", "450000", "province", "450000"),
                                       ("Qinzhou Free Trade Port Area", "zone:qinzhou-port-area", "zone", "450700")],
                   figures=[("30 billion yuan", 3e10, "CNY")])
    row = q.iloc[0]
    assert (row["region_id"], row["zone_id"], row["evidence"]) == ("450700", "zone:qinzhou-port-area", "made_into")


def test_a_regions_own_government_speaking_is_no_speaker_but_an_official_described_by_it_is(nlp):
    text = "The Yunnan Provincial Government announced 40 projects worth 90 billion yuan on Monday."
    regions = [("Yunnan", "530000", "province", "530000")]
    q, _ = article(nlp, text, regions=regions, figures=[("90 billion yuan", 9e10, "CNY")])
    assert q.iloc[0]["region_id"] == "530000"
    text = "Exports rose 12 percent, said Li Wei, a deputy secretary of the Yunnan Party Committee."
    q, _ = article(nlp, text, regions=regions, figures=[("12 percent", 12.0, "percent")])
    assert pd.isna(q.iloc[0]["region_id"])


def test_a_figure_for_each_region_of_a_written_list_fans_out_whatever_the_parse(nlp):
    text = ("Residents of central Anhui and Jiangxi provinces, northern Hebei province as well as western "
            "Qinghai province all saw their incomes grow by more than 7 percent.")
    ids = {"Anhui": "340000", "Jiangxi": "360000", "Hebei province": "130000", "Qinghai province": "630000"}
    q, _ = article(nlp, text, regions=[(name, rid, "province", rid) for name, rid in ids.items()],
                   figures=[("more than 7 percent", 7.0, "percent")])
    assert sorted(q["region_id"]) == sorted(ids.values())


def test_a_region_of_a_conjoined_clause_with_its_own_subject_is_not_the_figures_clause(nlp):
    text = ("Horgos has drafted 141 measures, and the approval process has been shortened to 19 days, and "
            "30 reforms tried in the pilot free trade zone at Baktu Port have been copied.")
    q, _ = article(nlp, text, regions=[("Horgos", "654004", "county", "654004"),
                                       ("Baktu Port", "zone:baktu-port", "zone", "654201")],
                   figures=[("19 days", 19.0, "day")])
    assert q.iloc[0]["region_id"] == "654004"
