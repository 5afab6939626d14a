"""How one row of a document is drawn: Rich segments styled by highlights, cursors, selection and hits.

Plain Python over Rich (no Textual): the widget hands over the row's text and what covers it, and a
way to look up its component styles (the CSS of the cursor, the selection, the hits); the painter
caches one style per combination, so a row costs a few dictionary look-ups per run of text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.color import Color
from rich.segment import Segment
from rich.style import Style

from reader.tui.widgets.document.highlights import Highlight

Span = tuple[int, int]

GUTTER = 2  # margin mark column and a space
MARGIN_MARK = "▌"
DEFAULT_BACKGROUND = "#1e1e1e"  # blended into when the widget has no background of its own


def blend(colours: tuple[str, ...], base: Style, share: float = 0.45) -> Color:
    """Tag colours mixed into the background: readable, and a mix of two shows an overlap."""
    background = base.bgcolor.get_truecolor() if base.bgcolor else Color.parse(DEFAULT_BACKGROUND).get_truecolor()
    red = green = blue = 0
    for colour in colours:
        triplet = Color.parse(colour).get_truecolor()
        red, green, blue = red + triplet.red, green + triplet.green, blue + triplet.blue
    count = len(colours)
    mix = (red / count, green / count, blue / count)
    return Color.from_rgb(*(background[i] * (1 - share) + mix[i] * share for i in range(3)))


class RowPainter:
    """Turns one wrapped row into styled segments: highlight colours blended into the background (a mix
    and an underline where they overlap, italic for a guess), the cursor sentence, the selection,
    search hits and the word cursor.

    component_style(name) gives the widget's style for one of its component classes
    ("document-view--cursor", "--selection", "--search-hit", "--current-hit", "--word").
    """

    def __init__(self, component_style: Callable[[str], Style]) -> None:
        self._component_style = component_style
        self._cache: dict[tuple[object, ...], Style] = {}

    def clear(self) -> None:
        """Forget the cached styles (the theme or the CSS changed)."""
        self._cache.clear()

    def paint(
        self,
        shown: str,
        row: Span,
        base: Style,
        highlights: Sequence[Highlight],
        hits: Sequence[Span],
        current_hit: Span | None,
        cursor: Span,
        selection: Span | None,
        word: Span | None,
    ) -> list[Segment]:
        """The margin and the runs of the row [start, end) whose display-safe text is shown."""
        start, end = row
        points = {start, end}
        extra = ([selection] if selection else []) + ([word] if word else [])
        for a, b in [(h.start, h.end) for h in highlights] + list(hits) + [cursor] + extra:
            if a > start and a < end:
                points.add(a)
            if b > start and b < end:
                points.add(b)
        ordered = sorted(points)
        segments = [self._margin(highlights, base)]
        for a, b in zip(ordered, ordered[1:]):
            covering = tuple(h for h in highlights if h.start <= a < h.end)
            style = self.style_for(
                base,
                tuple(h.colour for h in covering),
                any(h.guessed for h in covering),
                cursor[0] <= a < cursor[1],
                bool(selection and selection[0] <= a < selection[1]),
                next((2 if hit == current_hit else 1 for hit in hits if hit[0] <= a < hit[1]), 0),
                bool(word and word[0] <= a < word[1]),
            )
            segments.append(Segment(shown[a - start : b - start], style))
        return segments

    @staticmethod
    def _margin(highlights: Sequence[Highlight], base: Style) -> Segment:
        marked = [h for h in highlights if h.marked]
        if not marked:
            return Segment(" " * GUTTER, base)
        return Segment(MARGIN_MARK.ljust(GUTTER), base + Style(color=marked[0].colour))

    def style_for(
        self,
        base: Style,
        colours: tuple[str, ...],
        guessed: bool,
        in_cursor: bool,
        in_selection: bool,
        hit: int,
        in_word: bool = False,
    ) -> Style:
        """The style of a run of text. The cursor sentence on highlighted text gets a stronger mix of
        the colours (not bold alone); the word cursor is drawn in reverse, visible on any background.
        hit: 0 no search hit, 1 a hit, 2 the current hit."""
        key = (colours, guessed, in_cursor, in_selection, hit, in_word)
        style = self._cache.get(key)
        if style is not None:
            return base + style
        style = Style()
        if colours:
            style += Style(bgcolor=blend(colours, base), underline=len(colours) > 1, italic=guessed)
        if in_cursor:
            cursor = self._component_style("document-view--cursor")
            style += Style(bold=cursor.bold, bgcolor=blend(colours, base, share=0.75) if colours else cursor.bgcolor)
        if in_selection:
            found = self._component_style("document-view--selection")
            style += Style(color=found.color, bgcolor=found.bgcolor)
        if hit:
            found = self._component_style("document-view--current-hit" if hit == 2 else "document-view--search-hit")
            style += Style(color=found.color, bgcolor=found.bgcolor)
        if in_word:
            found = self._component_style("document-view--word")
            style += Style(reverse=True) if not found.reverse and not found.bgcolor else found
        self._cache[key] = style
        return base + style
