"""Shared fixtures: the spaCy model and one pipeline run over seeds + dev, made once per session."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_ARTICLES = ROOT / "tests" / "dev" / "articles"
GOLD_FILES = (ROOT / "tests" / "gold" / "seeds.jsonl", ROOT / "tests" / "dev" / "gold.jsonl")


@pytest.fixture(scope="session")
def nlp():
    from pipeline.nlp import load_model

    return load_model()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """Seeds and dev articles side by side, as one input directory."""
    corpus = tmp_path_factory.mktemp("corpus")
    for src in (SEEDS, DEV_ARTICLES):
        for f in sorted(src.glob("*.txt")):
            (corpus / f.name).write_bytes(f.read_bytes())
    return corpus


@pytest.fixture(scope="session")
def corpus_gold(tmp_path_factory) -> Path:
    """Gold of seeds and dev in one JSONL file."""
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    lines = [line for g in GOLD_FILES for line in g.read_text(encoding="utf-8").splitlines() if line.strip()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def corpus_outputs(corpus_dir, tmp_path_factory) -> Path:
    """The output tables of one run over seeds + dev (shared by the accuracy gate and table tests)."""
    from pipeline.cli import main

    out = tmp_path_factory.mktemp("outputs")
    assert main(["--quiet", "run", "--input", str(corpus_dir), "--output", str(out),
                 "--params", str(ROOT / "params.yaml")]) == 0
    return out


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def refuse_temp_files(monkeypatch, root: Path, error: int, message: str) -> None:
    """Fault injection: no temporary file can be made under `root` (root writes chmod-read-only
    directories, so a chmod proves nothing here); tempfile is one module for every directory."""
    import tempfile

    mkstemp = tempfile.mkstemp

    def refuse(*args, **kwargs):
        if str(kwargs.get("dir", "")).startswith(str(root)):
            raise OSError(error, message)
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse)


def edited_gazetteer_rules(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of rules/gazetteer in `tmp_path` with `old` replaced by `new` in its file `name`."""
    import shutil

    from pipeline.rules import RULES_DIR

    rules = tmp_path / "gazetteer"
    shutil.copytree(RULES_DIR / "gazetteer", rules)
    path = rules / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer has {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return rules
