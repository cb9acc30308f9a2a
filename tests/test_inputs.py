"""Reading inputs: decoding any bytes, listing files, JSONL lines, duplicate ids; fuzzed with Hypothesis."""
from __future__ import annotations

import json

import pandas as pd

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import inputs

ENGLISH = "Chongqing's economy grew 6.5 percent in 2021, the bureau said. "


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312"])
def test_decode_utf8_and_chinese_encodings(encoding):
    text = "重庆经济增长\n" + ENGLISH * 3 + "广西壮族自治区"
    assert inputs.decode(text.encode(encoding)) == (text, None)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_is_not_misread_as_gbk(encoding):
    # "é" + a letter is a valid GBK pair: a successful GB18030 decode alone would garble this text
    text = "Résumé of the région's développement: " + ENGLISH * 3
    decoded, error = inputs.decode(text.encode(encoding))
    assert error is None and decoded == text


def test_decode_rejects_binary():
    assert inputs.decode(b"\x89PNG\r\n\x1a\n\x00\x00")[0] is None
    text, error = inputs.decode(bytes(range(1, 32)) * 20)
    assert text is None and "binary" in error


def test_decode_blank_is_empty_text():
    assert inputs.decode(b" \n\t") == ("", None)


@given(st.binary(max_size=4096))
@settings(max_examples=300, deadline=None)
def test_decode_never_raises(data):
    text, error = inputs.decode(data)
    assert (text is None) != (error is None)
    assert text is None or isinstance(text, str)


@given(st.text(max_size=2000), st.sampled_from(["utf-8", "gb18030", "utf-16"]))
@settings(max_examples=200, deadline=None)
def test_decode_never_raises_on_encoded_text(text, encoding):
    decoded, error = inputs.decode(text.encode(encoding))
    if encoding != "utf-16" and text.strip() and error is None:
        assert decoded.strip()


@given(st.binary(max_size=2048))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_read_path_never_raises(tmp_path, data):
    for name in ("x.txt", "x.html", "x.jsonl"):
        path = tmp_path / name
        path.write_bytes(data)
        rows = inputs.read_file(path)
        for row in rows:
            assert set(row) == set(inputs.RAW_COLUMNS)
            assert (row["raw_text"] is None) or (row["error"] is None)


def test_list_input_files(tmp_path):
    (tmp_path / "b.txt").write_text(ENGLISH)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.html").write_text("<p>x</p>")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text(ENGLISH)
    (tmp_path / "dir.txt").mkdir()  # a directory with an article's suffix is searched, not read
    (tmp_path / "dir.txt" / "d.txt").write_text(ENGLISH)
    (tmp_path / "broken.txt").symlink_to(tmp_path / "missing")
    names = [p.relative_to(tmp_path).as_posix() for p in inputs.list_input_files(tmp_path)]
    assert names == ["b.txt", "broken.txt", "dir.txt/d.txt", "sub/a.html"]


def test_list_input_files_errors(tmp_path):
    with pytest.raises(inputs.InputError, match="does not exist"):
        inputs.list_input_files(tmp_path / "missing")
    (tmp_path / "a.csv").write_text("x")
    with pytest.raises(inputs.InputError, match="unsupported"):
        inputs.list_input_files(tmp_path / "a.csv")


def test_jsonl_rows(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"id": "a", "text": ENGLISH, "url": "http://x", "published": "2021-07-01"}),
             "{bad", json.dumps({"id": 7, "html": "<p>hi</p>"}), json.dumps("string"), ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = {r["article_id"]: r for r in inputs.read_file(path)}
    assert set(rows) == {"a", "feed#2", "7", "feed#4"}
    assert rows["a"]["raw_text"] == ENGLISH and rows["a"]["url"] == "http://x" and rows["a"]["published_hint"] == "2021-07-01"
    assert rows["7"]["content_type"] == "html" and rows["feed#2"]["error"].startswith("malformed JSON on line 2")
    assert rows["a"]["source_path"] == f"{path}#1" and rows["a"]["sha256"] != rows["7"]["sha256"]


def test_too_large_file_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_ARTICLE_BYTES", 100)
    (tmp_path / "big.txt").write_text(ENGLISH * 10)
    (row,) = inputs.read_file(tmp_path / "big.txt")
    assert row["raw_text"] is None and "too large" in row["error"]


def test_duplicates_keep_first_and_name_it():
    marker = inputs.DuplicateIds()
    rows = [{"article_id": i, "source_path": s, "error": None, "raw_text": "t"}
            for i, s in [("a", "x/a.txt"), ("b", "b.txt"), ("a", "y/a.txt")]]
    marked = [marker.mark(r) for r in rows]
    assert marked[0]["error"] is None and marked[1]["error"] is None
    assert marked[2]["raw_text"] is None and "first read from x/a.txt" in marked[2]["error"]


def test_read_inputs_streams_the_same_rows(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(ENGLISH)
    (tmp_path / "f.jsonl").write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    raw = inputs.read_inputs(tmp_path)
    assert list(raw.columns) == inputs.RAW_COLUMNS
    streamed = list(inputs.iter_inputs(tmp_path))
    assert [(r["article_id"], r["source_path"], r["sha256"]) for r in streamed] == \
        list(zip(raw["article_id"], raw["source_path"], raw["sha256"]))
    assert raw["error"].notna().tolist() == [False, False, True]


def test_lone_surrogates_in_jsonl_are_replaced_with_a_warning(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a\\ud800", "text": "Shanghai grew \\udc80 5 percent.", "url": "http://x/\\ud800"}\n',
                    encoding="utf-8")
    (row,) = inputs.read_file(feed)
    assert row["error"] is None
    assert row["article_id"] == "a\ufffd" and row["raw_text"] == "Shanghai grew \ufffd 5 percent."
    for field in ("article_id", "raw_text", "url"):
        row[field].encode("utf-8")
    assert "lone surrogates" in row["warning"] and "the id" in row["warning"] and "the text" in row["warning"]


def test_a_file_name_that_is_not_utf8_gives_a_safe_row(tmp_path):
    import os

    name = os.fsdecode(b"caf\xe9.txt")  # bytes that are not UTF-8 decode to a lone surrogate
    try:
        (tmp_path / name).write_text("Shanghai grew 5 percent in 2020.\n", encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this filesystem refuses non-UTF-8 names")
    (row,) = list(inputs.iter_inputs(tmp_path))
    assert row["article_id"] == "caf\ufffd" and row["raw_text"]
    row["source_path"].encode("utf-8")
    assert "file name" in row["warning"]


def test_an_unreadable_subdirectory_is_a_row(tmp_path, monkeypatch):
    """Root reads any directory, so the PermissionError of os.scandir is injected."""
    import os

    (tmp_path / "ok.txt").write_text("Shanghai grew 5 percent.\n", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.txt").write_text("Beijing grew 4 percent.\n", encoding="utf-8")
    scandir = os.scandir

    def refuse(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    rows = {r["source_path"]: r for r in inputs.iter_inputs(tmp_path)}
    assert set(rows) == {str(tmp_path / "ok.txt"), str(locked)}
    assert rows[str(locked)]["error"].startswith("cannot read directory")
    assert rows[str(locked)]["article_id"] == "locked"


def test_excluded_directories_are_not_listed(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "out" / "report").mkdir(parents=True)
    (tmp_path / "out" / "report" / "index.html").write_text("<p>x</p>", encoding="utf-8")
    assert inputs.list_input_files(tmp_path, exclude=[tmp_path / "out"]) == [tmp_path / "a.txt"]
    assert len(inputs.list_input_files(tmp_path)) == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_text_is_text(encoding):
    text = "Chongqing's café economy grew 6.5 percent.\n" + ENGLISH * 3
    assert inputs.decode(text.encode(encoding)) == (text, None)


def test_mixed_utf8_and_windows_1252_keeps_both():
    data = "Résumé — “quoted” café. ".encode("utf-8") * 3 + "Un café à Paris.".encode("cp1252")
    text, error = inputs.decode(data)
    assert error is None and text == "Résumé — “quoted” café. " * 3 + "Un café à Paris."


def test_binary_with_nul_bytes_is_still_binary():
    assert inputs.decode(b"\x00\x01\x02\x03" * 100)[0] is None


def test_deeply_nested_html_keeps_its_text(tmp_path):
    from pipeline import clean

    body = "<p>Shanghai grew 5 percent in 2020, the city government said on Monday in a long statement.</p>"
    page = "<html><body>" + "<div>" * 300 + body + "</div>" * 300 + "</body></html>"
    (tmp_path / "deep.html").write_text(page, encoding="utf-8")
    (row,) = inputs.read_file(tmp_path / "deep.html")
    assert "200 levels" in row["warning"]
    article = clean.run(pd.DataFrame([row], columns=inputs.RAW_COLUMNS)).iloc[0]
    assert "Shanghai grew 5 percent" in article["clean_text"]


def test_normal_html_is_not_flattened():
    page = "<html><body>" + "<p>One<p>Two<li>x" * 400 + "<div><span>y</span></div>" * 100 + "</body></html>"
    assert inputs.flatten_deep_html(page) == (page, 0)


def test_door_warnings_are_what_articles_warnings_gets(tmp_path):
    (tmp_path / "feed.jsonl").write_text(json.dumps({"id": "s", "text": "Beijing \ud800 grew."}) + "\n"
                                         + json.dumps({"id": "t", "text": "Beijing grew."}) + "\n", encoding="utf-8")
    raw = inputs.read_inputs(tmp_path)
    warnings = inputs.door_warnings(raw)
    assert "lone surrogates" in warnings[0] and warnings[1] is None
    assert inputs.door_warnings(raw.drop(columns="warning")) == [None, None]
