"""Link stage: each figure's region, period and kind; every quantitative goal as a `targets` row.

Region: the most specific region the text ties the figure to, tried in this order —
`respectively` lists, the figure's own noun phrase (`growth rate in Liaoning`, `Haixi's`), the
subject of its clause (`Horgos … 22.865 billion yuan`), the rest of its clause and sentence,
anaphora (`the prefecture`, `it`) resolved to the latest region of that kind, the topic region
of the previous few sentences, and the article's focus region. Regions that are the base of a
share or comparison (`25 percent of Guangxi's total`, `ranked second in China`) or that only
describe a speaker (`said Hao, secretary of Ili Prefecture`) are never a figure's region.
Period: periods.py over the sentence; a goal without one takes the plan period its section states.
Kind and targets: targets.py over the parse.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from spacy.tokens import Doc, Span, Token

from . import periods as P
from . import schema
from . import indicators as I
from . import kinds as K
from . import targets as T
from .docs import docs_from_tokens
from .nlp import blank
from .tableio import is_missing

LEVEL_RANK = {"country": 0, "macro_region": 1, "province": 2, "prefecture": 3, "county": 4, "zone": 5}
LIST_SEPARATOR = re.compile(r"^[\s,;]*(?:and|or|as well as)?[\s,]*(?:in|for|of)?\s*$", re.I)
CONVERSION_GAP = re.compile(r"^\s*[(\[]\s*(?:about|approximately|around|roughly|some|nearly|or|equivalent to|"
                            r"over|more than|at least)?\s*$", re.I)
BRACKET_STARTERS = {"with", "for", "of", "in", "at", "by", "including", "to"}
UNIT_WORDS = T.UNIT_WORDS


@lru_cache(maxsize=1)
def rules() -> dict:
    """rules/link/linking.yaml with the anaphora lexicon beside it."""
    return {**T.rules("linking"), "anaphora": T.rules("anaphora")}


# ------------------------------------------------------------------ region mentions

@dataclass
class Mention:
    """A region mention, or an anaphor (`the prefecture`, `its`) resolved to one."""
    start: int                       # token indices in the Doc
    end: int
    region_id: str
    level: str
    admin_id: str | None
    province_id: str | None
    source: str = "mention"          # `mention`, `anaphora`, `pronoun`, `dateline`
    excluded: str | None = None      # `base`, `comparison`, `speaker`, `dateline`

    def root(self, doc: Doc) -> Token:
        return doc[self.start:self.end].root

    @property
    def link_id(self) -> str:
        """The id a figure links to: a zone's host division (zones keep their id in `zone_id`)."""
        return (self.admin_id or self.region_id) if self.level == "zone" else self.region_id


@lru_cache(maxsize=1)
def _gazetteer():
    try:
        from . import gazetteer
        return gazetteer.load()
    except Exception:  # noqa: BLE001 - the gazetteer is optional: without it totals stay unlinked
        return None


def contains(outer: Mention, inner: Mention) -> bool:
    """Whether `outer` is a region that holds `inner` (China holds Guangxi, Guangxi holds Hechi)."""
    if outer.region_id == inner.region_id:
        return False
    if outer.level == "country":
        return True
    a, b = outer.admin_id, inner.admin_id or inner.province_id
    if outer.level == "macro_region":
        gz = _gazetteer()
        return bool(gz and inner.province_id and inner.province_id in gz.members(outer.region_id))
    if not a or not b or LEVEL_RANK.get(outer.level, 0) >= LEVEL_RANK.get(inner.level, 0):
        return False
    if outer.level == "province":
        return b[:2] == a[:2]
    if outer.level == "prefecture":
        return b[:4] == a[:4]
    return inner.level == "zone" and inner.admin_id == a


def _mentions_of(doc: Doc, regions: pd.DataFrame) -> list[Mention]:
    out = []
    for r in regions.itertuples(index=False):
        span = doc.char_span(int(r.start), int(r.end), alignment_mode="expand")
        if span is None or not len(span):
            continue
        source = "dateline" if _str(getattr(r, "source", None)) == "dateline" else "mention"
        out.append(Mention(span.start, span.end, str(r.region_id), str(getattr(r, "level", "") or ""),
                           _str(getattr(r, "admin_id", None)), _str(getattr(r, "province_id", None)), source))
    out.sort(key=lambda m: m.start)
    return out


def _str(v) -> str | None:
    return None if is_missing(v) else str(v)


def _exclusion(doc: Doc, m: Mention) -> str | None:
    """Why a mention cannot be a figure's region: it is a base, a comparison or a speaker."""
    r = rules()
    root = m.root(doc)
    head = root.head
    # base of a share: `Guangxi's total`, `the country's land area`, `the national average of`
    while head.i != root.i and head.pos_ == "PROPN" and head.dep_ in ("compound", "poss"):
        head = head.head
    if root.dep_ in ("poss", "compound", "pobj") and head.pos_ == "NOUN" and head.lemma_.lower() in r["base_nouns"]:
        if not (head.i + 1 < len(doc) and doc[head.i + 1].pos_ == "NOUN"):
            return "base"
    t = root
    while t.head.i != t.i and t.pos_ not in ("VERB", "AUX"):
        t = t.head
        if t.lower_ in r["comparison_words"]:
            return "comparison"
        if t.dep_ == "prep" and t.lower_ in ("in", "among", "across", "of") and _in_ranking(t.head):
            return "comparison"
        if t.lower_ == "according" or (t.lower_ == "to" and t.head.lower_ == "according"):
            return "speaker"
    if _is_speaker(doc, m, root):
        return "speaker"
    return None


def _in_ranking(t: Token) -> bool:
    """`sixth in China`, `the first province with a GDP of … in western China`: a ranking's domain."""
    for _ in range(4):
        if _is_rank(t) or any(c.dep_ == "conj" and _is_rank(c) for c in t.children):
            return True
        if t.head.i == t.i or T.is_clause_verb(t.head):
            return False
        t = t.head
    return False


def _is_rank(t: Token) -> bool:
    words = rules()["rank_words"]
    return t.lemma_.lower() in words or t.lower_ in words or any(
        c.lower_ in words for c in t.children if c.dep_ in ("amod", "advmod", "npadvmod", "nummod", "attr"))


def _is_speaker(doc: Doc, m: Mention, root: Token) -> bool:
    """`said Hao Jianmin, deputy secretary of … Ili Prefecture`: the region describes the speaker."""
    reporting = T.rules("targets")["reporting_verbs"]
    v = T.governing_verb(root)
    if v.lemma_.lower() not in reporting:
        return False
    subject = T.own_subject(v)
    if subject is None or root not in subject.subtree or root.i == subject.i:
        return False
    span = doc[m.start:m.end]
    return subject not in span


def _anaphors(doc: Doc, sent: Span, known: list[Mention], topics: list[list[Mention]]) -> list[Mention]:
    """`the prefecture`/`the region`/`the country` and `it`/`its` in a sentence, resolved."""
    a = rules()["anaphora"]
    nouns = a["nouns"]
    out = []
    taken = {i for m in known for i in range(m.start, m.end)}
    for t in sent:
        if t.i in taken:
            continue
        if t.lower_ in a["pronouns"] and t.dep_ in ("nsubj", "nsubjpass", "poss"):
            topic = _subject_before(doc, sent, known + out, t) or _latest_topic(topics[-rules()["previous_sentence_window"]:])
            if topic:
                for m in topic:
                    out.append(Mention(t.i, t.i + 1, m.region_id, m.level, m.admin_id, m.province_id, "pronoun"))
            continue
        if t.dep_ == "amod" and t.lower_ in a["country_adjectives"] and t.head.pos_ == "NOUN" \
                and t.head.lemma_.lower() not in rules()["base_nouns"] \
                and any(c.dep_ == "det" and c.lower_ == "the" for c in t.head.children):
            # `the national figure grew 5 percent`: China's, unless it is a base (`the national average`)
            out.append(Mention(t.i, t.i + 1, "CN", "country", None, None, "anaphora"))
            continue
        if t.pos_ != "NOUN" or t.tag_ == "NNS":
            continue
        key = t.lower_
        prev = doc[t.i - 1] if t.i > 0 else None
        if prev is not None and f"{prev.lower_} {key}" in nouns:
            key = f"{prev.lower_} {key}"
        spec = nouns.get(key)
        if spec is None or not any(c.dep_ == "det" and c.lower_ in a["determiners"] for c in t.children):
            continue
        # `the Xinjiang region`, `the city of Jilin`, `the most affluent city in Zhejiang` describe, not refer
        if any((c.dep_ == "compound" and c.pos_ == "PROPN" and c.text[:1].isupper()) or c.dep_ in ("prep", "relcl", "acl") or c.tag_ == "JJS"
               or any(g.lower_ in ("most", "least") for g in c.children) for c in t.children):
            continue
        target = _resolve_anaphor(spec, known + out, t.i, a)
        if target is not None:
            out.append(Mention(t.i, t.i + 1, target.region_id, target.level, target.admin_id, target.province_id,
                               "anaphora"))
    return out


def _subject_before(doc: Doc, sent: Span, known: list[Mention], pronoun: Token) -> list[Mention] | None:
    """`Zhengzhou will strive to see its GDP …`, `Sichuan plans …, and its investment …`: a pronoun
    refers first to the nearest region that is the subject of a clause before it in its sentence."""
    best: list[Mention] = []
    for m in known:
        if m.excluded is not None or not (sent.start <= m.start < pronoun.i):
            continue
        root = m.root(doc)
        subject = root
        while subject.dep_ in ("compound", "conj", "appos") and subject.head.i != subject.i:
            subject = subject.head
        if subject.dep_ in T.SUBJECTS and (not best or m.start > best[0].start):
            best = [m]
    return best or None


def _resolve_anaphor(spec: dict, known: list[Mention], before: int, a: dict) -> Mention | None:
    if spec.get("country"):
        return Mention(before, before + 1, "CN", "country", None, None, "anaphora")
    for m in sorted((m for m in known if m.start < before and m.excluded is None), key=lambda m: -m.start):
        if m.level in spec.get("levels", []) and not (spec.get("municipality") and m.region_id not in a["municipalities"]):
            if m.level == "province" and spec.get("autonomous_region") and "province" not in spec.get("levels", []):
                continue
            return m
        if spec.get("autonomous_region") and m.level == "province" and m.region_id in a["autonomous_regions"]:
            return m
    return None


def _latest_topic(topics: list[list[Mention]]) -> list[Mention] | None:
    for topic in reversed(topics):
        if topic:
            return topic
    return None


def _sentence_topic(doc: Doc, sent: Span, mentions: list[Mention]) -> list[Mention]:
    """The region(s) a sentence is about: those in the subject of its main verb(s)."""
    verbs = [sent.root] + [c for c in sent.root.children if c.dep_ == "conj" and c.pos_ in T.VERBS]
    for v in verbs:
        s = T.own_subject(v)
        if s is None:
            continue
        found = [m for m in mentions if m.excluded is None and m.root(doc) in s.subtree]
        if found:
            # `the Chongqing-Kunming High Speed Rail`: a thing between places belongs to neither
            chosen = _most_specific(doc, found, s)
            if len(chosen) == 1 and any(m.link_id != chosen[0].link_id and not contains(m, chosen[0])
                                        for m in found):
                return []
            return chosen
    return []


def _most_specific(doc: Doc, found: list[Mention], anchor: Token) -> list[Mention]:
    """Coordinated regions all count (`Beijing and Shanghai`); otherwise the most specific, nearest one."""
    group = _coordinated_group(doc, found)
    if len(group) > 1:
        return group
    keep = [m for m in found if not any(contains(m, o) for o in found)]
    keep.sort(key=lambda m: (abs(m.root(doc).i - anchor.i), -LEVEL_RANK.get(m.level, 0)))
    return keep[:1]


def _coordinated_group(doc: Doc, found: list[Mention]) -> list[Mention]:
    """The largest set of the mentions joined by `and`/commas as conjuncts of one another."""
    roots = {m.root(doc).i: m for m in found}
    best: list[Mention] = []
    for m in found:
        r = m.root(doc)
        if r.dep_ == "conj" and r.head.i in roots:
            continue
        group, stack = [m], [r]
        while stack:
            t = stack.pop()
            for c in t.children:
                if c.dep_ == "conj" and c.i in roots:
                    group.append(roots[c.i])
                    stack.append(c)
        ids = {g.link_id for g in group}
        if len(ids) > len({b.link_id for b in best}):
            best = group
    if len(best) < 2 or any(contains(a, b) for a in best for b in best):
        return []
    return sorted(best, key=lambda m: m.start)


# ------------------------------------------------------------------ article context

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


def _article(doc: Doc, text: str, title: str | None, reference: dt.date | None, regions: pd.DataFrame) -> Article:
    sents = list(doc.sents)
    base = _mentions_of(doc, regions)
    for m in base:
        # a dateline (`GUANGZHOU --`) says where the story was filed, not whose figures follow:
        # it only counts towards the article's focus
        m.excluded = "dateline" if m.source == "dateline" else _exclusion(doc, m)
    all_mentions: list[Mention] = []
    topics: list[list[Mention]] = []
    per_sent: list[list[Mention]] = []
    for sent in sents:
        own = [m for m in base if sent.start <= m.start < sent.end]
        extra = _anaphors(doc, sent, all_mentions + own, topics)
        for m in extra:
            m.excluded = _exclusion(doc, m)
        here = sorted(own + extra, key=lambda m: m.start)
        all_mentions.extend(here)
        per_sent.append(here)
        topics.append(_sentence_topic(doc, sent, here))
    found = P.find_periods(text, reference)
    by_sent = [[p for p in found if s.start_char <= p.start_char < s.end_char] for s in sents]
    art = Article(doc, text, reference, all_mentions, topics, per_sent,
                  [_blocked(doc, s, ms) for s, ms in zip(sents, per_sent)], by_sent, _sections(text, sents),
                  sents=sents)
    art.lead_ins, art.lead_in_of = _list_lead_ins(text, sents)
    art.focus = _focus(art, title)
    return art


def _blocked(doc: Doc, sent: Span, mentions: list[Mention]) -> bool:
    """A sentence whose subject is a named non-Chinese entity (`The World Bank defined …`)."""
    s = T.own_subject(sent.root)
    if s is None or s.pos_ != "PROPN" or any(m.root(doc) in s.subtree for m in mentions):
        return False
    return any(e.label_ in ("ORG", "GPE", "NORP", "LOC") and e.start <= s.i < e.end for e in doc.ents)


def _sections(text: str, sents: list[Span]) -> list[int]:
    """Section index per sentence: a heading (a short line without closing punctuation) starts one."""
    section, out = 0, []
    heading_ends = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and len(stripped.split()) <= 12 and not re.search(r"[.!?:;\"”’)]$", stripped):
            heading_ends.append(pos + len(line))
        pos += len(line) + 1
    hi = 0
    for s in sents:
        while hi < len(heading_ends) and heading_ends[hi] < s.end_char - 1:
            section += 1
            hi += 1
        out.append(section)
    return out


@lru_cache(maxsize=1)
def _list_marker() -> re.Pattern:
    return re.compile(rules()["list_marker"])


def _has_finite_verb(sent: Span) -> bool:
    """Whether a sentence has a verb with tense of its own (`creating … jobs` has none)."""
    return any(t.tag_ in ("VBD", "VBZ", "VBP", "MD") and t.pos_ in T.VERBS for t in sent)


def _starts_paragraph(text: str, char: int) -> bool:
    before = text[:char].rstrip(" \t")
    return not before or before.endswith("\n")


def _list_lead_ins(text: str, sents: list[Span]) -> tuple[list[int | None], dict[int, int]]:
    """Per sentence, the lead-in (a sentence ending with a colon) whose frame it inherits as a list
    item without a finite verb of its own; and, for lead-ins that are items themselves, their parent.
    Items are consecutive paragraphs after the lead-in that start with a list marker or have no
    finite verb (and the further sentences of such a paragraph)."""
    window = rules()["list_item_window"]
    out: list[int | None] = [None] * len(sents)
    parent: dict[int, int] = {}
    lead, previous_item = None, False
    for sid, sent in enumerate(sents):
        finite = _has_finite_verb(sent)
        if lead is not None and sid - lead <= window:
            if _starts_paragraph(text, sent.start_char):
                item = bool(_list_marker().match(sent.text)) or not finite
            else:
                item = previous_item
            if item and not finite:
                out[sid] = lead
            previous_item = item
            if not item:
                lead = None
        else:
            lead, previous_item = None, False
        if sent.text.rstrip().endswith(":"):
            if lead is not None:
                parent[sid] = lead
            lead, previous_item = sid, False
    return out, parent


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
    goal_words = set(r["lead_in_goal_words"])
    sent = art.sents[lead]
    if any(t.lemma_.lower() in goal_words or t.lower_ in goal_words for t in sent):
        met = set(r["lead_in_fulfilled_verbs"])
        return not any(t.lemma_.lower() in met and t.pos_ == "VERB" and (
            t.tag_ in ("VBD", "VBN") or any(c.lower_ in ("has", "have", "had") for c in t.children)) for t in sent)
    parent = art.lead_in_of.get(lead)
    return parent is not None and _lead_in_forward(art, parent)


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


def _focus(art: Article, title: str | None) -> Mention | None:
    """The region the article is plainly about: most named, weighted by title and first paragraph."""
    r = rules()
    text = art.text
    title_end = 0
    if title:
        i = text.find(title.strip())
        title_end = i + len(title.strip()) if i >= 0 else 0
    first_para = _first_paragraph(text, title_end)
    scores: dict[str, float] = {}
    best_mention: dict[str, Mention] = {}
    for m in art.mentions:
        if (m.excluded and m.excluded != "dateline") or m.level == "country" or m.source == "pronoun":
            continue
        char = art.doc[m.start].idx
        w = 1.0
        if char < title_end:
            w += r["focus_title_weight"]
        elif first_para[0] <= char < first_para[1]:
            w += r["focus_first_paragraph_weight"]
        key = m.link_id
        scores[key] = scores.get(key, 0.0) + w
        best_mention.setdefault(key, m)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    total = sum(scores.values())
    top, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if score < r["focus_min_share"] * total or score < r["focus_min_margin"] * second:
        return None
    return best_mention[top]


def _first_paragraph(text: str, after: int) -> tuple[int, int]:
    pos = after
    for para in text[after:].split("\n"):
        if len(para.split()) >= 20:
            start = text.find(para, pos)
            return start, start + len(para)
        pos += len(para) + 1
    return 0, 0


# ------------------------------------------------------------------ one figure

@dataclass
class Figure:
    row: dict
    span: Span
    anchor: Token
    sent_index: int
    is_count: bool
    conversion_of: int | None = None     # row index of the amount it converts
    in_definition: bool = False          # in brackets that state a definition, not the clause


def _figures(art: Article, rows: list[dict]) -> list[Figure]:
    figs = []
    sent_starts = [s.start for s in art.sents]
    for row in rows:
        span = art.doc.char_span(int(row["start"]), int(row["end"]), alignment_mode="expand")
        if span is None or not len(span):
            figs.append(None)
            continue
        anchor = _anchor(span, art.doc, row)
        sid = max(0, sum(1 for s in sent_starts if s <= span.start) - 1)
        is_count = row.get("unit") == "count" or (anchor.lower_ not in UNIT_WORDS and not anchor.like_num
                                                  and anchor.pos_ in T.NOUNS and not schema.is_currency(row.get("unit")))
        figs.append(Figure(row, span, anchor, sid, is_count))
    for i, f in enumerate(figs):
        if f is None:
            continue
        conv = f.row.get("converts")
        if conv is not None and conv == conv and conv is not pd.NA:
            f.conversion_of = next((j for j, g in enumerate(figs) if g and g.row.get("quantity_id") == conv), None)
        elif i > 0 and figs[i - 1] is not None:
            prev = figs[i - 1]
            gap = art.text[prev.row["end"]:f.row["start"]]
            after = art.text[f.row["end"]:f.row["end"] + 3].lstrip()
            if CONVERSION_GAP.match(gap) and after.startswith((")", "]")):
                f.conversion_of = i - 1
        if f.conversion_of is None:
            f.in_definition = _in_definition(art.text, f)
    return figs


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
            and t.head.lower_ in UNIT_WORDS:
        return t.head
    return t


def _in_definition(text: str, f: Figure) -> bool:
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


def _respectively_groups(art: Article, figs: list[Figure]) -> dict[int, tuple[int, int]]:
    """Figure index -> (position, size) for lists closed by `respectively`."""
    out = {}
    by_sent: dict[int, list[int]] = {}
    for i, f in enumerate(figs):
        if f is not None and f.conversion_of is None:
            by_sent.setdefault(f.sent_index, []).append(i)
    for sid, idx in by_sent.items():
        sent = art.sents[sid]
        for m in re.finditer(r"\brespectively\b", sent.text, re.I):
            pos = sent.start_char + m.start()
            before = [i for i in idx if figs[i].row["end"] <= pos]
            if not before:
                continue
            group = [before[-1]]
            for j in reversed(before[:-1]):
                gap = _gap_without_conversions(art, figs, j, group[0])
                if LIST_SEPARATOR.match(gap) or re.fullmatch(r"[\s,]*(?:and|or)?\s*", gap):
                    group.insert(0, j)
                else:
                    break
            if len(group) > 1:
                for k, i in enumerate(group):
                    out[i] = (k, len(group))
    return out


def _gap_without_conversions(art: Article, figs: list[Figure], i: int, j: int) -> str:
    gap = art.text[figs[i].row["end"]:figs[j].row["start"]]
    return re.sub(r"\([^)]*\)", "", gap)


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


def _region_for(art: Article, f: Figure, resp: tuple[int, int] | None, first_of_group: Figure | None
                ) -> tuple[list[Mention], str]:
    """The region mention(s) a figure belongs to, and how they were found."""
    doc = art.doc
    sid = f.sent_index
    usable = [m for m in art.sent_mentions[sid] if m.excluded is None]
    # 1. `respectively`
    if resp is not None and first_of_group is not None:
        k, n = resp
        distinct = _distinct(usable)
        chosen = _list_before(distinct, first_of_group.row["start"], n, lambda m: doc[m.start].idx,
                              lambda m: doc[m.end - 1].idx + len(doc[m.end - 1]), art.text)
        if chosen:
            return [chosen[k]], "respectively"
    # 2. the figure's own noun phrase
    t, path = f.anchor, []
    while not T.is_clause_verb(t):
        path.append(t)
        if t.head.i == t.i:
            break
        t = t.head
    own = [m for m in art.sent_mentions[sid] if m.excluded == "comparison"]
    for n, noun in enumerate(path):
        # a comparison both sides of which lie in the figure's phrase (`than the country's 5.2 percent`)
        found = _outside_descriptions(doc, noun, [m for m in usable + (own if n == 0 else [])
                                                  if m.root(doc) in noun.subtree and m.root(doc).i != noun.i])
        if found:
            ev = "possessive" if any(m.root(doc).dep_ == "poss" for m in found) else "same_phrase"
            return _most_specific(doc, found, f.anchor), _ev(ev, found)
    # 3. the subject of its clause
    chain = T.verb_chain(f.anchor)
    for v in chain:
        s = T.own_subject(v) or T.participle_subject(v)
        if s is None:
            continue
        found = _outside_descriptions(doc, s, [m for m in usable if m.root(doc) in s.subtree])
        if found:
            return _most_specific(doc, found, s), _ev("dependency", found)
    # 4. the rest of its clause, then of its sentence
    top = chain[-1]
    found = _outside_descriptions(doc, top, [m for m in usable if m.root(doc) in top.subtree and top.pos_ in T.VERBS])
    if found:
        return _most_specific(doc, found, f.anchor)[:1], _ev("same_clause", found)
    if art.topics[sid]:
        return art.topics[sid], _ev("same_sentence", art.topics[sid])
    if usable:
        return _most_specific(doc, usable, f.anchor)[:1], _ev("same_sentence", usable)
    if art.blocked[sid]:
        return [], "none"
    # 5. a list item: the region of its lead-in
    for lead in _lead_in_chain(art, sid):
        if art.blocked[lead]:
            return [], "none"
        if art.topics[lead]:
            return art.topics[lead], _ev("list_lead_in", art.topics[lead])
        named = [m for m in art.sent_mentions[lead] if m.excluded is None]
        if named and not art.blocked[lead]:
            return _most_specific(doc, named, art.sents[lead].root)[:1], _ev("list_lead_in", named)
        sid = lead  # the lead-in names none: the sentences before it speak for the list
    # 6. the topic of the previous sentences, then the article's focus
    window = rules()["previous_sentence_window"]
    for back in range(1, window + 1):
        if sid - back < 0 or art.sections[sid - back] != art.sections[sid] and back > 1:
            break
        if art.topics[sid - back]:
            return art.topics[sid - back], "previous_sentence"
    if art.focus is not None:
        return [art.focus], "article_focus"
    return [], "none"


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


def _ev(step: str, found: list[Mention]) -> str:
    return "anaphora" if all(m.source != "mention" for m in found) else step


def _region_ids(art: Article, f: Figure, mentions: list[Mention]) -> list[tuple[str | None, str | None]]:
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
    sent = art.sents[f.sent_index]
    words = {t.lower_ for t in sent}
    if words & set(rules()["total_words"]):
        return [(_macro_of({m.province_id or m.link_id for m in mentions}), None)]
    return rows


def _macro_of(provinces: set[str]) -> str | None:
    gz = _gazetteer()
    if gz is None:
        return None
    for macro_id in getattr(gz, "macros", {}):
        if set(gz.members(macro_id)) == provinces:
            return macro_id
    return None


# ------------------------------------------------------------------ periods

def _period_for(art: Article, f: Figure, is_target: bool, resp: tuple[int, int] | None,
                first_of_group: Figure | None) -> P.PeriodMention | None:
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


def _frames(art: Article, figs: list[Figure], kinds: list[str | None]) -> list[P.PeriodMention | None]:
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


# ------------------------------------------------------------------ stage

def run(articles: pd.DataFrame, sentences: pd.DataFrame, tokens: pd.DataFrame | None, regions: pd.DataFrame,
        quantities: pd.DataFrame, docs: dict[str, Doc] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill region, period and kind of every figure; build the targets table (Docs rebuilt from `tokens` unless given)."""
    columns = list(dict.fromkeys(list(quantities.columns) + schema.QUANTITIES.names))
    if quantities is None or quantities.empty:
        return quantities.reindex(columns=columns), schema.empty("targets")
    if docs is None:
        docs = docs_from_tokens(tokens, blank().vocab)
    arts = articles.set_index(articles["article_id"].astype(str))
    regions = regions if regions is not None else schema.empty("regions")
    region_groups = {str(k): g for k, g in regions.groupby("article_id", sort=False)} if not regions.empty else {}
    out_rows: list[dict] = []
    target_rows: list[dict] = []
    for article_id, group in quantities.groupby("article_id", sort=False):
        article_id = str(article_id)
        rows = group.sort_values("start", kind="stable").to_dict("records")
        doc = docs.get(article_id)
        if doc is None or article_id not in arts.index:
            out_rows.extend(rows)
            continue
        a = arts.loc[article_id]
        text = a.get("clean_text") if isinstance(a.get("clean_text"), str) else doc.text
        art = _article(doc, text, _str(a.get("title")), _reference(a),
                       region_groups.get(article_id, schema.empty("regions")))
        q_rows, t_rows = link_article(art, rows)
        out_rows.extend(q_rows)
        target_rows.extend(t_rows)
    q = pd.DataFrame(out_rows).reindex(columns=columns)
    t = pd.DataFrame(target_rows, columns=schema.TARGETS.names) if target_rows else schema.empty("targets")
    return _typed(q, schema.QUANTITIES), _typed(t, schema.TARGETS)


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


def link_article(art: Article, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Link every figure of one article; (quantity rows, target rows)."""
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
        chosen = K.decide(K.candidates(f.anchor, f.span.sent, f.row, art.text, cue))
        cues.append(chosen.evidence)
        kinds.append(chosen.kind)
    K.across_figures(figs, kinds, cues, art.text)
    frames = _frames(art, figs, kinds)

    linked: list[tuple[list[Mention], str]] = []
    periods: list[P.PeriodMention | None] = []
    for i, f in enumerate(figs):
        if f is None:
            linked.append(([], "none")); periods.append(None)
            continue
        if f.conversion_of is not None:
            linked.append(linked[f.conversion_of] if f.conversion_of < len(linked) else ([], "none"))
            periods.append(periods[f.conversion_of] if f.conversion_of < len(periods) else None)
            continue
        linked.append(_region_for(art, f, resp.get(i), first_of.get(i)))
        p = _period_for(art, f, kinds[i] == "target", resp.get(i), first_of.get(i))
        if p is None:
            p = _lead_in_period(art, f.sent_index)
        if p is None and kinds[i] == "target":
            frame = _frame_for(art, frames, f.sent_index,
                               {g.sent_index for g, k in zip(figs, kinds) if g is not None and k == "target"})
            if frame is not None:
                p = P.PeriodMention(frame.start_char, frame.end_char, frame.start, frame.end, "plan_frame", "span")
        periods.append(p)

    q_rows, t_rows = [], []
    heads = _target_heads(art, figs, kinds, resp, first_of)
    for i, (row, f) in enumerate(zip(rows, figs)):
        mentions, evidence = linked[i]
        ids = _region_ids(art, f, mentions) if f is not None else [(None, None)]
        if f is not None and f.conversion_of is not None and evidence != "none":
            evidence = "conversion"
        if len(ids) == 1 and ids[0][0] is not None and len(mentions) > 1:
            evidence = "total"
        p = periods[i]
        for k, (region_id, zone_id) in enumerate(ids):
            out = dict(row)
            out.update(region_id=region_id, zone_id=zone_id, link_index=k, kind=kinds[i] or "actual",
                       kind_evidence=K.dated(cues[i], kinds[i], p.end.year if p and p.end else None,
                                             art.reference.year if art.reference else None),
                       evidence=evidence if region_id is not None else None,
                       period_start=p.start if p else None, period_end=p.end if p else None,
                       period_evidence=p.evidence if p else None)
            q_rows.append(out)
            restates = i > 0 and figs[i - 1] is not None and f is not None and f.sent_index == figs[i - 1].sent_index \
                and K.restated_as(art.text[figs[i - 1].row["end"]:f.row["start"]])
            if f is not None and kinds[i] == "target" and f.conversion_of is None and _is_number(row.get("value")) \
                    and not restates:
                t_rows.append(_target_row(art, f, row, heads.get(i), region_id, evidence, p) | {"kind_evidence": out["kind_evidence"]})
    return q_rows, t_rows


def _is_number(v) -> bool:
    try:
        return v is not None and float(v) == float(v)
    except (TypeError, ValueError):
        return False


def _is_forward(sent: Span) -> bool:
    """Whether a sentence looks ahead: a future modal, a goal noun as subject, a cue verb."""
    cues = T._cues()
    return any((t.dep_ in ("aux", "auxpass") and t.lower_ in cues["future_aux"])
               or (t.pos_ == "NOUN" and t.lower_ in cues["cue_words"] and t.dep_ in T.SUBJECTS)
               or (t.pos_ == "VERB" and t.lemma_.lower() in cues["cue_verbs"]) for t in sent) or K.sets_goals(sent)


def _listed_goal(art: Article, f: Figure) -> str | None:
    """A list item without a finite verb (`- GDP growth of around 6 percent;`) under a lead-in
    that looks ahead (`The main targets for 2024 are as follows:`)."""
    chain = _lead_in_chain(art, f.sent_index) or [K.semicolon_lead_in(art.sents, art.text, f.sent_index)]
    return "list" if chain[0] is not None and _lead_in_forward(art, chain[0]) else None


def _by_future_year(art: Article, f: Figure) -> str | None:
    """`by 2025` in the figure's clause, with 2025 after the reference year, makes it a goal."""
    clause = T.clause_span(f.anchor)
    for p in art.periods[f.sent_index]:
        if p.role == "by" and clause.start_char <= p.start_char < clause.end_char and p.end and (
                art.reference is None or p.end.year > art.reference.year):
            return "by"
    return None


def _target_heads(art: Article, figs: list[Figure], kinds, resp, first_of) -> dict[int, tuple[str, Token | None, str]]:
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


def _frame_text(art: Article, f: Figure) -> str:
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


def _target_row(art: Article, f: Figure, row: dict, head, region_id, evidence, p) -> dict:
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


def _frequency_words(art: Article, f: Figure, noun: Token | None, frame: str, clause: Span) -> str:
    """Listed figures (`including 12 percent for …`) and coordinated objects of one verb
    (`increase revenue by 7 percent annually, and fixed investment by 15 percent`) share the
    frame of the first; other figures speak for themselves."""
    if _inherits_growth(f):
        return frame
    words = _own_words(f, noun, clause)
    if noun is not None and noun.dep_ == "conj":
        words += " " + art.text[clause.start_char:f.span.end_char]
    return words


def _own_words(f: Figure, noun: Token | None, clause: Span) -> str:
    """The words that can say a figure is per year: its own, its indicator phrase, its verb's adverbs."""
    words = [f.span.text]
    if noun is not None:
        words.append(T.phrase_text(noun))
    v = T.governing_verb(f.anchor)
    words.extend(c.text for c in v.children if c.dep_ in ("advmod", "npadvmod"))
    t = f.anchor
    while not T.is_clause_verb(t) and t.head.i != t.i:
        words.extend(c.text for c in t.children if c.dep_ in ("amod", "advmod", "npadvmod", "compound"))
        t = t.head
    following = f.span.doc[f.span.end:min(f.span.end + 5, f.span.sent.end)].text
    words.append(following)
    return " ".join(words)


def _inherits_growth(f: Figure) -> bool:
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
