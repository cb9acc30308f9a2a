"""Reading and writing tables: conformed to their schema, written atomically."""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import schema


class OutputFault(Exception):
    """The machine refuses the outputs (disk full, read-only file system, permission denied): the
    run stops with this one-line message and the previous outputs stay as they were."""


def fault(exc: OSError, doing: str) -> OutputFault:
    """An OutputFault saying what failed and why, in one line."""
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    return OutputFault(f"cannot {doing}: {exc.strerror or exc}{where}")


def probe_writable(directory: str | os.PathLike, nbytes: int = 0) -> None:
    """Create a temporary file in `directory`, write `nbytes` to it and remove it; OSError when that fails.
    The one write check of the output, work, report and cache directories."""
    fd, probe = tempfile.mkstemp(prefix=".probe-", dir=directory)
    try:
        if nbytes:
            os.write(fd, b"\0" * nbytes)
    finally:
        os.close(fd)
        os.unlink(probe)


def check_output_dir(path: str | os.PathLike, need_bytes: int = 0) -> None:
    """Fail before any work when `path` cannot be created and written, or has less than `need_bytes` free."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe_writable(path)
        free = shutil.disk_usage(path).free
    except OSError as exc:
        raise fault(exc, f"write the output directory {path}") from exc
    if free < need_bytes:
        raise OutputFault(f"not enough free space in {path}: {free // 2**20} MiB free, about "
                          f"{need_bytes // 2**20} MiB needed")


def to_arrow(df: pd.DataFrame | None, name: str) -> pa.Table:
    """Conform a frame to table `name`: schema order and types, missing columns null, extra columns kept last."""
    target = schema.ALL[name]
    if df is None:
        df = schema.empty(name)
    n = len(df)
    arrays, fields = [], []
    for field in target:
        if field.name in df.columns:
            col = df[field.name]
            if pa.types.is_date32(field.type):
                col = pd.to_datetime(col, errors="coerce").dt.date
            arr = _array(col, field.type)
        else:
            arr = pa.nulls(n, type=field.type)
        arrays.append(arr)
        fields.append(field)
    for extra in [c for c in df.columns if c not in target.names]:
        arr = _array(df[extra], None)
        arrays.append(arr)
        fields.append(pa.field(extra, arr.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata=target.metadata))


def _array(col: pd.Series, type_: pa.DataType | None) -> pa.Array:
    """Arrow array of a column; mixed-type object columns go through Python objects."""
    try:
        return pa.array(col, type=type_, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return pa.array(col.astype(object).where(col.notna(), None).tolist(), type=type_, from_pandas=True)


def is_missing(value: object) -> bool:
    """Whether a cell read from a table is empty: None, NaN, NA or NaT (list-like cells never are)."""
    if value is None:
        return True
    if isinstance(value, (list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def temp_sibling(path: Path) -> Path:
    """A fresh name beside `path` to write to before the rename. Unlike mkstemp's 0600 files, a file
    created there follows the umask, so other users of a shared filesystem (Dask workers) can read it."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None], doing: str = "write") -> Path:
    """Call `write(tmp)` on a fresh sibling of `path`, then rename it over `path`: readers never see
    half a file, and a fault of the machine becomes one OutputFault line."""
    path = Path(path)
    tmp = temp_sibling(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        if path.is_dir() and not path.is_symlink():  # a dataset directory from an earlier (Dask) run
            shutil.rmtree(path)  # is replaced whole; a symlink of `run`'s layout is replaced by the rename
        os.replace(tmp, path)
    except OSError as exc:
        raise fault(exc, f"{doing} {path}") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write a small text file (metrics, listings) atomically."""
    def write(tmp: Path) -> None:
        with open(tmp, "x", encoding="utf-8", newline="") as handle:
            handle.write(text)

    return atomic_write(path, write)


def write_table(df: pd.DataFrame | None, name: str, path: str | os.PathLike) -> Path:
    """Write table `name` to `path` atomically (see atomic_write)."""
    table = to_arrow(df, name)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by `write_table` (a file or a dataset directory)."""
    return pd.read_parquet(path)


# --- Arrow tables of a batch: merged and written without going back to pandas ---------------------

def conform(table: pa.Table, target: pa.Schema) -> pa.Table:
    """`table` with exactly the fields of `target`, in its order and types (missing columns null)."""
    if table.schema.equals(target, check_metadata=True):
        return table
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
               for f in target]
    return pa.Table.from_arrays(columns, schema=target)


def merge_articles(tables: list[pa.Table]) -> pa.Table:
    """One table of several, rows ordered by article id and otherwise as they came.

    Each input holds whole articles whose rows are already in text order (the tables stage sorted
    them), so a stable sort on `article_id` alone gives the order a full sort would: the one sort
    of a batch that mixes cached and new articles."""
    if len(tables) == 1:
        return tables[0]
    merged = pa.concat_tables(tables, promote_options="permissive")
    return merged.take(pc.sort_indices(merged, sort_keys=[("article_id", "ascending")]))


# Articles per row group of a table file: row groups follow articles, not batches, so a table's
# bytes are the same whatever the batching (cache hits, workers, text length); 32 was the batch
# size whose row groups the files had before, so the files of a plain run are unchanged.
ROW_GROUP_ARTICLES = 32


class TableFiles:
    """One Parquet file per table, at `path_of(name)`, written batch by batch in batch order (a batch
    that arrives early waits in memory for the ones before it), ROW_GROUP_ARTICLES articles to a row
    group: each table is written once, with no part files to read back and merge, and memory holds
    a batch and a row group, not the run.

    A table's file takes the fields of its schema (pipeline/schema.py) and any extra columns of its
    first row group; later ones are conformed to that."""

    def __init__(self, path_of: Callable[[str], Path], articles_per_group: int = ROW_GROUP_ARTICLES):
        self.path_of = path_of
        self.articles_per_group = articles_per_group
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.schemas: dict[str, pa.Schema] = {}
        self.rows: dict[str, int] = {}
        self.waiting: dict[int, dict[str, pa.Table]] = {}
        self.next_batch = 0
        self.group: list[dict[str, pa.Table]] = []
        self.group_articles = 0

    def add(self, batch_no: int, tables: dict[str, pa.Table]) -> None:
        self.waiting[batch_no] = tables
        while self.next_batch in self.waiting:
            self._take(self.waiting.pop(self.next_batch))
            self.next_batch += 1

    def _take(self, tables: dict[str, pa.Table]) -> None:
        """Add a batch's articles to the row group, writing each group as it fills."""
        while True:
            room = self.articles_per_group - self.group_articles
            n = len(tables["articles"])
            head, tables = (tables, None) if n <= room else _split_articles(tables, room)
            self.group.append(head)
            self.group_articles += min(n, room)
            if self.group_articles >= self.articles_per_group:
                self._write_group()
            if tables is None:
                return

    def _write_group(self) -> None:
        names = list(schema.TABLES) + [n for n in schema.EXPLAIN_TABLES if any(n in p for p in self.group)]
        for name in names:
            parts = [p[name] for p in self.group if p.get(name) is not None]
            table = (pa.concat_tables(parts, promote_options="permissive").combine_chunks() if parts
                     else schema.ALL[name].empty_table())
            writer = self.writers.get(name) or self._open(name, table.schema)
            target = self.schemas[name]
            unknown = set(table.column_names) - set(target.names)
            if unknown:
                raise ValueError(f"table {name}: columns {sorted(unknown)} not in its first row group")
            writer.write_table(conform(table, target))
            self.rows[name] = self.rows.get(name, 0) + len(table)
        self.group, self.group_articles = [], 0

    def _open(self, name: str, first: pa.Schema) -> pq.ParquetWriter:
        target = schema.ALL[name]
        extra = [f for f in first if f.name not in target.names]
        path = self.path_of(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        # with_metadata: an empty mapping, not none, as the files of earlier versions had (same bytes)
        self.schemas[name] = pa.schema(list(target) + extra).with_metadata(target.metadata)
        writer = self.writers[name] = pq.ParquetWriter(path, self.schemas[name])
        return writer

    def close(self) -> dict[str, int]:
        """Finish every file (a table no batch had is an empty file of its schema); rows per table."""
        if self.waiting:
            raise RuntimeError(f"batches {sorted(self.waiting)} arrived but batch {self.next_batch} never did")
        if self.group:
            self._write_group()
        for name in schema.TABLES:
            if name not in self.writers:
                self._open(name, schema.ALL[name])
                self.rows[name] = 0
        self.abort()
        return dict(self.rows)

    def abort(self) -> None:
        """Close the open files (a failed run's staging is removed with them)."""
        for writer in self.writers.values():
            writer.close()
        self.writers = {}


def _split_articles(tables: dict[str, pa.Table], k: int) -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    """The rows of the first `k` articles (of the `articles` table's order) of every table, and the rest."""
    first = tables["articles"].column("article_id").slice(0, k).combine_chunks()
    head, tail = {}, {}
    for name, table in tables.items():
        mask = pc.is_in(table.column("article_id"), value_set=first)
        head[name], tail[name] = table.filter(mask), table.filter(pc.invert(mask))
    return head, tail
