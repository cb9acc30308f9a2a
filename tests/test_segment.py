"""The segment stage's tables rebuild the same Doc without re-parsing (tests pipeline/segment.py and docs.py)."""
import pandas as pd
import pytest

from pipeline import segment
from pipeline.docs import docs_from_tokens
from pipeline.nlp import blank

TEXT = ("Haixi will strive to maintain growth.\n\nCHANGCHUN - China has approved plans for a city cluster "
        "in Jilin province.  Harbin and Changchun will lead it.")


@pytest.fixture(scope="module")
def parsed(nlp):
    articles = pd.DataFrame([
        {"article_id": "a", "status": "ok", "clean_text": TEXT},
        {"article_id": "b", "status": "failed", "clean_text": None},
    ])
    return segment.run(articles, nlp)


def test_sentences_cover_offsets(parsed):
    sentences, _ = parsed
    assert set(sentences["article_id"]) == {"a"}
    assert list(sentences["sentence_id"]) == list(range(len(sentences)))
    for row in sentences.itertuples():
        assert TEXT[row.start:row.end] == row.text


def test_docs_rebuild_exactly(parsed, nlp):
    sentences, tokens = parsed
    doc = docs_from_tokens(tokens, blank().vocab)["a"]
    original = nlp(TEXT)
    assert doc.text == TEXT
    assert [t.dep_ for t in doc] == [t.dep_ for t in original]
    assert [t.head.i for t in doc] == [t.head.i for t in original]
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == \
           [(e.start_char, e.end_char, e.label_) for e in original.ents]
    assert [(s.start_char, s.end_char) for s in doc.sents] == list(zip(sentences["start"], sentences["end"]))


def test_token_offsets_point_into_text(parsed):
    _, tokens = parsed
    for row in tokens.itertuples():
        assert TEXT[row.start:row.end] == row.text


def test_a_line_break_ends_a_sentence(nlp):
    """Headlines carry no full stop; the paragraph below must not be parsed into them."""
    text = "Chongqing to invest 3b yuan in Liangjiang\n\nThe city will invest 3 billion yuan.\nA line without a stop"
    starts = [s.text.strip() for s in nlp(text).sents]
    assert starts == ["Chongqing to invest 3b yuan in Liangjiang", "The city will invest 3 billion yuan.",
                      "A line without a stop"]
