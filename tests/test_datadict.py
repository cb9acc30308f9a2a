"""The data dictionary: described once in the schema, stored in the Parquet files, rendered to docs/."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import datadict, schema
from pipeline.tableio import write_table


@pytest.mark.parametrize("name", list(schema.ALL))
def test_every_column_has_a_description(name):
    undocumented = [f.name for f in schema.ALL[name] if len(datadict.description(f)) < 3]
    assert not undocumented, f"{name}: columns without a description in pipeline/schema.py: {undocumented}"


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_descriptions_are_written_into_the_parquet_field_metadata(tmp_path, name):
    row = {k: v for k, v in {"article_id": "a1", "status": "ok", "region_id": "630000"}.items()
           if k in schema.ALL[name].names}
    path = write_table(pd.DataFrame([row]), name, tmp_path / f"{name}.parquet")
    written = pq.read_schema(path)
    for field in schema.ALL[name]:
        assert written.field(field.name).metadata[b"description"] == field.metadata[b"description"]
    assert datadict.file_descriptions(path) == {f.name: datadict.description(f) for f in schema.ALL[name]}


def test_file_descriptions_read_a_dataset_directory(tmp_path):
    write_table(schema.empty("targets"), "targets", tmp_path / "targets.parquet" / "part-0.parquet")
    assert datadict.file_descriptions(tmp_path / "targets.parquet")["indicator"].startswith("What the target")


def test_committed_page_is_the_rendering_of_the_schema():
    assert datadict.DOC_PATH.exists(), f"docs/DATA_DICTIONARY.md is missing: run `{datadict.REGENERATE}`"
    assert datadict.DOC_PATH.read_text(encoding="utf-8") == datadict.render(), (
        f"docs/DATA_DICTIONARY.md differs from pipeline/schema.py: regenerate it with `{datadict.REGENERATE}`")


def test_page_lists_every_column_vocabulary_value_and_region_rule():
    page = datadict.render()
    for name, table_schema in schema.ALL.items():
        section = page.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        for field in table_schema:
            assert f"| `{field.name}` | {datadict.type_name(field.type)} |" in section
    for vocabulary, values in schema.VOCABULARIES.items():
        line = next(line for line in page.splitlines() if line.startswith(f"| `{vocabulary}` |"))
        assert all(f"`{v}`" in line for v in values)
    for rule in ("`630000`", "`CN`", "zone:<lowercase-hyphenated-name>", "`macro:northeast`"):
        assert rule in page


def test_types_read_as_an_analyst_expects():
    targets = {f.name: datadict.type_name(f.type) for f in schema.TARGETS}
    assert (targets["value"], targets["start_year"], targets["article_id"]) == ("float64", "int32", "string")
    assert datadict.type_name(schema.ARTICLES.field("published").type) == "date32"


def test_cli_writes_and_checks_the_page(tmp_path, capsys):
    from pipeline.cli import main

    page = tmp_path / "DATA_DICTIONARY.md"
    assert main(["datadict", "--path", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == datadict.render()
    assert main(["datadict", "--check", "--path", str(page)]) == 0
    page.write_text("stale\n", encoding="utf-8")
    assert main(["datadict", "--check", "--path", str(page)]) == 2
    assert datadict.REGENERATE in capsys.readouterr().err


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_the_documented_pandas_reading_keeps_nullable_integers_and_dates(tmp_path, name):
    assert 'dtype_backend="pyarrow"' in datadict.render()
    row = {k: v for k, v in {"article_id": "a1", "status": "ok", "region_id": "630000"}.items()
           if k in schema.ALL[name].names}
    path = write_table(pd.DataFrame([row, row]), name, tmp_path / f"{name}.parquet")
    frame = pd.read_parquet(path, dtype_backend="pyarrow")
    for field in schema.ALL[name]:
        if pa.types.is_integer(field.type) or pa.types.is_date(field.type) or pa.types.is_boolean(field.type):
            assert frame[field.name].dtype == pd.ArrowDtype(field.type), field.name
