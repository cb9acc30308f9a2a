"""Money-role decider (pipeline/roles.py): parse candidates before the clause's nearest role word."""
import pytest

from pipeline import quantities as Q
from pipeline import roles as R


def roles_of(nlp, text):
    doc = nlp(text)
    return [(text[f.start:f.end], f.role, f.extra.get("role_evidence").split(":")[0])
            for f in Q.figures_of_article(text, doc) if f.role]


@pytest.mark.parametrize("text,role,source", [
    ("Jinpu New Area signed 30 major projects with a total investment of 73.3 billion yuan.",
     "contract_value", "signed"),
    ("The gross regional product of the zone reached 82 billion yuan.", "gdp", "subject"),
    ("Chongqing has invested 2.8 billion yuan of government funds.", "investment", "verb"),
    ("Goods worth over 19.28 billion yuan were imported and exported.", "trade_value", "verb"),
    ("Residents in the capital Beijing were not far behind with CNY77,415 (USD11,483) each to spend at their "
     "discretion, according to data released on Thursday.", "income", "subject"),
    ("The region's revenue in the general public budget has exceeded 20 billion yuan.", "revenue", "subject"),
])
def test_role_and_evidence(nlp, text, role, source):
    assert roles_of(nlp, text)[0][1:] == (role, source)


def test_an_amount_without_role_words_takes_the_role_of_the_money_before(nlp):
    text = ("Macao's per capita GDP reached $76,000, ranking 3rd. "
            "Hong Kong and Taiwan ranked 23rd and 37th at $24,581 and $13,926 respectively.")
    found = roles_of(nlp, text)
    assert [r for _, r, _ in found] == ["gdp", "gdp", "gdp"]
    assert found[1][2] == "previous"


def test_a_generic_head_takes_the_role_its_complement_names(nlp):
    text = "Central government spending on transfer payments will amount to 16.8 billion yuan in 2013."
    assert roles_of(nlp, text)[0][1] == "fund"
    text = "Government spending on new roads will amount to 6 billion yuan."
    assert roles_of(nlp, text)[0][1] == "investment"


def test_a_headline_amount_without_role_words_takes_the_article_role(nlp):
    text = "Hunan Announces 64 Projects Valued 174 Bln CNY\nThe projects have a total investment of 174 billion CNY."
    found = roles_of(nlp, text)
    assert [r for _, r, _ in found] == ["investment", "investment"]


def test_money_in_place_is_investment(nlp):
    text = "Xinjiang implemented 3,826 projects, with 355.287 billion yuan investment fund being in place."
    assert roles_of(nlp, text)[0][1:] == ("investment", "in_place")


@pytest.mark.parametrize("text,role", [
    ("Its tourism income is expected to exceed 200 billion yuan.", "revenue"),
    ("Farmers' per capita income is projected to top 18,000 yuan.", "income"),
    ("Online retail sales reached 30 billion yuan.", "sales"),
])
def test_tourism_income_is_revenue_and_people_s_income_is_income(nlp, text, role):
    assert [r for _, r, _ in roles_of(nlp, text)] == [role]
