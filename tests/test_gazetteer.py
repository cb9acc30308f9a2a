"""The generated gazetteer: coverage, exonyms, identifiers."""
from __future__ import annotations

import csv
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import gazetteer
from pipeline.rules import RulesError, from_data, load_yaml
from pipeline.schema import VOCABULARIES

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "rules" / "gazetteer" / "divisions.csv"


@pytest.fixture(scope="module")
def gaz():
    return gazetteer.load()


@pytest.fixture(scope="module")
def rows():
    with CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def test_every_province_and_prefecture_has_an_english_name(rows):
    upper = [r for r in rows if r["level"] in ("province", "prefecture")]
    assert len([r for r in upper if r["level"] == "province"]) == 34
    assert len(upper) > 330
    bad = [r["code"] for r in upper if not re.fullmatch(r"[A-Z][A-Za-z' -]+", r["name_en"])]
    assert bad == []


def test_codes_unique_six_digits_and_parents_exist(rows):
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    known = set(codes)
    assert all(r["parent_code"] in known for r in rows if r["parent_code"])
    assert all(r["province_code"] in known for r in rows)


def test_no_pseudo_entries(rows):
    assert not [r for r in rows if r["name_zh"] in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}]


@pytest.mark.parametrize("surface,code", [
    ("Shaanxi", "610000"), ("Shanxi", "140000"), ("Inner Mongolia", "150000"), ("Tibet", "540000"),
    ("Xizang", "540000"), ("Urumqi", "650100"), ("Hohhot", "150100"), ("Harbin", "230100"),
    ("Alataw Pass", "652702"), ("Horgos", "654004"), ("Ili Kazakh Autonomous Prefecture", "654000"),
    ("Hong Kong", "810000"), ("Macau", "820000"), ("Macao", "820000"), ("Taiwan", "710000"),
    ("Xi'an", "610100"), ("Xi’an", "610100"), ("Lhasa", "540100"), ("Hulunbuir", "150700"),
    ("Xishuangbanna", "532800"), ("Yanbian", "222400"), ("Golmud", "632801"), ("Qiqihar", "230200"),
    ("Guangxi Zhuang Autonomous Region", "450000"), ("Bama Yao autonomous county", "451227"),
])
def test_known_names_resolve(gaz, surface, code):
    assert code in [d.code for d in gaz.candidates(surface)]


def test_canonical_names_follow_the_spec(gaz):
    assert gaz.division("632800").name == "Haixi Mongol and Tibetan Autonomous Prefecture"
    assert gaz.division("632801").name == "Golmud"
    assert gaz.division("630000").name == "Qinghai"
    assert gaz.division("653100").name == "Kashgar Prefecture"


def test_shared_names_list_every_division(gaz):
    assert {d.code for d in gaz.candidates("Jilin")} >= {"220000", "220200"}
    assert {d.code for d in gaz.candidates("Kashgar")} >= {"653100"}
    assert {d.code for d in gaz.candidates("Jilin City")} == {"220200"}
    assert "653101" in {d.code for d in gaz.candidates("Kashgar city")}


def test_polyphone_readings_of_place_names(gaz):
    assert gaz.division("500000").name == "Chongqing"
    assert gaz.division("220100").name == "Changchun"
    assert gaz.division("211300").name == "Chaoyang"
    assert gaz.division("411100").name == "Luohe"


def test_macro_ids_are_the_spec_vocabulary(gaz):
    assert set(gaz.macros) == set(VOCABULARIES["macro_region_ids"])
    assert set(gaz.members("macro:northeast")) == {"210000", "220000", "230000"}


def test_helpers(gaz):
    assert gazetteer.prefecture_id("632801") == "632800"
    assert gazetteer.prefecture_id("110105") == "110000"
    assert gaz.province_id("632801") == "630000"
    assert gaz.admin_id("zone:x", host="650100") == "650100"
    assert gaz.admin_id("macro:northeast") is None
    assert gaz.level("CN") == "country"


def test_population_ranks_same_named_prefectures(gaz):
    def pop(code):
        return gaz.division(code).population
    assert pop("320500") > pop("341300")  # Suzhou: Jiangsu over Anhui
    assert pop("350100") > pop("361000")  # Fuzhou: Fujian over Jiangxi
    assert all(d.population >= 0 for d in gaz.divisions.values())


def test_current_codes_with_old_codes_and_names_as_aliases(gaz):
    nagqu = gaz.division("540600")
    assert nagqu is not None and nagqu.current and "542400" in nagqu.former_codes
    assert gaz.division("542400") is nagqu                 # an older article's code still resolves
    assert gaz.current_code("542400") == "540600" and gaz.admin_id("542400") == "540600"
    assert {d.code for d in gaz.candidates("Nagqu Prefecture")} == {"540600"}
    assert {d.code for d in gaz.candidates("Laiwu")} == {"370116"}      # 莱芜市 is a district of Jinan now
    assert {d.code for d in gaz.candidates("Qiaodong District")} >= {"130502"}  # renamed 襄都区 in place


def test_abolished_divisions_only_where_no_current_one_has_the_name(gaz):
    handan = gaz.division("130421")                        # 邯郸县, merged away without a successor
    assert handan is not None and not handan.current
    assert {d.code for d in gaz.candidates("Handan")} == {"130400"}
    assert {d.code for d in gaz.candidates("Handan County")} == {"130421"}
    assert all(d.current for c in ("Beijing", "Shanghai") for d in gaz.candidates(c))


def test_zone_table_names_zones_with_their_hosts(gaz):
    ftz = gaz.zone_entry("China (Shanghai) Pilot Free Trade Zone")
    assert ftz is not None and ftz.host == "310000" and ftz.kind == "free_trade_zone"
    assert gaz.zone_entry("the Shanghai FTZ") == ftz == gaz.zone_entry("Shanghai Free Trade Zone")
    assert gaz.zone_entry("Nanjing Jiangbei New District").host == "320100"
    assert gaz.zone_entry("Kashgar Economic Development Zone") is None      # not in the table: host from text
    new_areas = {e.name for e in gaz.zone_table.values() if e.kind == "new_area"}
    assert len(new_areas) == 19                                            # every national-level new area
    assert all(gaz.division(e.host) is not None for e in gaz.zone_table.values())


def test_zone_table_is_validated():
    base = {"kinds": ["new_area"], "zones": [{"name": "X New Area", "kind": "new_area", "host": "110000"}]}
    divisions = {"110000": object()}

    def table(data):
        return gazetteer._zone_table(from_data(gazetteer.ZoneTableRules, data, "zone_table.yaml"), divisions)

    assert table(base)[1]
    for broken in ({**base, "extra": 1},
                   {**base, "zones": [{"name": "X New Area", "kind": "port", "host": "110000"}]},
                   {**base, "zones": [{"name": "X New Area", "kind": "new_area", "host": "999999"}]},
                   {**base, "zones": [{"name": "X New Area", "kind": "new_area", "host": "110000", "hots": 1}]},
                   {**base, "zones": [{"name": "X New Area", "kind": "new_area", "host": 110000}]}):
        with pytest.raises(RulesError):
            table(broken)


@pytest.mark.parametrize("name, shape", [("exonyms.yaml", gazetteer.ExonymRules),
                                         ("macro_regions.yaml", gazetteer.MacroRegionRules),
                                         ("zones.yaml", gazetteer.ZoneRules),
                                         ("zone_table.yaml", gazetteer.ZoneTableRules),
                                         ("non_regions.yaml", gazetteer.NonRegionRules),
                                         ("recogniser.yaml", gazetteer.RecogniserWords)])
def test_gazetteer_rules_reject_unknown_keys(name, shape):
    data = load_yaml(f"gazetteer/{name}")
    assert from_data(shape, data, name)
    with pytest.raises(RulesError, match="unknown keys"):
        from_data(shape, {**data, "landform_head": []}, name)


def test_macro_region_ids_are_the_schemas():
    data = load_yaml("gazetteer/macro_regions.yaml")
    regions = {**data["regions"], "macro:north-pole": {"members": ["110000"]}}
    with pytest.raises(RulesError, match="macro:north-pole"):
        from_data(gazetteer.MacroRegionRules, {**data, "regions": regions}, "macro_regions.yaml")


def test_recogniser_words_are_validated():
    data = load_yaml("gazetteer/recogniser.yaml")
    words = from_data(gazetteer.RecogniserWords, data, "recogniser.yaml")
    assert "City" in words.city_words and words.plural_levels["provinces"] == "province"
    with pytest.raises(RulesError, match="unknown levels"):
        from_data(gazetteer.RecogniserWords, {**data, "plural_levels": {"townships": "township"}}, "recogniser.yaml")
    with pytest.raises(RulesError, match="missing keys"):
        from_data(gazetteer.RecogniserWords, {k: v for k, v in data.items() if k != "city_words"}, "recogniser.yaml")
    with pytest.raises(RulesError, match="expected a list"):
        from_data(gazetteer.RecogniserWords, {**data, "city_words": "city"}, "recogniser.yaml")


def test_level_ranks_are_the_schemas_levels():
    assert set(gazetteer.LEVEL_RANK) == set(VOCABULARIES["regions.level"])


def test_built_gazetteer_is_kept_per_version_of_the_rules(tmp_path, monkeypatch):
    """The built gazetteer is read back from the artifact cache, and a change of the rules builds anew."""
    import shutil

    from pipeline import artifacts
    from pipeline import gazetteer as G

    monkeypatch.setenv(artifacts.ARTIFACT_CACHE_ENV, str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    shutil.copytree(G.RULES, rules)
    built = G._build(rules)
    first = G._load.__wrapped__(rules)
    artifacts = sorted((tmp_path / "cache").iterdir())
    assert len(artifacts) == 1 and first.divisions == built.divisions
    real_build = G._build
    monkeypatch.setattr(G, "_build", lambda r: pytest.fail("built again with unchanged rules"))
    assert G._load.__wrapped__(rules).surfaces == built.surfaces  # read back, not rebuilt
    monkeypatch.setattr(G, "_build", real_build)
    with (rules / "non_regions.yaml").open("a", encoding="utf-8") as fh:
        fh.write("\n# a comment changes the hash\n")
    G._load.__wrapped__(rules)
    assert len(list((tmp_path / "cache").iterdir())) == 2


def test_recogniser_city_kinds_are_kinds_of_the_divisions(tmp_path):
    from tests.conftest import edited_gazetteer_rules

    rules = edited_gazetteer_rules(tmp_path, "recogniser.yaml", "city_kinds: [city, municipality, sar]",
                                   "city_kinds: [city, metropolis]")
    with pytest.raises(RulesError, match="metropolis"):
        gazetteer._build(rules)
