"""Tables are conformed to their schema and written atomically."""
import datetime as dt
import os
import stat

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import schema
from pipeline.tableio import TableFiles, atomic_write_text, merge_articles, read_table, to_arrow, write_table


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


def sentences(*rows: tuple[str, int]) -> "pa.Table":
    df = pd.DataFrame([{"article_id": a, "sentence_id": i, "start": i, "end": i + 1, "text": f"{a}{i}"}
                       for a, i in rows])
    return to_arrow(df, "sentences")


def test_merged_articles_are_in_id_order_and_each_keeps_its_own_row_order():
    cached = sentences(("c", 0), ("c", 1), ("a", 0))
    fresh = sentences(("b", 0), ("b", 1), ("d", 0))
    merged = merge_articles([cached, fresh])
    assert list(zip(merged.column("article_id").to_pylist(), merged.column("sentence_id").to_pylist())) == [
        ("a", 0), ("b", 0), ("b", 1), ("c", 0), ("c", 1), ("d", 0)]
    assert merge_articles([fresh]) is fresh  # one part: nothing to do


def batch(*rows: tuple[str, int]) -> dict:
    ids = sorted({a for a, _ in rows})
    return {"articles": to_arrow(pd.DataFrame([{"article_id": a, "status": "ok"} for a in ids]), "articles"),
            "sentences": sentences(*rows)}


def test_table_files_write_batches_in_batch_order_once(tmp_path):
    files = TableFiles(lambda name: tmp_path / f"{name}.parquet")
    files.add(1, batch(("b", 0)))  # arrives first, written second
    files.add(0, batch(("a", 0), ("a", 1)))
    rows = files.close()
    table = pq.read_table(tmp_path / "sentences.parquet")
    assert table.column("article_id").to_pylist() == ["a", "a", "b"] and rows["sentences"] == 3
    assert table.schema.remove_metadata().equals(schema.SENTENCES.remove_metadata())
    for name in schema.TABLES:  # a table no batch had is an empty file of its schema
        assert pq.read_schema(tmp_path / f"{name}.parquet").names == schema.TABLES[name].names
    assert rows["regions"] == 0 and rows["articles"] == 2


def test_row_groups_follow_articles_whatever_the_batches(tmp_path):
    """The same articles in other batches give the same bytes: row groups hold a fixed number of articles."""
    rows = [("a", 0), ("a", 1), ("b", 0), ("c", 0), ("c", 1), ("d", 0), ("e", 0)]
    layouts = {"one batch": [rows], "small batches": [rows[:1 + 1], rows[2:3], rows[3:]],
               "split articles": [rows[:3], rows[3:6], rows[6:]]}
    written = {}
    for layout, batches in layouts.items():
        files = TableFiles(lambda name: tmp_path / layout / f"{name}.parquet", articles_per_group=2)
        for batch_no, part in enumerate(batches):
            files.add(batch_no, batch(*part))
        files.close()
        written[layout] = (tmp_path / layout / "sentences.parquet").read_bytes()
        groups = pq.ParquetFile(tmp_path / layout / "sentences.parquet").metadata
        assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [3, 3, 1]  # ab, cd, e
    assert len(set(written.values())) == 1


def test_table_files_refuse_a_missing_batch(tmp_path):
    files = TableFiles(lambda name: tmp_path / f"{name}.parquet")
    files.add(1, batch(("b", 0)))
    with pytest.raises(RuntimeError, match="batch 0 never did"):
        files.close()
    files.abort()
