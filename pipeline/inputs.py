"""Reading input articles (txt, html, jsonl) into the `raw` frame the clean stage takes.

Nothing here raises for one bad article: every input ends as a row, with `error` set when it
could not be read, so the run goes on and the article is listed as failed. Rows are produced
one file (one JSONL line) at a time, so a run can stream a corpus of any size in batches.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

SUFFIXES = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
# content_type says what raw_text holds (`text` or `html`): a JSONL record may carry either.
# `warning` says what was changed at the door (characters replaced); it ends in `articles.warnings`.
RAW_COLUMNS = ["article_id", "source_path", "sha256", "input_format", "content_type", "raw_text", "url",
               "published_hint", "error", "warning"]
# Text fields of a raw row that must be valid Unicode (encodable as UTF-8) before any table holds them.
_TEXT_FIELDS = {"article_id": "id", "source_path": "file name", "raw_text": "text", "url": "url",
                "published_hint": "published"}
# Lone surrogates: JSON `"\ud800"` escapes, and the bytes of file names that are not UTF-8 (Python
# decodes them to U+DC80-U+DCFF). Parquet cannot hold them.
_SURROGATES = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"

# News articles are kilobytes; anything past this is a dump or a mistake, not an article.
# 8 MiB leaves room for the longest HTML pages seen (scripts and styles included).
MAX_ARTICLE_BYTES = 8 * 1024 * 1024
# Encodings tried in order after UTF-8: Chinese sites' GB18030 (a superset of GBK/GB2312).
# Latin-1 is not tried blindly since it decodes anything; charset detection decides instead.
FALLBACK_ENCODINGS = ("gb18030",)
# Share of control characters (other than tab, newline, CR, form feed) above which decoded bytes
# are binary, not text: real articles have none; 1 % tolerates a few stray bytes in a scraped page.
MAX_CONTROL_SHARE = 0.01
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


class InputError(Exception):
    """The input path itself cannot be used (missing, not a supported file)."""


def list_input_files(path: str | Path, exclude: Iterable[str | Path] = ()) -> list[Path]:
    """The article files under `path` (a directory, searched recursively, or one file), sorted.

    Every non-directory entry with an article suffix is listed, broken symlinks and special files
    included: reading them fails later and they end as failed rows rather than vanishing. So are
    subdirectories that cannot be read: each becomes one failed row. Directories in `exclude`
    (the run's own output and cache) are skipped, so a run never reads its outputs back.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"input path does not exist: {path}")
    if not path.is_dir():
        if path.suffix.lower() not in SUFFIXES:
            raise InputError(f"unsupported input file type {path.suffix!r}: expected .txt, .html or .jsonl")
        return [path]
    skip = {os.path.realpath(p) for p in exclude}
    found: list[Path] = []
    unreadable: list[Path] = []

    def on_error(exc: OSError) -> None:
        if exc.filename is not None and os.path.realpath(exc.filename) != os.path.realpath(path):
            unreadable.append(Path(exc.filename))
        else:
            raise InputError(f"cannot list input directory {path}: {exc.strerror or exc}") from exc

    for root, dirs, names in os.walk(path, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and os.path.realpath(os.path.join(root, d)) not in skip)
        found.extend(Path(root, n) for n in names if not n.startswith(".") and Path(n).suffix.lower() in SUFFIXES)
    return sorted(found + unreadable)


def input_format(file: Path) -> str | None:
    """`txt`, `html` or `jsonl` by suffix; None for an entry that is not an article file (an unreadable directory)."""
    return SUFFIXES.get(file.suffix.lower())


def read_inputs(path: str | Path) -> pd.DataFrame:
    """One row per article found under `path`; duplicate ids after the first are marked failed."""
    return pd.DataFrame(list(iter_inputs(path)), columns=RAW_COLUMNS)


def iter_inputs(path: str | Path) -> Iterator[dict]:
    """The raw rows of every article under `path`, in file order, duplicates marked."""
    marker = DuplicateIds()
    for row in iter_rows(list_input_files(path)):
        yield marker.mark(row)


def iter_rows(files: Iterable[Path]) -> Iterator[dict]:
    """The raw rows of several files, duplicates not marked (see DuplicateIds)."""
    for file in files:
        yield from read_file(file)


def _base_row(file: Path, fmt: str | None) -> dict:
    return {"article_id": file.stem if fmt else file.name, "source_path": str(file), "sha256": None,
            "input_format": fmt, "content_type": "html" if fmt == "html" else "text", "raw_text": None, "url": None,
            "published_hint": None, "error": None, "warning": None}


def safe_row(row: dict) -> dict:
    """The row with lone surrogates in its text fields replaced by U+FFFD, and a warning saying where."""
    replaced = []
    for key, label in _TEXT_FIELDS.items():
        value = row.get(key)
        if isinstance(value, str) and _SURROGATES.search(value):
            value, n = _SURROGATES.subn(REPLACEMENT, value)
            row = row | {key: value}
            replaced.append(f"{n} in the {label}")
    if not replaced:
        return row
    warning = f"unencodable characters (lone surrogates) replaced by U+FFFD: {', '.join(replaced)}"
    return row | {"warning": "; ".join(w for w in (row.get("warning"), warning) if w)}


# HTML nesting the parser keeps: libxml2 (lxml, trafilatura) drops everything below depth 255, so
# a page nested deeper (a broken generator, an attack) would come out empty. Tags below this depth
# are removed at the door, keeping their text, with a warning.
MAX_HTML_DEPTH = 200
_TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)([^<>]*?)(/?)>")
_VOID_TAGS = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Tags that a new one of their kind closes implicitly, and the block tags that close an open `<p>`
# (unclosed `<p>`, `<li>` must not count as nesting).
_IMPLICITLY_CLOSED = frozenset("p li dt dd option tr td th".split())
_BLOCK_TAGS = frozenset("div p ul ol table h1 h2 h3 h4 h5 h6 section article blockquote pre form header footer "
                        "nav aside dl".split())


def flatten_deep_html(html: str) -> tuple[str, int]:
    """`html` with the tags nested deeper than MAX_HTML_DEPTH removed (their text kept), and how many."""
    if html.count("<") < MAX_HTML_DEPTH:
        return html, 0
    stack: list[str] = []
    out: list[str] = []
    last = removed = 0
    for m in _TAG.finditer(html):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(4)
        deep = False
        if closing:
            if name in stack:
                depth = len(stack) - stack[::-1].index(name)
                deep = depth > MAX_HTML_DEPTH
                del stack[depth - 1:]
        elif name not in _VOID_TAGS and not self_closing:
            if name in _IMPLICITLY_CLOSED and name in stack[-4:]:
                del stack[len(stack) - stack[::-1].index(name) - 1:]
            elif stack and stack[-1] == "p" and name in _BLOCK_TAGS:
                stack.pop()
            stack.append(name)
            deep = len(stack) > MAX_HTML_DEPTH
        if deep:
            out.append(html[last:m.start()])
            last = m.end()
            removed += 1
    if not removed:
        return html, 0
    out.append(html[last:])
    return "".join(out), removed


def _flattened(row: dict) -> dict:
    if row.get("content_type") != "html" or not isinstance(row.get("raw_text"), str):
        return row
    html, removed = flatten_deep_html(row["raw_text"])
    if not removed:
        return row
    warning = f"HTML nested deeper than {MAX_HTML_DEPTH} levels: {removed} tags below removed, their text kept"
    return row | {"raw_text": html, "warning": "; ".join(w for w in (row.get("warning"), warning) if w)}


def file_identity(file: Path) -> dict:
    """The id and source path the row of a .txt/.html file has, without reading the file."""
    return safe_row(_base_row(file, input_format(file)))


def read_file(file: Path) -> list[dict]:
    """The raw rows of one input file (several for JSONL), their text fields safe to write."""
    return [_flattened(safe_row(row)) for row in _read_file(file)]


def _read_file(file: Path) -> list[dict]:
    fmt = input_format(file)
    base = _base_row(file, fmt)
    if fmt is None:
        return [base | {"error": "cannot read directory: permission denied or unreadable"}]
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            return [base | {"error": "cannot read file: not a regular file"}]
        if info.st_size > MAX_ARTICLE_BYTES and fmt != "jsonl":
            return [base | {"error": f"file too large: {info.st_size} bytes (limit {MAX_ARTICLE_BYTES})"}]
        if fmt == "jsonl":
            return list(read_jsonl(file))
        data = file.read_bytes()
    except OSError as exc:
        return [base | {"error": f"cannot read file: {exc.strerror or exc}"}]
    row = base | {"sha256": hashlib.sha256(data).hexdigest()}
    text, error = decode(data)
    return [row | {"raw_text": text, "error": error}]


# Byte-order marks of the UTF-16/32 encodings, longest first (UTF-32-LE starts like UTF-16-LE).
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def decode(data: bytes) -> tuple[str | None, str | None]:
    """Text of a file's bytes, or an error saying why it is not text. Never raises."""
    if not data.strip():
        return "", None
    text = _decode_wide(data)
    if text is None and b"\x00" in data[:8192]:
        return None, "binary file (NUL bytes): not a text article"
    if text is None:
        text = _decode_text(data)
    if text is None:
        return None, "undecodable bytes: not UTF-8, GB18030 or any encoding detected"
    controls = len(_CONTROL.findall(text))
    if controls > MAX_CONTROL_SHARE * len(text):
        return None, f"binary file ({controls} control characters): not a text article"
    return text, None


def _decode_wide(data: bytes) -> str | None:
    """UTF-16/32 text: with a byte-order mark, or (no mark) the NUL pattern of mostly-ASCII UTF-16."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    head = data[:8192]
    if len(head) >= 16 and len(head) % 2 == 0:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        for encoding, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
            if nuls > 0.4 * len(head) / 2 and others == 0:  # ASCII letters each followed (or led) by NUL
                try:
                    return data.decode(encoding)
                except UnicodeDecodeError:
                    return None
    return None


def _decode_text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    mixed = _decode_mixed(data)
    if mixed is not None:
        return mixed
    if _looks_like_gb(data):
        for encoding in FALLBACK_ENCODINGS:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    try:
        from charset_normalizer import from_bytes  # only for the rare file that is neither UTF-8 nor GB

        best = from_bytes(data).best()
        return None if best is None else str(best)
    except Exception:  # noqa: BLE001 - a detector crash means "not decodable", never a failed run
        return None


# Share of non-ASCII bytes that must form valid UTF-8 sequences for a file to be taken as UTF-8
# with stray single-byte (Windows-1252/Latin-1) characters, as when pages are pasted together.
# Measured: Latin-1 French text 0.0, GB18030/GBK Chinese 0.26 (their pairs look like UTF-8 by
# chance), UTF-8 text with one Windows-1252 sentence 0.96; 0.8 separates them with room.
MIN_UTF8_SHARE_FOR_MIXED = 0.8
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _decode_mixed(data: bytes) -> str | None:
    """UTF-8 text with some bytes of a single-byte encoding: the UTF-8 parts decoded as UTF-8, each
    stray byte as Windows-1252 (Latin-1 where 1252 has no character). None when it is not that."""
    high = sum(1 for b in data if b >= 0x80)
    utf8 = sum(len(m.group(0)) for m in _UTF8_SEQUENCE.finditer(data))
    if not high or utf8 < MIN_UTF8_SHARE_FOR_MIXED * high:
        return None
    return data.decode("utf-8", errors="cp1252_fallback")


def _cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    chunk = error.object[error.start:error.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in chunk), error.end


codecs.register_error("cp1252_fallback", _cp1252_fallback)


def _looks_like_gb(data: bytes) -> bool:
    """Whether non-ASCII bytes pair up like GB2312/GBK Chinese (lead and trail byte both high).

    GB18030 decodes most Latin-1 text too ("é" + a letter is a valid GBK pair), so a decode
    that merely succeeds proves nothing; in Chinese text nearly every trail byte is >= 0x80.
    """
    high_trail = ascii_trail = 0
    i, n = 0, len(data)
    while i < n:
        if data[i] < 0x80:
            i += 1
            continue
        if i + 1 < n and data[i + 1] >= 0x80:
            high_trail += 1
        else:
            ascii_trail += 1
        i += 2
    return high_trail > ascii_trail


def read_jsonl(file: Path) -> Iterator[dict]:
    """One row per line, read line by line; a malformed line becomes a failed row named after its line number."""
    with file.open("rb") as handle:
        for lineno, line in enumerate(handle, start=1):
            if line.strip():
                yield _flattened(safe_row(jsonl_row(file, lineno, line)))


def jsonl_row(file: Path, lineno: int, line: bytes) -> dict:
    """The raw row of one JSONL line."""
    row = _base_row(file, "jsonl") | {"article_id": f"{file.stem}#{lineno}", "source_path": f"{file}#{lineno}",
                                      "sha256": hashlib.sha256(line.rstrip(b"\r\n")).hexdigest()}
    if len(line) > MAX_ARTICLE_BYTES:
        return row | {"error": f"line {lineno} too large: {len(line)} bytes (limit {MAX_ARTICLE_BYTES})"}
    text, error = decode(line)
    if text is None:
        return row | {"error": f"line {lineno}: {error}"}
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        return row | {"error": f"malformed JSON on line {lineno}: {getattr(exc, 'msg', exc)}"}
    if not isinstance(record, dict):
        return row | {"error": f"line {lineno} is not a JSON object"}
    if record.get("id") not in (None, ""):
        row["article_id"] = str(record["id"])
    body = record.get("text") if record.get("text") is not None else record.get("html")
    if not isinstance(body, str):
        return row | {"error": f"line {lineno} has no `text` or `html` string"}
    row["raw_text"] = body
    row["url"] = record.get("url") if isinstance(record.get("url"), str) else None
    row["published_hint"] = str(record["published"]) if record.get("published") else None
    row["content_type"] = "text" if record.get("text") is not None else "html"
    return row


class DuplicateIds:
    """Keeps the first article of each id; later ones become failed rows that name the first source.

    Stateful over a stream of rows (it remembers ids, not texts), so batches and partitions
    agree with a whole-corpus read as long as rows come in the same order.
    """

    def __init__(self) -> None:
        self.first_source: dict[str, str] = {}

    def mark(self, row: dict) -> dict:
        aid = row["article_id"]
        first = self.first_source.setdefault(aid, row["source_path"])
        if first == row["source_path"]:
            return row
        return row | {"error": row["error"] or f"duplicate article_id {aid!r}: first read from {first}",
                      "raw_text": None}


def door_warnings(raw: pd.DataFrame) -> list[str | None]:
    """The warning each raw row was given at the door (characters replaced, HTML flattened), for
    `articles.warnings`."""
    if "warning" not in raw.columns:
        return [None] * len(raw)
    return [w if isinstance(w, str) and w else None for w in raw["warning"]]
