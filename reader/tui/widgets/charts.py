"""Terminal charts drawn as Rich Text: stacked horizontal bars and a per-day column chart.

Pure functions of counts and a width, so the statistics screen, its tests and its snapshot all see the
same drawing. Labels are untrusted (source titles, tag names) and pass through display_safe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

from rich.cells import cell_len
from rich.color import Color, ColorParseError
from rich.text import Text

from reader.presentation import UNTAGGED_COLOUR, pad_cells
from reader.text import display_safe, plural

BLOCK = "█"
EIGHTHS = " ▁▂▃▄▅▆▇█"
FALLBACK_COLOUR = UNTAGGED_COLOUR  # a colour Rich cannot draw
MIN_DAYS = 28


def fit(text: str, width: int) -> str:
    """Untrusted text made safe, on one line, cut to width cells with an ellipsis, padded to width."""
    return pad_cells(display_safe(text).replace("\n", " "), width)


def safe_colour(colour: str) -> str:
    """colour if Rich can draw it, else a neutral grey (a hand-edited database may hold anything)."""
    try:
        Color.parse(colour)
    except ColorParseError:
        return FALLBACK_COLOUR
    return colour


def bar_cells(counts: list[int], largest: int, width: int) -> list[int]:
    """How many cells each part of a stacked bar gets: the bar's length is its total against largest,
    shared by largest remainder; every non-zero part gets at least one cell."""
    total = sum(counts)
    if not total or largest <= 0 or width <= 0:
        return [0] * len(counts)
    length = max(sum(1 for c in counts if c), round(width * total / largest))
    exact = [length * c / total for c in counts]
    cells = [max(1, math.floor(x)) if c else 0 for x, c in zip(exact, counts)]
    order = sorted(range(len(counts)), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
    for i in order:
        if sum(cells) >= length:
            break
        if counts[i]:
            cells[i] += 1
    while sum(cells) > length:  # the one-cell minimums overshot: take back from the widest parts
        widest = max(range(len(cells)), key=lambda i: cells[i])
        cells[widest] -= 1
    return cells


def stacked_bar_rows(
    rows: Sequence[tuple[str, Sequence[tuple[str, int, str]]]], label_width: int, bar_width: int, total_width: int
) -> Text:
    """One line per row: label, a bar whose parts (name, count, colour) are coloured, the total and a
    short breakdown ("claim 3 · figure 1") cut to total_width. Bars share one scale: the largest total."""
    largest = max((sum(count for _, count, _ in parts) for _, parts in rows), default=0)
    lines = []
    for label, parts in rows:
        counts = [count for _, count, _ in parts]
        line = Text(fit(label, label_width) + " ")
        for (_, _, colour), cells in zip(parts, bar_cells(counts, largest, bar_width)):
            line.append(BLOCK * cells, style=safe_colour(colour))
        line.append(" " * (bar_width - line.cell_len + label_width + 1))
        line.append(f"{sum(counts):>5}", style="bold")
        breakdown = " · ".join(f"{display_safe(name)} {count}" for name, count, _ in parts if count)
        remaining = total_width - line.cell_len - 2
        if breakdown and remaining > 3:
            line.append("  " + fit(breakdown, remaining).rstrip(), style="dim")
        lines.append(line)
    return Text("\n").join(lines)


def legend(entries: list[tuple[str, str]], width: int) -> Text:
    """Colour swatches with names, wrapped to width."""
    text = Text()
    line_length = 0
    for name, colour in entries:
        item = f"{display_safe(name)}   "
        if line_length and line_length + cell_len(item) + 2 > width:
            text.append("\n")
            line_length = 0
        text.append("■ ", style=safe_colour(colour))
        text.append(item)
        line_length += cell_len(item) + 2
    return text


def day_buckets(per_day: dict[date, int], first: date, last: date, columns: int) -> tuple[int, list[tuple[date, int]]]:
    """Days from first to last grouped so they fit in columns: (days per column, [(column's first day, count)])."""
    days = (last - first).days + 1
    size = max(1, math.ceil(days / max(1, columns)))
    buckets = []
    for start in range(0, days, size):
        day = first + timedelta(days=start)
        buckets.append((day, sum(per_day.get(day + timedelta(days=d), 0) for d in range(size))))
    return size, buckets


def activity_chart(per_day: dict[date, int], today: date, width: int, height: int = 8, colour: str = "#61afef") -> Text:
    """Annotations created per day (or per few days, to fit width) from the first day with any to today,
    as columns of eighth blocks `height` rows tall, with the scale at the left and dates under it."""
    if not per_day:
        return Text("")
    last = max(max(per_day), today)
    first = min(min(per_day), last - timedelta(days=MIN_DAYS - 1))  # a lone day is not one huge column
    axis_width = 5
    columns = max(1, (width - axis_width - 1) // 2)  # a column and a gap per bucket
    size, buckets = day_buckets(per_day, first, last, columns)
    peak = max(count for _, count in buckets) or 1
    lines = []
    for row in range(height, 0, -1):  # top row first
        axis = (
            f"{peak:>{axis_width - 1}} ┤"
            if row == height
            else (f"{0:>{axis_width - 1}} ┤" if row == 1 else " " * (axis_width - 1) + " │")
        )
        line = Text(axis, style="dim")
        for _, count in buckets:
            eighths = round(count * height * 8 / peak)
            filled = eighths - (row - 1) * 8
            glyph = EIGHTHS[max(0, min(8, filled))]
            if count and row == 1 and filled <= 0:
                glyph = EIGHTHS[1]  # a day with any annotation never looks empty
            line.append(glyph, style=colour)
            line.append(" ")
        lines.append(line)
    span = len(buckets) * 2
    left, right = first.isoformat(), last.isoformat()
    axis_line = Text(
        " " * axis_width
        + (left + right.rjust(max(0, span - len(left))) if span >= len(left) + len(right) + 1 else left),
        style="dim",
    )
    lines.append(axis_line)
    unit = "day" if size == 1 else f"{size} days"
    total = sum(per_day.values())
    busiest_day, busiest = max(sorted(per_day.items()), key=lambda item: item[1])
    lines.append(
        Text(
            f"{plural(total, 'annotation')} · one column per {unit} · "
            f"busiest day {busiest_day.isoformat()} ({busiest})",
            style="dim",
        )
    )
    return Text("\n").join(lines)
