"""Runs the stages in memory over a batch of articles: the code the CLI, DVC stages and Dask workers share.

A failure inside a stage never loses the batch: the batch is retried one article at a time and
only the article that fails is marked `failed`, with the stage and the reason. So is an article
that runs over its time budget (`Params.time_budget_seconds`): the batch gets one article's
budget, and when it runs over, each article is retried with a budget of its own.
"""
from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import threading
from collections.abc import Iterator

import pandas as pd

from . import clean, link, ner, quantities, schema, segment, tableio, tables
from .nlp import load_model
from .params import DEFAULT_TIME_BUDGET_SECONDS, Params  # loaded and checked in pipeline/params.py; imported from here by engine and bench

log = logging.getLogger(__name__)

STAGE_ORDER = ("clean", "segment", "ner", "quantities", "link", "tables")
TIME_BUDGET_ERROR = "time budget of {seconds:g} s exceeded in stage {stage}"


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


# --- the stages -----------------------------------------------------------------------------------

def analyse(articles: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    """Every stage after clean, over the `ok` articles: the six output tables."""
    nlp = load_model(params.model)
    # The model's Docs go straight to the later stages; the DVC stages rebuild the same Docs from the
    # tokens table (tests/test_runner.py checks both paths give the same tables).
    with stage("segment"):
        sentences, tokens, docs = segment.parse(articles, nlp, n_process=params.n_process, make_tokens=False)
        articles = add_warnings(articles, {aid: segment.doc_warnings(doc) for aid, doc in docs.items()})
    with stage("ner"):
        regions = ner.run(articles, tokens, docs)
    with stage("quantities"):
        figures = quantities.run(articles, tokens, docs)
    with stage("link"):
        if params.explain:
            figures, targets, candidates = link.run_explained(articles, sentences, tokens, regions, figures, docs,
                                                              clean.blocks(articles))
        else:
            figures, targets = link.run(articles, sentences, tokens, regions, figures, docs, clean.blocks(articles))
            candidates = None
    with stage("tables"):
        out = tables.run(articles, sentences, regions, figures, targets)
    return out if candidates is None else out | {"link_candidates": candidates}


def add_warnings(articles: pd.DataFrame, warnings: dict[str, list[str]]) -> pd.DataFrame:
    """`articles` with more warnings appended to its `warnings` column, by article id."""
    if not any(warnings.values()):
        return articles
    old = articles["warnings"] if "warnings" in articles.columns else pd.Series(None, index=articles.index)
    merged = [
        "; ".join([w for w in ([] if tableio.is_missing(before) else [before]) + warnings.get(aid, [])]) or None
        for aid, before in zip(articles["article_id"], old)]
    return articles.assign(warnings=merged)


def clean_stage(raw: pd.DataFrame) -> pd.DataFrame:
    """clean.run, with the warnings inputs.py gave each raw row (replaced characters) kept on its article."""
    with stage("clean"):
        articles = clean.run(raw)
    if "warning" in raw.columns:
        articles = articles.assign(warnings=[None if tableio.is_missing(w) else w for w in raw["warning"]])
    return articles


def _clean_and_analyse(raw: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    return analyse(clean_stage(raw), params)


def process(raw: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    """Clean and analyse a batch of raw articles; an article whose analysis raises, or that runs
    over the time budget, is marked failed and the others go on."""
    budget = params.time_budget_seconds
    try:
        with time_budget(budget):
            return _clean_and_analyse(raw, params)
    except OverBudget:
        log.warning("batch of %d articles ran over %g s in stage %s; retrying one article at a time",
                    len(raw), budget, current_stage())
    except Exception:  # noqa: BLE001 - isolate the article that breaks a stage, keep the rest
        log.exception("batch of %d articles failed; retrying one article at a time", len(raw))
    parts: list[dict[str, pd.DataFrame]] = []
    for i in range(len(raw)):
        one = raw.iloc[[i]]
        articles = None
        try:
            with time_budget(budget):
                articles = clean_stage(one)
                parts.append(analyse(articles, params))
        except OverBudget:
            error = TIME_BUDGET_ERROR.format(seconds=budget, stage=current_stage())
            log.warning("article %s: %s", one["article_id"].iloc[0], error)
            parts.append(_failed(one, articles, error))
        except Exception as exc:  # noqa: BLE001
            parts.append(_failed(one, articles, f"analysis failed: {type(exc).__name__}: {exc}"))
    return concat_tables(parts)


def _failed(raw: pd.DataFrame, articles: pd.DataFrame | None, error: str) -> dict[str, pd.DataFrame]:
    """The tables of one failed article: its cleaned row when clean finished, else one made from the raw row."""
    if articles is None:
        articles = clean.run(raw.assign(raw_text=None, error=error))
    return tables.run(articles.assign(status="failed", error=error), *(None,) * 4)


def concat_tables(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Union of several batches' tables, table by table."""
    merged = {}
    for name in list(schema.TABLES) + [n for n in schema.EXPLAIN_TABLES if any(n in p for p in parts)]:
        frames = [p[name] for p in parts if p.get(name) is not None and not p[name].empty]
        merged[name] = pd.concat(frames, ignore_index=True) if frames else schema.empty(name)
    out = tables.run(merged["articles"], merged["sentences"], merged["regions"], merged["quantities"],
                     merged["targets"])
    return out | {n: merged[n] for n in schema.EXPLAIN_TABLES if n in merged}
