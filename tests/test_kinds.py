"""Kind decider (pipeline/kinds.py): signed deals, started projects and scene-setting figures."""
import pytest

from pipeline import kinds as K
from pipeline import targets as T
from pipeline.linking.decider import decide_kind


def kind_of(nlp, text, word, unit, extra=None):
    doc = nlp(text)
    a = [t for t in doc if t.text == word][0]
    row = {"unit": unit, "start": a.idx, "number_start": a.idx, "number_end": a.idx, **(extra or {})}
    cue = T.forward_cue(a, a.sent)
    return decide_kind(K.candidates(a, a.sent, row, doc.text, cue))


@pytest.mark.parametrize("text,word,kind,evidence", [
    ("Jinpu New Area signed 30 major projects with a total investment of 73.3 billion yuan.", "yuan",
     "actual", "signed:sign"),
    ("In 2019, 28 projects were signed with a total planned investment of 9.821 billion yuan.", "yuan",
     "actual", "signed:sign"),
    ("428 projects were newly launched or resumed with a total investment of 243 billion yuan.", "yuan",
     "actual", "started:resume"),
    ("This project, with a total investment of 141.62 billion RMB, has already been launched, and it is "
     "planned to be completed in 2025.", "RMB", "target", "plan:commitment"),
    ("The city aims to raise revenue by 5 percent.", "percent", "target", "plan:aim"),
    ("Exports are expected to reach 3 billion yuan.", "yuan", "target", "expectation:expect"),
])
def test_kind_and_evidence(nlp, text, word, kind, evidence):
    c = kind_of(nlp, text, word, "CNY" if word in ("yuan", "RMB") else "percent")
    assert (c.kind, c.evidence) == (kind, evidence)


def test_a_span_of_years_sets_the_scene(nlp):
    c = kind_of(nlp, "The hub will be enhanced within five years.", "years", "year")
    assert (c.kind, c.evidence) == ("actual", "scene:duration")


def test_a_count_of_goals_sets_the_scene(nlp):
    c = kind_of(nlp, "Eight specific goals will be put forward.", "goals", "count", {"item": "goal"})
    assert (c.kind, c.evidence) == ("actual", "scene:count_of_parts")


def test_semicolon_list_after_a_lead_in(nlp):
    text = "The major targets are as follows:\nGDP growth of about 10 percent; retail sales kept above 8 percent."
    doc = nlp(text)
    sents = list(doc.sents)
    assert K.semicolon_lead_in(sents, text, 1) == 0
    assert K.semicolon_lead_in(sents, text, 0) is None


def test_goal_setting_sentence(nlp):
    assert K.sets_goals(next(nlp("Guiyang has also decided on several development goals.").sents))
    assert not K.sets_goals(next(nlp("The city met all its goals.").sents))


def test_a_change_restated_after_a_goal():
    assert K.restates(" ($32 billion), up ")
    assert K.restates(", an increase of ")
    assert not K.restates(" and ")


def test_a_modal_parsed_as_head_is_a_cue(nlp):
    doc = nlp("It railway network density ought to reach 507 km per 10,000 sqms.")
    km = [t for t in doc if t.text == "km"][0]
    assert T.forward_cue(km, km.sent) == "ought"


def test_a_present_tense_breakdown_carries_a_goal_on(nlp):
    doc = nlp("Heilongjiang and Jilin are the top beneficiaries, with 2.04 billion yuan going to Heilongjiang.")
    yuan = [t for t in doc if t.text == "yuan"][0]
    assert K.continues_goal(yuan, "CNY", {"CNY"})
    assert not K.continues_goal(yuan, "CNY", set())
    doc = nlp("Heilongjiang received 2.04 billion yuan last year.")
    yuan = [t for t in doc if t.text == "yuan"][0]
    assert not K.continues_goal(yuan, "CNY", {"CNY"})


def test_an_amount_anaphor_carries_a_goal_on(nlp):
    doc = nlp("The amount marks a year-on-year rise of 5 percent, said the ministry.")
    pct = [t for t in doc if t.text == "percent"][0]
    assert K.continues_goal(pct, "percent", {"CNY"})


@pytest.mark.parametrize("text,expected", [
    ("GDP grew 8 percent, up from a goal of about 6 percent for the previous year.", True),
    ("The province aims for growth of about 6 percent this year.", False),
])
def test_superseded_goals(nlp, text, expected):
    doc = nlp(text)
    pct = [t for t in doc if t.text == "percent"][-1]
    assert K.superseded(pct) is expected


def test_a_goal_for_a_period_before_the_article_is_superseded():
    assert K.dated("plan:aim", "target", 2020, 2021) == "superseded:aim"
    assert K.dated("plan:aim", "target", 2021, 2021) == "plan:aim"
    assert K.dated("reported", "actual", 2020, 2021) == "reported"


def test_a_figure_restated_in_other_terms():
    assert K.restated_as(" of crude oil a year, or ")
    assert not K.restated_as(" and ")
    assert not K.restated_as(" in 2020; or ")


def test_a_period_in_the_base_of_a_share(nlp):
    text = "Xinjiang is expected to pump 100 million tons of crude oil a year, or nearly 60 percent of China's total output last year."
    doc = nlp(text)
    tons = [t for t in doc if t.text == "tons"][0]
    assert K.in_share_base(doc, text.index("last year"), tons)
    assert not K.in_share_base(doc, text.index("a year"), tons)


def test_a_demonstrative_restating_the_goal_before(nlp):
    doc = nlp("That means an average annual growth of 7 percent.")
    pct = [t for t in doc if t.text == "percent"][0]
    assert K.continues_goal(pct, "percent", {"percent"})


def test_a_parallel_present_tense_clause_after_a_goal(nlp):
    doc = nlp("Zhengzhou aims for 7 percent growth this year, while other cities are between 5 and 6 percent.")
    pct = [t for t in doc if t.text == "percent"][-1]
    assert K.parallel_goal(pct, {"percent"}, "percent")
    assert not K.parallel_goal(pct, set(), "percent")
    doc = nlp("Zhengzhou aims for 7 percent growth this year, while other cities grew 5 percent last year.")
    pct = [t for t in doc if t.text == "percent"][-1]
    assert not K.parallel_goal(pct, {"percent"}, "percent")


@pytest.mark.parametrize("text,word", [
    ("The IMF's forecast of 5.2 percent growth for China was kept.", "percent"),
    ("The province set a growth floor of 6 percent.", "percent"),
])
def test_forecast_and_floor_nouns_are_cues(nlp, text, word):
    doc = nlp(text)
    a = [t for t in doc if t.text == word][0]
    assert T.forward_cue(a, a.sent) in ("forecast", "floor")


@pytest.mark.parametrize("text,word,kind,evidence", [
    ("Its R&D spending is expected to account for 3.2 percent of GDP this year, up from 3.15 percent in 2023.",
     "3.15", "actual", "base:from"),
    ("Growth is forecast at 4.8 percent next year after an estimated 5.2 percent expansion this year.",
     "5.2", "actual", "base:after"),
    ("The ratio will rise from 60 percent to 65 percent by 2025.", "60", "actual", "base:from"),
    ("The province aims for growth of 5 percent, down from a goal of about 6 percent last year.", "6",
     "target", "superseded:goal"),
])
def test_the_base_of_a_comparison_is_what_was(nlp, text, word, kind, evidence):
    doc = nlp(text)
    a = [t for t in doc if t.text == word][0]
    a = next((t for t in a.head.subtree if t.text == "percent" and t.i > a.i), a)
    row = {"unit": "percent", "start": a.idx, "number_start": a.idx, "number_end": a.idx}
    c = decide_kind(K.candidates(a, a.sent, row, doc.text, T.forward_cue(a, a.sent)))
    assert (c.kind, c.evidence) == (kind, evidence)


def test_a_participle_describing_another_noun_reports_its_own_time(nlp):
    doc = nlp("The new target is lower than the previous target of 7 percent set in 2019.")
    pct = [t for t in doc if t.text == "percent"][0]
    year = doc.text.index("2019")
    assert K.in_reported_clause(doc, year, doc[:].sent.root)       # not the sentence's plan period
    assert not K.in_reported_clause(doc, year, pct)                # but the period of the old goal


def test_a_count_of_the_places_a_figure_is_about_sets_the_scene(nlp):
    c = kind_of(nlp, "The three provinces' combined trade is projected to reach 500 billion yuan.", "provinces",
                "count", {"item": "province"})
    assert (c.kind, c.evidence) == ("actual", "scene:count_of_parts")


@pytest.mark.parametrize("text,reported", [
    ("In 2023, Fujian's GDP reached 5.44 trillion yuan, up 4.5 percent, missing its target of 6 percent.", True),
    ("For 2022, Wang said that the region expects to see GDP growth of 8 percent.", False),
    ("In 2024, the province set its growth target at 6 percent.", False),
    ("In 2024, the province will invest 5 billion yuan.", False),
])
def test_a_sentence_that_reports_the_past_states_no_plan_period(nlp, text, reported):
    doc = nlp(text)
    assert K.in_reported_clause(doc, doc.text.index("20"), doc[:].sent.root) is reported


def test_the_period_of_a_missed_goal_is_its_own(nlp):
    doc = nlp("In 2023, Fujian's GDP reached 5.44 trillion yuan, up 4.5 percent, missing its target of 6 percent.")
    pct = [t for t in doc if t.text == "percent"][-1]
    assert not K.in_reported_clause(doc, doc.text.index("2023"), pct)


@pytest.mark.parametrize("text,word,unit,kind", [
    ("Chengdu, a city of 21 million people, plans to raise its GDP to 3 trillion yuan.", "people", "count", "actual"),
    ("Chengdu, a city of 21 million people, plans to raise its GDP to 3 trillion yuan.", "yuan", "CNY", "target"),
])
def test_an_apposition_describing_a_name_sets_the_scene(nlp, text, word, unit, kind):
    assert kind_of(nlp, text, word, unit, {"item": "person"} if unit == "count" else None).kind == kind


@pytest.mark.parametrize("text,word,unit,evidence", [
    ("The province will build on the 6 percent growth it achieved last year.", "percent", "percent", "base:past"),
    ("Building on last year's 8 percent growth, the city aims to grow 7 percent this year.", "percent", "percent",
     "base:past"),
    ("Compared with 6 percent last year, the target for this year is 5 percent.", "percent", "percent", "base:with"),
    ("Home to 5 million people, the district plans to double its GDP.", "people", "count", "scene:apposition"),
])
def test_figures_said_to_be_past_or_descriptive_are_actual(nlp, text, word, unit, evidence):
    c = kind_of(nlp, text, word, unit, {"item": "person"} if unit == "count" else None)
    assert (c.kind, c.evidence) == ("actual", evidence)


@pytest.mark.parametrize("text,word,unit", [
    ("The city aims for the 7 percent growth it set as its target.", "percent", "percent"),
    ("By 2027, the area will be home to 2,000 high-tech enterprises.", "enterprises", "count"),
    ("Solid progress will be made, with a total investment of 13.6 billion yuan completed throughout the year.",
     "yuan", "CNY"),
])
def test_goals_that_look_like_them_stay_goals(nlp, text, word, unit):
    assert kind_of(nlp, text, word, unit, {"item": "enterprise"} if unit == "count" else None).kind == "target"
