"""The accuracy floors of tests/accuracy_floors.json: one section per corpus and check.

Each section names its corpus (glob patterns relative to the repository) and records the digest
of those files as they were when its floors were measured. A check on a corpus whose files no
longer match the digest fails: a changed corpus never keeps old floors by accident. Within a
section (one digest), floors only go up; `tests/test_eval_gate.py` reads the file's git history
and fails when a floor fell without an entry in `lowered` naming it and why.

    python -m tests.floors set SECTION --scores METRICS.json   # raise floors to measured scores
    python -m tests.floors set SECTION --scores M.json --rebase # a changed corpus: new digest, its scores
    python -m tests.floors set SECTION --scores M.json --lower-reason "why"  # the only way down
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS_FILE = Path(__file__).with_name("accuracy_floors.json")
# Scores are rounded to 3 decimals and the pipeline is deterministic, so a score can move only by
# rounding; one unit of the third decimal absorbs that without hiding a real drop.
EPSILON = 0.001


class CorpusChanged(AssertionError):
    """The files of a section's corpus differ from those its floors were measured on."""


def load() -> dict:
    return json.loads(FLOORS_FILE.read_text(encoding="utf-8"))


def corpus_files(patterns: list[str]) -> list[Path]:
    files = {p for pattern in patterns for p in ROOT.glob(pattern) if p.is_file()}
    return sorted(files, key=lambda p: p.relative_to(ROOT).as_posix())


def corpus_digest(patterns: list[str]) -> str:
    """sha256 over each file's repository path and the sha256 of its bytes, in path order."""
    digest = hashlib.sha256()
    for path in corpus_files(patterns):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).hexdigest().encode() + b"\n")
    return "sha256:" + digest.hexdigest()


def section(name: str, data: dict | None = None) -> dict:
    return (data or load())["sections"][name]


def check_corpus(name: str, data: dict | None = None) -> None:
    """Fail when the section's corpus no longer matches the digest its floors were measured on."""
    sec = section(name, data)
    files = corpus_files(sec["corpus"])
    if not files:
        raise CorpusChanged(f"section {name!r}: no files match its corpus {sec['corpus']}")
    now = corpus_digest(sec["corpus"])
    if now != sec["digest"]:
        raise CorpusChanged(
            f"section {name!r}: its corpus ({len(files)} files of {sec['corpus']}) is not the one its floors were "
            f"measured on ({sec['digest']} recorded, {now} now); measure it and start the section anew with "
            f"`python -m tests.floors set {name} --scores METRICS.json --rebase`")


def floors(name: str) -> dict[str, float]:
    """The floors of one section, after checking its corpus digest."""
    check_corpus(name)
    return dict(section(name)["floors"])


def below_floors(scores: dict[str, float], name: str) -> dict[str, tuple[float | None, float]]:
    """Scores under their floor (less EPSILON) or missing, as {score: (value, floor)}; printed for the log."""
    wanted = floors(name)
    for score, floor in sorted(wanted.items()):
        value = scores.get(score)
        shown = "-" if value is None else f"{value:.3f}"
        room = "" if value is None or value - floor < 0.01 else "  (floor can rise)"
        print(f"  {name:34s} {score:28s} {shown}  floor {floor:.3f}{room}")
    return {score: (scores.get(score), floor) for score, floor in wanted.items()
            if scores.get(score) is None or scores[score] < floor - EPSILON}


def lowered_entries(data: dict) -> set[tuple[str, str, float]]:
    """(section, score, new floor) of every recorded lowering."""
    return {(e["section"], e["score"], round(float(e["to"]), 3)) for e in data.get("lowered", [])}


def unrecorded_drops(old: dict, new: dict) -> list[str]:
    """Floors of `new` below those of `old` in a section with the same digest, and not in `lowered`."""
    allowed = lowered_entries(new)
    drops = []
    for name, old_sec in old.get("sections", {}).items():
        new_sec = new.get("sections", {}).get(name)
        if new_sec is None or new_sec.get("digest") != old_sec.get("digest"):
            continue  # a removed section, or a new corpus: it starts anew
        for score, floor in old_sec["floors"].items():
            now = new_sec["floors"].get(score)
            if now is None or now < floor:
                if (name, score, round(float(now if now is not None else -1), 3)) not in allowed:
                    drops.append(f"{name}.{score}: {floor} -> {now}")
    return drops


def set_floors(name: str, scores: dict[str, float], rebase: bool = False, lower_reason: str | None = None) -> list[str]:
    """Raise a section's floors to `scores` (only the scores it has, or all on --rebase)."""
    data = load()
    sec = data["sections"][name]
    changes = []
    if rebase:
        sec["digest"] = corpus_digest(sec["corpus"])
        sec["floors"] = {k: round(float(v), 3) for k, v in sorted(scores.items()) if k in sec["floors"] or not sec["floors"]}
        sec["measured"] = dt.date.today().isoformat()
        changes.append(f"{name}: rebased on {sec['digest']}")
    else:
        check_corpus(name, data)
        for score, floor in sec["floors"].items():
            if score not in scores:
                continue
            value = round(float(scores[score]), 3)
            if value < floor:
                if not lower_reason:
                    changes.append(f"{name}.{score}: {value} is below its floor {floor}; kept (needs --lower-reason)")
                    continue
                data.setdefault("lowered", []).append({"section": name, "score": score, "from": floor, "to": value,
                                                       "date": dt.date.today().isoformat(), "reason": lower_reason})
            if value != floor:
                sec["floors"][score] = value
                changes.append(f"{name}.{score}: {floor} -> {value}")
    FLOORS_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.floors", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("set", help="raise a section's floors to measured scores")
    p.add_argument("section")
    p.add_argument("--scores", required=True, help="JSON of flat scores (e.g. `pipeline evaluate --metrics`)")
    p.add_argument("--rebase", action="store_true", help="the corpus changed: record its digest, start at these scores")
    p.add_argument("--lower-reason", help="lower floors that the scores fall under, recording this reason")
    sub.add_parser("check", help="check every section's corpus digest")
    args = parser.parse_args(argv)
    if args.command == "check":
        for name in load()["sections"]:
            check_corpus(name)
        print("every corpus matches its digest")
        return 0
    scores = json.loads(Path(args.scores).read_text(encoding="utf-8"))
    for line in set_floors(args.section, scores, args.rebase, args.lower_reason) or ["no change"]:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
