"""Runs the stages in memory over a batch of articles: the code the CLI, DVC stages and Dask workers share.

A failure inside a stage never loses the batch: the batch is retried one article at a time and
only the article that fails is marked `failed`, with the stage and the reason. So is an article
that runs over its time budget (`Params.time_budget_seconds`): the batch gets one article's
budget, and when it runs over, each article is retried with a budget of its own (pipeline/guard.py,
which the DVC stage commands use too).
"""
from __future__ import annotations

import logging

import pandas as pd

from . import clean, link, ner, quantities, schema, segment, tables
from .guard import add_warnings, isolate, stage  # the budget: pipeline/guard.py, shared with the DVC stages
from .inputs import door_warnings
from .nlp import load_model
from .params import Params

log = logging.getLogger(__name__)

STAGE_ORDER = ("clean", "segment", "ner", "quantities", "link", "tables")


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


def clean_stage(raw: pd.DataFrame) -> pd.DataFrame:
    """clean.run, with the warnings inputs.py gave each raw row (replaced characters) kept on its article."""
    with stage("clean"):
        return clean.run(raw).assign(warnings=door_warnings(raw))


def warm_up(model: str | None) -> None:
    """Build what the stages build once per process (the spaCy model, the region matcher over the
    gazetteer, quantulum3's unit tables: seconds in a fresh process) before any article's budget
    starts, so that time is no article's. The worker fork server calls it before forking (pipeline/warm.py), and a Dask worker when it starts."""
    ner.recognizer_pipeline()
    ner.pinyin_syllables()
    quantities.warm_up()
    if model:
        load_model(model)


def process(raw: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    """Clean and analyse a batch of raw articles; an article whose analysis raises, or that runs
    over the time budget, is marked failed and the others go on."""
    warm_up(params.model)
    raw = raw.reset_index(drop=True)
    cleaned: dict[int, pd.DataFrame] = {}  # the clean row of each article analysed alone, for its failed row

    def clean_and_analyse(batch: pd.DataFrame) -> dict[str, pd.DataFrame]:
        articles = clean_stage(batch)
        if len(batch) == 1:
            cleaned[batch.index[0]] = articles
        return analyse(articles, params)

    outcomes = isolate(raw, clean_and_analyse, params.time_budget_seconds)
    if len(outcomes) == 1 and outcomes[0][2] is None:
        return outcomes[0][1]
    parts = []
    for rows, result, error in outcomes:
        if error is not None:
            log.warning("article %s: %s", rows["article_id"].iloc[0], error)
            result = _failed(rows, cleaned.get(rows.index[0]), error)
        parts.append(result)
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
