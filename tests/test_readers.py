"""The output tables load as they are in pandas, polars and DuckDB, with the same rows and types."""
from __future__ import annotations

import datetime
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.tables import write_all

POLARS_TYPES = {pa.string(): pl.String, pa.int32(): pl.Int32, pa.float64(): pl.Float64, pa.date32(): pl.Date,
                pa.bool_(): pl.Boolean}
DUCKDB_TYPES = {pa.string(): "VARCHAR", pa.int32(): "INTEGER", pa.float64(): "DOUBLE", pa.date32(): "DATE",
                pa.bool_(): "BOOLEAN"}


def read_three_ways(path: Path) -> tuple[pd.DataFrame, pl.DataFrame, duckdb.DuckDBPyRelation]:
    source = f"{path}/**/*.parquet" if path.is_dir() else str(path)
    quoted = source.replace("'", "''")
    relation = duckdb.connect().sql(f"SELECT * FROM read_parquet('{quoted}')")
    return pd.read_parquet(path), pl.read_parquet(source), relation


def assert_same_table(path: Path, name: str) -> int:
    """Read table `name` at `path` with the three libraries; check columns, types and every value agree."""
    frame, polars_frame, relation = read_three_ways(path)
    written = pq.read_table(path)
    contracted = schema.TABLES[name]
    assert list(frame.columns)[:len(contracted)] == contracted.names
    assert polars_frame.columns == list(frame.columns) == relation.columns
    assert len(frame) == polars_frame.height == len(relation.fetchall()) == written.num_rows

    duck_types = dict(zip(relation.columns, map(str, relation.types)))
    for field in contracted:
        assert polars_frame.schema[field.name] == POLARS_TYPES[field.type], field.name
        assert duck_types[field.name] == DUCKDB_TYPES[field.type], field.name
        if pa.types.is_date32(field.type):
            assert all(isinstance(d, datetime.date) for d in frame[field.name].dropna()), field.name

    # the same values, compared as Arrow tables of the file's own schema
    assert polars_frame.to_arrow().cast(written.schema).equals(written)
    assert relation.to_arrow_table().cast(written.schema).equals(written)
    from_pandas = pa.Table.from_pandas(frame, preserve_index=False)
    assert from_pandas.select(contracted.names).cast(written.select(contracted.names).schema).equals(
        written.select(contracted.names))
    return len(frame)


@pytest.mark.parametrize("name", list(schema.TABLES))
def test_output_table_of_a_run_loads_in_pandas_polars_and_duckdb(corpus_outputs, name):
    rows = assert_same_table(corpus_outputs / f"{name}.parquet", name)
    if name in ("articles", "sentences", "regions", "quantities"):
        assert rows > 0, f"a run over seeds + dev wrote no {name}"


def test_empty_tables_load_with_their_types(tmp_path):
    articles = pd.DataFrame([{"article_id": "x", "status": "failed", "error": "unreadable"}])
    for path in write_all({"articles": articles}, tmp_path):
        assert assert_same_table(path, path.stem) == (1 if path.stem == "articles" else 0)


def test_a_dataset_directory_loads_like_a_file(tmp_path):
    table = pd.DataFrame([{"article_id": "x", "start": 0, "end": 5, "text": "Jilin", "region_id": "220000",
                           "level": "province"}])
    write_all({"regions": table}, tmp_path / "single")
    dataset = tmp_path / "regions.parquet"
    dataset.mkdir()
    (tmp_path / "single" / "regions.parquet").rename(dataset / "part-0.parquet")
    frame, polars_frame, relation = read_three_ways(dataset)
    from_duckdb = [row[0] for row in relation.select("region_id").fetchall()]
    assert frame["region_id"].tolist() == polars_frame["region_id"].to_list() == from_duckdb == ["220000"]
