"""The one decider: exclusions -> order -> tie-break -> fan-out, over the finders' candidates.

`first_in_order` is the rule all three decisions share: a figure's region (the finders below), its
kind (pipeline/kinds.py's candidates, by source, rules/link/decider.yaml `kind_order`) and its period
(PERIOD_FINDERS in linking/kinds.py, `period_order`): the first name of the order whose proposal exists
and is not ruled out wins.

Per figure it runs every finder (finders.py), rules out those its situation excludes, takes the
first finder of rules/link/decider.yaml `order` that proposed something, ranks that candidate's
regions by the tie-breaks, and fans out: one row per region when the figure holds for each, the
macro region they make up for a total, else null. Every candidate region considered, and why it
was not chosen, is kept for explain mode (`link_candidates`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, TypeVar

from spacy.tokens import Doc, Token

from ..targets import is_clause_verb, verb_chain
from .config import LEVEL_RANK, decider_rules, rules
from .context import Article, situations
from .figures import DocFigure
from .finders import FINDERS, Candidate, Situation
from .mentions import Mention, _coordinated_group, _gazetteer, contains


T = TypeVar("T")


def first_in_order(order: Iterable[str], propose: Callable[[str], T | None], ruled_out: dict[str, str] | None = None,
                   every: bool = False) -> tuple[str | None, T | None, list[tuple[int, str, T, str | None]]]:
    """(name, proposal) of the first name of `order` whose proposal is not None and not ruled out, and
    every proposal seen as (position, name, proposal, why it lost or None for the winner). With `every`,
    the names after the winner are asked too (explain mode); else asking stops at the winner."""
    ruled_out = ruled_out or {}
    chosen_name, chosen, seen = None, None, []
    for position, name in enumerate(order):
        if chosen_name is not None and not every:
            break
        proposal = propose(name)
        if proposal is None:
            continue
        if name in ruled_out:
            seen.append((position, name, proposal, f"excluded:{ruled_out[name]}"))
        elif chosen_name is not None:
            seen.append((position, name, proposal, "later_finder"))
        else:
            chosen_name, chosen = name, proposal
            seen.append((position, name, proposal, None))
    return chosen_name, chosen, seen


def decide_kind(candidates: list) -> object:
    """The kind candidate (pipeline/kinds.py `candidates`) whose source comes first in `kind_order`."""
    by_source: dict[str, object] = {}
    for c in candidates:
        by_source.setdefault(c.source, c)
    _, chosen, _ = first_in_order(decider_rules()["kind_order"], by_source.get)
    return chosen


def decide_period(propose: Callable[[str], T | None]) -> T | None:
    """The period the first finder of `period_order` proposes (linking/kinds.py PERIOD_FINDERS)."""
    _, chosen, _ = first_in_order(decider_rules()["period_order"], propose)
    return chosen


@dataclass
class Decision:
    """The region(s) chosen for one figure, by which finder, and every candidate considered."""
    mentions: list[Mention]
    finder: str | None
    considered: list[dict] = field(default_factory=list)   # one per candidate region: see `_considered`


def rank(doc: Doc, found: list[Mention], anchor: Token, keys: list[str]) -> tuple[list[Mention], int]:
    """`found` best first by the tie-breaks, and how many of the first belong together (a coordinated group)."""
    if "coordinated" in keys:
        group = _coordinated_group(doc, found)
        if len(group) > 1:
            return group + [m for m in found if m not in group], len(group)
    keep, dropped = list(found), []
    if "containers_out" in keys:
        keep = [m for m in found if not any(contains(m, o) for o in found)]
        dropped = [m for m in found if m not in keep]
    measures = {"nearest": lambda m: abs(m.root(doc).i - anchor.i), "finest": lambda m: -LEVEL_RANK.get(m.level, 0)}
    order = [measures[k] for k in keys if k in measures]
    keep.sort(key=lambda m: tuple(fn(m) for fn in order))
    return keep + dropped, 1


def decide(art: Article, fig: DocFigure, resp: tuple[int, int] | None, first_of_group: DocFigure | None,
           explain: bool = False) -> Decision:
    """The region mention(s) of one figure and the finder that found them."""
    r = decider_rules()
    situation = Situation(art, fig, resp, first_of_group)
    ruled_out = {}
    for s in situations(art, fig.sent_index):
        for name in r["exclusions"].get(s, ()):
            ruled_out.setdefault(name, s)
    chosen: Decision | None = None
    considered: list[dict] = []
    _, _, seen = first_in_order(r["order"], lambda name: FINDERS[name](situation), ruled_out, every=explain)
    for position, name, candidate, reason in seen:
        ranked, together = _ranked(art.doc, candidate, name, r)
        kept = ranked[:together] if reason is None else []
        if reason is None:
            chosen = Decision(kept, name)
        if explain:
            for k, m in enumerate(ranked):
                considered.append(_considered(name, position, k, m, m in kept,
                                              reason if reason else (None if m in kept else "tie_break")))
    if explain:
        for m in art.sent_mentions[fig.sent_index]:
            if m.excluded is not None:
                considered.append(_considered(None, None, None, m, False, f"mention:{m.excluded}"))
    decision = chosen or Decision([], None)
    decision.considered = considered
    return decision


def _ranked(doc: Doc, candidate: Candidate, name: str, r: dict) -> tuple[list[Mention], int]:
    if candidate.anchor is None:
        return list(candidate.found), len(candidate.found)
    ranked, together = rank(doc, candidate.found, candidate.anchor, r["tie_break"])
    return ranked, together if name in r["fan_out"] else 1


def _considered(finder, position, k, m: Mention, chosen: bool, reason: str | None) -> dict:
    return {"finder": finder, "finder_order": position, "rank": k, "region_id": m.link_id,
            "zone_id": m.region_id if m.level == "zone" else None, "mention_token_start": m.start,
            "mention_token_end": m.end, "via": m.source, "chosen": chosen, "reason": reason}


def _region_ids(art: Article, f: DocFigure, mentions: list[Mention]) -> list[tuple[str | None, str | None]]:
    """(region_id, zone_id) rows: one per region for a figure that holds for each, the macro region
    (or null) for a total over several."""
    if not mentions:
        return [(None, None)]
    rows = []
    for m in mentions:
        row = (m.link_id, m.region_id if m.level == "zone" else None)
        if row not in rows:
            rows.append(row)
    if len(rows) == 1:
        return rows
    words = {t.lower_ for t in _clause_of(f.anchor)}
    r = rules()
    if words & set(r.total_words) and not words & set(r.each_words):
        return [(_macro_of({m.province_id or m.link_id for m in mentions}), None)]
    return rows


# Dependencies that attach a clause of its own (`…, accounting for a fifth of the national total`).
_CLAUSE_DEPS = ("advcl", "relcl", "ccomp", "acl", "conj", "parataxis", "csubj")


def _clause_of(anchor: Token) -> list[Token]:
    """The tokens of a figure's clause: the subtree of the top verb it hangs from, less the clauses
    attached below it that do not hold the figure (a total word there is another clause's)."""
    top = verb_chain(anchor)[-1]
    holding = {anchor.i} | {t.i for t in anchor.ancestors}
    out = []
    for t in top.subtree:
        u, inside = t, True
        while u.i != top.i:
            if u.dep_ in _CLAUSE_DEPS and is_clause_verb(u) and u.i not in holding:
                inside = False
                break
            u = u.head
        if inside:
            out.append(t)
    return out


def _macro_of(provinces: set[str]) -> str | None:
    gz = _gazetteer()
    if gz is None:
        return None
    for macro_id in getattr(gz, "macros", {}):
        if set(gz.members(macro_id)) == provinces:
            return macro_id
    return None
