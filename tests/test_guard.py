"""The per-article guard (pipeline/guard.py): a failure or an overrun is kept to its article, in
batches and in the DVC stages' notes."""
from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from pipeline import guard


def frame(*ids: str) -> pd.DataFrame:
    return pd.DataFrame({"article_id": list(ids), "x": range(len(ids))})


def failing_on(bad: str, stage_name: str = "ner"):
    def work(batch: pd.DataFrame) -> list[str]:
        with guard.stage(stage_name):
            if bad in set(batch["article_id"]):
                raise ValueError(f"cannot read {bad}")
            return list(batch["article_id"])
    return work


def test_a_batch_that_succeeds_is_one_outcome():
    (outcome,) = guard.isolate(frame("a", "b"), failing_on("z"), budget=5)
    assert outcome[1] == ["a", "b"] and outcome[2] is None


def test_one_failing_article_is_retried_alone_and_the_others_go_on_in_order():
    outcomes = guard.isolate(frame("a", "bad", "c"), failing_on("bad", "quantities"), budget=5)
    assert [(list(rows["article_id"]), result, error) for rows, result, error in outcomes] == [
        (["a"], ["a"], None),
        (["bad"], None, "analysis failed in stage quantities: ValueError: cannot read bad"),
        (["c"], ["c"], None)]


def test_an_overrun_names_the_stage():
    def stall(batch):
        with guard.stage("link"):
            while True:
                sum(range(1000))

    ((rows, result, error),) = guard.isolate(frame("slow"), stall, budget=0.3)
    assert result is None and error == "time budget of 0.3 s exceeded in stage link"
    assert guard.over_budget(pd.Series([error, None, "analysis failed in stage link: X"])).tolist() == [
        True, False, False]


def test_run_stage_batches_notes_failures_and_can_put_a_row_in_their_place():
    articles = frame(*[f"a{i}" for i in range(7)])
    results, notes = guard.run_stage("ner", articles, failing_on("a4"), budget=5, batch_size=3)
    assert results == [["a0", "a1", "a2"], ["a3"], ["a5"], ["a6"]]
    assert notes.to_dict("records") == [{"article_id": "a4", "stage": "ner", "status": "failed",
                                         "message": "analysis failed in stage ner: ValueError: cannot read a4"}]
    results, _ = guard.run_stage("ner", articles, failing_on("a4"), budget=5, batch_size=3,
                                 failed=lambda rows, error: ["failed " + rows["article_id"].iloc[0]])
    assert results == [["a0", "a1", "a2"], ["a3"], ["failed a4"], ["a5"], ["a6"]]


def test_by_article_gives_the_rows_of_the_ids_asked_in_their_order():
    tokens = pd.DataFrame({"article_id": ["b", "a", "b", "c"], "token_id": [0, 0, 1, 0]})
    rows_of = guard.by_article(tokens)
    assert rows_of(["b", "zzz"])["token_id"].tolist() == [0, 1]
    assert rows_of(["c", "a"]).index.tolist() == [1, 3]
    assert rows_of(["zzz"]).empty and list(rows_of(["zzz"]).columns) == ["article_id", "token_id"]
    assert guard.by_article(None)(["a"]) is None


@pytest.fixture
def articles() -> pd.DataFrame:
    return pd.DataFrame({"article_id": ["a", "b", "c"], "status": ["ok", "ok", "empty"],
                         "error": [None, None, "no body"], "warnings": ["replaced", None, None]})


def test_notes_mark_failed_articles_with_the_first_stage_that_failed_them(articles):
    notes = guard.notes_frame([
        guard.note("a", "segment", guard.WARNING, "parsed in 2 pieces"),
        guard.note("b", "segment", guard.WARNING, "3 chunks"),
        guard.note("b", "ner", guard.FAILED, "time budget of 2 s exceeded in stage ner"),
        guard.note("b", "link", guard.FAILED, "analysis failed in stage link: KeyError: 'x'"),
    ])
    marked, failed = guard.apply_notes(articles, notes)
    assert failed == {"b"}
    by_id = marked.set_index("article_id")
    assert by_id.loc["b", "status"] == "failed"
    assert by_id.loc["b", "error"] == "time budget of 2 s exceeded in stage ner"
    assert pd.isna(by_id.loc["b", "warnings"])  # as in `run`: a failed article keeps no later stage's warning
    assert by_id.loc["a", "status"] == "ok" and by_id.loc["a", "warnings"] == "replaced; parsed in 2 pieces"
    assert by_id.loc["c", "error"] == "no body"


def test_no_notes_change_nothing(articles):
    marked, failed = guard.apply_notes(articles, guard.notes_frame([]))
    assert failed == set()
    pd.testing.assert_frame_equal(marked, articles)


def test_the_budget_stops_a_task_thread_too():
    """Dask runs tasks in worker threads, where no SIGALRM arrives: an asynchronous exception stops it."""
    outcome = {}

    def task():
        try:
            with guard.time_budget(0.5):
                with guard.stage("link"):
                    while True:
                        sum(range(1000))
        except guard.OverBudget:
            outcome["stage"] = guard.current_stage()

    thread = threading.Thread(target=task)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and outcome == {"stage": "link"}


def test_a_block_within_its_budget_is_never_interrupted_later():
    with guard.time_budget(0.2):
        pass
    time.sleep(0.5)  # no alarm left behind
    done = threading.Event()

    def task():
        with guard.time_budget(0.2):
            pass
        time.sleep(0.5)
        done.set()

    thread = threading.Thread(target=task)
    thread.start()
    thread.join(10)
    assert done.is_set()
