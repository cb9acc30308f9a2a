"""Review report: self-contained HTML pages over the output tables of a run.

`index.html` summarises the run (rows per table, articles with their status, the SPEC §6 scores
when gold is given); one page per article shows its cleaned text with regions and figures
highlighted (displaCy's manual entity rendering) and, on hover and in tables below it, what each
figure was linked to. Every piece of article text is HTML-escaped; nothing is loaded from outside.
"""
from __future__ import annotations

import hashlib
import html
import math
import os
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
from spacy import displacy

from . import evaluate, gazetteer, schema
from .tableio import is_missing, read_table

REPORT_DIRNAME = "report"
PERCENT_UNITS = ("percent", "percentage_point")

# Highlight kinds: background colour and the legend text.
KINDS = {
    "REGION": ("#a5d8ff", "region mention"),
    "MONEY": ("#b2f2bb", "amount of money"),
    "PERCENT": ("#ffd8a8", "percentage or percentage points"),
    "QUANTITY": ("#e9ecef", "other quantity (count, length, weight, …)"),
    "TARGET": ("#fcc2d7", "target clause whose figure is not highlighted"),
}

# displaCy's manual `ent` rendering with our own template: a hover title, a class, a short badge.
# Every field but `text` (escaped by displaCy) is escaped here before it is passed in.
MARK_TEMPLATE = ('<mark class="entity {cls}" data-kind="{label}" title="{title}" style="background: {bg}">'
                 '{text}<span class="badge">{badge}</span></mark>')

CSS = """
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 0; color: #212529;
       background: #f8f9fa; font-size: 15px; }
main { max-width: 1180px; margin: 0 auto; padding: 1.2em 1.5em 3em; background: #fff; min-height: 100vh; }
h1 { font-size: 1.45em; margin: 0.4em 0; } h2 { font-size: 1.15em; margin: 1.6em 0 0.5em; }
a { color: #1864ab; } nav { font-size: 0.9em; }
.meta { color: #495057; font-size: 0.9em; line-height: 1.6; }
.status { display: inline-block; padding: 0.05em 0.5em; border-radius: 0.8em; font-weight: bold; font-size: 0.85em; }
.status-ok { background: #d3f9d8; color: #2b8a3e; } .status-empty { background: #fff3bf; color: #8a6d00; }
.status-failed { background: #ffe3e3; color: #c92a2a; }
.error { background: #fff5f5; border-left: 4px solid #e03131; padding: 0.5em 0.8em; margin: 0.8em 0; }
.legend span { display: inline-block; padding: 0.1em 0.5em; margin: 0 0.4em 0.3em 0; border-radius: 0.3em;
               font-size: 0.85em; }
.legend .target-figure { outline: 2px solid #d6336c; }
.text { line-height: 2.3; font-size: 1.02em; border: 1px solid #dee2e6; border-radius: 6px; padding: 0.8em 1.2em;
        white-space: normal; }
mark.entity { padding: 0.2em 0.35em; margin: 0 0.1em; border-radius: 0.35em; line-height: 1; cursor: help;
              color: inherit; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
mark.entity .badge { font-size: 0.68em; font-weight: bold; margin-left: 0.4em; vertical-align: middle;
                     color: #343a40; white-space: nowrap; }
mark.target-figure { outline: 2px solid #d6336c; }
mark.unlinked .badge { color: #868e96; font-style: italic; }
table { border-collapse: collapse; width: 100%; font-size: 0.85em; margin: 0.3em 0 1em; }
th, td { border: 1px solid #dee2e6; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
table.compact { width: auto; min-width: 20em; }
th { background: #f1f3f5; } tr:nth-child(even) td { background: #fbfcfd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.miss { color: #c92a2a; } .note { color: #868e96; font-size: 0.85em; }
"""


# ---------------------------------------------------------------- helpers

def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute; missing values become ''."""
    return "" if is_missing(value) else html.escape(str(value), quote=True)


def page_name(article_id: object) -> str:
    """A safe, unique file name for an article's page."""
    raw = str(article_id)
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", raw)[:80].lstrip(".") or "article"
    if safe != raw:
        safe += "-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:8]
    return f"{safe}.html"


_LARGE = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def format_number(value: object) -> str:
    """7.5 → '7.5'; 1500 → '1,500'; 3.16e10 → '31.6 billion'."""
    if is_missing(value):
        return ""
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    for size, word in _LARGE:
        if abs(v) >= size:
            return f"{v / size:,.6g} {word}"
    return f"{int(v):,}" if v == int(v) else f"{v:,.6g}"


def format_period(start: object, end: object) -> str:
    """Whole years as `2016` or `2016–2020`; other periods as dates."""
    if is_missing(start) and is_missing(end):
        return ""
    s, e = ("" if is_missing(x) else str(x)[:10] for x in (start, end))
    if s.endswith("-01-01") and e.endswith("-12-31"):
        return s[:4] if s[:4] == e[:4] else f"{s[:4]}–{e[:4]}"
    return s if s == e else f"{s} – {e}"


def format_years(start: object, end: object) -> str:
    if is_missing(start) and is_missing(end):
        return ""
    s, e = ("" if is_missing(x) else str(int(x)) for x in (start, end))
    return s or e if not (s and e) else (s if s == e else f"{s}–{e}")


def figure_kind(unit: object) -> str:
    if schema.is_currency(unit):
        return "MONEY"
    return "PERCENT" if unit in PERCENT_UNITS else "QUANTITY"


def load_tables(out_dir: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """The output tables of a run; a table that is not there is empty."""
    tables = {}
    for name in schema.TABLES:
        path = Path(out_dir) / f"{name}.parquet"
        tables[name] = read_table(path) if path.exists() else schema.empty(name)
    return tables


def rows_by_article(df: pd.DataFrame) -> dict[str, list[dict]]:
    """The rows of a table as dicts (missing values None), grouped by article, in table order."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in df.to_dict("records"):
        grouped[str(row["article_id"])].append({k: (None if is_missing(v) else v) for k, v in row.items()})
    return grouped


class RegionNames:
    """Canonical names of region ids: those of the run's regions table, else the gazetteer's."""

    def __init__(self, regions: pd.DataFrame):
        self.names: dict[str, str] = {}
        if not regions.empty:
            for rid, name in zip(regions["region_id"], regions["name"]):
                if not is_missing(rid) and not is_missing(name):
                    self.names.setdefault(str(rid), str(name))

    def name(self, region_id: str) -> str | None:
        if region_id not in self.names:
            self.names[region_id] = gazetteer.load().name(region_id)
        return self.names[region_id]

    def label(self, region_id: object) -> str:
        """`Name (id)`, or the id alone when the name is unknown, or 'no region'."""
        if is_missing(region_id):
            return "no region"
        rid = str(region_id)
        return f"{self.name(rid)} ({rid})" if self.name(rid) else rid

    def short(self, region_id: object) -> str:
        """A name short enough for a badge (`Haixi` for `Haixi Mongol and Tibetan Autonomous Prefecture`)."""
        if is_missing(region_id):
            return "no region"
        name = self.name(str(region_id)) or str(region_id)
        return name.split(" ")[0] if len(name) > 18 else name


# ---------------------------------------------------------------- article page

def _figure_value(row: dict) -> str:
    text = format_number(row.get("value"))
    if not is_missing(row.get("value_high")):
        text += " to " + format_number(row["value_high"])
    return f"{text} {row.get('unit') or ''}".strip()


def _figure_title(row: dict, names: RegionNames) -> str:
    parts = [f"{_figure_value(row)} ({row.get('qualifier') or 'exact'})",
             f"region: {names.label(row.get('region_id'))}" + (f" [{row['evidence']}]" if row.get("evidence") else ""),
             f"period: {format_period(row.get('period_start'), row.get('period_end')) or 'unknown'}"
             + (f" [{row['period_evidence']}]" if row.get("period_evidence") else ""),
             f"kind: {row.get('kind') or 'unknown'}"]
    if row.get("role"):
        parts.append(f"role: {row['role']}")
    return "; ".join(parts)


def _target_title(row: dict, names: RegionNames) -> str:
    years = format_years(row.get("start_year"), row.get("end_year"))
    return (f"TARGET {row.get('indicator') or '?'} {row.get('measure') or ''} {_figure_value(row)}"
            f"{' ' + row['frequency'] if row.get('frequency') else ''}; region: {names.label(row.get('region_id'))}"
            f"; years: {years or 'unknown'}")


def _target_figure(target: dict, figures: list[dict]) -> int | None:
    """Index of the figure a target states: by quantity_id, else a figure with its value inside its clause."""
    qid = target.get("quantity_id")
    if qid is not None:
        for i, f in enumerate(figures):
            if f.get("quantity_id") is not None and int(f["quantity_id"]) == int(qid):
                return i
    for i, f in enumerate(figures):
        inside = None not in (f.get("start"), f.get("end"), target.get("start"), target.get("end")) and \
            target["start"] <= f["start"] and f["end"] <= target["end"]
        if inside and evaluate.values_close(f.get("value"), target.get("value")):  # SPEC §6 tolerance
            return i
    return None


def build_marks(text: str, regions: list[dict], figures: list[dict], targets: list[dict],
                names: RegionNames) -> tuple[list[dict], int]:
    """displaCy manual spans for one article, without overlaps, and how many mentions could not be shown."""
    by_span: dict[tuple[int, int], dict] = {}

    def mark(start, end, label, title, badge, cls=""):
        if start is None or end is None or not 0 <= int(start) < int(end) <= len(text):
            return
        key = (int(start), int(end))
        m = by_span.setdefault(key, {"start": key[0], "end": key[1], "label": label, "titles": [], "badges": [],
                                     "classes": set()})
        m["titles"].append(title)
        if badge not in m["badges"]:
            m["badges"].append(badge)
        m["classes"].update(c for c in cls.split() if c)

    for r in regions:
        mark(r.get("start"), r.get("end"), "REGION",
             f"{names.label(r.get('region_id'))}; level {r.get('level') or '?'}; admin {r.get('admin_id') or '-'};"
             f" province {r.get('province_id') or '-'}" + (f"; found by {r['source']}" if r.get("source") else ""),
             str(r.get("region_id") or "?"))
    stated: dict[int, list[dict]] = defaultdict(list)
    loose_targets = []
    for t in targets:
        i = _target_figure(t, figures)
        if i is None:
            loose_targets.append(t)
        else:
            stated[i].append(t)
    for i, f in enumerate(figures):
        kind = figure_kind(f.get("unit"))
        badge = f"{(f.get('role') + ' ') if f.get('role') else ''}→ {names.short(f.get('region_id'))}"
        cls = "unlinked" if f.get("region_id") is None else ""
        title = _figure_title(f, names)
        if stated.get(i):
            cls += " target-figure"
            badge += " · target " + "/".join(dict.fromkeys(str(t.get("indicator")) for t in stated[i]))
            title += " | " + " | ".join(_target_title(t, names) for t in stated[i])
        elif f.get("kind") == "target":
            badge += " · target"
        mark(f.get("start"), f.get("end"), kind, title, badge, cls)
    for t in loose_targets:
        mark(t.get("start"), t.get("end"), "TARGET", _target_title(t, names),
             f"target {t.get('indicator') or '?'} → {names.short(t.get('region_id'))}")

    shown, hidden, last_end = [], 0, -1
    for m in sorted(by_span.values(), key=lambda m: (m["start"], -(m["end"] - m["start"]))):
        if m["start"] < last_end:
            hidden += 1
            continue
        last_end = m["end"]
        shown.append({"start": m["start"], "end": m["end"], "label": m["label"], "params": {
            "title": esc("\n".join(m["titles"])), "badge": esc(", ".join(m["badges"])),
            "cls": " ".join(sorted(m["classes"] | {m["label"].lower()})), "bg": KINDS[m["label"]][0]}})
    return shown, hidden


def highlight(text: str, marks: list[dict]) -> str:
    """The text as HTML with the marks rendered by displaCy (manual `ent` style)."""
    return displacy.render({"text": text, "ents": marks, "title": None}, style="ent", manual=True, page=False,
                           jupyter=False, minify=True, options={"template": MARK_TEMPLATE})


def html_table(columns: list[str], rows: list[list[object]], numeric: set[int] = frozenset(),
               compact: bool = False) -> str:
    """A plain HTML table; every cell escaped unless it is already markup (a `Markup`)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = "".join(f"<td{' class=num' if i in numeric else ''}>{c if isinstance(c, Markup) else esc(c)}</td>"
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    css = ' class="compact"' if compact else ""
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class Markup(str):
    """A string that is already safe HTML (built from escaped parts)."""


def _status(status: object) -> Markup:
    s = str(status or "unknown")
    cls = f"status-{s}" if s in schema.VOCABULARIES["articles.status"] else "status-failed"
    return Markup(f'<span class="status {cls}">{esc(s)}</span>')


def _link(url: object) -> Markup:
    """Links only to http(s) URLs, so a `javascript:` URL in the data never becomes clickable."""
    if is_missing(url):
        return Markup("")
    if re.match(r"https?://", str(url), re.IGNORECASE):
        return Markup(f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(url)}</a>')
    return Markup(esc(url))


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body><main>\n{body}\n</main></body></html>\n")


def _legend() -> str:
    items = "".join(f'<span style="background: {bg}">{esc(kind.lower())}: {esc(what)}</span>'
                    for kind, (bg, what) in KINDS.items())
    return (f'<p class="legend">{items}<span class="target-figure">outlined: the figure states a target</span>'
            f"<br><span class=note>Badges show the region id of a mention, and the role and linked region of a "
            f"figure; hover for level, period, kind and evidence.</span></p>")


def _misses(report: dict) -> str:
    items = [(k.replace("_", " "), v) for k, v in report.items() if v]
    if not items:
        return "<p>Matches the gold annotation: nothing missed, nothing spurious.</p>"
    lis = "".join(f"<li><b>{esc(k)}</b>: {esc('; '.join(map(str, v)) if isinstance(v, list) else v)}</li>"
                  for k, v in items)
    return f'<ul class="miss">{lis}</ul>'


def article_page(article: dict, rows: dict[str, list[dict]], names: RegionNames,
                 gold_report: dict | None = None) -> str:
    """The review page of one article, from its rows of each table (`rows[table]`)."""
    aid = str(article["article_id"])
    regions, targets = rows["regions"], rows["targets"]
    figures = _figures(rows["quantities"], rows["monetary"])
    text = article.get("clean_text") or ""
    title = article.get("title") or aid

    parts = ['<nav><a href="../index.html">← all articles</a></nav>', f"<h1>{esc(title)}</h1>",
             f'<p class="meta">{_status(article.get("status"))} &nbsp; <b>{esc(aid)}</b>'
             f" · published {esc(article.get('published') or 'unknown')}"
             f" · publisher {esc(article.get('publisher') or 'unknown')}"
             f"<br>source {esc(article.get('source_path'))} {_link(article.get('url'))}</p>"]
    if article.get("error"):
        parts.append(f'<div class="error"><b>Error:</b> {esc(article["error"])}</div>')
    if gold_report is not None:
        parts += ["<h2>Against gold</h2>", _misses(gold_report)]
    if text:
        marks, hidden = build_marks(text, regions, figures, targets, names)
        parts += ["<h2>Cleaned text</h2>", _legend(), f'<div class="text">{highlight(text, marks)}</div>']
        if hidden:
            parts.append(f'<p class="note">{hidden} mention(s) overlap another highlight and are listed only in '
                         f"the tables below.</p>")
    else:
        parts.append("<p>No cleaned text.</p>")

    parts += [f"<h2>Regions ({len(regions)})</h2>", html_table(
        ["text", "region_id", "name", "level", "admin_id", "province_id", "source", "offsets"],
        [[r.get("text"), r.get("region_id"), r.get("name"), r.get("level"), r.get("admin_id"), r.get("province_id"),
          r.get("source"), f"{r.get('start')}–{r.get('end')}"] for r in regions])]
    parts += [f"<h2>Figures ({len(figures)})</h2>", html_table(
        ["text", "value", "qualifier", "role", "region", "evidence", "period", "period evidence", "kind"],
        [[f.get("text"), _figure_value(f), f.get("qualifier"), f.get("role"), names.label(f.get("region_id")),
          f.get("evidence"), format_period(f.get("period_start"), f.get("period_end")), f.get("period_evidence"),
          f.get("kind")] for f in figures])]
    parts += [f"<h2>Targets ({len(targets)})</h2>", html_table(
        ["text", "indicator", "measure", "value", "qualifier", "frequency", "region", "years", "evidence"],
        [[t.get("text"), t.get("indicator"), t.get("measure"), _figure_value(t), t.get("qualifier"),
          t.get("frequency"), names.label(t.get("region_id")), format_years(t.get("start_year"), t.get("end_year")),
          t.get("evidence")] for t in targets])]
    return _page(f"{title} — review", "\n".join(parts))


def _figures(quantities: list[dict], monetary: list[dict]) -> list[dict]:
    """An article's quantities, plus any monetary row not among them, in text order."""
    figures = list(quantities)
    seen = {(f.get("start"), f.get("end"), f.get("unit"), f.get("region_id")) for f in figures}
    figures += [m for m in monetary
                if (m.get("start"), m.get("end"), m.get("unit"), m.get("region_id")) not in seen]
    return sorted(figures, key=lambda f: (f.get("start") is None, f.get("start") or 0, f.get("end") or 0))


# ---------------------------------------------------------------- index

def _count_by_article(df: pd.DataFrame, mask=None) -> dict[str, int]:
    if df.empty:
        return {}
    if mask is not None:
        df = df[mask]
    return df["article_id"].astype(str).value_counts().to_dict()


def _scores_table(result: dict) -> str:
    rows = [[key, result[key]["p"], result[key]["r"], result[key]["f1"], result[key]["linked_f1"],
             result[key]["tp"], result[key]["pred"], result[key]["gold"]] for key in evaluate.SCORED]
    accuracies = [[key.replace("_", " "), result.get(key)] for key in
                  ("published_acc", "target_indicator_acc", "target_year_acc", "money_role_acc")]
    return (html_table(["score", "precision", "recall", "F1", "linked F1", "matched", "predicted", "gold"], rows,
                       numeric=set(range(1, 8)), compact=True)
            + html_table(["accuracy", "value"], accuracies, numeric={1}, compact=True)
            + f'<p class="note">SPEC §6 scores over the {result["articles"]} articles of the gold file.</p>')


def index_page(tables: dict[str, pd.DataFrame], pages: dict[str, str], out_dir: Path,
               scores: dict | None = None) -> str:
    """The summary page of a run."""
    articles = tables["articles"]
    quantities = tables["quantities"]
    statuses = articles["status"].value_counts().to_dict() if not articles.empty else {}
    counts = {
        "regions": _count_by_article(tables["regions"]),
        "money": _count_by_article(tables["monetary"]),
        "percentages": _count_by_article(quantities, quantities["unit"].isin(PERCENT_UNITS)
                                         if not quantities.empty else None),
        "targets": _count_by_article(tables["targets"]),
    }
    per_article = (scores or {}).get("per_article", {})

    parts = ["<h1>Review of a pipeline run</h1>",
             f'<p class="meta">Tables read from <b>{esc(out_dir)}</b>. '
             + ", ".join(f"{esc(n)} {esc(k)}" for k, n in statuses.items()) + "</p>",
             "<h2>Rows per table</h2>",
             html_table(["table", "rows"], [[name, len(df)] for name, df in tables.items()], numeric={1},
                        compact=True)]
    if scores is not None:
        parts += ["<h2>Accuracy against gold</h2>", _scores_table(scores)]
    columns = ["article", "title", "status", "error", "published", "publisher",
               "regions", "money", "percentages", "targets"] + (["gold misses"] if scores is not None else [])
    rows = []
    for art in articles.to_dict("records"):
        aid = str(art["article_id"])
        row = [Markup(f'<a href="articles/{esc(pages[aid])}">{esc(aid)}</a>'), art.get("title"),
               _status(art.get("status")), art.get("error"), art.get("published"), art.get("publisher")]
        row += [counts[key].get(aid, 0) for key in counts]
        if scores is not None:
            report = per_article.get(aid)
            row.append("not in gold" if report is None else
                       sum(len(v) if isinstance(v, list) else 1 for v in report.values() if v))
        rows.append(row)
    parts += [f"<h2>Articles ({len(articles)})</h2>", html_table(columns, rows, numeric=set(range(6, 11)))]
    return _page("Pipeline run review", "\n".join(parts))


def build(out_dir: str | os.PathLike, gold: str | os.PathLike | None = None,
          report_dir: str | os.PathLike | None = None) -> Path:
    """Write the report of the run in `out_dir` (to OUT_DIR/report/ by default); return the index path."""
    out_dir = Path(out_dir)
    report_dir = Path(report_dir) if report_dir else out_dir / REPORT_DIRNAME
    tables = load_tables(out_dir)
    scores = evaluate.score(gold, out_dir) if gold else None
    names = RegionNames(tables["regions"])
    grouped = {name: rows_by_article(df) for name, df in tables.items() if name != "articles"}
    (report_dir / "articles").mkdir(parents=True, exist_ok=True)
    pages: dict[str, str] = {}
    for aid, (art,) in rows_by_article(tables["articles"].drop_duplicates("article_id")).items():
        pages[aid] = page_name(aid)
        rows = {name: by_article.get(aid, []) for name, by_article in grouped.items()}
        gold_report = scores["per_article"].get(aid) if scores else None
        (report_dir / "articles" / pages[aid]).write_text(article_page(art, rows, names, gold_report),
                                                          encoding="utf-8")
    index = report_dir / "index.html"
    index.write_text(index_page(tables, pages, out_dir, scores), encoding="utf-8")
    return index
