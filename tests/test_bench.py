"""Smoke run of the benchmark on a tiny corpus: every part runs and reports its figures (no timing asserted)."""
from __future__ import annotations

import sys

from pipeline import bench


def test_corpus_copies_get_distinct_ids(tmp_path):
    corpus = bench.build_corpus(len(bench.source_files()) + 2, tmp_path / "c")
    files = sorted(corpus.iterdir())
    assert len(files) == len(bench.source_files()) + 2 and len({f.stem for f in files}) == len(files)
    assert bench.corpus_words(corpus) > 0


def test_summary_is_the_median_with_min_and_max():
    runs = [{"seconds": s, "peak_rss_mb": 100.0 + s} for s in (3.0, 1.0, 2.0)]
    s = bench.summary(runs)
    assert (s["median"], s["min"], s["max"], s["runs"]) == (2.0, 1.0, 3.0, [3.0, 1.0, 2.0])
    assert s["peak_rss_mb"] == 102.0 and s["peak_rss_max_mb"] == 103.0


def test_both_sides_are_whole_processes(tmp_path):
    """The reference loads the model itself (all components): its time includes the model load as the
    pipeline's does."""
    ref = bench.reference_cmd(tmp_path, 1, "en_core_web_sm")
    pipe = bench.pipeline_cmd(tmp_path, tmp_path / "o", 1, "", None)
    assert ref[0] == pipe[0] == sys.executable and ref[1:3] == ["-m", "pipeline.bench"]
    assert "--no-cache" in pipe and "--workers" in pipe


def test_benchmark_smoke(tmp_path):
    results = bench.run_benchmark(n=2, out_dir=tmp_path / "bench", workers=1, params_path=bench.ROOT / "params.yaml",
                                  scale=2, repeat=1)
    for size in (2, 4):
        r = results["sizes"][size]
        assert len(r["pipeline"]["runs"]) == len(r["reference"]["runs"]) == 1
        assert r["pipeline"]["peak_rss_mb"] > 0 and r["reference"]["peak_rss_mb"] > 0 and r["ratio"] > 0
    assert set(results["startup"]) == set(bench.STARTUP_SIZES)
    assert results["memory_ratio"] > 0 and set(results["steady"]) == {"pipeline", "reference"}
    assert results["incremental"]["ratio"] > 0
    text = bench.report(results)
    assert "median of 1" in text and "steady state" in text and "incremental" in text and "load average" in text


def test_sentence_length_figure_smoke():
    """Two short lengths and one shape: the figure is produced and the article comes out ok (no timing asserted)."""
    results = bench.sentence_scaling(lengths=(200, 400), shapes=("list of figures",))
    runs = results["list of figures"]
    assert set(runs) == {200, 400} and all(r["status"] == "ok" and r["seconds"] > 0 for r in runs.values())
    assert "per 10x length" in bench.sentence_report(results)
