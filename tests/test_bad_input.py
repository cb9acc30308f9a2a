"""Bad input never stops a run: every bad article ends as a row of `articles` with a status and a
clear error, and the good article beside it is still processed. Unusable paths and options exit
non-zero with one line."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import inputs
from pipeline.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOOD = sorted((ROOT / "seeds").glob("*.txt"))[0]
ENGLISH = ("Chongqing reported that its economy grew 6.5 percent in the first half of 2021, "
           "the municipal statistics bureau said on Monday.\n")


def make_corpus(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    """The good article plus `files` in one input directory."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(GOOD, corpus / GOOD.name)
    for name, content in files.items():
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return corpus


def run_corpus(tmp_path: Path, files: dict[str, bytes | str]) -> pd.DataFrame:
    """Run the pipeline over the good article plus `files`; the `articles` table, indexed by id."""
    return run_dir(make_corpus(tmp_path, files), tmp_path / "out")


def run_dir(corpus: Path, out: Path) -> pd.DataFrame:
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(out), "--no-cache"]) == 0
    articles = pd.read_parquet(out / "articles.parquet")
    good = articles.set_index("article_id").loc[GOOD.stem]
    assert good["status"] == "ok" and pd.isna(good["error"]), "the good article beside the bad one was not processed"
    for table in ("sentences", "regions", "quantities"):
        assert (pd.read_parquet(out / f"{table}.parquet")["article_id"] == GOOD.stem).any()
    return articles.set_index("article_id")


def assert_not_ok(row, *words: str) -> None:
    assert row["status"] in ("failed", "empty"), row["status"]
    assert isinstance(row["error"], str) and row["error"].strip()
    for word in words:
        assert word in row["error"].lower(), row["error"]


def test_empty_file(tmp_path):
    arts = run_corpus(tmp_path, {"blank.txt": b"", "spaces.txt": b"  \n\n \t\n"})
    assert_not_ok(arts.loc["blank"], "empty")
    assert_not_ok(arts.loc["spaces"])


def test_binary_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    arts = run_corpus(tmp_path, {"image.txt": png, "noise.html": bytes(range(1, 32)) * 50})
    assert_not_ok(arts.loc["image"], "binary")
    assert_not_ok(arts.loc["noise"], "binary")


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_chinese_encoding(tmp_path, encoding):
    text = "重庆经济稳步增长\n" + ENGLISH + "The city, 重庆, plans more investment.\n"
    arts = run_corpus(tmp_path, {"gb.txt": text.encode(encoding)})
    row = arts.loc["gb"]
    assert row["status"] == "ok" and "grew 6.5 percent" in row["clean_text"]
    assert "\ufffd" not in row["clean_text"]


def test_latin1_text(tmp_path):
    text = "Café owners in Chongqing\n" + ENGLISH + "A résumé of the región's plan, naïve or not.\n"
    arts = run_corpus(tmp_path, {"latin.txt": text.encode("latin-1")})
    row = arts.loc["latin"]
    assert row["status"] == "ok" and "résumé" in row["clean_text"] and "grew 6.5 percent" in row["clean_text"]


def test_file_of_20_megabytes(tmp_path):
    huge = (ENGLISH * (20 * 1024 * 1024 // len(ENGLISH) + 1)).encode()
    assert len(huge) >= 20 * 1024 * 1024
    arts = run_corpus(tmp_path, {"huge.txt": huge})
    assert_not_ok(arts.loc["huge"], "too large")


def test_html_full_of_scripts_and_styles(tmp_path):
    script = "<script>var tracker = 'SCRIPTBODY'; function f(){return 1;}</script>\n" * 200
    style = "<style>.nav { color: red; } /* STYLEBODY */</style>\n" * 200
    body = "".join(f"<p>{line}</p>" for line in ENGLISH.strip().split(", ")) + f"<p>{ENGLISH}</p>"
    page = f"<html><head><title>Growth in Chongqing</title>{style}{script}</head><body>{script}<article>" \
           f"<h1>Growth in Chongqing</h1>{body}</article>{style}</body></html>"
    arts = run_corpus(tmp_path, {"page.html": page})
    row = arts.loc["page"]
    assert row["status"] == "ok" and "grew 6.5 percent" in row["clean_text"]
    assert "SCRIPTBODY" not in row["clean_text"] and "STYLEBODY" not in row["clean_text"]


def test_chinese_only_article(tmp_path):
    text = "重庆市经济稳步增长。\n上半年地区生产总值增长百分之六点五。\n"
    arts = run_corpus(tmp_path, {"zh.txt": text, "zh_gb.txt": text.encode("gb18030")})
    for aid in ("zh", "zh_gb"):
        assert_not_ok(arts.loc[aid], "english")


def test_malformed_jsonl_lines(tmp_path):
    lines = [json.dumps({"id": "j-good", "text": ENGLISH}), "{not json", "[1, 2]", json.dumps({"id": "j-notext"}),
             "", json.dumps({"id": "j-html", "html": f"<html><body><p>{ENGLISH}</p></body></html>"})]
    arts = run_corpus(tmp_path, {"batch.jsonl": "\n".join(lines) + "\n\x00garbage\n"})
    assert arts.loc["j-good", "status"] == "ok" and arts.loc["j-html", "status"] == "ok"
    assert_not_ok(arts.loc["batch#2"], "malformed json", "line 2")
    assert_not_ok(arts.loc["batch#3"], "not a json object")
    assert_not_ok(arts.loc["j-notext"], "no `text`")
    assert_not_ok(arts.loc["batch#7"])
    assert len(arts) == 7  # six non-blank lines and the good article: nothing lost


def test_duplicate_ids(tmp_path):
    corpus = make_corpus(tmp_path, {f"copy/{GOOD.name}": GOOD.read_bytes(),
                                    "batch.jsonl": json.dumps({"id": GOOD.stem, "text": ENGLISH}) + "\n"})
    out = tmp_path / "out"
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(out), "--no-cache"]) == 0
    arts = pd.read_parquet(out / "articles.parquet")
    rows = arts[arts["article_id"] == GOOD.stem]
    assert len(rows) == 3 and (rows["status"] == "ok").sum() == 1
    for _, row in rows[rows["status"] != "ok"].iterrows():
        assert_not_ok(row, "duplicate article_id")
    sentences = pd.read_parquet(out / "sentences.parquet")
    assert not sentences.duplicated(["article_id", "sentence_id"]).any()  # the duplicates add no rows


def test_unreadable_files(tmp_path):
    corpus = make_corpus(tmp_path, {})
    (corpus / "gone.txt").symlink_to(tmp_path / "missing-target.txt")
    os.mkfifo(corpus / "pipe.txt")
    arts = run_dir(corpus, tmp_path / "out2")
    assert_not_ok(arts.loc["gone"], "cannot read")
    assert_not_ok(arts.loc["pipe"], "not a regular file")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their mode")
def test_file_without_read_permission(tmp_path):
    corpus = make_corpus(tmp_path, {"secret.txt": ENGLISH})
    (corpus / "secret.txt").chmod(0)
    arts = run_dir(corpus, tmp_path / "out")
    assert_not_ok(arts.loc["secret"], "cannot read")


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def test_missing_input_path_exits_nonzero_with_one_line(tmp_path, capsys):
    assert main(["--quiet", "run", "--input", str(tmp_path / "nowhere"), "--output", str(tmp_path / "out")]) != 0
    assert "does not exist" in _one_line_error(capsys)
    assert not (tmp_path / "out").exists()


def test_directory_without_articles_exits_nonzero(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.md").write_text("not an article")
    assert main(["--quiet", "run", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]) != 0
    assert "no .txt" in _one_line_error(capsys)


@pytest.mark.parametrize("options, message", [
    (["--workers", "0"], "--workers"),
    (["--engine", "dask"], "--scheduler"),
])
def test_bad_options_exit_nonzero_with_one_line(tmp_path, capsys, options, message):
    argv = ["--quiet", "run", "--input", str(GOOD), "--output", str(tmp_path / "out"), *options]
    assert main(argv) != 0
    assert message in _one_line_error(capsys)


def test_unknown_engine_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--input", str(GOOD), "--output", str(tmp_path / "out"), "--engine", "spark"])
    assert exc.value.code != 0


def test_reader_keeps_every_bad_file_as_a_row(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x00\x01")
    (tmp_path / "b.txt").symlink_to(tmp_path / "nothing")
    raw = inputs.read_inputs(tmp_path)
    assert list(raw["article_id"]) == ["a", "b"] and raw["error"].notna().all()


# --- the same guarantees on the DVC path (`dvc repro`: one stage command after another) -----------

from tests.test_runner import assert_same_tables, run_stages  # noqa: E402


def both_paths(corpus: Path, tmp_path: Path) -> pd.DataFrame:
    """The corpus through `run` and through the DVC stages: the same six tables; the DVC `articles`."""
    run_dir(corpus, tmp_path / "direct")
    run_stages(corpus, tmp_path / "work", tmp_path / "staged")
    assert_same_tables(tmp_path / "direct", tmp_path / "staged")
    return pd.read_parquet(tmp_path / "staged" / "articles.parquet").set_index("article_id")


def test_dvc_stages_keep_every_bad_input_and_long_text_as_run_does(tmp_path, monkeypatch):
    from pipeline.nlp import load_model
    from pipeline.params import Params

    # a text over the model's length (E088) without a huge file: the model both paths load, shortened
    monkeypatch.setattr(load_model(Params.load(ROOT / "params.yaml").model), "max_length", 2500)
    long_text = "Long report\n\n" + "".join(f"In month {i} of the year, {ENGLISH}" for i in range(1, 31))
    lines = [json.dumps({"id": "lone", "text": "Chongqing \ud800 news\n\n" + ENGLISH}), "{not json",
             json.dumps({"id": "twice", "text": ENGLISH}), json.dumps({"id": "twice", "text": ENGLISH})]
    corpus = make_corpus(tmp_path, {
        "empty.txt": "", "binary.txt": b"\x00\x01\x02" * 100,
        "latin.txt": ("Café owners in Chongqing\n" + ENGLISH + "A résumé of the plan.\n").encode("latin-1"),
        "wide.txt": ("Chongqing news\n\n" + ENGLISH).encode("utf-16"),
        "gb.txt": ("Chongqing news\n\n" + ENGLISH + "重庆市经济稳步增长。\n").encode("gb18030"),
        "long.txt": long_text, "feed.jsonl": "\n".join(lines) + "\n",
        "deep.html": "<html><body>" + "<div>" * 300 + f"<p>{ENGLISH}</p>" + "</div>" * 300 + "</body></html>"})
    arts = both_paths(corpus, tmp_path)
    assert len(arts) == 12  # every input a row: 8 files besides the good one, 4 JSONL lines
    for aid in ("latin", "wide", "gb", "long", "lone", "deep"):
        assert arts.loc[aid, "status"] == "ok", (aid, arts.loc[aid, "error"])
    assert "Café" in arts.loc["latin", "clean_text"]
    assert "pieces" in arts.loc["long", "warnings"]  # parsed in pieces, with the warning `run` gives
    assert "lone surrogates" in arts.loc["lone", "warnings"]
    assert "nested deeper" in arts.loc["deep", "warnings"]
    for aid, words in (("empty", ()), ("binary", ("binary",)), ("feed#2", ("malformed json",))):
        assert_not_ok(arts.loc[aid], *words)
    duplicates = arts.loc[["twice"]]
    assert (duplicates["status"] == "ok").sum() == 1 and duplicates["error"].str.contains("duplicate").sum() == 1


@pytest.mark.parametrize("module, function, stage", [
    ("segment", "parse", "segment"), ("ner", "run", "ner"), ("quantities", "run", "quantities"),
    ("link", "run", "link"), ("tables", "run", "tables")])
def test_an_article_raising_in_a_dvc_stage_fails_alone(tmp_path, monkeypatch, module, function, stage):
    """One article that breaks a stage fails that article, not the stage for the corpus (nor `run`)."""
    import importlib

    target = importlib.import_module(f"pipeline.{module}")
    real = getattr(target, function)

    def breaks_on_marker(articles, *args, **kwargs):
        ok = articles[articles["status"] == "ok"]  # a failed row is written whatever its text
        if ok["clean_text"].fillna("").str.contains("BREAKS-THE-STAGE").any():
            raise RuntimeError("boom")
        return real(articles, *args, **kwargs)

    monkeypatch.setattr(target, function, breaks_on_marker)
    corpus = make_corpus(tmp_path, {"bad.txt": "Chongqing news\n\nBREAKS-THE-STAGE. " + ENGLISH,
                                    "fine.txt": "Chongqing news\n\n" + ENGLISH})
    arts = both_paths(corpus, tmp_path)
    assert arts.loc["bad", "status"] == "failed"
    assert arts.loc["bad", "error"] == f"analysis failed in stage {stage}: RuntimeError: boom"
    assert arts.loc["fine", "status"] == "ok"
    assert (pd.read_parquet(tmp_path / "staged" / "quantities.parquet")["article_id"] == "fine").any()
