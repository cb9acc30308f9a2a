"""The article context linking reads: mentions and anaphora per sentence, sentence topics,
sentences about foreign entities, sections, list lead-ins and the article's focus region."""
from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from .. import periods as P
from .. import targets as T
from ..gazetteer import foreign_places, normalise
from .config import rules
from .mentions import Mention, _anaphors, _exclusion, _gazetteer, _mentions_of, _sentence_topic, group_count


@dataclass
class Article:
    doc: Doc
    text: str
    reference: dt.date | None
    mentions: list[Mention]
    topics: list[list[Mention]]                      # per sentence
    sent_mentions: list[list[Mention]]               # per sentence, anaphora included
    blocked: list[bool]                              # sentence about a non-Chinese entity
    periods: list[list[P.PeriodMention]]             # per sentence
    sections: list[int]                              # section index per sentence
    focus: Mention | None = None
    sents: list[Span] = field(default_factory=list)
    lead_ins: list[int | None] = field(default_factory=list)   # per sentence: the lead-in a list item inherits from
    lead_in_of: dict[int, int] = field(default_factory=dict)   # lead-in -> the lead-in of the list it is an item of
    in_caption: list[bool] = field(default_factory=list)       # per sentence: in a photo caption (clean's `blocks`)
    figures: list = field(default_factory=list)                # the article's figures (figures.py), once placed


def _article(doc: Doc, text: str, title: str | None, reference: dt.date | None, regions: list[dict],
             blocks: list[dict]) -> Article:
    sents = list(doc.sents)
    base = _mentions_of(doc, regions)
    doc_text = doc.text  # built from the tokens on every access: once per article, not per mention
    starts = {doc[o.start].idx for o in base}
    ends = {doc[o.end - 1].idx + len(doc[o.end - 1]) for o in base}
    for m in base:
        # a dateline (`GUANGZHOU --`) says where the story was filed, not whose figures follow:
        # it only counts towards the article's focus
        m.excluded = "dateline" if m.source == "dateline" else _exclusion(doc, m) \
            or _joint_name(doc, doc_text, m, starts, ends)
    all_mentions: list[Mention] = []
    topics: list[list[Mention]] = []
    per_sent: list[list[Mention]] = []
    for sent in sents:
        own = [m for m in base if sent.start <= m.start < sent.end]
        extra = _anaphors(doc, sent, all_mentions + own, topics)
        for m in extra:
            m.excluded = m.excluded or _exclusion(doc, m)
        here = sorted(own + extra, key=lambda m: m.start)
        all_mentions.extend(here)
        per_sent.append(here)
        topics.append(_sentence_topic(doc, sent, here))
    found = P.find_periods(text, reference)
    by_sent = [[p for p in found if s.start_char <= p.start_char < s.end_char] for s in sents]
    art = Article(doc, text, reference, all_mentions, topics, per_sent,
                  [_blocked(doc, s, ms) for s, ms in zip(sents, per_sent)], by_sent, _sections(blocks, sents),
                  sents=sents)
    art.lead_ins, art.lead_in_of = _list_lead_ins(blocks, sents)
    captions = [(b["start"], b["end"]) for b in blocks if b["kind"] == "caption"]
    art.in_caption = [any(a <= s.start_char < b for a, b in captions) for s in sents]
    art.focus = _focus(art, blocks)
    return art


def _joint_name(doc: Doc, text: str, m: Mention, starts: set[int], ends: set[int]) -> str | None:
    """`the China-ROK industrial park`: a region joined by a hyphen to a partner that is no region names
    a joint thing, not the region (`Chongqing-Kunming` joins two regions and stays). `text` is the
    Doc's text, `starts`/`ends` the character offsets where the article's mentions start and end."""
    start, end = doc[m.start].idx, doc[m.end - 1].idx + len(doc[m.end - 1])
    after = re.match(r"-(?=[A-Z])", text[end:end + 2])
    before = start >= 2 and re.search(r"[A-Za-z]-$", text[start - 2:start])
    if after and end + 1 not in starts:
        return "joint_name"
    if before and start - 1 not in ends:
        return "joint_name"
    return None


def _blocked(doc: Doc, sent: Span, mentions: list[Mention]) -> bool:
    """A sentence whose subject is a named non-Chinese entity (`The World Bank defined …`)."""
    s = T.own_subject(sent.root)
    if s is None or any(m.root(doc) in s.subtree for m in mentions):
        return False
    # the subject, or its owner (`The International Monetary Fund's GDP rankings show …`)
    heads = [s] + [c for c in s.children if c.dep_ == "poss" and c.pos_ == "PROPN"]
    return any(h.pos_ == "PROPN" and _foreign_entity(_name_around(doc, h)) for h in heads)


def _foreign_entity(name: Span) -> bool:
    """An organisation's name (`The World Bank`, an organisation head of rules/gazetteer/non_regions.yaml)
    or a place abroad; not one named after a Chinese place (`Urumqi Customs`, `the Hainan Provincial
    Bureau of Statistics`: the regions table does not count names inside organisations)."""
    gz = _gazetteer()
    if gz is None or any(t.pos_ == "PROPN" and gz.candidates(t.text) for t in name):
        return False
    return any(t.text in gz.organisation_heads for t in name) or normalise(name.text) in foreign_places()


# Lower-case words inside a proper name (`Bank of China`, `Food and Agriculture Organization`).
_NAME_JOINERS = {"of", "and", "for", "&"}


def _name_around(doc: Doc, head: Token) -> Span:
    """The capitalised name a proper-noun token is part of (what the model's entities gave)."""
    def capital(i: int) -> bool:
        return 0 <= i < len(doc) and doc[i].text[:1].isupper()
    start = head.i
    while capital(start - 1) and not doc[start].is_sent_start:
        start -= 1
    end = head.i + 1
    while end < len(doc) and not doc[end].is_sent_start and (
            doc[end].text[:1].isupper() or doc[end].text in _NAME_JOINERS and capital(end + 1)):
        end += 1
    return doc[start:end]


def foreign_place_spans(doc: Doc) -> list[Span]:
    """Names of places abroad in the text (longest first at each word): the model's GPE entities
    that are no region of the regions table."""
    places, out, i = foreign_places(), [], 0
    while i < len(doc):
        n = next((n for n in range(min(_FOREIGN_MAX_WORDS, len(doc) - i), 0, -1)
                  if doc[i].text[:1].isupper() and normalise(doc[i:i + n].text) in places), 0)
        if n:
            out.append(doc[i:i + n])
        i += max(n, 1)
    return out


# The longest name of foreign_places() in words (`Saint Vincent and the Grenadines` is 5).
_FOREIGN_MAX_WORDS = 5


def _sections(blocks: list[dict], sents: list[Span]) -> list[int]:
    """Section index per sentence: the title and every heading (clean's `blocks`) start one."""
    heading_ends = [b["end"] for b in blocks if b["kind"] in ("title", "heading")]
    section, hi, out = 0, 0, []
    for s in sents:
        while hi < len(heading_ends) and heading_ends[hi] < s.end_char - 1:
            section += 1
            hi += 1
        out.append(section)
    return out


def _list_lead_ins(blocks: list[dict], sents: list[Span]) -> tuple[list[int | None], dict[int, int]]:
    """Per sentence, the lead-in sentence (the last of a `lead_in` block) whose frame it inherits as
    a list item without a finite verb of its own; and, for lead-ins that are items themselves, their parent."""
    by_id = {b["block_id"]: b for b in blocks}
    outer = [b for b in blocks if b["kind"] != "dateline"]   # text order, not overlapping
    outer_starts = [b["start"] for b in outer]
    of_sentence = [_block_of(outer, outer_starts, s.start_char) for s in sents]
    last_sentence = {}
    for sid, b in enumerate(of_sentence):
        if b is not None:
            last_sentence[b["block_id"]] = sid
    out: list[int | None] = [None] * len(sents)
    parent: dict[int, int] = {}
    for sid, b in enumerate(of_sentence):
        up = by_id.get(b["parent"]) if b is not None and b["kind"] in ("list_item", "lead_in") else None
        if up is None or up["kind"] != "lead_in" or up["block_id"] not in last_sentence:
            continue
        lead = last_sentence[up["block_id"]]
        if b["kind"] == "lead_in" and last_sentence.get(b["block_id"]) == sid:
            parent[sid] = lead
        if not _has_finite_verb(sents[sid]):
            out[sid] = lead
    return out, parent


def _block_of(blocks: list[dict], starts: list[int], char: int) -> dict | None:
    """The block (of `blocks`, in text order, with their `starts`) holding offset `char`."""
    k = bisect.bisect_right(starts, char) - 1
    return blocks[k] if k >= 0 and char < blocks[k]["end"] else None


def _first_paragraph(blocks: list[dict]) -> tuple[int, int]:
    """The first body paragraph (a dateline's included), which counts more towards the focus."""
    for b in blocks:
        if b["kind"] in ("paragraph", "lead_in"):
            return b["start"], b["end"]
    return 0, 0


def _has_finite_verb(sent: Span) -> bool:
    """Whether a sentence has a verb with tense of its own (`creating … jobs` has none)."""
    return any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") and t.pos_ in T.VERBS for t in sent)


def _lead_in_chain(art: Article, sid: int) -> list[int]:
    """The lead-in of a list item, then the lead-ins of the lists that lead-in is an item of."""
    chain = []
    j = art.lead_ins[sid] if sid < len(art.lead_ins) else None
    while j is not None and j not in chain:
        chain.append(j)
        j = art.lead_in_of.get(j)
    return chain


def _lead_in_forward(art: Article, lead: int) -> bool:
    """A lead-in looks ahead when it has goal words (`set these targets for 2024:`, `will:`) and
    does not say they were met (`met these targets in 2023:`); a sub-list's lead-in without
    words of its own (`- Economy:`) takes the list's."""
    r = rules()
    goal_words = set(r.lead_in_goal_words)
    sent = art.sents[lead]
    if any(t.lemma_.lower() in goal_words or t.lower_ in goal_words for t in sent):
        met = set(r.lead_in_fulfilled_verbs)
        return not any(t.lemma_.lower() in met and t.pos_ == "VERB" and (
            t.tag_ in ("VBD", "VBN") or any(c.lower_ in ("has", "have", "had") for c in t.children)) for t in sent)
    parent = art.lead_in_of.get(lead)
    return parent is not None and _lead_in_forward(art, parent)


def _focus(art: Article, blocks: list[dict]) -> Mention | None:
    """The region the article is plainly about: most named, weighted by title and first paragraph."""
    r = rules()
    title_end = next((b["end"] for b in blocks if b["kind"] == "title"), 0)
    first_para = _first_paragraph(blocks)
    scores: dict[str, float] = {}
    named: dict[str, int] = {}
    best_mention: dict[str, Mention] = {}

    def weight(char: int) -> float:
        if char < title_end:
            return 1.0 + r.focus_title_weight
        if first_para[0] <= char < first_para[1]:
            return 1.0 + r.focus_first_paragraph_weight
        return 1.0

    for m in art.mentions:
        if (m.excluded and m.excluded != "dateline") or m.level == "country" or m.source == "pronoun":
            continue
        key = m.link_id
        scores[key] = scores.get(key, 0.0) + weight(art.doc[m.start].idx)
        named[key] = named.get(key, 0) + (m.source == "mention")
        best_mention.setdefault(key, m)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    # places abroad count against the share: a page about world markets that names one Chinese city
    # once is not about that city
    foreign = sum(weight(e.start_char) for e in _foreign_places(art))
    total = sum(scores.values()) + foreign
    top, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < r.focus_min_share * total or score < r.focus_min_margin * second \
            or named[top] < r.focus_min_mentions:
        return None
    return best_mention[top]


def _foreign_places(art: Article) -> list[Span]:
    """Places the parser found (GPE) that are no region of the regions table: places abroad."""
    taken = {i for m in art.mentions if m.source in ("mention", "dateline") for i in range(m.start, m.end)}
    return [e for e in foreign_place_spans(art.doc) if not any(i in taken for i in range(e.start, e.end))]




# Situations of a figure that rule finders out (rules/link/decider.yaml `exclusions`).
SITUATIONS = ("foreign_subject", "foreign_lead_in", "unresolved_group")


def situations(art: Article, sid: int) -> set[str]:
    """The situations of a figure in sentence `sid`: its sentence, or the first lead-in of its list
    that names a region or is about a foreign entity, has a named non-Chinese subject."""
    found = set()
    if art.blocked[sid]:
        found.add("foreign_subject")
    if _unresolved_group(art, sid):
        found.add("unresolved_group")
    for lead in _lead_in_chain(art, sid):
        if art.blocked[lead]:
            found.add("foreign_lead_in")
            break
        if art.topics[lead] or any(m.excluded is None for m in art.sent_mentions[lead]):
            break
    return found


def _unresolved_group(art: Article, sid: int) -> bool:
    """The sentence refers to a group of regions (`the two cities`, `all three provinces`) that the
    regions named before do not make up: whatever its figures hold for, it is no single earlier region."""
    resolved = {m.start for m in art.sent_mentions[sid] if m.source == "anaphora"}
    return any(t.i not in resolved and group_count(art.doc, t) is not None for t in art.sents[sid])

