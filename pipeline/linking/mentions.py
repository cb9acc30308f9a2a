"""Region mentions of an article and what they cannot be: a figure's base, comparison or speaker.

A mention is a region the regions table found, or an anaphor (`the prefecture`, `its`) resolved
to one; `source` says which (`mention`, `anaphora`, `pronoun`, `dateline`) and becomes a figure's `via`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from .. import targets as T
from ..tableio import is_missing
from .config import LEVEL_RANK, AnaphoraFile, AnaphorNoun, rules


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
        from .. import gazetteer
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


def _mentions_of(doc: Doc, regions: list[dict]) -> list[Mention]:
    """The article's region mentions (its `regions` rows as records) as Mentions over the Doc's tokens."""
    out = []
    for r in regions:
        span = doc.char_span(int(r["start"]), int(r["end"]), alignment_mode="expand")
        if span is None or not len(span):
            continue
        source = "dateline" if _str(r.get("source")) == "dateline" else "mention"
        out.append(Mention(span.start, span.end, str(r["region_id"]), str(r.get("level") or ""),
                           _str(r.get("admin_id")), _str(r.get("province_id")), source))
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
    if root.dep_ in ("poss", "compound", "pobj") and head.pos_ == "NOUN" and head.lemma_.lower() in r.base_nouns:
        if not (head.i + 1 < len(doc) and doc[head.i + 1].pos_ == "NOUN"):
            return "base"
    # the whole a share is taken of: `30 percent of China's total land oil resources` (unlike
    # `Guangdong's total GDP reached …`, whose region owns the figure)
    if root.dep_ == "poss" and head.pos_ == "NOUN" and head.dep_ == "pobj" and head.head.lower_ == "of" \
            and any(c.dep_ == "amod" and c.lemma_.lower() in r.base_nouns for c in head.children):
        return "base"
    if any(c.dep_ in ("det", "amod") and c.lower_ in r.comparison_determiners for c in root.children):
        return "comparison"
    t = root
    while t.head.i != t.i and t.pos_ not in ("VERB", "AUX"):
        t = t.head
        if t.lower_ in r.comparison_words:
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
    words = rules().rank_words
    return t.lemma_.lower() in words or t.lower_ in words or any(
        c.lower_ in words for c in t.children if c.dep_ in ("amod", "advmod", "npadvmod", "nummod", "attr"))


def _is_speaker(doc: Doc, m: Mention, root: Token) -> bool:
    """`said Hao Jianmin, deputy secretary of … Ili Prefecture`: the region describes the speaker."""
    reporting = T.rules("targets").reporting_verbs
    v = T.governing_verb(root)
    if v.lemma_.lower() not in reporting:
        return False
    subject = T.own_subject(v)
    if subject is None or root not in subject.subtree or root.i == subject.i:
        return False
    if subject.lemma_.lower() in rules().speaking_institutions:
        return False  # `Hunan Provincial Government announces 64 projects`: the region's own body speaks for it
    span = doc[m.start:m.end]
    return subject not in span


def _anaphors(doc: Doc, sent: Span, known: list[Mention], topics: list[list[Mention]]) -> list[Mention]:
    """`the prefecture`/`the region`/`the country` and `it`/`its` in a sentence, resolved."""
    a = rules().anaphora
    nouns = a.nouns
    out = []
    taken = {i for m in known for i in range(m.start, m.end)}
    for t in sent:
        if t.i in taken:
            continue
        if t.lower_ in a.pronouns and t.dep_ in ("nsubj", "nsubjpass", "poss"):
            topic = _subject_before(doc, sent, known + out, t) or _latest_topic(topics[-rules().previous_sentence_window:])
            if topic:
                for m in topic:
                    out.append(Mention(t.i, t.i + 1, m.region_id, m.level, m.admin_id, m.province_id, "pronoun"))
            continue
        if t.lower_ in a.plural_pronouns and t.dep_ in ("nsubj", "nsubjpass", "poss"):
            # `Guangdong and Jiangsu …; their GDPs all exceed …`: a group of regions, else no region
            group = _group_before(doc, sent, known + out, t) or next(
                (tp for tp in reversed(topics[-rules().previous_sentence_window:]) if tp), None)
            if group and len({m.link_id for m in group}) > 1:
                out.extend(Mention(t.i, t.i + 1, m.region_id, m.level, m.admin_id, m.province_id, "pronoun")
                           for m in group)
            continue
        if t.dep_ == "amod" and t.lower_ in a.country_adjectives and t.head.pos_ == "NOUN" \
                and any(c.dep_ == "det" and c.lower_ == "the" for c in t.head.children):
            # `the national figure grew 5 percent`: China's; `the national average` is a base (whose
            # own value, `the national average of 6.9 percent`, is still China's: finders.owner_of_base)
            base = "base" if t.head.lemma_.lower() in rules().base_nouns else None
            out.append(Mention(t.i, t.i + 1, "CN", "country", None, None, "anaphora", base))
            continue
        if t.i > sent.start and f"{doc[t.i - 1].lower_} {t.lower_}" in a.country_phrases and t.i - 1 not in taken:
            out.append(Mention(t.i - 1, t.i + 1, "CN", "country", None, None, "anaphora"))
            continue
        if t.pos_ == "NOUN" and t.tag_ == "NNS":
            out.extend(_plural_anaphor(doc, t, known + out, a))
            continue
        if t.pos_ != "NOUN":
            continue
        key = t.lower_
        prev = doc[t.i - 1] if t.i > 0 else None
        if prev is not None and f"{prev.lower_} {key}" in nouns:
            key = f"{prev.lower_} {key}"
        spec = nouns.get(key)
        if spec is None or not any(c.dep_ == "det" and c.lower_ in a.determiners for c in t.children):
            continue
        # `the Xinjiang region`, `the city of Jilin`, `the most affluent city in Zhejiang` describe, not refer
        if any((c.dep_ == "compound" and c.pos_ == "PROPN" and c.text[:1].isupper())
               or (c.dep_ in ("prep", "relcl", "acl") and _subtree_text(c) not in a.whole_phrases) or c.tag_ == "JJS"
               or any(g.lower_ in ("most", "least") for g in c.children) for c in t.children):
            continue
        target = _resolve_anaphor(spec, known + out, t.i, a)
        if target is not None:
            out.append(Mention(t.i, t.i + 1, target.region_id, target.level, target.admin_id, target.province_id,
                               "anaphora"))
    return out


def _subtree_text(t: Token) -> str:
    return " ".join(x.lower_ for x in t.subtree)


def _plural_anaphor(doc: Doc, t: Token, known: list[Mention], a: AnaphoraFile) -> list[Mention]:
    """`the three provinces`, `both cities`: the latest that many distinct regions of the noun's levels,
    one mention each at the anaphor (the decider keeps them together, as a coordinated group)."""
    n = group_count(doc, t, a)
    if n is None:
        return []
    levels = a.nouns[t.lemma_.lower()].levels
    if sum(1 for m in known if m.start > t.i and m.start < t.sent.end and m.level in levels) >= n:
        return []  # the regions are named right there (`the four bonded areas: Alataw Pass, Kashgar, …`)
    if any(c.dep_ in ("prep", "relcl", "acl", "appos") and _subtree_text(c) not in a.whole_phrases
           and not (c.dep_ == "appos" and c.pos_ in ("PRON", "DET")) for c in t.children):
        return []  # `the four bonded areas in Alataw Pass, Kashgar …` describe, not refer (`… cities each` does)
    picked: list[Mention] = []
    for m in sorted((m for m in known if m.start < t.i and m.excluded is None and m.source == "mention"),
                    key=lambda m: -m.start):
        if m.level in levels and m.link_id not in {p.link_id for p in picked}:
            picked.append(m)
            if len(picked) == n:
                break
    if len(picked) < n:
        return []
    return [Mention(t.i, t.i + 1, m.region_id, m.level, m.admin_id, m.province_id, "anaphora")
            for m in sorted(picked, key=lambda m: m.start)]


def group_count(doc: Doc, t: Token, a: AnaphoraFile | None = None) -> int | None:
    """How many regions a plural noun of the anaphora lexicon with a count refers to (`the three
    provinces`, `both cities`, `all three provinces`: 3, 2, 3); None for any other token."""
    a = a or rules().anaphora
    spec = a.nouns.get(t.lemma_.lower())
    counts = a.count_words
    count = next((c for c in t.children if c.dep_ in ("nummod", "det", "predet")
                  and (c.lower_ in counts or c.text.isdigit())), None)
    if t.tag_ != "NNS" or spec is None or spec.country or count is None:
        return None
    n = counts.get(count.lower_) or int(count.text)
    # `both provinces`, or a determiner right before the number: `the three provinces`, `all three provinces`
    before = doc[count.i - 1].lower_ if count.i > 0 else None
    if n < 2 or not (count.lower_ == "both" or before in a.determiners or before in a.group_determiners):
        return None
    return n


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


def _group_before(doc: Doc, sent: Span, known: list[Mention], pronoun: Token) -> list[Mention] | None:
    """The coordinated regions (`Beijing and Shanghai`) of the nearest clause subject before a plural pronoun."""
    subject = _subject_before(doc, sent, known, pronoun)
    if not subject:
        return None
    before = [m for m in known if m.excluded is None and sent.start <= m.start < pronoun.i]
    group = _coordinated_group(doc, before)
    return group if subject[0] in group else None


def _resolve_anaphor(spec: AnaphorNoun, known: list[Mention], before: int, a: AnaphoraFile) -> Mention | None:
    if spec.country:
        return Mention(before, before + 1, "CN", "country", None, None, "anaphora")
    for m in sorted((m for m in known if m.start < before and m.excluded is None), key=lambda m: -m.start):
        if m.level in spec.levels and not (spec.municipality and m.region_id not in a.municipalities):
            if m.level == "province" and spec.autonomous_region and "province" not in spec.levels:
                continue
            return m
        if spec.autonomous_region and m.level == "province" and m.region_id in a.autonomous_regions:
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
    plural: dict[tuple[int, int], list[Mention]] = {}
    for m in found:  # a plural anaphor (`the three provinces`, `their`) is a group of its own
        if m.source in ("anaphora", "pronoun"):
            plural.setdefault((m.start, m.end), []).append(m)
    for group in plural.values():
        if len({g.link_id for g in group}) > len({b.link_id for b in best}):
            best = group
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
    written = _written_list(doc, found)
    if len({m.link_id for m in written}) > len({b.link_id for b in best}) \
            and not any(contains(a, b) for a in written for b in written):
        best = written
    if len(best) < 2 or any(contains(a, b) for a in best for b in best):
        return []
    return sorted(best, key=lambda m: m.start)


def _written_list(doc: Doc, found: list[Mention]) -> list[Mention]:
    """The longest run of named regions written as one list, whatever the parse made of it
    (`central Hubei and Hunan provinces, northern Shanxi province, … as well as northwestern Ningxia`)."""
    named = sorted((m for m in found if m.source == "mention"), key=lambda m: m.start)
    gap = _list_gap()
    best: list[Mention] = []
    run: list[Mention] = []
    for m in named:
        if run and run[-1].end <= m.start and gap.match(doc.text[doc[run[-1].end - 1].idx + len(doc[run[-1].end - 1]):
                                                                 doc[m.start].idx]) \
                and doc[run[-1].start].sent.start == doc[m.start].sent.start:
            run.append(m)
        else:
            run = [m]
        if len(run) > len(best) and any(t.lower_ in ("and", "as") or t.text == "," for t in
                                        doc[run[0].end:run[-1].start]):
            best = list(run)
    return best if len(best) > 1 else []


@lru_cache(maxsize=1)
def _list_gap():
    import re

    words = "|".join(re.escape(w) for w in sorted(rules().list_gap_words, key=len, reverse=True))
    word = rf"(?:(?:{words})\s+)*" if words else ""
    return re.compile(rf"^\s*(?:(?:{words})\b\s*)*(?:,\s*|;\s*)?(?:and\s+|or\s+|as well as\s+)?{word}$", re.I)
