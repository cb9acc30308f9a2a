"""The review report: escaped, self-contained HTML pages, checked in a real headless browser."""
from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from pipeline import report
from pipeline.tables import run as build_tables, write_all

HOSTILE = "<script>alert('x')</script>"
TEXT = (f"Haixi sets a target {HOSTILE}\n\nXINING - Haixi Mongol and Tibetan Autonomous Prefecture aims for average "
        "annual GDP growth of more than 7.5 percent from 2016 to 2020, and Golmud will attract investment of "
        "5 billion yuan in 2017. About 1,500 jobs were created in Qinghai & \"elsewhere\". Sales reached 3 million yuan.")


def _span(text: str) -> tuple[int, int]:
    start = TEXT.index(text)
    return start, start + len(text)


@pytest.fixture
def small_run(tmp_path) -> Path:
    """The tables of a hand-made two-article run: one article with hostile text, one failed."""
    articles = pd.DataFrame([
        {"article_id": "a<1>", "source_path": "in/a.txt", "status": "ok", "title": f"Haixi {HOSTILE}",
         "published": "2016-11-10", "publisher": "Xinhua", "clean_text": TEXT, "url": "javascript:alert(1)"},
        {"article_id": "b", "source_path": "in/b.txt", "status": "failed", "error": f"unreadable {HOSTILE}"},
        {"article_id": "a<1>", "source_path": "in/copy/a.txt", "status": "failed",
         "error": "duplicate article_id 'a<1>': first read from in/a.txt"},
    ])
    regions = pd.DataFrame([
        {"article_id": "a<1>", "sentence_id": 1, "start": s, "end": e, "text": TEXT[s:e], "region_id": rid,
         "name": name, "level": level, "admin_id": rid, "province_id": "630000", "source": "gazetteer"}
        for (s, e), rid, name, level in [
            (_span("XINING"), "630100", "Xining", "prefecture"),
            (_span("Haixi Mongol and Tibetan Autonomous Prefecture"), "632800",
             "Haixi Mongol and Tibetan Autonomous Prefecture", "prefecture"),
            (_span("Golmud"), "632801", "Golmud", "county"), (_span("Qinghai"), "630000", "Qinghai", "province")]])
    figures = pd.DataFrame([
        {"article_id": "a<1>", "sentence_id": 1, "start": s, "end": e, "text": TEXT[s:e], "value": v, "unit": u,
         "qualifier": q, "region_id": rid, "kind": kind, "role": role, "period_start": ps, "period_end": pe,
         "evidence": "same_clause", "period_evidence": "explicit_year", "quantity_id": i}
        for i, ((s, e), v, u, q, rid, kind, role, ps, pe) in enumerate([
            (_span("more than 7.5 percent"), 7.5, "percent", "more_than", "632800", "target", None,
             "2016-01-01", "2020-12-31"),
            (_span("5 billion yuan"), 5e9, "CNY", "exact", "632801", "target", "investment", "2017-01-01",
             "2017-12-31"),
            (_span("About 1,500 jobs"), 1500.0, "count", "about", None, "actual", None, None, None)])])
    clause = _span("aims for average annual GDP growth of more than 7.5 percent from 2016 to 2020")
    targets = pd.DataFrame([{"article_id": "a<1>", "sentence_id": 1, "start": clause[0], "end": clause[1],
                             "text": TEXT[clause[0]:clause[1]], "indicator": "gdp", "measure": "growth", "value": 7.5,
                             "unit": "percent", "qualifier": "more_than", "frequency": "annual",
                             "region_id": "632800", "start_year": 2016, "end_year": 2020, "quantity_id": 0}])
    sentences = pd.DataFrame([{"article_id": "a<1>", "sentence_id": 0, "start": 0, "end": len(TEXT), "text": TEXT}])
    out = tmp_path / "out"
    write_all(build_tables(articles, sentences, regions, figures, targets), out)
    return out


class Elements(HTMLParser):
    """Start tags with their attributes, and whether any `<script>` element exists."""

    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def marks(self) -> list[dict]:
        return [a for t, a in self.tags if t == "mark"]


def test_article_page_highlights_every_mention_with_its_link(small_run):
    report.build(small_run)
    page = (small_run / "report" / "articles" / report.page_name("a<1>")).read_text(encoding="utf-8")
    marks = Elements(page).marks()
    assert sorted(m["data-kind"] for m in marks) == ["MONEY", "PERCENT", "QUANTITY"] + ["REGION"] * 4
    by_kind = {m["data-kind"]: m for m in marks}
    assert "region: Golmud (632801)" in by_kind["MONEY"]["title"] and "role: investment" in by_kind["MONEY"]["title"]
    assert "period: 2017" in by_kind["MONEY"]["title"] and "kind: target" in by_kind["MONEY"]["title"]
    percent = by_kind["PERCENT"]
    assert "target-figure" in percent["class"] and "TARGET gdp growth" in percent["title"]
    assert "years: 2016–2020" in percent["title"] and "[same_clause]" in percent["title"]
    assert "unlinked" in by_kind["QUANTITY"]["class"]
    assert "→ Haixi" in page and "632800" in page  # badges: linked region of a figure, id of a mention
    assert "<h2>Targets (1)</h2>" in page and "<h2>Figures (3)</h2>" in page


def test_all_text_is_escaped_and_nothing_is_loaded_from_outside(small_run):
    index = report.build(small_run)
    pages = [index, *sorted((index.parent / "articles").glob("*.html"))]
    assert len(pages) == 4
    for path in pages:
        markup = path.read_text(encoding="utf-8")
        tags = Elements(markup).tags
        assert not [t for t, _ in tags if t in ("iframe", "img", "link", "object", "embed")], path.name
        assert not [a for _, a in tags for k, v in a.items() if k in ("src", "href") and v and
                    re.match(r"\s*(javascript:|https?:|//)", v)], path.name
        assert "@import" not in markup and "url(" not in markup
        policy = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
        assert "default-src 'none'" in policy
        scripts = [a for t, a in tags if t == "script"]
        if path == index:  # the index's own inline script only (filters, sorting, export), allowed by its hash
            assert len(scripts) == 1 and not scripts[0] and f"<script>{report.INDEX_SCRIPT}</script>" in markup
            assert "script-src 'sha256-" in policy
        else:
            assert not scripts and "script-src 'none'" in policy, path.name
    article = (index.parent / "articles" / report.page_name("a<1>")).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in article  # title
    assert "&lt;script&gt;alert(" in article.split('class="text"')[1]  # body text, through displaCy
    assert "javascript:alert(1)" in article  # shown as text, not as a link
    failed = (index.parent / "articles" / "b.html").read_text(encoding="utf-8")
    assert "status-failed" in failed and "unreadable &lt;script&gt;" in failed
    markup = index.read_text(encoding="utf-8")
    assert HOSTILE not in markup and "Haixi &lt;script&gt;" in markup


class ArticleRows(HTMLParser):
    """The rows of the index's article table: their attributes and the `data-value` of each cell."""

    def __init__(self, markup: str):
        super().__init__()
        self.columns: list[str] = []
        self.rows: list[tuple[dict, list[str]]] = []
        self._in_table = self._in_head = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "article-table":
            self._in_table = True
        elif self._in_table and tag == "thead":
            self._in_head = True
        elif self._in_table and tag == "tr" and not self._in_head:
            self.rows.append((attrs, []))
        elif self._in_table and tag == "td":
            self.rows[-1][1].append(attrs.get("data-value") or "")

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif tag == "thead":
            self._in_head = False

    def handle_data(self, data):
        if self._in_head and data.strip():
            self.columns.append(data)

    def by_column(self, name: str) -> list[str]:
        i = self.columns.index(name)
        return [cells[i] for _, cells in self.rows]

    def visible(self) -> list[tuple[dict, list[str]]]:
        return [(attrs, cells) for attrs, cells in self.rows if "hidden" not in attrs]


def test_index_links_every_article_with_status_and_its_own_counts(small_run):
    markup = report.build(small_run).read_text(encoding="utf-8")
    links = [a["href"] for t, a in Elements(markup).tags if t == "a" and a.get("href", "").startswith("articles/")]
    duplicate_page = report.page_name("a<1>#2")
    assert links == [f"articles/{report.page_name('a<1>')}", f"articles/{duplicate_page}", "articles/b.html"]
    assert duplicate_page != report.page_name("a<1>")
    table = ArticleRows(markup)
    assert table.by_column("article") == ["a<1>", "a<1>", "b"]
    assert table.by_column("status") == ["ok", "failed", "failed"]
    for column, ok_count in [("regions", "4"), ("money", "1"), ("percentages", "1"), ("targets", "1")]:
        # the duplicate-id failure row shows its own counts (zero), not those of the article it duplicates
        assert table.by_column(column) == [ok_count, "0", "0"], column
    assert table.by_column("money (yuan)") == ["5000000000", "0", "0"]
    assert table.rows[0][0]["data-regions"].split() == ["630000", "630100", "632800", "632801"]
    assert table.rows[0][0]["data-indicators"] == "gdp" and table.rows[1][0]["data-regions"] == ""
    assert "<td>regions</td><td class=num>4</td>" in markup
    duplicate = (small_run / "report" / "articles" / duplicate_page).read_text(encoding="utf-8")
    assert "duplicate article_id" in duplicate and "<h2>Regions (0)</h2>" in duplicate


def test_index_summarises_status_money_in_yuan_and_targets_with_charts(small_run):
    markup = report.build(small_run).read_text(encoding="utf-8")
    status = markup.split('id="summary-status"')[1].split("</section>")[0]
    assert re.findall(r'<g class="bar" data-label="(\w+)" data-value="([\d.]+)"', status) == [
        ("ok", "1.0"), ("empty", "0.0"), ("failed", "2.0")]
    money = markup.split('id="summary-money"')[1].split("</section>")[0]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in money
    segments = re.findall(r'<g class="bar" data-label="([^"]+)".*?data-segment="(\w+)" data-value="([\d.e+]+)"', money)
    assert segments == [("Golmud (632801)", "investment", "5000000000.0")]
    targets = markup.split('id="summary-targets"')[1].split("</section>")[0]
    cells = re.findall(r'<g class="cell" data-row="(\w+)" data-column="([^"]+)" data-value="(\d+)"', targets)
    assert cells == [("gdp", "Haixi Mongol and Tibetan Autonomous Prefecture (632800)", "1")]


def test_csv_fields_are_quoted_and_never_run_as_formulas():
    assert report.csv_text(["a", "b"], [["x,y", 'say "hi"'], ["=SUM(A1)", -3], ["line\nbreak", None]]) == (
        'a,b\r\n"x,y","say ""hi"""\r\n\'=SUM(A1),-3\r\n"line\nbreak",\r\n')


GOLD = {"article_id": "a<1>", "regions": [{"region_id": r} for r in ("630100", "632800", "630000")],
        "monetary": [{"text": "5 billion yuan", "amount": 5e9, "currency": "CNY", "role": "investment",
                      "region_id": "630100", "kind": "target"},
                     {"text": "3 million yuan", "amount": 3e6, "currency": "CNY", "role": "sales",
                      "region_id": "630000", "kind": "actual"}],
        "percentages": [],
        "targets": [{"text": "aims for average annual GDP growth of more than 7.5 percent", "indicator": "gdp",
                     "measure": "growth", "value": 7.5, "unit": "percent", "region_id": "632800",
                     "start_year": 2016, "end_year": 2020}]}


def test_with_gold_missed_spurious_and_wrongly_linked_figures_are_marked_in_the_text(small_run, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(GOLD) + "\n", encoding="utf-8")
    report.build(small_run, gold=gold)
    page = (small_run / "report" / "articles" / report.page_name("a<1>")).read_text(encoding="utf-8")
    marks = {m["data-kind"]: m for m in Elements(page).marks()}
    money, percent, missed = marks["MONEY"], marks["PERCENT"], marks["MISSED"]
    assert "gold-wrong" in money["class"] and "GOLD: wrong region of money: gold Xining (630100)" in money["title"]
    assert "gold-spurious" in percent["class"] and "target-figure" in percent["class"]  # spurious as a percentage
    assert "gold-missed" in missed["class"] and "GOLD: missed money 3 million yuan" in missed["title"]
    assert "gold → Xining" in page and "monetary: wrong region</b>: 1 (marked in the text)" in page
    assert not [m for m in Elements(page).marks() if m["data-kind"] == "REGION" and "gold-" in m["class"]]
    legend = page.split('class="legend"')[1].split("</p>")[0]
    assert all(f'class="{cls}"' in legend for cls, _ in report.ERROR_MARKS.values())
    # without gold, nothing is marked as an error and the legend has no error styles
    report.build(small_run)
    plain = (small_run / "report" / "articles" / report.page_name("a<1>")).read_text(encoding="utf-8")
    assert not [m for m in Elements(plain).marks() if "gold-" in m["class"] or m["data-kind"] == "MISSED"]


def test_gold_scores_say_which_corpus_and_whether_it_was_used_for_development(small_run, tmp_path):
    gold = tmp_path / "held_out.jsonl"
    gold.write_text('{"article_id": "a<1>", "regions": [{"region_id": "632800"}]}\n', encoding="utf-8")
    markup = report.build(small_run, gold=gold).read_text(encoding="utf-8")
    note = next(a for t, a in Elements(markup).tags if a.get("id") == "gold-corpus")
    assert (note["data-corpus"], note["data-articles"], note["data-development"]) == ("heldout", "1", "0")
    assert "held_out.jsonl" in markup and "None of them is a development article" in markup


@pytest.mark.parametrize("article_id", ["a<1>", "../etc/passwd", "same", "same?", ".hidden"])
def test_page_names_are_safe_and_distinct(article_id):
    name = report.page_name(article_id)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*\.html", name)
    assert report.page_name("same") != report.page_name("same?")


@pytest.mark.parametrize("start, end, expected", [
    ("2016-01-01", "2020-12-31", "2016–2020"), ("2017-01-01", "2017-12-31", "2017"),
    ("2022-01-01", "2022-06-30", "2022-01-01 – 2022-06-30"), (None, None, "")])
def test_format_period(start, end, expected):
    assert report.format_period(start, end) == expected


@pytest.mark.parametrize("value, expected", [(7.5, "7.5"), (1500.0, "1,500"), (3.16e10, "31.6 billion"),
                                             (2e7, "20 million"), (None, "")])
def test_format_number(value, expected):
    assert report.format_number(value) == expected


@pytest.fixture(scope="module")
def corpus_report(corpus_outputs, corpus_gold, tmp_path_factory) -> Path:
    """The report of the seeds + dev run, with scores against their gold, made through the CLI."""
    from pipeline.cli import main

    report_dir = tmp_path_factory.mktemp("report")
    assert main(["report", "--output", str(corpus_outputs), "--gold", str(corpus_gold),
                 "--report-dir", str(report_dir)]) == 0
    return report_dir


def test_corpus_report_has_scores_and_a_page_per_article(corpus_report, corpus_outputs):
    articles = pd.read_parquet(corpus_outputs / "articles.parquet")
    index = (corpus_report / "index.html").read_text(encoding="utf-8")
    assert "Accuracy against gold" in index and "linked F1" in index
    pages = {p.name for p in (corpus_report / "articles").glob("*.html")}
    assert pages == {report.page_name(a) for a in articles["article_id"]}
    regions = pd.read_parquet(corpus_outputs / "regions.parquet")
    busiest = regions["article_id"].value_counts().index[0]
    page = (corpus_report / "articles" / report.page_name(busiest)).read_text(encoding="utf-8")
    assert sum(m["data-kind"] == "REGION" for m in Elements(page).marks()) > 0
    assert "Against gold" in page
    # seeds and tests/dev are the development corpora: the report says the scores are on them
    note = next(a for t, a in Elements(index).tags if a.get("id") == "gold-corpus")
    assert (note["data-corpus"], note["data-articles"], note["data-development"]) == ("development", "48", "48")
    assert "5 from seeds/, 43 from tests/dev/" in index


def find_chromium() -> str | None:
    return shutil.which("chromium") or next((p for p in ("/usr/bin/chromium",) if Path(p).exists()), None)


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=True)


browser = pytest.mark.skipif(find_chromium() is None,
                             reason="chromium not found: install it with scripts/install_chromium.sh (as root)")


@browser
def test_article_page_renders_in_a_headless_browser(corpus_report, corpus_outputs, tmp_path):
    quantities = pd.read_parquet(corpus_outputs / "quantities.parquet")
    busiest = quantities["article_id"].value_counts().index[0]
    page = corpus_report / "articles" / report.page_name(busiest)
    expected = Elements(page.read_text(encoding="utf-8")).marks()
    assert expected, "the busiest article has highlights"

    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    rendered = Elements(dom).marks()
    assert [m["data-kind"] for m in rendered] == [m["data-kind"] for m in expected]
    assert {"REGION", "PERCENT"} <= {m["data-kind"] for m in rendered}
    assert all(m["title"] for m in rendered)

    shot = tmp_path / "shot.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri(), profile=tmp_path / "profile")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 1600)
    assert len(data) > 50_000, "a page of highlighted text is not a blank screenshot"


def rendered_index(index: Path, view: str, profile: Path) -> ArticleRows:
    """The index's DOM after its script ran, in the view the address names (`status=failed&sort=0`)."""
    return ArticleRows(chromium("--dump-dom", f"{index.as_uri()}#{view}", profile=profile).stdout)


def exported_csv(dom: str) -> str:
    href = next(a["href"] for t, a in Elements(dom).tags if a.get("id") == "export")
    prefix = "data:text/csv;charset=utf-8,"
    assert href.startswith(prefix)
    return unquote(href[len(prefix):])


@browser
def test_index_filters_sorts_and_exports_in_a_headless_browser(small_run, tmp_path):
    index = report.build(small_run)
    static = ArticleRows(index.read_text(encoding="utf-8"))
    profile = tmp_path / "profile"

    every = rendered_index(index, "", profile)
    assert [c[0] for _, c in every.visible()] == ["a<1>", "a<1>", "b"]

    for view, expected in [("status=failed", ["a<1>", "b"]), ("region=630000", ["a<1>"]),  # the province finds its prefecture
                           ("indicator=gdp", ["a<1>"]), ("status=ok&region=632801", ["a<1>"]),
                           ("status=empty", []), ("region=999999", ["a<1>", "a<1>", "b"])]:  # unknown: ignored
        dom = chromium("--dump-dom", f"{index.as_uri()}#{view}", profile=profile).stdout
        shown = ArticleRows(dom).visible()
        assert [cells[0] for _, cells in shown] == expected, view
        assert f"{len(expected)} of 3 articles shown" in dom
        # the export link holds exactly the rows shown, as the server would write them
        wanted = [cells for attrs, cells in static.rows if cells in [c for _, c in shown]]
        assert exported_csv(dom) == report.csv_text(static.columns, wanted), view

    by_money = rendered_index(index, f"sort={static.columns.index('money (yuan)')}&order=desc", profile)
    assert [c[static.columns.index("money (yuan)")] for _, c in by_money.rows] == ["5000000000", "0", "0"]
    by_id = rendered_index(index, "sort=0&order=desc&status=failed", profile)
    assert [c[0] for _, c in by_id.visible()] == ["b", "a<1>"]

    dom = chromium("--dump-dom", index.as_uri(), profile=profile).stdout
    summary = [a for t, a in Elements(dom).tags if t == "g" and "data-label" in a]
    assert ("ok", "1.0") in [(a["data-label"], a["data-value"]) for a in summary]
    assert "Golmud (632801)" in [a["data-label"] for a in summary]


@browser
def test_corpus_index_renders_in_a_headless_browser(corpus_report, tmp_path):
    index = corpus_report / "index.html"
    dom = chromium("--dump-dom", f"{index.as_uri()}#status=ok&indicator=gdp", profile=tmp_path / "profile").stdout
    rows = ArticleRows(dom)
    shown = rows.visible()
    assert 0 < len(shown) < len(rows.rows)
    assert all("gdp" in attrs["data-indicators"].split() for attrs, _ in shown)
    assert f"{len(shown)} of {len(rows.rows)} articles shown" in dom

    shot = tmp_path / "index.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,2400", f"{index.as_uri()}#indicator=gdp",
             profile=tmp_path / "profile")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1280, 2400)
    assert len(data) > 100_000, "charts and tables, not a blank page"
    keep = os.environ.get("REPORT_SCREENSHOT_DIR")  # to look at it: REPORT_SCREENSHOT_DIR=/tmp pytest -k corpus_index
    if keep:
        shutil.copy(shot, Path(keep) / "report-index.png")


def test_cli_refuses_a_directory_without_tables(tmp_path, capsys):
    from pipeline.cli import main

    assert main(["report", "--output", str(tmp_path)]) == 2
    assert "no articles.parquet" in capsys.readouterr().err
    assert not (tmp_path / "report").exists()


def test_article_page_says_why_this_region_and_not_that_one(small_run):
    from pipeline.tableio import write_table

    s, e = _span("Golmud")
    h, k = _span("Haixi Mongol and Tibetan Autonomous Prefecture")
    base = {"article_id": "a<1>", "zone_id": None, "via": "mention"}
    candidates = pd.DataFrame([
        base | {"quantity_id": 1, "finder": "dependency", "finder_order": 5, "rank": 0, "region_id": "632801",
                "start": s, "end": e, "text": "Golmud", "chosen": True, "reason": None},
        base | {"quantity_id": 1, "finder": "same_sentence", "finder_order": 8, "rank": 1, "region_id": "632800",
                "start": h, "end": k, "text": f"Haixi {HOSTILE}", "chosen": False, "reason": "later_finder"},
        base | {"quantity_id": 1, "finder": None, "finder_order": None, "rank": None, "region_id": "630000",
                "start": s, "end": e, "text": "Qinghai", "chosen": False, "reason": "mention:comparison"},
        base | {"quantity_id": 2, "finder": None, "finder_order": None, "rank": None, "region_id": None,
                "start": None, "end": None, "text": None, "via": None, "chosen": False, "reason": "no_region"},
    ])
    write_table(candidates, "link_candidates", small_run / "link_candidates.parquet")
    report.build(small_run)
    page = (small_run / "report" / "articles" / report.page_name("a<1>")).read_text(encoding="utf-8")
    section = page.split("<h2>Why this region (2)</h2>")[1].split("<h2>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)[1:]
    golmud, jobs = rows
    assert "5 billion yuan" in golmud and "Golmud (632801)" in golmud and "dependency: “Golmud”" in golmud
    assert "Haixi Mongol and Tibetan Autonomous Prefecture (632800)" in golmud
    assert "proposed by same_sentence, but dependency comes first in the decider&#x27;s order" in golmud
    assert "Qinghai (630000) “Qinghai”: the mention cannot own a figure: it is a comparison" in golmud
    assert "About 1,500 jobs" in jobs and "no region" in jobs and "no other region considered" in jobs
    assert HOSTILE not in page and "Haixi &lt;script&gt;" in section


def test_article_page_has_no_why_section_without_explain(small_run):
    report.build(small_run)
    page = (small_run / "report" / "articles" / report.page_name("a<1>")).read_text(encoding="utf-8")
    assert "Why this region" not in page
