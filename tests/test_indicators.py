"""Indicator decider (pipeline/indicators.py): candidates from the figure's phrase, verb and list part."""
import pytest

from pipeline import indicators as I


def anchor(doc, word, nth=0):
    return [t for t in doc if t.text == word][nth]


@pytest.mark.parametrize("text,word,unit,indicator,source", [
    # what the amount is `in`, hung on the verb right after its object
    ("Henan is expected to notch up 1 trillion yuan in gross domestic product this year.", "yuan", "CNY",
     "gdp", "own_phrase"),
    ("The city will add 400 billion yuan in fixed assets investment this year.", "yuan", "CNY",
     "fixed_asset_investment", "own_phrase"),
    # a share of a whole is `other`; a ratio indicator that takes the share keeps its name
    ("The private economy is expected to account for 55 percent of the total.", "percent", "percent", "other", "share"),
    ("R&D spending will account for about 3.4 percent of the regional GDP.", "percent", "percent",
     "rd_intensity", "share_subject"),
    # the verb's `for` object when it has no direct one
    ("It is aiming for an annual economic growth rate of about 6 percent for 2021-2025.", "percent", "percent",
     "gdp", "phrase"),
    # the conjunct right before the figure's preposition
    ("More than 460 million tourists and tourism revenue above 50 billion yuan are expected in 2022.", "yuan",
     "CNY", "revenue", "conjunct"),
])
def test_decide(nlp, text, word, unit, indicator, source):
    d = I.decide(anchor(nlp(text), word), unit, False)
    assert (d.indicator, d.evidence.split(":")[0]) == (indicator, source)


def test_the_investing_verb_says_what_the_amount_is(nlp):
    doc = nlp("Chongqing will invest 50 billion yuan in the digital economy.")
    assert I.decide(anchor(doc, "yuan"), "CNY", False).indicator == "investment"


def test_physical_output_is_no_output_value(nlp):
    doc = nlp("Jilin aims to raise grain output to more than 41 million tonnes.")
    assert I.decide(anchor(doc, "tonnes"), "tonne", False).indicator == "other"
    doc = nlp("The park will be generating 100 billion yuan in output.")
    assert I.decide(anchor(doc, "yuan"), "CNY", False).indicator == "output_value"


def test_a_qualifier_read_as_a_preposition_is_passed_through(nlp):
    doc = nlp('The province had set a growth target of "above 6 percent" for 2021.')
    assert I.decide(anchor(doc, "percent"), "percent", False).indicator == "gdp"


def test_a_goal_noun_points_back_to_the_figure_before(nlp):
    doc = nlp("GDP grew 6.9 percent in 2017. The figure fell within the target range of 6 percent to 6.5 percent.")
    first, second = anchor(doc, "percent", 0), anchor(doc, "percent", 1)
    d = I.decide(second, "percent", False)
    assert I.points_back(d)
    found = I.from_context([(0, first, "percent", False)], 1, "percent")
    assert found.indicator == "gdp" and found.evidence.startswith("context:")


def test_a_percent_of_growth_is_no_share(nlp):
    doc = nlp("The zone is expected to pose a 26 percent of year-on-year growth in gross industrial output (GIO).")
    assert I.decide(anchor(doc, "percent"), "percent", False).indicator == "output_value"


def test_a_figure_no_noun_names_takes_the_one_before_in_its_sentence(nlp):
    doc = nlp('Both Shanghai and Beijing released growth targets of "more than 6 percent" for 2021, '
              'after similarly aiming for "about 6 percent" for 2020.')
    first, second = anchor(doc, "percent", 0), anchor(doc, "percent", 1)
    d = I.decide(second, "percent", False)
    assert I.points_back(d) == "sentence"
    assert I.from_context([(0, first, "percent", False)], 0, "percent", "sentence").indicator == "gdp"
    assert I.from_context([(0, first, "percent", False)], 1, "percent", "sentence") is None


@pytest.mark.parametrize("text,indicator", [
    ("By 2025, the share of the digital economy in GDP is expected to exceed 45 percent.", "other"),
    ("The proportion of the service sector in GDP will reach 55 percent.", "other"),
    ("By 2025, the ratio of the region's R&D spending to its GDP should increase to 3 percent.", "rd_intensity"),
])
def test_a_share_noun_measures_the_share_not_its_whole(nlp, text, indicator):
    doc = nlp(text)
    assert I.decide(anchor(doc, "percent"), "percent", False).indicator == indicator


def test_a_place_as_the_only_noun_points_back_to_the_figure_before(nlp):
    doc = nlp("Qingdao aims to boost its GDP to 1.6 trillion yuan, while Jinan targets 1.3 trillion yuan.")
    first, second = anchor(doc, "yuan", 0), anchor(doc, "yuan", 1)
    d = I.decide(second, "CNY", False)
    assert I.points_back(d) == "sentence"
    assert I.from_context([(0, first, "CNY", False)], 0, "CNY", "sentence").indicator == "gdp"


def test_a_coordination_read_into_a_figure_phrase(nlp):
    doc = nlp("The province plans to cut its energy consumption per unit of GDP by 2.2 percent and carbon "
              "dioxide emissions per unit of GDP by 3 percent.")
    assert [I.decide(anchor(doc, "percent", k), "percent", False).indicator for k in (0, 1)] \
        == ["energy_intensity", "carbon_intensity"]


def test_a_sentence_split_at_a_line_break_keeps_its_preposition_object(nlp):
    doc = nlp("officials said the city would maintain the per capita GDP above\n$10,000 until 2010.")
    a = [t for t in doc if t.text == "10,000"][0]
    if a.sent.start == 0:
        pytest.skip("the parser kept the sentence whole")
    assert I.decide(a, "USD", False).indicator == "gdp_per_capita"


def test_a_restating_demonstrative_takes_the_goal_of_any_unit_before(nlp):
    from types import SimpleNamespace as F
    doc = nlp("The province plans to lift its GDP to 14 trillion yuan by 2025. "
              "This translates into an average annual growth rate of 5 percent.")
    yuan, pct = anchor(doc, "yuan"), anchor(doc, "percent")
    figs = [F(sent_index=0, anchor=yuan, row={"unit": "CNY", "start": yuan.idx, "end": yuan.idx + 4},
              is_count=False, conversion_of=None),
            F(sent_index=1, anchor=pct, row={"unit": "percent", "start": pct.idx, "end": pct.idx + 7},
              is_count=False, conversion_of=None)]
    assert I.in_context(1, figs, {}, doc.text).indicator == "gdp"


def test_a_floor_points_back(nlp):
    doc = nlp("The province's GDP is seen growing at 6 percent, and economists put the floor at 5.5 percent.")
    d = I.decide(anchor(doc, "percent", 1), "percent", False)
    assert I.points_back(d) == "previous"


@pytest.mark.parametrize("text,word,unit,indicator", [
    ("The resident population is expected to reach 9.5 million people.", "people", "count", "population"),
    ("The province will reduce water consumption per unit of GDP by 16 percent.", "percent", "percent", "other"),
    ("Energy consumption per 10,000 yuan of GDP will drop by 3 percent.", "percent", "percent", "energy_intensity"),
])
def test_people_counted_and_uses_per_unit_of_gdp(nlp, text, word, unit, indicator):
    doc = nlp(text)
    assert I.decide(anchor(doc, word), unit, unit == "count").indicator == indicator


def test_a_change_noun_read_into_a_complement_takes_the_noun_it_hangs_from(nlp):
    doc = nlp("The province will also work to ensure that the added value of industries above designated size "
              "increases by 6 percent.")
    assert I.decide(anchor(doc, "percent"), "percent", False).indicator == "industrial_value_added"
