"""Per-article result cache: a rerun reprocesses only articles whose input, code or rules changed.

An article's results (its rows of all six output tables) are stored as one bundle file under
`<cache dir>/<version key>/<ab>/<article key>.bundle`:
- the article key is the SHA-256 of everything an article's result depends on besides code:
  its raw input hash, its id, its input format and content type (the same bytes as .txt or
  .html parse differently) and the day of the run (dates after it are rejected as published
  dates, pipeline/published.py), so any change of these is a miss;
- the version key hashes every pipeline/*.py and rules/** file, the package and version of the
  model actually loaded (pipeline/nlp.model_identity) and the spaCy version, so any code, rule or model change starts an empty cache (old version
  directories can be deleted at will).
A bundle is `MAGIC`, the SHA-256 of its body, then the body (a small Parquet file): the digest is
checked before anything is parsed, so a damaged bundle (a flipped bit, a truncated write) is a
miss, logged and reprocessed, never served and never a crash in a reader. Bundles are written
through a temporary file and a rename: a killed run leaves no half bundle. A cache that cannot be
written (read-only, full disk) degrades to no cache with one warning; it never fails the run.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import io
import logging
import os
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema
from .nlp import model_identity
from .published import today
from .rules import RULES_DIR
from .tableio import OutputFault, atomic_write, probe_writable

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
# A bundle's body is a Parquet file with one row per output table: its name and its rows as an
# Arrow IPC stream; the file is MAGIC + SHA-256(body) + body.
BUNDLE_SUFFIX = ".bundle"
MAGIC = b"PIPELINE-BUNDLE-1\n"
_DIGEST_BYTES = 32


def version_key(model: str) -> str:
    """Hash of what makes an article's results: code, rules, the loaded model and versions (once per process)."""
    return _version_key(model_identity(model), PACKAGE_DIR, RULES_DIR)


@lru_cache(maxsize=8)
def _version_key(model_id: str, package_dir: Path, rules_dir: Path) -> str:
    digest = hashlib.sha256()
    files = [(package_dir, p) for p in sorted(package_dir.glob("*.py"))]
    files += [(rules_dir, p) for p in sorted(rules_dir.rglob("*")) if p.is_file()]
    for root, file in files:
        digest.update(f"{root.name}/{file.relative_to(root)}".encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    digest.update(f"model={model_id}\0spacy={_version('spacy')}".encode())
    return digest.hexdigest()[:16]


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def article_key(raw_sha256: str, article_id: str, input_format: str | None = None,
                content_type: str | None = None, run_date: str | None = None) -> str:
    """Cache key of one article: what its result depends on besides code, rules and model."""
    run_date = run_date or today().isoformat()
    fields = (raw_sha256, article_id, input_format or "", content_type or "", run_date)
    return hashlib.sha256("\0".join(fields).encode("utf-8", "surrogatepass")).hexdigest()


def row_key(row: dict) -> str:
    """The cache key of one raw input row (see `article_key`)."""
    return article_key(row["sha256"], row["article_id"], row.get("input_format"), row.get("content_type"))


# Cache roots found unwritable in this process: warned about once, then no longer written.
_UNWRITABLE: set[Path] = set()


class CacheUnusable(OSError):
    """The cache directory cannot be created or written: the run goes on without a cache."""


def check_writable(root: str | os.PathLike) -> None:
    """Raise CacheUnusable unless a bundle can be written under `root` (tried with a small file)."""
    try:
        Path(root).mkdir(parents=True, exist_ok=True)
        probe_writable(root, 4096)
    except OSError as exc:
        raise CacheUnusable(exc.errno, f"cache directory {root} is not writable: {exc.strerror or exc}") from exc


class ArticleCache:
    """Bundles of one article's rows of every output table, for one code/rules/model version."""

    def __init__(self, root: str | os.PathLike, model: str):
        self.root = Path(root)
        self.dir = self.root / version_key(model)

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}{BUNDLE_SUFFIX}"

    def has(self, key: str | None) -> bool:
        """Whether a bundle is stored under `key` (whether it is sound is known only when read)."""
        return key is not None and self._path(key).is_file()

    def get(self, key: str) -> dict[str, pa.Table] | None:
        """The cached tables of one article as Arrow (as they were put: conformed, never through
        pandas), or None on a miss (absent, unreadable or damaged bundle)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cache bundle %s unreadable (%s): reprocessing the article", path, exc.strerror or exc)
            return None
        body = _verified_body(data)
        if body is None:
            log.warning("cache bundle %s is damaged (checksum mismatch): reprocessing the article", path)
            return None
        try:
            bundle = pq.read_table(pa.BufferReader(body)).to_pydict()
            return {name: pa.ipc.open_stream(payload).read_all()
                    for name, payload in zip(bundle["table"], bundle["ipc"])}
        except Exception as exc:  # noqa: BLE001 - a bundle of another layout is a miss, never a failed run
            log.warning("cache bundle %s unreadable (%s): reprocessing the article", path, exc)
            return None

    def put(self, key: str, tables: dict[str, pa.Table]) -> None:
        """Store one article's tables (Arrow, conformed to their schemas by `to_arrow`), atomically."""
        names, payloads = [], []
        for name in schema.TABLES:
            table = tables[name]
            sink = io.BytesIO()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            names.append(name)
            payloads.append(sink.getvalue())
        if self.root in _UNWRITABLE:
            return
        sink = pa.BufferOutputStream()
        pq.write_table(pa.table({"table": names, "ipc": pa.array(payloads, pa.binary())}), sink)
        body = sink.getvalue().to_pybytes()
        path = self._path(key)
        try:
            atomic_write(path, lambda tmp: tmp.write_bytes(MAGIC + hashlib.sha256(body).digest() + body),
                         "write cache bundle")
        except OutputFault as exc:  # read-only or full cache: go on without it
            _UNWRITABLE.add(self.root)
            log.warning("cache %s not writable (%s): going on without caching", self.root, exc)


def _verified_body(data: bytes) -> bytes | None:
    """The body of a bundle whose digest matches it, else None."""
    head = len(MAGIC) + _DIGEST_BYTES
    if len(data) < head or not data.startswith(MAGIC):
        return None
    digest, body = data[len(MAGIC):head], data[head:]
    return body if hashlib.sha256(body).digest() == digest else None


def split_by_article(arrow: dict[str, pa.Table]) -> dict[str, dict[str, pa.Table]]:
    """One article's rows of every output table, keyed by article id, sliced by row indices from the
    batch's tables (conformed once for the whole batch by `tableio.to_arrow`: conforming per
    article cost ~6 ms an article, ~5% of a run)."""
    arrow = {name: arrow[name] for name in schema.TABLES}
    rows: dict[str, dict[str, list[int]]] = {}
    for name, table in arrow.items():
        by_id = rows[name] = {}
        for i, article_id in enumerate(table.column("article_id").to_pylist()):
            by_id.setdefault(article_id, []).append(i)
    return {article_id: {name: table.take(pa.array(rows[name].get(article_id, []), pa.int64()))
                          for name, table in arrow.items()}
            for article_id in rows["articles"]}
