"""The package: a wheel built offline from pyproject.toml installs into a fresh venv, whose
`regional-ie` command runs a seed from a directory outside the repository, reading the rules the
wheel ships as package data."""
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import pipeline

ROOT = Path(__file__).resolve().parent.parent
# What a wheel is built from; copied so the build leaves nothing (build/, *.egg-info) in the checkout.
SOURCES = ("pyproject.toml", "README.md", "pipeline", "rules")

pytestmark = pytest.mark.slow


def _sh(*cmd, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    # --no-build-isolation: the backend (setuptools, in requirements.lock) comes from this venv, offline
    _sh(sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index",
        "--disable-pip-version-check", "-q", "-w", dist, src, cwd=src)
    (built,) = dist.glob("regional_ie-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed; its dependencies are this venv's, reached through a .pth
    file (no network, nothing installed twice)."""
    env = tmp_path_factory.mktemp("venv")
    _sh(sys.executable, "-m", "venv", "--without-pip", env, cwd=env)
    python = env / "bin" / "python"
    site = _sh(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=env).stdout.strip()
    (Path(site) / "shared-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _sh(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--disable-pip-version-check", "-q", wheel, cwd=env)
    return env


def test_wheel_ships_code_and_every_rules_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    rules = {f"pipeline/_rules/{p.relative_to(ROOT / 'rules').as_posix()}"
             for p in (ROOT / "rules").rglob("*") if p.is_file()}
    assert rules and rules <= names
    assert {"pipeline/cli.py", "pipeline/rules.py"} <= names
    assert not any(n.startswith(("tests/", "seeds/", "outputs/")) for n in names)


def test_installed_command_runs_a_seed_outside_the_repository(venv, tmp_path):
    command = venv / "bin" / "regional-ie"
    assert _sh(command, "--version", cwd=tmp_path).stdout.strip() == f"regional-ie {pipeline.__version__}"
    # the installed package, reading its packaged rules, not this checkout
    where = _sh(venv / "bin" / "python", "-c", "import pipeline, pipeline.rules as r; print(pipeline.__file__); "
                "print(r.RULES_DIR)", cwd=tmp_path).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where
    seed = sorted((ROOT / "seeds").glob("*.txt"))[0]
    shutil.copy2(seed, tmp_path / seed.name)
    _sh(command, "run", "-q", "--input", seed.name, "--output", "out", "--no-cache", cwd=tmp_path)
    import pandas as pd

    articles = pd.read_parquet(tmp_path / "out" / "articles.parquet")
    assert articles["article_id"].tolist() == [seed.stem] and articles["status"].tolist() == ["ok"]
    assert len(pd.read_parquet(tmp_path / "out" / "regions.parquet")) > 0
