"""Checks the command line makes before any work, so that a bad path or address fails at once in
one line (SPEC §1 of the contract) instead of as a traceback after the first batch was processed.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from .tableio import probe_writable

# Seconds to wait for a TCP connection to a Dask scheduler before calling it unreachable; a
# scheduler on a LAN answers in milliseconds, and Dask's own default (30 s) only delays the error.
SCHEDULER_CONNECT_SECONDS = 5.0
DASK_DEFAULT_PORT = 8786


class UsageError(Exception):
    """Bad options or an unusable path: nothing could be done."""


def writable_dir(path: str | os.PathLike, option: str) -> Path:
    """`path`, a directory this process can write in or create; else a UsageError. Creates nothing:
    a missing directory is checked by writing in the closest directory above it that exists."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path} is a file, not a directory")
    ancestor = next(p for p in (path, *path.absolute().parents) if p.exists() or p == p.parent)
    if not ancestor.is_dir():
        raise UsageError(f"{option} {path} is under {ancestor}, which is a file, not a directory")
    try:
        probe_writable(ancestor)
    except OSError as exc:
        where = "" if ancestor == path else f" (in {ancestor})"
        raise UsageError(f"{option} {path} is not writable{where}: {exc.strerror or exc}") from exc
    return path


def work_tables(work: str | os.PathLike, names: dict[str, str]) -> None:
    """The work directory holds every input table a stage reads (`names`: table stem -> stage that writes it)."""
    work = Path(work)
    if not work.is_dir():
        raise UsageError(f"--work {work} is not a directory; the stages before this one write their tables there")
    for name, stage in names.items():
        if not (work / f"{name}.parquet").exists():
            raise UsageError(f"no {name}.parquet in --work {work}: run the {stage} stage with that --work first")


def reachable_scheduler(address: str) -> None:
    """A TCP connection to the Dask scheduler at `address` opens (`local` and non-TCP transports pass)."""
    if address == "local":
        return
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return  # ucx://, inproc://: the Dask client reports what it finds
    try:
        host, port = parts.hostname, parts.port or DASK_DEFAULT_PORT
    except ValueError as exc:
        raise UsageError(f"--scheduler {address} is not an address: {exc}") from exc
    if not host:
        raise UsageError(f"--scheduler {address} names no host (expected tcp://HOST:PORT)")
    try:
        socket.create_connection((host, port), timeout=SCHEDULER_CONNECT_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {reason}") from exc


def gold_file(path: str | os.PathLike) -> None:
    """`path` holds gold annotations (docs/ANNOTATION.md): one JSON record per article with an
    article_id and at least one scored field, not articles or anything else."""
    from .evaluate import SCORED, load_gold

    path = Path(path)
    if not path.exists():
        raise UsageError(f"gold file does not exist: {path}")
    try:
        gold = load_gold(path)
    except KeyError as exc:
        raise UsageError(f"{path} is not a gold file: a record has no {exc.args[0]!r}") from exc
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise UsageError(f"{path} is not a gold file: expected one JSON annotation record per line "
                         f"(docs/ANNOTATION.md)") from exc
    except OSError as exc:
        raise UsageError(f"cannot read gold file {path}: {exc.strerror or exc}") from exc
    if not gold:
        raise UsageError(f"{path} holds no gold annotations")
    if not any(isinstance(record, dict) and key in record for record in gold.values() for key in SCORED):
        raise UsageError(f"{path} is not a gold file: no record has any of {', '.join(SCORED)}")
