"""The command line: help, exit codes and one-line errors (SPEC §1)."""
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("command", ["run", "clean", "segment", "ner", "quantities", "link", "tables", "evaluate"])
def test_every_subcommand_explains_itself(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_missing_input_path_exits_nonzero_with_one_line(tmp_path):
    proc = run_cli("run", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out"))
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [f"error: input path does not exist: {tmp_path / 'nope'}"]


def test_bad_option_exits_nonzero_with_one_line():
    proc = run_cli("run", "--input", "seeds", "--output", "x", "--no-such-option")
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode != 0 and len(lines) == 1 and "--no-such-option" in lines[0], proc.stderr


def test_directory_without_articles_is_an_error(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("nothing")
    assert main(["run", "--input", str(tmp_path), "--output", str(tmp_path / "out")]) == 2
    assert "no .txt, .html or .jsonl articles" in capsys.readouterr().err


def test_evaluate_rejects_missing_gold(tmp_path, capsys):
    assert main(["evaluate", "--gold", str(tmp_path / "g.jsonl"), "--pred", str(tmp_path)]) == 2
    assert "gold file does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--n", "--workers", "--scale", "--repeat"])
def test_bench_rejects_counts_below_one(option, capsys):
    assert main(["bench", option, "0"]) == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_run_explain_writes_link_candidates(tmp_path):
    from pipeline.cli import main

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Guangxi sets goals\n\nGuangxi's GDP grew 6 percent in 2023, the regional "
                               "government said on Monday, and Hechi reported 5 percent.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["--quiet", "run", "--input", str(src), "--output", str(out), "--explain"]) == 0
    c = pd.read_parquet(out / "link_candidates.parquet")
    q = pd.read_parquet(out / "quantities.parquet")
    chosen = c[c["chosen"]]
    assert set(chosen["quantity_id"]) == set(q.loc[q["region_id"].notna(), "quantity_id"])
    assert set(chosen["finder"]) <= set(q["evidence"].dropna())
    assert c.loc[~c["chosen"], "reason"].notna().all()
