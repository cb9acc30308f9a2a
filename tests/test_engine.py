"""Engines: local batches (one or several processes) and Dask partitions give the same tables;
outputs are replaced all or nothing, so a killed run leaves the previous ones; reruns are identical."""
from __future__ import annotations

import json
import logging
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import engine, schema
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
    engine.run(corpus, out, PARAMS, cache_dir=None, progress=False)
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
    assert sorted(p.name for p in local_out.iterdir()) == sorted(f"{n}.parquet" for n in schema.TABLES)
    arts = pd.read_parquet(local_out / "articles.parquet")
    assert len(arts) == 7 and arts["article_id"].is_unique
    assert set(arts.loc[arts["status"] == "ok", "article_id"]) == {f.stem for f in ARTICLES} | {"from-jsonl"}
    assert arts.set_index("article_id").loc[["broken", "feed#2"], "error"].notna().all()
    assert list(arts.columns[:len(schema.ARTICLES)]) == schema.ARTICLES.names
    assert len(pd.read_parquet(local_out / "sentences.parquet")) > 0


def test_small_batches_and_worker_processes_give_the_same_tables(corpus, local_out, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_ARTICLES", 2)
    stats = engine.run(corpus, tmp_path / "out", PARAMS, workers=2, cache_dir=None, progress=False)
    assert stats.articles == 7 and stats.processed == 7
    assert_same_content(tmp_path / "out", local_out)  # rows come batch by batch, in input file order


def test_dask_engine_on_a_local_cluster_matches_the_local_engine(corpus, local_out, tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(engine, "PARTITION_FILES", 2)  # several partitions, one part file each
    out = tmp_path / "out"
    shutil.copytree(local_out, out)  # single files from a local run are replaced by dataset directories
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        stats = engine.run(corpus, out, PARAMS, engine="dask", scheduler=cluster.scheduler_address,
                           cache_dir=str(tmp_path / "cache"), progress=False)
    assert stats.articles == 7 and stats.ok == 5
    for name in schema.TABLES:
        parts = sorted(p.name for p in (out / f"{name}.parquet").iterdir())
        assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert_same_content(out, local_out)
    assert not list(out.glob(".*"))  # no staging or swapped-out directories left


def test_a_killed_run_leaves_the_previous_outputs_and_a_rerun_is_identical(corpus, tmp_path):
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    previous_input = tmp_path / "previous"
    previous_input.mkdir()
    shutil.copy(ARTICLES[0], previous_input / ARTICLES[0].name)
    assert main(["--quiet", "run", "--input", str(previous_input), "--output", str(out), "--no-cache"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    # one article per batch, so the run is killed with some batches staged and others not
    script = ("import sys, pipeline.engine as e; e.BATCH_ARTICLES = 1; from pipeline.cli import main; "
              "sys.exit(main(sys.argv[1:]))")
    proc = subprocess.Popen([sys.executable, "-c", script, "--quiet", "run", "--input", str(corpus),
                             "--output", str(out), "--cache", str(cache_dir)], cwd=ROOT)
    staged = out / f"{engine.STAGING_PREFIX}{proc.pid}" / "articles.parquet" / "part-00001.parquet"
    deadline = time.monotonic() + 120
    while not staged.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run finished before it could be killed"

    assert {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")} == before
    assert len(pd.read_parquet(out / "articles.parquet")) == 1

    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(out), "--cache", str(cache_dir)]) == 0
    assert not list(out.glob(".*"))  # the dead run's staging directory is gone
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(tmp_path / "fresh"), "--no-cache"]) == 0
    for name in schema.TABLES:  # partly cached, partly processed: byte for byte the fresh tables
        assert (out / f"{name}.parquet").read_bytes() == (tmp_path / "fresh" / f"{name}.parquet").read_bytes(), name


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
    assert engine.duplicate_errors(files) == single_pass and len(single_pass) == 2


def test_batches_shrink_towards_the_end_of_a_corpus_of_known_size():
    sizes = [len(b) for b in engine._batches(iter(range(400)), 32, total=400, workers=2)]
    assert sum(sizes) == 400 and sizes[0] == 32
    assert sizes == sorted(sizes, reverse=True)  # guided: never larger than the batch before
    assert min(sizes[:-1]) >= engine.MIN_BATCH_ARTICLES and sizes[-1] <= 32 // 2
    unknown = [len(b) for b in engine._batches(iter(range(70)), 32)]
    assert unknown == [32, 32, 6]


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
