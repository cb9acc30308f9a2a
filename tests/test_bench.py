"""Smoke run of the benchmark on a tiny corpus: every part runs and reports its figures (no timing asserted)."""
from __future__ import annotations

from pipeline import bench


def test_corpus_copies_get_distinct_ids(tmp_path):
    corpus = bench.build_corpus(len(bench.source_files()) + 2, tmp_path / "c")
    files = sorted(corpus.iterdir())
    assert len(files) == len(bench.source_files()) + 2 and len({f.stem for f in files}) == len(files)
    assert bench.corpus_words(corpus) > 0


def test_benchmark_smoke(tmp_path):
    results = bench.run(n=2, out_dir=tmp_path / "bench", workers=1, params_path=bench.ROOT / "params.yaml", scale=1,
                        repeat=2)
    size = results["sizes"][2]
    assert len(size["pipeline_runs"]) == len(size["reference_runs"]) == 2
    assert size["pipeline"]["seconds"] == min(size["pipeline_runs"])
    assert size["pipeline"]["articles"] == 2 and size["pipeline"]["processed"] == 2
    assert size["reference"]["components"]  # the bare model ran with its components
    assert size["pipeline"]["peak_rss_mb"] > 0 and size["ratio"] > 0
    inc = results["incremental"]
    assert (inc["articles"], inc["processed"], inc["cached"]) == (2 + bench.NEW_ARTICLES, bench.NEW_ARTICLES, 2)
    text = bench.report(results)
    assert "articles/s" in text and "ratio" in text and f"{bench.NEW_ARTICLES} processed" in text


def test_sentence_length_figure_smoke():
    """Two short lengths and one shape: the figure is produced and the article comes out ok (no timing asserted)."""
    results = bench.sentence_scaling(lengths=(200, 400), shapes=("list of figures",))
    runs = results["list of figures"]
    assert set(runs) == {200, 400} and all(r["status"] == "ok" and r["seconds"] > 0 for r in runs.values())
    assert "per 10x length" in bench.sentence_report(results)
