"""Region recognition: every mention of a Chinese region, resolved to its SPEC §3 id.

A spaCy component (`region_recognizer`) over the gazetteer (pipeline/gazetteer.py) that:
1. finds macro regions (regex patterns and compass forms, coordinated ones give each id);
2. finds datelines (`CHANGCHUN -`, `NANNING, June 16`), read as cities, with the one dateline detector
   (`published.dateline_openings`, which clean's `blocks` use too);
3. finds zones (a place name + a zone head) with their host division;
4. finds division names with a PhraseMatcher, drops those inside macro/zone names, landform
   names and organisation names (a division's own government or party organ still names it),
   and resolves shared names (province over city unless the text says city; prefecture over its
   seat; otherwise by the province written next to the name, then the provinces the article
   names, then by level, then by population: `Suzhou` alone is Jiangsu's);
5. reads runs of capitalised names the gazetteer knows, for forms the matcher missed (all-caps, variants);
6. marks `China` / `Chinese` as the country `CN`.

Docs get the span group `doc.spans["regions"]` (label_ = level, kb_id_ = region_id) whose
attrs["mentions"] hold each span's RegionMention (the REGIONS columns except article/sentence), also
read as `span._.region`.
`run(articles, tokens)` gives the REGIONS table; `region_docs(articles, tokens)` the Docs.
"""
from __future__ import annotations

import bisect
import dataclasses
import re
from functools import lru_cache

from pathlib import Path

import pandas as pd
import spacy
import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, DocBin, Span, SpanGroup

from . import artifacts, schema
from .docs import docs_from_tokens, sentence_ids
from .gazetteer import (COUNTRY_ID, COUNTRY_NAME, LEVEL_RANK, Division, Gazetteer, Place, load, normalise,
                        prefecture_id, zone_id)
from .nlp import blank
from .published import dateline_openings
from .rules import alternation, load_lines

SPANS_KEY = "regions"
# The span group attribute holding, aligned with its spans, each mention's fields (RegionMention).
MENTIONS_ATTR = "mentions"
# How far (tokens) a coordinated list may run before its plural level noun (`Heilongjiang, Jilin
# and Liaoning provinces`): 12 covers lists of six names, the longest in seeds + dev.
LIST_WINDOW = 12
# Longest organisation / zone name walked over (tokens); 12 covers `Asia-Europe Meigu (Horgos)
# International Biotechnology Park` and `Commission of Development and Reform of Yunnan Province`.
NAME_WINDOW = 12
# Tokens a province qualifier may take (`Inner Mongolia Autonomous Region`, `Xinjiang Uygur Autonomous Region`).
QUALIFIER_WINDOW = 4
# `X, a county-level city in ...`: the division noun comes within five tokens of the name.
APPOSITIVE_WINDOW = 5


@dataclasses.dataclass
class RegionMention:
    """A region mention at character offsets of the Doc's text (the REGIONS row, bar article and sentence)."""
    start: int  # char offsets
    end: int
    region_id: str
    level: str
    name: str
    admin_id: str | None
    province_id: str | None
    source: str

    def record(self, text: str) -> dict:
        return {"start": self.start, "end": self.end, "text": text[self.start:self.end], "region_id": self.region_id,
                "name": self.name, "level": self.level, "admin_id": self.admin_id,
                "province_id": self.province_id, "source": self.source}


def _span_mention(span: Span) -> RegionMention | None:
    """The RegionMention a span of the doc's region group stands for (`span._.region`)."""
    group = span.doc.spans.get(SPANS_KEY)
    if group is None:
        return None
    for candidate, fields in zip(group, group.attrs.get(MENTIONS_ATTR, ())):
        if (candidate.start, candidate.end, candidate.kb_id_) == (span.start, span.end, span.kb_id_):
            return RegionMention(**fields)
    return None


if not Span.has_extension("region"):
    Span.set_extension("region", getter=_span_mention)


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables (rules data generated from pypinyin), to tell pinyin words from English ones."""
    return frozenset(load_lines("gazetteer/pinyin_syllables.txt"))


def is_pinyin_word(word: str, min_syllables: int) -> bool:
    """Whether `word` splits into at least `min_syllables` pinyin syllables (Liangjiang, Meigu)."""
    w = word.lower().replace("'", "").replace("’", "")
    if not w.isalpha() or not word[:1].isupper():
        return False
    syl = pinyin_syllables()
    best = [None] * (len(w) + 1)  # fewest syllables is not needed: any split with enough syllables
    best[0] = 0
    for i in range(1, len(w) + 1):
        for j in range(max(0, i - 6), i):
            if best[j] is not None and w[j:i] in syl:
                best[i] = max(best[i] or 0, best[j] + 1)
    return best[len(w)] is not None and best[len(w)] >= min_syllables


class RegionRecognizer:
    """The spaCy component over the gazetteer read from `rules_path` (its config; None is the
    project's rules/gazetteer). `initialize` builds the phrase matcher and `to_disk`/`from_disk`
    save and restore it; each phase finds mentions, and `set_annotations` writes them once, as
    the span group `doc.spans[spans_key]` with each span's RegionMention in its attrs (`span._.region`)."""

    def __init__(self, nlp: Language, name: str = "region_recognizer", spans_key: str = SPANS_KEY,
                 emit_country: bool = True, rules_path: str | None = None, scorer=None):
        self.name = name
        self.spans_key = spans_key
        self.emit_country = emit_country
        self.rules_path = rules_path
        self.scorer = scorer
        self.vocab = nlp.vocab
        self.tokenizer = nlp.tokenizer
        self.gaz: Gazetteer | None = None
        self.matcher: PhraseMatcher | None = None
        self.patterns: list[tuple[int, ...]] = []  # each surface form's ORTH hashes, what the matcher keeps

    def initialize(self, get_examples=None, *, nlp: Language | None = None) -> None:
        """Read the gazetteer and build the phrase matcher of its surface forms. Their tokens' ORTH
        hashes are kept by pipeline/artifacts.py under the hash of the forms and the tokenizer:
        tokenizing the ~11,500 forms was the largest part of a one-article run's start (issue 16)."""
        self._set_gazetteer()
        forms = self.gaz.surface_forms
        key = "\0".join(forms).encode() + self.tokenizer.to_bytes() + spacy.__version__.encode()
        self._set_matcher(artifacts.load_or_build("region_patterns", key, lambda: self._orth_hashes(forms), list))

    def _orth_hashes(self, forms) -> list[tuple[int, ...]]:
        return [tuple(t.orth for t in doc) for doc in self.tokenizer.pipe(forms)]

    def _set_gazetteer(self) -> None:
        self.gaz = load(self.rules_path)
        self.zone_heads = [tuple(t.text for t in self.tokenizer(h)) for h in self.gaz.zone_heads]
        self.zone_heads_by_first: dict[str, list[tuple[str, ...]]] = {}  # longest first, as in zone_heads
        for head in self.zone_heads:
            self.zone_heads_by_first.setdefault(head[0], []).append(head)
        self.macro_patterns = self._macro_patterns()

    def _set_matcher(self, patterns: list[tuple[int, ...]]) -> None:
        """The matcher of patterns given as ORTH hashes (PhraseMatcher.add takes them as it takes Docs)."""
        self.patterns = patterns
        self.matcher = PhraseMatcher(self.vocab, attr="ORTH")
        self.matcher.add("DIVISION", patterns)

    def to_disk(self, path, *, exclude=()) -> None:
        """The config and the matcher's tokenized patterns (restored without tokenizing again)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "cfg", {"spans_key": self.spans_key, "emit_country": self.emit_country,
                                        "rules_path": self.rules_path})
        DocBin(docs=list(self.tokenizer.pipe(self.gaz.surface_forms))).to_disk(path / "patterns.spacy")

    def from_disk(self, path, *, exclude=()) -> RegionRecognizer:
        path = Path(path)
        cfg = srsly.read_json(path / "cfg")
        self.spans_key, self.emit_country, self.rules_path = cfg["spans_key"], cfg["emit_country"], cfg["rules_path"]
        self._set_gazetteer()
        docs = DocBin().from_disk(path / "patterns.spacy").get_docs(self.vocab)
        self._set_matcher([tuple(t.orth for t in doc) for doc in docs])
        return self

    def score(self, examples, **kwargs) -> dict[str, float]:
        """The configured scorer (score_regions by default) over spaCy Examples."""
        return self.scorer(examples)

    # ------------------------------------------------------------------ macro regions
    def _macro_patterns(self) -> list[tuple[re.Pattern, tuple[str, ...]]]:
        pats = []
        for co in self.gaz.coordinated:
            pats.append((re.compile(r"\b(?:the )?" + co.pattern + r"\b"), tuple(co.ids)))
        for mid, macro in self.gaz.macros.items():
            for p in macro.patterns:
                pats.append((re.compile(r"\b" + p + r"\b"), (mid,)))
        comp = self.gaz.compass
        word = "(?:" + alternation({f for w in comp.words for f in (w, w.title())}) + ")"
        heads = "|".join(comp.heads)
        compass = re.compile(
            rf"\b(?P<words>{word}(?:(?:\s*,\s*|\s+and\s+|\s*,\s*and\s+){word})*)\s+(?:{heads})\b"
            rf"(?!{comp.not_followed_by})(?!{comp.not_label})")
        pats.append((compass, ()))  # ids from the compass words
        return pats

    def _is_label(self, text: str, m: re.Match) -> bool:
        """`Northeast China's Liaoning`: a macro name ending in a label head, then a place, labels the place."""
        comp = self.gaz.compass
        return (any(m.group(0).endswith(h) for h in comp.label_heads)
                and re.match(comp.not_label, text[m.end():]) is not None)

    def _compass_label_after_place(self, text: str, start: int) -> bool:
        """`Henan Province, central China`, `the three eastern provinces`: a label of places named before."""
        pattern = self.gaz.compass.not_preceded_by
        return bool(pattern) and re.search(pattern, text[max(0, start - 60):start]) is not None

    def macro_mentions(self, text: str) -> list[RegionMention]:
        found: list[RegionMention] = []
        taken: list[tuple[int, int]] = []
        candidates = []
        for pattern, ids in self.macro_patterns:
            for m in pattern.finditer(text):
                if not ids:
                    possessor = re.search(r"([A-Z]\w+)['’]s\s+$", text[max(0, m.start() - 40):m.start()])
                    if possessor and possessor.group(1) not in self.gaz.compass.country_possessors:
                        continue  # `Xinjiang's western region` is part of a province
                    if self._compass_label_after_place(text, m.start()):
                        continue
                    words = re.split(r"\s*,\s*and\s+|\s*,\s*|\s+and\s+", m.group("words"))
                    ids_here = tuple(dict.fromkeys(self.gaz.compass.words[w.lower()] for w in words))
                else:
                    if self._is_label(text, m):
                        continue
                    ids_here = ids
                candidates.append((m.start(), m.end(), ids_here))
        for start, end, ids in sorted(candidates, key=lambda c: (-(c[1] - c[0]), c[0])):
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            for mid in ids:
                found.append(RegionMention(start, end, mid, "macro_region", self.gaz.macros[mid].name, None, None, "macro"))
        return found

    # ------------------------------------------------------------------ helpers on tokens
    @staticmethod
    def _is_name_word(tok) -> bool:
        return tok.text[:1].isupper() or tok.is_digit

    def _name_run_right(self, doc: Doc, i: int) -> list:
        """Tokens of the proper name continuing at token i (title-case words and connectors)."""
        words = self.gaz.words
        out = []
        for tok in doc[i:i + NAME_WINDOW]:
            if tok.is_space or "\n" in tok.text or (tok.i > i and tok.is_sent_start):
                break  # a name does not run into the next sentence (`from Chengdu. China Southern Airlines`)
            if self._is_name_word(tok) or tok.text in words.name_run_joiners:
                out.append(tok)
            elif tok.text == "," and tok.i + 1 < len(doc) and doc[tok.i + 1].text in self.gaz.company_suffixes:
                out.append(tok)
            else:
                break
        while out and out[-1].text in words.name_run_trailing:
            out.pop()
        return out

    def _name_run_left(self, doc: Doc, i: int, connectors: frozenset[str] | None = None) -> list:
        connectors = self.gaz.words.name_connectors if connectors is None else connectors
        out = []
        j = i - 1
        while j >= 0 and i - j <= NAME_WINDOW:
            tok = doc[j]
            if tok.is_space or "\n" in tok.text:
                break
            if self._is_name_word(tok) or tok.text in connectors:
                out.insert(0, tok)
                j -= 1
            else:
                break
        return out

    def organisation_context(self, doc: Doc, span: Span) -> str | None:
        """`organ` when the name around the span is a government/party organ, `organisation` when another
        organisation, else None."""
        right = [t.text for t in self._name_run_right(doc, span.end)]
        left_tokens = self._name_run_left(doc, span.start)
        left = [t.text for t in left_tokens] if left_tokens and left_tokens[-1].text == "of" else []
        words = right + left
        if any(w in self.gaz.organ_words for w in words) and not any(w in self.gaz.organ_exempt_heads
                                                                       for w in right):
            return "organ"
        if any(w in self.gaz.organisation_heads for w in words):
            return "organisation"
        return None

    def is_landform(self, doc: Doc, span: Span) -> bool:
        """`Qinghai-Tibet Plateau`, `Wuling Mountain`; not `Shanxi-Shaanxi-Henan-Yellow River` for Shanxi."""
        if span.start > 0 and doc[span.start - 1].text in self.gaz.landform_prefixes:
            return True
        j = span.end
        last_is_division = True
        while j + 1 < len(doc) and doc[j].text in self.gaz.landform_joiners and doc[j + 1].text[:1].isupper():
            k = j + 1
            while k < len(doc) and doc[k].text[:1].isupper() and doc[k].text not in self.gaz.landform_heads:
                k += 1
            last_is_division = bool(self.gaz.candidates(doc[j + 1:k].text)) or normalise(doc[j + 1:k].text) in self.gaz.places
            j = k
        return j < len(doc) and doc[j].text in self.gaz.landform_heads and last_is_division

    # ------------------------------------------------------------------ zones
    def zone_mentions(self, doc: Doc, matches: list[tuple[int, int]]) -> list[tuple[Span, Span]]:
        """(zone span, its modifier span) for each zone name; `matches` are the doc's gazetteer matches."""
        out = []
        i = 0
        words = [t.text for t in doc]
        n = len(words)
        while i < n:
            head = next((h for h in self.zone_heads_by_first.get(words[i], ())
                         if tuple(words[i:i + len(h)]) == h), None)
            if head is None:
                i += 1
                continue
            left = self._name_run_left(doc, i, connectors=self.gaz.zone_inner_connectors)
            # stop at a comma-free but lower-case break; drop a leading `The`/`the` and connectors
            while left and (left[0].text in self.gaz.zone_connectors or left[0].lower_ == "the"):
                left.pop(0)
            if left:
                start = left[0].i
                modifier = doc[start:i]
                names = [t.text for t in modifier if t.text not in self.gaz.zone_connectors]
                names_place = bool(self._places_in(modifier, matches)) or any(
                    is_pinyin_word(w, self.gaz.zone_min_pinyin) for w in names) or \
                    self.gaz.zone_entry(doc[start:i + len(head)].text) is not None
                if names_place:
                    out.append((doc[start:i + len(head)], modifier))
            i += len(head)
        # a zone named inside a longer one is part of its name (`Shuanglong Airport` of
        # `Shuanglong Airport Economic Zone`)
        return [(z, m) for z, m in out
                if not any(o.start <= z.start and z.end <= o.end and len(o) > len(z) for o, _ in out)]

    def _places_in(self, span: Span, matches: list[tuple[int, int]],
                   context: set[str] = frozenset()) -> list[tuple[Span, str]]:
        """Division codes named inside a zone's modifier: ones in the article's provinces first, then longest."""
        found = []
        first = bisect.bisect_left(matches, (span.start, span.start))
        for s, e in matches[first:]:
            if s >= span.end:
                break
            if e > span.end:
                continue
            sub = span.doc[s:e]
            key = normalise(sub.text)
            if key in self.gaz.places:
                found.append((sub, self.gaz.places[key].code))
            else:
                cands = self.gaz.candidates(sub.text)
                if cands:
                    found.append((sub, self.resolve(sub, cands, doc=span.doc, context=set(context), prefer_city=False)))
        found = [f for f in found if f[1]]
        found.sort(key=lambda f: (not _in_context(self.gaz.division(f[1]), context), -(f[0].end - f[0].start)))
        return found

    # ------------------------------------------------------------------ resolution
    def resolve(self, span: Span, cands: list[Division], doc: Doc, context: set[str],
                prefer_city: bool, dateline: bool = False) -> str | None:
        """The division a surface names (SPEC §3 rules); None when it cannot be told."""
        surface = normalise(span.text)
        bare = all(surface == normalise(c.base) or surface in {normalise(a) for a in c.aliases[:1]}
                   for c in cands) and " " not in span.text.strip()
        if len(cands) == 1:
            return cands[0].code
        if prefer_city or dateline:
            cities = [c for c in cands if c.kind in self.gaz.words.city_kinds]
            if cities:
                cands = cities
                if len(cands) == 1:
                    return cands[0].code
        provinces = [c for c in cands if c.level == "province"]
        if provinces and not prefer_city:
            return provinces[0].code
        # the province or city written next to the name (`Taizhou in Zhejiang`, `Jiangsu's Suzhou`,
        # `Gulou District of Fuzhou`) decides, else any province or prefecture the article names
        qualifier = self._qualifier(doc, span)
        in_context = [c for c in cands if _in_context(c, qualifier)] or [c for c in cands if _in_context(c, context)]
        if in_context:
            cands = in_context
        top = min(LEVEL_RANK[c.level] for c in cands)
        cands = [c for c in cands if LEVEL_RANK[c.level] == top]
        if len(cands) == 1:
            return cands[0].code
        # one prefecture and its own seat (Kashgar): the prefecture; otherwise unresolved
        prefectures = {prefecture_id(c.code) for c in cands}
        if len(prefectures) == 1:
            return sorted(cands, key=lambda c: (c.level != "prefecture", c.code))[0].code
        # divisions sharing a name and the article naming none of their provinces: the more prominent
        # one (`Suzhou` is Jiangsu's, `Fuzhou` Fujian's); a bare name without population data stays open
        ranked = sorted(cands, key=lambda c: (-c.population, c.code))
        if ranked[0].population > ranked[1].population or not bare:
            return ranked[0].code
        return None

    def _qualifier(self, doc: Doc, span: Span) -> set[str]:
        """Provinces and prefectures named right after the name (`X, Zhejiang`, `X in Zhejiang province`,
        `X city in east China's Zhejiang province`, `X District of Fuzhou`) or before it (`Zhejiang's X`)."""
        def named_at(start: int, end: int) -> set[str]:
            for length in range(min(QUALIFIER_WINDOW, end - start), 0, -1):
                sub = doc[start:start + length] if start >= span.end else doc[end - length:end]
                found = {c.code for c in self.gaz.candidates(sub.text) if c.level in ("province", "prefecture")}
                if found:
                    return found | {self.gaz.division(c).province for c in found}
            return set()

        words = self.gaz.words
        after = span.end
        if after < len(doc) and doc[after].lower_ in words.division_nouns:
            after += 1  # `Taizhou city in ...`
        if after + 1 < len(doc) and doc[after].text in words.qualifier_links:
            start = after + 1
            label = self._compass_label_length(doc, start)  # `east China's`, `northwest China's`
            found = named_at(start + label, min(len(doc), start + label + QUALIFIER_WINDOW))
            if found:
                return found
        if span.start >= 2 and doc[span.start - 1].text in words.possessive_marks:
            return named_at(max(0, span.start - 1 - QUALIFIER_WINDOW), span.start - 1)
        return set()

    def _compass_label_length(self, doc: Doc, start: int) -> int:
        """Tokens of a compass label at `start` (`east China 's`, `the southwestern China 's`), else 0."""
        lowered = [t.lower_ for t in doc[start:start + 5]]
        i = 1 if lowered[:1] == ["the"] else 0
        heads = {h.lower() for h in self.gaz.compass.label_heads}
        if i + 2 < len(lowered) and lowered[i] in self.gaz.compass.label_words and lowered[i + 1] in heads \
                and doc[start + i + 2].text in self.gaz.words.possessive_marks:
            return i + 3
        return 0

    def _in_person_name(self, doc: Doc, span: Span) -> bool:
        """A bare name next to a capitalised pinyin word that names no division: a Chinese personal
        name (`Xi Jinping`, `Jin Junhai`); it replaces the model's PERSON entities."""
        for i in (span.start - 1, span.end):
            if 0 <= i < len(doc) and not doc[i].is_upper and is_pinyin_word(doc[i].text, 1) \
                    and not self.gaz.candidates(doc[i].text):
                return True
        return False

    def _name_runs(self, doc: Doc) -> list[Span]:
        """Capitalised words (one to NAME_RUN_MAX_WORDS) that may be a place name the phrase matcher
        missed, longest first at each word, not the words that name no place (`Xinhua`): they replace
        the model's GPE/LOC entities."""
        spans = []
        for i, tok in enumerate(doc):
            if not (tok.text[:1].isupper() and tok.is_alpha):
                continue
            for n in range(min(NAME_RUN_MAX_WORDS, len(doc) - i), 0, -1):
                words = doc[i:i + n]
                if all(t.text[:1].isupper() and (t.is_alpha or t.text in self.gaz.words.possessive_marks and k == n - 1)
                       for k, t in enumerate(words)) and normalise(words.text) not in self.gaz.not_places:
                    spans.append(words)
        return spans

    def _appositive_division(self, doc: Doc, span: Span) -> bool:
        """`Anda, a county-level city in Heilongjiang`: the text itself says the name is a division."""
        words = self.gaz.words
        after = [t.lower_ for t in doc[span.end:span.end + APPOSITIVE_WINDOW]]
        if len(after) < 3 or after[0] != "," or after[1] not in words.appositive_determiners:
            return False
        return any(w in words.division_nouns for w in after[2:])

    def _says_city(self, doc: Doc, span: Span) -> bool:
        words = self.gaz.words
        if span[-1].text in words.city_words:
            return True
        before = doc[max(0, span.start - 2):span.start].text.lower()
        if before in words.city_of_phrases:
            return True
        if span.end < len(doc) and doc[span.end].text in words.city_words:
            return True
        return self._list_level(doc, span) == "city"

    def _list_level(self, doc: Doc, span: Span) -> str | None:
        """Level noun closing a coordinated list the span is in (`Jilin and Changchun cities`)."""
        words = self.gaz.words
        for tok in doc[span.end:span.end + LIST_WINDOW]:
            if tok.text in words.plural_levels:
                return words.plural_levels[tok.text]
            if not (tok.text in words.list_joiners or tok.text[:1].isupper()):
                return None
        return None

    # ------------------------------------------------------------------ the component
    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.mentions(doc))
        return doc

    def set_annotations(self, doc: Doc, mentions: list[RegionMention]) -> None:
        """Write the mentions once, as the span group `doc.spans[spans_key]` (label_ = level, kb_id_ =
        region_id) whose attrs["mentions"] holds, aligned with the spans, each one's REGIONS fields;
        a mention no token span covers is left out."""
        spans, kept = [], []
        for m in mentions:
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            spans.append(Span(doc, span.start, span.end, label=m.level, kb_id=m.region_id))
            kept.append(dataclasses.asdict(m))
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, attrs={MENTIONS_ATTR: kept}, spans=spans)

    def mentions(self, doc: Doc) -> list[RegionMention]:
        """Every phase in order, each finding on the text the phases before it left free."""
        if self.matcher is None:
            raise RuntimeError(f"{self.name} is not initialized: call initialize() (or nlp.initialize()) first")
        found = _Found(self.macro_mentions(doc.text))
        found.block_all(found.mentions)
        shared_datelines = self._find_datelines(doc, found)
        offsets = sorted((s, e) for _, s, e in self.matcher(doc))  # every match, overlapping ones too
        zones = self.zone_mentions(doc, offsets)
        pending = self._find_division_names(doc, found, offsets, zones)
        context = self._context(found.mentions, pending)
        self._resolve_shared_datelines(doc, found, shared_datelines, context)
        self._resolve_division_names(doc, found, pending, context)
        self._find_zones(found, zones, offsets, context)
        self._find_name_runs(doc, found, context)
        if self.emit_country:
            self._find_country(doc, found)
        return sorted(found.mentions, key=lambda m: (m.start, m.end, m.region_id))

    def _find_datelines(self, doc: Doc, found: _Found) -> list[tuple[int, int, Span, list[Division]]]:
        """Datelines: a name of one city is read at once; a shared one (`TAIZHOU, May 5 --`) is returned
        to wait for the article's other regions (resolved with the context)."""
        shared = []
        text = doc.text
        for opening in dateline_openings(text):
            start, end = opening.place_start, opening.place_end
            word = " ".join(w.capitalize() for w in text[start:end].split(" "))
            cands = self.gaz.candidates(word)
            span = doc.char_span(start, end, alignment_mode="expand")
            if cands and span is not None:
                cities = [c for c in cands if c.kind in self.gaz.words.city_kinds] or cands
                if len(cities) > 1 and not self._qualifier(doc, span):
                    shared.append((start, end, span, cands))
                    found.block(start, end)
                    continue
                code = self.resolve(span, cands, doc, set(), prefer_city=True, dateline=True)
                if code:
                    found.add(self._division_mention(start, end, code, "dateline"))
        return shared

    def _find_division_names(self, doc: Doc, found: _Found, offsets: list[tuple[int, int]],
                             zones: list[tuple[Span, Span]]) -> list[tuple[Span, Place | None]]:
        """Matcher names that may be divisions (not inside a zone's name, a landform or an organisation),
        left to resolve once the article's context is known."""
        pending = []
        for span in _longest_first([doc[s:e] for s, e in offsets]):
            if not found.free(span.start_char, span.end_char):
                continue
            if any(z.start <= span.start and span.end <= z.end for z, _ in zones):
                continue
            key = normalise(span.text)
            place = self.gaz.places.get(key)
            if key in self.gaz.not_places:
                continue
            if place is not None and place.zone_only:
                continue
            if self.is_landform(doc, span) or self.organisation_context(doc, span) == "organisation":
                found.block(span.start_char, span.end_char)
                continue
            pending.append((span, place))
        return pending

    def _context(self, mentions: list[RegionMention], pending: list[tuple[Span, Place | None]]) -> set[str]:
        """Provinces and prefectures the article names unambiguously, the dateline's among them."""
        gaz = self.gaz
        context: set[str] = set()
        for m in mentions:
            if m.admin_id:
                context.update({m.province_id, prefecture_id(m.admin_id)})
        for span, place in pending:
            codes = {place.code} if place else {c.code for c in gaz.candidates(span.text)}
            if len(codes) == 1:
                code = next(iter(codes))
                d = gaz.division(code)
                if d is not None and (place is not None or not is_bare_county(span.text, d)):
                    context.update({d.province, prefecture_id(code)})
            else:
                provs = {gaz.division(c).province for c in codes}
                if len(provs) == 1 and any(gaz.division(c).level != "county" for c in codes):
                    context.update(provs)
        return context

    def _resolve_shared_datelines(self, doc: Doc, found: _Found, shared, context: set[str]) -> None:
        """A shared dateline name read with the context; it adds its own province and prefecture to it."""
        for start, end, span, cands in shared:
            code = self.resolve(span, cands, doc, context, prefer_city=True, dateline=True)
            if code:
                found.mentions.append(self._division_mention(start, end, code, "dateline"))  # already blocked
                d = self.gaz.division(code)
                context.update({d.province, prefecture_id(code)})

    def _resolve_division_names(self, doc: Doc, found: _Found, pending, context: set[str]) -> None:
        for span, place in pending:
            if place is not None:
                found.add(self._division_mention(span.start_char, span.end_char, place.code, "place"))
                continue
            cands = self.gaz.candidates(span.text)
            code = self.resolve(span, cands, doc, context, prefer_city=self._says_city(doc, span))
            if code is None:
                continue
            d = self.gaz.division(code)
            if is_unapostrophed(span.text, d) and self._in_person_name(doc, span):
                continue  # `Jian`, `Luan` beside a surname are given names, not Ji'an, Lu'an
            if is_bare_county(span.text, d):
                if not is_pinyin_word(span.text, 2):
                    continue  # one-syllable bare names (`You`, `Pei`) are English words or surnames
                in_person = self._in_person_name(doc, span) and not self._appositive_division(doc, span)
                if in_person or not _in_context(d, context):
                    continue  # bare county names need the article to name their province
            found.add(self._division_mention(span.start_char, span.end_char, code, "gazetteer"))

    def _find_zones(self, found: _Found, zones: list[tuple[Span, Span]], offsets, context: set[str]) -> None:
        """Zones, hosted by the division inside their name or the nearest one named around them."""
        gaz = self.gaz
        for zone, modifier in zones:
            # a bare county name inside a zone's name hosts it only in the article's provinces
            # (`Yangpu Economic Development Zone in Danzhou` is Hainan's, not Shanghai's Yangpu District)
            inner = [(sub, code) for sub, code in self._places_in(modifier, offsets, context)
                     if not is_bare_county(sub.text, gaz.division(code)) or _in_context(gaz.division(code), context)]
            entry = gaz.zone_entry(zone.text)
            if entry is not None:  # a zone of the table: its host and its one id whatever the wording
                host, zid = entry.host, entry.region_id
            else:
                host = inner[0][1] if inner else self._nearest_host(zone, found.mentions)
                zid = zone_id(zone.text)
            d = gaz.division(host)
            found.add(RegionMention(zone.start_char, zone.end_char, zid, "zone", zone.text, host,
                              d.province if d else None, "zone_pattern"))

    def _find_name_runs(self, doc: Doc, found: _Found, context: set[str]) -> None:
        """Capitalised names the matcher did not cover (all-caps headlines, possessives)."""
        for ent in self._name_runs(doc):
            if not found.free(ent.start_char, ent.end_char):
                continue
            form = ent.text
            if form.isupper():
                form = " ".join(w.capitalize() for w in form.split(" "))
            cands = self.gaz.candidates(re.sub(r"['’]s$", "", form))
            if cands:
                code = self.resolve(ent, cands, doc, context, prefer_city=self._says_city(doc, ent))
                d = self.gaz.division(code)
                if d is not None and is_bare_county(ent.text, d) and (
                        not is_pinyin_word(ent.text, 2) or not _in_context(d, context)
                        or self._in_person_name(doc, ent)):
                    continue  # the same evidence rule as for matcher names (`Zhang` the surname)
                if is_unapostrophed(ent.text, d) and self._in_person_name(doc, ent):
                    continue
                if code:
                    found.add(self._division_mention(ent.start_char, ent.end_char, code, "name_run"))

    def _find_country(self, doc: Doc, found: _Found) -> None:
        """`China`, `PRC`, `Chinese` (country_words of non_regions.yaml) as the country, outside other names."""
        for tok in doc:
            if tok.text in self.gaz.country_words and found.free(tok.idx, tok.idx + len(tok.text)):
                span = doc[tok.i:tok.i + 1]
                if self.organisation_context(doc, span) == "organisation":
                    continue
                if tok.text in self.gaz.country_adjectives and tok.i + 1 < len(doc) \
                        and doc[tok.i + 1].text[:1].isupper():
                    continue  # `Chinese Academy of Sciences`, `Chinese Taipei`
                found.mentions.append(RegionMention(tok.idx, tok.idx + len(tok.text), COUNTRY_ID, "country",
                                              COUNTRY_NAME, None, None, "country"))

    def _nearest_host(self, zone: Span, mentions: list[RegionMention]) -> str | None:
        """The division named nearest to the zone in its sentence, else the article's most named one."""
        sent = zone.sent if zone.doc.has_annotation("SENT_START") else zone.doc[:]
        divisions = [m for m in mentions if m.admin_id and m.level in ("province", "prefecture", "county")]
        same = [m for m in divisions if sent.start_char <= m.start < sent.end_char]
        if same:
            return min(same, key=lambda m: min(abs(m.start - zone.end_char), abs(zone.start_char - m.end)))\
                .admin_id
        told = self._host_told_next(zone, sent, divisions)
        if told is not None:
            return told
        if divisions:
            counts = pd.Series([m.admin_id for m in divisions]).value_counts()
            return str(counts.index[0])
        return None

    def _host_told_next(self, zone: Span, sent: Span, divisions: list[RegionMention]) -> str | None:
        """The division the next sentence says the zone lies in (`It is located in ... Shizuishan city.`)."""
        doc = zone.doc
        if sent.end >= len(doc) or not self.gaz.zone_host_cues:
            return None
        following = doc[sent.end].sent
        lowered = following.text.lower()
        cue = re.search(r"\b(?:" + alternation(self.gaz.zone_host_cues) + r")\b", lowered)
        if cue is None:
            return None
        after = following.start_char + cue.end()
        named = [m for m in divisions if after <= m.start < following.end_char]
        return min(named, key=lambda m: m.start).admin_id if named else None

    def _division_mention(self, start: int, end: int, code: str, source: str) -> RegionMention:
        d = self.gaz.division(code)
        return RegionMention(start, end, code, d.level, d.name, code, d.province, source)


class _Found:
    """The mentions the phases have found in one doc, and the text spans later phases must leave
    alone (found mentions and names ruled out, such as landforms)."""

    def __init__(self, mentions: list[RegionMention]):
        self.mentions = mentions
        self.blocked: list[tuple[int, int]] = []

    def free(self, start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in self.blocked)

    def block(self, start: int, end: int) -> None:
        self.blocked.append((start, end))

    def block_all(self, mentions: list[RegionMention]) -> None:
        self.blocked.extend((m.start, m.end) for m in mentions)

    def add(self, mention: RegionMention) -> None:
        self.mentions.append(mention)
        self.block(mention.start, mention.end)


# The longest place name written without the level word (`Inner Mongolia Autonomous Region` is
# matched by the phrase matcher; what it misses are one- or two-word forms in other casing).
NAME_RUN_MAX_WORDS = 3


def is_bare_county(surface: str, d: Division | None) -> bool:
    """A county-level name written bare (`Yangpu`, not `Yangpu District`): weak evidence on its own,
    since many county names repeat across provinces or are ordinary words."""
    return d is not None and d.level == "county" and not d.curated and normalise(surface) == normalise(d.base)


def is_unapostrophed(surface: str, d: Division | None) -> bool:
    """A name written without its syllable apostrophe (`Maanshan` for Ma'anshan): without it the
    name may also be a personal name (`Jian`, `Luan`)."""
    return d is not None and "'" in d.base and normalise(surface) == normalise(d.base).replace("'", "")


def _in_context(d: Division | None, context: set[str]) -> bool:
    """Whether the article names the division's province or prefecture."""
    return d is not None and (d.province in context or prefecture_id(d.code) in context)


def _longest_first(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans, longer ones winning (spaCy's filter_spans order, kept in text order)."""
    from spacy.util import filter_spans

    return sorted(filter_spans(spans), key=lambda s: s.start)


@spacy.registry.scorers("pipeline.region_scorer.v1")
def make_region_scorer():
    return score_regions


@Language.factory(
    "region_recognizer",
    default_config={"spans_key": SPANS_KEY, "emit_country": True, "rules_path": None,
                    "scorer": {"@scorers": "pipeline.region_scorer.v1"}},
    requires=["token.is_sent_start"],
    assigns=["doc.spans", "span._.region"],
    default_score_weights={"regions_f": 1.0, "regions_p": 0.0, "regions_r": 0.0},
)
def make_region_recognizer(nlp: Language, name: str, spans_key: str, emit_country: bool, rules_path: str | None,
                           scorer) -> RegionRecognizer:
    return RegionRecognizer(nlp, name=name, spans_key=spans_key, emit_country=emit_country, rules_path=rules_path,
                            scorer=scorer)


@lru_cache(maxsize=1)
def recognizer_pipeline() -> Language:
    """The shared blank English pipeline (the vocabulary every rebuilt Doc shares) with the region
    recognizer added and initialized."""
    nlp = blank()
    if "region_recognizer" not in nlp.pipe_names:
        nlp.add_pipe("region_recognizer").initialize()
    return nlp


def region_docs(articles: pd.DataFrame, tokens: pd.DataFrame | None, docs: dict[str, Doc] | None = None) -> dict[str, Doc]:
    """Docs (rebuilt from `tokens` unless given) with `doc.spans["regions"]` set."""
    nlp = recognizer_pipeline()
    component = nlp.get_pipe("region_recognizer")
    if docs is None:
        docs = docs_from_tokens(tokens, nlp.vocab)
    return {aid: component(doc) for aid, doc in docs.items()}


def run(articles: pd.DataFrame, tokens: pd.DataFrame | None, docs: dict[str, Doc] | None = None) -> pd.DataFrame:
    """The REGIONS table: one row per region mention of every parsed article."""
    rows = []
    for aid, doc in region_docs(articles, tokens, docs).items():
        sids = sentence_ids(doc)
        text = doc.text  # built from all tokens on each access: once per doc
        group = doc.spans[SPANS_KEY]
        for span, fields in zip(group, group.attrs[MENTIONS_ATTR]):
            rows.append({"article_id": aid, "sentence_id": int(sids[span.start]), **RegionMention(**fields).record(text)})
    if not rows:
        return schema.empty("regions")
    return pd.DataFrame(rows, columns=schema.REGIONS.names)


def score_regions(examples) -> dict[str, float]:
    """The component's scorer: P/R/F of per-doc region-id sets at prefecture level (SPEC §6), `CN` excluded.

    `examples` are spaCy `Example`s whose Docs have `doc.spans["regions"]` with kb_id_ the region ids
    (and, on predicted Docs, their mentions: a zone counts as its host division).
    """
    tp = n_pred = n_gold = 0
    for eg in examples:
        pred = _id_set(eg.predicted)
        gold = _id_set(eg.reference)
        tp += len(pred & gold)
        n_pred += len(pred)
        n_gold += len(gold)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"regions_p": p, "regions_r": r, "regions_f": 2 * p * r / (p + r) if p + r else 0.0}


def _id_set(doc: Doc) -> set[str]:
    group = doc.spans.get(SPANS_KEY, [])
    fields = group.attrs.get(MENTIONS_ATTR) if group else None
    if fields:
        ids = {f["admin_id"] if f["level"] == "zone" else f["region_id"] for f in fields}
    else:
        ids = {s.kb_id_ for s in group}
    return {prefecture_id(i) for i in ids if i} - {COUNTRY_ID}
