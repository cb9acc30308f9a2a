"""Target detection and classification over parsed sentences (pipeline/targets.py)."""
import pytest

from pipeline import targets as T


def anchor(doc, word, nth=0):
    """The token of the `nth` occurrence of `word` (a figure's unit or counted noun)."""
    return [t for t in doc if t.text == word][nth]


@pytest.mark.parametrize("phrase,indicator", [
    ("average annual GDP growth", "gdp"),
    ("the per capita GDP", "gdp_per_capita"),
    ("per capita disposable income of urban residents", "disposable_income_per_capita"),
    ("local public finance revenue", "fiscal_revenue"),
    ("fixed-asset investment", "fixed_asset_investment"),
    ("fixed investment", "fixed_asset_investment"),
    ("primary industries", "primary_industry_value_added"),
    ("the tertiary industry", "tertiary_industry_value_added"),
    ("large enterprises", "industrial_value_added"),
    ("the urbanization rate", "urbanization_rate"),
    ("research and development investment intensity", "rd_intensity"),
    ("total imports and exports", "foreign_trade"),
    ("retail sales of consumer goods", "retail_sales"),
    ("tourism revenues", "revenue"),
    ("local jobs", "employment"),
    ("the forest coverage rate", "forest_coverage"),
    ("the proportion of households", "other"),
    ("industrial engineers", "other"),
    ("the coverage rate of inclusive kindergartens", "other"),
])
def test_indicator_lexicon(phrase, indicator):
    assert T.classify(phrase) == indicator


@pytest.mark.parametrize("text,word,cue", [
    ("The city will strive to maintain GDP growth of 7 percent.", "percent", "will"),
    ("The county aims to raise revenue by 5 percent.", "percent", "aim"),
    ("Exports are expected to reach 3 billion yuan.", "yuan", "expect"),
    ("The plant started construction with a planned total investment of 5 billion yuan.", "yuan", "planned"),
    ("The province is eyeing growth of around 6 percent for 2025.", "percent", "eye"),
    ("Retail sales grew 8 percent last year.", "percent", None),
    ("The project has been implemented with a total investment of 2 billion yuan.", "yuan", None),
    ("The truck, carrying more than 1,000 parcels, will arrive in Europe.", "parcels", None),
])
def test_forward_cue(nlp, text, word, cue):
    doc = nlp(text)
    a = anchor(doc, word)
    assert T.forward_cue(a, a.sent) == cue


def test_indicator_of_coordinated_objects_and_subjects(nlp):
    doc = nlp("The city intends to increase local public finance revenue by seven percent annually, "
              "and fixed investment by 15 percent.")
    first, second = anchor(doc, "percent", 0), anchor(doc, "percent", 1)
    assert T.indicator_of(first, "percent", False)[0] == "fiscal_revenue"
    assert T.indicator_of(second, "percent", False)[0] == "fixed_asset_investment"
    doc = nlp("The county's urbanization rate should be increased by more than 1 percentage point annually.")
    a = anchor(doc, "point")
    assert T.indicator_of(a, "percentage_point", False)[0] == "urbanization_rate"
    assert T.measure_of(a, "percentage_point") == "change"


def test_level_verbs_measure_their_subject(nlp):
    doc = nlp("The forest coverage rate of the prefecture will reach 45 percent.")
    a = anchor(doc, "percent")
    assert T.indicator_of(a, "percent", False)[0] == "forest_coverage"
    assert T.measure_of(a, "percent") == "level"


def test_counts_and_verbs_say_what_a_figure_is(nlp):
    doc = nlp("The park is expected to achieve an annual output value of 1.5 billion yuan while creating 1,500 jobs.")
    money, jobs = anchor(doc, "yuan"), anchor(doc, "jobs")
    assert T.indicator_of(money, "CNY", False)[0] == "output_value"
    assert T.indicator_of(jobs, "count", True)[0] == "employment"
    assert T.measure_of(jobs, "count") == "change"
    doc = nlp("The city will invest 3 billion yuan in new roads.")
    assert T.indicator_of(anchor(doc, "yuan"), "CNY", False)[0] == "investment"


def test_ratio_targets_are_other(nlp):
    doc = nlp("The income of urban residents should be lower than 1.9 times that of rural residents.")
    assert T.indicator_of(anchor(doc, "times"), "times", False)[0] == "other"


@pytest.mark.parametrize("text,frequency", [
    ("increase revenue by seven percent annually", "annual"),
    ("average annual GDP growth of 7.5 percent", "annual"),
    ("by eight percent year-on-year", "annual"),
    ("reach 130,000 yuan", None),
])
def test_frequency(text, frequency):
    assert T.frequency_of(text) == frequency


def test_growth_for_percent_changes(nlp):
    doc = nlp("Hainan aims to increase its tourism revenues by 14 percent.")
    a = anchor(doc, "percent")
    assert T.measure_of(a, "percent") == "growth"
    assert T.indicator_of(a, "percent", False)[0] == "revenue"


@pytest.mark.parametrize("text,word,cue", [
    ("Chongqing to invest 3b yuan to upgrade Liangjiang New Area", "yuan", "to"),
    ("Zhejiang has set its economic growth target at around 5.5 percent for 2024.", "percent", "set target"),
    ("Exports may increase by 3 percent, economists said.", "percent", "may"),
])
def test_headlines_set_targets_and_forecasts_are_goals(nlp, text, word, cue):
    doc = nlp(text)
    assert T.forward_cue(anchor(doc, word), doc[:]) == cue


@pytest.mark.parametrize("text,word,indicator", [
    ("Guangdong targets 5% growth in 2024", "%", "gdp"),
    ("Shenzhen set a growth target of 5.5 percent for 2024.", "percent", "gdp"),
    ("Henan aims to raise its industrial added value by an average of 7 percent annually.", "percent",
     "industrial_value_added"),
    ("Zhejiang will cut energy consumption per unit of GDP by 2 percent.", "percent", "energy_intensity"),
    ("Pudong aims to keep its R&D spending above 4 percent of GDP.", "percent", "rd_intensity"),
    ("Guizhou and Yunnan are each expected to grow more than 5 percent this year.", "percent", "gdp"),
    ("The west will lead, with Guizhou and Yunnan each expected to grow more than 5 percent.", "percent", "gdp"),
])
def test_bare_growth_is_the_economy_and_objects_before_the_figure_name_it(nlp, text, word, indicator):
    doc = nlp(text)
    assert T.indicator_of(anchor(doc, word), "percent", False)[0] == indicator


@pytest.mark.parametrize("text,word,unit,measure", [
    ("Jilin aims to raise grain output to more than 41 million tonnes.", "tonnes", "tonne", "level"),
    ("Xiong'an plans to start 81 new projects with a total investment of 60 billion yuan.", "yuan", "CNY", "level"),
    ("The provinces have set their 2024 GDP growth targets at around 5.5 percent.", "percent", "percent", "growth"),
    ("Henan aims to raise its industrial added value by an average of 7 percent annually.", "percent", "percent",
     "growth"),
])
def test_measure_of_to_complements_and_noun_amounts(nlp, text, word, unit, measure):
    doc = nlp(text)
    assert T.measure_of(anchor(doc, word), unit) == measure


def test_clause_path_walks_up_to_the_verb(nlp):
    from pipeline import targets as T

    doc = nlp("The total investment of 5 billion yuan will rise.")
    billion = next(t for t in doc if t.text == "billion")
    path = [t.text for t in T.clause_path(billion)]
    assert path[0] == "billion" and path[-1] == "rise" and "investment" in path
    assert [t.text for t in T.below_clause_verb(billion)] == path[:-1]
    headline = nlp("Investment of 5 billion yuan")
    root = [t for t in headline if t.head.i == t.i][0]
    assert T.below_clause_verb(headline[2])[-1] == root  # no verb above: the root is kept


@pytest.mark.parametrize("text,word,cue", [
    ("Sichuan eyes 6 percent growth in 2024", "percent", "eye"),
    ("Shaanxi province as a whole aims for GDP growth of 5.5 percent this year.", "percent", "aim"),
])
def test_a_cue_verb_read_as_a_plural_noun_is_a_cue(nlp, text, word, cue):
    doc = nlp(text)
    assert T.forward_cue(anchor(doc, word), doc[:].sent) in (cue, cue + "s")


def test_projects_read_as_a_noun_are_no_cue(nlp):
    doc = nlp("The city has 277 major projects.")
    assert T.forward_cue(anchor(doc, "projects"), doc[:].sent) is None


@pytest.mark.parametrize("text,cue", [
    ("By 2035, the new area is expected to become a modern city, with forest coverage reaching 40 percent.", "expect"),
    ("GDP grew 5 percent last year, with exports reaching 30 percent.", None),
])
def test_an_absolute_clause_shares_the_tense_of_its_verb(nlp, text, cue):
    doc = nlp(text)
    assert T.forward_cue(anchor(doc, "percent", -1), doc[:].sent) == cue


@pytest.mark.parametrize("text,indicator", [
    ("- energy consumption per unit of GDP down 2.5 percent.", "energy_intensity"),
    ("- exports up 5 percent.", "exports"),
])
def test_a_figure_of_up_or_down_measures_the_noun_they_modify(nlp, text, indicator):
    doc = nlp(text)
    assert T.indicator_of(anchor(doc, "percent"), "percent", False)[0] == indicator


@pytest.mark.parametrize("text,word,indicator", [
    ("By 2027, the province plans to double its total foreign trade.", "double", "foreign_trade"),
    ("The region vowed to more than triple its economic output by 2020.", "triple", "gdp"),
])
def test_a_verb_multiple_measures_its_object(nlp, text, word, indicator):
    doc = nlp(text)
    assert T.indicator_of(anchor(doc, word), "times", False)[0] == indicator


@pytest.mark.parametrize("text,cue", [
    ("Henan's economy is estimated to have grown 3.1 percent last year.", None),
    ("The province's industrial output is projected to have risen 6 percent in the first quarter.", None),
    ("The province's industrial output is projected to rise 6 percent this year.", "project"),
])
def test_a_perfect_infinitive_estimates_what_was(nlp, text, cue):
    doc = nlp(text)
    assert T.forward_cue(anchor(doc, "percent"), doc[:].sent) == cue


@pytest.mark.parametrize("text,word,cue", [
    ("Planned investment in key projects totals 800 billion yuan this year.", "yuan", "planned"),
    ("The targeted poverty alleviation funds reached 5 billion yuan.", "yuan", None),
    ("The province hopes to create 700,000 jobs in cities and towns.", "jobs", "hope"),
])
def test_cues_of_the_subject_and_of_a_mislemmatised_verb(nlp, text, word, cue):
    doc = nlp(text)
    assert T.forward_cue(anchor(doc, word), doc[:].sent) == cue


def test_lemma_in_reads_the_form_when_the_lemmatizer_errs(nlp):
    doc = nlp("The province hopes to grow.")
    assert T.lemma_in(doc[2], {"hope"}) == "hope" and T.lemma_in(doc[2], {"aim"}) is None


def test_industrial_value_is_industrial_value_added():
    assert T.classify("percent growth in industrial value") == "industrial_value_added"
    assert T.classify("gross industrial output value") == "output_value"


@pytest.mark.parametrize("text,cue", [
    ("Guangdong province expects its economy to expand by more than 6 percent this year.", "expect"),
    ("GDP is seen growing at 6 percent or above.", "see"),
    ("The province saw its GDP grow 5 percent.", None),
    ("Shenzhen and Guangzhou aim for growth of 7 percent.", "aim"),
])
def test_infinitive_clauses_passive_forecasts_and_a_cue_noun_with_a_subject(nlp, text, cue):
    doc = nlp(text)
    assert T.forward_cue(anchor(doc, "percent"), doc[:].sent) == cue


@pytest.mark.parametrize("text,word,unit,indicator", [
    ("Total imports and exports are expected to surpass 700 billion yuan.", "yuan", "CNY", "foreign_trade"),
    ("Exports and imports are expected to grow 5 percent.", "percent", "percent", "foreign_trade"),
    ("Retail sales and exports are expected to rise 10 percent.", "percent", "percent", "retail_sales"),
    ("WUHAN -- Hubei province's GDP is expected to grow by 6.5 percent this year and reach 5.8 trillion yuan.",
     "yuan", "CNY", "gdp"),
])
def test_coordinated_nouns_and_a_dateline_before_the_subject(nlp, text, word, unit, indicator):
    doc = nlp(text)
    assert T.indicator_of(anchor(doc, word), unit, False)[0] == indicator


@pytest.mark.parametrize("text,word,cue", [
    ("The province is committed to achieving 6 percent growth.", "percent", "committed"),
    ("The province contributed to achieving 6 percent growth.", "percent", None),
    ("China is going to cut its carbon intensity by 18 percent.", "percent", "going to"),
    ("Sales are going up 5 percent.", "percent", None),
    ("The zone is designed to accommodate 500 enterprises.", "enterprises", "designed"),
])
def test_committed_to_going_to_and_designed_to(nlp, text, word, cue):
    doc = nlp(text)
    assert T.forward_cue(anchor(doc, word), doc[:].sent) == cue
