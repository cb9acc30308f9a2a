"""The figures of an article as the parse sees them: span, anchor token, sentence, the amount a
bracketed conversion converts, and `respectively` lists."""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from spacy.tokens import Doc, Span, Token

from .. import schema
from .. import targets as T
from ..tableio import is_missing
from .config import rules
from .context import Article
from .mentions import group_count

LIST_SEPARATOR = re.compile(r"^[\s,;]*(?:and|or|as well as)?[\s,]*(?:in|for|of)?\s*$", re.I)
# between two figures of one list whose quotes or brackets kept quantities from listing them
# (`"more than 7 percent" and 8 percent, respectively`)
QUOTED_LIST_SEPARATOR = re.compile(r"^[\s,;\"'“”‘’)]*(?:and|or|as well as)?[\s,\"'“”‘’(]*$", re.I)
# between two figures of a list that repeats its preposition (`to 5.1 billion yuan, to 3.2 billion
# yuan and to 2.7 billion yuan`), and the preposition before the first
REPEATED_PREPOSITION_GAP = re.compile(r"^\s*,?\s*(?:and\s+)?([a-z]+)\s+$", re.I)
PRECEDING_PREPOSITION = re.compile(r"\b([a-z]+)\s+$", re.I)
RESPECTIVELY = re.compile(r"\brespectively\b", re.I)
UNIT_CONVERSION_GAP = re.compile(r"^\s*[(\[]\s*(?:about|approximately|around|roughly|some|nearly|or|equivalent to|"
                                 r"over|more than|at least)?\s*$", re.I)
BRACKET_STARTERS = {"with", "for", "of", "in", "at", "by", "including", "to"}


@dataclass
class DocFigure:
    """A figure row (quantities.Figure once found) placed in the article's parsed Doc: its span, anchor token and sentence."""
    row: dict
    span: Span
    anchor: Token
    sent_index: int
    is_count: bool
    conversion_of: int | None = None     # row index of the amount it converts
    in_definition: bool = False          # in brackets that state a definition, not the clause
    counts_regions: bool = False                      # `the three provinces`: how many regions the text refers to
    parallel: tuple[int, int] | None = None           # (position, size) in a list of parallel figures
    parallel_list: "list[DocFigure] | None" = None    # the figures of that list, in order


def _figures(art: Article, rows: list[dict]) -> list[DocFigure]:
    figs = []
    sent_starts = [s.start for s in art.sents]
    for row in rows:
        span = art.doc.char_span(int(row["start"]), int(row["end"]), alignment_mode="expand")
        if span is None or not len(span):
            figs.append(None)
            continue
        anchor = _anchor(span, art.doc, row)
        sid = int(row["sentence_id"]) if not is_missing(row.get("sentence_id")) else \
            max(0, sum(1 for s in sent_starts if s <= span.start) - 1)
        is_count = row.get("unit") == "count" or (anchor.lower_ not in T.unit_words() and not anchor.like_num
                                                  and anchor.pos_ in T.NOUNS and not schema.is_currency(row.get("unit")))
        # a count that refers back to regions (`the three provinces`, `all three provinces`) is no
        # statistic and no goal: it says which regions a figure after it holds for
        counts_regions = is_count and group_count(art.doc, anchor) is not None
        figs.append(DocFigure(row, span, anchor, sid, is_count, counts_regions=counts_regions))
    for i, f in enumerate(figs):
        if f is None:
            continue
        conv = f.row.get("converts")
        if not is_missing(conv):
            f.conversion_of = next((j for j, g in enumerate(figs) if g and g.row.get("quantity_id") == conv), None)
        elif i > 0 and figs[i - 1] is not None and not schema.is_currency(f.row.get("unit")):
            # quantities marks currency conversions (`converts`); a bracketed unit conversion
            # (`5,000 mu (about 333.33 hectares)`) is read here
            prev = figs[i - 1]
            gap = art.text[prev.row["end"]:f.row["start"]]
            after = art.text[f.row["end"]:f.row["end"] + 3].lstrip()
            if UNIT_CONVERSION_GAP.match(gap) and after.startswith((")", "]")):
                f.conversion_of = i - 1
        if f.conversion_of is None:
            f.in_definition = _in_definition(art.text, f)
    for members in _parallel_lists(art, figs):
        listed = [figs[i] for i in members]
        for k, f in enumerate(listed):
            f.parallel, f.parallel_list = (k, len(listed)), listed
    art.figures = figs
    return figs


def _parallel_lists(art: Article, figs: list[DocFigure]) -> list[list[int]]:
    """Lists of parallel figures: those quantities numbered as one list (`list_id`), and runs of one
    unit and sentence that repeat one preposition before each figure (`rose to 5.1 billion yuan, to
    3.2 billion yuan and to 2.7 billion yuan`: the quantities stage does not list them)."""
    lists: dict[int, list[int]] = {}
    for i, f in enumerate(figs):
        if f is not None and f.conversion_of is None and not is_missing(f.row.get("list_id")):
            lists.setdefault(int(f.row["list_id"]), []).append(i)
    return [m for m in lists.values() if len(m) > 1] + _repeated_preposition_runs(art, figs)


def _repeated_preposition_runs(art: Article, figs: list[DocFigure]) -> list[list[int]]:
    prepositions = {p.lower() for p in rules().parallel_list_prepositions}
    runs: list[list[int]] = []
    run: list[int] = []
    word = None
    for i, f in enumerate(figs):
        if f is None or f.conversion_of is not None or not is_missing(f.row.get("list_id")):
            continue
        p = figs[run[-1]] if run else None
        gap = REPEATED_PREPOSITION_GAP.match(art.text[p.row["end"]:f.row["start"]]) if p is not None else None
        if p is not None and gap and gap.group(1).lower() == word and p.sent_index == f.sent_index \
                and p.row.get("unit") == f.row.get("unit"):
            run.append(i)
            continue
        if len(run) > 1:
            runs.append(run)
        before = PRECEDING_PREPOSITION.search(art.text[max(0, f.row["start"] - 12):f.row["start"]])
        word = before.group(1).lower() if before else None
        run = [i] if word in prepositions else []
    if len(run) > 1:
        runs.append(run)
    return runs


def _anchor(span: Span, doc: Doc, row: dict) -> Token:
    """The token that carries the figure in the parse: the unit or counted noun of its (first)
    number, else the span's root. A range's anchor is its lower bound's unit."""
    start = row.get("number_start")
    first = None
    if start is not None and start == start and start is not pd.NA:
        first = next((t for t in span if t.idx <= int(start) < t.idx + len(t) + 1), None)
    if first is None:
        first = next((t for t in span if t.like_num), span.root)
    t = first
    while t.head.i != t.i and span.start <= t.head.i < span.end and t.dep_ not in ("conj", "appos", "prep") \
            and t.head.pos_ not in ("VERB", "AUX", "ADP"):
        t = t.head
    # a list figure can end at its number (`5.7` in `5.7, 6.5 and 3 percent`): its unit is outside
    if t.like_num and t.head.i != t.i and t.head.i >= span.end and t.head.i - span.end <= 3 \
            and t.head.lower_ in T.unit_words():
        return t.head
    return t


def _in_definition(text: str, f: DocFigure) -> bool:
    """A figure in brackets that state something of their own (`(annual revenues … no less than RMB
    20 million)`), not a complement of the clause (`(with 113.5 billion RMB)`)."""
    start = f.row["start"]
    sent = f.span.sent
    opened = text.rfind("(", sent.start_char, start)
    if opened < 0 or text.rfind(")", opened, start) >= 0:
        return False
    closed = text.find(")", f.row["end"], sent.end_char)
    if closed < 0:
        return False
    first = re.match(r"\W*(\w+)", text[opened + 1:closed])
    return bool(first) and first.group(1).lower() not in BRACKET_STARTERS and text[opened + 1:start].strip() != ""


def _respectively_groups(art: Article, figs: list[DocFigure]) -> dict[int, tuple[int, int]]:
    """DocFigure index -> (position, size) for the figures of a list (quantities' `list_id`) that
    `respectively` closes, before the next figure of the sentence."""
    lists: dict[int, list[int]] = {}
    for i, f in enumerate(figs):
        if f is not None and f.conversion_of is None and not is_missing(f.row.get("list_id")):
            lists.setdefault(int(f.row["list_id"]), []).append(i)
    starts = sorted(f.row["start"] for f in figs if f is not None and f.conversion_of is None)
    out = {}
    for members in list(lists.values()) + _quoted_lists(art, figs):
        if len(members) < 2:
            continue
        last = figs[members[-1]]
        end = last.row["end"]
        stop = min([s for s in starts if s >= end] + [art.sents[last.sent_index].end_char])
        if RESPECTIVELY.search(art.text[end:stop]):
            for k, i in enumerate(members):
                out[i] = (k, len(members))
    return out


def _quoted_lists(art: Article, figs: list[DocFigure]) -> list[list[int]]:
    """Runs of figures of one unit and sentence that quantities did not list (no `list_id`) and that
    only quotes, brackets, commas and `and` separate."""
    runs: list[list[int]] = []
    prev = None
    for i, f in enumerate(figs):
        if f is None or f.conversion_of is not None:
            continue
        if not is_missing(f.row.get("list_id")):
            prev = None
            continue
        p = figs[prev] if prev is not None else None
        if p is not None and p.sent_index == f.sent_index and p.row.get("unit") == f.row.get("unit") \
                and QUOTED_LIST_SEPARATOR.match(art.text[p.row["end"]:f.row["start"]]):
            runs[-1].append(i)
        else:
            runs.append([i])
        prev = i
    return [r for r in runs if len(r) > 1]


def _list_before(items: list, first_char: int, k: int, start_of, end_of, text: str) -> list | None:
    """The last `k` items before `first_char` written as one list (`Heilongjiang, Jilin, and Liaoning`)."""
    before = [x for x in items if end_of(x) <= first_char]
    if len(before) < k:
        return None
    chosen = before[-k:]
    for a, b in zip(chosen, chosen[1:]):
        if not LIST_SEPARATOR.match(text[end_of(a):start_of(b)]):
            return None
    return chosen
