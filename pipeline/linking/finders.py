"""Finders: each proposes the region(s) one kind of evidence ties a figure to, and never decides.

A finder returns a Candidate (its name, the mentions it came through, and the token nearness is
measured from when the decider must still rank them) or None. The decider (decider.py) takes
them in the order rules/link/decider.yaml gives.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from spacy.tokens import Doc, Token

from .. import targets as T
from .config import rules
from ..rules import alternation
from .context import Article, _has_finite_verb, _lead_in_chain
from .figures import LIST_SEPARATOR, DocFigure
from .mentions import Mention, _coordinated_group, _list_gap, contains


@dataclass
class Candidate:
    finder: str
    found: list[Mention]                 # the regions it proposes, through these mentions
    anchor: Token | None = None          # rank `found` by nearness to it; None: `found` is the proposal as is


@dataclass
class Situation:
    """What finders see of one figure."""
    art: Article
    fig: DocFigure
    resp: tuple[int, int] | None         # (position, size) in a `respectively` list
    first_of_group: DocFigure | None        # the first figure of that list

    @property
    def sid(self) -> int:
        return self.fig.sent_index

    @property
    def usable(self) -> list[Mention]:
        return [m for m in self.art.sent_mentions[self.sid] if m.excluded is None]


def respectively(x: Situation) -> Candidate | None:
    """`Heilongjiang, Jilin and Liaoning … 5.7, 6.5 and 3 percent, respectively`: the k-th region of
    the latest list of as many named regions before the figures, in their sentence or, when the
    figures open a sentence without a verb of its own (a broken line), in the sentence before."""
    if x.resp is None or x.first_of_group is None:
        return None
    art, (k, n) = x.art, x.resp
    first = x.first_of_group.row["start"]
    sids = [x.sid]
    before = art.doc[art.sents[x.sid].start:x.first_of_group.span.start]
    if x.sid > 0 and not _has_finite_verb(before):
        sids.append(x.sid - 1)
    for sid in sids:
        # a comparison's other side may carry its own list (`lower than that of Jiangsu, Shandong and
        # Zhejiang, which hit 14.3, 13.5 and 12.1 percent, respectively`)
        named = _distinct([m for m in art.sent_mentions[sid]
                           if m.excluded in (None, "comparison") and m.source == "mention"])
        chosen = _latest_list(art, named, first, n)
        if chosen:
            return Candidate("respectively", [chosen[k]])
    # the regions joined as conjuncts with words between them (`Henan, and coal mining industry
    # center Shanxi province, set … "more than 7 percent" and 8 percent, respectively`)
    named = _distinct([m for m in art.sent_mentions[x.sid] if m.excluded is None and m.source == "mention"
                       and art.doc[m.end - 1].idx < first])
    group = _coordinated_group(art.doc, named)
    if len(group) != n or len({m.link_id for m in group}) != n:
        # ... or the subject of the figures' clause names exactly as many regions, in order
        group = _subject_regions(art, x.first_of_group, named)
    if len(group) == n and len({m.link_id for m in group}) == n:
        return Candidate("respectively", [group[k]])
    return None


def _subject_regions(art: Article, fig: DocFigure, named: list[Mention]) -> list[Mention]:
    doc = art.doc
    for v in T.verb_chain(fig.anchor):
        s = T.own_subject(v) or T.participle_subject(v)
        if s is not None:
            return [m for m in named if _within(m.root(doc), s)]
    return []


def _latest_list(art: Article, mentions: list[Mention], before_char: int, n: int) -> list[Mention] | None:
    """The latest `n` mentions before `before_char` written as one list (`Jiangsu, Shandong and Zhejiang`)."""
    doc = art.doc
    start = lambda m: doc[m.start].idx
    end = lambda m: doc[m.end - 1].idx + len(doc[m.end - 1])
    items = [m for m in mentions if end(m) <= before_char]
    for i in range(len(items) - n, -1, -1):
        run = items[i:i + n]
        if all(LIST_SEPARATOR.match(art.text[end(a):start(b)]) for a, b in zip(run, run[1:])):
            return run
    return None


def in_order(x: Situation) -> Candidate | None:
    """`Exports of Jiangsu, Zhejiang and Fujian grew 4.5 percent, 3.1 percent and 2.2 percent`, `grew 5
    percent and 6 percent in Guangxi and Hainan`: without `respectively`, a list of parallel figures
    (figures.py) pairs in order with the regions written as one list right before it (or right after
    it, joined by a preposition), only when the counts match and no region stands among the figures."""
    f = x.fig
    if x.resp is not None or f.parallel is None or f.parallel_list is None:
        return None
    art, (k, n) = x.art, f.parallel
    doc = art.doc
    first, last = f.parallel_list[0], f.parallel_list[-1]
    named = _distinct([m for m in x.usable if m.source == "mention"])
    if any(first.row["start"] <= doc[m.start].idx < last.row["end"] for m in named):
        return None
    run = _regions_before(x, named, first) or _regions_after(x, named, last)
    if len(run) != n or len({m.link_id for m in run}) != n or any(contains(a, b) for a in run for b in run):
        return None
    return Candidate("in_order", [run[k]])


def _regions_before(x: Situation, named: list[Mention], first: DocFigure) -> list[Mention]:
    """The regions written as one list that ends the last before the first figure of a list, in its
    clause and with no other figure between."""
    doc = x.art.doc
    group = _group_before(x, first)
    if group:
        return group
    before = [m for m in named if _end_char(doc, m) <= first.row["start"]]
    if not before or any(_end_char(doc, before[-1]) <= g.row["start"] < first.row["start"]
                         for g in x.art.figures if g is not None and g.sent_index == x.sid):
        return []
    run = _written_run_ending(x.art, before)
    top = T.verb_chain(first.anchor)[-1]
    return run if all(_within(m.root(doc), top) for m in run) else []


def _group_before(x: Situation, first: DocFigure) -> list[Mention]:
    """A plural anaphor (`the three provinces`, `their`) that is the last region mention before the
    first figure of a list: its regions in the order the text named them."""
    doc = x.art.doc
    before = [m for m in x.usable if _end_char(doc, m) <= first.row["start"]]
    if not before or before[-1].source not in ("anaphora", "pronoun"):
        return []
    last = before[-1]
    group = [m for m in before if (m.start, m.end) == (last.start, last.end)]
    top = T.verb_chain(first.anchor)[-1]
    return group if len(group) > 1 and _within(last.root(doc), top) else []


def _regions_after(x: Situation, named: list[Mention], last: DocFigure) -> list[Mention]:
    """The regions written as one list right after the last figure of a list, joined to it by a
    preposition of `following_region` (`… and 6 percent in Guangxi and Hainan`), owning nothing after."""
    art = x.art
    doc, text = art.doc, art.text
    after = [m for m in named if doc[m.start].idx >= last.row["end"]]
    if not after or not _following_gap().match(text[last.row["end"]:doc[after[0].start].idx]):
        return []
    run = [after[0]]
    for m in after[1:]:
        if not _listed(text[_end_char(doc, run[-1]):doc[m.start].idx]):
            break
        run.append(m)
    # `in Guangxi and Hainan last year`, not `in Guangxi and Hainan's ports`
    return [] if re.match(r"['’]s\b", text[_end_char(doc, run[-1]):_end_char(doc, run[-1]) + 3]) else run


def _end_char(doc: Doc, m: Mention) -> int:
    return doc[m.end - 1].idx + len(doc[m.end - 1])


def _written_run_ending(art: Article, named: list[Mention]) -> list[Mention]:
    """The regions written as one list (commas, `and`, level nouns between) that ends with the last of `named`."""
    if not named:
        return []
    run = [named[-1]]
    for m in reversed(named[:-1]):
        if not _listed(art.text[_end_char(art.doc, m):art.doc[run[0].start].idx]):
            break
        run.insert(0, m)
    return run


def _listed(gap: str) -> bool:
    """Whether the text between two regions joins them in one written list (a comma or `and`, say)."""
    return bool(_list_gap().match(gap) and _LIST_JOINER.search(gap))


_LIST_JOINER = re.compile(r"[,;]|\b(?:and|or|as well as)\b", re.I)


def alternating_list(x: Situation) -> Candidate | None:
    """`Hunan received 12 billion yuan, Hubei 9 billion yuan and Jiangxi 7 billion yuan`: regions and
    figures alternating in one list of two pairs or more, each figure right after its region (the
    first pair may have its verb between); each figure belongs to the region before it."""
    art, f = x.art, x.fig
    doc, text = art.doc, art.text
    items = sorted([(doc[m.start].idx, _end_char(doc, m), m) for m in _distinct(
        [m for m in x.usable if m.source == "mention"])] +
        [(g.row["start"], g.row["end"], g) for g in art.figures
         if g is not None and g.sent_index == x.sid and g.conversion_of is None], key=lambda t: t[0])
    pairs: list[tuple[Mention, DocFigure]] = []   # the current chain of (region, figure) pairs
    chains = []
    i = 0
    while i + 1 < len(items):
        (rs, re_, r), (fs, fe, g) = items[i], items[i + 1]
        if not isinstance(r, Mention) or isinstance(g, Mention):
            if len(pairs) > 1:
                chains.append(pairs)
            pairs = []
            i += 1
            continue
        gap = text[re_:fs]
        joined = pairs and _pair_separator().match(text[pairs[-1][1].row["end"]:rs])
        if joined and _region_figure_gap().match(gap):
            pairs.append((r, g))
        else:
            if len(pairs) > 1:
                chains.append(pairs)
            pairs = [(r, g)] if not gap.lstrip().startswith((",", ";")) and len(gap.split()) <= _FIRST_PAIR_MAX_WORDS \
                else []
        i += 2
    if len(pairs) > 1:
        chains.append(pairs)
    for chain in chains:
        if len({r.link_id for r, _ in chain}) != len(chain):
            continue
        for r, g in chain:
            if g is f:
                return Candidate("alternating_list", [r])
    return None


# The most words between the first pair's region and its figure (`Hebei's fixed-asset investment
# reached`): a longer gap is no list's first item. Set by hand, not tuned (no dev instance).
_FIRST_PAIR_MAX_WORDS = 6


@lru_cache(maxsize=1)
def _region_figure_gap() -> re.Pattern:
    words = alternation(rules().alternating_list.region_figure_words)
    return re.compile(r"^(?:['’]s\b)?\s*(?:(?:%s)\s+)*$" % words, re.I)


@lru_cache(maxsize=1)
def _pair_separator() -> re.Pattern:
    words = alternation(rules().alternating_list.pair_separators)
    return re.compile(r"^\s*[,;]?\s*(?:(?:%s)\s+)?$" % words, re.I)


def owner_of_base(x: Situation) -> Candidate | None:
    """`the national average of 6.9 percent`, `the nation's average, which stood at 12.1 percent`: the
    figure is the value of a base noun (total, average) itself, so the region that owns the base owns it
    (`25 percent of Guangxi's total` is not: there the base lies inside the figure's phrase)."""
    doc, anchor = x.art.doc, x.fig.anchor
    found = []
    for m in x.art.sent_mentions[x.sid]:
        head = _base_noun(doc, m) if m.excluded == "base" else None
        if head is not None and head.i != anchor.i and head in anchor.ancestors:
            found.append(m)
    return Candidate("owner_of_base", found, anchor) if found else None


def _base_noun(doc: Doc, m: Mention) -> Token | None:
    root = m.root(doc)
    head = root.head
    while head.i != root.i and head.pos_ == "PROPN" and head.dep_ in ("compound", "poss"):
        head = head.head
    return head if head.lemma_.lower() in rules().base_nouns else None


def following_region(x: Situation) -> Candidate | None:
    """`2.04 billion yuan going to Heilongjiang, 1.64 billion yuan to Liaoning and …`: a region right
    after the figure, joined by a preposition of rules/link/linking.yaml, and ending its phrase there."""
    art, f = x.art, x.fig
    doc, r = art.doc, rules()
    end = f.row["end"]
    named = [m for m in x.usable if m.source == "mention"]
    for i, m in enumerate(named):
        m_start, m_end = doc[m.start].idx, doc[m.end - 1].idx + len(doc[m.end - 1])
        if m_start < end:
            continue
        after = named[i + 1] if i + 1 < len(named) else None
        listed = after is not None and LIST_SEPARATOR.match(art.text[m_end:doc[after.start].idx])
        if _following_gap().match(art.text[end:m_start]) and _phrase_end().match(art.text[m_end:m_end + 6]) \
                and not listed:  # `four bonded areas in Alataw Pass, Kashgar, Horgos …` is a list, not one region
            return Candidate("following_region", [m])
        break
    return None


@lru_cache(maxsize=1)
def _following_gap() -> re.Pattern:
    r = rules().following_region
    return re.compile(r"^\s*(?:\w+(?:ing|ed)\s+)?(?:%s)\s+(?:the\s+)?$" % alternation(r.prepositions), re.I)


@lru_cache(maxsize=1)
def _phrase_end() -> re.Pattern:
    return re.compile(r"^(?:\s*[,;.)]|\s+and\b|\s*$)", re.I)


def region_before_bracket(x: Situation) -> Candidate | None:
    """`Gansu province (6.6 percent) and Sichuan province (6.5 percent)`: a figure alone in brackets
    right after a region belongs to that region."""
    art, f = x.art, x.fig
    doc, text = art.doc, art.text
    before = text[:f.row["start"]]
    opened = before.rstrip()
    if not opened.endswith("(") or not re.match(r"^\s*\)", text[f.row["end"]:]):
        return None
    edge = len(opened[:-1].rstrip())
    for m in x.usable:
        if m.source == "mention" and doc[m.end - 1].idx + len(doc[m.end - 1]) == edge:
            return Candidate("region_before_bracket", [m])
    return None


def same_phrase(x: Situation) -> Candidate | None:
    """The figure's own noun phrase: `growth rate in Liaoning`, `Haixi's GDP`."""
    doc, f = x.art.doc, x.fig
    path = T.below_clause_verb(f.anchor)
    usable = x.usable
    own = [m for m in x.art.sent_mentions[x.sid] if m.excluded == "comparison"]
    for n, noun in enumerate(path):
        # a comparison both sides of which lie in the figure's phrase (`than the country's 5.2 percent`)
        found = _outside_descriptions(doc, noun, [m for m in usable + (own if n == 0 else [])
                                                  if _within(m.root(doc), noun) and m.root(doc).i != noun.i])
        if found:
            return Candidate("same_phrase", _whole_lists(x, found), f.anchor)
    return None


def made_into(x: Situation) -> Candidate | None:
    """`will build the Kashgar Economic Development Zone into a hub with an output value of 50 billion
    yuan`: a figure describing what a verb turns its object into belongs to that object's region."""
    doc = x.art.doc
    path = T.clause_path(x.fig.anchor)
    verb = path[-1]
    into = next((t for t in path[:-1] if t.dep_ == "prep" and t.head.i == verb.i
                 and t.lower_ in rules().made_into_prepositions), None)
    if into is None:
        return None
    objects = [c for c in verb.children if c.dep_ == "dobj"]
    found = [m for m in x.usable if any(_within(m.root(doc), o) for o in objects)]
    return Candidate("made_into", found, objects[0]) if found else None


def relative_owner(x: Situation) -> Candidate | None:
    """`… Guangdong, Shandong, Jiangsu and Zhejiang provinces, whose GDPs all exceed 1 trillion yuan`: a
    figure in a relative clause belongs to the regions the clause describes (each of them, when several)."""
    doc = x.art.doc
    t = T.clause_path(x.fig.anchor)[-1]
    if t.dep_ != "relcl":
        return None
    head = t.head
    while head.dep_ == "appos" and head.head.i != head.i:  # `Guangdong, …, and Zhejiang provinces, whose …`
        head = head.head
    inside = {c.i for c in t.subtree}
    found = [m for m in x.usable if m.root(doc) in head.subtree and m.root(doc).i not in inside]
    return Candidate("relative_owner", found, head) if found else None


def dependency(x: Situation) -> Candidate | None:
    """The subject of the figure's clause (`Horgos … 22.865 billion yuan`)."""
    doc = x.art.doc
    for v in T.verb_chain(x.fig.anchor):
        s = T.own_subject(v) or T.participle_subject(v)
        if s is None:
            continue
        found = _outside_descriptions(doc, s, [m for m in x.usable if _within(m.root(doc), s)])
        if found:
            return Candidate("dependency", _whole_lists(x, found), s)
    return None


def _whole_lists(x: Situation, found: list[Mention]) -> list[Mention]:
    """`found` with the rest of each list of regions written as one (`Beijing, Tianjin and Hebei`) that
    one of them is in, whatever the parse made of the list (it may leave `Beijing` out of the subject)."""
    art = x.art
    named = sorted(_distinct([m for m in x.usable if m.source == "mention"]), key=lambda m: m.start)
    runs, run = [], []
    for m in named:
        if run and _listed(art.text[_end_char(art.doc, run[-1]):art.doc[m.start].idx]):
            run.append(m)
        else:
            run = [m]
            runs.append(run)
    out = list(found)
    for run in runs:
        if len(run) > 1 and any(m in found for m in run) and not any(contains(a, b) for a in run for b in run):
            out.extend(m for m in run if m not in out)
    return sorted(out, key=lambda m: m.start)


def distributive(x: Situation) -> Candidate | None:
    """`… Guangdong, Shandong, Jiangsu and Zhejiang provinces, whose GDPs all exceed 1 trillion yuan`,
    `…, which each received 20 billion yuan`: a floating quantifier (`all`, `each`, `both` right before
    the verb) with no verb between it and the regions last written as one list before it says the
    figure holds for each of them, whatever the parse made of the clause."""
    art, f = x.art, x.fig
    doc = art.doc
    words = set(rules().distributive_words)
    # (the other side of a comparison is left out, though a quantifier may distribute over it: in
    # seeds + dev the one such figure, dv_16 `join the ranks of Guangdong, …, w hose GDPs all exceed 1
    # trillion yuan`, has the main clause's `will` as its kind cue, and fanning a wrong target out
    # to four rows costs more targets than it gains money links)
    named = _distinct([m for m in x.usable if m.source == "mention"])
    before = [m for m in named if _end_char(doc, m) <= f.row["start"]]
    run = _written_run_ending(art, before)
    if len(run) < 2 or len({m.link_id for m in run}) != len(run) or any(contains(a, b) for a in run for b in run):
        return None
    between = [t for t in doc[run[-1].end:f.span.start]]
    for k, t in enumerate(between):
        if t.lower_ not in words:
            continue
        after = doc[t.i + 1:t.i + 3]   # the verb may open the figure's own text (`exceed 1 trillion yuan`)
        verb_next = len(after) > 0 and (after[0].tag_.startswith("VB") or after[0].tag_ == "MD"
                                        or after[0].tag_ == "RB" and len(after) > 1 and after[1].tag_.startswith("VB"))
        if verb_next and not any(u.tag_.startswith("VB") or u.tag_ == "MD" for u in between[:k]) \
                and not any(g is not f and g is not None and g.sent_index == x.sid
                            and _end_char(doc, run[-1]) <= g.row["start"] < f.row["start"] for g in art.figures):
            return Candidate("distributive", run)
    return None


def same_clause(x: Situation) -> Candidate | None:
    """Any region elsewhere in the figure's clause."""
    doc = x.art.doc
    top = T.verb_chain(x.fig.anchor)[-1]
    # a clause conjoined with its own subject (`12 are … worth 3.8 billion yuan, and 11 are projects from
    # Shenzhen …`) is another clause: its regions are not the figure's
    others = [c for c in top.children if c.dep_ == "conj" and c.pos_ in T.VERBS and T.own_subject(c) is not None
              and not _within(x.fig.anchor, c)]
    found = _outside_descriptions(doc, top, [m for m in x.usable if top.pos_ in T.VERBS and _within(m.root(doc), top)
                                             and not any(_within(m.root(doc), c) for c in others)])
    return Candidate("same_clause", found, x.fig.anchor) if found else None


def sentence_topic(x: Situation) -> Candidate | None:
    """The region(s) the sentence is about: the subject of its main verb."""
    topic = x.art.topics[x.sid]
    return Candidate("sentence_topic", topic) if topic else None


def same_sentence(x: Situation) -> Candidate | None:
    """Any region the sentence names."""
    usable = x.usable
    return Candidate("same_sentence", usable, x.fig.anchor) if usable else None


def list_lead_in(x: Situation) -> Candidate | None:
    """A list item: the region of its lead-in (`Guangdong set these targets:`), or of the lead-in's own list."""
    art = x.art
    for lead in _lead_in_chain(art, x.sid):
        if art.blocked[lead]:
            return None
        if art.topics[lead]:
            return Candidate("list_lead_in", art.topics[lead])
        named = [m for m in art.sent_mentions[lead] if m.excluded is None]
        if named:
            return Candidate("list_lead_in", named, art.sents[lead].root)
    return None


def previous_sentence(x: Situation) -> Candidate | None:
    """The topic of one of the previous few sentences of the section (of a list: before its lead-in),
    passing over photo captions."""
    art, sid = x.art, x.sid
    for lead in _lead_in_chain(art, sid):
        if art.blocked[lead] or art.topics[lead] or any(m.excluded is None for m in art.sent_mentions[lead]):
            break
        sid = lead  # the lead-in names none: the sentences before it speak for the list
    window = rules().previous_sentence_window
    for back in range(1, window + 1):
        if sid - back < 0 or art.sections[sid - back] != art.sections[sid] and back > 1:
            break
        if art.in_caption and art.in_caption[sid - back] and not art.in_caption[sid]:
            continue  # a photo caption describes its photo, not the text after it
        topic = art.topics[sid - back]
        if topic:
            # a group of regions (`The GDP of Shandong and Zhejiang …`) ties a later figure to none of
            # them: the only figures seeds + dev fanned out from an earlier sentence's group (two, in
            # fold 3) were wrong, and folds 0-2 have none that it would be right for
            if len({m.link_id for m in topic}) > 1:
                return None
            return Candidate("previous_sentence", topic)
    return None


def article_focus(x: Situation) -> Candidate | None:
    """The region the article is plainly about."""
    return Candidate("article_focus", [x.art.focus]) if x.art.focus is not None else None


FINDERS: dict[str, Callable[[Situation], Candidate | None]] = {
    f.__name__: f for f in (respectively, in_order, alternating_list, owner_of_base, following_region,
                            region_before_bracket, same_phrase, relative_owner, made_into, dependency, distributive,
                            same_clause, sentence_topic, same_sentence, list_lead_in, previous_sentence, article_focus)}


def _outside_descriptions(doc: Doc, phrase: Token, found: list[Mention]) -> list[Mention]:
    """Drop regions named only in a relative clause or apposition that describes the phrase
    (`the Yangtze River Delta region, which covers Shanghai and …`), when others remain."""
    kept = [m for m in found if not _in_description(m.root(doc), phrase)]
    return kept or found


def _in_description(t: Token, phrase: Token) -> bool:
    """Whether `t` lies under a relative clause or apposition below `phrase`: a walk up the heads
    (linear in depth; collecting the described subtrees was cubic on a long list of appositions)."""
    described = False
    while t.i != phrase.i:
        described = described or t.dep_ in ("relcl", "appos")
        if t.head.i == t.i:
            return False
        t = t.head
    return described


def _within(t: Token, top: Token) -> bool:
    """`t in top.subtree`, by walking up from `t` instead of listing the subtree."""
    return t.i == top.i or top.is_ancestor(t)


def _distinct(mentions: list[Mention]) -> list[Mention]:
    out = []
    for m in mentions:
        if not out or out[-1].start != m.start:
            out.append(m)
    return out
