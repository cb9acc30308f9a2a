"""Region recognition on general cases (SPEC §3)."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline import ner, segment


@pytest.fixture(scope="module")
def recognise(nlp):
    def run(text: str) -> pd.DataFrame:
        articles = pd.DataFrame({"article_id": ["a"], "status": ["ok"], "clean_text": [text]})
        _, tokens = segment.run(articles, nlp)
        return ner.run(articles, tokens)
    return run


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["region_id"]) - {"CN"}


def test_province_over_city_unless_city_is_said(recognise):
    assert ids(recognise("Investment in Jilin rose last year.")) == {"220000"}
    assert ids(recognise("Investment in Jilin City rose last year.")) == {"220200"}
    assert ids(recognise("The plant opened in Jilin city in May.")) == {"220200"}


def test_prefecture_over_its_seat(recognise):
    assert ids(recognise("Exports from Kashgar grew fast.")) == {"653100"}
    assert "653101" in ids(recognise("Exports from Kashgar city grew fast."))


def test_shared_county_name_resolved_by_article_province(recognise):
    out = recognise("Ningxia is investing. Xixia district of Yinchuan will build schools.")
    assert "640105" in ids(out) and "411323" not in ids(out)


def test_coordinated_provinces_and_deltas(recognise):
    out = recognise("Growth in Heilongjiang, Jilin and Liaoning provinces slowed, unlike the Yangtze River "
                    "and Pearl River deltas.")
    assert ids(out) == {"230000", "220000", "210000", "macro:yangtze-river-delta", "macro:pearl-river-delta"}


def test_organisations_name_no_region_but_organs_do(recognise):
    assert ids(recognise("Li Ming, president of Jilin University of Finance and Economics, spoke.")) == set()
    assert ids(recognise("He works for Zhejiang Digital Technology Group Co., Ltd. now.")) == set()
    assert ids(recognise("A member of the Hunan Provincial CPC Committee spoke.")) == {"430000"}


def test_landforms_name_no_region(recognise):
    assert ids(recognise("Barley grows on the Qinghai-Tibet Plateau and near the Wuling Mountain.")) == set()
    out = recognise("The triangle area of Shanxi-Shaanxi-Henan-Yellow River attracts factories.")
    assert ids(out) == {"140000", "610000", "410000"}


def test_dateline_is_a_city_mention(recognise):
    out = recognise("CHANGCHUN - The province approved a plan.")
    assert ids(out) == {"220100"}
    out = recognise("JILIN, June 3 (Xinhua) -- Output rose.")
    assert ids(out) == {"220200"}


def test_zones_count_through_their_host(recognise):
    out = recognise("The Kashgar Economic Development Zone drew investment.")
    zone = out[out["level"] == "zone"].iloc[0]
    assert zone["region_id"] == "zone:kashgar-economic-development-zone"
    assert zone["admin_id"] == "653100" and zone["province_id"] == "650000"
    assert not (out["level"] == "prefecture").any()  # the place inside the zone name is no mention of its own


def test_macro_regions_and_geographic_labels(recognise):
    assert ids(recognise("Industries move from eastern China to the central and western regions.")) == {
        "macro:eastern-region", "macro:central-region", "macro:western-region"}
    assert ids(recognise("A port in Hefei, East China's Anhui province, opened.")) == {"340100", "340000"}
    out = recognise("The Guangdong-Hong Kong-Macao Greater Bay Area grew.")
    assert ids(out) == {"macro:greater-bay-area"}


def test_foreign_places_and_country(recognise):
    out = recognise("Trade between China and Laos, Kazakhstan and New Zealand grew.")
    assert ids(out) == set()
    assert (out["region_id"] == "CN").any()
    assert out.loc[out["region_id"] == "CN", "level"].eq("country").all()


def test_offsets_point_into_the_text_and_columns_follow_schema(recognise):
    text = "Haixi will build a free trade zone in Golmud, Qinghai."
    out = recognise(text)
    from pipeline.schema import REGIONS
    assert list(out.columns) == REGIONS.names
    for row in out.itertuples():
        assert text[row.start:row.end] == row.text
    golmud = out[out["text"] == "Golmud"].iloc[0]
    assert golmud["region_id"] == "632801" and golmud["admin_id"] == "632801" and golmud["province_id"] == "630000"


def test_bare_english_words_are_not_counties(recognise):
    assert ids(recognise("You are here: Home. Xinhua reported the news.")) == set()


def test_spans_on_docs_for_the_link_stage(recognise, nlp):
    articles = pd.DataFrame({"article_id": ["a"], "status": ["ok"], "clean_text": ["Output in Hunan rose."]})
    _, tokens = segment.run(articles, nlp)
    doc = ner.region_docs(articles, tokens)["a"]
    spans = doc.spans[ner.SPANS_KEY]
    assert [(s.text, s.kb_id_, s.label_) for s in spans] == [("Hunan", "430000", "province")]
    assert spans[0]._.region.province_id == "430000"


def test_shared_prefecture_names_without_province_go_to_the_more_prominent(recognise):
    assert ids(recognise("Suzhou and Fuzhou reported strong exports.")) == {"320500", "350100"}
    assert ids(recognise("Suzhou, in the north of Anhui, reported strong exports.")) == {"341300", "340000"}


def test_province_written_next_to_a_shared_name_decides(recognise):
    out = recognise("Taizhou in Jiangsu province and Taizhou in Zhejiang province signed a pact.")
    assert ids(out) == {"321200", "320000", "331000", "330000"}
    out = recognise("Zhejiang's Taizhou and Jiangsu's Suzhou are rich.")
    assert {"331000", "320500"} <= ids(out)


def test_division_named_by_apposition_despite_person_reading(recognise):
    assert "231281" in ids(recognise("Anda, a county-level city in Heilongjiang, produces dairy."))


def test_company_names_and_sentence_ends(recognise):
    assert ids(recognise("Guangzhou Auto will build a plant.")) == set()
    assert ids(recognise("Sichuan Airlines opened a route from Chengdu. China Southern Airlines flies too.")) == {
        "510100"}


def test_the_northeast_and_compass_labels(recognise):
    assert ids(recognise("The revitalization of the Northeast is a priority.")) == {"macro:northeast"}
    assert ids(recognise("Northeast China's Liaoning province grew.")) == {"210000"}


def test_bare_county_inside_a_zone_name_hosts_it_only_in_the_articles_provinces(recognise):
    out = recognise("In Hainan, the Yangpu Economic Development Zone in Danzhou signed projects.")
    zone = out[out["level"] == "zone"].iloc[0]
    assert zone["admin_id"] == "460400"


def test_compass_region_of_the_country_is_the_macro_region(recognise):
    country = ids(recognise("China's central region covers six provinces, including Henan."))
    assert "macro:central-region" in country
    province = ids(recognise("Sichuan's western region is mountainous, said officials in Chengdu."))
    assert "macro:western-region" not in province and "510000" in province


def test_pinyin_words_are_told_from_english_ones():
    from pipeline.ner import is_pinyin_word, pinyin_syllables

    assert {"liang", "jiang", "mei", "gu", "zhuang"} <= pinyin_syllables()
    assert is_pinyin_word("Liangjiang", 2) and is_pinyin_word("Meigu", 2)
    assert not is_pinyin_word("Pei", 2) and not is_pinyin_word("Market", 2)


def test_compass_labels_of_places_named_before_are_not_macro_regions(recognise):
    assert ids(recognise("Henan Province, central China, is expected to grow 10 percent.")) == {"410000"}
    out = recognise("Jiangsu, Shandong and Zhejiang grew fast. Hubei was slower than the three eastern provinces.")
    assert "macro:eastern-region" not in ids(out)
    assert "macro:central-region" in ids(recognise("Investment in the central region rose 9 percent."))


def test_indices_and_institutions_named_after_a_city_are_not_regions(recognise):
    assert ids(recognise("The Shanghai Composite Index closed 1.2 percent higher on Monday.")) == set()
    assert ids(recognise("Researchers at the Shanghai Astronomical Observatory found a new star.")) == set()


def test_surname_is_not_a_county(recognise):
    assert ids(recognise("Zhang said investment in Chongqing would rise, Zhang added.")) == {"500000"}


def test_airport_is_a_zone_hosted_by_its_city(recognise):
    out = recognise("Flights at Changchun Longjia International Airport reached 27,200 in the first quarter.")
    zone = out[out["level"] == "zone"]
    assert list(zone["admin_id"]) == ["220100"]


def test_zone_hosts_from_the_zone_table_over_the_name_inside(recognise):
    out = recognise("Chongqing grew fast. The Jiangbei New Area attracted 10 new projects in May.")
    zone = out[out["level"] == "zone"]
    assert list(zone["admin_id"]) == ["320100"] and list(zone["region_id"]) == ["zone:jiangbei-new-area"]
    out = recognise("Firms in the China (Shanghai) Pilot Free Trade Zone and the Shanghai FTZ grew.")
    zone = out[out["level"] == "zone"]
    assert set(zone["region_id"]) == {"zone:china-shanghai-pilot-free-trade-zone"} and set(zone["admin_id"]) == {"310000"}


def test_zone_without_a_place_name_found_through_the_table(recognise):
    out = recognise("Output of the East Lake High-tech Development Zone rose 12 percent.")
    assert list(out[out["level"] == "zone"]["admin_id"]) == ["420100"]


@pytest.mark.parametrize("text, name, expected", [
    ("TAIZHOU, May 5 -- The city grew 8 percent, faster than Ningbo and Wenzhou.", "TAIZHOU", "331000"),
    ("TAIZHOU, May 5 -- The city grew 8 percent, faster than Yangzhou and Nantong.", "TAIZHOU", "321200"),
    ("The Gulou District of Fuzhou built 10 schools.", "Gulou District", "350102"),
    ("Fuzhou's Gulou District built 10 schools.", "Gulou District", "350102"),
    ("Nanjing grew. Gulou District built 10 schools.", "Gulou District", "320106"),
    ("Taizhou city in east China's Zhejiang province grew 8 percent.", "Taizhou city", "331000"),
    ("Fuzhou in Jiangxi province grew 5 percent.", "Fuzhou", "361000"),
    ("Hefei and Bengbu grew. Suzhou grew too.", "Suzhou", "341300"),
    ("Suzhou grew 6 percent.", "Suzhou", "320500"),
])
def test_shared_names_resolved_by_the_article_context(recognise, text, name, expected):
    out = recognise(text)
    assert list(out[out["text"] == name]["region_id"]) == [expected]


def test_zone_host_told_in_the_next_sentence(recognise):
    out = recognise("Ningxia grew fast. Yinchuan built roads, and Yinchuan opened schools. The Xinmin Industrial "
                    "Park drew 20 firms. It is located in the eastern part of Shizuishan city.")
    assert list(out[out["level"] == "zone"]["admin_id"]) == ["640200"]


def _hunan_doc(nlp, text="Output in Hunan and Suzhou rose."):
    articles = pd.DataFrame({"article_id": ["a"], "status": ["ok"], "clean_text": [text]})
    _, tokens = segment.run(articles, nlp)
    return ner.region_docs(articles, tokens)["a"]


def test_component_declares_what_it_requires_and_assigns():
    meta = ner.recognizer_pipeline().get_pipe_meta("region_recognizer")
    assert meta.requires == ["token.is_sent_start"]  # no doc.ents: the model loads without ner (issue 16)
    assert set(meta.assigns) == {"doc.spans", "span._.region"}
    assert meta.default_score_weights["regions_f"] == 1.0


def test_component_must_be_initialized_before_use(nlp):
    from pipeline.nlp import blank

    component = ner.RegionRecognizer(blank())
    with pytest.raises(RuntimeError, match="not initialized"):
        component(blank()("Hunan"))


def test_rules_path_from_the_config_is_the_gazetteer_read(tmp_path):
    import spacy

    from tests.conftest import edited_gazetteer_rules

    rules = edited_gazetteer_rules(tmp_path, "non_regions.yaml", "country_words: [China, PRC, Chinese]",
                                   "country_words: [PRC]")
    nlp = spacy.blank("en")
    nlp.add_pipe("region_recognizer", config={"rules_path": str(rules)})
    nlp.initialize()
    doc = nlp("China and the PRC")
    assert [(s.text, s.kb_id_) for s in doc.spans[ner.SPANS_KEY]] == [("PRC", "CN")]


def test_to_disk_and_from_disk_restore_the_built_matcher(tmp_path, nlp):
    component = ner.recognizer_pipeline().get_pipe("region_recognizer")
    component.to_disk(tmp_path / "recognizer")
    restored = ner.RegionRecognizer(ner.recognizer_pipeline()).from_disk(tmp_path / "recognizer")
    assert len(restored.patterns) == len(component.patterns)
    doc = _hunan_doc(nlp)
    before = [(s.start, s.end, s.kb_id_) for s in doc.spans[ner.SPANS_KEY]]
    restored(doc)
    assert [(s.start, s.end, s.kb_id_) for s in doc.spans[ner.SPANS_KEY]] == before
    assert ("430000" in {k for _, _, k in before}) and ("320500" in {k for _, _, k in before})


def test_scorer_in_the_config_scores_examples(nlp):
    from spacy.tokens import Span, SpanGroup
    from spacy.training import Example

    predicted = _hunan_doc(nlp)
    reference = predicted.copy()
    hunan = [s for s in predicted.spans[ner.SPANS_KEY] if s.kb_id_ == "430000"][0]
    reference.spans[ner.SPANS_KEY] = SpanGroup(reference, name=ner.SPANS_KEY, spans=[
        Span(reference, hunan.start, hunan.end, label="province", kb_id="430000"),
        Span(reference, 0, 1, label="province", kb_id="440000")])
    component = ner.recognizer_pipeline().get_pipe("region_recognizer")
    scores = component.score([Example(predicted, reference)])
    assert scores == {"regions_p": 0.5, "regions_r": 0.5, "regions_f": 0.5}  # Hunan right, Suzhou extra, Guangdong missed


def test_each_span_carries_its_mention(nlp):
    doc = _hunan_doc(nlp)
    group = doc.spans[ner.SPANS_KEY]
    assert [s._.region.region_id for s in group] == [s.kb_id_ for s in group]
    assert group[0]._.region.name == "Hunan"


def test_a_saved_pipeline_loads_with_its_recognizer(tmp_path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("region_recognizer")
    nlp.initialize()
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded("Output in Hunan and Suzhou rose.")
    assert [(s.text, s.kb_id_) for s in doc.spans[ner.SPANS_KEY]] == [("Hunan", "430000"), ("Suzhou", "320500")]


def test_names_written_without_their_apostrophe(recognise):
    out = recognise("Maanshan in Anhui and Taian in Shandong grew, as did Yanan and Huaian.")
    assert ids(out) == {"340500", "340000", "370900", "370000", "610600", "320800"}


def test_unapostrophed_name_beside_a_surname_is_a_given_name(recognise):
    assert ids(recognise("Li Jian and Wang Luan met officials in Nanchang.")) == {"360100"}
    assert ids(recognise("Jian, a city in Jiangxi, built a port.")) == {"360800", "360000"}


def test_unapostrophed_form_of_a_county_is_not_added_where_another_division_has_it(recognise):
    # Jin'an District (Lu'an) without its apostrophe is Jinan, Shandong's capital
    assert ids(recognise("Officials in Lu'an and Jinan met.")) == {"341500", "370100"}


def test_postal_romanisations_of_old_english_text(recognise):
    out = recognise("Ships sailed from Canton and Amoy to Tientsin, and traders went on to Nanking and Chungking.")
    assert ids(out) == {"440100", "350200", "120000", "320100", "500000"}
    assert ids(recognise("Visitors toured the Tsingtao Brewery.")) == set()


def test_park_zones_the_table_lacks_take_their_host_from_the_text(recognise):
    out = recognise("The Caohejing Hi-Tech Park, located in Xuhui District of Shanghai, added 40 firms.")
    zone = out[out["level"] == "zone"].iloc[0]
    assert (zone["text"], zone["admin_id"]) == ("Caohejing Hi-Tech Park", "310104")
    out = recognise("The Yinxi Ecological Textile Industrial Park signed 12 projects. It is located in the "
                    "western part of Yinchuan city, the capital of Ningxia.")
    assert out[out["level"] == "zone"]["admin_id"].tolist() == ["640100"]


def test_a_zone_inside_a_longer_zone_name_is_part_of_it(recognise):
    out = recognise("Guiyang's Shuanglong Airport Economic Zone attracted data centres.")
    zones = out[out["level"] == "zone"]
    assert zones["text"].tolist() == ["Shuanglong Airport Economic Zone"] and zones["admin_id"].tolist() == ["520100"]
