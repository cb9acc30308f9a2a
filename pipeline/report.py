"""Review report: one self-contained folder of HTML pages over the output tables of a run.

`index.html` summarises the whole run (articles by status, money in yuan by region and role, targets
by indicator and region, each with an inline SVG chart; with gold, the SPEC §6 scores and which corpus
they are on) and lists the articles, to filter by status, region and indicator, sort, and export as CSV
(its one inline script). One page per article shows its cleaned text with regions and figures
highlighted (displaCy's manual entity rendering) and, on hover and in tables below it, what each figure
was linked to; with gold, what disagrees with it is marked in place. Every piece of article text is
HTML-escaped; nothing is loaded from outside (each page's Content-Security-Policy says so too).
"""
from __future__ import annotations

import base64
import hashlib
import html
import math
import os
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from spacy import displacy

from . import charts, evaluate, gazetteer, schema
from .tables import counted_once
from .tableio import atomic_write_text, is_missing, read_table

REPORT_DIRNAME = "report"
PERCENT_UNITS = ("percent", "percentage_point")

# Highlight kinds: background colour and the legend text.
KINDS = {
    "REGION": ("#a5d8ff", "region mention"),
    "MONEY": ("#b2f2bb", "amount of money"),
    "PERCENT": ("#ffd8a8", "percentage or percentage points"),
    "QUANTITY": ("#e9ecef", "other quantity (count, length, weight, …)"),
    "TARGET": ("#fcc2d7", "target clause whose figure is not highlighted"),
    "MISSED": ("#ffe3e3", "a gold figure the run did not find (with --gold)"),
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
mark.gold-missed { border: 2px dashed #c92a2a; } mark.gold-spurious { text-decoration: line-through 2px #c92a2a; }
mark.gold-wrong { border-bottom: 4px solid #f76707; } mark.gold-spurious .badge, mark.gold-missed .badge { color: #c92a2a; }
mark.gold-wrong .badge { color: #d9480f; }
.legend .gold-missed { border: 2px dashed #c92a2a; } .legend .gold-spurious { text-decoration: line-through 2px #c92a2a; }
.legend .gold-wrong { border-bottom: 4px solid #f76707; }
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
    for name in schema.EXPLAIN_TABLES:  # `run --explain`: why each figure has its region
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
                names: RegionNames, errors: list[dict] | None = None) -> tuple[list[dict], int]:
    """displaCy manual spans for one article, without overlaps, and how many mentions could not be shown.

    `errors` (evaluate.errors rows of this article) mark what disagrees with gold in place: a spurious
    mention or figure, a figure linked wrongly (region, role, indicator, year, kind), and a gold figure the
    run missed, found by its text.
    """
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
    figure_of_target = {}
    for i, stating in stated.items():
        for t in stating:
            if None not in (t.get("start"), t.get("end"), figures[i].get("start"), figures[i].get("end")):
                figure_of_target[(int(t["start"]), int(t["end"]))] = (int(figures[i]["start"]), int(figures[i]["end"]))
    for err in errors or []:
        _mark_error(err, text, by_span, figure_of_target, mark, names)

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


# How each gold disagreement is shown: CSS class, legend text.
ERROR_MARKS = {
    "missed": ("gold-missed", "in gold, missed by the run"),
    "spurious": ("gold-spurious", "found by the run, not in gold"),
    "wrong": ("gold-wrong", "found, but linked differently from gold (region, role, indicator, year or kind)"),
}
FIGURE_TABLES = ("monetary", "percentages", "targets")


def _error_text(err: dict, names: RegionNames) -> str:
    what = {"percentages": "percentage", "monetary": "money", "targets": "target", "regions": "region"}.get(
        err.get("table"), str(err.get("table")))
    gold = err.get("gold_label") if err["error"] != "wrong_region" else names.label(err.get("gold_region"))
    if err["error"] == "missed" and err.get("table") == "regions":
        return f"GOLD: missed region {names.label(err.get('gold_value'))}"
    if err["error"] == "missed":
        region = f", region {names.label(err.get('gold_region'))}" if err.get("gold_region") else ""
        return f"GOLD: missed {what} {err.get('gold_text') or ''} ({format_number(err.get('gold_value'))}{region})"
    if err["error"] == "spurious":
        return f"GOLD: spurious {what} (not in gold)"
    return f"GOLD: {err['error'].replace('_', ' ')} of {what}: gold {gold or 'none'}, run {err.get('pred_label') or '-'}"


def _error_badge(err: dict, names: RegionNames) -> str:
    if err["error"] in ("missed", "spurious"):
        return err["error"]
    if err["error"] == "wrong_region":
        return f"gold → {names.short(err.get('gold_region'))}"
    return f"gold {err['error'][6:]}: {err.get('gold_label') or 'none'}"


def _mark_error(err: dict, text: str, by_span: dict, figure_of_target: dict, mark, names: RegionNames) -> None:
    """Put one gold disagreement on the mark it concerns, or (a missed figure) on its own mark."""
    if err.get("table") not in FIGURE_TABLES + ("regions",):
        return
    kind = "missed" if err["error"] == "missed" else "spurious" if err["error"] == "spurious" else "wrong"
    cls, title, badge = ERROR_MARKS[kind][0], _error_text(err, names), _error_badge(err, names)
    if kind != "missed":
        if is_missing(err.get("pred_start")) or is_missing(err.get("pred_end")):
            return
        span = (int(err["pred_start"]), int(err["pred_end"]))
        if err["table"] == "targets":
            span = figure_of_target.get(span, span)
        if span in by_span:
            mark(*span, by_span[span]["label"], title, badge, cls)
        return
    needle = err.get("gold_text")
    if not needle or needle not in text:
        return
    start = text.find(needle)
    while start >= 0 and (start, start + len(needle)) in by_span and \
            cls in by_span[(start, start + len(needle))]["classes"]:
        start = text.find(needle, start + 1)  # the same text missed twice: the next occurrence
    if start < 0:
        return
    end = start + len(needle)
    overlapping = [key for key in by_span if key[0] < end and start < key[1]]
    for key in overlapping or [(start, end)]:
        mark(*key, by_span[key]["label"] if key in by_span else "MISSED", title, badge, cls)


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


def _page(title: str, body: str, script: str | None = None, extra_css: str = "") -> str:
    """A whole page. Its Content-Security-Policy allows nothing from outside and no script but its own."""
    script_src = f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'" if script else "'none'"
    csp = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {script_src}; form-action 'none'"
    tail = f"<script>{script}</script>" if script else ""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}{extra_css}</style></head>\n<body><main>\n{body}\n</main>"
            f"{tail}</body></html>\n")


def _legend(gold: bool = False) -> str:
    items = "".join(f'<span style="background: {bg}">{esc(kind.lower())}: {esc(what)}</span>'
                    for kind, (bg, what) in KINDS.items() if gold or kind != "MISSED")
    items += '<span class="target-figure">outlined: the figure states a target</span>'
    if gold:
        items += "".join(f'<span class="{cls}">{esc(what)}</span>' for cls, what in ERROR_MARKS.values())
    return (f'<p class="legend">{items}'
            f"<br><span class=note>Badges show the region id of a mention, and the role and linked region of a "
            f"figure; hover for level, period, kind and evidence"
            f"{' and for what gold says' if gold else ''}.</span></p>")


def _misses(report: dict, errors: list[dict] | None = None) -> str:
    items = [(k.replace("_", " "), v) for k, v in report.items() if v]
    wrong: dict[str, int] = defaultdict(int)
    for err in errors or []:
        if err["error"].startswith("wrong_") and err.get("table") in FIGURE_TABLES:
            wrong[f"{err['table']}: {err['error'].replace('_', ' ')}"] += 1
    items += [(k, f"{n} (marked in the text)") for k, n in sorted(wrong.items())]
    if not items:
        return "<p>Matches the gold annotation: nothing missed, nothing spurious, every link as in gold.</p>"
    lis = "".join(f"<li><b>{esc(k)}</b>: {esc('; '.join(map(str, v)) if isinstance(v, list) else v)}</li>"
                  for k, v in items)
    return f'<ul class="miss">{lis}</ul>'


def article_page(article: dict, rows: dict[str, list[dict]], names: RegionNames,
                 gold_report: dict | None = None, errors: list[dict] | None = None) -> str:
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
        parts += ["<h2>Against gold</h2>", _misses(gold_report, errors)]
    if text:
        marks, hidden = build_marks(text, regions, figures, targets, names, errors)
        parts += ["<h2>Cleaned text</h2>", _legend(gold_report is not None),
                  f'<div class="text">{highlight(text, marks)}</div>']
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
    if rows.get("link_candidates"):
        parts += why_this_region(figures, rows["link_candidates"], names)
    parts += [f"<h2>Targets ({len(targets)})</h2>", html_table(
        ["text", "indicator", "measure", "value", "qualifier", "frequency", "region", "years", "evidence"],
        [[t.get("text"), t.get("indicator"), t.get("measure"), _figure_value(t), t.get("qualifier"),
          t.get("frequency"), names.label(t.get("region_id")), format_years(t.get("start_year"), t.get("end_year")),
          t.get("evidence")] for t in targets])]
    return _page(f"{title} — review", "\n".join(parts))


# `link_candidates.reason` in words, for the "why this region" table.
WHY_NOT = {
    "later_finder": "proposed by {finder}, but {chosen} comes first in the decider's order",
    "tie_break": "proposed by {finder} too, but ranked below the chosen region (tie-break)",
    "converted_amount": "the amount this figure converts",
}
WHY_NOT_PREFIXED = {
    "excluded:": "{finder} is ruled out here: {rest}",
    "mention:": "the mention cannot own a figure: it is a {rest}",
}


def _why_not(c: dict, chosen_finder: str | None) -> str:
    reason = c.get("reason") or ""
    finder = c.get("finder") or "no finder"
    if reason in WHY_NOT:
        return WHY_NOT[reason].format(finder=finder, chosen=chosen_finder or "another finder")
    for prefix, words in WHY_NOT_PREFIXED.items():
        if reason.startswith(prefix):
            return words.format(finder=finder, rest=reason[len(prefix):].replace("_", " "))
    return reason.replace("_", " ") or "not chosen"


def _mention(c: dict) -> str:
    text = c.get("text")
    return f"“{text}”" + (f" ({c['via']})" if c.get("via") and c.get("via") != "mention" else "") if text else ""


def why_this_region(figures: list[dict], candidates: list[dict], names: RegionNames) -> list[str]:
    """The "why this region and not that one" section of an article page, from `link_candidates`
    (run --explain): per figure, the region chosen, by which finder through which mention, and each
    other region considered with the reason it lost. Every piece of text is escaped."""
    by_figure: dict[int, list[dict]] = defaultdict(list)
    for c in candidates:
        if c.get("quantity_id") is not None:
            by_figure[int(c["quantity_id"])].append(c)
    table_rows, seen = [], set()
    for f in figures:
        qid = f.get("quantity_id")
        if qid is None or int(qid) in seen or int(qid) not in by_figure:
            continue
        seen.add(int(qid))
        cands = sorted(by_figure[int(qid)], key=lambda c: (c.get("finder_order") is None, c.get("finder_order") or 0,
                                                           c.get("rank") or 0))
        chosen = [c for c in cands if c.get("chosen")]
        if chosen:
            total = next((c["reason"][len("total:"):] for c in chosen if (c.get("reason") or "").startswith("total:")),
                         None)
            linked = ", ".join(dict.fromkeys(names.label(c.get("region_id")) for c in chosen))
            if total:
                linked = f"{names.label(total)}, the total of {linked}"
            elif any(c.get("reason") == "total_without_macro_region" for c in chosen):
                linked = f"no region: a total of {linked}, which make up no macro region"
            how = f"{chosen[0].get('finder')}: " + ", ".join(dict.fromkeys(_mention(c) for c in chosen if _mention(c)))
        else:
            linked, how = "no region", "no finder tied the figure to a region its text names"
        chosen_ids = {c.get("region_id") for c in chosen}
        others: dict[str, str] = {}
        for c in cands:
            rid = c.get("region_id")
            if c.get("chosen") or rid is None or rid in chosen_ids or rid in others:
                continue
            others[rid] = f"{names.label(rid)} {_mention(c)}: {_why_not(c, chosen[0].get('finder') if chosen else None)}"
        why_not = Markup("<br>".join(esc(v) for v in others.values())) if others else "no other region considered"
        table_rows.append([f.get("text"), linked, how, why_not])
    if not table_rows:
        return []
    return [f"<h2>Why this region ({len(table_rows)})</h2>",
            '<p class="note">From link_candidates (run --explain): the finders of rules/link/decider.yaml propose '
            "regions, the first in its order that proposes one decides.</p>",
            html_table(["figure", "linked to", "by", "other regions considered, and why not"], table_rows)]


def _figures(quantities: list[dict], monetary: list[dict]) -> list[dict]:
    """An article's quantities, plus any monetary row not among them, in text order."""
    figures = list(quantities)
    seen = {(f.get("start"), f.get("end"), f.get("unit"), f.get("region_id")) for f in figures}
    figures += [m for m in monetary
                if (m.get("start"), m.get("end"), m.get("unit"), m.get("region_id")) not in seen]
    return sorted(figures, key=lambda f: (f.get("start") is None, f.get("start") or 0, f.get("end") or 0))


# ---------------------------------------------------------------- index

# Article corpora the pipeline was built and tuned on: scores on them overstate accuracy on new articles.
REPO_ROOT = Path(__file__).resolve().parent.parent
DEVELOPMENT_CORPORA = {"seeds/": REPO_ROOT / "seeds", "tests/dev/": REPO_ROOT / "tests" / "dev" / "articles"}

SUMMARY_REGIONS = 15     # bars in the money chart; the rest are summed as `other regions`
GRID_REGIONS = 14        # region columns of the targets chart; the rest are summed as `other regions`


def development_hashes() -> dict[str, str]:
    """SHA-256 of each development article's raw bytes -> the corpus it belongs to."""
    hashes = {}
    for corpus, folder in DEVELOPMENT_CORPORA.items():
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            if path.is_file():
                hashes[hashlib.sha256(path.read_bytes()).hexdigest()] = corpus
    return hashes


def corpus_note(gold: str | os.PathLike, scores: dict, articles: pd.DataFrame) -> Markup:
    """Which articles the scores are on, and whether they were used to develop the pipeline."""
    gold_ids = list(scores.get("per_article", {}))
    sha = {}
    if not articles.empty and "sha256" in articles.columns:
        ok = articles.drop_duplicates("article_id")
        sha = dict(zip(ok["article_id"].astype(str), ok["sha256"]))
    dev = development_hashes()
    by_corpus: dict[str, int] = defaultdict(int)
    for aid in gold_ids:
        corpus = dev.get(sha.get(aid) or "")
        if corpus:
            by_corpus[corpus] += 1
    n, n_dev = len(gold_ids), sum(by_corpus.values())
    corpora = ", ".join(f"{k} from {esc(c)}" for c, k in sorted(by_corpus.items()))
    names = " and ".join(esc(c) for c in DEVELOPMENT_CORPORA)
    head = f"Scores on the {n} articles of the gold file <b>{esc(Path(gold).name)}</b> (<code>{esc(gold)}</code>). "
    if n and n_dev == n:
        cls, verdict = "development", (
            f"All {n} are development articles ({corpora}): the pipeline was built and tuned on them, so these "
            f"scores overstate its accuracy on articles it has not seen.")
    elif n_dev:
        cls, verdict = "mixed", (
            f"{n_dev} of them are development articles ({corpora}), used to build and tune the pipeline; the "
            f"other {n - n_dev} are not. Scores on the development part overstate accuracy on new articles.")
    else:
        cls, verdict = "heldout", (
            f"None of them is a development article (the development corpora are {names}, matched by the "
            f"SHA-256 of the article's bytes): a measure on articles the pipeline was not tuned on.")
    return Markup(f'<p class="corpus corpus-{cls}" id="gold-corpus" data-corpus="{cls}" data-articles="{n}" '
                  f'data-development="{n_dev}">{head}{verdict}</p>')


def _count_by_article(df: pd.DataFrame) -> dict[str, int]:
    return {} if df.empty else df["article_id"].astype(str).value_counts().to_dict()


def _scores_table(result: dict) -> str:
    rows = [[key, result[key]["p"], result[key]["r"], result[key]["f1"], result[key]["linked_f1"],
             result[key]["tp"], result[key]["pred"], result[key]["gold"]] for key in evaluate.SCORED]
    accuracies = [[key.replace("_", " "), result.get(key)] for key in
                  ("published_acc", "target_indicator_acc", "target_year_acc", "money_role_acc")]
    return (html_table(["score", "precision", "recall", "F1", "linked F1", "matched", "predicted", "gold"], rows,
                       numeric=set(range(1, 8)), compact=True)
            + html_table(["accuracy", "value"], accuracies, numeric={1}, compact=True)
            + f'<p class="note">SPEC §6 scores over the {result["articles"]} articles of the gold file.</p>')


def _own_rows(articles: pd.DataFrame) -> list[bool]:
    """Whether each articles row owns the rows of the other tables under its id: the first row of an id
    that is `ok`. A failure row (a duplicate id, say) owns nothing, so it shows its own counts: zero."""
    seen: set[str] = set()
    owns = []
    for aid, status in zip(articles["article_id"].astype(str), articles["status"]):
        owns.append(aid not in seen and status == "ok")
        seen.add(aid)
    return owns


def page_names(articles: pd.DataFrame) -> list[str]:
    """A page per articles row: the first row of an id gets `page_name(id)`, later rows of that id their own."""
    counts: dict[str, int] = defaultdict(int)
    names = []
    for aid in articles["article_id"].astype(str):
        counts[aid] += 1
        names.append(page_name(aid) if counts[aid] == 1 else page_name(f"{aid}#{counts[aid]}"))
    return names


def money_once(monetary: pd.DataFrame) -> pd.DataFrame:
    """Money rows counted once (`counted_once`), with `amount_cny` (null for runs written before it)."""
    if monetary.empty:
        return monetary.assign(amount_cny=pd.Series(dtype="float64"))
    once = monetary[counted_once(monetary)]
    if "amount_cny" not in once.columns:
        once = once.assign(amount_cny=once["amount"].where(once["currency"] == "CNY"))
    return once


def _yuan(value: float) -> str:
    return f"{format_number(value)} yuan"


def _status_summary(articles: pd.DataFrame) -> str:
    statuses = list(schema.VOCABULARIES["articles.status"])
    counts = articles["status"].fillna("unknown").astype(str).value_counts().to_dict() if not articles.empty else {}
    order = statuses + sorted(set(counts) - set(statuses))
    rows = [[_status(s), counts.get(s, 0)] for s in order]
    colours = {"ok": "#40c057", "empty": "#fab005", "failed": "#fa5252"}
    bars = [(s, [(s, float(counts.get(s, 0)))]) for s in order]
    chart = charts.bar_chart(bars, order, "Articles by status", colours={s: colours.get(s, "#868e96") for s in order},
                             legend=False)
    return (f'<section id="summary-status"><h3>Articles by status</h3><div class="summary-row">'
            f"{html_table(['status', 'articles'], rows, numeric={1}, compact=True)}{chart}</div></section>")


def _money_summary(monetary: pd.DataFrame, names: RegionNames) -> str:
    once = money_once(monetary)
    roles = list(schema.VOCABULARIES["monetary.role"])
    if once.empty:
        body = "<p>No amounts of money in this run.</p>"
        return f'<section id="summary-money"><h3>Money in yuan by region and role</h3>{body}</section>'
    unconverted = int(once["amount_cny"].isna().sum())
    known = once[once["amount_cny"].notna()].assign(
        region=lambda d: d["region_id"].map(names.label), role=lambda d: d["role"].fillna("other"))
    pivot = known.pivot_table(index="region", columns="role", values="amount_cny", aggfunc="sum", fill_value=0)
    present = [r for r in roles if r in pivot.columns] + sorted(set(pivot.columns) - set(roles))
    pivot = pivot.reindex(columns=present, fill_value=0)
    pivot["total"] = pivot.sum(axis=1)
    pivot = pivot.sort_values("total", ascending=False)
    bars = [(region, [(role, float(row[role])) for role in present]) for region, row in
            pivot.head(SUMMARY_REGIONS).iterrows()]
    if len(pivot) > SUMMARY_REGIONS:
        rest = pivot.iloc[SUMMARY_REGIONS:]
        bars.append((f"{len(rest)} other regions", [(role, float(rest[role].sum())) for role in present]))
    chart = charts.bar_chart(bars, present, "Money reported, in yuan, by region and role", value_text=_yuan)
    rows = [[region] + [format_number(row[c]) if row[c] else "" for c in present + ["total"]]
            for region, row in pivot.iterrows()]
    rows.append([Markup("<b>all regions</b>")] + [format_number(pivot[c].sum()) for c in present + ["total"]])
    note = ("Each amount once: bracketed conversions (<code>is_conversion</code>), headline repeats "
            "(<code>in_title</code>) and the parts of a stated total (<code>part_of</code>) are left out; other "
            "currencies are converted at the yearly average exchange rate of the figure's period "
            "(<code>amount_cny</code>). A figure for each of several regions counts for each.")
    if unconverted:
        note += f" {unconverted} amount(s) in another currency with no known year have no yuan value and are left out."
    return (f'<section id="summary-money"><h3>Money in yuan by region and role</h3><p class="note">{note}</p>'
            f'{chart}<details><summary>All {len(pivot)} regions, by role</summary><div class="scroll">'
            f"{html_table(['region'] + present + ['total'], rows, numeric=set(range(1, len(present) + 2)))}"
            f"</div></details></section>")


def _targets_summary(targets: pd.DataFrame, names: RegionNames) -> str:
    if targets.empty:
        return ('<section id="summary-targets"><h3>Targets by indicator and region</h3>'
                "<p>No targets in this run.</p></section>")
    frame = targets.assign(region=targets["region_id"].map(names.label), indicator=targets["indicator"].fillna("?"))
    counts = frame.groupby(["indicator", "region"]).size()
    by_indicator = frame["indicator"].value_counts()
    by_region = frame["region"].value_counts()
    regions = list(by_region.index[:GRID_REGIONS])
    grid: dict[tuple[str, str], int] = defaultdict(int)
    for (indicator, region), n in counts.items():
        grid[(indicator, region if region in regions else "other regions")] += int(n)
    columns = regions + (["other regions"] if len(by_region) > GRID_REGIONS else [])
    chart = charts.grid_chart(list(by_indicator.index), columns, dict(grid), "Targets by indicator and region")
    rows = [[indicator, region, int(n)] for (indicator, region), n in
            sorted(counts.items(), key=lambda kv: (-by_indicator[kv[0][0]], kv[0][0], -kv[1], kv[0][1]))]
    return (f'<section id="summary-targets"><h3>Targets by indicator and region</h3>{chart}'
            f'<details><summary>All {len(rows)} indicator–region pairs</summary>'
            f"{html_table(['indicator', 'region', 'targets'], rows, numeric={2}, compact=True)}</details></section>")


class Cell:
    """An index cell: what is shown, and the plain value it sorts and exports by."""

    def __init__(self, value: object, shown: object = None, numeric: bool = False):
        self.value = "" if is_missing(value) else value
        self.shown = self.value if shown is None else shown
        self.numeric = numeric


def _article_cells(tables: dict[str, pd.DataFrame], names: RegionNames, scores: dict | None,
                   pages: list[str]) -> tuple[list[str], list[tuple[dict, list[Cell]]]]:
    """Columns and rows of the article table; each row with its filter attributes."""
    articles, quantities, targets = tables["articles"], tables["quantities"], tables["targets"]
    percent = quantities[quantities["unit"].isin(PERCENT_UNITS)] if not quantities.empty else quantities
    counts = {"regions": _count_by_article(tables["regions"]), "money": _count_by_article(tables["monetary"]),
              "percentages": _count_by_article(percent), "targets": _count_by_article(targets)}
    once = money_once(tables["monetary"])
    yuan = {} if once.empty else (once.drop_duplicates(["article_id", "quantity_id"])
                                  .groupby(once["article_id"].astype(str))["amount_cny"].sum(min_count=1).to_dict())
    region_sets: dict[str, set[str]] = defaultdict(set)
    for name in ("regions", "quantities", "targets"):
        df = tables[name]
        if not df.empty:
            for aid, rid in zip(df["article_id"].astype(str), df["region_id"]):
                if not is_missing(rid):
                    region_sets[aid].update(_region_and_province(str(rid)))
    indicator_sets: dict[str, set[str]] = defaultdict(set)
    if not targets.empty:
        for aid, indicator in zip(targets["article_id"].astype(str), targets["indicator"]):
            if not is_missing(indicator):
                indicator_sets[aid].add(str(indicator))
    per_article = (scores or {}).get("per_article", {})
    columns = ["article", "title", "status", "error", "published", "publisher", "regions", "money",
               "money (yuan)", "percentages", "targets", "region ids", "indicators"]
    if scores is not None:
        columns.append("gold misses")
    rows = []
    owners = _own_rows(articles)
    for art, owns, page in zip(articles.to_dict("records"), owners, pages):
        aid = str(art["article_id"])
        regions = sorted(region_sets.get(aid, ())) if owns else []
        indicators = sorted(indicator_sets.get(aid, ())) if owns else []
        status = "unknown" if is_missing(art.get("status")) else str(art["status"])
        cells = [Cell(aid, Markup(f'<a href="articles/{esc(page)}">{esc(aid)}</a>')), Cell(art.get("title")),
                 Cell(status, _status(status)), Cell(art.get("error")), Cell(art.get("published")),
                 Cell(art.get("publisher"))]
        cells += [Cell(counts[key].get(aid, 0) if owns else 0, numeric=True) for key in ("regions", "money")]
        amount = yuan.get(aid) if owns else None
        cells.append(Cell(round(float(amount)) if amount is not None and not is_missing(amount) else 0,
                          format_number(amount) if amount else "0", numeric=True))
        cells += [Cell(counts[key].get(aid, 0) if owns else 0, numeric=True) for key in ("percentages", "targets")]
        cells += [Cell(" ".join(regions), Markup(f'<span class="ids">{esc(" ".join(regions))}</span>')),
                  Cell(" ".join(indicators), Markup(f'<span class="ids">{esc(" ".join(indicators))}</span>'))]
        if scores is not None:  # gold is by id: it belongs to the first row of an id, not to a duplicate
            report_ = per_article.get(aid) if page == page_name(aid) else None
            misses = None if report_ is None else sum(len(v) if isinstance(v, list) else 1 for v in report_.values() if v)
            cells.append(Cell(misses, "not in gold" if report_ is None else None, numeric=True))
        rows.append(({"status": status, "regions": " ".join(regions), "indicators": " ".join(indicators)}, cells))
    return columns, rows


def _region_and_province(region_id: str) -> list[str]:
    """A region id and the province it lies in, so filtering by a province finds its cities and counties."""
    ids = [region_id]
    if len(region_id) == 6 and region_id.isdigit() and not region_id.endswith("0000"):
        ids.append(region_id[:2] + "0000")
    return ids


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_field(value: object) -> str:
    """One CSV field (RFC 4180 quoting); text that a spreadsheet would run as a formula gets a leading `'`."""
    text = "" if is_missing(value) else str(value)
    if text.startswith(_FORMULA_START) and not re.fullmatch(r"-?\d+(\.\d+)?", text):
        text = "'" + text
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if re.search(r'[",\r\n]', text) else text


def csv_text(columns: list[str], rows: list[list[object]]) -> str:
    """The CSV the index exports (the same as its script builds from the rows shown)."""
    return "".join(",".join(csv_field(v) for v in row) + "\r\n" for row in [columns, *rows])


def _filter_select(name: str, label: str, options: list[tuple[str, str]]) -> str:
    opts = "".join(f'<option value="{esc(v)}">{esc(text)}</option>' for v, text in options)
    return (f'<label>{esc(label)} <select id="filter-{name}" name="{name}" data-filter="{name}">'
            f'<option value="">all</option>{opts}</select></label>')


def _article_table(tables: dict[str, pd.DataFrame], names: RegionNames, scores: dict | None,
                   pages: list[str]) -> str:
    columns, rows = _article_cells(tables, names, scores, pages)
    vocabulary = list(schema.VOCABULARIES["articles.status"])
    statuses = vocabulary + sorted({attrs["status"] for attrs, _ in rows} - set(vocabulary))
    regions = sorted({r for attrs, _ in rows for r in attrs["regions"].split()}, key=lambda r: names.label(r))
    indicators = sorted({i for attrs, _ in rows for i in attrs["indicators"].split()})
    controls = ("<form id=\"filters\" class=\"filters\" onsubmit=\"return false\">"
                + _filter_select("status", "Status", [(s, s) for s in statuses])
                + _filter_select("region", "Region", [(r, names.label(r)) for r in regions])
                + _filter_select("indicator", "Target indicator", [(i, i) for i in indicators])
                + '<button type="button" id="filter-reset">show all</button>'
                + f'<span id="shown" aria-live="polite">{len(rows)} of {len(rows)} articles shown</span>'
                + f'<a id="export" download="articles.csv" href="data:text/csv;charset=utf-8,'
                f'{esc(quote(csv_text(columns, [[c.value for c in cells] for _, cells in rows])))}">'
                "Download the rows shown as CSV</a></form>")
    numeric = {i for i, c in enumerate(rows[0][1]) if c.numeric} if rows else set()
    head = "".join(f'<th data-column="{i}" data-type="{"num" if i in numeric else "text"}" aria-sort="none">'
                   f'<button type="button" class="sort">{esc(c)}</button></th>' for i, c in enumerate(columns))
    body = []
    for attrs, cells in rows:
        tds = "".join(f'<td data-value="{esc(c.value)}"{" class=num" if c.numeric else ""}>'
                      f"{c.shown if isinstance(c.shown, Markup) else esc(c.shown)}</td>" for c in cells)
        body.append(f'<tr data-status="{esc(attrs["status"])}" data-regions="{esc(attrs["regions"])}" '
                    f'data-indicators="{esc(attrs["indicators"])}">{tds}</tr>')
    return (f"{controls}<div class=\"scroll\"><table id=\"article-table\" class=\"sortable\"><thead><tr>{head}"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
            '<p class="note">Filter and sort (click a column head); the address keeps the view '
            "(<code>#status=ok&amp;region=630000&amp;indicator=gdp&amp;sort=8&amp;order=desc</code>), and the CSV "
            "holds the rows shown. Filtering by a province also finds its cities and counties.</p>")


# The index's only script: filters, sorting and the CSV of the rows shown. It reads the table's own
# attributes and text (already escaped HTML) and writes only `hidden`, `aria-sort`, row order, a count
# and the export link, so no content from the data is ever parsed as markup.
INDEX_SCRIPT = r"""
(function () {
  "use strict";
  var table = document.getElementById("article-table");
  if (!table) return;
  var body = table.tBodies[0], heads = table.tHead.rows[0].cells;
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var shown = document.getElementById("shown"), link = document.getElementById("export");
  var sort = {column: null, order: "asc"};
  function field(text) {
    if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function values(row) {
    return Array.prototype.map.call(row.cells, function (c) { return c.getAttribute("data-value"); });
  }
  function matches(row) {
    return selects.every(function (s) {
      if (!s.value) return true;
      var key = s.getAttribute("data-filter");
      var have = row.getAttribute("data-" + (key === "status" ? "status" : key + "s")) || "";
      return key === "status" ? have === s.value : have.split(" ").indexOf(s.value) >= 0;
    });
  }
  function state() {
    var p = new URLSearchParams();
    selects.forEach(function (s) { if (s.value) p.set(s.getAttribute("data-filter"), s.value); });
    if (sort.column !== null) { p.set("sort", sort.column); p.set("order", sort.order); }
    var hash = p.toString();
    try { history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search); }
    catch (e) { /* file: URLs in some browsers */ }
  }
  function apply() {
    var rows = Array.prototype.slice.call(body.rows), lines = [], n = 0;
    lines.push(Array.prototype.map.call(heads, function (h) { return field(h.textContent); }).join(","));
    if (sort.column !== null) {
      var i = sort.column, num = heads[i].getAttribute("data-type") === "num", sign = sort.order === "desc" ? -1 : 1;
      rows.sort(function (a, b) {
        var x = a.cells[i].getAttribute("data-value"), y = b.cells[i].getAttribute("data-value");
        var d = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
        return sign * d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    Array.prototype.forEach.call(heads, function (h, j) {
      h.setAttribute("aria-sort", j === sort.column ? (sort.order === "asc" ? "ascending" : "descending") : "none");
    });
    rows.forEach(function (r) {
      var ok = matches(r);
      r.hidden = !ok;
      if (ok) { n += 1; lines.push(values(r).map(field).join(",")); }
    });
    shown.textContent = n + " of " + rows.length + " articles shown";
    link.setAttribute("href", "data:text/csv;charset=utf-8," + encodeURIComponent(lines.join("\r\n") + "\r\n"));
    state();
  }
  var initial = new URLSearchParams(location.hash.replace(/^#/, ""));
  selects.forEach(function (s) {
    var v = initial.get(s.getAttribute("data-filter"));
    if (v !== null && Array.prototype.some.call(s.options, function (o) { return o.value === v; })) s.value = v;
    s.addEventListener("change", apply);
  });
  var col = parseInt(initial.get("sort"), 10);
  if (col >= 0 && col < heads.length) { sort.column = col; sort.order = initial.get("order") === "desc" ? "desc" : "asc"; }
  Array.prototype.forEach.call(heads, function (h, j) {
    h.querySelector("button").addEventListener("click", function () {
      sort.order = sort.column === j && sort.order === "asc" ? "desc" : "asc";
      sort.column = j;
      apply();
    });
  });
  document.getElementById("filter-reset").addEventListener("click", function () {
    selects.forEach(function (s) { s.value = ""; });
    apply();
  });
  apply();
})();
"""

INDEX_CSS = """
.summary-row { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
.scroll { overflow-x: auto; } svg.chart { display: block; margin: 0.6em 0 1em; max-width: 100%; height: auto; }
h3 { font-size: 1.02em; margin: 1.2em 0 0.4em; }
.corpus { padding: 0.5em 0.8em; border-left: 4px solid; } .corpus-development { background: #fff9db; border-color: #f08c00; }
.corpus-mixed { background: #fff9db; border-color: #f08c00; } .corpus-heldout { background: #ebfbee; border-color: #2f9e44; }
.filters { display: flex; flex-wrap: wrap; gap: 0.6em 1.2em; align-items: center; margin: 0.5em 0; font-size: 0.9em; }
.filters select { max-width: 22em; } #shown { color: #495057; }
.ids { display: block; font-size: 0.8em; color: #495057; min-width: 12em; max-height: 4.8em; overflow-y: auto; }
#article-table td:nth-child(2) { min-width: 18em; } #article-table td:nth-child(5) { white-space: nowrap; }
th button.sort { all: unset; cursor: pointer; font-weight: bold; } th[aria-sort=ascending] button::after { content: " ▲"; }
th[aria-sort=descending] button::after { content: " ▼"; }
"""


def index_page(tables: dict[str, pd.DataFrame], pages: list[str], out_dir: Path,
               scores: dict | None = None, gold: str | os.PathLike | None = None) -> str:
    """The summary page of a run: summaries with charts, and the articles to filter, sort and export."""
    articles = tables["articles"]
    names = RegionNames(tables["regions"])
    statuses = articles["status"].value_counts().to_dict() if not articles.empty else {}
    parts = ["<h1>Review of a pipeline run</h1>",
             f'<p class="meta">Tables read from <b>{esc(out_dir)}</b>: {len(articles)} articles, '
             + ", ".join(f"{esc(n)} {esc(k)}" for k, n in statuses.items()) + "</p>",
             '<nav><a href="#summary">summary</a> · <a href="#articles">articles</a>'
             + (' · <a href="#accuracy">accuracy</a>' if scores is not None else "") + "</nav>"]
    if scores is not None:
        parts += ['<h2 id="accuracy">Accuracy against gold</h2>', corpus_note(gold or "", scores, articles),
                  _scores_table(scores)]
    parts += ['<h2 id="summary">Summary of the run</h2>', _status_summary(articles),
              _money_summary(tables["monetary"], names), _targets_summary(tables["targets"], names),
              "<h3>Rows per table</h3>",
              html_table(["table", "rows"], [[name, len(df)] for name, df in tables.items()], numeric={1},
                         compact=True),
              f'<h2 id="articles">Articles ({len(articles)})</h2>', _article_table(tables, names, scores, pages)]
    return _page("Pipeline run review", "\n".join(parts), script=INDEX_SCRIPT, extra_css=INDEX_CSS)


def build(out_dir: str | os.PathLike, gold: str | os.PathLike | None = None,
          report_dir: str | os.PathLike | None = None) -> Path:
    """Write the report of the run in `out_dir` (to OUT_DIR/report/ by default); return the index path."""
    out_dir = Path(out_dir)
    report_dir = Path(report_dir) if report_dir else out_dir / REPORT_DIRNAME
    tables = load_tables(out_dir)
    scores = evaluate.score(gold, out_dir) if gold else None
    errors_of: dict[str, list[dict]] = defaultdict(list)
    for err in (scores or {}).get("errors", []):  # what evaluate.errors(gold, out_dir) returns, scored once
        errors_of[str(err["article_id"])].append(err)
    names = RegionNames(tables["regions"])
    grouped = {name: rows_by_article(df) for name, df in tables.items() if name != "articles"}
    (report_dir / "articles").mkdir(parents=True, exist_ok=True)
    articles = tables["articles"]
    pages = page_names(articles)
    none = {name: [] for name in grouped}
    for art, owns, page in zip(rows_by_article_list(articles), _own_rows(articles), pages):
        aid = str(art["article_id"])
        rows = {name: by_article.get(aid, []) for name, by_article in grouped.items()} if owns else none
        first = page == page_name(aid)
        gold_report = scores["per_article"].get(aid) if scores and first else None
        errors = errors_of.get(aid) if first and owns else None
        _write(report_dir / "articles" / page, article_page(art, rows, names, gold_report, errors))
    index = report_dir / "index.html"
    _write(index, index_page(tables, pages, out_dir, scores, gold))
    return index


def rows_by_article_list(df: pd.DataFrame) -> list[dict]:
    """The rows of a table as dicts, missing values None, in table order."""
    return [{k: (None if is_missing(v) else v) for k, v in row.items()} for row in df.to_dict("records")]


def _write(path: Path, text: str) -> None:
    """Write a page atomically (tableio's one atomic write), so a reader never sees half a page."""
    atomic_write_text(path, text)
