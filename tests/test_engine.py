"""Engines: local batches (one or several processes) and Dask partitions give the same tables;
outputs are replaced all or nothing, so a killed run leaves the previous ones; reruns are identical."""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import engine, schema
from tests.conftest import refuse_temp_files
from pipeline.cli import main
from pipeline.runner import Params

ROOT = Path(__file__).resolve().parent.parent
PARAMS = Params.load(ROOT / "params.yaml")
ARTICLES = sorted((ROOT / "seeds").glob("*.txt"))[:3] + sorted((ROOT / "tests" / "dev" / "articles").glob("*.txt"))[:1]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Four articles, one unreadable file and a JSONL file with a good and a malformed line."""
    corpus = tmp_path_factory.mktemp("corpus")
    for f in ARTICLES:
        shutil.copy(f, corpus / f.name)
    (corpus / "broken.txt").write_bytes(b"\x00\x01\x02")
    text = ARTICLES[0].read_text(encoding="utf-8")
    (corpus / "feed.jsonl").write_text(json.dumps({"id": "from-jsonl", "text": text}) + "\n{oops\n", encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def local_out(corpus, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local")
    engine.process_corpus(corpus, out, PARAMS, cache_dir=None, progress=False)
    return out


def read_sorted(path: Path) -> pd.DataFrame:
    df = pd.read_parquet(path)
    keys = [c for c in ("article_id", "sentence_id", "start", "end", "region_id", "unit") if c in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same_content(a: Path, b: Path) -> None:
    for name in schema.TABLES:
        pd.testing.assert_frame_equal(read_sorted(a / f"{name}.parquet"), read_sorted(b / f"{name}.parquet"),
                                      check_dtype=False)


def test_local_engine_writes_every_table_and_every_article(local_out):
    assert sorted(p.name for p in local_out.iterdir() if not p.name.startswith(".")) == sorted(
        [f"{n}.parquet" for n in schema.TABLES] + [engine.MANIFEST])
    arts = pd.read_parquet(local_out / "articles.parquet")
    assert len(arts) == 7 and arts["article_id"].is_unique
    assert set(arts.loc[arts["status"] == "ok", "article_id"]) == {f.stem for f in ARTICLES} | {"from-jsonl"}
    assert arts.set_index("article_id").loc[["broken", "feed#2"], "error"].notna().all()
    assert list(arts.columns[:len(schema.ARTICLES)]) == schema.ARTICLES.names
    assert len(pd.read_parquet(local_out / "sentences.parquet")) > 0


def test_small_batches_and_worker_processes_give_the_same_tables(corpus, local_out, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_ARTICLES", 2)
    stats = engine.process_corpus(corpus, tmp_path / "out", PARAMS, workers=2, cache_dir=None, progress=False)
    assert stats.articles == 7 and stats.processed == 7
    assert_same_content(tmp_path / "out", local_out)  # rows come batch by batch, in input file order


def test_an_input_of_one_batch_starts_no_worker_processes(tmp_path, monkeypatch):
    """Too small to gain from workers: it runs in this process, with the same tables."""
    corpus = tmp_path / "small"
    corpus.mkdir()
    for f in ARTICLES[:2]:
        (corpus / f.name).write_bytes(f.read_bytes())

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker pool was started for a two-article input")
    monkeypatch.setattr(engine, "ProcessPoolExecutor", no_pool)
    stats = engine.process_corpus(corpus, tmp_path / "out", PARAMS, workers=2, cache_dir=None, progress=False)
    assert stats.articles == 2 and stats.processed == 2 and stats.ok == 2


def test_dask_engine_on_a_local_cluster_matches_the_local_engine(corpus, local_out, tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(engine, "PARTITION_FILES", 2)  # several partitions, one part file each
    out = tmp_path / "out"
    shutil.copytree(local_out, out)  # single files from a local run are replaced by dataset directories
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        stats = engine.process_corpus(corpus, out, PARAMS, engine="dask", scheduler=cluster.scheduler_address,
                           cache_dir=str(tmp_path / "cache"), progress=False)
    assert stats.articles == 7 and stats.ok == 5
    for name in schema.TABLES:
        parts = sorted(p.name for p in (out / f"{name}.parquet").iterdir())
        assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert_same_content(out, local_out)
    assert_no_leftovers(out)


def test_a_killed_run_leaves_the_previous_outputs_and_a_rerun_is_identical(corpus, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    previous_input = tmp_path / "previous"
    previous_input.mkdir()
    shutil.copy(ARTICLES[0], previous_input / ARTICLES[0].name)
    assert main(["--quiet", "run", "--input", str(previous_input), "--output", str(out), "--no-cache"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}

    # one article per batch, so the run is killed with some batches staged and others not
    script = ("import sys, pipeline.engine as e; e.BATCH_ARTICLES = 1; from pipeline.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", script, "--quiet", "run", "--input", str(corpus),
                             "--output", str(out), "--cache", str(cache_dir)], cwd=ROOT)
    deadline = time.monotonic() + 120
    while (len(list(cache_dir.rglob("*.bundle"))) < 2  # two batches done (each article is cached when done)
           and proc.poll() is None and time.monotonic() < deadline):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run finished before it could be killed"

    assert {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")} == before
    assert len(pd.read_parquet(out / "articles.parquet")) == 1

    staging = list(out.glob(f"{engine.STAGING_PREFIX}*"))
    assert len(staging) == 1
    lock = engine.StagingLock.read(staging[0])
    expire_lease(staging[0])  # the dead run's lease runs out
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(out), "--cache", str(cache_dir)]) == 0
    assert_no_leftovers(out)  # the dead run's staging directory is gone
    assert lock.run_id not in {p.name for p in (out / engine.RUNS_DIR).iterdir()}
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(tmp_path / "fresh"), "--no-cache"]) == 0
    for name in schema.TABLES:  # partly cached, partly processed: byte for byte the fresh tables
        assert (out / f"{name}.parquet").read_bytes() == (tmp_path / "fresh" / f"{name}.parquet").read_bytes(), name


def assert_no_leftovers(out: Path) -> None:
    """No staging or swapped-out directory is left; .runs holds the published run and at most one before it."""
    assert sorted(p.name for p in out.glob(".*")) == [engine.CURRENT, engine.RUNS_DIR]
    runs = sorted(p.name for p in (out / engine.RUNS_DIR).iterdir())
    assert runs[-1] == os.readlink(out / engine.CURRENT).rsplit("/", 1)[-1]
    assert len(runs) <= 1 + engine.PREVIOUS_RUNS_KEPT


def expire_lease(staging: Path) -> None:
    data = json.loads((staging / engine.LOCK_FILE).read_text())
    data["renewed"] -= data["lease_seconds"] + 1
    (staging / engine.LOCK_FILE).write_text(json.dumps(data))


def test_progress_lines_when_not_a_terminal(corpus, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(engine, "LOG_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(engine, "BATCH_ARTICLES", 4)
    with caplog.at_level(logging.INFO, logger="pipeline"):
        assert main(["run", "--input", str(corpus), "--output", str(tmp_path / "out"), "--no-cache"]) == 0
    assert "4 articles done" in caplog.text and "7 articles done" in caplog.text
    assert "7 articles: 5 ok, 2 not ok (7 processed, 0 from cache); rows: sentences" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="pipeline"):
        assert main(["--quiet", "run", "--input", str(corpus), "--output", str(tmp_path / "out"), "--no-cache"]) == 0
    assert "articles done" not in caplog.text


def test_duplicate_errors_match_a_single_pass(corpus, tmp_path):
    from pipeline import inputs

    (tmp_path / "a").mkdir()
    shutil.copy(ARTICLES[0], tmp_path / "a" / ARTICLES[0].name)
    shutil.copy(ARTICLES[0], tmp_path / ARTICLES[0].name)
    (tmp_path / "z.jsonl").write_text(json.dumps({"id": ARTICLES[0].stem, "text": "x"}) + "\n", encoding="utf-8")
    files = inputs.list_input_files(tmp_path)
    single_pass = {r["source_path"]: r["error"] for r in inputs.iter_inputs(tmp_path) if r["error"]}
    found = {src: err for by_file in engine.duplicate_errors(files).values() for src, err in by_file.items()}
    assert found == single_pass and len(single_pass) == 2


def rows_of(*lengths: int) -> list[dict]:
    return [{"raw_text": "x" * n} for n in lengths]


def test_batches_shrink_towards_the_end_of_a_corpus_of_known_size():
    sizes = [len(b) for b in engine._batches(iter(rows_of(*[10] * 400)), 32, total=400, workers=2)]
    assert sum(sizes) == 400 and sizes[0] == 32
    assert sizes == sorted(sizes, reverse=True)  # guided: never larger than the batch before
    assert min(sizes[:-1]) >= engine.MIN_BATCH_ARTICLES and sizes[-1] <= 32 // 2
    unknown = [len(b) for b in engine._batches(iter(rows_of(*[10] * 70)), 32)]
    assert unknown == [32, 32, 6]


def test_batches_hold_at_most_max_chars_of_text_but_never_split_an_article():
    """Memory follows a batch's text: long articles make short batches; one longer than the limit is a batch alone."""
    lengths = [40, 40, 30, 100, 150, 10, None]
    rows = rows_of(*[n or 0 for n in lengths])
    rows[-1]["raw_text"] = None  # an unreadable file counts nothing
    batches = list(engine._batches(iter(rows), 32, max_chars=100))
    assert [[len(r["raw_text"] or "") for r in b] for b in batches] == [[40, 40], [30], [100], [150], [10, 0]]


def test_cached_rows_count_toward_no_limit_so_the_new_articles_are_processed_together(monkeypatch):
    rows = rows_of(*[50] * 12)
    for i, row in enumerate(rows):
        row["new"] = i in (1, 6, 11)  # three new articles among nine cached ones
    batches = list(engine._batches(iter(rows), 2, max_chars=60, cached=lambda row: not row["new"]))
    assert [sum(r["new"] for r in b) for b in batches] == [1, 1, 1]  # the limits count new articles only
    assert sum(len(b) for b in batches) == 12 and len(batches[0]) == 6  # cut when the next new one would not fit
    monkeypatch.setattr(engine, "MAX_BATCH_ROWS", 4)
    capped = list(engine._batches(iter(rows), 32, cached=lambda row: not row["new"]))
    assert [len(b) for b in capped] == [4, 4, 4]


def test_dask_partitions_are_sized_to_the_cluster():
    assert engine.partition_files(480, 2) == 480 // (2 * engine.PARTITIONS_PER_WORKER)
    assert engine.partition_files(100_000, 2) == engine.PARTITION_FILES  # never more than that per task
    assert engine.partition_files(3, 4) == 1


def test_eta_comes_from_the_work_completed_across_workers(monkeypatch, caplog):
    clock = iter([0.0, 30.0, 40.0])
    monkeypatch.setattr(engine.time, "perf_counter", lambda: next(clock))
    monkeypatch.setattr(engine, "LOG_EVERY_SECONDS", 0.0)
    progress = engine.Progress(total=100, workers=2)
    with caplog.at_level(logging.INFO, logger="pipeline"):
        # two workers took 20 s of work for 40 articles (0.5 s each); start-up is not work left to do
        progress.update(engine.RunStats(articles=20, busy_seconds=10.0))
        progress.update(engine.RunStats(articles=20, busy_seconds=10.0))
    assert "20/100 articles done" in caplog.text and "about 20 s left" in caplog.text  # 80 x 0.5 s / 2
    assert "40/100 articles done" in caplog.text and "about 15 s left" in caplog.text  # 60 x 0.5 s / 2


# --- staging locks and the all-or-nothing swap: fault injection -----------------------------------

SLOW_RUN = ("import sys, time, pipeline.engine as e; e.BATCH_ARTICLES = 1; batch = e.process_batch; "
            "e.process_batch = lambda *a: (time.sleep(2.0), batch(*a))[1]; "
            "from pipeline.cli import main; sys.exit(main(sys.argv[1:]))")


# A run whose first batch goes through and whose later ones wait while the file named by
# PIPELINE_TEST_HOLD exists (120 s at most): a live run for as long as a test needs one, whatever the load.
HELD_RUN = ("import os, sys, time, pipeline.engine as e; e.BATCH_ARTICLES = 1; batch = e.process_batch; seen = []\n"
            "def held(*a):\n"
            "    seen.append(1)\n"
            "    end = time.monotonic() + 120\n"
            "    while len(seen) > 1 and os.path.exists(os.environ['PIPELINE_TEST_HOLD']) and time.monotonic() < end:\n"
            "        time.sleep(0.05)\n"
            "    return batch(*a)\n"
            "e.process_batch = held\n"
            "from pipeline.cli import main; sys.exit(main(sys.argv[1:]))")


def test_a_lock_of_another_host_is_honoured_until_its_lease_runs_out(tmp_path):
    out = tmp_path / "out"
    live = engine.StagingLock(out / f"{engine.STAGING_PREFIX}live", "live", host="elsewhere", pid=1)
    live.staging.mkdir(parents=True)
    live.renew()
    dead = engine.StagingLock(out / f"{engine.STAGING_PREFIX}dead", "dead", host="elsewhere", pid=1)
    dead.staging.mkdir(parents=True)
    dead.renew()
    expire_lease(dead.staging)
    engine._remove_stale_staging(out)
    assert live.staging.is_dir() and not dead.staging.exists()


def test_a_second_run_from_another_pid_namespace_leaves_a_live_run_alone(corpus, tmp_path):
    """The first run's staging is invisible by PID from inside `unshare --pid`: only its lease protects it."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                                                           capture_output=True).returncode != 0:
        pytest.skip("unshare --pid is not available here")
    out, hold = tmp_path / "out", tmp_path / "hold"
    hold.touch()
    first = subprocess.Popen([sys.executable, "-c", HELD_RUN, "--quiet", "run", "--input", str(corpus),
                              "--output", str(out), "--no-cache"],
                             cwd=ROOT, env=os.environ | {"PIPELINE_TEST_HOLD": str(hold)})
    deadline = time.monotonic() + 120
    # its staging is locked before any work, and its batches (2 s each) take 14 s more
    while (not list(out.glob(f"{engine.STAGING_PREFIX}*/{engine.LOCK_FILE}"))
           and first.poll() is None and time.monotonic() < deadline):
        time.sleep(0.02)
    assert first.poll() is None, "the first run ended before the second started"
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(ARTICLES[0], other / ARTICLES[0].name)
    second = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-m", "pipeline",
                             "--quiet", "run", "--input", str(other), "--output", str(out), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert first.poll() is None, "the first run ended before the second finished: nothing was tested"
    hold.unlink()
    assert first.wait(timeout=300) == 0
    manifest = json.loads((out / engine.MANIFEST).read_text())
    assert manifest["tables"]["articles"]["rows"] == 7
    assert len(pd.read_parquet(out / "articles.parquet")) == 7  # every article of the first run


def test_a_lost_staging_directory_fails_the_run_instead_of_dropping_articles(corpus, tmp_path, monkeypatch):
    batch = engine._run_batch

    def steal(batch_no, *args):
        done = batch(batch_no, *args)
        if batch_no == 0:  # another run removes our staging after the first batch
            for staging in (tmp_path / "out").glob(f"{engine.STAGING_PREFIX}*"):
                shutil.rmtree(staging)
        return done

    monkeypatch.setattr(engine, "BATCH_ARTICLES", 2)
    monkeypatch.setattr(engine, "_run_batch", steal)
    with pytest.raises(engine.RunFault, match="taken by another run"):
        engine.process_corpus(corpus, tmp_path / "out", PARAMS, cache_dir=None, progress=False)


KILL_AT_RENAME = """
import os, signal, sys
import pipeline.engine as e
kill_at, calls, publishing = int(sys.argv[1]), [0], [False]
def wrap(real):
    def call(*args, **kwargs):
        if publishing[0]:
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return real(*args, **kwargs)
    return call
for name in ("rename", "replace", "symlink"):
    setattr(os, name, wrap(getattr(os, name)))
publish = e._publish
def publish_then_count(*args):
    publishing[0] = True
    return publish(*args)
e._publish = publish_then_count
from pipeline.cli import main
sys.exit(main(sys.argv[2:]))
"""


def assert_one_whole_run(out: Path, expected_ids: list[set[str]]) -> str:
    manifest = json.loads((out / engine.MANIFEST).read_text())
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in schema.TABLES}
    ids = set(tables["articles"]["article_id"])
    assert ids in expected_ids
    for name, df in tables.items():
        assert len(df) == manifest["tables"][name]["rows"], name
        assert set(df["article_id"]) <= ids, name
    return manifest["run_id"]


def test_a_kill_at_any_rename_of_publishing_leaves_one_whole_run(corpus, tmp_path):
    out = tmp_path / "out"
    previous = tmp_path / "previous"
    previous.mkdir()
    shutil.copy(ARTICLES[1], previous / ARTICLES[1].name)
    for source in (previous, corpus):  # the second run finds the links in place: publishing is 3 renames
        assert main(["--quiet", "run", "--input", str(source), "--output", str(out), "--no-cache"]) == 0
    before = assert_one_whole_run(out, [{f.stem for f in ARTICLES} | {"broken", "from-jsonl", "feed#2"}])
    expected = [{f.stem for f in ARTICLES} | {"broken", "from-jsonl", "feed#2"}, {ARTICLES[1].stem}]
    seen = set()
    for kill_at in range(1, 10):
        proc = subprocess.run([sys.executable, "-c", KILL_AT_RENAME, str(kill_at), "--quiet", "run", "--input",
                               str(previous), "--output", str(out), "--no-cache"], cwd=ROOT)
        seen.add(assert_one_whole_run(out, expected))
        if proc.returncode == 0:
            break
        assert proc.returncode == -signal.SIGKILL
    else:
        pytest.fail("publishing never finished")
    assert kill_at > 2 and before in seen and len(seen) == 2  # killed before and after the swap


# --- no losses at the door ------------------------------------------------------------------------

def test_a_lone_surrogate_in_one_article_fails_nothing(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(ARTICLES[0], corpus / ARTICLES[0].name)
    body = json.dumps("Shanghai grew 5 percent in 2020, the city said on Monday.")[1:-1]
    (corpus / "feed.jsonl").write_text('{"id": "bad\\ud800id", "text": "Title\\n\\n\\ud800 ' + body + '"}\n',
                                       encoding="utf-8")
    stats = engine.process_corpus(corpus, tmp_path / "out", PARAMS, cache_dir=tmp_path / "cache", progress=False)
    assert stats.articles == 2 and stats.ok == 2
    arts = pd.read_parquet(tmp_path / "out" / "articles.parquet").set_index("article_id")
    assert "lone surrogates" in arts.loc["bad\ufffdid", "warnings"]
    assert pd.isna(arts.loc[ARTICLES[0].stem, "warnings"])


def test_the_outputs_inside_the_input_directory_are_never_read_back(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(ARTICLES[0], corpus / ARTICLES[0].name)
    out = corpus / "out"
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(out), "--cache", str(corpus / "cache")]) == 0
    assert main(["--quiet", "report", "--output", str(out)]) == 0
    assert list((out / "report").rglob("*.html"))
    stats = engine.process_corpus(corpus, out, PARAMS, cache_dir=corpus / "cache", progress=False)
    assert stats.articles == 1


def test_duplicate_ids_under_a_directory_whose_name_holds_a_hash(tmp_path):
    from pipeline import inputs

    folder = tmp_path / "issue#12"
    folder.mkdir()
    shutil.copy(ARTICLES[0], folder / ARTICLES[0].name)
    shutil.copy(ARTICLES[0], tmp_path / ARTICLES[0].name)
    (folder / "z.jsonl").write_text(json.dumps({"id": ARTICLES[0].stem, "text": "x"}) + "\n", encoding="utf-8")
    files = inputs.list_input_files(tmp_path)
    errors = engine.duplicate_errors(files)
    single_pass = {r["source_path"]: r["error"] for r in inputs.iter_inputs(tmp_path) if r["error"]}
    assert len(single_pass) == 2
    for file in files:  # what each partition is handed holds exactly its own rows' errors
        rows = [r["source_path"] for r in inputs.read_file(file)]
        assert errors.get(str(file), {}) == {src: single_pass[src] for src in rows if src in single_pass}


def test_the_summary_counts_articles_over_the_time_budget():
    stats = engine.RunStats(articles=3, ok=2, over_budget=1, processed=3)
    assert "1 over the time budget" in stats.summary()


# --- faults of the machine: one line, before the work where it can be checked, outputs intact -----

def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: ") and "Traceback" not in err
    return err


@pytest.fixture
def previous_run(tmp_path) -> Path:
    corpus = tmp_path / "one"
    corpus.mkdir()
    shutil.copy(ARTICLES[0], corpus / ARTICLES[0].name)
    out = tmp_path / "out"
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(out), "--no-cache"]) == 0
    return out


def snapshot(out: Path) -> dict[str, bytes]:
    return {name: (out / f"{name}.parquet").read_bytes() for name in schema.TABLES}


def test_a_full_disk_while_writing_parquet_is_one_line_and_keeps_the_outputs(corpus, previous_run, monkeypatch,
                                                                            capsys):
    import errno

    before = snapshot(previous_run)
    class FullDisk(engine.pq.ParquetWriter):
        def write_table(self, table, *args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device", str(self.where))

    monkeypatch.setattr(engine.pq, "ParquetWriter", FullDisk)
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(previous_run), "--no-cache"]) == 1
    assert "No space left on device" in one_line_error(capsys)
    assert snapshot(previous_run) == before
    assert not list(previous_run.glob(f"{engine.STAGING_PREFIX}*"))


def test_too_little_free_space_fails_before_the_work(corpus, previous_run, monkeypatch, capsys):
    before = snapshot(previous_run)
    monkeypatch.setattr(engine, "MIN_FREE_BYTES", 2**62)
    monkeypatch.setattr(engine, "process_batch", lambda *a: pytest.fail("work started"))
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(previous_run), "--no-cache"]) == 1
    assert "not enough free space" in one_line_error(capsys)
    assert snapshot(previous_run) == before


@pytest.mark.parametrize("code, message", [("EROFS", "Read-only file system"), ("EACCES", "Permission denied")])
def test_an_unwritable_output_fails_before_the_work(corpus, previous_run, monkeypatch, capsys, code, message):
    """Injected at the probe file (root writes read-only-mode directories)."""
    import errno

    from pipeline import tableio

    before = snapshot(previous_run)

    def refuse(*args, **kwargs):
        raise OSError(getattr(errno, code), message)

    monkeypatch.setattr(tableio.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(engine, "process_batch", lambda *a: pytest.fail("work started"))
    # the command line's check before any work (pipeline/checks.py): an unusable --output, exit 2
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(previous_run), "--no-cache"]) == 2
    assert message in one_line_error(capsys)
    assert snapshot(previous_run) == before


def test_a_read_only_cache_still_writes_the_tables(corpus, tmp_path, monkeypatch, caplog):
    import errno

    refuse_temp_files(monkeypatch, tmp_path / "cache", errno.EROFS, "Read-only file system")
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(tmp_path / "out"),
                 "--cache", str(tmp_path / "cache")]) == 0
    assert len(pd.read_parquet(tmp_path / "out" / "articles.parquet")) == 7
    assert "without the cache" in caplog.text


def test_a_dvc_stage_on_a_full_disk_is_one_line(tmp_path, monkeypatch, capsys):
    import errno

    from pipeline import tableio

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tableio.pq, "write_table", full)
    assert main(["--quiet", "clean", "--input", str(ARTICLES[0]), "--work", str(tmp_path / "work")]) == 1
    assert "No space left on device" in one_line_error(capsys)


# --- processes cleaned up -------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_or_stopped_run_leaves_no_process_behind(corpus, tmp_path, sig):
    """Fork server, resource tracker and workers all end when the run is killed (SIGKILL) or stopped (SIGTERM)."""
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUN, "--quiet", "run", "--input", str(corpus),
                             "--output", str(tmp_path / "out"), "--no-cache", "--workers", "2"], cwd=ROOT)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    descendants: list = []
    while time.monotonic() < deadline and proc.poll() is None:
        descendants = parent.children(recursive=True)
        if len(descendants) >= 4:  # fork server, resource tracker and two workers
            break
        time.sleep(0.1)
    assert len(descendants) >= 4, "the run ended before its workers started"
    time.sleep(0.5)
    descendants = parent.children(recursive=True)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    gone, alive = psutil.wait_procs(descendants, timeout=30)
    assert not alive, [p.cmdline() for p in alive]
    if sig == signal.SIGTERM:
        assert not list((tmp_path / "out").glob(f"{engine.STAGING_PREFIX}*"))  # cleanup ran


@pytest.mark.parametrize("workers, processes", [(1, False), (2, True)])
def test_a_local_dask_cluster_of_one_worker_is_this_process(corpus, tmp_path, monkeypatch, workers, processes):
    """One worker needs no second interpreter to import the stages and load the model again."""
    import distributed

    started = {}

    def fake_cluster(**kwargs):  # records how the cluster was asked for, and starts none
        started.update(kwargs)
        raise RuntimeError("no cluster in this test")

    monkeypatch.setattr(distributed, "LocalCluster", fake_cluster)
    with pytest.raises(RuntimeError, match="no cluster"):
        engine.process_corpus(corpus, tmp_path / "out", PARAMS, engine="dask", scheduler="local", workers=workers,
                   cache_dir=None, progress=False)
    assert started["processes"] is processes and started["n_workers"] == workers
