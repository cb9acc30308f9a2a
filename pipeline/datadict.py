"""The data dictionary page (docs/DATA_DICTIONARY.md), rendered from pipeline/schema.py.

The schema is the one place columns are described; this page is a rendering of it, kept in
sync by tests/test_datadict.py. Regenerate with `python -m pipeline datadict`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import schema

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "DATA_DICTIONARY.md"
REGENERATE = "python -m pipeline datadict"

# What one row of each table is (the columns themselves are described in schema.py).
TABLE_ROWS = {
    "articles": "One row per input article, failed and empty ones included.",
    "sentences": "One row per sentence of the cleaned text of each `ok` article.",
    "regions": "One row per mention of a Chinese region in the cleaned text.",
    "quantities": "One row per number with a unit (percentages, money, counts of things); plain years, dates, "
                  "ordinals and list numbering are not quantities. A figure that holds for several named regions "
                  "is one row per region.",
    "monetary": "The rows of `quantities` whose unit is a currency (ISO 4217), with `amount`, `currency` and `role`, "
                "and `amount_cny`, every amount in yuan. To count each amount once, drop the rows with "
                "`is_conversion`, `in_title` or a `part_of`: `money[~(money.is_conversion | money.in_title | "
                "money.part_of.notna())]`.",
    "targets": "One row per forward-looking quantitative statement (goal, plan, forecast) and region.",
    "tokens": "Intermediate table (work directory only, not an output): the spaCy parse, so later stages "
              "rebuild Docs without parsing again.",
    "stage_notes": "Intermediate tables (work directory only, not an output), `notes_<stage>.parquet` of the DVC "
                   "stages segment, ner, quantities and link: one row per article the stage failed or has a "
                   "warning for.",
}

_TYPE_NAMES = {"double": "float64", "date32[day]": "date32", "bool": "boolean"}

REGION_ID_RULES = """\
- **Administrative divisions**: the six-digit GB/T 2260 code — Qinghai `630000`, Haixi `632800`,
  Golmud `632801`, Jilin province `220000`, Jilin city `220200`; Hong Kong `810000`, Macao `820000`,
  Taiwan `710000`. The first two digits are the province (`XX0000`), the first four the prefecture
  (`XXXX00`); the four provincial-level municipalities (Beijing `11`, Tianjin `12`, Shanghai `31`,
  Chongqing `50`) have districts directly under them.
- **China as a whole**: `CN`, level `country`.
- **Macro regions**: exactly the ids of the vocabulary `macro_region_ids` below, level `macro_region`.
- **Zones** (development zones, new areas, free trade zones, ports, parks): `zone:<lowercase-hyphenated-name>`,
  level `zone`, with `admin_id` the host division.
- A bare name that is both a province and a city (`Jilin`) is the province unless the text says city; a bare
  name shared by a prefecture and its seat city (`Kashgar`) is the prefecture unless the text says city.
- Foreign places, landforms (rivers, basins, plateaus, mountains) and the place names inside a landform's,
  macro region's or zone's own name are not region mentions; a dateline (`CHANGCHUN -`) is.
- **Linking** (`region_id` of `quantities`, `monetary`, `targets`): the most specific region the text says the
  figure belongs to; `CN` for China as a whole; one row per region when a figure holds for each of several
  regions; a total over several regions links to the macro region they make up, else null; null when the text
  names no region.
"""


def type_name(type_: pa.DataType) -> str:
    """Arrow type as an analyst reads it (`float64`, `date32`, …)."""
    return _TYPE_NAMES.get(str(type_), str(type_))


def description(field: pa.Field) -> str:
    """The `description` a schema field carries in its metadata ('' when it has none)."""
    return (field.metadata or {}).get(b"description", b"").decode("utf-8")


def file_descriptions(path: str | os.PathLike) -> dict[str, str]:
    """Column descriptions as stored in a written Parquet table: {column: description}."""
    path = Path(path)
    if path.is_dir():  # a dataset directory: every part has the same schema
        path = sorted(path.rglob("*.parquet"))[0]
    return {f.name: description(f) for f in pq.read_schema(path)}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table_section(name: str, table_schema: pa.Schema) -> list[str]:
    lines = [f"### {name}", "", TABLE_ROWS.get(name, ""), "",
             "| column | type | nullable | description |", "|---|---|---|---|"]
    for field in table_schema:
        lines.append(f"| `{field.name}` | {type_name(field.type)} | {'yes' if field.nullable else 'no'} "
                     f"| {_cell(description(field))} |")
    return lines + [""]


def render() -> str:
    """The whole data dictionary page as Markdown."""
    lines = [
        "# Data dictionary",
        "",
        f"<!-- Generated from pipeline/schema.py by `{REGENERATE}`; do not edit by hand. -->",
        "",
        "The pipeline writes one Parquet table per name below at `OUT_DIR/<table>.parquet`. Every column's",
        "description is also stored in the Parquet field metadata (key `description`), so it travels with the",
        "data: `pyarrow.parquet.read_schema(path).field(column).metadata[b\"description\"]`.",
        "",
        "Offsets (`start`, `end`) are character offsets into the article's `articles.clean_text` (end exclusive);",
        "`sentence_id` is the 0-based index of the sentence in `sentences`. Dates are `date32`, years `int32`;",
        "a column marked nullable is null where the value is not known.",
        "",
        "Loading a table as it is. In pandas, pass `dtype_backend=\"pyarrow\"`: the columns then keep the types",
        "listed here, nullable integers (`converts`, `start_year`) as `int32[pyarrow]` and dates as",
        "`date32[day][pyarrow]`; without it pandas reads an integer column that has nulls as `float64` and dates",
        "as Python objects. The project has no reading helper of its own: this is the documented way.",
        "",
        "```python",
        "import pandas as pd, polars as pl, duckdb",
        'money = pd.read_parquet("outputs/monetary.parquet", dtype_backend="pyarrow")',
        'money = pl.read_parquet("outputs/monetary.parquet")',
        "money = duckdb.sql(\"SELECT * FROM 'outputs/monetary.parquet'\").df()",
        "```",
        "",
        "## Tables",
        "",
    ]
    for name, table_schema in schema.ALL.items():
        lines += _table_section(name, table_schema)
    lines += ["## Vocabularies", "",
              "Columns with a closed set of values (SPEC §2–4); `unit` is open: `percent`, `percentage_point`,",
              "an ISO 4217 currency code (`CNY`, `USD`, …) or a unit name (`count`, `kilometre`, `tonne`, …).",
              "`targets.qualifier` and `monetary.qualifier` share the values of `quantities.qualifier`, and",
              "`monetary.kind` those of `quantities.kind`.", "",
              "| vocabulary | values |", "|---|---|"]
    for name, values in schema.VOCABULARIES.items():
        lines.append(f"| `{name}` | {', '.join(f'`{v}`' for v in values)} |")
    lines += ["", "## Region identifiers", "", REGION_ID_RULES]
    return "\n".join(lines)


def write(path: str | os.PathLike = DOC_PATH) -> Path:
    """Write the rendered page to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path


def is_current(path: str | os.PathLike = DOC_PATH) -> bool:
    """Whether the page at `path` is exactly the current rendering."""
    path = Path(path)
    return path.exists() and path.read_text(encoding="utf-8") == render()
