"""Segment stage: the spaCy model over each clean text gives `sentences` and the `tokens` parse."""
from __future__ import annotations

import pandas as pd
from spacy.language import Language

from . import schema
from .docs import sentence_ids

# Texts per nlp.pipe batch; 64 was no slower than larger batches on the seeds + dev corpus.
BATCH_SIZE = 64


def run(articles: pd.DataFrame, nlp: Language, n_process: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse every `ok` article; return (sentences, tokens)."""
    ok = articles[articles["status"] == "ok"]
    sent_rows: list[dict] = []
    token_frames: list[pd.DataFrame] = []
    texts = ok["clean_text"].tolist()
    ids = ok["article_id"].tolist()
    for article_id, doc in zip(ids, nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=n_process)):
        for sid, sent in enumerate(doc.sents):
            sent_rows.append({"article_id": article_id, "sentence_id": sid, "start": sent.start_char,
                              "end": sent.end_char, "text": sent.text})
        token_frames.append(tokens_of(article_id, doc))
    sentences = pd.DataFrame(sent_rows, columns=schema.SENTENCES.names)
    tokens = pd.concat(token_frames, ignore_index=True) if token_frames else schema.empty("tokens")
    return sentences, tokens


def tokens_of(article_id: str, doc) -> pd.DataFrame:
    return pd.DataFrame({
        "article_id": article_id,
        "token_id": [t.i for t in doc],
        "sentence_id": sentence_ids(doc),
        "start": [t.idx for t in doc],
        "end": [t.idx + len(t.text) for t in doc],
        "text": [t.text for t in doc],
        "whitespace": [bool(t.whitespace_) for t in doc],
        "lemma": [t.lemma_ for t in doc],
        "pos": [t.pos_ for t in doc],
        "tag": [t.tag_ for t in doc],
        "dep": [t.dep_ for t in doc],
        "head": [t.head.i for t in doc],
        "is_sent_start": [bool(t.is_sent_start) for t in doc],
        "ent_iob": [t.ent_iob_ or "O" for t in doc],
        "ent_type": [t.ent_type_ for t in doc],
    })
