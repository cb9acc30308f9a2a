"""Runs the stages in memory over a batch of articles: the code the CLI, DVC stages and Dask workers share.

A failure inside a stage never loses the batch: the batch is retried one article at a time and
only the article that fails is marked `failed`, with the stage and the reason.
"""
from __future__ import annotations

import logging

import pandas as pd

from . import clean, link, ner, quantities, schema, segment, tables
from .nlp import load_model
from .params import Params  # loaded and checked in pipeline/params.py; imported from here by engine and bench

log = logging.getLogger(__name__)

STAGE_ORDER = ("clean", "segment", "ner", "quantities", "link", "tables")


def analyse(articles: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    """Every stage after clean, over the `ok` articles: the six output tables."""
    nlp = load_model(params.model)
    # The model's Docs go straight to the later stages; the DVC stages rebuild the same Docs from the
    # tokens table (tests/test_runner.py checks both paths give the same tables).
    sentences, tokens, docs = segment.parse(articles, nlp, n_process=params.n_process, make_tokens=False)
    regions = ner.run(articles, tokens, docs)
    figures = quantities.run(articles, tokens, docs)
    if not params.explain:
        figures, targets = link.run(articles, sentences, tokens, regions, figures, docs, clean.blocks(articles))
        return tables.run(articles, sentences, regions, figures, targets)
    figures, targets, candidates = link.run_explained(articles, sentences, tokens, regions, figures, docs,
                                                      clean.blocks(articles))
    return tables.run(articles, sentences, regions, figures, targets) | {"link_candidates": candidates}


def process(raw: pd.DataFrame, params: Params) -> dict[str, pd.DataFrame]:
    """Clean and analyse a batch of raw articles; an article whose analysis raises is marked failed."""
    articles = clean.run(raw)
    try:
        return analyse(articles, params)
    except Exception:  # noqa: BLE001 - isolate the article that breaks a stage, keep the rest
        log.exception("batch of %d articles failed; retrying one article at a time", len(articles))
    parts: list[dict[str, pd.DataFrame]] = []
    for _, row in articles.iterrows():
        one = articles.loc[[row.name]]
        try:
            parts.append(analyse(one, params))
        except Exception as exc:  # noqa: BLE001
            failed = one.assign(status="failed", error=f"analysis failed: {type(exc).__name__}: {exc}")
            parts.append(tables.run(failed, *(None,) * 4))
    return concat_tables(parts)


def concat_tables(parts: list[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Union of several batches' tables, table by table."""
    merged = {}
    for name in list(schema.TABLES) + [n for n in schema.EXPLAIN_TABLES if any(n in p for p in parts)]:
        frames = [p[name] for p in parts if p.get(name) is not None and not p[name].empty]
        merged[name] = pd.concat(frames, ignore_index=True) if frames else schema.empty(name)
    out = tables.run(merged["articles"], merged["sentences"], merged["regions"], merged["quantities"],
                     merged["targets"])
    return out | {n: merged[n] for n in schema.EXPLAIN_TABLES if n in merged}
