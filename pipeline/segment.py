"""Segment stage: the spaCy model over each clean text gives `sentences` and the `tokens` parse.

Two bounds keep every later stage's work linear in the length of an article, whatever its shape:
- a stretch of more than MAX_SENTENCE_TOKENS tokens with no full stop or line break (a scraped
  table, a 5,000-item list) is split into chunks before the parser, at the last `;`, `,` or `:`
  of each window, and the article records a warning; the stages that pair figures with regions
  and walk parse subtrees do work quadratic in a sentence at worst, so bounded sentences make it
  linear in the article;
- a text longer than the model's `max_length` (spaCy error E088) is parsed in pieces cut at line
  breaks and joined into one Doc, with a warning, instead of failing;
- a run of more than MAX_RUN_CHARS characters without a space (`$$$…¥¥¥5`) is tokenized in pieces:
  spaCy's tokenizer strips affixes one at a time, quadratic in the length of the run.
The warnings travel on each Doc (`doc.user_data["warnings"]`); `run` writes them to `articles`.
"""
from __future__ import annotations

import re

import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from . import schema
from .docs import sentence_ids

# Texts per nlp.pipe batch; 64 was no slower than larger batches on the seeds + dev corpus.
BATCH_SIZE = 64
# Longest stretch of tokens without a sentence end the parser gets. The longest real sentence of
# seeds + dev has 143 words (~170 tokens, a `;`-separated list of targets); 300 is well above it,
# and the later stages' per-sentence pairing stays under ~0.1 s per chunk.
MAX_SENTENCE_TOKENS = 300
# Where a forced split goes: the last clause punctuation in the final part of the window.
_SPLIT_AFTER = {";", ",", ":"}
_SENTENCE_END = {".", "!", "?"}
# Longest run of non-space characters the tokenizer gets whole. Words and numbers are far shorter
# (a long URL may be cut, which no stage reads). Measured on runs of `$`: 18 us a character at 50,
# 35 at 100, 73 at 200, 158 at 500 (plain text: ~1 us), so 100 keeps a pathological run cheap.
MAX_RUN_CHARS = 100
_LONG_RUN = re.compile(rf"\S{{{MAX_RUN_CHARS + 1},}}")
CHUNK_COMPONENT = "long_sentence_breaks"
WARNINGS_KEY = "warnings"


@Language.component(CHUNK_COMPONENT)
def long_sentence_breaks(doc: Doc) -> Doc:
    """Force a sentence start in every stretch of more than MAX_SENTENCE_TOKENS tokens without one."""
    since, split_at, forced = 0, None, 0
    for token in doc:
        if token.i and (token.is_sent_start or doc[token.i - 1].text in _SENTENCE_END
                        or (doc[token.i - 1].is_space and "\n" in doc[token.i - 1].text)):
            since, split_at = 0, None
        since += 1
        if token.text in _SPLIT_AFTER and token.i + 1 < len(doc):
            split_at = token.i + 1
        if since >= MAX_SENTENCE_TOKENS:
            start = split_at if split_at is not None and token.i - split_at < MAX_SENTENCE_TOKENS // 4 else token.i
            if start < len(doc) and start > 0:
                doc[start].is_sent_start = True
                forced += 1
            since, split_at = token.i - start + 1, None
    if forced:
        _warn(doc, f"{forced + 1} chunks of at most {MAX_SENTENCE_TOKENS} tokens made of sentences without an end")
    return doc


def _warn(doc: Doc, message: str) -> None:
    doc.user_data.setdefault(WARNINGS_KEY, []).append(message)


def doc_warnings(doc: Doc) -> list[str]:
    return list(doc.user_data.get(WARNINGS_KEY, []))


def ensure_pipeline(nlp: Language) -> Language:
    """Add the sentence chunker before the parser (once per loaded model)."""
    if CHUNK_COMPONENT not in nlp.pipe_names and "parser" in nlp.pipe_names:
        nlp.add_pipe(CHUNK_COMPONENT, before="parser")
    return nlp


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
    for article_id, doc in zip(ids, pipe(nlp, texts, n_process=n_process)):
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


def pipe(nlp: Language, texts: list[str], n_process: int = 1):
    """nlp.pipe over texts, in order; a text over `nlp.max_length` parsed in pieces and joined."""
    ensure_pipeline(nlp)
    limit = nlp.max_length
    pieces: list[str] = []
    counts: list[int] = []
    for text in texts:
        parts = _pieces(text, limit) if len(text) > limit else [text]
        pieces.extend(_bounded_doc(nlp, part) if _LONG_RUN.search(part) else part for part in parts)
        counts.append(len(parts))
    parsed = nlp.pipe(pieces, batch_size=BATCH_SIZE, n_process=n_process)
    for text, count in zip(texts, counts):
        if count == 1:
            yield next(parsed)
            continue
        parts = [next(parsed) for _ in range(count)]
        doc = Doc.from_docs(parts, ensure_whitespace=False)
        for part in parts:
            for warning in doc_warnings(part):
                _warn(doc, warning)
        _warn(doc, f"text of {len(text)} characters parsed in {count} pieces (model max_length {limit})")
        yield doc


def _bounded_doc(nlp: Language, text: str) -> Doc:
    """The tokenizer's Doc of a text whose long runs without spaces are tokenized MAX_RUN_CHARS at a time."""
    segments, start = [], 0
    for run in _LONG_RUN.finditer(text):
        segments.append(text[start:run.start()])
        segments.extend(text[i:min(i + MAX_RUN_CHARS, run.end())] for i in range(run.start(), run.end(), MAX_RUN_CHARS))
        start = run.end()
    segments.append(text[start:])
    doc = Doc.from_docs([nlp.make_doc(seg) for seg in segments if seg], ensure_whitespace=False)
    _warn(doc, f"runs of over {MAX_RUN_CHARS} characters without a space tokenized in pieces")
    return doc


def _pieces(text: str, limit: int) -> list[str]:
    """`text` cut into pieces of at most `limit` characters, at the last line break (else space) before it."""
    pieces, start = [], 0
    while len(text) - start > limit:
        cut = text.rfind("\n", start + limit // 2, start + limit)
        if cut < 0:
            cut = text.rfind(" ", start + limit // 2, start + limit)
        end = cut + 1 if cut >= 0 else start + limit
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


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
