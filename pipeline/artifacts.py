"""Built artifacts kept between runs: what is costly to build from data that rarely changes (the
gazetteer from rules/gazetteer/, quantulum3's unit tables from its package data) is built once and
read back while its inputs are unchanged.

An artifact is a pickle named by the hash of everything it is built from, in the directory
`PIPELINE_ARTIFACT_CACHE` names (default ~/.cache/regional-ie; `off` builds every time). A missing
or unreadable artifact is built again; one that cannot be written is skipped (runs never fail on it).
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from .tableio import OutputFault, atomic_write

log = logging.getLogger(__name__)

ARTIFACT_CACHE_ENV = "PIPELINE_ARTIFACT_CACHE"
T = TypeVar("T")


def cache_dir() -> Path | None:
    setting = os.environ.get(ARTIFACT_CACHE_ENV, "")
    if setting == "off":
        return None
    return Path(setting) if setting else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regional-ie"


def files_digest(files: Iterable[Path], root: Path | None = None) -> bytes:
    """The hash of the files' names (relative to `root`) and contents, in sorted order."""
    digest = hashlib.sha256()
    for f in sorted(files):
        name = f.relative_to(root).as_posix() if root else f.name
        digest.update(name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.digest()


def artifact_path(name: str, key: bytes) -> Path | None:
    base = cache_dir()
    return None if base is None else base / f"{name}-{hashlib.sha256(key).hexdigest()[:32]}.pickle"


def load_or_build(name: str, key: bytes, build: Callable[[], T], kind: type) -> T:
    """The artifact `name` built from inputs hashing to `key`: read back if kept, else built and kept."""
    path = artifact_path(name, key)
    if path is not None:
        try:
            value = pickle.loads(path.read_bytes())
            if isinstance(value, kind):
                return value
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            pass  # missing or unreadable: built again below
    value = build()
    if path is not None:
        _write(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def _write(path: Path, data: bytes) -> None:
    """Write atomically (tableio's one atomic write); a cache that cannot be written is skipped."""
    try:
        atomic_write(path, lambda tmp: tmp.write_bytes(data))
    except OutputFault as exc:
        log.debug("artifact not written to %s: %s", path, exc)
