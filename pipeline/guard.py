"""The per-article guard every path shares (`run`'s engines through pipeline/runner.py, and each DVC
stage command): a time budget, and a failure kept to the article that caused it.

Work runs on a batch of articles under one article's budget; when it raises or runs over, each
article of the batch is tried again alone under a budget of its own, and only the articles that
still fail are given up, each with an error naming the stage. The DVC stages also leave `stage_notes`
(schema.STAGE_NOTES): the articles they failed, which later stages skip and the tables stage marks
`failed`, and the warnings they have for `articles` (a text parsed in pieces).

This module imports no stage, so a DVC stage that uses it depends on no other stage's code.
"""
from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import numpy as np
import pandas as pd

from . import schema, tableio

log = logging.getLogger(__name__)

TIME_BUDGET_ERROR = "time budget of {seconds:g} s exceeded in stage {stage}"
STAGE_ERROR = "analysis failed in stage {stage}: {kind}: {reason}"
FAILED, WARNING = schema.VOCABULARIES["stage_notes.status"]
# Articles per batch of a DVC stage: the retry unit when a stage fails, as the engine's batches
# (pipeline/engine.py BATCH_ARTICLES, 32: memory, not speed, set it) are for `run`.
STAGE_BATCH_ARTICLES = 32

T = TypeVar("T")


# --- the time budget ------------------------------------------------------------------------------

class OverBudget(BaseException):
    """Raised inside a stage whose article ran out of time. A BaseException, so that the stages'
    own `except Exception` (a bad date, a parse failure) cannot swallow it."""


_stage = threading.local()


def current_stage() -> str:
    return getattr(_stage, "name", "clean")


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Mark the stage running in this thread, so a budget overrun can say where it happened."""
    _stage.name = name
    yield


@contextlib.contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise OverBudget in this thread once `seconds` have passed (again every second until it ends).

    In a process's main thread a SIGALRM timer does it, which also interrupts a long regex match
    (the `re` engine checks for signals); in another thread (a Dask worker's task) a timer thread
    sets an asynchronous exception, raised at the next Python bytecode of the stage.
    """
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread():
        def on_alarm(signum, frame):
            raise OverBudget()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    thread_id = threading.get_ident()
    done = threading.Event()
    guard = threading.Lock()  # no exception is set once the block has ended

    def interrupt() -> None:
        if done.wait(seconds):
            return
        while True:
            with guard:
                if done.is_set():
                    return
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(OverBudget))
            done.wait(1.0)

    timer = threading.Thread(target=interrupt, name="time-budget", daemon=True)
    timer.start()
    try:
        yield
    finally:
        with guard:
            done.set()
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)


def over_budget(errors: pd.Series) -> pd.Series:
    """Which `articles.error` values say the article ran out of its time budget (what summaries count)."""
    return errors.fillna("").astype(str).str.startswith(TIME_BUDGET_ERROR.split("{")[0])


# --- failures kept to their article ---------------------------------------------------------------

def guarded(work: Callable[[], T], budget: float | None) -> tuple[T | None, str | None]:
    """(work(), None), or (None, the error) when it raised or ran over `budget` seconds."""
    try:
        with time_budget(budget):
            return work(), None
    except OverBudget:
        return None, TIME_BUDGET_ERROR.format(seconds=budget, stage=current_stage())
    except Exception as exc:  # noqa: BLE001 - the caller keeps the failure to the article
        log.debug("stage %s failed", current_stage(), exc_info=True)
        return None, STAGE_ERROR.format(stage=current_stage(), kind=type(exc).__name__, reason=exc)


def isolate(frame: pd.DataFrame, work: Callable[[pd.DataFrame], T], budget: float | None
            ) -> list[tuple[pd.DataFrame, T | None, str | None]]:
    """`work(frame)` under one article's budget; when it fails, `work` on each row alone under a budget
    of its own. The outcomes in row order: (rows, result, None) or (one row, None, error)."""
    result, error = guarded(lambda: work(frame), budget)
    if error is None:
        return [(frame, result, None)]
    if len(frame) <= 1:
        return [(frame, None, error)]
    log.warning("batch of %d articles: %s; retrying one article at a time", len(frame), error)
    return [(one, *guarded(lambda: work(one), budget)) for one in (frame.iloc[[i]] for i in range(len(frame)))]


def run_stage(name: str, articles: pd.DataFrame, work: Callable[[pd.DataFrame], T], budget: float | None,
              batch_size: int = STAGE_BATCH_ARTICLES, failed: Callable[[pd.DataFrame, str], T] | None = None
              ) -> tuple[list[T], pd.DataFrame]:
    """A DVC stage's `work` over `articles` in batches, each isolated: the results in row order (with
    `failed(row, error)` in place of each article that failed, when given), and the `stage_notes` of
    the articles that failed."""
    results: list[T] = []
    notes: list[dict] = []
    with stage(name):
        for begin in range(0, len(articles), batch_size):
            for rows, result, error in isolate(articles.iloc[begin:begin + batch_size], work, budget):
                if error is not None:
                    log.warning("article %s: %s", rows["article_id"].iloc[0], error)
                    notes.append(note(str(rows["article_id"].iloc[0]), name, FAILED, error))
                    if failed is None:
                        continue
                    result = failed(rows, error)
                results.append(result)
    return results, notes_frame(notes)


def note(article_id: str, stage_name: str, status: str, message: str) -> dict:
    return {"article_id": article_id, "stage": stage_name, "status": status, "message": message}


def notes_frame(rows: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=schema.STAGE_NOTES.names)


def by_article(frame: pd.DataFrame | None) -> Callable[[Iterable[str]], pd.DataFrame | None]:
    """A function from article ids to the rows of `frame` about them, grouped once, so a stage that
    runs batch by batch reads its inputs in time linear in their size."""
    if frame is None:
        return lambda ids: None
    positions = frame.groupby(frame["article_id"].astype(str), sort=False).indices if len(frame) else {}

    def rows_of(ids: Iterable[str]) -> pd.DataFrame:
        found = [positions[a] for a in ids if a in positions]
        return frame.iloc[np.sort(np.concatenate(found))] if found else frame.iloc[0:0]

    return rows_of


# --- what the notes do to the articles ------------------------------------------------------------

def add_warnings(articles: pd.DataFrame, warnings: dict[str, list[str]]) -> pd.DataFrame:
    """`articles` with more warnings appended to its `warnings` column, by article id."""
    if not any(warnings.values()):
        return articles
    old = articles["warnings"] if "warnings" in articles.columns else pd.Series(None, index=articles.index)
    merged = [
        "; ".join([w for w in ([] if tableio.is_missing(before) else [before]) + warnings.get(aid, [])]) or None
        for aid, before in zip(articles["article_id"], old)]
    return articles.assign(warnings=merged)


def failures(notes: pd.DataFrame) -> dict[str, str]:
    """article id -> error of the first stage (in the order given) that failed it."""
    failed = notes[notes["status"] == FAILED]
    return dict(reversed(list(zip(failed["article_id"].astype(str), failed["message"]))))


def apply_notes(articles: pd.DataFrame, notes: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """The articles with the stages' failures marked (`failed`, the error naming the stage) and their
    warnings added to the others; and the ids of the failed articles, whose rows no other table keeps."""
    failed = failures(notes)
    warned = notes[(notes["status"] == WARNING) & ~notes["article_id"].isin(failed)]
    warnings: dict[str, list[str]] = {}
    for aid, message in zip(warned["article_id"].astype(str), warned["message"]):
        warnings.setdefault(aid, []).append(message)
    articles = add_warnings(articles, warnings)
    if failed:
        ids = articles["article_id"].astype(str)
        hit = ids.isin(failed)
        articles = articles.assign(status=articles["status"].where(~hit, "failed"),
                                   error=articles["error"].where(~hit, ids.map(failed)))
    return articles, set(failed)
