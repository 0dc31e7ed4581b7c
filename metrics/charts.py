"""The one chart renderer: static SVG built on the server, for the dashboard's pages and the
PDF reports alike (WeasyPrint draws inline SVG; it runs no JavaScript).

Every chart is an <svg role="img"> with a <title> and a <desc> that says its numbers in words
(the pages also put a table of them beside it). Colours are SVG presentation attributes
(fill, stroke), which the stylesheet may override by class; no `style` attribute is written,
so the charts need nothing from the Content-Security-Policy and stay self-contained in a PDF.
Every text that reaches the SVG is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

Formatter = Callable[[float], str]

LINE = "#1f5fbf"
AXIS = "#57606a"
GRID = "#d0d7de"
TEXT = "#1f2328"
# The heat map's scale, lightest (0 %) to darkest (100 %), with a text colour readable on
# each (WCAG AA against the cell).
HEAT = (
    ("#eff4ff", TEXT),
    ("#c7d7fe", TEXT),
    ("#84adff", TEXT),
    ("#528bff", TEXT),
    ("#1f5fbf", "#ffffff"),
    ("#123a7a", "#ffffff"),
)
EMPTY_CELL = "#f2f4f7"


def _plain(value: float) -> str:
    return f"{value:g}"


def _num(value: float) -> str:
    """A coordinate: two decimals are plenty for a chart a few hundred units wide."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class _Frame:
    width: int
    height: int
    left: int = 64
    right: int = 12
    top: int = 12
    bottom: int = 28

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom


def _open(chart_id: str, title: str, desc: str, width: int, height: int, kind: str) -> str:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--{kind}" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        kind=kind,
        w=width,
        h=height,
        id=chart_id,
        title=title,
        desc=desc,
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", css: str = "chart__label"):
    return format_html(
        '<text x="{}" y="{}" text-anchor="{}" class="{}" fill="{}" font-size="11">{}</text>',
        _num(x),
        _num(y),
        anchor,
        css,
        AXIS,
        text,
    )


def _empty(chart_id: str, title: str, width: int, height: int, kind: str) -> SafeString:
    message = "No data for this period yet."
    return mark_safe(  # noqa: S308 - every part is escaped by format_html
        _open(chart_id, title, message, width, height, kind)
        + _text(width / 2, height / 2, message, anchor="middle")
        + "</svg>"
    )


def line_chart(
    points: Sequence[tuple[str, float | None]],
    *,
    title: str,
    chart_id: str,
    format_value: Formatter = _plain,
    width: int = 560,
    height: int = 180,
) -> SafeString:
    """A line over `points` ((x label, value), in order), with the y axis labelled at its
    minimum and maximum and the x axis at its first and last label. A None value (undefined
    that day) breaks the line rather than dropping it to zero."""
    values = [value for _, value in points if value is not None]
    if not values:
        return _empty(chart_id, title, width, height, "line")
    frame = _Frame(width, height)
    low, high = min(values), max(values)
    span = high - low or abs(high) or 1.0
    # A flat series sits in the middle rather than on an axis.
    if high == low:
        low, high = low - span / 2, high + span / 2
        span = high - low
    steps = max(len(points) - 1, 1)

    def x(index: int) -> float:
        if len(points) == 1:
            return frame.left + frame.plot_width / 2
        return frame.left + frame.plot_width * index / steps

    def y(value: float) -> float:
        return frame.top + frame.plot_height * (1 - (value - low) / span)

    segments, current = [], []
    for index, (_, value) in enumerate(points):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append((x(index), y(value)))
    if current:
        segments.append(current)

    first_label, last_label = points[0][0], points[-1][0]
    last_value = next(value for _, value in reversed(points) if value is not None)
    desc = (
        f"{len(points)} values from {first_label} to {last_label}; lowest "
        f"{format_value(min(values))}, highest {format_value(max(values))}, latest "
        f"{format_value(last_value)}."
    )
    parts = [_open(chart_id, title, desc, width, height, "line")]
    bottom = frame.top + frame.plot_height
    parts.append(
        format_html(
            '<path class="chart__axis" d="M{l} {t}V{b}H{r}" fill="none" stroke="{c}"/>',
            l=frame.left,
            t=frame.top,
            b=_num(bottom),
            r=frame.width - frame.right,
            c=AXIS,
        )
    )
    # Minimum and maximum of the data, labelled on the y axis with a faint guide.
    for value in {min(values), max(values)}:
        parts.append(
            format_html(
                '<path class="chart__grid" d="M{l} {y}H{r}" stroke="{c}" stroke-dasharray="3 3"/>',
                l=frame.left,
                y=_num(y(value)),
                r=frame.width - frame.right,
                c=GRID,
            )
        )
        parts.append(_text(frame.left - 6, y(value) + 4, format_value(value), anchor="end"))
    parts.append(_text(frame.left, height - 8, first_label))
    if len(points) > 1:
        parts.append(_text(frame.width - frame.right, height - 8, last_label, anchor="end"))
    for segment in segments:
        if len(segment) == 1:
            (cx, cy) = segment[0]
            parts.append(
                format_html(
                    '<circle class="chart__dot" cx="{}" cy="{}" r="3" fill="{}"/>',
                    _num(cx),
                    _num(cy),
                    LINE,
                )
            )
            continue
        d = "M" + "L".join(f"{_num(px)} {_num(py)}" for px, py in segment)
        parts.append(
            format_html(
                '<path class="chart__line" d="{}" fill="none" stroke="{}" stroke-width="2" '
                'stroke-linejoin="round"/>',
                d,
                LINE,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    title: str,
    chart_id: str,
    format_value: Formatter = _plain,
    width: int = 560,
    bar_height: int = 22,
) -> SafeString:
    """Horizontal bars, one per (label, value), each with its label and value written
    beside it; the bars start at zero."""
    values = [value for _, value in bars if value is not None]
    height = max(len(bars), 1) * (bar_height + 8) + 8
    if not values:
        return _empty(chart_id, title, width, max(height, 60), "bar")
    label_width, value_width = 160, 80
    plot = width - label_width - value_width
    high = max(max(values), 0) or 1.0
    desc = "; ".join(
        f"{label}: {'—' if value is None else format_value(value)}" for label, value in bars
    )
    parts = [_open(chart_id, title, desc, width, height, "bar")]
    for index, (label, value) in enumerate(bars):
        top = 8 + index * (bar_height + 8)
        middle = top + bar_height / 2 + 4
        parts.append(_text(label_width - 8, middle, _shorten(label, 24), anchor="end"))
        length = 0.0 if value is None else plot * max(value, 0) / high
        parts.append(
            format_html(
                '<rect class="chart__bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                label_width,
                top,
                _num(length),
                bar_height,
                LINE,
            )
        )
        shown = "—" if value is None else format_value(value)
        parts.append(_text(label_width + length + 6, middle, shown))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html


def heat_map(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[float | None]],
    *,
    title: str,
    chart_id: str,
    format_value: Formatter = _plain,
    low: float = 0.0,
    high: float = 1.0,
    cell_width: int = 46,
    cell_height: int = 24,
) -> SafeString:
    """A grid of `rows` × `columns`; `cells[r][c]` is shaded on the scale low..high and
    written in its cell. A missing or None cell (a month not reached yet) stays blank."""
    row_label_width, header = 76, 22
    width = row_label_width + max(len(columns), 1) * cell_width + 4
    height = header + max(len(rows), 1) * cell_height + 4
    if not rows or not columns:
        return _empty(chart_id, title, max(width, 300), max(height, 60), "heat")
    span = (high - low) or 1.0
    desc = (
        f"{len(rows)} rows ({rows[0]} to {rows[-1]}) by {len(columns)} columns "
        f"({columns[0]} to {columns[-1]}); the table beside gives every value."
    )
    parts = [_open(chart_id, title, desc, width, height, "heat")]
    for c, column in enumerate(columns):
        x = row_label_width + c * cell_width + cell_width / 2
        parts.append(_text(x, header - 8, column, anchor="middle"))
    for r, row in enumerate(rows):
        top = header + r * cell_height
        parts.append(_text(row_label_width - 6, top + cell_height / 2 + 4, row, anchor="end"))
        row_cells = cells[r] if r < len(cells) else ()
        for c in range(len(columns)):
            value = row_cells[c] if c < len(row_cells) else None
            left = row_label_width + c * cell_width
            if value is None:
                fill, ink, shown = EMPTY_CELL, TEXT, ""
            else:
                share = min(max((value - low) / span, 0.0), 1.0)
                fill, ink = HEAT[min(int(share * len(HEAT)), len(HEAT) - 1)]
                shown = format_value(value)
            parts.append(
                format_html(
                    '<rect class="chart__cell" x="{}" y="{}" width="{}" height="{}" '
                    'fill="{}" stroke="#ffffff"/>',
                    left,
                    top,
                    cell_width,
                    cell_height,
                    fill,
                )
            )
            if shown:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" text-anchor="middle" fill="{}" '
                        'font-size="10">{}</text>',
                        _num(left + cell_width / 2),
                        _num(top + cell_height / 2 + 4),
                        ink,
                        shown,
                    )
                )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
