"""The DVC stage subcommands, run one after another, give the same tables as `run` (pipeline/runner.py)."""
import shutil

import pandas as pd

from pipeline.cli import main
from pipeline.schema import TABLES
from tests.conftest import ROOT, SEEDS


def test_stage_by_stage_equals_one_run(tmp_path):
    articles = tmp_path / "in"
    articles.mkdir()
    for f in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(f, articles / f.name)
    work, staged, direct = tmp_path / "work", tmp_path / "staged", tmp_path / "direct"
    params = str(ROOT / "params.yaml")
    assert main(["-q", "clean", "--input", str(articles), "--work", str(work)]) == 0
    assert main(["-q", "segment", "--work", str(work), "--params", params]) == 0
    for stage in ("ner", "quantities", "link"):
        assert main(["-q", stage, "--work", str(work)]) == 0
    assert main(["-q", "tables", "--work", str(work), "--output", str(staged)]) == 0
    assert main(["-q", "run", "--input", str(articles), "--output", str(direct), "--no-cache", "--params", params]) == 0
    for name in TABLES:
        a, b = pd.read_parquet(staged / f"{name}.parquet"), pd.read_parquet(direct / f"{name}.parquet")
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    assert len(pd.read_parquet(direct / "regions.parquet")) > 0
