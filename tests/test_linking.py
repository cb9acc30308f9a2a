"""The linking mechanism (pipeline/linking): decider rules checked at load, and the evidence every
figure of seeds + dev gets pinned by a characterisation fixture (tests/linking/characterisation.jsonl).

A change of linking policy rewrites the fixture in the same commit
(`python tests/linking/characterise.py OUT_DIR` over a run of seeds + dev), so its diff shows what moved.
"""
from __future__ import annotations

import json

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
])
def test_unknown_names_in_decider_rules_are_errors(change, message):
    data = {"order": ["dependency"], "exclusions": {}, "tie_break": ["nearest"], "fan_out": []} | change
    with pytest.raises(config.LinkRulesError, match=message):
        config.validate_decider(data, set(FINDERS), set(SITUATIONS))


def test_confidence_table_is_checked_and_looked_up_by_finder_and_via():
    table = config.confidence_table()
    assert set(table["finders"]) <= set(FINDERS) | {"conversion"}
    entry = next(iter(table["finders"].values()))
    finder = next(iter(table["finders"]))
    assert config.confidence(finder, "no_such_via") == entry["all"]
    assert config.confidence("a_finder_without_rows", "mention") == table["default"]
    assert config.confidence(None, None) is None
    with pytest.raises(config.LinkRulesError, match="guess"):
        config.validate_confidence({"default": 0.5, "finders": {"guess": {"all": 0.5}}}, set(FINDERS))
    with pytest.raises(config.LinkRulesError, match="0 to 1"):
        config.validate_confidence({"default": 1.5, "finders": {}}, set(FINDERS))


def test_calibration_smooths_per_finder_and_via_and_backs_off_when_rows_are_few():
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("calibrate", ROOT / "scripts" / "calibrate_link_confidence.py")
    calibrate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibrate)
    rows = [(0, "dependency", "mention", True)] * 18 + [(1, "dependency", "mention", False)] * 2 \
        + [(2, "dependency", "pronoun", True)] * 3 + [(0, "article_focus", "mention", False)]
    table = calibrate.calibrate(rows)
    assert table["finders"]["dependency"]["via"] == {"mention": round(19 / 22, 3)}
    assert calibrate.lookup(table, "dependency", "pronoun") == round(22 / 25, 3)   # too few rows: the finder's
    assert calibrate.lookup(table, "article_focus", "mention") == round(1 / 3, 3)
    assert calibrate.lookup(table, "respectively", "mention") == table["default"] == round(22 / 26, 3)
    config.validate_confidence(table, set(FINDERS))


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
