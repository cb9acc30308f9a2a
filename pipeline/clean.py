"""Clean stage: raw articles -> the `articles` table (title, metadata and the cleaned text).

Scraped pages carry navigation, tickers, widgets, notices and credits around the article.
A line classifier driven by rules/clean/lines.yaml keeps the headline and the body
paragraphs and drops the rest; HTML goes through trafilatura first and then the same rules.
`clean_text` is the title, a blank line, then the paragraphs separated by blank lines, with
whitespace repaired, so that every later offset points into a stable, deterministic text. Hard-wrapped
prose lines are joined back, but each list item (a bullet or number, or a `;` line under a
colon lead-in; patterns in lines.yaml) stays a paragraph of its own.

Decisions: photo captions are kept as body text (the gold counts regions named in them) but
their credits (`[Photo/Xinhua]`) are cut. Lines in Chinese (or another script) are dropped:
a Chinese-only article ends `empty` with a reason, a mixed one keeps its English lines. An
article with a title but no body line left is `empty` too.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from . import published as meta
from . import schema
from .rules import load as load_rules
from .tableio import is_missing

# Lines longer than this are never widgets, list headings or breadcrumbs (the longest such
# line of the corpus has 42 chars); the checks for those are skipped on longer lines.
SHORT_LINE_CHARS = 200
# Reasons of dropped lines that belong to navigation (menus, lists, widgets): a lone sentence
# right above them, below the article, is a teaser of another story.
NAVIGATION_REASONS = frozenset({"widget", "pagination", "breadcrumb", "ticker", "menu", "nav", "list_item",
                                "tail_fragment", "footer_menu", "tail_teaser", "url", "image"})


# --------------------------------------------------------------------------- rules

@dataclass(frozen=True)
class LinesFile:
    """rules/clean/lines.yaml as read (LineRules is it compiled)."""
    furniture_phrases: list[str]
    widget_line: str
    list_headings: list[str]
    widget_tokens: list[str]
    pagination: str
    image_file: str
    bare_url: str
    bullet_separator: str
    ticker_min_bullets: int
    menu_item_max_words: int
    breadcrumb_separator: str
    breadcrumb_segment_max_words: int
    breadcrumb_min_segments: int
    breadcrumb_home_words: list[str]
    breadcrumb_prefix: str
    nav_words: list[str]
    nav_min_words: int
    nav_min_share: float
    footer_menu_min_words: int
    copyright: list[str]
    copyright_max_chars: int
    credit: list[str]
    credit_max_words: int
    photo_credit: list[str]
    spam: str
    latin_letter_min_share: float
    foreign_min_words: int
    english_function_min_share: float
    function_words: list[str]
    paragraph_min_words: int
    paragraph_min_chars_any_ending: int
    sentence_end: str
    list_marker: str
    list_item_end: str
    table_row: str
    table_number_cell: str
    title_min_words: int
    title_max_chars: int
    label_max_words: int
    date_suffix: str
    date_prefix: str
    tail_fragment_max_words: int
    min_body_words: int
    meta_max_leftover_words: int
    meta_max_chars: int
    meta_filler_words: list[str]


@dataclass(frozen=True)
class LineRules:
    phrases: frozenset[str]
    list_headings: frozenset[str]
    widget_line: re.Pattern
    widget_tokens: frozenset[str]
    pagination: re.Pattern
    image_file: re.Pattern
    bare_url: re.Pattern
    bullet: re.Pattern
    ticker_min_bullets: int
    menu_item_max_words: int
    breadcrumb_separator: re.Pattern
    breadcrumb_segment_max_words: int
    breadcrumb_min_segments: int
    breadcrumb_home_words: frozenset[str]
    breadcrumb_prefix: re.Pattern
    nav_words: frozenset[str]
    nav_min_words: int
    nav_min_share: float
    footer_menu_min_words: int
    copyright: re.Pattern
    copyright_max_chars: int
    credit: tuple[re.Pattern, ...]
    credit_max_words: int
    photo_credit: re.Pattern
    spam: re.Pattern
    latin_letter_min_share: float
    foreign_min_words: int
    english_function_min_share: float
    function_words: frozenset[str]
    paragraph_min_words: int
    paragraph_min_chars_any_ending: int
    sentence_end: re.Pattern
    list_marker: re.Pattern
    list_item_end: re.Pattern
    table_row: re.Pattern
    table_number_cell: re.Pattern
    title_min_words: int
    title_max_chars: int
    label_max_words: int
    date_prefix: re.Pattern
    date_suffix: re.Pattern
    tail_fragment_max_words: int
    min_body_words: int
    meta_max_leftover_words: int
    meta_max_chars: int
    meta_filler_words: frozenset[str]


def _any_of(patterns: list[str], flags: int, case_sensitive: tuple[int, ...] = ()) -> re.Pattern:
    """One regex for a list of patterns (one scan of the line instead of one per pattern)."""
    parts = [f"(?:{p})" if k in case_sensitive or not flags else f"(?i:{p})" for k, p in enumerate(patterns)]
    return re.compile("|".join(parts))


@functools.cache
def line_rules() -> LineRules:
    """rules/clean/lines.yaml, compiled once per process."""
    d = load_rules("clean/lines.yaml", LinesFile)
    i = re.I

    def words(key: str) -> frozenset[str]:
        return frozenset(w.lower() for w in getattr(d, key))

    return LineRules(
        phrases=frozenset(_phrase_key(p) for p in d.furniture_phrases),
        widget_line=re.compile(d.widget_line, i),
        list_headings=frozenset(_phrase_key(p) for p in d.list_headings),
        widget_tokens=words("widget_tokens"),
        pagination=re.compile(d.pagination, i),
        image_file=re.compile(d.image_file, i),
        bare_url=re.compile(d.bare_url, i),
        bullet=re.compile(d.bullet_separator),
        ticker_min_bullets=d.ticker_min_bullets,
        menu_item_max_words=d.menu_item_max_words,
        breadcrumb_separator=re.compile(d.breadcrumb_separator),
        breadcrumb_segment_max_words=d.breadcrumb_segment_max_words,
        breadcrumb_min_segments=d.breadcrumb_min_segments,
        breadcrumb_home_words=words("breadcrumb_home_words"),
        breadcrumb_prefix=re.compile(d.breadcrumb_prefix, i),
        nav_words=words("nav_words"),
        nav_min_words=d.nav_min_words,
        nav_min_share=d.nav_min_share,
        footer_menu_min_words=d.footer_menu_min_words,
        copyright=_any_of(d.copyright, i),
        copyright_max_chars=d.copyright_max_chars,
        credit=tuple(re.compile(p, i) if k < 2 else re.compile(p) for k, p in enumerate(d.credit)),
        credit_max_words=d.credit_max_words,
        photo_credit=_any_of(d.photo_credit, i, case_sensitive=(2,)),
        spam=re.compile(d.spam, i),
        latin_letter_min_share=d.latin_letter_min_share,
        foreign_min_words=d.foreign_min_words,
        english_function_min_share=d.english_function_min_share,
        function_words=words("function_words"),
        paragraph_min_words=d.paragraph_min_words,
        paragraph_min_chars_any_ending=d.paragraph_min_chars_any_ending,
        sentence_end=re.compile(d.sentence_end),
        list_marker=re.compile(d.list_marker),
        list_item_end=re.compile(d.list_item_end, i),
        table_row=re.compile(d.table_row),
        table_number_cell=re.compile(d.table_number_cell),
        title_min_words=d.title_min_words,
        title_max_chars=d.title_max_chars,
        label_max_words=d.label_max_words,
        date_prefix=re.compile(d.date_prefix, i),
        date_suffix=re.compile(d.date_suffix, i),
        tail_fragment_max_words=d.tail_fragment_max_words,
        min_body_words=d.min_body_words,
        meta_max_leftover_words=d.meta_max_leftover_words,
        meta_max_chars=d.meta_max_chars,
        meta_filler_words=words("meta_filler_words"),
    )


# --------------------------------------------------------------------------- whitespace

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\ufffd]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\x0c\x0b]")
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_RUNS = re.compile(r" {2,}")
# Full-width ASCII (Chinese pages' `：`, `，`, `（`) -> ASCII.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e]")
_LETTER = re.compile(r"[^\W\d_]")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_\x00-\u024f]")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_WORDS = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")


def normalize_text(text: str) -> str:
    """Repair whitespace and characters: one kind of line break, plain spaces, no invisible characters."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _ZERO_WIDTH.sub("", text)
    if _HAS_FULLWIDTH.search(text):
        text = text.translate(_FULLWIDTH)
    text = _JUNK.sub("", text)
    text = _SPACES.sub(" ", text)
    return unicodedata.normalize("NFC", text)


def normalize_line(line: str) -> str:
    return _RUNS.sub(" ", line).strip()


def _phrase_key(text: str) -> str:
    return " ".join(_EDGE_PUNCT.sub("", text.lower()).split())


def word_list(text: str) -> list[str]:
    return _WORDS.findall(text)


# --------------------------------------------------------------------------- line classifier

@dataclass
class Line:
    """One source line and what the classifier decided about it."""

    index: int                 # 0-based line number in the normalized text
    raw: str                   # the line as read (spaces collapsed)
    text: str                  # the text kept (credits or a date prefix cut off)
    blank_before: int = 0      # empty lines right above it
    reason: str | None = None  # why it is dropped; None when kept
    meta: meta.MetaLine | None = None
    title: bool = False
    block: str = ""            # the text of the wrapped-line block it belongs to (itself when not wrapped)
    in_list: bool = False      # its block is a list item (opens with a marker, or follows a lead-in / an item)
    caption: bool = False      # a photo caption: its credit (`[Photo/Xinhua]`) was cut off

    @property
    def kept(self) -> bool:
        return self.reason is None


@dataclass
class Page:
    lines: list[Line]
    title: Line | None = None
    body_start: int | None = None  # position (in `lines`) of the first body paragraph
    paragraphs: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)  # the paragraphs that are photo captions


def ends_sentence(text: str) -> bool:
    return line_rules().sentence_end.search(text) is not None


def is_paragraph(text: str) -> bool:
    """A body paragraph: a full sentence of some length, or a long line whatever its ending."""
    rules = line_rules()
    if len(text) >= rules.paragraph_min_chars_any_ending:
        return True
    return ends_sentence(text) and len(word_list(text)) >= rules.paragraph_min_words


def latin_share(text: str) -> float | None:
    """Share of letters that are Latin; None when the line has no letters."""
    letters = len(_LETTER.findall(text))
    if not letters:
        return None
    return 1 - len(_NON_LATIN_LETTER.findall(text)) / letters


def furniture_reason(text: str) -> tuple[str | None, meta.MetaLine | None, str]:
    """Context-free verdict on one line: (reason to drop or None, metadata read from it, text to keep)."""
    rules = line_rules()
    if rules.bare_url.match(text):
        return "url", None, text
    if rules.image_file.match(text):
        return "image", None, text
    share = latin_share(text)
    if share is None:
        return ("pagination" if rules.pagination.match(text) else "no_letters"), None, text
    if share < rules.latin_letter_min_share:
        return "foreign", None, text
    if rules.spam.search(text):
        return "spam", None, text
    short = len(text) <= SHORT_LINE_CHARS
    if short and (_phrase_key(text) in rules.phrases or rules.widget_line.match(text)):
        return "widget", None, text
    words = word_list(text)
    lowered = [w.lower() for w in words]
    if words and all(w in rules.widget_tokens for w in lowered) and len(text) <= 60:
        return "widget", None, text
    if rules.pagination.match(text):
        return "pagination", None, text
    info = meta.metadata_line(text, rules.meta_filler_words, rules.meta_max_leftover_words, rules.meta_max_chars)
    if info is not None:
        return "meta", info, text
    if rules.breadcrumb_prefix.match(text) or (short and _is_breadcrumb(text)):
        return "breadcrumb", None, text
    bullets = _bullet_kind(text)
    if bullets:
        return bullets, None, text
    if len(text) <= rules.copyright_max_chars and rules.copyright.search(text):
        return "copyright", None, text
    if len(words) <= rules.credit_max_words and any(p.search(text) for p in rules.credit):
        return "credit", None, text
    if _is_nav_menu(text, lowered):
        return "nav", None, text
    stripped = rules.photo_credit.sub(" ", text)
    if stripped != text:
        stripped = normalize_line(stripped)
        if not any(c.isalpha() for c in stripped):
            return "photo_credit", None, text
    # Words that follow a number are its unit (`5 percent, 6 percent, …`): no evidence of a language.
    alphabetic = [w for k, w in enumerate(lowered) if not w[:1].isdigit() and not (k and lowered[k - 1][:1].isdigit())]
    if len(alphabetic) >= rules.foreign_min_words:
        function = sum(1 for w in alphabetic if w in rules.function_words)
        if function / len(alphabetic) < rules.english_function_min_share:
            return "foreign", None, text
    return None, None, stripped


def _is_breadcrumb(text: str) -> bool:
    rules = line_rules()
    segments = [s for s in rules.breadcrumb_separator.split(text) if s.strip()]
    if len(segments) < 2 or len(segments) == len(text.split()) == 1:
        return False
    if any(len(word_list(s)) > rules.breadcrumb_segment_max_words or not any(c.isalpha() for c in s)
           or ends_sentence(s) for s in segments):
        return False
    if len(segments) >= rules.breadcrumb_min_segments:
        return True
    return any(_phrase_key(s) in rules.breadcrumb_home_words for s in segments)


def _bullet_kind(text: str) -> str | None:
    """`ticker` for a run of bullet-separated headlines, `menu` for pipe-separated short links."""
    rules = line_rules()
    seps = rules.bullet.findall(text)
    if len(seps) < rules.ticker_min_bullets:
        return None
    items = [s for s in rules.bullet.split(text) if s.strip()]
    if all(s == "|" for s in seps):
        return "menu" if all(len(word_list(s)) <= rules.menu_item_max_words for s in items) else None
    # Headlines are short and a ticker does not end like a sentence; 25 words per item is the
    # longest headline seen (with margin).
    if all(len(word_list(s)) <= 25 for s in items) and not ends_sentence(text):
        return "ticker"
    return None


def _is_nav_menu(text: str, lowered: list[str]) -> bool:
    rules = line_rules()
    if len(lowered) < rules.nav_min_words or re.search(r"[.,;!?]", text):
        return False
    return sum(1 for w in lowered if w in rules.nav_words) / len(lowered) >= rules.nav_min_share


def _is_footer_menu(text: str) -> bool:
    """`ABOUT Introduction Development Zones ...`: an ALL-CAPS word, then capitalised words, no punctuation."""
    words = text.split()
    if len(words) < line_rules().footer_menu_min_words or re.search(r"[.,;:!?]", text):
        return False
    first = words[0]
    return (len(first) >= 3 and first.isalpha() and first.isupper()
            and all(w[:1].isupper() or not w[:1].isalpha() for w in words[1:]))


def classify_page(text: str, title_hint: str | None = None) -> Page:
    """Read a page's text into lines and decide, line by line, title / body / furniture."""
    lines: list[Line] = []
    blanks = 0
    for index, raw in enumerate(normalize_text(text).split("\n")):
        raw = normalize_line(raw)
        if not raw:
            blanks += 1
            continue
        reason, info, kept_text = furniture_reason(raw)
        caption = reason is None and kept_text != raw and line_rules().photo_credit.search(raw) is not None
        lines.append(Line(index=index, raw=raw, text=kept_text, blank_before=blanks, reason=reason, meta=info,
                          caption=caption))
        blanks = 0
    page = Page(lines=lines)
    _mark_tables(lines)
    _mark_lists(lines)
    _mark_blocks(lines)
    _find_header(page)
    if title_hint:
        _use_title_hint(page, title_hint)
    _mark_tail(page)
    _drop_repeated_title(page)
    body_lines = [ln for ln in lines if ln.kept and not ln.title]
    page.paragraphs = join_paragraphs(body_lines)
    page.captions = [run.text for run in wrapped_runs(body_lines) if any(ln.caption for ln in run.lines)]
    return page


def _mark_lists(lines: list[Line]) -> None:
    """Lines right below a list heading (`Off the wire`, `Related news`) are list items while they look like headlines."""
    headings = line_rules().list_headings
    for pos, line in enumerate(lines):
        if line.reason != "ticker" and not (line.reason == "widget" and _phrase_key(line.raw) in headings):
            continue
        for nxt in lines[pos + 1:]:
            if nxt.blank_before or nxt.reason is not None and nxt.reason not in ("ticker",):
                break
            if is_paragraph(nxt.text) or ends_sentence(nxt.text):
                break
            nxt.reason = nxt.reason or "list_item"


def _mark_tables(lines: list[Line]) -> None:
    """Rows of a table between pipes (trafilatura's `| Hefei | 12013.1 | 3.5% |`) read as menus line
    by line; consecutive rows (rule lines such as `|---|---|` between them) of which one has a
    number for a cell are a table, kept as text."""
    rules = line_rules()
    run: list[Line] = []
    for line in [*lines, None]:
        if line is not None and rules.table_row.match(line.raw) and line.raw.lstrip().startswith("|"):
            run.append(line)
            continue
        if line is not None and run and line.reason == "no_letters" and not line.blank_before:
            continue  # the rule line under a header row
        if len(run) >= 2 and any(rules.table_number_cell.search(r.raw) for r in run):
            for row in run:
                if row.reason == "menu":
                    row.reason = None
        run = []


def _mark_blocks(lines: list[Line]) -> None:
    """Hard-wrapped paragraphs: each kept line learns the text of the paragraph it is part of."""
    for line in lines:
        line.block, line.in_list = line.text, False
    for run in wrapped_runs([ln for ln in lines if ln.kept]):
        text = run.text
        for line in run.lines:
            line.block, line.in_list = text, run.in_list


def _find_header(page: Page) -> None:
    """Title and section labels above the first body paragraph; a date prefix is cut off the title."""
    rules = line_rules()
    lines = page.lines
    start = next((p for p, ln in enumerate(lines) if ln.kept and is_paragraph(ln.block)), None)
    if start is None:
        # No paragraph of full length: the body starts at the first kept full sentence.
        start = next((p for p, ln in enumerate(lines) if ln.kept and ends_sentence(ln.block)
                      and len(word_list(ln.block)) > rules.label_max_words), len(lines))
    if start == len(lines):
        start = _body_without_sentences(lines)
    # A wrapped paragraph starts at its block's first line.
    while 0 < start < len(lines) and lines[start - 1].kept and lines[start - 1].block == lines[start].block:
        start -= 1
    page.body_start = start
    for line in lines[:start]:
        if not line.kept:
            continue
        m = rules.date_prefix.match(line.text)
        if m and len(word_list(line.text[m.end():])) >= rules.title_min_words:
            date = meta.parse_date_string(m.group("date"))
            line.meta = meta.MetaLine(date=date, publishers=())
            line.text = line.text[m.end():].strip()
        m = rules.date_suffix.search(line.text)
        if m and len(word_list(line.text[:m.start()])) >= rules.title_min_words:
            line.meta = meta.MetaLine(date=meta.parse_date_string(m.group("date")), publishers=())
            line.text = line.text[:m.start()].strip()
        n_words = len(word_list(line.text))
        if page.title is None:
            if n_words >= rules.title_min_words and len(line.text) <= rules.title_max_chars:
                page.title = line
                line.title = True
            elif n_words <= rules.label_max_words:
                line.reason = "label"
            elif _is_breadcrumb_pair(line.text):
                line.reason = "label"
    _title_below_breadcrumb(page, start)
    if page.title is None:
        # No headline-sized line: the short line nearest the body is the headline, those above it labels.
        labels = [ln for ln in lines[:start] if ln.reason == "label" and not _is_breadcrumb_pair(ln.text)]
        if labels:
            labels[-1].reason, labels[-1].title = None, True
            page.title = labels[-1]


def _body_without_sentences(lines: list) -> int:
    """Where the body starts in a text that ends no sentence (scraped text that lost its full stops):
    at its first line of paragraph length after the headline, or at its only line. Taking it all for
    a headline would leave the article empty, and the text is lost."""
    rules = line_rules()
    kept = [p for p, ln in enumerate(lines) if ln.kept]
    wordy = [p for p in kept if len(word_list(lines[p].block)) >= rules.paragraph_min_words]
    after_headline = [p for p in wordy if p != kept[0]] if len(kept) > 1 else wordy
    return after_headline[0] if after_headline else len(lines)


def _title_below_breadcrumb(page: Page, start: int) -> None:
    """A breadcrumb separates the site's header from the article: a headline above it is the site's
    banner (`The Official Website of ... Mobile 中文`), and the headline is the first line below it."""
    rules = line_rules()
    lines = page.lines
    if page.title is None:
        return
    title_pos = lines.index(page.title)
    crumbs = [p for p in range(title_pos + 1, start) if lines[p].reason == "breadcrumb"]
    if not crumbs:
        return
    for line in lines[crumbs[-1] + 1:start]:
        if line.kept and len(word_list(line.text)) >= rules.title_min_words and len(line.text) <= rules.title_max_chars:
            page.title.title, page.title.reason = False, "label"
            line.title, page.title = True, line
            return


def _use_title_hint(page: Page, hint: str) -> None:
    """A headline known from metadata (HTML <title>) is the title wherever it stands above the body."""
    key = _phrase_key(hint)
    for line in page.lines[:page.body_start]:
        if _phrase_key(line.text) == key and (line.kept or line.reason == "label"):
            if page.title is not None and page.title is not line:
                page.title.title = False
            line.reason, line.title = None, True
            page.title = line
            for above in page.lines[:page.lines.index(line)]:
                if above.kept:
                    above.reason = "label"
            return


def _is_breadcrumb_pair(text: str) -> bool:
    """`Business / Economy` above the headline: a section path of two short segments."""
    segments = [s for s in line_rules().breadcrumb_separator.split(text) if s.strip()]
    return len(segments) == 2 and all(len(word_list(s)) <= 2 for s in segments)


def _mark_tail(page: Page) -> None:
    """Below the last body paragraph: drop teasers of other stories, footer menus and fragments."""
    rules = line_rules()
    lines = page.lines
    start = page.body_start if page.body_start is not None else len(lines)
    usual_gap = _usual_gap(lines[start:])
    # A lone sentence set apart from the article (a wider gap than between its paragraphs)
    # and followed by navigation is a teaser of another story; walk up from the page end.
    for pos in range(len(lines) - 2, start, -1):
        line, following = lines[pos], lines[pos + 1]
        if not line.kept:
            continue
        if following.reason in NAVIGATION_REASONS and line.blank_before > usual_gap:
            line.reason = "tail_teaser"
            continue
        break
    last = max((p for p in range(start, len(lines)) if lines[p].kept and is_paragraph(lines[p].block)),
               default=start)
    last = _list_below(lines, last)
    for line in lines[last + 1:]:
        if not line.kept or line.block == lines[last].block:
            continue
        if _is_footer_menu(line.text):
            line.reason = "footer_menu"
        elif not ends_sentence(line.block) and len(word_list(line.block)) <= rules.tail_fragment_max_words:
            line.reason = "tail_fragment"


def _list_below(lines: list[Line], last: int) -> int:
    """Position of the last line of a list right below line `last` (a colon lead-in, then its items).

    Items are short and often end without a full stop, so without this a list closing the
    article would read as tail fragments; a list must hang off the body through a lead-in
    (`The province set these targets for 2024:`) so that link lists below a story stay furniture.
    """
    if last >= len(lines):
        return last
    end, open_list = last, lines[last].block.endswith(":")
    pos = last + 1
    while pos < len(lines) and lines[pos].kept:
        stop = pos + 1  # past the wrapped lines of this block
        while stop < len(lines) and lines[stop].kept and lines[stop].block == lines[pos].block \
                and lines[stop].index == lines[stop - 1].index + 1:
            stop += 1
        if open_list and lines[pos].in_list:
            end = stop - 1
        elif lines[pos].block.endswith(":"):
            open_list = True  # a lead-in: taken only when an item follows it
        else:
            break
        pos = stop
        while pos < len(lines) and lines[pos].reason == "no_letters" and open_list:
            pos += 1  # a rule line inside a table (`|---|---|`)
    return end


def _usual_gap(lines: list[Line]) -> int:
    """The most common number of blank lines between body paragraphs (1 when unknown; ties: the wider)."""
    kept = [ln for ln in lines if ln.kept]
    gaps = [ln.blank_before for prev, ln in zip(kept, kept[1:]) if ln.block != prev.block]
    return max(sorted(set(gaps)), key=lambda g: (gaps.count(g), g)) if gaps else 1


def _drop_repeated_title(page: Page) -> None:
    """HTML extraction often repeats the headline as the first body line."""
    if page.title is None:
        return
    key = _phrase_key(page.title.text)
    for line in page.lines:
        if line.kept and not line.title:
            if _phrase_key(line.text) == key:
                line.reason = "repeated_title"
            return


@dataclass
class Run:
    """Consecutive source lines that are one hard-wrapped paragraph (or one list item)."""

    lines: list[Line]
    in_list: bool  # a list item: opens with a list marker, or follows a colon lead-in or another item
    text: str = ""

    def __post_init__(self) -> None:
        self.text = " ".join(ln.text for ln in self.lines)

    def append(self, line: Line) -> None:
        # A word broken at a hyphen (`develop-` / `ment`) is glued back without a space.
        glue = "" if re.search(r"[^\W\d_]-$", self.text) and line.text[:1].islower() else " "
        self.lines.append(line)
        self.text = self.text + glue + line.text


def wrapped_runs(lines: list[Line]) -> list[Run]:
    """Lines -> the paragraphs they were hard-wrapped from; a list item is always a run of its own."""
    rules = line_rules()
    runs: list[Run] = []
    for line in lines:
        last = runs[-1] if runs else None
        if last is not None and line.index == last.lines[-1].index + 1 \
                and _continues(last.text, line.text, last.in_list, rules):
            last.append(line)
            continue
        in_list = rules.list_marker.match(line.text) is not None or last is not None and (
            last.text.endswith(":") or last.in_list and ends_item(last.text, line.text, rules))
        runs.append(Run([line], in_list))
    return runs


def ends_item(item: str, following: str, rules: LineRules) -> bool:
    """Whether list item `item` ends so that `following` is the list's next item: it ends like an
    item (`...;`), or both are rows of a table (`Hefei 12013.1 3.5%`)."""
    return rules.list_item_end.search(item) is not None or (
        rules.table_row.match(item) is not None and rules.table_row.match(following) is not None)


def join_paragraphs(lines: list[Line]) -> list[str]:
    """Kept lines -> paragraphs: a line broken inside a sentence is joined to the line it continues."""
    paragraphs: list[str] = []
    for run in wrapped_runs(lines):
        text = run.text
        if not paragraphs or paragraphs[-1] != text:
            paragraphs.append(text)
    return paragraphs


def _continues(paragraph: str, text: str, in_list: bool, rules: LineRules) -> bool:
    """Whether line `text` continues `paragraph` (broken mid-sentence) rather than starting a new one."""
    if rules.list_marker.match(text):
        return False
    if ends_sentence(paragraph) or paragraph.endswith(":"):
        return False
    if in_list and rules.list_item_end.search(paragraph):
        return False
    if text[:1].islower():
        return True
    if paragraph[-1:] in ",;-–(":
        return True
    last = word_list(paragraph[-20:])
    return bool(last) and last[-1] in rules.function_words


# --------------------------------------------------------------------------- metadata

@dataclass
class Extracted:
    """What the clean stage makes of one article's text."""

    title: str | None
    clean_text: str
    published: dt.date | None
    published_source: str | None
    published_evidence: str | None
    publisher: str | None
    dropped: int
    only_foreign: bool
    url: str | None = None            # the page's own address (canonical link, og:url), HTML only
    script_only: bool = False         # the page's text is only in scripts (rendered by JavaScript)
    captions: frozenset[str] = frozenset()  # phrase keys of the page's photo captions, HTML only
    caption_paragraphs: tuple[str, ...] = ()  # body paragraphs whose photo credit was cut


def extract_text(text: str, title_hint: str | None = None,
                 page_dates: list[meta.DateCandidate] | None = None) -> Extracted:
    """Title, clean text, publication date and publisher of a page read as plain text.

    `page_dates` are date candidates from outside the text (an HTML page's metadata); they
    compete with the text's own candidates.
    """
    page = classify_page(text, title_hint)
    title = page.title.text if page.title else None
    parts = ([title] if title else []) + page.paragraphs
    clean_text = "\n\n".join(parts)
    header = page.lines[:page.body_start] if page.body_start is not None else page.lines
    metas = [ln.meta for ln in header if ln.meta is not None] + \
            [ln.meta for ln in page.lines[len(header):] if ln.meta is not None and ln.reason == "meta"]
    first_body = page.paragraphs[0] if page.paragraphs else ""
    body = "\n\n".join(page.paragraphs)
    line = meta.dateline(first_body, body) if first_body else None
    best = meta.best_candidate(date_candidates(page, first_body, body) + list(page_dates or ()))
    publisher = next((p for m in metas for p in m.publishers), None) or _source_line_publisher(page)
    if publisher is None and line is not None:
        publisher = line.agency
    if publisher is None:
        publisher = _breadcrumb_site(page)
    letters = [ln for ln in page.lines if ln.reason != "no_letters"]
    only_foreign = bool(letters) and all(ln.reason == "foreign" for ln in letters)
    return Extracted(title=title, clean_text=clean_text, published=best.date if best else None,
                     published_source=_published_source(best), published_evidence=best.evidence if best else None,
                     publisher=publisher, dropped=sum(1 for ln in page.lines if not ln.kept),
                     only_foreign=only_foreign, caption_paragraphs=tuple(page.captions))


# `published_source` of a candidate's place (the coarse contract values; the evidence says more).
_SOURCE_OF_PLACE = {"below_title": "header", "title_line": "header", "above_title": "header", "header": "header",
                    "body_opening": "header", "below_body": "header", "dateline": "dateline",
                    "html_published": "html_metadata", "html_updated": "html_metadata"}


def _published_source(best: meta.DateCandidate | None) -> str | None:
    if best is None:
        return None
    return "dateline_year_inferred" if best.year_inferred else _SOURCE_OF_PLACE[best.place]


def date_candidates(page: Page, first_body: str, body: str) -> list[meta.DateCandidate]:
    """Dates where a publication date can stand: header lines (placed against the headline),
    metadata lines below the body, and the opening of the first paragraph."""
    start = page.body_start if page.body_start is not None else len(page.lines)
    title_pos = page.lines.index(page.title) if page.title is not None else None
    found: list[meta.DateCandidate] = []
    for pos, line in enumerate(page.lines):
        if pos < start:
            place = ("header" if title_pos is None else "above_title" if pos < title_pos
                     else "title_line" if pos == title_pos else "below_title")
        elif line.reason == "meta":
            place = "below_body"
        else:
            continue
        found += meta.line_candidates(line.raw, place, line.index,
                                      meta_line=line.meta is not None and line.reason == "meta",
                                      furniture=line.reason in _NAVIGATION_FURNITURE)
    if first_body:
        first = next((ln.index for ln in page.lines[start:] if ln.kept), len(page.lines))
        found += meta.opening_candidates(first_body, body, first)
    return found


# Lines of navigation, where dates of other stories stand (a feature of date candidates).
_NAVIGATION_FURNITURE = frozenset({"ticker", "menu", "nav", "list_item", "breadcrumb", "footer_menu", "tail_teaser"})


_SOURCE_LABEL = re.compile(r"^\(?\s*(?:source|from)\s*[:：]\s*(?P<name>[^|;:()]+)", re.I)


def _source_line_publisher(page: Page) -> str | None:
    """`Source: Xinhua | Editor: Wang Li` (a dropped credit line) names the publisher."""
    for line in page.lines:
        m = _SOURCE_LABEL.match(line.raw) if not line.kept else None
        if m:
            name = m.group("name").strip()
            named = meta.publishers_named(name)
            if named:
                return named[0]
            if 0 < len(word_list(name)) <= 6:
                return name
    return None


def _breadcrumb_site(page: Page) -> str | None:
    """A breadcrumb that opens with a known site name (`TIANSHANNET › News`) names the publisher."""
    for line in page.lines:
        if line.reason == "breadcrumb":
            first = line_rules().breadcrumb_separator.split(line.raw)[0]
            named = meta.publishers_named(first)
            if named and meta.publisher_rules().aliases.fullmatch(first.strip()):
                return named[0]
    return None


def extract_html(html: str, url: str | None) -> Extracted:
    """trafilatura's main text and metadata, then the plain-text rules over that text.

    The headline is the page's h1 when its metadata title (og:title, <title>) differs from it:
    metadata titles carry site suffixes and SEO wording. The page's address is its canonical
    link, else og:url.
    """
    import trafilatura  # heavy import, only needed for HTML inputs

    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True,
                                "min_date": f"{meta.date_rules().min_year}-01-01",
                                "max_date": meta.today().isoformat()})
    h1, canonical, script_only, captions = _html_head(html, url)
    if doc is None:
        return Extracted(None, "", None, None, None, None, 0, False, url=canonical, script_only=script_only,
                         captions=captions)
    get = doc.get if isinstance(doc, dict) else lambda k: getattr(doc, k, None)
    text = get("text") or ""
    title = _strip_site_suffix(normalize_line(normalize_text(get("title") or "")))
    if h1 and _phrase_key(h1) != _phrase_key(title):
        title = h1
    if title and not normalize_line(normalize_text(text)).startswith(normalize_line(normalize_text(title))):
        text = f"{title}\n\n{text}"
    result = extract_text(text, title_hint=title or None, page_dates=meta.html_candidates(html))
    if result.publisher is None:
        result.publisher = meta.canonical_publisher(get("sitename")) or meta.canonical_publisher(get("hostname"))
    result.url = canonical or (get("url") if get("url") and get("url") != url else None)
    result.script_only, result.captions = script_only, captions
    return result


def _html_head(html: str, url: str | None = None) -> tuple[str | None, str | None, bool, frozenset[str]]:
    """(the first h1's text, the canonical link or og:url, whether all the page's text is in scripts,
    the phrase keys of its photo captions). A relative link is read against the input's `url`."""
    from urllib.parse import urljoin

    import lxml.html  # trafilatura's parser

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None, None, False, frozenset()
    # the first h1 long enough to be a headline (a site logo in an h1 is one or two words)
    headings = (normalize_line(normalize_text(h.text_content())) for h in tree.iter("h1"))
    h1 = next((h for h in headings if len(word_list(h)) >= line_rules().title_min_words
               and len(h) <= line_rules().title_max_chars), None)
    address = None
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        links = [urljoin(url or "", str(v).strip()) for v in tree.xpath(xpath) if str(v).strip()]
        found = [link for link in links if link.startswith(("http://", "https://"))]
        if found:
            address = found[0]
            break
    captions = frozenset(_phrase_key(normalize_line(normalize_text(c.text_content())))
                         for c in tree.xpath("//figcaption | //*[contains(@class, 'caption')]"))
    scripts = " ".join(s.text_content() for s in tree.iter("script"))
    for element in list(tree.iter("script", "style", "noscript")):
        element.drop_tree()
    visible = normalize_line(normalize_text(tree.text_content()))
    return h1, address, len(word_list(scripts)) > 0 and len(word_list(visible)) < line_rules().min_body_words, \
        captions - {""}


_TITLE_SUFFIX = re.compile(r"\s+[-|–—_:]\s+(?P<site>[^-|–—_:]{2,60})$")


def _strip_site_suffix(title: str) -> str:
    """`Xinjiang booms - Chinadaily.com.cn` -> `Xinjiang booms` (only when the suffix names a publisher)."""
    m = _TITLE_SUFFIX.search(title)
    if m and meta.publishers_named(m.group("site")):
        return title[:m.start()].strip()
    return title


# --------------------------------------------------------------------------- stage

def clean_one(row: dict) -> dict:
    """The articles row of one raw row; raises only on a bug (run() catches it)."""
    out = {name: None for name in schema.ARTICLES.names}
    for key in ("article_id", "source_path", "sha256", "url", "input_format"):
        out[key] = _none_if_na(row.get(key))
    if _none_if_na(row.get("error")) is not None:
        return out | {"status": "failed", "error": str(row["error"])}
    raw_text = _none_if_na(row.get("raw_text"))
    if raw_text is None:
        return out | {"status": "failed", "error": "no text was read for this article"}
    raw_text = str(raw_text)
    content = _none_if_na(row.get("content_type")) or ("html" if out["input_format"] == "html" else "text")
    result = extract_html(raw_text, out["url"]) if content == "html" else extract_text(raw_text)
    hint = meta.parse_date_string(_none_if_na(row.get("published_hint")))
    if hint is not None:
        result.published, result.published_source = hint, "hint"
        result.published_evidence = f"hint: {row.get('published_hint')}"[:80]
    if result.publisher is None and out["url"]:
        result.publisher = meta.canonical_publisher(out["url"])
    out.update(title=result.title, published=result.published, publisher=result.publisher,
               published_source=result.published_source, published_evidence=result.published_evidence,
               furniture_lines=result.dropped)
    if result.url:
        out["url"] = result.url
    body = result.clean_text[len(result.title):].strip() if result.title else result.clean_text
    body_words = len(word_list(body))
    # A scraped HTML page with almost no text left is a shell (scripts, a headline and a caption);
    # a plain text or JSONL article is taken as given, however short.
    only_captions = bool(result.captions) and bool(body) and _words_besides(
        result.clean_text, [*result.captions, _phrase_key(result.title or "")]) < line_rules().min_body_words
    if not body or (content == "html" and (body_words < line_rules().min_body_words or only_captions)):
        out["status"] = "empty"
        if result.only_foreign:
            out["error"] = "no English text: every line is in another script or language"
        elif not raw_text.strip():
            out["error"] = "the article is empty"
        elif result.script_only:
            out["error"] = "the page's text is only in scripts (rendered by JavaScript): no body text to read"
        elif not body:
            out["error"] = "no body text left after removing page furniture"
        elif only_captions:
            out["error"] = "the page has only a headline and photo captions: no body text"
        else:
            out["error"] = (f"body too short after cleaning ({body_words} words, under "
                            f"{line_rules().min_body_words}): no article text on the page")
        out["clean_text"] = result.clean_text or None
    else:
        out["status"] = "ok"
        out["clean_text"] = result.clean_text
        out["caption_spans"] = caption_spans(result.clean_text, result.title, result.caption_paragraphs,
                                             result.captions)
    if out["published"] is not None:
        out["reference_date"], out["reference_date_source"] = out["published"], "published"
    else:
        latest = meta.latest_date(body)
        if latest is not None:
            out["reference_date"], out["reference_date_source"] = latest, "latest_in_body"
    return out


def caption_spans(clean_text: str, title: str | None, paragraphs, html_captions=frozenset()) -> str | None:
    """`start-end` offsets (space-separated) of the body paragraphs of `clean_text` that are photo
    captions: one whose credit was cut, or one the HTML marks as a caption; None when there is none."""
    spans, pos = [], 0
    wanted = set(paragraphs)
    for k, para in enumerate(clean_text.split("\n\n")):
        start, pos = pos, pos + len(para) + 2
        if k == 0 and title and para == title:
            continue
        if para and (para in wanted or _phrase_key(para) in html_captions):
            spans.append(f"{start}-{start + len(para)}")
    return " ".join(spans) or None


def parse_caption_spans(value) -> set[tuple[int, int]]:
    """The (start, end) pairs of an articles row's `caption_spans`."""
    if is_missing(value) or not value:
        return set()
    return {(int(a), int(b)) for a, b in (part.split("-") for part in str(value).split())}


def _words_besides(text: str, pieces: list[str]) -> int:
    """Words of `text` left once the given phrase keys (captions, the headline) are taken out."""
    rest = _phrase_key(text.replace("\n", " "))
    for piece in sorted(pieces, key=len, reverse=True):
        if piece:
            rest = rest.replace(piece, " ")
    return len(word_list(rest))


def _none_if_na(value):
    return None if is_missing(value) else value


def run(raw: pd.DataFrame) -> pd.DataFrame:
    """raw inputs (pipeline/inputs.py) -> articles; one bad article is marked failed, never raised."""
    columns = schema.ARTICLES.names
    rows: list[dict] = []
    for record in raw.to_dict("records"):
        try:
            rows.append(clean_one(record))
        except Exception as exc:  # noqa: BLE001 - one article must not stop the run
            base = {name: None for name in columns}
            for key in ("article_id", "source_path", "sha256", "url", "input_format"):
                base[key] = _none_if_na(record.get(key))
            rows.append(base | {"status": "failed", "error": f"clean failed: {type(exc).__name__}: {exc}"})
    return pd.DataFrame([{k: _valid_utf8(v) for k, v in row.items()} for row in rows], columns=columns)


# --------------------------------------------------------------------------- blocks

# A heading: a short paragraph without closing punctuation (`Major targets`, `II. Tasks`).
HEADING_MAX_WORDS = 12
_HEADING_END = re.compile(r"[.!?:;\"”’)]$")


def blocks(articles: pd.DataFrame) -> pd.DataFrame:
    """articles -> the `blocks` table: the title, headings, paragraphs, list items, lead-ins and
    dateline of every `ok` article's `clean_text`, so later stages read structure instead of guessing it."""
    rows: list[dict] = []
    for a in articles.to_dict("records"):
        text = a.get("clean_text")
        if a.get("status") == "ok" and isinstance(text, str):
            rows.extend(article_blocks(str(a["article_id"]), text, _none_if_na(a.get("title")),
                                       parse_caption_spans(a.get("caption_spans"))))
    return pd.DataFrame(rows, columns=schema.BLOCKS.names) if rows else schema.empty("blocks")


def article_blocks(article_id: str, clean_text: str, title: str | None,
                   captions: set[tuple[int, int]] = frozenset()) -> list[dict]:
    """The blocks of one `clean_text` (title, blank line, paragraphs separated by blank lines).

    A list item opens with a list marker, or follows a paragraph ending with a colon or another
    item that ends like one (the rules clean joins lines by, rules/clean/lines.yaml); its parent is
    the lead-in, which is itself an item of an outer list when it follows one. Other paragraphs take
    the heading above them as parent."""
    rules = line_rules()
    out: list[dict] = []
    pos = 0
    heading = lead = None
    previous: dict | None = None
    body_seen = False
    for para in clean_text.split("\n\n"):
        start, end = pos, pos + len(para)
        pos = end + 2
        if not para.strip():
            continue
        block = {"article_id": article_id, "block_id": len(out), "start": start, "end": end, "parent": None}
        in_list = rules.list_marker.match(para) is not None or previous is not None and previous["kind"] in (
            "lead_in", "list_item") and (previous["kind"] == "lead_in" or ends_item(
                clean_text[previous["start"]:previous["end"]], para, rules))
        if not out and title and para == title:
            kind = "title"
        elif (start, end) in captions:  # clean marked it (articles.caption_spans): a photo caption
            kind, block["parent"] = "caption", heading
        elif in_list and lead is not None:
            kind, block["parent"] = "list_item", lead
        elif len(para.split()) <= HEADING_MAX_WORDS and not _HEADING_END.search(para):
            kind, heading, lead = "heading", len(out), None
        else:
            kind, block["parent"], lead = "paragraph", heading, None
        if para.rstrip().endswith(":") and kind in ("paragraph", "list_item"):
            kind, lead = "lead_in", len(out)
        block["kind"] = kind
        out.append(block)
        previous = block
        if kind == "paragraph" and not body_seen:
            for opening in meta.dateline_openings(para)[:1]:
                out.append({"article_id": article_id, "block_id": len(out), "start": start + opening.start,
                            "end": start + opening.end, "parent": block["block_id"], "kind": "dateline"})
        body_seen = body_seen or kind in ("paragraph", "lead_in", "list_item")
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_utf8(value):
    """Parquet strings must be valid UTF-8: lone surrogates (undecodable file names) become `?`."""
    if isinstance(value, str) and _SURROGATE.search(value):
        return _SURROGATE.sub("?", value)
    return value
