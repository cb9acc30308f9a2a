"""Built artifacts are read back while their inputs are unchanged, built again otherwise, never fatal."""
from __future__ import annotations

from pipeline import artifacts


def test_built_once_then_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv(artifacts.ARTIFACT_CACHE_ENV, str(tmp_path))
    builds = []

    def build():
        builds.append(1)
        return {"built": len(builds)}

    assert artifacts.load_or_build("thing", b"v1", build, dict) == {"built": 1}
    assert artifacts.load_or_build("thing", b"v1", build, dict) == {"built": 1}
    assert artifacts.load_or_build("thing", b"v2", build, dict) == {"built": 2}  # other inputs, other artifact
    assert len(builds) == 2 and len(list(tmp_path.iterdir())) == 2


def test_unreadable_or_foreign_artifact_is_built_again(tmp_path, monkeypatch):
    monkeypatch.setenv(artifacts.ARTIFACT_CACHE_ENV, str(tmp_path))
    path = artifacts.artifact_path("thing", b"k")
    path.write_bytes(b"not a pickle")
    assert artifacts.load_or_build("thing", b"k", lambda: {"ok": True}, dict) == {"ok": True}
    assert artifacts.load_or_build("thing", b"k", lambda: {"ok": False}, dict) == {"ok": True}  # rewritten
    artifacts._write(path, __import__("pickle").dumps([1, 2]))
    assert artifacts.load_or_build("thing", b"k", lambda: {"typed": True}, dict) == {"typed": True}


def test_off_builds_every_time_and_unwritable_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setenv(artifacts.ARTIFACT_CACHE_ENV, "off")
    assert artifacts.artifact_path("thing", b"k") is None
    assert artifacts.load_or_build("thing", b"k", lambda: {"n": 1}, dict) == {"n": 1}
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(artifacts.ARTIFACT_CACHE_ENV, str(blocker / "sub"))  # a directory under a file
    assert artifacts.load_or_build("thing", b"k", lambda: {"n": 2}, dict) == {"n": 2}


def test_files_digest_follows_names_and_contents(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("1")
    b.write_text("2")
    first = artifacts.files_digest([b, a], tmp_path)
    assert first == artifacts.files_digest([a, b], tmp_path)
    a.write_text("3")
    assert artifacts.files_digest([a, b], tmp_path) != first
