"""Inline SVG charts for the review report: plain markup, every label escaped, nothing loaded from outside."""
from __future__ import annotations

import html
import math

# Colours of the segments of a chart, in order (Tableau 10 and its light variants: distinct in print too).
PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#86bcb6", "#d37295")
FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"'


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fit(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def bar_chart(bars: list[tuple[str, list[tuple[str, float]]]], segments: list[str], title: str,
              value_text=lambda v: f"{v:,.0f}", colours: dict[str, str] | None = None, width: int = 760,
              legend: bool = True) -> str:
    """Horizontal stacked bars: `bars` is [(label, [(segment, value), …]), …], drawn top to bottom.

    Every bar and segment carries a `<title>` (its label and value) for hover, and `data-label`/`data-value`
    attributes, so the chart can be checked in a browser's DOM.
    """
    colours = colours or {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(segments)}
    label_w, value_w, row_h, top = 230, 110, 22, 30
    legend_rows = math.ceil(len(segments) / 4) if legend and len(segments) > 1 else 0
    height = top + row_h * max(len(bars), 1) + 18 * legend_rows + 14
    plot_w = width - label_w - value_w
    largest = max((sum(v for _, v in parts) for _, parts in bars), default=0) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" {FONT} font-size="12" aria-label="{_esc(title)}">',
           f'<text x="0" y="16" font-weight="bold" font-size="13">{_esc(title)}</text>']
    if not bars:
        out.append(f'<text x="0" y="{top + 14}" fill="#868e96">nothing to show</text>')
    for i, (label, parts) in enumerate(bars):
        y = top + i * row_h
        total = sum(v for _, v in parts)
        out.append(f'<g class="bar" data-label="{_esc(label)}" data-value="{total!r}">'
                   f'<title>{_esc(label)}: {_esc(value_text(total))}</title>'
                   f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{_esc(_fit(label, 34))}</text>')
        x = float(label_w)
        for segment, value in parts:
            w = plot_w * value / largest
            if w <= 0:
                continue
            out.append(f'<rect class="segment" data-segment="{_esc(segment)}" data-value="{value!r}" x="{x:.1f}" '
                       f'y="{y + 3}" width="{max(w, 0.5):.1f}" height="{row_h - 6}" fill="{colours[segment]}">'
                       f'<title>{_esc(label)} · {_esc(segment)}: {_esc(value_text(value))}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 15}" fill="#495057">{_esc(value_text(total))}</text></g>')
    y = top + row_h * max(len(bars), 1) + 8
    for i, segment in enumerate(segments if legend_rows else []):
        lx, ly = (i % 4) * (width // 4), y + (i // 4) * 18
        out.append(f'<rect x="{lx}" y="{ly}" width="11" height="11" fill="{colours[segment]}"/>'
                   f'<text x="{lx + 15}" y="{ly + 10}">{_esc(_fit(segment, 24))}</text>')
    out.append("</svg>")
    return "".join(out)


def grid_chart(rows: list[str], columns: list[str], counts: dict[tuple[str, str], int], title: str,
               width: int = 760) -> str:
    """A table of counts as shaded cells (rows × columns), the count written in each non-empty cell."""
    label_w, cell_h, top = 210, 20, 30
    head_h = 96
    cell_w = max(min((width - label_w) / max(len(columns), 1), 60), 22)
    width = int(label_w + cell_w * len(columns)) + 80  # room for the last column's slanted label
    height = top + head_h + cell_h * max(len(rows), 1) + 10
    largest = max(counts.values(), default=0) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" {FONT} font-size="11" aria-label="{_esc(title)}">',
           f'<text x="0" y="16" font-weight="bold" font-size="13">{_esc(title)}</text>']
    if not rows:
        out.append(f'<text x="0" y="{top + 14}" fill="#868e96">nothing to show</text>')
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        out.append(f'<text transform="translate({x + 4:.1f},{top + head_h - 4}) rotate(-55)">'
                   f'{_esc(_fit(column, 22))}<title>{_esc(column)}</title></text>')
    for i, row in enumerate(rows):
        y = top + head_h + i * cell_h
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_esc(_fit(row, 32))}</text>')
        for j, column in enumerate(columns):
            n = counts.get((row, column), 0)
            if not n:
                continue
            shade = 0.15 + 0.85 * n / largest
            out.append(f'<g class="cell" data-row="{_esc(row)}" data-column="{_esc(column)}" data-value="{n}">'
                       f'<title>{_esc(row)} · {_esc(column)}: {n}</title>'
                       f'<rect x="{label_w + j * cell_w + 1:.1f}" y="{y + 1}" width="{cell_w - 2:.1f}" '
                       f'height="{cell_h - 2}" fill="#4e79a7" fill-opacity="{shade:.2f}"/>'
                       f'<text x="{label_w + (j + 0.5) * cell_w:.1f}" y="{y + 14}" text-anchor="middle" '
                       f'fill="{"#fff" if shade > 0.55 else "#212529"}">{n}</text></g>')
    out.append("</svg>")
    return "".join(out)
