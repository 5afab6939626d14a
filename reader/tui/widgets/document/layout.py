"""The layout of a document: its text cut into blocks, soft-wrapped in terminal cells, rows <-> offsets.

Layout is lazy: the text is cut into blocks of about 64 KB at line breaks; a block is wrapped exactly
only when it comes into view, and until then its height is estimated from its length. So a 100 MB
document shows its first screen after wrapping one block, and `G` wraps only the last one.
Plain Python (no Textual), so it can be tested on its own; the widget asks it where rows are.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

from rich.cells import cell_len, get_character_cell_size

from reader.text import display_safe

Span = tuple[int, int]

BLOCK_CHARS = 64 * 1024
EXACT_LAYOUT_LIMIT = 2 * 1024 * 1024  # documents up to this size are wrapped in full at once
UNMEASURED_WIDTH = 78  # the width estimates assume before the widget knows its size
_TOKENS = re.compile(r"\S+\s*|\s+")


class Block:
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


def block_bounds(text: str) -> list[Span]:
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
    if (end - start) * 2 <= width:  # fits even at two cells a character
        return [start]
    line = text[start:end]
    rows = [start]
    if line.isascii():  # one cell per character: find the last space that fits
        if end - start <= width:
            return rows
        position = start
        while end - position > width:
            cut = text.rfind(" ", position, position + width + 1)
            position = cut + 1 if cut > position else position + width
            rows.append(position)
        return rows
    shown = display_safe(line)
    if cell_len(shown) <= width:
        return rows
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


class DocumentLayout:
    """The rows of one text wrapped to a width: virtual row <-> offset, wrapping blocks as they are needed.

    on_height_change(total rows) is called whenever the number of rows changes (a block wrapped exactly
    turned out taller or shorter than estimated, or a new width): the widget sizes its scroll range by it.
    """

    def __init__(self, on_height_change: Callable[[int], None] | None = None) -> None:
        self.text = ""
        self.blocks: list[Block] = []
        self.block_starts: list[int] = []
        self.block_tops: list[int] = [0]
        self.wrap_width = 0  # the width wrapped to, 0 until the widget has measured itself
        self._width = UNMEASURED_WIDTH
        self._on_height_change = on_height_change

    def load(self, text: str) -> None:
        """Cut text into blocks (not yet wrapped: call `relayout`)."""
        self.text = text
        self.blocks = [Block(start, end) for start, end in block_bounds(text)]
        self.block_starts = [block.start for block in self.blocks]
        self.wrap_width = 0

    @property
    def height(self) -> int:
        """The number of rows (estimated for blocks not wrapped yet)."""
        return self.block_tops[-1]

    @property
    def wrapped_blocks(self) -> int:
        """How many blocks are wrapped exactly (the rest have estimated heights)."""
        return sum(block.rows is not None for block in self.blocks)

    def relayout(self, width: int, measured: bool = True) -> None:
        """(Re)compute block heights for width: exact for small texts, else estimated.

        measured: False while the widget does not know its size yet (wrap_width stays 0)."""
        self._width = width
        self.wrap_width = width if measured else 0
        exact = len(self.text) <= EXACT_LAYOUT_LIMIT
        for block in self.blocks:
            block.rows = None
            if exact:
                self._wrap_block(block, width)
            else:
                lines = self.text.count("\n", block.start, block.end)
                block.estimate = max(1, lines + int((block.end - block.start - lines) / (width * 0.92)))
        self._update_tops()

    def _wrap_block(self, block: Block, width: int) -> None:
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
        self.block_tops = [0, *accumulate(block.height for block in self.blocks)]
        if self._on_height_change is not None:
            self._on_height_change(self.block_tops[-1])

    def ensure_block(self, index: int) -> bool:
        """Wrap block index exactly if it is still estimated; True if its height changed."""
        block = self.blocks[index]
        if block.rows is not None:
            return False
        before = block.height
        self._wrap_block(block, self.wrap_width or self._width)
        if block.height != before:
            self._update_tops()
            return True
        return False

    def wrap_top_block(self, top: int) -> int | None:
        """Wrap the block holding row top if it is estimated; the row where the text that was at top now
        is, when wrapping moved it (else None)."""
        index = self.block_at_row(top)
        block = self.blocks[index]
        if block.rows is None:
            within = (top - self.block_tops[index]) / max(1, block.estimate)
            anchor = block.start + int(within * (block.end - block.start))
            if self.ensure_block(index):
                return self.row_of_offset(anchor)
        return None

    def wrap_rows(self, first: int, last: int) -> None:
        """Wrap exactly every block showing a row from first up to (not including) last."""
        row = first
        while row < last:
            index = self.block_at_row(row)
            self.ensure_block(index)
            row = self.block_tops[index + 1]
            if index + 1 >= len(self.blocks):
                break

    def block_at_row(self, row: int) -> int:
        """The index of the block holding virtual row row (clamped to the blocks there are)."""
        return max(0, min(len(self.blocks) - 1, bisect_right(self.block_tops, row) - 1))

    def block_index(self, offset: int) -> int:
        """The index of the block holding offset."""
        return max(0, bisect_right(self.block_starts, offset) - 1)

    def row_of_offset(self, offset: int) -> int:
        """The virtual row showing offset (its block is wrapped exactly first)."""
        if not self.blocks:
            return 0
        index = self.block_index(offset)
        self.ensure_block(index)
        rows = self.blocks[index].rows or [0]
        return self.block_tops[index] + max(0, bisect_right(rows, offset) - 1)

    def row_span(self, row: int) -> Span | None:
        """The (start, end) offsets of a virtual row, without its line break; None past the end."""
        if not self.blocks or row < 0 or row >= self.block_tops[-1]:
            return None
        index = self.block_at_row(row)
        self.ensure_block(index)
        block = self.blocks[index]
        rows = block.rows or [block.start]
        local = row - self.block_tops[index]
        if local >= len(rows):
            return None
        start = rows[local]
        end = rows[local + 1] if local + 1 < len(rows) else block.end
        if end > start and self.text[end - 1 : end] == "\n":
            end -= 1
        return start, max(start, end)

    def row_start(self, row: int) -> int:
        """The offset of the first character of row (clamped to the rows there are)."""
        span = self.row_span(max(0, min(row, self.block_tops[-1] - 1)))
        return span[0] if span else 0

    def offset_at(self, row: int, column: int) -> int | None:
        """The offset shown at a cell column of a row (past the row's end: its last character)."""
        span = self.row_span(row)
        if span is None:
            return None
        shown = display_safe(self.text[span[0] : span[1]])
        used = 0
        for index, char in enumerate(shown):
            used += get_character_cell_size(char)
            if used > column:
                return span[0] + index
        return max(span[0], span[1] - 1)

    def rows_of_spans(self, spans: set[Span], limit: int) -> list[tuple[int, int]] | None:
        """(first row, last row) of each span; None if one spans more than limit rows."""
        rows = []
        for span in spans:
            first = self.row_of_offset(span[0])
            last = self.row_of_offset(max(span[0], span[1] - 1))
            if last - first > limit:
                return None
            rows.append((first, last))
        return rows
