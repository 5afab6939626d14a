"""A scroll view over a lazily wrapped text, drawn row by row with Textual's Line API.

Built like Textual's `Log` and toolong's `LogLines` (a ScrollView whose `render_line` returns cached
Strips), because TextArea takes seconds to lay out a long document. This part keeps the layout
wrapped to the widget's width, wraps exactly the blocks that come into view (keeping the text at the
top row in place when an estimate was wrong) and caches drawn rows; what a row looks like is the
subclass's `render_row`.
"""

from __future__ import annotations

from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.tui.widgets.document.layout import UNMEASURED_WIDTH, DocumentLayout
from reader.tui.widgets.document.painting import GUTTER


class WrappedScrollView(ScrollView):
    """Scrolls the rows of a `DocumentLayout`; subclasses draw a row (`render_row`) and say which offset
    to keep in view when the width changes (`kept_offset`)."""

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.document_layout = DocumentLayout(on_height_change=self._set_virtual_height)
        self._strips: LRUCache[tuple[int, int], Strip] = LRUCache(2048)
        self._base_style: Style | None = None
        self._render_width = 0
        self._adjusting = False
        self._pending_position = 0  # where to open the text once the widget knows its width

    @property
    def top_offset(self) -> int:
        """The offset of the first character on the top visible row."""
        return self.document_layout.row_start(int(self.scroll_y))

    def scroll_to_offset(self, offset: int, top: bool = True) -> None:
        """Scroll so the row holding offset is at the top (or just into view when top is False)."""
        self._scroll_row_into_view(self.document_layout.row_of_offset(offset), top)

    def redraw(self) -> None:
        """Drop every cached row and repaint the whole view."""
        self._strips.clear()
        self.refresh()

    def kept_offset(self) -> int:
        """The offset kept in view when the text is wrapped again (the subclass's cursor)."""
        return 0

    def render_row(self, row: int, width: int) -> Strip:
        """The drawing of one virtual row (row 0 is the top of the text)."""
        return Strip.blank(width, self._base)

    # --- layout ----------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._render_width = self.scrollable_content_region.width
        self.redraw()
        if self.document_layout.wrap_width != self._content_width():
            anchor = self.top_offset if self.document_layout.wrap_width else self._pending_position
            self._layout()
            self._scroll_row_into_view(self.document_layout.row_of_offset(anchor), top=True)
            if self.document_layout.wrap_width:
                self._scroll_row_into_view(self.document_layout.row_of_offset(self.kept_offset()), top=False)

    def _content_width(self) -> int:
        return max(8, self.scrollable_content_region.width - GUTTER - 1)

    def _layout(self) -> None:
        """(Re)wrap the text for the current width (a default width until the widget has a size)."""
        if self.size.width:
            self.document_layout.relayout(self._content_width())
        else:
            self.document_layout.relayout(UNMEASURED_WIDTH, measured=False)
        self.redraw()

    def _set_virtual_height(self, rows: int) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, rows)

    def _prepare_viewport(self) -> None:
        """Lay out exactly the blocks on screen, keeping the text at the top row where it was."""
        if not self.document_layout.blocks or self._adjusting:
            return
        self._adjusting = True
        try:
            top = int(self.scroll_y)
            moved = self.document_layout.wrap_top_block(top)
            if moved is not None:
                self.scroll_to(y=moved, animate=False, immediate=True, force=True)
                top = moved
            self.document_layout.wrap_rows(top, top + self.size.height + 1)
        finally:
            self._adjusting = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        self._prepare_viewport()
        super().watch_scroll_y(old_value, new_value)

    def _scroll_row_into_view(self, row: int, top: bool) -> None:
        height = max(1, self.size.height)
        current = int(self.scroll_y)
        if top:
            target = row
        elif row < current:
            target = row
        elif row >= current + height:
            target = row - height + 1
        else:
            return
        self.scroll_to(y=max(0, target), animate=False, immediate=True, force=True)

    # --- rendering -------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None
        self.redraw()

    @property
    def _base(self) -> Style:
        """The widget's own style, computed once per theme or CSS change (rich_style walks the DOM)."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_y) + y
        width = self._render_width or self.scrollable_content_region.width
        key = (row, width)
        cached = self._strips.get(key)
        if cached is not None:
            return cached
        strip = self.render_row(row, width)
        self._strips[key] = strip
        return strip
