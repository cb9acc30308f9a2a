"""Arrow schema of every table the pipeline writes: the one place columns are defined.

Each field carries its description in the Parquet field metadata (key ``description``),
so the data dictionary travels with the data. Contracted columns (shared SPEC §2) come
first and are never renamed; extra columns follow.
"""
from __future__ import annotations

import pyarrow as pa


def _f(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


ARTICLE_ID = _f("article_id", pa.string(), "Article identifier: input file name without extension, or the JSONL `id`.",
                False)
START = _f("start", pa.int32(), "Start character offset into `articles.clean_text`.")
END = _f("end", pa.int32(), "End character offset (exclusive) into `articles.clean_text`.")

_MENTION = [
    ARTICLE_ID,
    _f("sentence_id", pa.int32(), "0-based index of the sentence in `sentences` that holds the mention."),
    START,
    END,
    _f("text", pa.string(), "The mention as it stands in the cleaned text."),
]

ARTICLES = pa.schema([
    ARTICLE_ID,
    _f("source_path", pa.string(), "Where the article was read from (a JSONL source adds `#line`)."),
    _f("sha256", pa.string(), "SHA-256 of the article's raw input bytes."),
    _f("status", pa.string(), "`ok`, `empty` (no body text left after cleaning) or `failed`.", False),
    _f("error", pa.string(), "Why the article is not `ok`; null when it is."),
    _f("title", pa.string(), "Headline."),
    _f("published", pa.date32(), "Publication date printed with the article; null when none is printed."),
    _f("publisher", pa.string(), "Publisher or source named with the article (`Xinhua`, `China Daily`)."),
    _f("clean_text", pa.string(), "Title and body paragraphs after boilerplate removal; all offsets point into it."),
    _f("url", pa.string(), "Source URL when the input gave one."),
    _f("input_format", pa.string(), "`txt`, `html` or `jsonl`."),
    _f("reference_date", pa.date32(),
       "Date that relative expressions (`this year`) resolve against: `published`, else the latest explicit date in the body."),
    _f("reference_date_source", pa.string(), "`published`, `latest_in_body`, or null when there is none."),
    _f("published_source", pa.string(),
       "Where `published` was read: `header` (a date line above the body), `dateline`, `dateline_year_inferred` "
       "(a dateline without year, year from the body), `hint` (JSONL `published`), `html_metadata`; null when none."),
    _f("furniture_lines", pa.int32(), "Number of source lines dropped as page furniture by the clean stage."),
    _f("published_evidence", pa.string(),
       "Which date candidate gave `published`: its place (`below_title`, `above_title`, `title_line`, `header`, "
       "`body_opening`, `dateline`, `below_body`, `html_published`, `html_updated`, or `hint`), its features, "
       "its score and the date as printed; null when `published` is."),
    _f("warnings", pa.string(),
       "What was changed to process the article, `; `-separated: unencodable characters replaced, sentences "
       "without an end split into chunks, a text over the model's length parsed in pieces; null when none."),
    _f("caption_spans", pa.string(),
       "Offsets `start-end` in `clean_text`, space-separated, of the paragraphs that are photo captions (their "
       "credit, `[Photo/Xinhua]`, was cut, or the HTML marks them as captions); null when none. The `blocks` "
       "table gives them kind `caption`."),
])

SENTENCES = pa.schema([
    ARTICLE_ID,
    _f("sentence_id", pa.int32(), "0-based index of the sentence within its article."),
    START,
    END,
    _f("text", pa.string(), "The sentence text."),
])

# Intermediate table: the spaCy parse, so later stages rebuild Docs without re-parsing.
TOKENS = pa.schema([
    _f("article_id", pa.string(), "Article identifier.", False),
    _f("token_id", pa.int32(), "0-based token index in the article's Doc.", False),
    _f("sentence_id", pa.int32(), "Sentence index of the token."),
    _f("start", pa.int32(), "Start character offset into `clean_text`."),
    _f("end", pa.int32(), "End character offset into `clean_text`."),
    _f("text", pa.string(), "Token text."),
    _f("whitespace", pa.bool_(), "Whether a single space follows the token."),
    _f("lemma", pa.string(), "Lemma."),
    _f("pos", pa.string(), "Universal part of speech."),
    _f("tag", pa.string(), "Fine-grained tag."),
    _f("dep", pa.string(), "Dependency label."),
    _f("head", pa.int32(), "Token index of the syntactic head (itself at the root)."),
    _f("is_sent_start", pa.bool_(), "Whether the token starts a sentence."),
    _f("ent_iob", pa.string(), "Statistical NER IOB tag (`B`, `I`, `O`); `O` throughout, since the model "
                               "loads without `ner` (pipeline/nlp.py)."),
    _f("ent_type", pa.string(), "Statistical NER label (`GPE`, `ORG`, …) or empty; empty throughout, since the "
                                "model loads without `ner`."),
])

REGIONS = pa.schema(_MENTION + [
    _f("region_id", pa.string(), "GB/T 2260 six-digit code, `CN`, `macro:<name>` or `zone:<name>` (SPEC §3).", False),
    _f("name", pa.string(), "Canonical English name."),
    _f("level", pa.string(), "`country`, `province`, `prefecture`, `county`, `macro_region` or `zone`."),
    _f("admin_id", pa.string(),
       "Code of the division the mention lies in: itself for divisions, the host for a zone, null for macro regions and the country."),
    _f("province_id", pa.string(), "Code of the province it lies in (itself for provinces)."),
    _f("source", pa.string(), "How it was recognised: `gazetteer`, `zone_pattern`, `macro`, `dateline`, …"),
])

_FIGURE = [
    _f("value", pa.float64(), "Normalised value: 7.5 for 7.5 %, 3.16e10 for 31.6 billion yuan."),
    _f("value_high", pa.float64(), "Upper bound of a range (`6 to 6.5 percent`), else null."),
    _f("unit", pa.string(), "`percent`, `percentage_point`, an ISO 4217 code, or a unit name (`count`, `kilometre`, `tonne`)."),
    _f("qualifier", pa.string(), "`exact`, `about`, `more_than`, `at_least`, `less_than` or `at_most`."),
]

_LINK = [
    _f("region_id", pa.string(), "The region the figure is about (SPEC §3 linking); null when the text gives none."),
    _f("period_start", pa.date32(), "First day of the time the figure refers to."),
    _f("period_end", pa.date32(), "Last day of the time the figure refers to."),
    _f("kind", pa.string(), "`actual` (reported) or `target` (goal, plan, forecast, expectation)."),
]

_LINK_EXTRA = [
    _f("evidence", pa.string(),
       "The finder that linked the region: one of rules/link/decider.yaml `order` (`respectively`, `in_order`, "
       "`dependency`, `same_clause`, `previous_sentence`, `article_focus`, …; the file names them all, in the "
       "order they are tried), or `conversion` (a bracketed conversion takes its amount's link); null when "
       "unlinked."),
    _f("via", pa.string(),
       "The kind of mention the region came through: `mention` (a name), `pronoun` (`its`), `anaphora` "
       "(`the prefecture`, `the national …`) or `dateline`; null when unlinked."),
    _f("link_confidence", pa.float64(),
       "Probability that `region_id` is right on text linking was not tuned on, by finder (`evidence`) and "
       "situation (`via`). Calibrated on seeds + dev (the 48 articles sorted by id, fold = index % 4): the share of "
       "linked money and percentage rows matched to gold whose region is right, each cell shrunk toward its finder "
       "and each finder toward all rows, with the prior strength chosen by cross-validation (fit on three folds, "
       "log loss on the fourth); then times `untuned_factor`, fold 3's precision over folds 0-2's in a run made "
       "before fold 3 was worked on (0.825), since every fold has been tuned on since "
       "(rules/link/confidence.yaml, scripts/calibrate_link_confidence.py). Null when unlinked."),
    _f("period_evidence", pa.string(), "How the period was found: `explicit_year`, `relative`, `plan_period`, …"),
    _f("role", pa.string(), "For money: `investment`, `contract_value`, … (SPEC §2 monetary); null otherwise."),
    _f("quantity_id", pa.int32(), "Index of the figure within its article (stable across runs)."),
    _f("kind_evidence", pa.string(),
       "What decided `kind`: `<class>:<cue>` for a target (`plan:aim`, `forecast:would`, `expectation:expect`, "
       "`budget:earmark`, `goal:target`, `goal:by`, `plan:list`), `signed:<verb>` (a signed deal's value), "
       "`started:<verb>` (a project reported as started), `scene:<why>` (a figure that only sets a goal's scene), "
       "`base:<preposition>` or `base:past` (the base of a comparison, `up from 3.15 percent`: actual), "
       "`reported`."),
    _f("role_evidence", pa.string(),
       "For money: what decided `role` — `<source>:<phrase>`, the source being `own_phrase` (the amount's noun "
       "phrase), `verb` (its governing verb), `subject`, `object`, `clause` (nearest role phrase of the clause), "
       "`signed`, `previous` (carried from the sentence before); null otherwise."),
    _f("zone_id", pa.string(),
       "The zone (`zone:<name>`: development zone, new area, port, park) the figure is tied to; `region_id` then holds its host division."),
    _f("link_index", pa.int32(),
       "0-based index of the row among the rows of one figure that holds for each of several regions "
       "(`Zhengzhou and Changsha aim for 7 percent growth`: one row per region, same `quantity_id`); 0 otherwise."),
]

# Written by the quantities stage for the link stage and for analysts (not contracted).
_QUANTITY_EXTRA = [
    _f("number_start", pa.int32(),
       "Start offset of the bare number in `clean_text` (the mention may start earlier, at a qualifier or currency sign)."),
    _f("number_end", pa.int32(),
       "End offset of the bare number and its scale word (`31.6 billion`); for a range, of the upper bound."),
    _f("item", pa.string(), "For `count`: lemma of the noun counted (`project` in `57 projects`); else null."),
    _f("converts", pa.int32(),
       "For a bracketed currency conversion (`130,000 yuan ($20,124)`): `quantity_id` of the amount it converts; else null."),
    _f("list_id", pa.int32(),
       "Figures written as one list sharing a unit (`5.7, 6.5 and 3 percent`, `10 percent and 14 percent`) share this id within the article; else null."),
    _f("list_index", pa.int32(), "0-based position of the figure in its list (for `respectively`); else null."),
    _f("list_size", pa.int32(), "Number of figures in the list; else null."),
]

QUANTITIES = pa.schema(_MENTION + _FIGURE + _LINK + _LINK_EXTRA + _QUANTITY_EXTRA)

MONETARY = pa.schema(_MENTION + _FIGURE + _LINK + [
    _f("amount", pa.float64(), "Amount of money (= value)."),
    _f("currency", pa.string(), "ISO 4217 code (= unit)."),
] + _LINK_EXTRA + _QUANTITY_EXTRA + [
    _f("amount_cny", pa.float64(),
       "`amount` in yuan (= `amount` × `cny_rate`), so amounts in different currencies add up: converted at the "
       "yearly average exchange rate (IMF International Financial Statistics, national currency per US dollar, "
       "period average; cross rates through the dollar; rules/quantities/exchange_rates.yaml) of the figure's "
       "period, the mean of the yearly averages for a period of several years, else of the publication year; "
       "years outside the table take its nearest year; null for another currency when no year is known."),
    _f("cny_rate", pa.float64(), "Yuan per unit of `currency` used for `amount_cny` (1 for CNY)."),
    _f("is_conversion", pa.bool_(),
       "True for the bracketed restatement of another amount in another currency (`31.6 billion yuan "
       "($4.5 billion)`: the dollar row); `converts` holds the `quantity_id` of the amount it restates. "
       "Drop these rows to count each amount once."),
    _f("in_title", pa.bool_(),
       "True for an amount in the headline that the body states again (same currency and amount within 0.5 %); "
       "drop these rows to count each amount once. A headline amount the body does not repeat is False."),
    _f("part_of", pa.int32(),
       "For one of two or more consecutive amounts that add up exactly to another amount of the same article, "
       "currency, role and region (a total and its breakdown): `quantity_id` of the total; else null. "
       "Drop these rows to count each amount once."),
])

TARGETS = pa.schema(_MENTION + [
    _f("indicator", pa.string(), "What the target measures (SPEC §4 vocabulary)."),
    _f("measure", pa.string(), "`growth` (relative change, %), `change` (absolute change) or `level` (value to reach)."),
] + _FIGURE + [
    _f("frequency", pa.string(), "`annual` when the value is per year, else null."),
    _f("region_id", pa.string(), "Whose target it is."),
    _f("start_year", pa.int32(), "First year of the target period."),
    _f("end_year", pa.int32(), "Last year of the target period."),
    _f("evidence", pa.string(), "How the region was linked (as in `quantities.evidence`)."),
    _f("quantity_id", pa.int32(), "The `quantities.quantity_id` of the figure the target states."),
    _f("kind_evidence", pa.string(), "What made the figure a target (as in `quantities.kind_evidence`)."),
    _f("period_evidence", pa.string(),
       "How the period was found (as in `quantities.period_evidence`); `none` when no period finder found one."),
    _f("indicator_evidence", pa.string(),
       "What decided `indicator`: `<source>:<words>`, the source being `own_phrase`, `object`, `subject`, "
       "`verb`, `for_complement`, `respectively`, `economy_growth`, `lead_in`, `clause_topic` or `none`."),
])

# Intermediate table written by clean: the structure of `clean_text`, read by linking.
BLOCKS = pa.schema([
    _f("article_id", pa.string(), "Article identifier.", False),
    _f("block_id", pa.int32(), "0-based index of the block within its article, in text order.", False),
    START,
    END,
    _f("kind", pa.string(),
       "`title`, `heading`, `paragraph`, `list_item`, `lead_in` (a paragraph ending with a colon that opens a list), "
       "`caption` or `dateline` (the `CITY, Date (Agency) --` or `CITY -` opening of the first paragraph)."),
    _f("parent", pa.int32(),
       "`block_id` of the block it belongs to: a list item's lead-in, a paragraph's heading, a dateline's paragraph; "
       "null at top level."),
])

# Intermediate tables written by the DVC stages segment, ner, quantities and link (`notes_<stage>`):
# what a stage has to say about an article that is not a row of its own tables.
STAGE_NOTES = pa.schema([
    _f("article_id", pa.string(), "Article identifier.", False),
    _f("stage", pa.string(), "The stage that wrote the note.", False),
    _f("status", pa.string(),
       "`failed`: the stage gave the article up (it raised, or ran over `time_budget_seconds`), so later stages "
       "skip it and the tables stage marks it `failed` with `message` as its error; `warning`: a warning for "
       "`articles.warnings`.", False),
    _f("message", pa.string(), "The error or the warning, naming the stage.", False),
])

# Written by `run --explain`: every candidate region linking considered for every figure.
LINK_CANDIDATES = pa.schema([
    ARTICLE_ID,
    _f("quantity_id", pa.int32(), "The figure (`quantities.quantity_id`)."),
    _f("finder", pa.string(), "The finder that proposed the region; null for a mention excluded before any finder."),
    _f("finder_order", pa.int32(), "Position of the finder in rules/link/decider.yaml `order`."),
    _f("rank", pa.int32(), "0-based rank of the region among the finder's candidates after the tie-breaks."),
    _f("region_id", pa.string(), "The candidate region (a zone's host division, as in `quantities.region_id`)."),
    _f("zone_id", pa.string(), "The candidate zone, when the mention is one."),
    _f("start", pa.int32(), "Start offset of the mention (or anaphor) in `clean_text`."),
    _f("end", pa.int32(), "End offset of the mention in `clean_text`."),
    _f("text", pa.string(), "The mention as written."),
    _f("via", pa.string(), "`mention`, `pronoun`, `anaphora` or `dateline`."),
    _f("chosen", pa.bool_(), "Whether the figure was linked through this candidate."),
    _f("reason", pa.string(),
       "Why it was not chosen: `later_finder` (an earlier finder decided), `tie_break` (a better region of the "
       "same finder), `excluded:<situation>`, `mention:<base|comparison|speaker|dateline|joint_name>`; for a chosen "
       "candidate `total:<macro region>` or `total_without_macro_region` when the figure is a total; else null. "
       "A currency conversion repeats the chosen candidate of the amount it converts (finder `conversion`); a "
       "figure no finder linked has one row with region null and reason `no_region` (or `not_in_parse`)."),
])

# The contracted output tables, in the order they are written.
TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "sentences": SENTENCES,
    "regions": REGIONS,
    "quantities": QUANTITIES,
    "monetary": MONETARY,
    "targets": TARGETS,
}

# Tables written besides the contracted ones by `run --explain`.
EXPLAIN_TABLES = ("link_candidates",)

# Every schema, intermediate ones included, by table name.
ALL: dict[str, pa.Schema] = {**TABLES, "tokens": TOKENS, "blocks": BLOCKS, "link_candidates": LINK_CANDIDATES,
                             "stage_notes": STAGE_NOTES}

VOCABULARIES: dict[str, tuple[str, ...]] = {
    "articles.status": ("ok", "empty", "failed"),
    "regions.level": ("country", "province", "prefecture", "county", "macro_region", "zone"),
    "quantities.qualifier": ("exact", "about", "more_than", "at_least", "less_than", "at_most"),
    "quantities.kind": ("actual", "target"),
    "quantities.via": ("mention", "pronoun", "anaphora", "dateline"),
    "stage_notes.status": ("failed", "warning"),
    "blocks.kind": ("title", "heading", "paragraph", "list_item", "lead_in", "caption", "dateline"),
    "monetary.role": ("investment", "contract_value", "output_value", "revenue", "sales", "trade_value",
                      "budget", "fund", "gdp", "income", "cost", "other"),
    "targets.measure": ("growth", "change", "level"),
    "targets.indicator": (
        "gdp", "gdp_per_capita", "primary_industry_value_added", "secondary_industry_value_added",
        "tertiary_industry_value_added", "industrial_value_added", "fiscal_revenue", "fixed_asset_investment",
        "disposable_income_per_capita", "urbanization_rate", "rd_intensity", "foreign_trade", "exports", "imports",
        "retail_sales", "investment", "output_value", "revenue", "employment", "unemployment_rate", "cpi",
        "energy_intensity", "carbon_intensity", "forest_coverage", "population", "other"),
    "macro_region_ids": (
        "macro:eastern-region", "macro:central-region", "macro:western-region", "macro:northeast",
        "macro:beijing-tianjin-hebei", "macro:yangtze-river-delta", "macro:pearl-river-delta",
        "macro:greater-bay-area", "macro:yangtze-river-economic-belt", "macro:yellow-river-basin",
        "macro:chengdu-chongqing", "macro:central-plains", "macro:middle-yangtze"),
}

def is_currency(unit: object) -> bool:
    """ISO 4217 codes are the only three-letter upper-case units."""
    return isinstance(unit, str) and len(unit) == 3 and unit.isalpha() and unit.isupper()


def empty(name: str):
    """An empty pandas frame with the columns of table `name`."""
    return ALL[name].empty_table().to_pandas()
