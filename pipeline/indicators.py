"""Indicator of a target (SPEC §4) as candidates with evidence and one decider.

Candidates come from the figure's own noun phrase (what the amount is `in`/`of`), the noun the
figure states (targets.indicator_of: its subject, object or `for` complement, the governing
verb), the verb's prepositional object when it has no direct one (`aiming for … growth rate of
6 percent`), and a share of a whole (`account for 55 percent of the total`). The decider takes
the first candidate, in that order of closeness to the figure, that names a specific indicator;
a share overrides all but ratio indicators. The evidence says `<source>:<words>`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Token

from . import lexicons as L
from . import schema
from . import targets as T


@dataclass(frozen=True)
class Decision:
    indicator: str
    head: Token | None
    evidence: str


@lru_cache(maxsize=1)
def _rules() -> dict:
    r = L.indicators()
    return {
        "share_verbs": frozenset(r.share_verbs),
        "share_particles": dict(r.share_particles),
        "ratio": frozenset(r.ratio_indicators),
        "own_preps": frozenset(r.own_complement_preps),
        "verb_preps": frozenset(r.verb_object_preps),
        "context_heads": frozenset(r.context_heads),
        "share_nouns": frozenset(r.share_nouns),
        "generic_count_nouns": frozenset(r.generic_count_nouns),
    }


def _words(t: Token | None) -> str:
    return T.phrase_text(t) if t is not None else ""


def _first_of_list(anchor: Token) -> Token:
    """`increases of 12 percent and 10 percent in …`: the list's figures share their complements."""
    t = anchor
    while t.dep_ in ("conj", "appos") and t.head.lower_ == t.lower_:
        t = t.head
    return t


def _classify(words: str, unit: str | None) -> str:
    return T.classify_money(words) if schema.is_currency(unit) else T.classify(words)


def own_complement(anchor: Token, unit: str | None) -> Token | None:
    """The noun the amount is of or in (`1 trillion yuan in gross domestic product`), when it names an indicator."""
    r = _rules()
    first = _first_of_list(anchor)
    holders = [anchor, first]
    if first.dep_ == "dobj" and first.head.lemma_.lower() not in T._indicator_rules()["verb_indicators"]:
        # (`invest 50 billion yuan in the digital economy`: the verb says what the amount is, `in` where it goes)
        # `notch up 1 trillion yuan (…) in gross domestic product`: the parser hangs the
        # complement on the verb; only the one right after the object is the amount's
        holders.append(first.head)
    for t in holders:
        preps = [c for c in t.children if c.dep_ == "prep" and c.lower_ in r["own_preps"]]
        if t is not anchor and t is not first:
            # right after the object (a bracketed conversion between is allowed)
            gap = anchor.doc[first.right_edge.i + 1:first.right_edge.i + 8]
            after = next((g for g in gap if not (g.is_punct or g.is_bracket) and not _in_brackets(g)), None)
            preps = [c for c in preps if after is not None and c.i == after.i]
        for prep in preps:
            for obj in (o for o in prep.children if o.dep_ == "pobj" and o.pos_ in T.NOUNS):
                if _classify(_words(obj), unit) != "other":
                    return obj
    return None


def _in_brackets(t: Token) -> bool:
    """Whether a token lies inside round brackets of its sentence."""
    before = t.doc[t.sent.start:t.i].text
    return before.count("(") > before.count(")")


def verb_prep_object(anchor: Token) -> Token | None:
    """`It is aiming for an annual economic growth rate of about 6 percent`: the figure hangs from
    the verb, whose `for` object says what it measures."""
    r = _rules()
    t = anchor
    if not (t.dep_ == "pobj" and t.head.dep_ == "prep" and t.head.head.pos_ in T.VERBS):
        return None
    verb = t.head.head
    if any(c.dep_ == "dobj" for c in verb.children):
        return None
    for prep in (c for c in verb.children if c.dep_ == "prep" and c.lower_ in r["verb_preps"] and c.i < t.i):
        obj = next((o for o in prep.children if o.dep_ == "pobj" and o.pos_ in T.NOUNS), None)
        if obj is not None:
            return obj
    return None


def share_of(anchor: Token, unit: str | None) -> str | None:
    """Why a percent is a share of a whole (`account`, `make up`, `percent of`), or None."""
    if unit != "percent":
        return None
    r = _rules()
    v = T.governing_verb(anchor)
    lemma = v.lemma_.lower()
    if lemma in r["share_verbs"]:
        particle = r["share_particles"].get(lemma)
        if particle is None or any(c.dep_ == "prt" and c.lower_ == particle for c in v.children):
            return lemma
    # `23 percent of the city's GDP`: a percent with an `of` complement that is not a growth's
    # (`a 26 percent of year-on-year growth in gross industrial output` states the growth)
    generic = T._indicator_rules()["generic_heads"]
    of_objects = [o for c in anchor.children if c.dep_ == "prep" and c.lower_ == "of" for o in c.children if o.dep_ == "pobj"]
    if of_objects and not any(o.lemma_.lower() in generic for o in of_objects) \
            and not (anchor.head.pos_ in T.NOUNS and anchor.head.lemma_.lower() in generic):
        return "percent of"
    return None


def adjacent_conjunct(anchor: Token) -> Token | None:
    """`460 million tourists and tourism revenue above 50 billion yuan`: the parser hung the
    figure's preposition on the list's first noun; the conjunct right before it is its noun."""
    t = anchor
    if not (t.dep_ == "pobj" and t.head.dep_ == "prep" and t.head.head.pos_ in T.NOUNS):
        return None
    prep, noun = t.head, t.head.head
    conj = [c for c in noun.subtree if c.dep_ == "conj" and c.pos_ in T.NOUNS and noun.i < c.i < prep.i]
    return conj[-1] if conj else None


def ccomp_subject(anchor: Token) -> Token | None:
    """`Shi disclosed per capita GDP in Henan … would reach 10,000 yuan`: a clause without a
    subject whose head verb's object stands before it is that object's clause."""
    v = T.governing_verb(anchor)
    if v.dep_ != "ccomp" or T.own_subject(v) is not None:
        return None
    obj = next((c for c in v.head.children if c.dep_ == "dobj" and c.i < v.i and c.pos_ in T.NOUNS), None)
    return obj


def split_preposition_object(anchor: Token) -> Token | None:
    """`the city would maintain the per capita GDP above\n$10,000 until 2010`: a line break split the
    sentence and left the figure's preposition dangling at the end of the sentence before; the
    figure is that preposition's, and what its verb's object names it measures."""
    sent = anchor.sent
    if sent.start == 0:
        return None
    before = anchor.doc[sent.start - 1]
    while before.is_space and before.i > 0:
        before = before.doc[before.i - 1]
    if before.pos_ != "ADP" or any(c.dep_ == "pobj" for c in before.children) or before.head.pos_ not in T.VERBS:
        return None
    if any(t.is_punct or t.like_num for t in anchor.doc[sent.start:anchor.i] if t.i < anchor.i - 3):
        return None   # the figure must open its fragment
    return T._verb_object(before.head, exclude=before)


def segment_words(anchor: Token) -> str:
    """The words before the figure in its part of a semicolon list (`…; registered urban
    unemployment kept below 4.2 percent; …`)."""
    sent = anchor.sent
    lo = anchor.i
    while lo > sent.start and anchor.doc[lo - 1].text != ";":
        lo -= 1
    return anchor.doc[lo:anchor.i].text


def _segment_of(t: Token) -> int:
    return sum(1 for x in t.sent if x.i < t.i and x.text == ";")


def decide(anchor: Token, unit: str | None, is_count: bool) -> Decision:
    """The indicator of the figure at `anchor`, the noun it was read from, and why."""
    share = share_of(anchor, unit)
    if share:
        # the whole is no indicator; what takes the share may be a ratio indicator itself
        # (`R&D spending will account for 3.4% of GDP`, `keep its R&D spending above 4 percent of GDP`)
        subject = T.chain_subject(T.verb_chain(anchor))
        _, head = T.indicator_of(anchor, unit, is_count)
        for source, noun in (("share_subject", subject), ("share_phrase", head)):
            found = T.classify(_words(noun)) if noun is not None else "other"
            if found in _rules()["ratio"]:
                return Decision(found, noun, f"{source}:{_words(noun)}")
        return Decision("other", subject, f"share:{share}")
    cands: list[Decision] = []
    own = own_complement(anchor, unit)
    if own is not None:
        cands.append(Decision(_classify(_words(own), unit), own, f"own_phrase:{_words(own)}"))
    indicator, head = T.indicator_of(anchor, unit, is_count)
    if indicator == "other" and schema.is_currency(unit) and head is not None:
        indicator = T.classify_money(_words(head))
    phrase = Decision(indicator, head, f"phrase:{_words(head)}" if head is not None else "phrase")
    if head is not None and _segment_of(head) != _segment_of(anchor):
        # the parse ran across a semicolon: the figure's own list part says what it measures
        words = segment_words(anchor)
        phrase = Decision(T.classify(words), None, f"list_part:{words}")
    if unit == "percent" and head is not None and head.lemma_.lower() in _rules()["share_nouns"] \
            and any(c.dep_ == "prep" and c.lower_ in ("of", "in") for c in head.children):
        # `the share of the digital economy in GDP will exceed 45 percent`: a share, not its whole
        found = T.classify(_words(head))
        return phrase if found in _rules()["ratio"] else Decision("other", head, f"share:{head.lemma_.lower()}")
    cands.append(phrase)
    if is_count and anchor.lemma_.lower() in _rules()["generic_count_nouns"]:
        # `The resident population is expected to reach 9.5 million people`: the subject says what
        subject = T.chain_subject(T.verb_chain(anchor))
        if subject is not None and subject.i != anchor.i:
            cands.append(Decision(T.classify(_words(subject)), subject, f"count_subject:{_words(subject)}"))
    if head is None:
        noun = split_preposition_object(anchor)
        if noun is not None:   # `would maintain the per capita GDP above\n$10,000 until 2010`
            cands.append(Decision(_classify(_words(noun), unit), noun, f"split_sentence:{_words(noun)}"))
    for source, noun in (("conjunct", adjacent_conjunct(anchor)), ("object", verb_prep_object(anchor)),
                         ("clause_subject", ccomp_subject(anchor))):
        if noun is not None:
            cands.append(Decision(_classify(_words(noun), unit), noun, f"{source}:{_words(noun)}"))
    return next((c for c in cands if c.indicator != "other"), phrase)


def points_back(d: Decision) -> str | None:
    """Whether a decision read `other` from a noun that only points back to an indicator named
    before: `sentence` when no noun names the figure at all (`after similarly aiming for about 6
    percent for 2020`: the figure before it in its sentence says what), `previous` for a goal noun
    (`The figure fell within the target range of …`: that sentence or the one before); else None."""
    if d.indicator != "other" or d.evidence.startswith("share"):
        return None
    if d.head is None:
        return "sentence" if d.evidence == "phrase" else None
    if d.head.pos_ == "PROPN" and d.evidence.startswith("phrase"):
        return "sentence"   # `…, while Jinan targets 1.3 trillion yuan`: a place names no indicator
    return "previous" if d.head.lower_ in _rules()["context_heads"] else None


def from_context(figures: list[tuple[int, Token, str | None, bool]], sent_index: int, unit: str | None,
                 reach: str = "previous") -> Decision | None:
    """The indicator of the latest figure of the same unit (any, for `unit` None) before, in the same
    sentence or (reach `previous`) the one before (`figures`: (sentence index, anchor, unit, is_count)
    of the figures before, in text order)."""
    for sid, anchor, other_unit, is_count in reversed(figures):
        if sid < sent_index - (1 if reach == "previous" else 0):
            break
        if unit is not None and other_unit != unit:
            continue
        d = decide(anchor, other_unit, is_count)
        if d.indicator != "other" and not d.evidence.startswith("context"):
            return Decision(d.indicator, d.head, f"context:{d.evidence}")
    return None


def in_context(i: int, figs: list, decided: dict[int, Decision], text: str) -> Decision:
    """The decision for target figure `i` among the link stage's figures (`sent_index`, `anchor`,
    `row`, `is_count`, `conversion_of`; None for unplaced ones), given those `decided` before it:
    a change restated right after a goal (`…, up 7 percent`) takes that goal's indicator; a
    figure read from a noun that points back takes the one before it (points_back)."""
    from .kinds import restates
    f = figs[i]
    d = decide(f.anchor, f.row.get("unit"), f.is_count)
    prev = figs[i - 1] if i > 0 else None
    before = decided.get(i - 1) or (decided.get(i - 2) if prev is not None and prev.conversion_of is not None else None)
    if d.indicator == "other" and before is not None and prev.sent_index == f.sent_index \
            and restates(text[prev.row["end"]:f.row["start"]]):
        return Decision(before.indicator, before.head, f"restated:{before.evidence}")
    reach = points_back(d)
    if reach:
        earlier = [(g.sent_index, g.anchor, g.row.get("unit"), g.is_count) for g in figs[:i]
                   if g is not None and g.conversion_of is None]
        found = from_context(earlier, f.sent_index, f.row.get("unit"), reach)
        if found is None and d.head is not None and d.head.lower_ in L.targets().restating_subjects:
            # `…lift its GDP to 14 trillion yuan. This translates into an annual growth rate of 5 percent`
            found = from_context(earlier, f.sent_index, None, reach)
        if found is not None:
            return found
    return d
