"""Running the pipeline over a corpus of any size: locally in batches, or on a Dask cluster.

Both engines stream the input in batches through the same `runner.process`, so memory holds one
batch's texts and results at a time (never the Docs of the whole corpus); a batch is bounded by
articles and by characters of text, since its parse grows with its text. A batch's tables become
Arrow once and stay Arrow (cached articles are read back as Arrow too). The local engine appends
each batch to one Parquet file per table in a staging directory inside the output directory, in
batch order whatever the workers (tableio.TableFiles: written once, no parts to merge); the Dask
engine writes one part file per table per partition and publishes each table as a dataset
directory. Only when every batch is written do the tables replace the previous ones, so a run
killed mid-way leaves the previous outputs. Articles found in the per-article cache
(pipeline/cache.py) are not processed again.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import logging
import os
import resource
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import guard, runner, schema
from .cache import ArticleCache, CacheUnusable, check_writable, row_key, split_by_article
from .inputs import (RAW_COLUMNS, DuplicateIds, InputError, file_identity, input_format, iter_rows, list_input_files,
                     read_jsonl)
from .nlp import PRELOAD_MODEL_ENV
from .runner import Params
from .tableio import OutputFault, TableFiles, check_output_dir, conform, fault, merge_articles, to_arrow

log = logging.getLogger(__name__)

# Articles per batch. One batch is one nlp.pipe call and one retry unit when a stage fails;
# 32 keeps a batch's texts, parse and tables at a few MB while 16, 32 and 64 ran at the same
# speed on the benchmark corpus (pipeline/bench.py), so memory, not speed, set it.
BATCH_ARTICLES = 32
# Characters of raw text per batch: a batch's parse and tables grow with its text, not its article
# count. Batches of 32 copies of the corpus's one 100,000-character article took a process's peak
# RSS from 573 to 1,269 MiB (issue 16: 120 vs 1,920 articles). Peak RSS of one process at 120 / 480
# articles (pipeline bench corpus): 200,000 characters 574 / 737 MiB, 100,000 501 / 563, 50,000
# 437 / 444, which is flat; a batch then still holds ~25 articles of typical length (2,000 characters).
BATCH_CHARS = 50_000
# Inputs of at most this many articles run in this process whatever --workers says: the fork server
# and a model per worker took 2.6 s before any batch (issue 16), about what one process needs for
# 26 articles at its steady 10 articles/s (pipeline bench, load 2-3), so smaller inputs only lose.
SMALL_INPUT_ARTICLES = BATCH_ARTICLES
# When the corpus size is known, batches shrink as the work runs out (guided scheduling: at most
# 1/(2 x workers) of what is left, never below this): with fixed batches the last one runs alone
# while the other workers idle, ~4 s for a 32-article batch, 13% of a 400-article benchmark run.
MIN_BATCH_ARTICLES = 4
# Rows of a batch at most, cached ones included: cached articles cost a bundle read and their rows
# (a few KB an article on the benchmark corpus), so 1,024 of them hold a few MB.
MAX_BATCH_ROWS = 1024
# Input files per Dask task: enough work (~10 s) to hide the scheduler's per-task overhead,
# small enough that a partition's tables sit comfortably in a worker's memory.
PARTITION_FILES = 128
# Tasks per Dask worker when the files are split among them: 2 lets a worker that finished early
# take a share of the tail; more would add per-task overhead and part files for nothing.
PARTITIONS_PER_WORKER = 2
# Batches a local worker process runs before it is replaced by a fresh one. spaCy workers grow
# (allocator fragmentation, caches) by a few hundred MB over thousands of articles whatever the
# batch size; a new process every 16 batches (512 articles, one model load ~2 s per ~1 min of work)
# bounds that, so peak memory no longer depends on corpus size.
BATCHES_PER_WORKER = 16
# Seconds between progress log lines when stderr is not a terminal.
LOG_EVERY_SECONDS = 10.0
STAGING_PREFIX = ".staging-"
LOCK_FILE = "lock.json"
RUNS_DIR = ".runs"
CURRENT = ".current"
MANIFEST = "manifest.json"
BUILT_DIR = "tables"  # in the staging directory: the run's tables as they will be published
# Runs kept behind the published one, for readers that resolved .current just before a swap.
PREVIOUS_RUNS_KEPT = 1
# A staging lock's lease: renewed every quarter of it, so only a run stopped (dead, or paused) for
# two minutes loses its staging. Across hosts the clocks must agree to well within this.
LEASE_SECONDS = 120.0
# Free space a run needs in the output directory, per byte of input: the tables took 2.6 bytes per
# input byte on seeds + dev (text is stored as clean_text and again as sentences), and staged
# parts and the merged tables sit side by side while publishing; never less than MIN_FREE_BYTES.
OUTPUT_BYTES_PER_INPUT_BYTE = 6
# OSErrors that are faults of the machine, reported in one line (others are bugs: a traceback).
MACHINE_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
MIN_FREE_BYTES = 16 * 2**20

# A Dask worker with several threads shares one spaCy model between them; pipelines are not
# documented thread-safe, so tasks of one process take turns (run workers with --nthreads 1).
_PROCESS_LOCK = threading.Lock()


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (PR_SET_PDEATHSIG), so a killed run
    leaves no fork server and no worker behind: the fork server dies with the run, the workers
    with the fork server. Elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@contextlib.contextmanager
def _terminated_on_sigterm():
    """SIGTERM ends the run like Ctrl-C does (cleanup runs: workers stopped, staging removed),
    instead of killing this process on the spot. Only in the main thread, where signals land."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _worker_context(model: str):
    """Worker processes forked from a server that has imported the stages, built their rule
    matchers and loaded the model once (pipeline/warm.py: ~4 s that every spawned worker would pay
    again); never a plain fork of this process, whose threads (progress bar, logging) a fork would
    copy mid-state. The server starts with the first worker and inherits this environment."""
    os.environ[PRELOAD_MODEL_ENV] = model
    context = get_context("forkserver")
    context.set_forkserver_preload(["pipeline.warm"])
    return context


class RunFault(OutputFault):
    """A fault of a concurrent run (our staging taken) that stops this run; its message is one line."""


@dataclasses.dataclass
class RunStats:
    """What a run did: articles read, how many ok, processed or taken from the cache, rows written."""

    articles: int = 0
    ok: int = 0
    over_budget: int = 0
    processed: int = 0
    cached: int = 0
    rows: dict[str, int] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    # Largest peak RSS (MB) of a process that ran batches: workers are children of the fork server,
    # not of this process, so each reports its own.
    peak_rss_mb: float = 0.0
    # Seconds workers spent processing these articles (start-up and waiting excluded): the ETA's basis.
    busy_seconds: float = 0.0

    def add(self, other: "RunStats") -> None:
        self.articles += other.articles
        self.ok += other.ok
        self.over_budget += other.over_budget
        self.processed += other.processed
        self.cached += other.cached
        for name, n in other.rows.items():
            self.rows[name] = self.rows.get(name, 0) + n
        self.peak_rss_mb = max(self.peak_rss_mb, other.peak_rss_mb)
        self.busy_seconds += other.busy_seconds

    def summary(self) -> str:
        rows = ", ".join(f"{name} {self.rows.get(name, 0)}" for name in schema.TABLES if name != "articles")
        over = f", {self.over_budget} over the time budget" if self.over_budget else ""
        return (f"{self.articles} articles: {self.ok} ok, {self.articles - self.ok} not ok{over} "
                f"({self.processed} processed, {self.cached} from cache); rows: {rows}; {self.seconds:.1f} s")


def default_cache_dir(out_dir: str | os.PathLike) -> Path:
    """The cache beside the output directory, so several output directories of one project share it."""
    return Path(out_dir).resolve().parent / ".pipeline-cache"


def process_corpus(input_path: str | os.PathLike, out_dir: str | os.PathLike, params: Params, engine: str = "local",
                   scheduler: str | None = None, workers: int = 1, cache_dir: str | os.PathLike | None = None,
                   progress: bool = True) -> RunStats:
    """Process every article under `input_path` and write the six tables to `out_dir`.

    `cache_dir=None` disables the cache. Raises InputError when nothing can be done.
    """
    started = time.perf_counter()
    files = list_input_files(input_path, exclude=[out_dir] + ([] if cache_dir is None else [cache_dir]))
    if not files:
        raise InputError(f"no .txt, .html or .jsonl articles found under {input_path}")
    out_dir = Path(out_dir)
    check_output_dir(out_dir, max(MIN_FREE_BYTES, OUTPUT_BYTES_PER_INPUT_BYTE * _input_bytes(files)))
    _remove_stale_staging(out_dir)
    run_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:12]}"
    staging = out_dir / f"{STAGING_PREFIX}{run_id}"
    try:
        lock = StagingLock(staging, run_id).acquire()
    except OSError as exc:
        raise fault(exc, f"write the staging directory in {out_dir}") from exc
    total = None if any(input_format(f) == "jsonl" for f in files) else len(files)
    bar = Progress(total, enabled=progress, workers=workers)
    cache = None if cache_dir is None else usable_cache(cache_dir)
    try:
        with _terminated_on_sigterm():
            stats, rows = _run_engine(engine, files, staging, params, workers, scheduler, cache, bar)
            if stats.articles == 0:
                raise InputError(f"no articles found in the input files under {input_path}")
            _publish(staging, out_dir, lock, stats, rows)
    except OSError as exc:  # disk full, read-only or permission denied while writing: previous outputs intact
        if exc.errno not in MACHINE_FAULTS:
            raise
        raise fault(exc, f"write the outputs in {out_dir}") from exc
    finally:
        bar.close()
        lock.release()
        shutil.rmtree(staging, ignore_errors=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _run_engine(engine: str, files: list[Path], staging: Path, params: Params, workers: int, scheduler: str | None,
                cache: str | None, bar: "Progress") -> tuple[RunStats, dict[str, int]]:
    """Run the engine; its stats and the rows of each table it built in `<staging>/tables`."""
    if engine == "local":
        files_out = TableFiles(lambda name: staging / BUILT_DIR / f"{name}.parquet")
        try:
            stats = _run_local(files, files_out, params, workers, cache, bar)
            return stats, files_out.close()
        finally:
            files_out.abort()
    if engine == "dask":
        stats = _run_dask(files, staging, params, scheduler, cache, bar, workers)
        return stats, _move_datasets(staging)
    raise ValueError(f"unknown engine {engine!r}: expected local or dask")


def _input_bytes(files: list[Path]) -> int:
    total = 0
    for file in files:
        try:
            total += file.stat().st_size
        except OSError:
            pass  # reading it fails later, as a row
    return total


def usable_cache(cache_dir: str | os.PathLike) -> str | None:
    """The cache directory, or None (with a warning) when it cannot be written: no cache, never a failed run."""
    try:
        check_writable(cache_dir)
    except CacheUnusable as exc:
        log.warning("%s; running without the cache", exc.strerror)
        return None
    return str(cache_dir)


# --- batches: the unit both engines process -------------------------------------------------------

def process_batch(rows: list[dict], params: Params, cache_dir: str | None) -> tuple[dict[str, pa.Table], RunStats]:
    """The tables of a batch of raw rows, as Arrow: cached articles read back, the others processed
    (and cached). Each table is converted to Arrow once, and sorted once (by the tables stage; a
    batch mixing cached and new articles only puts the articles in order, tableio.merge_articles)."""
    cache = None if cache_dir is None else ArticleCache(cache_dir, params.model)
    parts: list[dict[str, pa.Table]] = []
    todo: list[dict] = []
    todo_keys: dict[str, str] = {}
    for row in rows:
        key = _cache_key(row) if cache else None
        hit = cache.get(key) if key else None
        if hit is None:
            todo.append(row)
            if key:
                todo_keys[row["article_id"]] = key
        else:
            hit["articles"] = _with_column(hit["articles"], "source_path", row["source_path"])  # same text, maybe moved
            parts.append(hit)
    if todo:
        fresh = {name: to_arrow(df, name)
                 for name, df in runner.process(pd.DataFrame(todo, columns=RAW_COLUMNS), params).items()}
        if cache:
            for article_id, tables in split_by_article(fresh).items():
                # a failure may be transient (memory): only finished articles are kept
                if article_id in todo_keys and "failed" not in tables["articles"].column("status").to_pylist():
                    cache.put(todo_keys[article_id], tables)
        parts.append(fresh)
    names = list(schema.TABLES) + [n for n in schema.EXPLAIN_TABLES if any(n in p for p in parts)]
    tables = {name: merge_articles([p[name] for p in parts if name in p]) for name in names}
    arts = tables["articles"]
    stats = RunStats(articles=len(arts), ok=pc.sum(pc.equal(arts.column("status"), "ok")).as_py() or 0,
                     over_budget=int(guard.over_budget(arts.column("error").to_pandas()).sum()),
                     processed=len(todo), cached=len(rows) - len(todo),
                     rows={name: len(t) for name, t in tables.items()})
    return tables, stats


def _cache_key(row: dict) -> str | None:
    """The cache key of a raw row, or None for a row with nothing to cache (unreadable: an error row)."""
    return row_key(row) if row["sha256"] and not row["error"] else None


def _with_column(table: pa.Table, name: str, value: object) -> pa.Table:
    """`table` with every value of column `name` replaced by `value`."""
    i = table.schema.get_field_index(name)
    field = table.schema.field(i)
    return table.set_column(i, field, pa.array([value] * len(table), field.type))


def _batches(rows: Iterable[dict], size: int, total: int | None = None, workers: int = 1,
             max_chars: int | None = None, cached: Callable[[dict], bool] | None = None) -> Iterator[list[dict]]:
    """Batches of at most `size` articles to process and (but for a batch of one) `max_chars`
    characters of their raw text (BATCH_CHARS by default); with `total` known, smaller ones towards
    the end (MIN_BATCH_ARTICLES). Rows that `cached` says are in the cache are only read back: they
    count toward neither limit, only toward MAX_BATCH_ROWS, so the new articles of a cached rerun
    are processed together rather than one batch call each."""
    max_chars = BATCH_CHARS if max_chars is None else max_chars
    batch: list[dict] = []
    work = chars = 0
    left = total
    limit = size
    for row in rows:
        hit = cached is not None and cached(row)
        length = 0 if hit else len(row.get("raw_text") or "")
        if work and chars + length > max_chars:
            yield batch
            if left is not None:
                left -= len(batch)
            batch, work, chars = [], 0, 0
        if not batch and left is not None:
            limit = max(min(MIN_BATCH_ARTICLES, size), min(size, -(-left // (2 * workers))))
        batch.append(row)
        work += not hit
        chars += length
        if work >= limit or len(batch) >= MAX_BATCH_ROWS:
            yield batch
            if left is not None:
                left -= len(batch)
            batch, work, chars = [], 0, 0
    if batch:
        yield batch


def _run_batch(batch_no: int, rows: list[dict], params: Params,
               cache_dir: str | None) -> tuple[int, dict[str, pa.Table], RunStats]:
    """One batch's tables and stats (in a worker they travel back to the run as Arrow, which writes them)."""
    started = time.perf_counter()
    tables, stats = process_batch(rows, params, cache_dir)
    stats.busy_seconds = time.perf_counter() - started
    stats.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return batch_no, tables, stats


# --- local engine ---------------------------------------------------------------------------------

def _run_local(files: list[Path], out: TableFiles, params: Params, workers: int, cache_dir: str | None,
               bar: "Progress") -> RunStats:
    stats = RunStats()
    marker = DuplicateIds()
    if workers > 1 and bar.total is not None and bar.total <= SMALL_INPUT_ARTICLES:
        workers = 1  # the workers' start-up would cost more than they save (see SMALL_INPUT_ARTICLES)
    # shrinking batches balance the workers' last batches; one process has nothing to balance
    total = bar.total if workers > 1 else None
    cache = None if cache_dir is None else ArticleCache(cache_dir, params.model)
    batches = _batches((marker.mark(row) for row in iter_rows(files)), BATCH_ARTICLES, total, workers,
                       cached=None if cache is None else lambda row: cache.has(_cache_key(row)))
    if workers <= 1:
        for batch_no, rows in enumerate(batches):
            _, tables, done = _run_batch(batch_no, rows, params, cache_dir)
            out.add(batch_no, tables)
            stats.add(done)
            bar.update(done)
        return stats
    # Parallel over whole batches (every stage, not only spaCy); each worker is one process with
    # its own model, so nlp.pipe inside it runs single-process.
    params = dataclasses.replace(params, n_process=1)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_worker_context(params.model),
                               max_tasks_per_child=BATCHES_PER_WORKER, initializer=die_with_parent)
    try:
        pending: set = set()

        def absorb(futures) -> None:
            for future in futures:
                batch_no, tables, done = future.result()
                out.add(batch_no, tables)  # written in batch order: the same file whatever the workers
                stats.add(done)
                bar.update(done)

        for batch_no, rows in enumerate(batches):
            pending.add(pool.submit(_run_batch, batch_no, rows, params, cache_dir))
            if len(pending) >= 2 * workers:  # bounded read-ahead keeps memory flat
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                absorb(finished)
        while pending:  # each batch counts as it finishes, so progress and its ETA never lag behind
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            absorb(finished)
    except BaseException:  # a failed batch, Ctrl-C or SIGTERM: stop the workers now, not after their batches
        _stop_workers(pool)
        raise
    pool.shutdown(wait=True)
    return stats


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(5)


# --- Dask engine ----------------------------------------------------------------------------------

def _run_dask(files: list[Path], staging: Path, params: Params, scheduler: str | None, cache_dir: str | None,
              bar: "Progress", workers: int = 1) -> RunStats:
    from distributed import Client, LocalCluster, as_completed

    if not scheduler:
        raise InputError("--engine dask needs --scheduler ADDRESS (or `local` for a cluster on this machine)")
    duplicates = duplicate_errors(files)
    params = dataclasses.replace(params, n_process=1)  # worker processes are daemons: no nlp.pipe children
    staging.mkdir(parents=True, exist_ok=True)
    # `local`: `workers` worker processes of one thread each on this machine, without the worker's
    # statistical profiler (it samples the task thread every 10 ms, taking the GIL from the stages).
    # One worker is this process: a spawned one imported the stages and loaded the model again and
    # took ~6 s to start and 2 s to stop (load 5-6), a third of a 48-article run.
    cluster = None
    if scheduler == "local":
        import dask

        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=workers > 1,
                                   dashboard_address=None)
    stats = RunStats()
    try:
        with Client(cluster if cluster is not None else scheduler) as client:
            client.register_plugin(model_preload(params.model))  # every worker, and those that join later
            bar.workers = max(1, len(client.scheduler_info().get("workers", {})))
            futures = []
            size = partition_files(len(files), bar.workers)
            for part_no, start in enumerate(range(0, len(files), size)):
                part = [str(f) for f in files[start:start + size]]
                dups = {src: err for f in part for src, err in duplicates.get(f, {}).items()}
                futures.append(client.submit(run_partition, part_no, part, dups, str(staging), params, cache_dir,
                                             pure=False))
            for future in as_completed(futures):
                done = future.result()
                stats.add(done)
                bar.update(done)
    finally:
        if cluster is not None:
            cluster.close()
    return stats


def partition_files(n_files: int, n_workers: int) -> int:
    """Files per Dask task: PARTITIONS_PER_WORKER tasks per worker, so the workers finish together,
    and never more than PARTITION_FILES (a task's work stays ~10 s to a few minutes)."""
    return max(1, min(PARTITION_FILES, -(-n_files // (PARTITIONS_PER_WORKER * max(1, n_workers)))))


def model_preload(model: str):
    """A Dask worker plugin: each worker loads the model and builds the stages' matchers once, when it
    starts or joins (what pipeline/warm.py does for the local engine's workers), not in its first task.
    Tasks find them in the process (nlp.load_model and the matchers are cached per process). Made
    here because distributed is imported only by a Dask run."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class ModelPreload(WorkerPlugin):
        name = "pipeline-model-preload"

        def setup(self, worker) -> None:
            from pipeline import runner  # absolute: the class travels to the worker by value

            runner.warm_up(model)

    return ModelPreload()


def run_partition(part_no: int, files: list[str], duplicates: dict[str, str], staging: str, params: Params,
                  cache_dir: str | None) -> RunStats:
    """A Dask task: read a partition's files, process them batch by batch, write one part per table."""
    with _PROCESS_LOCK:
        started = time.perf_counter()
        rows = (_with_duplicate_error(row, duplicates) for row in iter_rows(Path(f) for f in files))
        stats = RunStats()
        # one part file per table, batch after batch: the partition's tables are never all in memory
        out = TableFiles(lambda name: Path(staging) / f"{name}.parquet" / f"part-{part_no:05d}.parquet")
        try:
            for batch_no, batch in enumerate(_batches(rows, BATCH_ARTICLES)):
                tables, done = process_batch(batch, params, cache_dir)
                out.add(batch_no, tables)
                stats.add(done)
            out.close()
        finally:
            out.abort()
        stats.busy_seconds = time.perf_counter() - started
        return stats


def duplicate_errors(files: list[Path]) -> dict[str, dict[str, str]]:
    """str(file) -> {source_path: error} for every row whose id an earlier row already has (what
    DuplicateIds marks in one pass), keyed by file so a partition takes its own (a `#` in a
    directory name cannot confuse a file with a JSONL line).

    Ids of .txt/.html files are their names; only JSONL files are read (line by line) for theirs.
    """
    marker, errors = DuplicateIds(), {}
    for file in files:
        if input_format(file) == "jsonl":
            try:
                rows = list(read_jsonl(file))
            except OSError:
                continue  # the task reading it reports the error
        else:
            rows = [file_identity(file)]
        for row in rows:
            marked = marker.mark({"article_id": row["article_id"], "source_path": row["source_path"],
                                  "error": None, "raw_text": None})
            if marked["error"]:
                errors.setdefault(str(file), {})[row["source_path"]] = marked["error"]
    return errors


def _with_duplicate_error(row: dict, duplicates: dict[str, str]) -> dict:
    error = duplicates.get(row["source_path"])
    return row if error is None else row | {"error": row["error"] or error, "raw_text": None}


# --- publishing: parts become the output tables, all or nothing -----------------------------------
#
# OUT/.runs/<run id>/ holds one run's six tables and its manifest.json; OUT/.current is a symlink
# to the published run, and OUT/<table>.parquet (and OUT/manifest.json) are fixed symlinks through
# it. Publishing a run is one rename of a new .current symlink over the old one, so a reader
# resolving .current, and a kill at any instant, see one whole run: never tables from two.

def _move_datasets(staging: Path) -> dict[str, int]:
    """The Dask engine's part directories moved into `<staging>/tables` as one dataset per table
    (parts whose extra columns typed differently rewritten to one schema); rows per table."""
    built = staging / BUILT_DIR
    built.mkdir()
    rows: dict[str, int] = {}
    explained = [n for n in schema.EXPLAIN_TABLES if (staging / f"{n}.parquet").is_dir()]  # run --explain
    for name in list(schema.TABLES) + explained:
        part_dir = staging / f"{name}.parquet"
        part_dir.mkdir(exist_ok=True)
        parts = sorted(part_dir.glob("part-*.parquet"))
        target = _unified_schema(parts, name)
        for part in parts:
            if not pq.read_schema(part).equals(target, check_metadata=False):
                pq.write_table(conform(pq.read_table(part), target), part)
        if not parts:
            pq.write_table(schema.ALL[name].empty_table(), part_dir / "part-00000.parquet")
        os.rename(part_dir, built / f"{name}.parquet")
        rows[name] = sum(pq.read_metadata(p).num_rows for p in (built / f"{name}.parquet").glob("*.parquet"))
    return rows


def _publish(staging: Path, out_dir: Path, lock: "StagingLock", stats: RunStats, rows: dict[str, int]) -> None:
    """Check the tables built in `<staging>/tables`, write their manifest and swap them in with one rename."""
    lock.check_held()
    built = staging / BUILT_DIR
    published = list(rows)
    if rows.get("articles") != stats.articles:  # parts lost (a staging directory removed under us) fail loudly
        raise RunFault(f"staging {staging} lost parts: {rows.get('articles')} of {stats.articles} articles staged")
    manifest = {"run_id": lock.run_id, "host": lock.host, "pid": os.getpid(), "finished": time.time(),
                "tables": {name: {"path": f"{name}.parquet", "rows": rows[name]} for name in published}}
    (built / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    lock.check_held()  # our staging is still ours: no other run took it for a dead one
    runs = out_dir / RUNS_DIR
    runs.mkdir(exist_ok=True)
    os.rename(built, runs / lock.run_id)
    _link(out_dir / CURRENT, f"{RUNS_DIR}/{lock.run_id}")
    for name in [*(f"{n}.parquet" for n in published), MANIFEST]:
        _link(out_dir / name, f"{CURRENT}/{name}")
    _remove_old_runs(out_dir)


def published_run(out_dir: str | os.PathLike) -> Path:
    """The directory of the run published in `out_dir` (resolve it once to read tables of one run)."""
    return (Path(out_dir) / CURRENT).resolve()


def _swap_symlink(link: Path, target: str) -> None:
    tmp = link.with_name(f"{link.name}.{uuid.uuid4().hex}.tmp")
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _link(path: Path, target: str) -> None:
    """Make `path` the symlink `target`, replacing a file or a directory (an older layout, or a copy)."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    if path.is_dir() and not path.is_symlink():
        aside = path.with_name(f".{path.name}.old-{uuid.uuid4().hex}")
        os.rename(path, aside)
        _swap_symlink(path, target)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        _swap_symlink(path, target)


def _remove_old_runs(out_dir: Path) -> None:
    """Runs older than the published one and the PREVIOUS_RUNS_KEPT before it are removed."""
    current = os.readlink(out_dir / CURRENT).rsplit("/", 1)[-1]
    live = {lock.run_id for lock in _staging_locks(out_dir) if not lock.expired()}
    older = sorted(p.name for p in (out_dir / RUNS_DIR).iterdir() if p.name < current)
    for name in older[:max(0, len(older) - PREVIOUS_RUNS_KEPT)]:
        if name not in live:
            shutil.rmtree(out_dir / RUNS_DIR / name, ignore_errors=True)


def _unified_schema(parts: list[Path], name: str) -> pa.Schema:
    if not parts:
        return schema.ALL[name]
    unified = pa.unify_schemas([pq.read_schema(p) for p in parts], promote_options="permissive")
    return unified.with_metadata(schema.ALL[name].metadata)


# --- staging locks: a lease, valid across hosts and PID namespaces --------------------------------

class StagingLock:
    """The lock file of one run's staging directory: host, process, run id and a lease.

    A heartbeat thread renews the lease every LEASE_SECONDS / 4; another run (on any host, in any
    PID namespace) removes a staging directory only once its lease has run out. A process id alone
    cannot say that: the same number means another process, or none, in another namespace.
    """

    def __init__(self, staging: Path, run_id: str, host: str | None = None, pid: int | None = None,
                 renewed: float | None = None, lease_seconds: float | None = None):
        self.staging = staging
        self.run_id = run_id
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.renewed = renewed
        self.lease_seconds = LEASE_SECONDS if lease_seconds is None else lease_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def path(self) -> Path:
        return self.staging / LOCK_FILE

    def acquire(self) -> "StagingLock":
        self.staging.mkdir(parents=True)
        self.renew()
        self._thread = threading.Thread(target=self._beat, name="staging-lease", daemon=True)
        self._thread.start()
        return self

    def renew(self) -> None:
        self.renewed = time.time()
        data = {"host": self.host, "pid": self.pid, "run_id": self.run_id, "renewed": self.renewed,
                "lease_seconds": self.lease_seconds}
        tmp = self.staging / f".{LOCK_FILE}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_seconds / 4):
            try:
                self.renew()
            except OSError:  # staging gone: check_held reports it before publishing
                return

    def check_held(self) -> None:
        held = StagingLock.read(self.staging)
        if held is None or held.run_id != self.run_id:
            raise RunFault(f"staging {self.staging} was taken by another run: its results are lost; run again")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def expired(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) > (self.renewed or 0) + self.lease_seconds

    @classmethod
    def read(cls, staging: Path) -> "StagingLock | None":
        try:
            data = json.loads((staging / LOCK_FILE).read_text(encoding="utf-8"))
            return cls(staging, str(data["run_id"]), str(data["host"]), int(data["pid"]), float(data["renewed"]),
                       float(data["lease_seconds"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _staging_locks(out_dir: Path) -> list[StagingLock]:
    return [lock for d in out_dir.glob(f"{STAGING_PREFIX}*") if (lock := StagingLock.read(d)) is not None]


def _remove_stale_staging(out_dir: Path) -> None:
    """Staging directories whose lease ran out (their run died, on whatever host) are removed.

    One without a readable lock file (an older layout, or a run killed while writing it) counts as
    stale when it has not changed for a whole lease.
    """
    now = time.time()
    for stale in out_dir.glob(f"{STAGING_PREFIX}*"):
        lock = StagingLock.read(stale)
        if lock is not None:
            dead = lock.expired(now)
        else:
            try:
                dead = now - stale.stat().st_mtime > LEASE_SECONDS
            except OSError:
                continue
        if dead:
            shutil.rmtree(stale, ignore_errors=True)


# --- progress -------------------------------------------------------------------------------------

class Progress:
    """A tqdm bar on a terminal; otherwise a log line every LOG_EVERY_SECONDS. Silent when disabled.

    The logged ETA comes from the work completed so far: the seconds workers spent per finished
    article, times the articles left, shared by the `workers` running at once. Wall time since the
    start would count the workers' start-up (model loading) as if it were work still to come."""

    def __init__(self, total: int | None, enabled: bool = True, workers: int = 1):
        self.enabled = enabled
        self.total = total
        self.workers = workers
        self.done = 0
        self.busy_seconds = 0.0
        self.started = self.last_log = time.perf_counter()
        self.bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            # smoothing=0: the rate (and ETA) of all work completed so far, not of the last burst of
            # batches, which arrive unevenly from several workers and shrink towards the end
            self.bar = tqdm(total=total, unit="article", desc="articles", dynamic_ncols=True, file=sys.stderr,
                            smoothing=0)

    def update(self, stats: RunStats) -> None:
        self.done += stats.articles
        self.busy_seconds += stats.busy_seconds
        if self.bar is not None:
            self.bar.update(stats.articles)
            return
        now = time.perf_counter()
        if self.enabled and now - self.last_log >= LOG_EVERY_SECONDS:
            self.last_log = now
            rate = self.done / max(now - self.started, 1e-9)
            left = f", about {self.seconds_left():.0f} s left" if self.total and self.done else ""
            of = f"/{self.total}" if self.total else ""
            log.info("%d%s articles done, %.1f articles/s%s", self.done, of, rate, left)

    def seconds_left(self) -> float:
        """Articles left x busy seconds per finished article / workers (see the class docstring)."""
        per_article = self.busy_seconds / self.done
        return max(self.total - self.done, 0) * per_article / max(self.workers, 1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
