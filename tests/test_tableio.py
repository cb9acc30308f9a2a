"""Tables are conformed to their schema and written atomically."""
import datetime as dt
import os
import stat

import pandas as pd
import pyarrow.parquet as pq

from pipeline import schema
from pipeline.tableio import atomic_write_text, read_table, to_arrow, write_table


def test_conforms_types_and_fills_missing_columns(tmp_path):
    df = pd.DataFrame([{"article_id": "a", "status": "ok", "published": "2016-11-10", "extra": 3}])
    path = write_table(df, "articles", tmp_path / "articles.parquet")
    table = pq.read_table(path)
    assert table.schema.names[: len(schema.ARTICLES)] == schema.ARTICLES.names
    assert table.schema.field("published").type == schema.ARTICLES.field("published").type
    assert table.column("extra").to_pylist() == [3]
    back = read_table(path)
    assert back.loc[0, "published"] == dt.date(2016, 11, 10)
    assert back["title"].isna().all()


def test_descriptions_land_in_parquet(tmp_path):
    path = write_table(None, "quantities", tmp_path / "q.parquet")
    field = pq.read_schema(path).field("qualifier")
    assert b"more_than" in field.metadata[b"description"]


def test_empty_frame_keeps_schema():
    table = to_arrow(pd.DataFrame(), "targets")
    assert table.num_rows == 0 and table.schema.field("end_year").type == schema.TARGETS.field("end_year").type


def test_write_replaces_without_leftovers(tmp_path):
    path = tmp_path / "s.parquet"
    write_table(pd.DataFrame([{"article_id": "a", "sentence_id": 0}]), "sentences", path)
    write_table(pd.DataFrame([{"article_id": "b", "sentence_id": 1}]), "sentences", path)
    assert read_table(path)["article_id"].tolist() == ["b"]
    assert [p.name for p in tmp_path.iterdir()] == ["s.parquet"]


def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        paths = [write_table(None, "articles", tmp_path / "articles.parquet"),
                 atomic_write_text(tmp_path / "metrics.json", "{}\n")]
    finally:
        os.umask(old)
    # readable by the other users of a shared filesystem
    assert [stat.S_IMODE(p.stat().st_mode) for p in paths] == [0o644, 0o644]


def test_write_replaces_a_symlink_of_a_published_run_without_touching_its_target(tmp_path):
    from pipeline.tableio import read_table, write_table

    (tmp_path / "run").mkdir()
    write_table(None, "sentences", tmp_path / "run" / "s.parquet")
    (tmp_path / "s.parquet").symlink_to("run/s.parquet")
    (tmp_path / "d.parquet").symlink_to("run")
    write_table(None, "sentences", tmp_path / "s.parquet")
    write_table(None, "sentences", tmp_path / "d.parquet")
    assert not (tmp_path / "s.parquet").is_symlink() and not (tmp_path / "d.parquet").is_symlink()
    assert (tmp_path / "run" / "s.parquet").is_file()
    assert read_table(tmp_path / "d.parquet").empty
