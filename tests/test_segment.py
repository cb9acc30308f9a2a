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


def test_a_sentence_without_an_end_is_split_into_bounded_chunks_with_a_warning(nlp):
    items = ", ".join(["5 percent"] * 2000)
    text = f"Growth was {items} and 6 percent. Shanghai grew 7 percent."
    articles = pd.DataFrame([{"article_id": "a", "status": "ok", "clean_text": text}])
    sentences, tokens, docs = segment.parse(articles, nlp)
    lengths = [len(s) for s in docs["a"].sents]
    assert max(lengths) <= segment.MAX_SENTENCE_TOKENS
    assert sentences["text"].iloc[-1] == "Shanghai grew 7 percent."
    assert "".join(text[r.start:r.end] for r in sentences.itertuples()).replace(" ", "") == text.replace(" ", "")
    assert any("chunks of at most" in w for w in segment.doc_warnings(docs["a"]))
    # chunks end after a comma of the list, not inside an item
    assert all(docs["a"][s.start - 1].text == "," for s in list(docs["a"].sents)[1:-2])


def test_normal_sentences_are_not_chunked(nlp):
    articles = pd.DataFrame([{"article_id": "a", "status": "ok", "clean_text": TEXT}])
    _, _, docs = segment.parse(articles, nlp)
    assert segment.doc_warnings(docs["a"]) == []


def test_a_text_over_the_model_length_is_parsed_in_pieces(nlp, monkeypatch):
    """E088 on the DVC path: the text is parsed in pieces cut at line breaks, offsets intact."""
    text = "\n\n".join(f"Shanghai grew {i} percent in 2020, the bureau said." for i in range(60))
    monkeypatch.setattr(nlp, "max_length", 1000)
    articles = pd.DataFrame([{"article_id": "a", "status": "ok", "clean_text": text}])
    sentences, tokens = segment.run(articles, nlp)
    assert len(sentences) == 60
    for row in sentences.itertuples():
        assert text[row.start:row.end] == row.text
    doc = docs_from_tokens(tokens, blank().vocab)["a"]
    assert doc.text == text


def test_long_runs_without_spaces_are_tokenized_in_pieces(nlp):
    run = "$" * 3000 + "¥" * 3000
    text = f"Investment reached {run}5 billion yuan. Shanghai grew 5 percent."
    (doc,) = segment.pipe(nlp, [text])
    assert doc.text == text
    assert max(len(t) for t in doc) <= segment.MAX_RUN_CHARS
    assert any("without a space" in w for w in segment.doc_warnings(doc))
    assert list(doc.sents)[-1].text == "Shanghai grew 5 percent."
