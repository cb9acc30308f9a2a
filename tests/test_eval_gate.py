"""Accuracy gate: the evaluator's scores must not fall below the committed floors, per corpus.

One run over seeds + dev is scored against the seeds' gold, the dev gold and both together; each
is a section of tests/accuracy_floors.json, pinned to the digest of its corpus files. Floors only
go up within a digest: the file's git history is read, and a drop needs an entry in `lowered`.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from pipeline import evaluate
from tests import floors as F
from tests.conftest import GOLD_FILES, ROOT

GATED = {"seeds": GOLD_FILES[:1], "dev": GOLD_FILES[1:], "seeds+dev": GOLD_FILES}


@pytest.fixture(scope="module")
def section_gold(tmp_path_factory) -> dict:
    out = {}
    for name, files in GATED.items():
        path = tmp_path_factory.mktemp("gate") / f"{name}.jsonl"
        path.write_text("".join(f.read_text(encoding="utf-8") for f in files), encoding="utf-8")
        out[name] = path
    return out


@pytest.mark.parametrize("name", list(GATED))
def test_scores_meet_floors(name, section_gold, corpus_outputs):
    result = evaluate.score(section_gold[name], corpus_outputs)
    print(f"\n{name}: " + evaluate.summary(result))
    below = F.below_floors(evaluate.flat_metrics(result), name)
    assert not below, f"{name}: scores below their floors (score, floor): {below}"


@pytest.mark.parametrize("name", list(GATED))
def test_every_floor_names_a_score(name, section_gold, corpus_outputs):
    known = set(evaluate.flat_metrics(evaluate.score(section_gold[name], corpus_outputs)))
    assert set(F.floors(name)) <= known, f"floors for unknown scores: {set(F.floors(name)) - known}"


def test_gated_sections_cover_the_corpus_they_score():
    """The gate's gold files are inside the corpus each section digests."""
    for name, files in GATED.items():
        covered = {p.resolve() for p in F.corpus_files(F.section(name)["corpus"])}
        assert {f.resolve() for f in files} <= covered, name


def test_every_corpus_matches_its_digest():
    for name in F.load()["sections"]:
        F.check_corpus(name)


def test_a_changed_corpus_is_refused(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("one", encoding="utf-8")
    monkeypatch.setattr(F, "ROOT", tmp_path)
    data = {"sections": {"x": {"corpus": ["*.txt"], "digest": F.corpus_digest(["*.txt"]), "floors": {}}}}
    F.check_corpus("x", data)
    (tmp_path / "a.txt").write_text("two", encoding="utf-8")
    with pytest.raises(F.CorpusChanged, match="not the one its floors were measured on"):
        F.check_corpus("x", data)
    (tmp_path / "b.txt").write_text("new file", encoding="utf-8")
    assert F.corpus_digest(["*.txt"]) != data["sections"]["x"]["digest"]


def test_a_drop_within_a_digest_needs_a_recorded_reason():
    old = {"sections": {"s": {"digest": "d1", "floors": {"f1": 0.9, "acc": 0.8}}}}
    new = {"sections": {"s": {"digest": "d1", "floors": {"f1": 0.85, "acc": 0.81}}}}
    assert F.unrecorded_drops(old, new) == ["s.f1: 0.9 -> 0.85"]
    new["lowered"] = [{"section": "s", "score": "f1", "from": 0.9, "to": 0.85, "reason": "gold fixed"}]
    assert F.unrecorded_drops(old, new) == []
    rebased = {"sections": {"s": {"digest": "d2", "floors": {"f1": 0.5, "acc": 0.5}}}}
    assert F.unrecorded_drops(old, rebased) == []  # a new corpus starts anew


def _committed_versions() -> list[dict]:
    try:
        revs = subprocess.run(["git", "log", "--format=%H", "--", "tests/accuracy_floors.json"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return []
    versions = []
    for rev in revs:
        shown = subprocess.run(["git", "show", f"{rev}:tests/accuracy_floors.json"], cwd=ROOT,
                               capture_output=True, text=True)
        if shown.returncode == 0:
            versions.append(json.loads(shown.stdout))
    return versions


def test_no_floor_fell_without_a_recorded_reason():
    """Every committed version of the floors file, against the working one."""
    versions = _committed_versions()
    if not versions:
        pytest.skip("no git history of tests/accuracy_floors.json here (not a git checkout)")
    current = F.load()
    drops = [d for old in versions for d in F.unrecorded_drops(old, current)]
    assert not drops, f"floors lowered without an entry in `lowered`: {sorted(set(drops))}"
