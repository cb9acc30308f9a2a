"""A property test of the whole `run` (pipeline/engine.py) with Hypothesis: corpora mixed from real
sentences, random unicode, numbers, region names and the shapes that once stalled a run.

Properties: every input is a row of `articles`; no article runs over its time budget, and no run
over what the budget allows it; the tables reread identically and agree with the manifest; a rerun
(from the cache) gives byte-identical tables; the DVC stage commands give the tables of `run`.
Bounded so the suite stays fast (the `ci` profile, 4 examples each, ~30 s); `make bench` runs the
longer `bench` profile (PIPELINE_PROPERTY_PROFILE=bench).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import engine, schema
from pipeline.guard import over_budget
from pipeline.runner import Params

ROOT = Path(__file__).resolve().parent.parent
PARAMS = Params.load(ROOT / "params.yaml")

settings.register_profile("ci", max_examples=4, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("bench", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = settings.get_profile(os.environ.get("PIPELINE_PROPERTY_PROFILE", "ci"))
# Seconds of a run outside every article's budget: listing the inputs, loading the model and the
# matchers (runner.warm_up), publishing. ~5 s measured on a quiet machine; 60 leaves room for a loaded one.
STARTUP_SECONDS = 60


def _real_sentences() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    return [s.strip() + "." for s in text.replace("\n", " ").split(". ") if 20 < len(s) < 300][:200]


REAL = _real_sentences()
REGIONS = ["Shanghai", "Beijing", "Guangxi Zhuang Autonomous Region", "Heilongjiang", "Xiong'an New Area",
           "the Yangtze River Delta", "Chongqing"]
SHAPES = [
    lambda n: "Growth was " + ", ".join(["5 percent"] * n) + " and 6 percent.",
    lambda n: "It rose 5 " + " ".join(["percent"] * n) + ".",
    lambda n: "It was " + " ".join(["between 5 and"] * n) + " 6 percent.",
    lambda n: " ".join(["Beijing, Shanghai and Tianjin grew 5, 6 and 7 percent, respectively,"] * n) + ".",
    lambda n: "Shanghai grew 5 percent " + " ".join([";", ":"] * n) + ".",
    lambda n: "Investment reached " + "$" * n + "¥" * n + "5 billion yuan.",
]

pieces = st.one_of(
    st.sampled_from(REAL),
    st.text(max_size=120),
    st.builds(lambda r, v, u: f"{r} grew {v} {u} in 2021.", st.sampled_from(REGIONS),
              st.floats(-1e6, 1e30, allow_nan=False), st.sampled_from(["percent", "billion yuan", "%", "jobs"])),
    st.builds(lambda shape, n: shape(n), st.sampled_from(SHAPES), st.integers(1, 400)),
)
article = st.builds(lambda title, body: title + "\n\n" + " ".join(body), st.sampled_from(["Title", "Shanghai news", ""]),
                    st.lists(pieces, min_size=1, max_size=6))
corpus = st.lists(st.tuples(st.sampled_from(["txt", "jsonl"]), article), min_size=1, max_size=4)


def write_corpus(folder: Path, items: list[tuple[str, str]]) -> int:
    """The corpus on disk; returns how many inputs (files and JSONL lines) it holds."""
    folder.mkdir()
    lines = []
    for i, (kind, text) in enumerate(items):
        if kind == "txt":
            (folder / f"a{i}.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
        else:
            lines.append(json.dumps({"id": f"j{i}", "text": text}))
    if lines:
        (folder / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(items)


@PROFILE
@given(items=corpus)
def test_run_properties(tmp_path_factory, items):
    base = tmp_path_factory.mktemp("prop")
    n_inputs = write_corpus(base / "in", items)
    first = engine.process_corpus(base / "in", base / "out", PARAMS, cache_dir=base / "cache", progress=False)
    arts = pd.read_parquet(base / "out" / "articles.parquet")
    assert first.articles == len(arts) == n_inputs  # every input is a row
    assert not over_budget(arts["error"]).any() and first.over_budget == 0  # no article over its budget
    # nor the run over what the budget allows: one article's budget for the batch, one per article retried
    assert first.seconds <= PARAMS.time_budget_seconds * (n_inputs + 1) + STARTUP_SECONDS
    manifest = json.loads((base / "out" / engine.MANIFEST).read_text())
    for name in schema.TABLES:  # tables reread identically and agree with the manifest
        path = base / "out" / f"{name}.parquet"
        a, b = pd.read_parquet(path), pd.read_parquet(path)
        pd.testing.assert_frame_equal(a, b)
        assert len(a) == manifest["tables"][name]["rows"]
    before = {name: (base / "out" / f"{name}.parquet").read_bytes() for name in schema.TABLES}
    second = engine.process_corpus(base / "in", base / "out", PARAMS, cache_dir=base / "cache", progress=False)
    assert second.articles == first.articles
    assert {name: (base / "out" / f"{name}.parquet").read_bytes() for name in schema.TABLES} == before


@PROFILE
@given(items=corpus)
def test_the_dvc_stages_give_the_tables_of_run(tmp_path_factory, items):
    """The same corpora through the DVC stage commands, one after another: the same six tables as `run`."""
    from tests.test_runner import assert_same_tables, run_stages

    base = tmp_path_factory.mktemp("dvc")
    write_corpus(base / "in", items)
    engine.process_corpus(base / "in", base / "direct", PARAMS, cache_dir=None, progress=False)
    run_stages(base / "in", base / "work", base / "staged")
    assert_same_tables(base / "direct", base / "staged")
