"""Kind of a figure (actual vs target) as candidates with evidence and one decider.

Candidates are read from the figure's noun phrase, its verb chain and the sentence around it
(pipeline/targets.py), and from what link.py knows of the article (a future deadline in the
clause, a forward-looking list lead-in). The decider takes the strongest: a figure that only
sets the scene of a goal is no goal; a signed deal or a project reported as started is actual
even where its noun phrase reads as a commitment; then the forward cues; else reported.
The evidence string says what decided: `<class>:<cue>` — `plan:aim`, `forecast:would`,
`expectation:expect`, `budget:earmark`, `goal:target`, `signed:sign`, `started:launch`,
`scene:duration`, `reported`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span, Token

from . import lexicons as L
from . import schema
from . import targets as T
from .rules import load_yaml

# The sources a kind candidate comes from. This module proposes; which source wins is
# rules/link/decider.yaml `kind_order`, read by linking.decider.decide_kind (checked at load to name
# each of these once).
SOURCES = ("scene", "base", "signed", "started", "cue", "reported")


@dataclass(frozen=True)
class Candidate:
    kind: str          # `actual` or `target`
    source: str        # one of SOURCES
    evidence: str


@lru_cache(maxsize=1)
def _rules() -> dict:
    r = L.targets()
    classes = {}
    for name, cues in r.cue_classes.items():
        for cue in cues:
            classes.setdefault(cue, name)
    return {
        "classes": classes,
        "signing": frozenset(r.signing_verbs),
        "deal_nouns": frozenset(r.deal_nouns),
        "started": frozenset(r.started_verbs),
        "scene_items": frozenset(r.scene_count_items),
        "duration_units": frozenset(r.duration_units),
        "duration_preps": frozenset(r.duration_prepositions),
        "group_member": re.compile(r.group_member, re.I),
        "semicolon_parts": r.semicolon_list_min_parts,
        "scope_preps": frozenset(r.scope_prepositions),
        "restatement": re.compile(r.restatement, re.I),
        "amount_anaphors": frozenset(r.amount_anaphors),
        "restated_as": re.compile(r.restated_as, re.I),
        "restating_verbs": frozenset(r.restating_verbs),
        "restating_subjects": frozenset(r.restating_subjects),
        "parallel_verbs": frozenset(r.parallel_verbs),
        "superseded_from": frozenset(r.superseded_from),
        "comparison_bases": {prep: frozenset(heads) for prep, heads in r.comparison_bases.items()},
        "past_year_words": frozenset(r.past_year_words),
        "description_heads": frozenset(r.description_heads),
    }


def cue_class(cue: str) -> str:
    """`plan`, `forecast`, `expectation`, `budget` or `goal` for a forward cue."""
    return _rules()["classes"].get(cue, "goal")


def _done(v: Token) -> bool:
    """A verb in the past or perfect (`signed`, `have been launched`), or a participle (`projects contracted at`)."""
    return v.tag_ in ("VBD", "VBN") or any(c.lower_ in ("has", "have", "had") for c in v.children)


def _clause_verbs(anchor: Token) -> list[Token]:
    """The verbs a figure hangs from, plus the verb of the noun a relative clause describes
    (`signed 38 contracts …, which involved 9 billion RMB`)."""
    chain = T.verb_chain(anchor)
    top = chain[-1]
    if top.dep_ in ("relcl", "acl") and top.head.head.i != top.head.i:
        chain = chain + [T.governing_verb(top.head)]
    return chain


def signed(anchor: Token) -> str | None:
    """The signing verb that makes the figure a signed deal's value, if any."""
    r = _rules()
    verbs = _clause_verbs(anchor)
    for v in verbs:
        if v.lemma_.lower() in r["signing"] and _done(v):
            return v.lemma_.lower()
    nouns = T._path_nouns(anchor)
    top = verbs[-1]
    if top.dep_ in ("relcl",):
        nouns.append(top.head)
    for n in nouns:
        if n.lower_ in r["deal_nouns"] and _done(T.governing_verb(n)):
            return n.lemma_.lower()
    return None


def started(anchor: Token, sentence: Span) -> str | None:
    """The verb that reports the figure's projects as started or announced, unless the sentence
    still looks ahead with a verb cue."""
    r = _rules()
    for v in _clause_verbs(anchor):
        lemma = v.lemma_.lower()
        if lemma in r["started"] and _done(v) and not _sentence_looks_ahead(sentence, v):
            return lemma
    return None


def _sentence_looks_ahead(sentence: Span, but: Token) -> bool:
    cues = T._cues()
    return any(t.i != but.i and t.pos_ in T.VERBS and (
        T._verb_cue(t) is not None or (t.lemma_.lower() in cues["cue_verbs"] and t.tag_ == "VBN"))
        for t in sentence)


def scene(anchor: Token, row: dict, text: str) -> str | None:
    """Why a figure only sets the scene (`duration`, `count_of_parts`, `modifier`, `group_member`,
    `money_scope`, `apposition`), or None."""
    r = _rules()
    unit = row.get("unit")
    if unit in r["duration_units"]:
        t = anchor
        while t.dep_ in ("nummod", "amod", "compound") and t.head.i != t.i:
            t = t.head
        if t.dep_ == "pobj" and t.head.lower_ in r["duration_preps"]:
            return "duration"
        if t.dep_ == "npadvmod" and any(c.lower_ in ("next", "past", "coming") for c in t.children):
            return "duration"
    if unit == "count" and str(row.get("item") or "").lower() in r["scene_items"]:
        return "count_of_parts"
    end = row.get("number_end")
    if end is not None and end == end and text[int(end):int(end) + 1] == "-" and unit not in ("percent",):
        # `358,000-square-kilometer region`, `10-year plan`: an adjective of what it describes
        if anchor.dep_ in ("amod", "compound", "nummod") or anchor.head.pos_ in T.NOUNS:
            return "modifier"
    start = row.get("start")
    if start is not None and r["group_member"].search(text[max(0, int(start) - 12):int(start)]):
        return "group_member"
    if unit == "count" and _in_money_scope(anchor):
        return "money_scope"
    path = T.clause_path(anchor)[:-1]
    if any(t.dep_ == "appos" and t.i != anchor.i and t.head.pos_ == "PROPN" for t in path) or any(
            t.dep_ == "pobj" and t.head.lower_ == "to" and t.head.head.lower_ in r["description_heads"]
            and t.head.head.dep_ not in ("attr", "oprd", "dobj", "ROOT") and t.head.head.head.lemma_ != "be"
            for t in path):
        return "apposition"   # `Chengdu, a city of 21 million people, plans to …`, `Home to 5 million people, …`
    return None


def _in_money_scope(anchor: Token) -> bool:
    """`the overall investment in "three hundred" projects`: a count in the complement of a money noun."""
    from .roles import role_in
    for t in T.clause_path(anchor)[:-1]:
        if t.dep_ == "pobj" and t.head.lower_ in _rules()["scope_preps"] and t.head.head.pos_ in T.NOUNS:
            noun = t.head.head
            if role_in(noun.text) is not None and noun.lemma_.lower() not in ("project", "program", "programme"):
                return True
    return False


def comparison_base(anchor: Token) -> str | None:
    """The preposition that makes a figure the base of a comparison (`up from 3.15 percent`, `after
    an estimated 5.2 percent expansion`), or None; a goal noun on the way (`up from a goal of …`)
    keeps it a goal."""
    bases = _rules()["comparison_bases"]
    goal_words = T._cues()["cue_words"]
    path = T.clause_path(anchor)[:-1]
    for k, t in enumerate(path):
        if t.lower_ in goal_words and t.pos_ in T.NOUNS:
            return None
        prep = t.head
        if t.dep_ == "pobj" and prep.lower_ in bases:
            heads = bases[prep.lower_]
            if not heads or prep.head.lemma_.lower() in heads or prep.head.lower_ in heads:
                return prep.lower_
    return None


def said_past(anchor: Token) -> bool:
    """Whether the figure's own noun phrase says it is past: a relative clause in the past tense (`the
    6 percent growth it achieved last year`), a past year as possessor (`last year's 8 percent
    growth`). (A participle has no tense of its own: `… with a total investment of 13.6 billion yuan
    completed throughout the year` is a goal.)"""
    r = _rules()
    for noun in T.clause_path(anchor)[:-1]:
        if noun.pos_ not in T.NOUNS:
            continue
        for ch in noun.children:
            if ch.dep_ == "relcl" and ch.tag_ == "VBD" and not T._verb_cue(ch) \
                    and not any(w.lower_ in T._cues()["cue_words"] for w in ch.subtree):
                return True   # (`the 7 percent growth it set as its target` is a goal)
            if ch.dep_ == "poss" and ch.lemma_.lower() == "year" \
                    and any(g.lower_ in r["past_year_words"] for g in ch.children):
                return True
    return False


def restates(gap: str) -> bool:
    """Whether the text between a goal figure and the next figure restates the goal as a change
    (`…, up 7 percent year-on-year`)."""
    return bool(_rules()["restatement"].match(gap))


def candidates(anchor: Token, sentence: Span, row: dict, text: str, cue: str | None) -> list[Candidate]:
    """Every reading of a figure's kind the text supports; `cue` is the forward cue found
    (targets.forward_cue, a future deadline, a list lead-in) or None."""
    out = [Candidate("actual", "reported", "reported")]
    if cue:
        out.append(Candidate("target", "cue", f"{'superseded' if superseded(anchor) else cue_class(cue)}:{cue}"))
        why = scene(anchor, row, text)
        if why:
            out.append(Candidate("actual", "scene", f"scene:{why}"))
        prep = comparison_base(anchor)
        if prep:
            out.append(Candidate("actual", "base", f"base:{prep}"))
        elif said_past(anchor):
            out.append(Candidate("actual", "base", "base:past"))
        verb = signed(anchor)
        if verb:
            out.append(Candidate("actual", "signed", f"signed:{verb}"))
        elif cue in _commitment_cues():
            verb = started(anchor, sentence)
            if verb:
                out.append(Candidate("actual", "started", f"started:{verb}"))
    return out


@lru_cache(maxsize=1)
def _commitment_cues() -> frozenset[str]:
    """Cues that come from a project's noun phrase, which a started project's report overrides."""
    return frozenset(["commitment"]) | T._cues()["cue_words"]


def semicolon_lead_in(sents: list[Span], text: str, sid: int) -> int | None:
    """The lead-in (the sentence before, ending with a colon) of a paragraph that is a
    semicolon-separated list of items; None when sentence `sid` is no such paragraph."""
    if sid == 0:
        return None
    sent, lead = sents[sid], sents[sid - 1]
    before = text[:sent.start_char].rstrip(" \t")
    if not lead.text.rstrip().endswith(":") or (before and not before.endswith("\n")):
        return None
    return sid - 1 if sent.text.count(";") + 1 >= _rules()["semicolon_parts"] else None


def sets_goals(sent: Span, by: Token | None = None) -> bool:
    """`Guiyang has also decided on several development goals`: a sentence whose verb (`by`, when
    given) takes goal nouns as its object sets them (and states their period), unless it says they
    were met."""
    cues = T._cues()
    met = _fulfilled_verbs()
    for t in sent:
        if t.pos_ != "NOUN" or t.lower_ not in cues["cue_words"] or t.dep_ not in ("dobj", "pobj"):
            continue
        verb = t.head.head if t.dep_ == "pobj" and t.head.dep_ == "prep" else t.head
        if verb.pos_ == "VERB" and verb.lemma_.lower() not in met and (by is None or verb.i == by.i):
            return True
    return False


@lru_cache(maxsize=1)
def _fulfilled_verbs() -> frozenset[str]:
    # linking's vocabulary, typed and checked by pipeline/linking/config.py; read as data here so that
    # the quantities stage (roles -> kinds) does not import the linking package
    return frozenset(load_yaml("link/linking.yaml")["lead_in_fulfilled_verbs"])


def continues_goal(anchor: Token, unit: str | None, goal_units: set[str]) -> bool:
    """Whether a sentence in the present tense carries on the goal of the sentence before it:
    its subject is an amount anaphor (`The amount marks a rise of 5 percent`), or it breaks down
    money of a currency the goal before was stated in (`with 2.04 billion yuan going to …`)."""
    sent = anchor.sent
    reporting = _reporting_verbs()
    if not goal_units or any((t.tag_ == "VBD" or (t.tag_ == "VBN" and any(c.lower_ in ("has", "have", "had", "was", "were")
                                                                          for c in t.children)))
                             and t.lemma_.lower() not in reporting for t in sent):
        return False
    chain = T.verb_chain(anchor)
    subject = T.chain_subject(chain)
    if subject is not None and subject.lemma_.lower() in _rules()["amount_anaphors"] \
            and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in subject.children):
        return True
    if subject is not None and subject.lower_ in _rules()["restating_subjects"] \
            and any(v.lemma_.lower() in _rules()["restating_verbs"] for v in chain):
        return True   # `That means an average annual growth of 7 percent`
    return unit in goal_units and schema.is_currency(unit)


@lru_cache(maxsize=1)
def _reporting_verbs() -> frozenset[str]:
    return frozenset(L.targets().reporting_verbs)


def superseded(anchor: Token) -> bool:
    """Whether the text compares with a goal as one that was set before: `up from a goal of …`
    (a goal whose period ended before the article is superseded too: see `dated`)."""
    r = _rules()
    return any(t.dep_ == "pobj" and t.head.lower_ == "from" and t.head.head.lower_ in r["superseded_from"]
               for t in T.clause_path(anchor))


def dated(evidence: str | None, kind: str | None, end_year, reference_year: int | None) -> str | None:
    """A goal's evidence once its period is known: a goal for a period that ended before the
    article's year (`after aiming for about 6 percent for 2020` in a 2021 article) is superseded."""
    if kind != "target" or not evidence or end_year is None or reference_year is None:
        return evidence
    try:
        ended = int(end_year) < reference_year
    except (TypeError, ValueError):
        return evidence
    return "superseded:" + evidence.split(":", 1)[-1] if ended else evidence


def in_reported_clause(doc, char: int, anchor: Token, figure: Span | None = None) -> bool:
    """Whether the text at `char` lies in a clause of its own that reports the past, not in the
    clause of the goal at `anchor` (`targets growth of 6 percent after it beat … last year`);
    `figure` is the goal's own span, whose relative clauses describe it."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is None or not len(span):
        return False
    verb = T.governing_verb(span[0])
    chain = {v.i for v in T.verb_chain(anchor)}
    if verb.i in chain or verb.pos_ not in T.VERBS:
        # asked of a sentence (the anchor its root verb): a root that reports the past with no cue of
        # its own (`In 2023, GDP reached 5.44 trillion yuan, missing its target of 6 percent`) states
        # no period of a plan, though a goal (here a superseded one) stands in it
        # (a reporting root, `For 2022, Wang said that …`, carries the period of what is said)
        return anchor.i == anchor.sent.root.i and T.is_clause_verb(anchor) and _done(anchor) \
            and anchor.tag_ != "VBN" and anchor.lemma_.lower() not in _reporting_verbs() \
            and not any(T._verb_cue(v) for v in T.verb_chain(anchor)) and not sets_goals(anchor.sent, by=anchor)
    describes = verb.dep_ in ("relcl", "acl")
    if describes and (verb.head.i == anchor.i or verb.head in anchor.ancestors
                      or (figure is not None and figure.start <= verb.head.i < figure.end)):
        return False   # it describes the goal itself: `the target range … that it set at the beginning of 2017`
    if describes and verb.tag_ == "VBN" and not any(c.dep_ in ("aux", "auxpass") for c in verb.children):
        return True    # a participle describing another noun: `the previous target of 7 percent set in 2019`
    return verb.tag_ == "VBD" or any(c.dep_ == "aux" and c.lower_ in ("has", "have", "had") for c in verb.children)


def restated_as(gap: str) -> bool:
    """Whether a figure restates the one before it in other terms (`…, or nearly 60 percent of …`)."""
    return bool(_rules()["restated_as"].match(gap))


def in_share_base(doc, char: int, anchor: Token) -> bool:
    """Whether the text at `char` lies in the base of another figure's share (`… or nearly 60
    percent of China's total output last year`): that period is the base's, not the goal's."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is None or not len(span):
        return False
    # the period itself, or the word right before it (the parser may hang `last year` on the verb)
    for start in {span[0], span[0].doc[max(span[0].i - 1, span[0].sent.start)]}:
        if any(t.dep_ == "pobj" and t.head.lower_ == "of" and t.head.head.lower_ in ("percent", "%")
               and t.head.head.i != anchor.i for t in T.clause_path(start)[:-1]):
            return True
    return False


def parallel_goal(anchor: Token, goal_units_before: set[str], unit: str | None) -> bool:
    """`…aims for 7 percent growth, while other cities are between 5 and 6 percent`: a present-tense
    clause of a stative verb, after a goal of the same unit in its sentence, states a goal too."""
    if unit not in goal_units_before:
        return False
    verb = T.governing_verb(anchor)
    if verb.lemma_.lower() not in _rules()["parallel_verbs"] or verb.tag_ not in ("VBZ", "VBP"):
        return False
    return verb.dep_ in ("conj", "advcl", "ccomp", "parataxis") or verb.i != anchor.sent.root.i


def across_figures(figs: list, kinds: list[str | None], cues: list[str | None], text: str) -> None:
    """Kinds that depend on the other figures of the article, updated in place (figures are the
    link stage's: `sent_index`, `anchor`, `row`, `conversion_of`; None for unplaced ones): a
    parallel clause after a goal, a sentence that carries a goal on, a conversion's kind, a change
    restated right after a goal."""
    goal_units: dict[int, set[str]] = {}
    for f, k in zip(figs, kinds):
        if f is not None and k == "target":
            goal_units.setdefault(f.sent_index, set()).add(f.row.get("unit"))
    seen: dict[int, set[str]] = {}   # per sentence: units of the goals so far
    for i, f in enumerate(figs):
        if f is None or f.conversion_of is not None:
            continue
        if cues[i] == "reported" and parallel_goal(f.anchor, seen.get(f.sent_index, set()), f.row.get("unit")):
            prior = next((c for g, c in zip(reversed(figs[:i]), reversed(cues[:i]))
                          if g is not None and g.sent_index == f.sent_index and c
                          and not c.startswith(("reported", "scene", "signed", "started"))), "goal:")
            kinds[i], cues[i] = "target", f"{prior.split(':')[0]}:parallel"
        if kinds[i] == "target":
            seen.setdefault(f.sent_index, set()).add(f.row.get("unit"))
    stated = set(goal_units)        # sentences that state goals of their own
    for i, f in enumerate(figs):     # in text order: a sentence that carries a goal on passes it to the next
        if f is None or f.conversion_of is not None or cues[i] != "reported" or f.sent_index in stated:
            continue
        before = goal_units.get(f.sent_index - 1, set())
        if continues_goal(f.anchor, f.row.get("unit"), before):
            kinds[i], cues[i] = "target", "plan:continued"
            goal_units[f.sent_index] = goal_units.get(f.sent_index, set()) | before | {f.row.get("unit")}
    for i, f in enumerate(figs):
        if f is not None and f.conversion_of is not None:
            kinds[i], cues[i] = kinds[f.conversion_of], cues[f.conversion_of]
        elif f is not None and i > 0 and kinds[i] == "actual" and cues[i] == "reported" and kinds[i - 1] == "target" \
                and figs[i - 1] is not None and figs[i - 1].sent_index == f.sent_index \
                and restates(text[figs[i - 1].row["end"]:f.row["start"]]):
            kinds[i], cues[i] = "target", f"{cues[i - 1].split(':')[0]}:restated"
