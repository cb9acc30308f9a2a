"""Kind (actual/target), period and the targets rows of figures.

The period finders (PERIOD_FINDERS) each propose the period one kind of evidence gives a figure;
the decider (decider.py `decide_period`) takes them in rules/link/decider.yaml `period_order`.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from .. import indicators as I
from .. import kinds as K
from .. import periods as P
from .. import targets as T
from .context import Article, _lead_in_chain, _lead_in_forward
from .figures import DocFigure, _list_before


def _period_for(art: Article, f: DocFigure, is_target: bool, resp: tuple[int, int] | None,
                first_of_group: DocFigure | None) -> P.PeriodMention | None:
    sid = f.sent_index
    found = art.periods[sid]
    usable = [p for p in found if p.role != "comparison"]
    if is_target:   # a goal's period is never one its sentence reports the past in, nor a share's base's
        usable = [p for p in usable if not K.in_reported_clause(art.doc, p.start_char, f.anchor, f.span)
                  and not K.in_share_base(art.doc, p.start_char, f.anchor)]
    if resp is not None and first_of_group is not None:
        spans = [p for p in usable if p.role == "span"]
        chosen = _list_before(spans, first_of_group.row["start"], resp[1], lambda p: p.start_char,
                              lambda p: p.end_char, art.text)
        if chosen:
            return chosen[resp[0]]
    if is_target:
        merged = P.merge_events(usable)
        if merged is not None:
            return merged
    nearest = P.assign([p for p in usable if p.role not in ("start_event", "end_event") or not is_target],
                       f.row["start"], f.row["end"])
    if nearest is not None or not is_target:
        return nearest
    return None


def _frames(art: Article, figs: list[DocFigure], kinds: list[str | None]) -> list[P.PeriodMention | None]:
    """Per sentence: the period a forward-looking sentence states (`Haixi's goals … from 2016 to 2020`)."""
    target_sents = {f.sent_index for f, k in zip(figs, kinds) if f is not None and k == "target"}
    lead_ins = {j for j in art.lead_ins if j is not None}
    frames = []
    for sid, sent in enumerate(art.sents):
        forward = sid in target_sents or _is_forward(sent) or (sid in lead_ins and _lead_in_forward(art, sid))
        stated = [p for p in art.periods[sid] if not K.in_reported_clause(art.doc, p.start_char, sent.root)
                  and not K.in_share_base(art.doc, p.start_char, sent.root)]
        frames.append(_stated_period(stated) if forward else None)
    return frames


def _frame_for(art: Article, frames: list, sid: int, target_sents: set[int]) -> P.PeriodMention | None:
    """The plan period a goal without its own takes: the latest stated before it in its section,
    else the first that another goal after it there states (`… throughout the year`)."""
    section = art.sections[sid]
    for j in range(sid, -1, -1):
        if art.sections[j] != section:
            break
        if frames[j] is not None:
            return frames[j]
    for j in range(sid + 1, len(frames)):
        if art.sections[j] != section:
            break
        if frames[j] is not None and j in target_sents:
            return frames[j]
    return None


def _is_forward(sent: Span) -> bool:
    """Whether a sentence looks ahead: a future modal, a goal noun as subject, a cue verb."""
    cues = T._cues()
    return any((t.dep_ in ("aux", "auxpass") and t.lower_ in cues["future_aux"])
               or (t.pos_ == "NOUN" and t.lower_ in cues["cue_words"] and t.dep_ in T.SUBJECTS)
               or (t.pos_ == "VERB" and t.lemma_.lower() in cues["cue_verbs"]) for t in sent) or K.sets_goals(sent)


def _listed_goal(art: Article, f: DocFigure) -> str | None:
    """A list item without a finite verb (`- GDP growth of around 6 percent;`) under a lead-in
    that looks ahead (`The main targets for 2024 are as follows:`)."""
    chain = _lead_in_chain(art, f.sent_index) or [K.semicolon_lead_in(art.sents, art.text, f.sent_index)]
    return "list" if chain[0] is not None and _lead_in_forward(art, chain[0]) else None


def _by_future_year(art: Article, f: DocFigure) -> str | None:
    """`by 2025` in the figure's clause, with 2025 after the reference year, makes it a goal."""
    clause = T.clause_span(f.anchor)
    for p in art.periods[f.sent_index]:
        if p.role == "by" and clause.start_char <= p.start_char < clause.end_char and p.end and (
                art.reference is None or p.end.year > art.reference.year):
            return "by"
    return None


def _target_heads(art: Article, figs: list[DocFigure], kinds, resp, first_of) -> dict[int, tuple[str, Token | None, str]]:
    """Per target figure: (indicator, indicator noun, frame text). Figures listed after a head
    figure (`7.5 percent, including 12 percent for primary industries`) inherit its frame;
    `respectively` lists take the matching noun of a coordinated list."""
    out = {}
    for i, f in enumerate(figs):
        if f is None or kinds[i] != "target" or f.conversion_of is not None:
            continue
        decision = I.in_context(i, figs, {j: I.Decision(v[0], v[1], v[3]) for j, v in out.items()}, art.text)
        indicator, head, evidence = decision.indicator, decision.head, decision.evidence
        if i in resp and head is not None:
            k, n = resp[i]
            nouns = T.coordinated(head)
            if len(nouns) == n and (T.classify(T.phrase_text(nouns[k])) != "other" or indicator == "other"):
                head = nouns[k]   # (`… for urban and rural residents, respectively` names whose, not what)
                indicator = T.classify(T.phrase_text(head))
                evidence = f"respectively:{T.phrase_text(head)}"
        out[i] = (indicator, head, _frame_text(art, f), evidence)
    return out


def _frame_text(art: Article, f: DocFigure) -> str:
    """The words that frame a figure: its clause, plus the clause of the figure it elaborates
    (`including 12 percent for …` takes `average annual GDP growth` of its head)."""
    clause = T.clause_span(f.anchor)
    text = clause.text
    t = f.anchor
    while t.head.i != t.i and t.dep_ not in ("ROOT",):
        if t.dep_ == "pobj" and t.head.lower_ in ("including", "includes", "of which", "among"):
            text = t.head.head.sent.text
            break
        t = t.head
    return text


def _target_row(art: Article, f: DocFigure, row: dict, head, region_id, evidence, p) -> dict:
    indicator, noun, frame, indicator_evidence = head if head else ("other", None, f.span.sent.text, "none")
    clause = T.clause_span(f.anchor)
    unit = row.get("unit")
    measure = T.measure_of(f.anchor, unit)
    if measure == "level" and unit == "percent" and _inherits_growth(f):
        measure = "growth"
    start_year, end_year = P.years_of(p)
    return {
        "article_id": row["article_id"], "sentence_id": row.get("sentence_id"),
        "start": clause.start_char, "end": clause.end_char, "text": clause.text,
        "indicator": indicator, "measure": measure,
        "value": row.get("value"), "value_high": row.get("value_high"), "unit": unit,
        "qualifier": row.get("qualifier"), "frequency": T.frequency_of(_frequency_words(art, f, noun, frame, clause)),
        "region_id": region_id, "start_year": start_year, "end_year": end_year,
        "evidence": evidence if region_id is not None else None, "quantity_id": row.get("quantity_id"),
        "indicator_evidence": indicator_evidence,
    }


def _frequency_words(art: Article, f: DocFigure, noun: Token | None, frame: str, clause: Span) -> str:
    """Listed figures (`including 12 percent for …`) and coordinated objects of one verb
    (`increase revenue by 7 percent annually, and fixed investment by 15 percent`) share the
    frame of the first; other figures speak for themselves."""
    if _inherits_growth(f):
        return frame
    words = _own_words(f, noun, clause)
    if noun is not None and noun.dep_ == "conj":
        words += " " + art.text[clause.start_char:f.span.end_char]
    return words


def _own_words(f: DocFigure, noun: Token | None, clause: Span) -> str:
    """The words that can say a figure is per year: its own, its indicator phrase, its verb's adverbs."""
    words = [f.span.text]
    if noun is not None:
        words.append(T.phrase_text(noun))
    v = T.governing_verb(f.anchor)
    words.extend(c.text for c in v.children if c.dep_ in ("advmod", "npadvmod"))
    for t in T.clause_path(f.anchor)[:-1]:
        words.extend(c.text for c in t.children if c.dep_ in ("amod", "advmod", "npadvmod", "compound"))
    following = f.span.doc[f.span.end:min(f.span.end + 5, f.span.sent.end)].text
    words.append(following)
    return " ".join(words)


def _inherits_growth(f: DocFigure) -> bool:
    """`…, including 12 percent for primary industries`: a figure listed under a head figure."""
    t = f.anchor
    for _ in range(4):
        if t.head.i == t.i:
            return False
        if t.dep_ == "pobj" and t.head.lower_ in ("including",):
            return True
        if t.dep_ == "conj" and t.head.lower_ in ("percent", "%"):
            t = t.head
            continue
        t = t.head
    return False


def _stated_period(spans: list[P.PeriodMention]) -> P.PeriodMention | None:
    """The period a framing sentence states: its plain span or deadline, else its merged events."""
    spans = [p for p in spans if p.role != "comparison" and p.evidence != "explicit_date"]
    if not spans:
        return None
    plain = [p for p in spans if p.role in ("span", "by")]
    return plain[0] if plain else (P.merge_events(spans) or spans[0])


def _lead_in_period(art: Article, sid: int) -> P.PeriodMention | None:
    """The period a list item inherits: the one its (nearest) lead-in states."""
    for lead in _lead_in_chain(art, sid) or [j for j in [K.semicolon_lead_in(art.sents, art.text, sid)] if j is not None]:
        p = _stated_period(art.periods[lead])
        if p is not None:
            return P.PeriodMention(p.start_char, p.end_char, p.start, p.end, "list_lead_in", p.role)
    return None


@dataclass
class PeriodSituation:
    """What period finders see of one figure."""
    art: Article
    fig: DocFigure
    is_target: bool
    resp: tuple[int, int] | None
    first_of_group: DocFigure | None
    frames: list
    target_sents: set[int]


def _sentence_period(x: PeriodSituation) -> P.PeriodMention | None:
    """A period the figure's own sentence states."""
    return _period_for(x.art, x.fig, x.is_target, x.resp, x.first_of_group)


def _lead_in_stated(x: PeriodSituation) -> P.PeriodMention | None:
    """The period the lead-in of the figure's list states."""
    return _lead_in_period(x.art, x.fig.sent_index)


def _plan_frame(x: PeriodSituation) -> P.PeriodMention | None:
    """A goal's plan period, stated elsewhere in its section."""
    if not x.is_target:
        return None
    frame = _frame_for(x.art, x.frames, x.fig.sent_index, x.target_sents)
    if frame is None:
        return None
    return P.PeriodMention(frame.start_char, frame.end_char, frame.start, frame.end, "plan_frame", "span")


# The period finders rules/link/decider.yaml `period_order` names (checked at load).
PERIOD_FINDERS = {"sentence": _sentence_period, "lead_in": _lead_in_stated, "plan_frame": _plan_frame}
