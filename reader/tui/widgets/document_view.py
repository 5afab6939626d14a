"""DocumentView: one document, soft-wrapped in terminal cells, drawn with Textual's Line API.

Built like Textual's `Log` and toolong's `LogLines` (a ScrollView whose `render_line` returns cached
Strips), because TextArea takes seconds to lay out a long document. Layout is lazy: the text is cut
into blocks of about 64 KB at line breaks; a block is wrapped exactly only when it comes into view,
and until then its height is estimated from its length. So a 100 MB document shows its first screen
after wrapping one block, and `G` wraps only the last one.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

from rich.cells import cell_len, get_character_cell_size
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.text import display_safe, fold_pattern, sentence_spans, word_spans
from reader.tui.widgets import word_cursor

Span = tuple[int, int]

BLOCK_CHARS = 64 * 1024
EXACT_LAYOUT_LIMIT = 2 * 1024 * 1024  # documents up to this size are wrapped in full at once
COUNT_HITS_LIMIT = 4 * 1024 * 1024  # search counts every hit (shows "hit 3 of 12") in texts up to this size
SENTENCE_WINDOW = 20_000  # a paragraph longer than this is segmented around the cursor only
MAX_PARTIAL_ROWS = 200  # a cursor or selection spanning more rows repaints the whole view
GUTTER = 2  # margin mark column and a space
_NON_SPACE = re.compile(r"\S")
_TOKENS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Highlight:
    """A span to paint: annotations, aligned passages, anything with a colour.

    key identifies what it stands for (an annotation id); marked spans put a mark in the margin;
    status "fuzzy" or "ambiguous" is drawn italic, so a re-anchored guess looks different.
    """

    start: int
    end: int
    colour: str
    key: str = ""
    marked: bool = True
    status: str = "anchored"


class _Block:
    """A run of whole lines of the text; rows holds the start offset of each wrapped row once laid out."""

    __slots__ = ("start", "end", "rows", "estimate")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self.rows: list[int] | None = None
        self.estimate = 1

    @property
    def height(self) -> int:
        return len(self.rows) if self.rows is not None else self.estimate


def _block_bounds(text: str) -> list[Span]:
    """Cut text into blocks of about BLOCK_CHARS ending after a line break (or a space, failing that)."""
    bounds, start, length = [], 0, len(text)
    while start < length:
        end = start + BLOCK_CHARS
        if end >= length:
            end = length
        else:
            newline = text.find("\n", end, end + BLOCK_CHARS * 4)
            if newline != -1:
                end = newline + 1
            else:
                space = text.rfind(" ", start + 1, end)
                end = space + 1 if space != -1 else end
        bounds.append((start, end))
        start = end
    return bounds or [(0, 0)]


def wrap_line(text: str, start: int, end: int, width: int) -> list[int]:
    """Start offsets of the rows of text[start:end] (one line) wrapped at word boundaries to width cells.

    Widths are measured on the display-safe text (one-for-one with the source), so CJK and emoji count
    two cells. A word wider than the row is broken where it reaches the edge.
    """
    width = max(1, width)
    if end - start <= width:
        return [start]
    line = text[start:end]
    rows = [start]
    if line.isascii():  # one cell per character: find the last space that fits
        position = start
        while end - position > width:
            cut = text.rfind(" ", position, position + width + 1)
            position = cut + 1 if cut > position else position + width
            rows.append(position)
        return rows
    shown = display_safe(line)
    used = 0
    for match in _TOKENS.finditer(shown):
        token = match.group()
        token_cells = cell_len(token.rstrip())
        if used and used + token_cells > width:
            rows.append(start + match.start())
            used = 0
        if token_cells > width:  # break a long word by cells
            for index, char in enumerate(token):
                size = get_character_cell_size(char)
                if used + size > width and used:
                    rows.append(start + match.start() + index)
                    used = 0
                used += size
        else:
            used += cell_len(token)
    return rows


class DocumentView(ScrollView, can_focus=True):
    """A read-only view of one document with a sentence cursor, a selection, highlights and search hits.

    API (all offsets are code-point offsets into the text given to `load`):
    - `load(text, position=0)`: show a document, cursor on the sentence at `position`.
    - `set_highlights(layer, highlights)`: replace one named layer of `Highlight`s ("annotations" for
      the reading screen; another screen can add e.g. "aligned"). Overlaps blend and are underlined.
    - `cursor` (span of the current sentence), `selection` (span or None), `target` (the selection,
      else the cursor sentence): what an annotate command acts on.
    - `move_cursor_to(offset)`, `scroll_to_offset(offset)`, `top_offset` (first visible character).
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
        Binding("j", "extend_sentence(1)", "Extend selection by a sentence", show=False, id="doc.select_next_sentence"),
        Binding(
            "k", "extend_sentence(-1)", "Shrink selection by a sentence", show=False, id="doc.select_previous_sentence"
        ),
        Binding("w,l,right", "extend_word(1)", "Extend selection by a word", show=False, id="doc.select_next_word"),
        Binding("b,h,left", "extend_word(-1)", "Shrink selection by a word", show=False, id="doc.select_previous_word"),
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
        self._selection_anchor = 0
        self._layers: dict[str, list[Highlight]] = {}
        self._block_highlights: list[list[Highlight]] = []
        self._blocks: list[_Block] = []
        self._block_starts: list[int] = []
        self._block_tops: list[int] = [0]
        self._wrap_width = 0
        self._search: re.Pattern[str] | None = None
        self._search_reach = 0
        self._hit_starts: list[int] | None = None
        self.search_wrapped = False
        self.current_hit: Span | None = None
        self._strips: LRUCache[tuple[int, int], Strip] = LRUCache(2048)
        self._generation = 0
        self._style_cache: dict[tuple, Style] = {}
        self._base_style: Style | None = None
        self._render_width = 0
        self._adjusting = False
        self._drag_start: int | None = None
        self._pending_position = 0
        self._painted: tuple[Span | None, ...] | None = None  # cursor, word, selection as last drawn
        if text:
            self.load(text)

    # --- public API ------------------------------------------------------------------------------

    def load(self, text: str, position: int = 0) -> None:
        """Show text (replacing what was shown), with the cursor on the sentence at position."""
        self.text = text
        self._blocks = [_Block(start, end) for start, end in _block_bounds(text)]
        self._block_starts = [block.start for block in self._blocks]
        self._wrap_width = 0
        self.selection = None
        self.current_hit = None
        self._pending_position = position
        self._layout()
        self._reindex_highlights()
        self.move_cursor_to(position)

    def replace_text(self, text: str) -> None:
        """Show a longer text of which the current one is a prefix, keeping the view and the cursor."""
        top, cursor, selection = self.top_offset, self.cursor, self.selection
        self.load(text, cursor[0])
        self.scroll_to_offset(top)
        self.cursor, self.selection = cursor, selection
        self._invalidate()

    @property
    def target(self) -> Span:
        """What an annotation would cover: the selection, else the cursor sentence."""
        return self.selection or self.cursor

    @property
    def top_offset(self) -> int:
        """The offset of the first character on the top visible row."""
        return self._row_start(int(self.scroll_y))

    def set_highlights(self, layer: str, highlights: list[Highlight]) -> None:
        """Replace one layer of highlights (sorted here; any number)."""
        self._layers[layer] = sorted(highlights, key=lambda h: (h.start, h.end))
        self._reindex_highlights()
        self._invalidate()

    def highlights_at(self, offset: int) -> list[Highlight]:
        """Highlights of every layer covering offset (for 'the annotation under the cursor')."""
        found = []
        for highlight in self._block_highlights[self._block_index(offset)] if self._blocks else []:
            if highlight.start <= offset < highlight.end:
                found.append(highlight)
        return found

    def move_cursor_to(self, offset: int, scroll: bool = True) -> None:
        """Put the cursor on the sentence containing (or next after) offset, the word cursor on the word there."""
        span = self._sentence_at(offset)
        self._set_cursor(span, scroll, word=self._word_in(span, offset))

    def scroll_to_offset(self, offset: int, top: bool = True) -> None:
        """Scroll so the row holding offset is at the top (or just into view when top is False)."""
        row = self._row_of_offset(offset)
        self._scroll_row_into_view(row, top)

    def set_search(self, query: str) -> None:
        """Highlight every occurrence of query, accents and case folded (an empty query clears the search)."""
        self._search = fold_pattern(query) if query else None
        self._search_reach = len(query) * 4 + 8
        self._hit_starts: list[int] | None = None
        self.search_wrapped = False
        self.current_hit = None
        self._invalidate()

    def search_position(self) -> tuple[int, int] | None:
        """(which hit the current one is, counting from 1; how many there are), or None when there is no
        current hit or the text is too big to count every hit on a key press (over COUNT_HITS_LIMIT)."""
        if not self._search or not self.current_hit or len(self.text) > COUNT_HITS_LIMIT:
            return None
        if self._hit_starts is None:
            self._hit_starts = [match.start() for match in self._search.finditer(self.text)]
        return bisect_left(self._hit_starts, self.current_hit[0]) + 1, len(self._hit_starts)

    def search_next(self, forward: bool = True) -> Span | None:
        """Move to the next (or previous) hit after the cursor, wrapping around; None if there is none.
        search_wrapped tells whether this step went round the end (or the start) of the text."""
        if not self._search:
            return None
        origin = self.current_hit[0] if self.current_hit else (self.word or self.cursor)[0] - (1 if forward else 0)
        hit = self._find_hit(origin, forward)
        if hit is None:
            return None
        self.search_wrapped = hit[0] <= origin if forward else hit[0] >= origin
        self.current_hit = hit
        sentence = self._sentence_at(hit[0])
        self._set_cursor(sentence, scroll=False, word=self._word_in(sentence, hit[0]))
        self._scroll_row_into_view(self._row_of_offset(hit[0]), top=False)
        self._invalidate()
        return hit

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
                letter = "l" if parameters[0] > 0 else "h"  # (the comparison screen's l links)
                return not self.screen._bindings.key_to_bindings.get(letter)
        return True

    @property
    def _drag_active(self) -> bool:
        return self._drag_start is not None

    def action_next_sentence(self) -> None:
        self._set_cursor(self._next_sentence(self.cursor))

    def action_previous_sentence(self) -> None:
        self._set_cursor(self._previous_sentence(self.cursor))

    def action_next_paragraph(self) -> None:
        start = self._next_paragraph_start(self.cursor[0])
        if start is not None:
            self._set_cursor(self._sentence_at(start))

    def action_previous_paragraph(self) -> None:
        line_start = self.text.rfind("\n", 0, self.cursor[0]) + 1
        paragraph_start = self._first_non_space(line_start)
        if paragraph_start is not None and paragraph_start < self.cursor[0]:
            self._set_cursor(self._sentence_at(paragraph_start))
            return
        previous = self._previous_non_space(line_start - 1)
        if previous is None:
            return
        line_start = self.text.rfind("\n", 0, previous) + 1
        self._set_cursor(self._sentence_at(self._first_non_space(line_start) or line_start))

    def action_scroll_lines(self, count: int) -> None:
        self.scroll_to(y=self.scroll_y + count, animate=False, immediate=True)
        self._keep_cursor_visible()

    def action_page(self, direction: int) -> None:
        self.scroll_to(y=self.scroll_y + direction * max(1, self.size.height - 1), animate=False, immediate=True)
        self._keep_cursor_visible()

    def action_start(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)
        self._set_cursor(self._sentence_at(0), scroll=False)

    def action_end(self) -> None:
        if not self._blocks:
            return
        self._ensure_block(len(self._blocks) - 1)
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self._prepare_viewport()
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        last = self._previous_non_space(len(self.text) - 1)
        self._set_cursor(self._sentence_at(last if last is not None else 0), scroll=False)

    def action_move_word(self, direction: int, letter: bool = False) -> None:
        """Move the word cursor a word right or left; past the sentence's edge the sentence cursor follows."""
        current = self.word or self._word_in(self.cursor, self.cursor[0])
        if current is None:
            return
        moved = (word_cursor.next_word if direction > 0 else word_cursor.previous_word)(self.text, current)
        if moved is None:
            return
        sentence = self.cursor if self.cursor[0] <= moved[0] < self.cursor[1] else self._sentence_at(moved[0])
        self._set_cursor(sentence, scroll=False, word=moved)
        self._scroll_row_into_view(self._row_of_offset(moved[0]), top=False)

    def action_start_selection(self) -> None:
        word = self.word or self._word_in(self.cursor, self.cursor[0]) or self.cursor
        self._selection_anchor = word[0]
        self.word = word
        self._set_selection(word)

    def action_cancel_selection(self) -> None:
        self._set_selection(None)

    def action_extend_word(self, direction: int) -> None:
        if self.selection is None:
            return
        shaped = (word_cursor.grow_by_word if direction > 0 else word_cursor.shrink_by_word)(self.text, self.selection)
        if shaped is not None:
            self.word = shaped[1]
            self._set_selection(shaped[0])

    def action_extend_sentence(self, direction: int) -> None:
        if self.selection is None:
            return
        start, end = self.selection
        if direction > 0:
            current = self._sentence_at(end - 1)
            if current[1] <= end:
                current = self._next_sentence(current)
            self._set_selection((start, max(end, current[1])))
        else:
            sentences = [s for s in sentence_spans(self.text, start, end) if s[1] < end]
            if sentences:
                self._set_selection((start, sentences[-1][1]))
            else:  # no whole sentence left to drop: back to the first word
                words = word_spans(self.text, start, end)
                if words:
                    self._set_selection((start, words[0][1]))
        if self.selection:
            last = word_cursor.words_in(self.text, (max(self.selection[0], self.selection[1] - 400), self.selection[1]))
            self.word = last[-1] if last else self.word
            self._invalidate()

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
            sentence = self._sentence_at(start)
            self._set_cursor(sentence, scroll=False, word=self._word_in(sentence, start))

    # --- cursor and selection --------------------------------------------------------------------

    def _word_in(self, sentence: Span, offset: int) -> Span | None:
        """The word at (or after) offset if it lies in sentence, else the sentence's first word."""
        found = word_cursor.word_at(self.text, offset)
        if found and sentence[0] <= found[0] < sentence[1]:
            return found
        found = word_cursor.word_at(self.text, sentence[0])
        return found if found and found[0] < max(sentence[1], sentence[0] + 1) else None

    def _set_cursor(self, span: Span, scroll: bool = True, word: Span | None = None) -> None:
        """Move the sentence cursor; the word cursor goes to word, else to the sentence's first word."""
        self.cursor = span
        self.word = word or self._word_in(span, span[0])
        if scroll and self._blocks and self.size.height:
            self._scroll_row_into_view(self._row_of_offset(span[0]), top=False)
        self._repaint_cursor_rows()
        self.post_message(self.CursorMoved(self))

    def _set_selection(self, span: Span | None) -> None:
        self.selection = span
        if span and self.size.height:
            self._scroll_row_into_view(self._row_of_offset(max(span[0], span[1] - 1)), top=False)
        self._repaint_cursor_rows()
        self.post_message(self.CursorMoved(self))

    def _repaint_cursor_rows(self) -> None:
        """Repaint only the rows the cursor, word cursor or selection left or reached: a key that moves
        the cursor redraws a few rows, not the screen (the rest come from the strip cache)."""
        state = (self.cursor, self.word, self.selection)
        painted, self._painted = self._painted, state
        if painted is None or not self._blocks or not self.size.height:
            self._invalidate()
            return
        width = self._render_width or self.scrollable_content_region.width
        rows: list[tuple[int, int]] = []
        for span in {span for span in (*painted, *state) if span}:
            first = self._row_of_offset(span[0])
            last = self._row_of_offset(max(span[0], span[1] - 1))
            if last - first > MAX_PARTIAL_ROWS:
                self._invalidate()
                return
            rows.append((first, last))
        for first, last in rows:
            for row in range(first, last + 1):
                self._strips.discard((row, width))
            self.refresh_lines(first, last - first + 1)

    def _keep_cursor_visible(self) -> None:
        """After scrolling, a cursor left off screen moves to the first sentence starting on screen."""
        if not self._blocks or not self.size.height:
            return
        top = int(self.scroll_y)
        bottom = top + self.size.height - 1
        row = self._row_of_offset(self.cursor[0])
        if top <= row <= bottom:
            return
        offset = self._row_start(top if row < top else bottom)
        span = self._sentence_at(offset)
        if self._row_of_offset(span[0]) < top:
            span = self._next_sentence(span)
        if self._row_of_offset(span[0]) > bottom:
            span = self._sentence_at(offset)
        self._set_cursor(span, scroll=False)

    def _paragraph_bounds(self, offset: int) -> Span:
        """The line holding offset, clipped to a window around it for giant single-line documents."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        line_end = self.text.find("\n", offset)
        line_end = len(self.text) if line_end == -1 else line_end
        return max(line_start, offset - SENTENCE_WINDOW), min(line_end, offset + SENTENCE_WINDOW)

    def _sentences_around(self, offset: int) -> list[Span]:
        start, end = self._paragraph_bounds(offset)
        return sentence_spans(self.text, start, end)

    def sentence_at(self, offset: int) -> Span:
        """The sentence (start, end) the cursor takes at offset: where a sentence-wise cursor would stand."""
        return self._sentence_at(offset)

    def _sentence_at(self, offset: int) -> Span:
        if not self.text:
            return (0, 0)
        offset = max(0, min(offset, len(self.text) - 1))
        found = self._first_non_space(offset)
        if found is None:
            found = self._previous_non_space(offset)
            if found is None:
                return (0, 0)
        sentences = self._sentences_around(found)
        for sentence in sentences:
            if sentence[0] <= offset < sentence[1] or sentence[0] >= offset:
                return sentence
        return sentences[-1] if sentences else (found, found + 1)

    def _next_sentence(self, span: Span) -> Span:
        for sentence in self._sentences_around(span[0]):
            if sentence[0] > span[0] and sentence[0] >= span[1] - 1:
                return sentence
        start = self._next_paragraph_start(span[0])
        return self._sentence_at(start) if start is not None else span

    def _previous_sentence(self, span: Span) -> Span:
        before = [s for s in self._sentences_around(span[0]) if s[0] < span[0]]
        if before:
            return before[-1]
        line_start = self.text.rfind("\n", 0, span[0]) + 1
        previous = self._previous_non_space(line_start - 1)
        if previous is None:
            return span
        sentences = self._sentences_around(previous)
        return sentences[-1] if sentences else span

    def _next_paragraph_start(self, offset: int) -> int | None:
        line_end = self.text.find("\n", offset)
        if line_end == -1:
            return None
        return self._first_non_space(line_end)

    def _first_non_space(self, offset: int) -> int | None:
        match = _NON_SPACE.search(self.text, max(0, offset))
        return match.start() if match else None

    def _previous_non_space(self, offset: int) -> int | None:
        position = min(offset, len(self.text) - 1)
        while position >= 0:
            window_start = max(0, position - 4096)
            chunk = self.text[window_start : position + 1]
            stripped = chunk.rstrip()
            if stripped:
                return window_start + len(stripped) - 1
            position = window_start - 1
        return None

    # --- layout ----------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._render_width = self.scrollable_content_region.width
        self._invalidate()
        if self._wrap_width != self._content_width():
            anchor = self.top_offset if self._wrap_width else self._pending_position
            self._layout()
            self._scroll_row_into_view(self._row_of_offset(anchor), top=True)
            if self._wrap_width:
                self._scroll_row_into_view(self._row_of_offset(self.cursor[0]), top=False)

    def _content_width(self) -> int:
        return max(8, self.scrollable_content_region.width - GUTTER - 1)

    def _layout(self) -> None:
        """(Re)compute block heights for the current width: exact for small texts, else estimated."""
        width = self._content_width() if self.size.width else 78
        self._wrap_width = width if self.size.width else 0
        exact = len(self.text) <= EXACT_LAYOUT_LIMIT
        for block in self._blocks:
            block.rows = None
            if exact:
                self._wrap_block(block, width)
            else:
                lines = self.text.count("\n", block.start, block.end)
                block.estimate = max(1, lines + int((block.end - block.start - lines) / (width * 0.92)))
        self._update_tops()
        self._invalidate()

    def _wrap_block(self, block: _Block, width: int) -> None:
        rows: list[int] = []
        text, position, end = self.text, block.start, block.end
        while position < end:
            line_end = text.find("\n", position, end)
            if line_end == -1:
                line_end = end
            rows.extend(wrap_line(text, position, line_end, width))
            position = line_end + 1
        if block.end == len(text) and text.endswith("\n") or not rows:
            rows.append(block.end if rows else block.start)
        block.rows = rows

    def _update_tops(self) -> None:
        self._block_tops = [0, *accumulate(block.height for block in self._blocks)]
        total = self._block_tops[-1]
        self.virtual_size = Size(self.scrollable_content_region.width, total)

    def _ensure_block(self, index: int) -> bool:
        """Wrap block index exactly if it is still estimated; True if its height changed."""
        block = self._blocks[index]
        if block.rows is not None:
            return False
        before = block.height
        self._wrap_block(block, self._wrap_width or self._content_width())
        if block.height != before:
            self._update_tops()
            return True
        return False

    def _prepare_viewport(self) -> None:
        """Lay out exactly the blocks on screen, keeping the text at the top row where it was."""
        if not self._blocks or self._adjusting:
            return
        self._adjusting = True
        try:
            top = int(self.scroll_y)
            index = self._block_at_row(top)
            block = self._blocks[index]
            if block.rows is None:
                within = (top - self._block_tops[index]) / max(1, block.estimate)
                anchor = block.start + int(within * (block.end - block.start))
                if self._ensure_block(index):
                    new_top = self._row_of_offset(anchor)
                    self.scroll_to(y=new_top, animate=False, immediate=True, force=True)
                    top = new_top
            row, last = top, top + self.size.height + 1
            while row < last:
                index = self._block_at_row(row)
                self._ensure_block(index)
                row = self._block_tops[index + 1]
                if index + 1 >= len(self._blocks):
                    break
        finally:
            self._adjusting = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        self._prepare_viewport()
        super().watch_scroll_y(old_value, new_value)

    def _block_at_row(self, row: int) -> int:
        return max(0, min(len(self._blocks) - 1, bisect_right(self._block_tops, row) - 1))

    def _block_index(self, offset: int) -> int:
        return max(0, bisect_right(self._block_starts, offset) - 1)

    def _row_of_offset(self, offset: int) -> int:
        if not self._blocks:
            return 0
        index = self._block_index(offset)
        self._ensure_block(index)
        rows = self._blocks[index].rows or [0]
        return self._block_tops[index] + max(0, bisect_right(rows, offset) - 1)

    def _row_span(self, row: int) -> Span | None:
        """The (start, end) offsets of a virtual row, without its line break; None past the end."""
        if not self._blocks or row < 0 or row >= self._block_tops[-1]:
            return None
        index = self._block_at_row(row)
        self._ensure_block(index)
        block = self._blocks[index]
        rows = block.rows or [block.start]
        local = row - self._block_tops[index]
        if local >= len(rows):
            return None
        start = rows[local]
        end = rows[local + 1] if local + 1 < len(rows) else block.end
        if end > start and self.text[end - 1 : end] == "\n":
            end -= 1
        return start, max(start, end)

    def _row_start(self, row: int) -> int:
        span = self._row_span(max(0, min(row, self._block_tops[-1] - 1)))
        return span[0] if span else 0

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

    def _offset_at(self, x: int, y: int) -> int | None:
        span = self._row_span(int(self.scroll_y) + y)
        if span is None:
            return None
        column = x - GUTTER
        shown = display_safe(self.text[span[0] : span[1]])
        used = 0
        for index, char in enumerate(shown):
            used += get_character_cell_size(char)
            if used > column:
                return span[0] + index
        return max(span[0], span[1] - 1)

    # --- highlights ------------------------------------------------------------------------------

    def _reindex_highlights(self) -> None:
        """Give each block the highlights that touch it, so a row looks only at a few."""
        per_block: list[list[Highlight]] = [[] for _ in self._blocks]
        starts = self._block_starts
        for layer in self._layers.values():
            for highlight in layer:
                first = max(0, bisect_right(starts, highlight.start) - 1)
                last = max(0, bisect_left(starts, highlight.end) - 1)
                for index in range(first, min(last, len(per_block) - 1) + 1):
                    per_block[index].append(highlight)
        self._block_highlights = per_block

    def _find_hit(self, origin: int, forward: bool) -> Span | None:
        assert self._search is not None
        if forward:
            match = self._search.search(self.text, origin + 1) or self._search.search(self.text, 0)
            return match.span() if match else None
        window = 65536
        end = origin
        while end > 0:
            start = max(0, end - window)
            last = None
            for match in self._search.finditer(self.text, start, min(len(self.text), end + 200)):
                if match.start() < end:
                    last = match
            if last:
                return last.span()
            end = start
        last = None
        for last in self._search.finditer(self.text, max(0, len(self.text) - window)):  # noqa: B007 (the last one)
            pass
        return last.span() if last else None

    # --- rendering -------------------------------------------------------------------------------

    def _invalidate(self) -> None:
        self._painted = (self.cursor, self.word, self.selection)
        self._generation += 1
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache.clear()
        self._base_style = None
        self._invalidate()

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
        strip = self._render_row(row, width)
        self._strips[key] = strip
        return strip

    def _render_row(self, row: int, width: int) -> Strip:
        base = self._base
        span = self._row_span(row)
        if span is None:
            return Strip.blank(width, base)
        start, end = span
        shown = display_safe(self.text[start:end])
        highlights = (
            [
                h
                for h in self._block_highlights[self._block_index(start)]
                if h.start < max(end, start + 1) and h.end > start
            ]
            if self._block_highlights
            else []
        )
        cursor, selection, word = self.cursor, self.selection, self.word
        hits = self._hits_in(start, end)
        points = {start, end}
        extra = ([selection] if selection else []) + ([word] if word else [])
        for a, b in [(h.start, h.end) for h in highlights] + hits + [cursor] + extra:
            if a > start and a < end:
                points.add(a)
            if b > start and b < end:
                points.add(b)
        ordered = sorted(points)
        segments = [self._margin_segment(highlights, base)]
        for a, b in zip(ordered, ordered[1:]):
            covering = tuple(h for h in highlights if h.start <= a < h.end)
            style = self._style_for(
                base,
                tuple(h.colour for h in covering),
                any(h.status in ("fuzzy", "ambiguous") for h in covering),
                cursor[0] <= a < cursor[1],
                bool(selection and selection[0] <= a < selection[1]),
                next((2 if hit == self.current_hit else 1 for hit in hits if hit[0] <= a < hit[1]), 0),
                bool(word and word[0] <= a < word[1]),
            )
            segments.append(Segment(shown[a - start : b - start], style))
        strip = Strip(segments)
        return strip.crop_extend(0, width, base)

    def _margin_segment(self, highlights: list[Highlight], base: Style) -> Segment:
        marked = [h for h in highlights if h.marked]
        if not marked:
            return Segment(" " * GUTTER, base)
        return Segment("▌".ljust(GUTTER), base + Style(color=marked[0].colour))

    def _hits_in(self, start: int, end: int) -> list[Span]:
        if not self._search:
            return []
        reach = self._search_reach
        found = []
        for match in self._search.finditer(self.text, max(0, start - reach), min(len(self.text), end + reach)):
            if match.end() > start and match.start() < end:
                found.append((max(start, match.start()), min(end, match.end())))
        if self.current_hit and self.current_hit[0] < end and self.current_hit[1] > start:
            current = (max(start, self.current_hit[0]), min(end, self.current_hit[1]))
            found = [current if hit == current else hit for hit in found]
        return found

    def _style_for(
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
        the colours (not bold alone); the word cursor is drawn in reverse, visible on any background."""
        key = (colours, guessed, in_cursor, in_selection, hit, in_word)
        style = self._style_cache.get(key)
        if style is not None:
            return base + style
        style = Style()
        if colours:
            style += Style(bgcolor=self._blend(colours, base), underline=len(colours) > 1, italic=guessed)
        if in_cursor:
            cursor = self.get_component_rich_style("document-view--cursor", partial=False)
            style += Style(
                bold=cursor.bold, bgcolor=self._blend(colours, base, share=0.75) if colours else cursor.bgcolor
            )
        if in_selection:
            found = self.get_component_rich_style("document-view--selection", partial=False)
            style += Style(color=found.color, bgcolor=found.bgcolor)
        if hit:
            name = "document-view--current-hit" if hit == 2 else "document-view--search-hit"
            found = self.get_component_rich_style(name, partial=False)
            style += Style(color=found.color, bgcolor=found.bgcolor)
        if in_word:
            found = self.get_component_rich_style("document-view--word", partial=False)
            style += Style(reverse=True) if not found.reverse and not found.bgcolor else found
        self._style_cache[key] = style
        return base + style

    @staticmethod
    def _blend(colours: tuple[str, ...], base: Style, share: float = 0.45) -> Color:
        """Tag colours mixed into the background: readable, and a mix of two shows an overlap."""
        background = base.bgcolor.get_truecolor() if base.bgcolor else Color.parse("#1e1e1e").get_truecolor()
        red = green = blue = 0
        for colour in colours:
            triplet = Color.parse(colour).get_truecolor()
            red, green, blue = red + triplet.red, green + triplet.green, blue + triplet.blue
        count = len(colours)
        mix = (red / count, green / count, blue / count)
        return Color.from_rgb(*(background[i] * (1 - share) + mix[i] * share for i in range(3)))
