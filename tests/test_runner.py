"""The DVC stage subcommands, run one after another, give the same tables as `run` (pipeline/runner.py)."""
import shutil

import pandas as pd

from pipeline.cli import main
from pipeline.schema import TABLES
from tests.conftest import ROOT, SEEDS


def test_stage_by_stage_equals_one_run(tmp_path):
    articles = tmp_path / "in"
    articles.mkdir()
    for f in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(f, articles / f.name)
    work, staged, direct = tmp_path / "work", tmp_path / "staged", tmp_path / "direct"
    params = str(ROOT / "params.yaml")
    assert main(["-q", "clean", "--input", str(articles), "--work", str(work)]) == 0
    assert main(["-q", "segment", "--work", str(work), "--params", params]) == 0
    for stage in ("ner", "quantities", "link"):
        assert main(["-q", stage, "--work", str(work)]) == 0
    assert main(["-q", "tables", "--work", str(work), "--output", str(staged)]) == 0
    assert main(["-q", "run", "--input", str(articles), "--output", str(direct), "--no-cache", "--params", params]) == 0
    for name in TABLES:
        a, b = pd.read_parquet(staged / f"{name}.parquet"), pd.read_parquet(direct / f"{name}.parquet")
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    assert len(pd.read_parquet(direct / "regions.parquet")) > 0


# --- the per-article time budget ------------------------------------------------------------------

import time  # noqa: E402

import pytest  # noqa: E402

from pipeline import inputs, quantities, runner  # noqa: E402
from pipeline.params import DEFAULT_TIME_BUDGET_SECONDS  # noqa: E402

STALL = "STALLING-ARTICLE"


def raw_rows(texts: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"article_id": aid, "source_path": f"{aid}.txt", "sha256": aid, "input_format": "txt",
                          "content_type": "text", "raw_text": text, "url": None, "published_hint": None,
                          "error": None, "warning": None} for aid, text in texts.items()],
                        columns=inputs.RAW_COLUMNS)


@pytest.fixture
def stalling_quantities(monkeypatch):
    """The quantities stage loops forever (in Python bytecode) on an article holding STALL."""
    real = quantities.run

    def run(articles, tokens, docs=None):
        if articles["clean_text"].fillna("").str.contains(STALL).any():
            while True:
                sum(range(1000))
        return real(articles, tokens, docs)

    monkeypatch.setattr(runner.quantities, "run", run)


def test_an_article_over_its_budget_fails_naming_the_stage_and_the_batch_goes_on(stalling_quantities):
    params = runner.Params(time_budget_seconds=2)
    body = "Shanghai's economy grew 5 percent in 2020, the city government said on Monday.\n"
    raw = raw_rows({"normal": "Title\n\n" + body, "stuck": f"Title\n\n{body}{STALL} grew 6 percent.\n",
                    "after": "Other\n\n" + body})
    started = time.monotonic()
    tables = runner.process(raw, params)
    assert time.monotonic() - started < 30
    arts = tables["articles"].set_index("article_id")
    assert arts.loc["stuck", "status"] == "failed"
    assert arts.loc["stuck", "error"] == "time budget of 2 s exceeded in stage quantities"
    assert (arts.loc[["normal", "after"], "status"] == "ok").all()
    assert set(tables["quantities"]["article_id"]) == {"normal", "after"}


def test_budget_from_params_yaml(tmp_path):
    (tmp_path / "params.yaml").write_text("time_budget_seconds: 12.5\n", encoding="utf-8")
    assert runner.Params.load(tmp_path / "params.yaml").time_budget_seconds == 12.5
    assert runner.Params().time_budget_seconds == DEFAULT_TIME_BUDGET_SECONDS


# --- the same budget on the DVC path: each stage command isolates its articles -------------------

import logging  # noqa: E402

STAGE_COMMANDS = ("segment", "ner", "quantities", "link")


def run_stages(corpus, work, out, params=ROOT / "params.yaml") -> None:
    """The DVC stages one after another, as `dvc repro` runs them; each must succeed."""
    assert main(["-q", "clean", "--input", str(corpus), "--work", str(work), "--params", str(params)]) == 0
    for command in STAGE_COMMANDS:
        assert main(["-q", command, "--work", str(work), "--params", str(params)]) == 0, command
    assert main(["tables", "--work", str(work), "--output", str(out)]) == 0


def assert_same_tables(a, b) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"), pd.read_parquet(b / f"{name}.parquet"),
                                      check_dtype=False, obj=name)


BODY = "Shanghai's economy grew 5 percent in 2020, the city government said on Monday.\n"
STUCK = f"Title\n\n{BODY}{STALL} grew 6.\n"


def write_articles(folder, texts: dict[str, str]):
    folder.mkdir()
    for aid, text in texts.items():
        (folder / f"{aid}.txt").write_text(text, encoding="utf-8")
    return folder


def test_a_stalling_article_fails_its_dvc_stage_alone_as_in_run(stalling_quantities, tmp_path, caplog):
    params = tmp_path / "params.yaml"
    params.write_text("time_budget_seconds: 2\n", encoding="utf-8")
    corpus = write_articles(tmp_path / "in", {"normal": "Title\n\n" + BODY, "stuck": STUCK,
                                              "after": "Other\n\nBeijing's output rose 3 percent in 2021.\n"})
    caplog.set_level(logging.INFO, logger="pipeline")
    run_stages(corpus, tmp_path / "work", tmp_path / "staged", params)
    assert "3 articles: 2 ok, 1 not ok, 1 over the time budget" in caplog.text  # the tables stage's summary

    notes = pd.read_parquet(tmp_path / "work" / "notes_quantities.parquet")
    assert notes.to_dict("records") == [{"article_id": "stuck", "stage": "quantities", "status": "failed",
                                         "message": "time budget of 2 s exceeded in stage quantities"}]
    assert pd.read_parquet(tmp_path / "work" / "notes_link.parquet").empty  # link skipped it
    arts = pd.read_parquet(tmp_path / "staged" / "articles.parquet").set_index("article_id")
    assert arts.loc["stuck", "status"] == "failed"
    assert arts.loc["stuck", "error"] == "time budget of 2 s exceeded in stage quantities"
    assert (arts.loc[["normal", "after"], "status"] == "ok").all()
    for name in ("sentences", "regions", "quantities"):  # a failed article is only its articles row
        ids = set(pd.read_parquet(tmp_path / "staged" / f"{name}.parquet")["article_id"])
        assert "stuck" not in ids and {"normal", "after"} <= ids, name

    caplog.clear()
    assert main(["run", "--input", str(corpus), "--output", str(tmp_path / "direct"), "--no-cache",
                 "--params", str(params)]) == 0
    assert "1 over the time budget" in caplog.text  # run's summary counts it too
    assert_same_tables(tmp_path / "staged", tmp_path / "direct")


def test_the_dask_engine_stops_an_article_over_its_budget_and_counts_it(stalling_quantities, tmp_path):
    """Dask tasks run in worker threads (here in this process, so the stall reaches them): the
    budget stops the article there too, and the run's summary counts it."""
    from distributed import LocalCluster

    from pipeline import engine, nlp

    nlp.load_model.cache_clear()  # a model still to load: its loading is no article's time

    corpus = write_articles(tmp_path / "in", {"normal": "Title\n\n" + BODY, "stuck": STUCK})
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        stats = engine.process_corpus(corpus, tmp_path / "out", runner.Params(time_budget_seconds=2), engine="dask",
                           scheduler=cluster.scheduler_address, progress=False)
    assert (stats.articles, stats.ok, stats.over_budget) == (2, 1, 1)
    assert "1 over the time budget" in stats.summary()
    arts = pd.read_parquet(tmp_path / "out" / "articles.parquet").set_index("article_id")
    assert arts.loc["stuck", "error"] == "time budget of 2 s exceeded in stage quantities"
