"""Every table has the contracted columns of SPEC §2 with their Arrow types and a description."""
import pyarrow as pa
import pytest

from pipeline import schema

CONTRACT = {
    "articles": {"article_id": pa.string(), "source_path": pa.string(), "sha256": pa.string(),
                 "status": pa.string(), "error": pa.string(), "title": pa.string(), "published": pa.date32(),
                 "publisher": pa.string(), "clean_text": pa.string()},
    "sentences": {"article_id": pa.string(), "sentence_id": pa.int32(), "start": pa.int32(), "end": pa.int32(),
                  "text": pa.string()},
    "regions": {"article_id": pa.string(), "sentence_id": pa.int32(), "start": pa.int32(), "end": pa.int32(),
                "text": pa.string(), "region_id": pa.string(), "name": pa.string(), "level": pa.string(),
                "admin_id": pa.string(), "province_id": pa.string()},
    "quantities": {"value": pa.float64(), "value_high": pa.float64(), "unit": pa.string(),
                   "qualifier": pa.string(), "region_id": pa.string(), "period_start": pa.date32(),
                   "period_end": pa.date32(), "kind": pa.string()},
    "monetary": {"amount": pa.float64(), "currency": pa.string(), "role": pa.string(), "value": pa.float64(),
                 "unit": pa.string(), "region_id": pa.string(), "kind": pa.string()},
    "targets": {"indicator": pa.string(), "measure": pa.string(), "value": pa.float64(),
                "value_high": pa.float64(), "unit": pa.string(), "qualifier": pa.string(),
                "frequency": pa.string(), "region_id": pa.string(), "start_year": pa.int32(),
                "end_year": pa.int32()},
}


@pytest.mark.parametrize("table", sorted(CONTRACT))
def test_contracted_columns_and_types(table):
    fields = {f.name: f.type for f in schema.TABLES[table]}
    for column, type_ in CONTRACT[table].items():
        assert fields.get(column) == type_, f"{table}.{column}"


@pytest.mark.parametrize("table", sorted(schema.ALL))
def test_every_column_is_described_once(table):
    names = schema.ALL[table].names
    assert len(names) == len(set(names))
    for field in schema.ALL[table]:
        assert field.metadata and field.metadata.get(b"description"), f"{table}.{field.name} has no description"


def test_vocabularies_match_spec():
    assert len(schema.VOCABULARIES["targets.indicator"]) == 26
    assert len(schema.VOCABULARIES["macro_region_ids"]) == 13
    assert schema.is_currency("CNY") and not schema.is_currency("percent") and not schema.is_currency("km")
