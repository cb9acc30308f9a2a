"""Link stage: each figure's region, period and kind; every quantitative goal as a `targets` row.

Region: pipeline/linking — finders propose the regions each kind of evidence ties a figure to
(`respectively` lists, its own noun phrase, the subject of its clause, the rest of its clause and
sentence, a list's lead-in, the previous sentences' topic, the article's focus), with anaphora
resolved to regions; one decider takes them in the order rules/link/decider.yaml declares.
`evidence` names the finder, `via` the kind of mention it came through.
Kind and period go through the same decider: kinds.py proposes kind candidates and linking/kinds.py
PERIOD_FINDERS propose periods, taken in rules/link/decider.yaml `kind_order` and `period_order`.
Targets: targets.py over the parse (linking/kinds.py).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from spacy.tokens import Doc

from . import clean
from . import kinds as K
from . import periods as P
from . import schema
from . import targets as T
from .docs import docs_from_tokens
from .linking.config import confidence
from .linking.context import Article, _article
from .linking.decider import Decision, _region_ids, decide, decide_kind, decide_period
from .linking.explain import candidate_rows
from .linking.figures import _figures, _respectively_groups
from .linking.kinds import PERIOD_FINDERS, PeriodSituation, _by_future_year, _frames, _listed_goal, _target_heads, _target_row
from .linking.mentions import Mention, _str
from .nlp import blank


def run(articles: pd.DataFrame, sentences: pd.DataFrame, tokens: pd.DataFrame | None, regions: pd.DataFrame,
        quantities: pd.DataFrame, docs: dict[str, Doc] | None = None, blocks: pd.DataFrame | None = None
        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill region, period and kind of every figure; build the targets table (Docs rebuilt from `tokens`
    unless given; the structure from clean's `blocks`, derived again from `clean_text` when not given)."""
    q, t, _ = run_explained(articles, sentences, tokens, regions, quantities, docs, blocks, explain=False)
    return q, t


def run_explained(articles: pd.DataFrame, sentences: pd.DataFrame, tokens: pd.DataFrame | None,
                  regions: pd.DataFrame, quantities: pd.DataFrame, docs: dict[str, Doc] | None = None,
                  blocks: pd.DataFrame | None = None, explain: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`run`, and the `link_candidates` table: every candidate region of every figure, and why it lost."""
    columns = list(dict.fromkeys(list(quantities.columns) + schema.QUANTITIES.names))
    if quantities is None or quantities.empty:
        return quantities.reindex(columns=columns), schema.empty("targets"), schema.empty("link_candidates")
    if docs is None:
        docs = docs_from_tokens(tokens, blank().vocab)
    # one records pass per table for the whole batch, grouped by article in Python (per-article
    # pandas sorting and conversion was most of link's own time, issue 16)
    arts = {str(r["article_id"]): r for r in articles.to_dict("records")}
    region_groups = _records_by_article(regions)
    block_groups = None if blocks is None else _records_by_article(blocks, "block_id")
    out_rows: list[dict] = []
    target_rows: list[dict] = []
    candidate_rows: list[dict] = []
    for article_id, rows in _records_by_article(quantities, "start").items():
        doc = docs.get(article_id)
        if doc is None or article_id not in arts:
            out_rows.extend(rows)
            continue
        a = arts[article_id]
        text = a.get("clean_text") if isinstance(a.get("clean_text"), str) else doc.text
        structure = block_groups.get(article_id) if block_groups is not None else None
        if structure is None:
            structure = clean.article_blocks(article_id, text, _str(a.get("title")),
                                             clean.parse_caption_spans(a.get("caption_spans")))
        art = _article(doc, text, _str(a.get("title")), _reference(a), region_groups.get(article_id, []), structure)
        q_rows, t_rows, c_rows = link_article(art, rows, explain)
        out_rows.extend(q_rows)
        target_rows.extend(t_rows)
        candidate_rows.extend(c_rows)
    q = pd.DataFrame(out_rows).reindex(columns=columns)
    t = pd.DataFrame(target_rows, columns=schema.TARGETS.names) if target_rows else schema.empty("targets")
    c = pd.DataFrame(candidate_rows, columns=schema.LINK_CANDIDATES.names) if candidate_rows \
        else schema.empty("link_candidates")
    return _typed(q, schema.QUANTITIES), _typed(t, schema.TARGETS), _typed(c, schema.LINK_CANDIDATES)


def _records_by_article(df: pd.DataFrame | None, order_key: str | None = None) -> dict[str, list[dict]]:
    """A table's rows as records, grouped by article in order of first appearance, each group
    stably sorted by `order_key`: one conversion for the batch."""
    groups: dict[str, list[dict]] = {}
    if df is None or df.empty:
        return groups
    for r in df.to_dict("records"):
        groups.setdefault(str(r["article_id"]), []).append(r)
    if order_key is not None:
        for rows in groups.values():
            rows.sort(key=lambda r: r[order_key])
    return groups


def _reference(a) -> dt.date | None:
    """The date relative expressions resolve against: reference_date, else published; never today."""
    for key in ("reference_date", "published"):
        v = a.get(key) if hasattr(a, "get") else None
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            continue
        try:
            return pd.Timestamp(v).date()
        except (TypeError, ValueError):
            continue
    return None


def _typed(df: pd.DataFrame, sch) -> pd.DataFrame:
    import pyarrow as pa
    for fld in sch:
        if fld.name not in df.columns:
            continue
        if fld.type == pa.int32():
            df[fld.name] = pd.to_numeric(df[fld.name], errors="coerce").astype("Int32")
        elif fld.type == pa.float64():
            df[fld.name] = pd.to_numeric(df[fld.name], errors="coerce").astype("float64")
        elif fld.type == pa.date32():
            df[fld.name] = pd.to_datetime(df[fld.name], errors="coerce").dt.date
    return df


def link_article(art: Article, rows: list[dict], explain: bool = False) -> tuple[list[dict], list[dict], list[dict]]:
    """Link every figure of one article; (quantity rows, target rows, candidate rows when `explain`)."""
    figs = _figures(art, rows)
    resp = _respectively_groups(art, figs)
    first_of = {}
    for i, (k, n) in resp.items():
        first_of[i] = figs[i - k] if k <= i else None

    # kinds first: periods of goals depend on the plan period other goals state
    kinds: list[str | None] = []
    cues: list[str | None] = []      # per figure: the kind evidence (kinds.py)
    for f in figs:
        if f is None:
            kinds.append(None); cues.append(None)
            continue
        cue = None if f.in_definition else T.forward_cue(f.anchor, f.span.sent)
        cue = cue or _by_future_year(art, f) or _listed_goal(art, f)
        chosen = decide_kind(K.candidates(f.anchor, f.span.sent, f.row, art.text, cue))
        cues.append(chosen.evidence)
        kinds.append(chosen.kind)
    K.across_figures(figs, kinds, cues, art.text)
    frames = _frames(art, figs, kinds)
    target_sents = {g.sent_index for g, k in zip(figs, kinds) if g is not None and k == "target"}

    linked: list[tuple[list[Mention], str]] = []
    decisions: list[Decision | None] = []
    periods: list[P.PeriodMention | None] = []
    for i, f in enumerate(figs):
        if f is None:
            linked.append(([], "none")); periods.append(None); decisions.append(None)
            continue
        if f.conversion_of is not None:
            linked.append(linked[f.conversion_of] if f.conversion_of < len(linked) else ([], "none"))
            periods.append(periods[f.conversion_of] if f.conversion_of < len(periods) else None)
            decisions.append(None)
            continue
        decision = decide(art, f, resp.get(i), first_of.get(i), explain)
        decisions.append(decision)
        linked.append((decision.mentions, decision.finder or "none"))
        situation = PeriodSituation(art, f, kinds[i] == "target", resp.get(i), first_of.get(i), frames, target_sents)
        periods.append(decide_period(lambda name: PERIOD_FINDERS[name](situation)))

    q_rows, t_rows, c_rows = [], [], []
    heads = _target_heads(art, figs, kinds, resp, first_of)
    for i, (row, f) in enumerate(zip(rows, figs)):
        mentions, evidence = linked[i]
        ids = _region_ids(art, f, mentions) if f is not None else [(None, None)]
        if f is not None and f.conversion_of is not None and evidence != "none":
            evidence = "conversion"
        p = periods[i]
        vias = _vias(mentions, ids)
        for k, (region_id, zone_id) in enumerate(ids):
            out = dict(row)
            out.update(region_id=region_id, zone_id=zone_id, link_index=k, kind=kinds[i] or "actual",
                       kind_evidence=K.dated(cues[i], kinds[i], p.end.year if p and p.end else None,
                                             art.reference.year if art.reference else None),
                       evidence=evidence if region_id is not None else None,
                       via=vias[k] if region_id is not None else None,
                       link_confidence=confidence(evidence, vias[k]) if region_id is not None else None,
                       period_start=p.start if p else None, period_end=p.end if p else None,
                       period_evidence=p.evidence if p else None)
            q_rows.append(out)
            restates = i > 0 and figs[i - 1] is not None and f is not None and f.sent_index == figs[i - 1].sent_index \
                and K.restated_as(art.text[figs[i - 1].row["end"]:f.row["start"]])
            if f is not None and kinds[i] == "target" and f.conversion_of is None and _is_number(row.get("value")) \
                    and not restates and not f.counts_regions:
                t_rows.append(_target_row(art, f, row, heads.get(i), region_id, evidence, p)
                              | {"kind_evidence": out["kind_evidence"], "period_evidence": p.evidence if p else "none"})
        if explain:
            c_rows.extend(candidate_rows(art, row, f, decisions, i, ids, rows))
    return q_rows, t_rows, c_rows


def _is_number(v) -> bool:
    try:
        return v is not None and float(v) == float(v)
    except (TypeError, ValueError):
        return False


def _vias(mentions: list[Mention], ids: list[tuple[str | None, str | None]]) -> list[str | None]:
    """Per output row, the kind of mention its region came through (a total: its first mention's)."""
    by_id = {}
    for m in mentions:
        by_id.setdefault(m.link_id, m.source)
    first = mentions[0].source if mentions else None
    return [by_id.get(rid, first) for rid, _ in ids]
