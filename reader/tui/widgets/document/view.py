"""DocumentView: one document, soft-wrapped in terminal cells, drawn with Textual's Line API.

The widget holds the cursors and the selection and handles keys, mouse and drawing; it asks its parts,
as TextArea asks its wrapped document and navigator: `document_layout` (wrapping, rows <-> offsets, kept
by its base class WrappedScrollView), `navigator` (where a key moves the cursors), `highlight_layers`
(the coloured spans), `search` (hits) and a row painter (styles).
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from reader.text import display_safe
from reader.tui.base import ReaderScreen
from reader.tui.widgets.document.highlights import Highlight, HighlightLayers
from reader.tui.widgets.document.navigation import Navigator
from reader.tui.widgets.document.painting import GUTTER, RowPainter
from reader.tui.widgets.document.scrolling import WrappedScrollView
from reader.tui.widgets.document.search import Search

Span = tuple[int, int]

MAX_PARTIAL_ROWS = 200  # a cursor or selection spanning more rows repaints the whole view


class DocumentView(WrappedScrollView, can_focus=True):
    """A read-only view of one document with a sentence cursor, a selection, highlights and search hits.

    API (all offsets are code-point offsets into the text given to `load`):
    - `load(text, position=0)`: show a document, cursor on the sentence at `position`.
    - `set_highlights(layer, highlights)`: replace one named layer of `Highlight`s ("annotations" for
      the reading screen; another screen can add e.g. "aligned"). Overlaps blend and are underlined.
      `highlights(layer)` reads one back; `highlights_at(offset)` gives every layer's at an offset.
    - `cursor` (span of the current sentence), `selection` (span or None), `target` (the selection,
      else the cursor sentence): what an annotate command acts on.
    - `move_cursor_to(offset)`, `scroll_to_offset(offset)`, `top_offset` (first visible character);
      `navigator.sentence_at(offset)`, `document_layout.row_of_offset(offset)` / `.row_span(row)`.
    - `set_search(query)`, `search_next(forward=True)`: case-insensitive search, hits highlighted.
    - Actions (bound below, ids "doc.*"): cursor by sentence/paragraph, scroll, page, start/end,
      selection by word/sentence.
    Messages: `CursorMoved` whenever the cursor or the selection changes (handlers update status lines
    and save the reading position).
    """

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    DocumentView { scrollbar-gutter: stable; overflow-x: hidden; scrollbar-size-vertical: 1; }
    """
    COMPONENT_CLASSES = {
        "document-view--cursor",
        "document-view--word",
        "document-view--selection",
        "document-view--search-hit",
        "document-view--current-hit",
    }
    BINDINGS = [
        Binding("j", "next_sentence", "Next sentence", id="doc.next_sentence"),
        Binding("k", "previous_sentence", "Previous sentence", id="doc.previous_sentence"),
        Binding(
            "j",
            "extend_sentence(1)",
            "Extend by a sentence, while selecting",
            show=False,
            id="doc.select_next_sentence",
        ),
        Binding(
            "k",
            "extend_sentence(-1)",
            "Shrink by a sentence, while selecting",
            show=False,
            id="doc.select_previous_sentence",
        ),
        Binding(
            "w,l,right", "extend_word(1)", "Extend by a word, while selecting", show=False, id="doc.select_next_word"
        ),
        Binding(
            "b,h,left",
            "extend_word(-1)",
            "Shrink by a word, while selecting",
            show=False,
            id="doc.select_previous_word",
        ),
        Binding("l", "move_word(1, True)", "Next word (word cursor)", id="doc.next_word"),
        Binding("h", "move_word(-1, True)", "Previous word (word cursor)", id="doc.previous_word"),
        Binding("right", "move_word(1)", "Next word (word cursor)", show=False, id="doc.next_word_arrow"),
        Binding("left", "move_word(-1)", "Previous word (word cursor)", show=False, id="doc.previous_word_arrow"),
        Binding("down", "scroll_lines(1)", "Scroll down a line", id="doc.line_down"),
        Binding("up", "scroll_lines(-1)", "Scroll up a line", id="doc.line_up"),
        Binding("space,pagedown", "page(1)", "Page down", id="doc.page_down"),
        Binding("b,pageup", "page(-1)", "Page up", id="doc.page_up"),
        Binding("g,home", "start", "Start of document", id="doc.start"),
        Binding("G,end", "end", "End of document", id="doc.end"),
        Binding("right_curly_bracket", "next_paragraph", "Next paragraph", id="doc.next_paragraph"),
        Binding("left_curly_bracket", "previous_paragraph", "Previous paragraph", id="doc.previous_paragraph"),
        Binding("v", "start_selection", "Select the word under the word cursor", id="doc.select"),
        Binding("escape", "cancel_selection", "Cancel the selection", id="doc.cancel_selection"),
    ]

    class CursorMoved(Message):
        """The cursor sentence or the selection changed."""

        def __init__(self, view: DocumentView) -> None:
            super().__init__()
            self.view = view

        @property
        def control(self) -> DocumentView:
            return self.view

    def __init__(
        self, text: str = "", *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.text = ""
        self.cursor: Span = (0, 0)
        self.word: Span | None = None  # the word cursor, inside the cursor sentence
        self.selection: Span | None = None
        self.navigator = Navigator()
        self.highlight_layers = HighlightLayers()
        self.search = Search()
        self._painter = RowPainter(lambda name: self.get_component_rich_style(name, partial=False))
        self._drag_start: int | None = None
        self._painted: tuple[Span | None, ...] | None = None  # cursor, word, selection as last drawn
        if text:
            self.load(text)

    # --- public API ------------------------------------------------------------------------------

    def load(self, text: str, position: int = 0) -> None:
        """Show text (replacing what was shown), with the cursor on the sentence at position."""
        self.text = text
        self.document_layout.load(text)
        self.navigator.text = text
        self.search.set_text(text)
        self.selection = None
        self._pending_position = position
        self._layout()
        self.highlight_layers.index_blocks(self.document_layout.block_starts)
        self.move_cursor_to(position)

    def replace_text(self, text: str) -> None:
        """Show a longer text of which the current one is a prefix, keeping the view and the cursor."""
        top, cursor, selection = self.top_offset, self.cursor, self.selection
        self.load(text, cursor[0])
        self.scroll_to_offset(top)
        self.cursor, self.selection = cursor, selection
        self.redraw()

    @property
    def target(self) -> Span:
        """What an annotation would cover: the selection, else the cursor sentence."""
        return self.selection or self.cursor

    def set_highlights(self, layer: str, highlights: list[Highlight]) -> None:
        """Replace one layer of highlights (sorted here; any number)."""
        self.highlight_layers.set_layer(layer, highlights)
        self.redraw()

    def highlights(self, layer: str) -> tuple[Highlight, ...]:
        """The highlights of one layer, in order of start (empty if the layer was never set)."""
        return self.highlight_layers.layer(layer)

    def highlights_at(self, offset: int) -> list[Highlight]:
        """Highlights of every layer covering offset (for 'the annotation under the cursor')."""
        return self.highlight_layers.at(offset)

    def move_cursor_to(self, offset: int, scroll: bool = True) -> None:
        """Put the cursor on the sentence containing (or next after) offset, the word cursor on the word there."""
        span = self.navigator.sentence_at(offset)
        self._set_cursor(span, scroll, word=self.navigator.word_in(span, offset))

    @property
    def current_hit(self) -> Span | None:
        """The search hit last moved to, if any."""
        return self.search.current_hit

    @property
    def search_wrapped(self) -> bool:
        """Whether the last `search_next` went round the end (or the start) of the text."""
        return self.search.wrapped

    def set_search(self, query: str) -> None:
        """Highlight every occurrence of query, accents and case folded (an empty query clears the search)."""
        self.search.set_query(query)
        self.redraw()

    def search_position(self) -> tuple[int, int] | None:
        """(which hit the current one is, counting from 1; how many there are), or None (see Search.position)."""
        return self.search.position()

    def search_next(self, forward: bool = True) -> Span | None:
        """Move to the next (or previous) hit after the cursor, wrapping around; None if there is none.
        search_wrapped tells whether this step went round the end (or the start) of the text."""
        if not self.search.pattern:
            return None
        current = self.search.current_hit
        origin = current[0] if current else (self.word or self.cursor)[0] - (1 if forward else 0)
        hit = self.search.step(origin, forward)
        if hit is None:
            return None
        sentence = self.navigator.sentence_at(hit[0])
        self._set_cursor(sentence, scroll=False, word=self.navigator.word_in(sentence, hit[0]))
        self._scroll_row_into_view(self.document_layout.row_of_offset(hit[0]), top=False)
        self.redraw()
        return hit

    def redraw(self) -> None:
        """Drop every cached row and repaint the whole view (a cursor move repaints only its rows)."""
        self._painted = (self.cursor, self.word, self.selection)
        super().redraw()

    # --- actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        selecting = self.selection is not None and not self._drag_active
        if action in ("extend_sentence", "extend_word"):
            return selecting
        if action == "cancel_selection":
            return self.selection is not None
        if action in ("next_sentence", "previous_sentence"):
            return not selecting
        if action == "move_word":
            if selecting:
                return False
            if len(parameters) > 1 and parameters[1]:  # h / l: a letter the screen binds itself stays its own
                direction = parameters[0]  # (the comparison screen's l links)
                letter = "l" if isinstance(direction, int) and direction > 0 else "h"
                screen = self.screen
                return not (isinstance(screen, ReaderScreen) and screen.binds_key(letter))
        return True

    @property
    def _drag_active(self) -> bool:
        return self._drag_start is not None

    def action_next_sentence(self) -> None:
        self._set_cursor(self.navigator.next_sentence(self.cursor))

    def action_previous_sentence(self) -> None:
        self._set_cursor(self.navigator.previous_sentence(self.cursor))

    def action_next_paragraph(self) -> None:
        sentence = self.navigator.next_paragraph(self.cursor)
        if sentence is not None:
            self._set_cursor(sentence)

    def action_previous_paragraph(self) -> None:
        sentence = self.navigator.previous_paragraph(self.cursor)
        if sentence is not None:
            self._set_cursor(sentence)

    def action_scroll_lines(self, count: int) -> None:
        self.scroll_to(y=self.scroll_y + count, animate=False, immediate=True)
        self._keep_cursor_visible()

    def action_page(self, direction: int) -> None:
        self.scroll_to(y=self.scroll_y + direction * max(1, self.size.height - 1), animate=False, immediate=True)
        self._keep_cursor_visible()

    def action_start(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)
        self._set_cursor(self.navigator.sentence_at(0), scroll=False)

    def action_end(self) -> None:
        layout = self.document_layout
        if not layout.blocks:
            return
        layout.ensure_block(len(layout.blocks) - 1)
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self._prepare_viewport()
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self._set_cursor(self.navigator.last_sentence(), scroll=False)

    def action_move_word(self, direction: int, letter: bool = False) -> None:
        """Move the word cursor a word right or left; past the sentence's edge the sentence cursor follows."""
        stepped = self.navigator.step_word(self.cursor, self.word, direction)
        if stepped is None:
            return
        sentence, moved = stepped
        self._set_cursor(sentence, scroll=False, word=moved)
        self._scroll_row_into_view(self.document_layout.row_of_offset(moved[0]), top=False)

    def action_start_selection(self) -> None:
        word = self.word or self.navigator.word_in(self.cursor, self.cursor[0]) or self.cursor
        self.word = word
        self._set_selection(word)

    def action_cancel_selection(self) -> None:
        self._set_selection(None)

    def action_extend_word(self, direction: int) -> None:
        if self.selection is None:
            return
        shaped = self.navigator.grow_by_word(self.selection, direction)
        if shaped is not None:
            self.word = shaped[1]
            self._set_selection(shaped[0])

    def action_extend_sentence(self, direction: int) -> None:
        if self.selection is None:
            return
        grown = self.navigator.grow_by_sentence(self.selection, direction)
        if grown is not None:
            self._set_selection(grown)
        if self.selection:
            self.word = self.navigator.last_word(self.selection) or self.word
            self.redraw()

    # --- mouse -----------------------------------------------------------------------------------

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = self._offset_at(event.x, event.y)
        if offset is None:
            return
        self._drag_start = offset
        self.capture_mouse()
        self.focus()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_start is None:
            return
        offset = self._offset_at(event.x, event.y)
        if offset is not None and offset != self._drag_start:
            start, end = sorted((self._drag_start, offset))
            self._set_selection((start, end + 1))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_start is None:
            return
        offset = self._offset_at(event.x, event.y)
        start = self._drag_start
        self._drag_start = None
        self.release_mouse()
        if offset is None or offset == start:
            self._set_selection(None)
            sentence = self.navigator.sentence_at(start)
            self._set_cursor(sentence, scroll=False, word=self.navigator.word_in(sentence, start))

    def _offset_at(self, x: int, y: int) -> int | None:
        return self.document_layout.offset_at(int(self.scroll_y) + y, x - GUTTER)

    # --- cursor and selection --------------------------------------------------------------------

    def _set_cursor(self, span: Span, scroll: bool = True, word: Span | None = None) -> None:
        """Move the sentence cursor; the word cursor goes to word, else to the sentence's first word."""
        self.cursor = span
        self.word = word or self.navigator.word_in(span, span[0])
        if scroll and self.document_layout.blocks and self.size.height:
            self._scroll_row_into_view(self.document_layout.row_of_offset(span[0]), top=False)
        self._repaint_cursor_rows()
        self.post_message(self.CursorMoved(self))

    def _set_selection(self, span: Span | None) -> None:
        self.selection = span
        if span and self.size.height:
            self._scroll_row_into_view(self.document_layout.row_of_offset(max(span[0], span[1] - 1)), top=False)
        self._repaint_cursor_rows()
        self.post_message(self.CursorMoved(self))

    def _repaint_cursor_rows(self) -> None:
        """Repaint only the rows the cursor, word cursor or selection left or reached: a key that moves
        the cursor redraws a few rows, not the screen (the rest come from the strip cache)."""
        state = (self.cursor, self.word, self.selection)
        painted, self._painted = self._painted, state
        if painted is None or not self.document_layout.blocks or not self.size.height:
            self.redraw()
            return
        width = self._render_width or self.scrollable_content_region.width
        rows = self.document_layout.rows_of_spans({span for span in (*painted, *state) if span}, MAX_PARTIAL_ROWS)
        if rows is None:
            self.redraw()
            return
        for first, last in rows:
            for row in range(first, last + 1):
                self._strips.discard((row, width))
            self.refresh_lines(first, last - first + 1)

    def _keep_cursor_visible(self) -> None:
        """After scrolling, a cursor left off screen moves to the first sentence starting on screen."""
        if not self.document_layout.blocks or not self.size.height:
            return
        top = int(self.scroll_y)
        span = self.navigator.sentence_on_rows(self.document_layout, self.cursor, top, top + self.size.height - 1)
        if span is not None:
            self._set_cursor(span, scroll=False)

    # --- rendering -------------------------------------------------------------------------------

    def kept_offset(self) -> int:
        return self.cursor[0]

    def notify_style_update(self) -> None:
        self._painter.clear()
        super().notify_style_update()

    def render_row(self, row: int, width: int) -> Strip:
        base = self._base
        span = self.document_layout.row_span(row)
        if span is None:
            return Strip.blank(width, base)
        start, end = span
        segments = self._painter.paint(
            display_safe(self.text[start:end]),
            span,
            base,
            self.highlight_layers.touching(start, end),
            self.search.hits_in(start, end),
            self.search.current_hit,
            self.cursor,
            self.selection,
            self.word,
        )
        return Strip(segments).crop_extend(0, width, base)
