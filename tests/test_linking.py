"""The linking mechanism (pipeline/linking): decider rules checked at load, and the evidence every
figure of seeds + dev gets pinned by a characterisation fixture (tests/linking/characterisation.jsonl).

A change of linking policy rewrites the fixture in the same commit
(`python tests/linking/characterise.py OUT_DIR` over a run of seeds + dev), so its diff shows what moved.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.linking import config
from pipeline.linking.context import SITUATIONS
from pipeline.linking.finders import FINDERS
from tests.linking import characterise


def test_every_figure_keeps_its_pinned_link(corpus_outputs):
    pinned = {tuple(r[k] for k in characterise.KEY): r for r in map(json.loads, characterise.FIXTURE.open())}
    now = {tuple(r[k] for k in characterise.KEY): r for r in characterise.rows(corpus_outputs)}
    assert set(now) == set(pinned)
    moved = [(k, pinned[k], now[k]) for k in pinned if pinned[k] != now[k]]
    assert not moved, f"{len(moved)} figures changed their link; first: {moved[:3]}"


def test_decider_rules_name_known_finders():
    r = config.decider_rules()
    assert r["order"] and set(r["order"]) <= set(FINDERS)
    assert set(r["exclusions"]) <= set(SITUATIONS)


@pytest.mark.parametrize("change, message", [
    ({"order": ["respectively", "nearest_city"]}, "nearest_city"),
    ({"exclusions": {"full_moon": ["article_focus"]}}, "full_moon"),
    ({"exclusions": {"foreign_subject": ["guess"]}}, "guess"),
    ({"tie_break": ["alphabetical"]}, "alphabetical"),
    ({"colour": "blue"}, "colour"),
    ({"order": ["dependency", "dependency"]}, "twice"),
    ({"kind_order": ["cue", "hunch", "reported"]}, "hunch"),
    ({"kind_order": ["cue", "reported"]}, "each of"),
    ({"period_order": ["sentence", "sentence", "lead_in", "plan_frame"]}, "each of"),
    ({"period_order": ["sentence", "calendar"]}, "calendar"),
])
def test_unknown_names_in_decider_rules_are_errors(change, message):
    from pipeline import kinds
    from pipeline.linking.kinds import PERIOD_FINDERS

    data = {"order": ["dependency"], "exclusions": {}, "tie_break": ["nearest"], "fan_out": [],
            "kind_order": list(kinds.SOURCES), "period_order": list(PERIOD_FINDERS)} | change
    with pytest.raises(config.LinkRulesError, match=message):
        config.validate_decider(data, set(FINDERS), set(SITUATIONS), set(kinds.SOURCES), set(PERIOD_FINDERS))


def test_kind_and_period_go_through_the_one_decider_in_the_declared_order():
    from pipeline import kinds
    from pipeline.linking import decider
    from pipeline.linking.kinds import PERIOD_FINDERS

    r = config.decider_rules()
    assert sorted(r["kind_order"]) == sorted(kinds.SOURCES) and sorted(r["period_order"]) == sorted(PERIOD_FINDERS)
    cands = [kinds.Candidate("actual", "reported", "reported"), kinds.Candidate("target", "cue", "plan:aim"),
             kinds.Candidate("actual", "signed", "signed:sign")]
    first = next(s for s in r["kind_order"] if s in {c.source for c in cands})
    assert decider.decide_kind(cands).source == first
    # the one rule: the first name whose proposal exists and is not ruled out; later ones only in explain mode
    asked = []
    propose = lambda name: asked.append(name) or {"a": None, "b": "B", "c": "C"}[name]
    assert decider.first_in_order(["a", "b", "c"], propose)[:2] == ("b", "B") and asked == ["a", "b"]
    name, chosen, seen = decider.first_in_order(["a", "b", "c"], propose, {"b": "foreign_subject"}, every=True)
    assert (name, chosen) == ("c", "C")
    assert [(n, why) for _, n, _, why in seen] == [("b", "excluded:foreign_subject"), ("c", None)]
    proposals = {"sentence": None, "lead_in": "L", "plan_frame": "F"}
    assert decider.decide_period(proposals.get) == proposals[next(n for n in r["period_order"] if n != "sentence")]


def test_confidence_table_is_checked_and_looked_up_by_finder_and_via():
    table = config.confidence_table()
    assert set(table["finders"]) <= set(FINDERS) | {"conversion"}
    entry = next(iter(table["finders"].values()))
    finder = next(iter(table["finders"]))
    factor = table.get("untuned_factor", 1.0)
    assert config.confidence(finder, "no_such_via") == round(entry["all"] * factor, 3)
    assert config.confidence("a_finder_without_rows", "mention") == round(table["default"] * factor, 3)
    assert config.confidence(None, None) is None
    with pytest.raises(config.LinkRulesError, match="guess"):
        config.validate_confidence({"default": 0.5, "finders": {"guess": {"all": 0.5}}}, set(FINDERS))
    with pytest.raises(config.LinkRulesError, match="0 to 1"):
        config.validate_confidence({"default": 1.5, "finders": {}}, set(FINDERS))


def _calibration_script():
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "scripts" / "calibrate_link_confidence.py")
    calibrate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibrate)
    return calibrate


def test_calibration_shrinks_cells_toward_their_finder_and_finders_toward_all_rows():
    calibrate = _calibration_script()
    rows = [(0, "dependency", "mention", True)] * 18 + [(1, "dependency", "mention", False)] * 2 \
        + [(2, "dependency", "pronoun", True)] * 3 + [(0, "article_focus", "mention", False)]
    table = calibrate.calibrate(rows, strength=10)
    p0 = (21 + 1) / (24 + 2)
    pf = (21 + 10 * p0) / (23 + 10)
    assert table["default"] == round(p0, 3)
    assert table["finders"]["dependency"]["all"] == round(pf, 3)
    assert table["finders"]["dependency"]["via"]["mention"] == round((18 + 10 * pf) / (20 + 10), 3)
    # three rows, all right, stay near their finder instead of claiming 1.0
    assert round(pf, 3) <= calibrate.lookup(table, "dependency", "pronoun") < 0.95
    # one wrong row does not make a finder hopeless: it moves the estimate part of the way from the prior
    focus = (0 + 10 * p0) / (1 + 10)
    assert calibrate.lookup(table, "article_focus", "mention") == round((0 + 10 * focus) / (1 + 10), 3) > 0.6
    assert calibrate.lookup(table, "respectively", "mention") == table["default"]
    config.validate_confidence(table, set(FINDERS))


def test_calibration_scores_each_fold_with_a_table_fitted_without_it():
    calibrate = _calibration_script()
    # fold 3's finder is wrong where the others are right: held out, it is judged by the other folds alone
    rows = [(k, "same_phrase", "mention", k != 3) for k in range(4) for _ in range(10)]
    scored = calibrate.held_out(rows, strength=5)
    fold3 = [c for c, _, k in scored if k == 3]
    assert len(scored) == 40 and min(fold3) > 0.85
    assert calibrate.best_strength(rows) in calibrate.STRENGTHS


def test_link_confidence_applies_the_untuned_factor():
    table = config.confidence_table()
    factor = table.get("untuned_factor", 1.0)
    assert 0 < factor <= 1
    entry = table["finders"]["dependency"]
    assert config.confidence("dependency", "no_such_via") == round(entry["all"] * factor, 3)


def test_linking_and_anaphora_rules_are_typed_and_validated():
    from pipeline.linking import config
    from pipeline.rules import RulesError, from_data, load_yaml

    r = config.rules()
    assert r.previous_sentence_window >= 1 and r.anaphora.nouns["prefecture"].levels == ["prefecture"]
    linking = load_yaml("link/linking.yaml")
    with pytest.raises(RulesError, match=r"linking\.yaml: unknown keys \['base_noun'\]"):
        from_data(config.LinkingFile, {**linking, "base_noun": []}, "linking.yaml")
    anaphora = load_yaml("link/anaphora.yaml")
    nouns = {**anaphora["nouns"], "township": {"levels": ["township"]}}
    with pytest.raises(RulesError, match=r"\['township'\] not in the schema's regions.level"):
        from_data(config.AnaphoraFile, {**anaphora, "nouns": nouns}, "anaphora.yaml")


# --- figures for several regions listed in order, without `respectively` (finders.in_order) ---

from tests.test_link import article, by_text  # noqa: E402  (the link stage over a hand-made article)


def _regions(*names_ids):
    return [(name, rid, "province", rid) for name, rid in names_ids]


NORTH = _regions(("Hebei", "130000"), ("Shanxi", "140000"), ("Inner Mongolia", "150000"))


def test_figures_repeating_their_preposition_pair_in_order_with_the_regions_before_them(nlp):
    text = ("Investment in Hebei, Shanxi and Inner Mongolia rose to 5.1 billion yuan, to 3.2 billion yuan "
            "and to 2.7 billion yuan in 2023.")
    q, _ = article(nlp, text, regions=NORTH, figures=[("5.1 billion yuan", 5.1e9, "CNY"), ("3.2 billion yuan", 3.2e9, "CNY"),
                                                      ("2.7 billion yuan", 2.7e9, "CNY")])
    rows = by_text(q)
    assert len(q) == 3
    assert [rows[k]["region_id"] for k in ("5.1 billion yuan", "3.2 billion yuan", "2.7 billion yuan")] == \
        ["130000", "140000", "150000"]
    assert {r["evidence"] for r in rows.values()} == {"in_order"}


def test_a_listed_run_of_figures_pairs_in_order_when_the_counts_match(nlp):
    text = "Exports of Jiangsu, Zhejiang and Fujian grew 4.5 percent, 3.1 percent and 2.2 percent last year."
    q, _ = article(nlp, text, regions=_regions(("Jiangsu", "320000"), ("Zhejiang", "330000"), ("Fujian", "350000")),
                   figures=[("4.5 percent", 4.5, "percent"), ("3.1 percent", 3.1, "percent"),
                            ("2.2 percent", 2.2, "percent")], lists=[(0, 1, 2)])
    rows = by_text(q)
    assert [rows[k]["region_id"] for k in ("4.5 percent", "3.1 percent", "2.2 percent")] == ["320000", "330000", "350000"]


def test_figures_are_not_paired_in_order_when_the_counts_differ(nlp):
    """Three regions, two figures: nothing says which region each is; no `in_order` pairing."""
    text = "Exports of Jiangsu, Zhejiang and Fujian grew 4.5 percent and 3.1 percent in 2022 and 2023."
    q, _ = article(nlp, text, regions=_regions(("Jiangsu", "320000"), ("Zhejiang", "330000"), ("Fujian", "350000")),
                   figures=[("4.5 percent", 4.5, "percent"), ("3.1 percent", 3.1, "percent")], lists=[(0, 1)])
    assert "in_order" not in set(q["evidence"].dropna())


def test_figures_not_listed_as_parallel_are_not_paired_in_order(nlp):
    """Two figures of different things (quantities lists none) each hold for both regions."""
    text = "Hunan and Hubei saw GDP grow 5 percent and retail sales grow 6 percent in 2023."
    q, _ = article(nlp, text, regions=_regions(("Hunan", "430000"), ("Hubei", "420000")),
                   figures=[("5 percent", 5.0, "percent"), ("6 percent", 6.0, "percent")])
    assert "in_order" not in set(q["evidence"].dropna())


# --- regions and figures alternating in one list (finders.alternating_list) ---

@pytest.mark.parametrize("text, figures, ids", [
    ("Hunan received 12 billion yuan, Hubei 9 billion yuan and Jiangxi 7 billion yuan.",
     ["12 billion yuan", "9 billion yuan", "7 billion yuan"], ["430000", "420000", "360000"]),
    ("Hebei's investment reached 5.1 billion yuan, Shanxi's 3.2 billion yuan and Inner Mongolia's 2.7 billion yuan.",
     ["5.1 billion yuan", "3.2 billion yuan", "2.7 billion yuan"], ["130000", "140000", "150000"]),
    ("Growth was led by Jiangsu at 6.1 percent, followed by Zhejiang at 5.8 percent and Fujian at 4.5 percent.",
     ["6.1 percent", "5.8 percent", "4.5 percent"], ["320000", "330000", "350000"]),
])
def test_each_figure_of_an_alternating_list_belongs_to_the_region_before_it(nlp, text, figures, ids):
    names = {"430000": "Hunan", "420000": "Hubei", "360000": "Jiangxi", "130000": "Hebei", "140000": "Shanxi",
             "150000": "Inner Mongolia", "320000": "Jiangsu", "330000": "Zhejiang", "350000": "Fujian"}
    unit = "percent" if "percent" in figures[0] else "CNY"
    q, _ = article(nlp, text, regions=_regions(*((names[i], i) for i in ids)),
                   figures=[(f, float(f.split()[0]), unit) for f in figures])
    rows = by_text(q)
    assert len(q) == len(figures)
    assert [rows[f]["region_id"] for f in figures] == ids
    assert {r["evidence"] for r in rows.values()} == {"alternating_list"}


def test_figures_each_followed_by_their_region_are_no_alternating_list(nlp):
    """`8 percent in Guangxi, 6 percent in Yunnan`: the region after each figure is its own (following_region),
    not the next figure's."""
    text = "Exports rose 8 percent in Guangxi, 6 percent in Yunnan and 4 percent in Guizhou."
    q, _ = article(nlp, text, regions=_regions(("Guangxi", "450000"), ("Yunnan", "530000"), ("Guizhou", "520000")),
                   figures=[("8 percent", 8.0, "percent"), ("6 percent", 6.0, "percent"), ("4 percent", 4.0, "percent")])
    rows = by_text(q)
    assert [rows[f]["region_id"] for f in ("8 percent", "6 percent", "4 percent")] == ["450000", "530000", "520000"]
    assert {r["evidence"] for r in rows.values()} == {"following_region"}


# --- a figure for each of several regions, and a total over them (decider fan-out) ---

SOUTH = _regions(("Guangdong", "440000"), ("Jiangsu", "320000"), ("Shandong", "370000"))


def test_each_of_the_three_provinces_fans_out_one_row_per_province(nlp):
    text = ("Guangdong, Jiangsu and Shandong are the largest economies. "
            "Each of the three provinces will receive 2 billion yuan from the central budget this year.")
    q, _ = article(nlp, text, regions=SOUTH, figures=[("2 billion yuan", 2e9, "CNY")])
    assert sorted(q["region_id"]) == ["320000", "370000", "440000"]
    assert set(q["via"]) == {"anaphora"}


def test_their_figures_all_exceeding_fan_out_to_the_group(nlp):
    text = "Guangdong, Jiangsu and Shandong are the largest economies, and their GDPs all exceed 9 trillion yuan."
    q, _ = article(nlp, text, regions=SOUTH, figures=[("9 trillion yuan", 9e12, "CNY")])
    assert sorted(q["region_id"]) == ["320000", "370000", "440000"]
    assert set(q["via"]) == {"pronoun"}


def test_a_total_word_in_another_clause_does_not_make_a_figure_for_each_a_total(nlp):
    text = "The GDP of Jiangsu and Zhejiang each exceeded 10 trillion yuan, accounting for a fifth of the national total."
    q, _ = article(nlp, text, regions=_regions(("Jiangsu", "320000"), ("Zhejiang", "330000")),
                   figures=[("10 trillion yuan", 1e13, "CNY")])
    assert sorted(q["region_id"]) == ["320000", "330000"]


def test_a_total_of_a_written_list_goes_to_its_macro_region_whatever_the_parse(nlp):
    text = "Beijing, Tianjin and Hebei invested a combined 500 billion yuan in transport in 2023."
    q, _ = article(nlp, text, regions=_regions(("Beijing", "110000"), ("Tianjin", "120000"), ("Hebei", "130000")),
                   figures=[("500 billion yuan", 5e11, "CNY")])
    assert list(q["region_id"]) == ["macro:beijing-tianjin-hebei"]


def test_a_total_over_regions_that_make_no_macro_region_is_null(nlp):
    text = ("Guangdong, Jiangsu and Shandong are the largest economies. "
            "The three provinces together invested 9 billion yuan in new infrastructure last year.")
    q, _ = article(nlp, text, regions=SOUTH, figures=[("9 billion yuan", 9e9, "CNY")])
    assert len(q) == 1 and q["region_id"].isna().all()


def test_regions_listed_right_after_a_list_of_figures_pair_in_order(nlp):
    text = "Exports grew 5 percent and 6 percent in Guangxi and Hainan last year."
    q, _ = article(nlp, text, regions=_regions(("Guangxi", "450000"), ("Hainan", "460000")),
                   figures=[("5 percent", 5.0, "percent"), ("6 percent", 6.0, "percent")], lists=[(0, 1)])
    rows = by_text(q)
    assert len(q) == 2
    assert [rows[f]["region_id"] for f in ("5 percent", "6 percent")] == ["450000", "460000"]


@pytest.mark.parametrize("group", ["All three provinces", "The three provinces", "The three northeastern provinces"])
def test_a_counted_group_anaphor_fans_out_to_the_regions_before_it(nlp, group):
    text = f"Heilongjiang, Jilin and Liaoning are old industrial bases. {group} each grew more than 4 percent."
    q, _ = article(nlp, text, regions=_regions(("Heilongjiang", "230000"), ("Jilin", "220000"), ("Liaoning", "210000")),
                   figures=[("more than 4 percent", 4.0, "percent")])
    assert sorted(q["region_id"]) == ["210000", "220000", "230000"]
    assert set(q["via"]) == {"anaphora"}


def test_the_two_cities_each_is_the_group_of_the_last_two_cities(nlp):
    text = "Zhengzhou and Wuhan aim for 7 percent growth. The two cities each attracted 5 billion yuan of investment."
    q, _ = article(nlp, text, regions=[("Zhengzhou", "410100", "prefecture", "410100"),
                                       ("Wuhan", "420100", "prefecture", "420100")],
                   figures=[("7 percent", 7.0, "percent"), ("5 billion yuan", 5e9, "CNY")])
    money = q[q["text"] == "5 billion yuan"]
    assert sorted(money["region_id"]) == ["410100", "420100"]


def test_a_group_the_text_cannot_resolve_takes_no_single_earlier_region(nlp):
    """`The two cities` after one city named: the figure is the group's, not the earlier city's
    (previous_sentence and article_focus are excluded by `unresolved_group`)."""
    text = ("Zhengzhou is an inland hub. Zhengzhou grew 6 percent last year. "
            "The two cities each attracted 5 billion yuan of investment.")
    q, _ = article(nlp, text, regions=[("Zhengzhou", "410100", "prefecture", "410100"),
                                       ("Zhengzhou", "410100", "prefecture", "410100", 1)],
                   figures=[("6 percent", 6.0, "percent"), ("5 billion yuan", 5e9, "CNY")])
    rows = by_text(q)
    assert rows["6 percent"]["region_id"] == "410100"
    assert rows["5 billion yuan"]["region_id"] is None or pd.isna(rows["5 billion yuan"]["region_id"])


def test_a_list_of_figures_after_a_plural_anaphor_pairs_in_the_order_the_regions_were_named(nlp):
    text = ("Hebei, Shanxi and Inner Mongolia released their 2023 data on Monday. "
            "Industrial output of the three provinces grew 6.9 percent, 4.7 percent and 7.3 percent.")
    q, _ = article(nlp, text, regions=NORTH, figures=[("6.9 percent", 6.9, "percent"), ("4.7 percent", 4.7, "percent"),
                                                      ("7.3 percent", 7.3, "percent")], lists=[(0, 1, 2)])
    rows = by_text(q)
    assert len(q) == 3
    assert [rows[f]["region_id"] for f in ("6.9 percent", "4.7 percent", "7.3 percent")] == ["130000", "140000", "150000"]
    assert {r["via"] for r in rows.values()} == {"anaphora"}


def test_a_count_of_the_regions_a_group_refers_to_is_no_target(nlp):
    """`All three provinces aim for … 5.5 percent`: the 5.5 percent is a goal of each; `three` only
    says which regions (figures.py `counts_regions`), and makes no targets row."""
    text = ("Heilongjiang, Jilin and Liaoning are old industrial bases. "
            "All 3 provinces aim for economic growth of around 5.5 percent in 2024.")
    q, t = article(nlp, text, regions=_regions(("Heilongjiang", "230000"), ("Jilin", "220000"), ("Liaoning", "210000")),
                   figures=[("3 provinces", 3.0, "count"), ("around 5.5 percent", 5.5, "percent")])
    assert sorted(t["value"]) == [5.5, 5.5, 5.5]
    assert sorted(t["region_id"]) == ["210000", "220000", "230000"]


@pytest.mark.parametrize("text, ids", [
    ("Henan now stands beside Guangdong, Shandong, Jiangsu and Zhejiang provinces, w hose GDPs all exceed 1 trillion yuan.",
     ["320000", "330000", "370000", "440000"]),
    ("Investment flowed to Sichuan and Chongqing, and the two both attracted 1 trillion yuan.", ["500000", "510000"]),
])
def test_a_floating_quantifier_after_a_written_list_fans_the_figure_out_whatever_the_parse(nlp, text, ids):
    names = {"440000": "Guangdong", "370000": "Shandong", "320000": "Jiangsu", "330000": "Zhejiang",
             "510000": "Sichuan", "500000": "Chongqing"}
    regions = [("Henan", "410000", "province", "410000")] if "Henan" in text else []
    q, _ = article(nlp, text, regions=regions + _regions(*((names[i], i) for i in ids)),
                   figures=[("1 trillion yuan", 1e12, "CNY")])
    assert sorted(q["region_id"]) == ids
    assert set(q["evidence"]) == {"distributive"}


def test_a_quantifier_before_no_verb_distributes_nothing(nlp):
    """`all other provinces`: `all` before a noun says nothing about the regions listed before."""
    text = "Guangdong and Jiangsu led the country, and all other provinces grew more than 4 percent."
    q, _ = article(nlp, text, regions=_regions(("Guangdong", "440000"), ("Jiangsu", "320000")),
                   figures=[("more than 4 percent", 4.0, "percent")])
    assert "distributive" not in set(q["evidence"].dropna())
