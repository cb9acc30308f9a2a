"""Segment stage: the spaCy model over each clean text gives `sentences` and the `tokens` parse."""
from __future__ import annotations

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from . import schema
from .docs import sentence_ids

# Texts per nlp.pipe batch; 64 was no slower than larger batches on the seeds + dev corpus.
BATCH_SIZE = 64


def run(articles: pd.DataFrame, nlp: Language, n_process: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse every `ok` article; return (sentences, tokens)."""
    sentences, tokens, _ = parse(articles, nlp, n_process=n_process, keep_docs=False)
    return sentences, tokens


def parse(articles: pd.DataFrame, nlp: Language, n_process: int = 1, keep_docs: bool = True,
          make_tokens: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, Doc]]:
    """(sentences, tokens, Docs by article id): the runner keeps the Docs of a batch for the later
    stages instead of writing and rebuilding the tokens table, which only the DVC stages need."""
    ok = articles[articles["status"] == "ok"]
    sent_rows: list[dict] = []
    token_frames: list[pd.DataFrame] = []
    docs: dict[str, Doc] = {}
    texts = ok["clean_text"].tolist()
    ids = ok["article_id"].tolist()
    for article_id, doc in zip(ids, nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=n_process)):
        for sid, sent in enumerate(doc.sents):
            sent_rows.append({"article_id": article_id, "sentence_id": sid, "start": sent.start_char,
                              "end": sent.end_char, "text": sent.text})
        if make_tokens:
            token_frames.append(tokens_of(article_id, doc))
        if keep_docs:
            docs[article_id] = doc
    sentences = pd.DataFrame(sent_rows, columns=schema.SENTENCES.names)
    tokens = None
    if make_tokens:
        tokens = pd.concat(token_frames, ignore_index=True) if token_frames else schema.empty("tokens")
    return sentences, tokens, docs


TOKEN_COLUMNS = ["token_id", "start", "text", "whitespace", "lemma", "pos", "tag", "dep", "head", "is_sent_start",
                 "ent_iob", "ent_type"]


def tokens_of(article_id: str, doc) -> pd.DataFrame:
    """The rows of `tokens` for one Doc, in one pass over its tokens (Token objects are costly to make)."""
    rows = [(t.i, t.idx, t.text, bool(t.whitespace_), t.lemma_, t.pos_, t.tag_, t.dep_, t.head.i,
             bool(t.is_sent_start), t.ent_iob_ or "O", t.ent_type_) for t in doc]
    frame = pd.DataFrame(rows, columns=TOKEN_COLUMNS)
    frame.insert(0, "article_id", article_id)
    frame.insert(2, "sentence_id", sentence_ids(doc))
    frame.insert(4, "end", frame["start"] + frame["text"].str.len())
    return frame
