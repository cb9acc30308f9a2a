"""Finders: each proposes the region(s) one kind of evidence ties a figure to, and never decides.

A finder returns a Candidate (its name, the mentions it came through, and the token nearness is
measured from when the decider must still rank them) or None. The decider (decider.py) takes
them in the order rules/link/decider.yaml gives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from spacy.tokens import Doc, Token

from .. import targets as T
from .config import rules
from .context import Article, _lead_in_chain
from .figures import Figure, _list_before
from .mentions import Mention


@dataclass
class Candidate:
    finder: str
    found: list[Mention]                 # the regions it proposes, through these mentions
    anchor: Token | None = None          # rank `found` by nearness to it; None: `found` is the proposal as is


@dataclass
class Situation:
    """What finders see of one figure."""
    art: Article
    fig: Figure
    resp: tuple[int, int] | None         # (position, size) in a `respectively` list
    first_of_group: Figure | None        # the first figure of that list

    @property
    def sid(self) -> int:
        return self.fig.sent_index

    @property
    def usable(self) -> list[Mention]:
        return [m for m in self.art.sent_mentions[self.sid] if m.excluded is None]


def respectively(x: Situation) -> Candidate | None:
    """`Heilongjiang, Jilin and Liaoning … 5.7, 6.5 and 3 percent, respectively`: the k-th region."""
    if x.resp is None or x.first_of_group is None:
        return None
    doc, (k, n) = x.art.doc, x.resp
    chosen = _list_before(_distinct(x.usable), x.first_of_group.row["start"], n, lambda m: doc[m.start].idx,
                          lambda m: doc[m.end - 1].idx + len(doc[m.end - 1]), x.art.text)
    return Candidate("respectively", [chosen[k]]) if chosen else None


def same_phrase(x: Situation) -> Candidate | None:
    """The figure's own noun phrase: `growth rate in Liaoning`, `Haixi's GDP`."""
    doc, f = x.art.doc, x.fig
    t, path = f.anchor, []
    while not T.is_clause_verb(t):
        path.append(t)
        if t.head.i == t.i:
            break
        t = t.head
    usable = x.usable
    own = [m for m in x.art.sent_mentions[x.sid] if m.excluded == "comparison"]
    for n, noun in enumerate(path):
        # a comparison both sides of which lie in the figure's phrase (`than the country's 5.2 percent`)
        found = _outside_descriptions(doc, noun, [m for m in usable + (own if n == 0 else [])
                                                  if m.root(doc) in noun.subtree and m.root(doc).i != noun.i])
        if found:
            return Candidate("same_phrase", found, f.anchor)
    return None


def dependency(x: Situation) -> Candidate | None:
    """The subject of the figure's clause (`Horgos … 22.865 billion yuan`)."""
    doc = x.art.doc
    for v in T.verb_chain(x.fig.anchor):
        s = T.own_subject(v) or T.participle_subject(v)
        if s is None:
            continue
        found = _outside_descriptions(doc, s, [m for m in x.usable if m.root(doc) in s.subtree])
        if found:
            return Candidate("dependency", found, s)
    return None


def same_clause(x: Situation) -> Candidate | None:
    """Any region elsewhere in the figure's clause."""
    doc = x.art.doc
    top = T.verb_chain(x.fig.anchor)[-1]
    found = _outside_descriptions(doc, top, [m for m in x.usable if m.root(doc) in top.subtree and top.pos_ in T.VERBS])
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
    """The topic of one of the previous few sentences of the section (of a list: before its lead-in)."""
    art, sid = x.art, x.sid
    for lead in _lead_in_chain(art, sid):
        if art.blocked[lead] or art.topics[lead] or any(m.excluded is None for m in art.sent_mentions[lead]):
            break
        sid = lead  # the lead-in names none: the sentences before it speak for the list
    window = rules()["previous_sentence_window"]
    for back in range(1, window + 1):
        if sid - back < 0 or art.sections[sid - back] != art.sections[sid] and back > 1:
            break
        if art.topics[sid - back]:
            return Candidate("previous_sentence", art.topics[sid - back])
    return None


def article_focus(x: Situation) -> Candidate | None:
    """The region the article is plainly about."""
    return Candidate("article_focus", [x.art.focus]) if x.art.focus is not None else None


FINDERS: dict[str, Callable[[Situation], Candidate | None]] = {
    f.__name__: f for f in (respectively, same_phrase, dependency, same_clause, sentence_topic, same_sentence,
                            list_lead_in, previous_sentence, article_focus)}


def _outside_descriptions(doc: Doc, phrase: Token, found: list[Mention]) -> list[Mention]:
    """Drop regions named only in a relative clause or apposition that describes the phrase
    (`the Yangtze River Delta region, which covers Shanghai and …`), when others remain."""
    described = set()
    for t in phrase.subtree:
        if t.dep_ in ("relcl", "appos") and t.i != phrase.i:
            described.update(x.i for x in t.subtree)
    kept = [m for m in found if m.root(doc).i not in described]
    return kept or found


def _distinct(mentions: list[Mention]) -> list[Mention]:
    out = []
    for m in mentions:
        if not out or out[-1].start != m.start:
            out.append(m)
    return out
