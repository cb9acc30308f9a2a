"""The command line: help, exit codes and one-line errors (SPEC §1), checked before any work."""
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pipeline
from pipeline.cli import EXAMPLES, build_parser, main
from pipeline.tableio import write_table

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


# --- one line for every error path, before any work -------------------------------------------------

SEED = sorted((ROOT / "seeds").glob("*.txt"))[0]


def error_lines(proc: subprocess.CompletedProcess) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    lines = error_lines(proc)
    assert proc.returncode != 0 and len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert all(f in lines[0] for f in fragments), lines[0]
    return lines[0]


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory nobody can write in, root included (CI runs as root): immutable where chattr
    works, else (not root) without write permission."""
    path = tmp_path / "read-only"
    path.mkdir()
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        yield path
        subprocess.run(["chattr", "-i", str(path)], check=True)
    elif os.geteuid() != 0:
        path.chmod(0o555)
        yield path
        path.chmod(0o755)
    else:
        pytest.skip("no way to make a directory read-only for root here (chattr +i failed)")


def test_output_that_is_a_file(tmp_path):
    (tmp_path / "out").write_text("not a directory")
    proc = run_cli("run", "--input", str(SEED), "--output", str(tmp_path / "out"))
    assert_one_line_error(proc, "--output", "is a file, not a directory")


def test_output_under_a_file(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    proc = run_cli("run", "--input", str(SEED), "--output", str(tmp_path / "file" / "out"))
    assert_one_line_error(proc, "--output", "which is a file, not a directory")


@pytest.mark.parametrize("sub", ["", "new"])
def test_read_only_output_fails_before_any_work(read_only_dir, tmp_path, sub):
    proc = run_cli("-v", "run", "--input", str(SEED), "--output", str(read_only_dir / sub), "--no-cache")
    assert "Traceback" in proc.stderr  # --verbose: the traceback, then the one line
    assert proc.stderr.strip().splitlines()[-1].startswith("error: --output")
    assert "not writable" in proc.stderr.strip().splitlines()[-1]
    assert "articles" not in proc.stderr  # no batch was processed (the run logs its progress and summary)


def test_unreachable_dask_scheduler_fails_at_once(tmp_path):
    with socket.socket() as sock:  # a port of this machine that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = run_cli("run", "--input", str(SEED), "--output", str(tmp_path / "out"), "--engine", "dask",
                   "--scheduler", f"tcp://127.0.0.1:{port}")
    assert_one_line_error(proc, "cannot reach the Dask scheduler", f"tcp://127.0.0.1:{port}")
    assert not (tmp_path / "out").exists()


def test_scheduler_without_the_dask_engine(tmp_path, capsys):
    assert main(["run", "--input", str(SEED), "--output", str(tmp_path / "out"), "--scheduler", "local"]) == 2
    assert "--scheduler is for --engine dask" in capsys.readouterr().err


def _empty_run_output(path: Path) -> Path:
    from pipeline import schema

    for name in schema.TABLES:
        write_table(None, name, path / f"{name}.parquet")
    return path


def test_report_onto_read_only_storage(read_only_dir, tmp_path):
    out = _empty_run_output(tmp_path / "out")
    proc = run_cli("report", "--output", str(out), "--report-dir", str(read_only_dir / "report"))
    assert_one_line_error(proc, "--report-dir", "not writable")


@pytest.mark.parametrize("articles", ["txt", "jsonl", "dir"])
def test_evaluate_given_articles_instead_of_gold(tmp_path, articles):
    out = _empty_run_output(tmp_path / "out")
    if articles == "txt":
        gold = SEED
    elif articles == "jsonl":
        gold = tmp_path / "articles.jsonl"
        gold.write_text(json.dumps({"id": "a1", "text": "Shaanxi invested 2 billion yuan."}) + "\n")
    else:
        gold = ROOT / "seeds"
    proc = run_cli("evaluate", "--gold", str(gold), "--output", str(out))
    assert_one_line_error(proc, str(gold))


@pytest.mark.parametrize("work", ["missing", "empty"])
def test_stage_without_its_input_tables(tmp_path, work):
    path = tmp_path / "work"
    if work == "empty":
        path.mkdir()
    proc = run_cli("segment", "--work", str(path))
    assert_one_line_error(proc, "--work", str(path))


@pytest.mark.parametrize("stage", ["ner", "quantities", "link", "tables"])
def test_stages_name_the_stage_that_writes_a_missing_table(tmp_path, stage, capsys):
    extra = ["--output", str(tmp_path / "out")] if stage == "tables" else []
    assert main([stage, "--work", str(tmp_path), *extra]) == 2
    assert "no articles.parquet" in capsys.readouterr().err


@pytest.mark.parametrize("stage", ["clean", "segment", "ner", "quantities", "link", "tables"])
def test_stage_subcommands_need_work(stage):
    proc = run_cli(stage, "--input", "seeds", "--output", "x")
    assert_one_line_error(proc, "--work")


def test_missing_params_file(tmp_path):
    proc = run_cli("run", "--input", str(SEED), "--output", str(tmp_path / "out"), "--params", str(tmp_path / "p.yaml"))
    assert_one_line_error(proc, "parameters file does not exist")


def test_unknown_params_key(tmp_path):
    (tmp_path / "p.yaml").write_text("modle: en_core_web_sm\n")
    proc = run_cli("run", "--input", str(SEED), "--output", str(tmp_path / "out"), "--params", str(tmp_path / "p.yaml"))
    assert_one_line_error(proc, "unknown key(s) modle", "known: model")


def test_model_not_installed_names_the_installed_ones(tmp_path):
    from pipeline.nlp import installed_models

    (tmp_path / "p.yaml").write_text("model: en_core_web_no_such_model\n")
    proc = run_cli("segment", "--work", str(tmp_path), "--params", str(tmp_path / "p.yaml"))
    assert_one_line_error(proc, "'en_core_web_no_such_model' is not installed", *installed_models())
    assert not (tmp_path / "out").exists()


def test_unexpected_failure_is_one_line_and_verbose_shows_the_traceback(tmp_path, capsys, monkeypatch):
    from pipeline import engine

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(engine, "process_corpus", broken)
    argv = ["run", "--input", str(SEED), "--output", str(tmp_path / "out"), "--no-cache"]
    assert main(argv) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: ZeroDivisionError: division by zero (--verbose shows the traceback)"]
    assert main([*argv, "--verbose"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1] == "error: ZeroDivisionError: division by zero"


# --- conventions -----------------------------------------------------------------------------------

def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"regional-ie {pipeline.__version__}"


@pytest.mark.parametrize("before, after", [(["-q"], []), ([], ["-q"]), ([], ["--verbose"]), (["-v"], [])])
def test_quiet_and_verbose_before_or_after_the_subcommand(before, after):
    args = build_parser().parse_args([*before, "run", "--input", "seeds", "--output", "x", *after])
    flag = (before + after)[0]
    assert (args.quiet, args.verbose) == ((True, False) if flag == "-q" else (False, True))


def test_quiet_quiets_dask_in_this_process_and_its_workers(monkeypatch):
    import logging

    from pipeline.cli import configure_logging

    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED", raising=False)
    monkeypatch.setattr(logging.getLogger("distributed"), "level", logging.INFO)
    configure_logging(quiet=True, verbose=False)
    assert logging.getLogger("distributed").getEffectiveLevel() == logging.WARNING
    assert os.environ["DASK_LOGGING__DISTRIBUTED"] == "warning"


def test_workers_apply_to_the_local_dask_cluster(tmp_path, monkeypatch):
    import distributed

    started = {}

    def fake_cluster(**kwargs):  # records how the cluster was asked for, and starts none
        started.update(kwargs)
        raise RuntimeError("no cluster in this test")

    monkeypatch.setattr(distributed, "LocalCluster", fake_cluster)
    assert main(["run", "-q", "--input", str(SEED), "--output", str(tmp_path / "out"), "--engine", "dask",
                 "--scheduler", "local", "--workers", "3", "--no-cache"]) == 1
    assert started["n_workers"] == 3 and started["threads_per_worker"] == 1


def test_one_option_name_for_the_output_tables_and_the_old_one_still_works(tmp_path, capsys):
    parser = build_parser()
    for command in ("run", "tables", "evaluate", "report"):
        assert "--output" in parser._subparsers._group_actions[0].choices[command].format_help()
    evaluate_help = parser._subparsers._group_actions[0].choices["evaluate"].format_help()
    assert "--pred" not in evaluate_help  # the old name is hidden
    out = _empty_run_output(tmp_path / "out")
    gold = ROOT / "tests" / "gold" / "seeds.jsonl"
    assert main(["evaluate", "--gold", str(gold), "--pred", str(out)]) == 0  # the old spelling still works
    assert main(["evaluate", "--gold", str(gold)]) == 2
    assert "required: --output" in capsys.readouterr().err


def test_help_gives_an_example_per_subcommand_citing_only_repository_files():
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert set(EXAMPLES) == set(choices)
    for command, sub in choices.items():
        text = sub.format_help()
        assert EXAMPLES[command] in text and "SPEC" not in text
        words = EXAMPLES[command].split()
        for option in ("--input", "--gold", "--params"):
            if option in words:
                assert (ROOT / words[words.index(option) + 1]).exists(), (command, option)
        for cited in re.findall(r"(?<![\w/.-])(?:[\w-]+/)*[\w-]+\.(?:md|yaml|py|jsonl)\b", text):
            assert (ROOT / cited).exists(), (command, cited)
    assert "SPEC" not in parser.format_help()


def test_checkout_only_commands_say_so_when_installed(monkeypatch, capsys):
    from pipeline import bench, datadict

    monkeypatch.setattr(bench, "SOURCES", (Path("/nonexistent/seeds"),))
    assert main(["bench", "--scale", "1"]) == 2
    monkeypatch.setattr(datadict, "DOC_PATH", Path("/nonexistent/docs/DATA_DICTIONARY.md"))
    assert main(["datadict", "--check"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["error: bench needs a checkout of the repository: its corpus is seeds/ and tests/dev/articles/",
                   "error: outside a checkout of the repository, datadict needs --path FILE"]


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
