"""Rebuilding spaCy Docs from the `tokens` table, so stages after `segment` need no re-parse."""
from __future__ import annotations

import numpy as np
import pandas as pd
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab


def docs_from_tokens(tokens: pd.DataFrame, vocab: Vocab) -> dict[str, Doc]:
    """One Doc per article with tags, lemmas, dependencies, sentences and the model's entities.

    The Doc's text equals the article's `clean_text`: whitespace tokens are tokens too.
    """
    docs: dict[str, Doc] = {}
    if tokens is None or tokens.empty:
        return docs
    for article_id, group in tokens.groupby("article_id", sort=False):
        docs[str(article_id)] = doc_from_rows(group.sort_values("token_id"), vocab)
    return docs


def doc_from_rows(rows: pd.DataFrame, vocab: Vocab) -> Doc:
    words = rows["text"].tolist()
    heads = rows["head"].to_numpy(dtype=np.int64)
    doc = Doc(
        vocab,
        words=words,
        spaces=[bool(s) for s in rows["whitespace"]],
        tags=[t or "" for t in rows["tag"]],
        pos=[p or "X" for p in rows["pos"]],
        lemmas=[lemma or w for lemma, w in zip(rows["lemma"], words)],
        heads=[int(h) for h in heads],
        deps=[d or "dep" for d in rows["dep"]],
        sent_starts=[bool(s) for s in rows["is_sent_start"]],
    )
    ents = []
    start = None
    label = None
    for i, (iob, typ) in enumerate(zip(rows["ent_iob"], rows["ent_type"])):
        if iob != "I" and start is not None:
            ents.append(Span(doc, start, i, label=label))
            start = None
        if iob == "B":
            start, label = i, typ
    if start is not None:
        ents.append(Span(doc, start, len(rows), label=label))
    doc.ents = ents
    return doc


def sentence_ids(doc: Doc) -> np.ndarray:
    """Sentence index of each token."""
    ids = np.zeros(len(doc), dtype=np.int32)
    for sid, sent in enumerate(doc.sents):
        ids[sent.start:sent.end] = sid
    return ids
