"""Where the cursors go in a document: sentences, paragraphs, words and the selection's growth.

Pure functions of the text (plain Python, no Textual): the widget keeps the cursor, the word cursor
and the selection, and asks a `Navigator` where a key moves them. Sentences are found around an
offset only (a paragraph longer than SENTENCE_WINDOW is segmented near the cursor), so a key press
costs the same in a 100 MB single-line text as in a short one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reader.text import sentence_spans, word_spans
from reader.tui.widgets.document import words

if TYPE_CHECKING:
    from reader.tui.widgets.document.layout import DocumentLayout

Span = tuple[int, int]

SENTENCE_WINDOW = 20_000  # a paragraph longer than this is segmented around the cursor only
_NON_SPACE = re.compile(r"\S")


class Navigator:
    """Sentence, paragraph and word steps in one text; every offset is a code-point offset into it."""

    def __init__(self, text: str = "") -> None:
        self.text = text

    # --- sentences -------------------------------------------------------------------------------

    def sentence_at(self, offset: int) -> Span:
        """The sentence containing offset, else the next one after it (in blank space: the one before)."""
        if not self.text:
            return (0, 0)
        offset = max(0, min(offset, len(self.text) - 1))
        found = self.first_non_space(offset)
        if found is None:
            found = self.previous_non_space(offset)
            if found is None:
                return (0, 0)
        sentences = self._sentences_around(found)
        for sentence in sentences:
            if sentence[0] <= offset < sentence[1] or sentence[0] >= offset:
                return sentence
        return sentences[-1] if sentences else (found, found + 1)

    def next_sentence(self, span: Span) -> Span:
        """The sentence after span (into the next paragraph); span itself at the end of the text."""
        for sentence in self._sentences_around(span[0]):
            if sentence[0] > span[0] and sentence[0] >= span[1] - 1:
                return sentence
        start = self.next_paragraph_start(span[0])
        return self.sentence_at(start) if start is not None else span

    def previous_sentence(self, span: Span) -> Span:
        """The sentence before span (into the previous paragraph); span itself at the start of the text."""
        before = [s for s in self._sentences_around(span[0]) if s[0] < span[0]]
        if before:
            return before[-1]
        line_start = self.text.rfind("\n", 0, span[0]) + 1
        previous = self.previous_non_space(line_start - 1)
        if previous is None:
            return span
        sentences = self._sentences_around(previous)
        return sentences[-1] if sentences else span

    def last_sentence(self) -> Span:
        """The last sentence of the text (for `G`)."""
        last = self.previous_non_space(len(self.text) - 1)
        return self.sentence_at(last if last is not None else 0)

    def _paragraph_bounds(self, offset: int) -> Span:
        """The line holding offset, clipped to a window around it for giant single-line documents."""
        line_start = self.text.rfind("\n", 0, offset) + 1
        line_end = self.text.find("\n", offset)
        line_end = len(self.text) if line_end == -1 else line_end
        return max(line_start, offset - SENTENCE_WINDOW), min(line_end, offset + SENTENCE_WINDOW)

    def _sentences_around(self, offset: int) -> list[Span]:
        start, end = self._paragraph_bounds(offset)
        return sentence_spans(self.text, start, end)

    def sentence_on_rows(self, layout: DocumentLayout, cursor: Span, top: int, bottom: int) -> Span | None:
        """After a scroll: None if the cursor sentence starts on rows top..bottom, else the first sentence
        starting there (on the side the cursor went off by)."""
        row = layout.row_of_offset(cursor[0])
        if top <= row <= bottom:
            return None
        offset = layout.row_start(top if row < top else bottom)
        span = self.sentence_at(offset)
        if layout.row_of_offset(span[0]) < top:
            span = self.next_sentence(span)
        if layout.row_of_offset(span[0]) > bottom:
            span = self.sentence_at(offset)
        return span

    # --- paragraphs ------------------------------------------------------------------------------

    def next_paragraph(self, cursor: Span) -> Span | None:
        """The first sentence of the paragraph after the cursor's; None in the last paragraph."""
        start = self.next_paragraph_start(cursor[0])
        return self.sentence_at(start) if start is not None else None

    def previous_paragraph(self, cursor: Span) -> Span | None:
        """The first sentence of the cursor's paragraph, or of the one before when already there."""
        line_start = self.text.rfind("\n", 0, cursor[0]) + 1
        paragraph_start = self.first_non_space(line_start)
        if paragraph_start is not None and paragraph_start < cursor[0]:
            return self.sentence_at(paragraph_start)
        previous = self.previous_non_space(line_start - 1)
        if previous is None:
            return None
        line_start = self.text.rfind("\n", 0, previous) + 1
        return self.sentence_at(self.first_non_space(line_start) or line_start)

    def next_paragraph_start(self, offset: int) -> int | None:
        """The first non-space character after the line holding offset; None on the last line."""
        line_end = self.text.find("\n", offset)
        if line_end == -1:
            return None
        return self.first_non_space(line_end)

    def first_non_space(self, offset: int) -> int | None:
        """The first non-space character at or after offset."""
        match = _NON_SPACE.search(self.text, max(0, offset))
        return match.start() if match else None

    def previous_non_space(self, offset: int) -> int | None:
        """The last non-space character at or before offset."""
        position = min(offset, len(self.text) - 1)
        while position >= 0:
            window_start = max(0, position - 4096)
            chunk = self.text[window_start : position + 1]
            stripped = chunk.rstrip()
            if stripped:
                return window_start + len(stripped) - 1
            position = window_start - 1
        return None

    # --- words -----------------------------------------------------------------------------------

    def word_in(self, sentence: Span, offset: int) -> Span | None:
        """The word at (or after) offset if it lies in sentence, else the sentence's first word."""
        found = words.word_at(self.text, offset)
        if found and sentence[0] <= found[0] < sentence[1]:
            return found
        found = words.word_at(self.text, sentence[0])
        return found if found and found[0] < max(sentence[1], sentence[0] + 1) else None

    def step_word(self, cursor: Span, word: Span | None, direction: int) -> tuple[Span, Span] | None:
        """(sentence, word) a word right (direction > 0) or left of the word cursor; past the sentence's
        edge the sentence follows. None at either end of the text."""
        current = word or self.word_in(cursor, cursor[0])
        if current is None:
            return None
        moved = (words.next_word if direction > 0 else words.previous_word)(self.text, current)
        if moved is None:
            return None
        sentence = cursor if cursor[0] <= moved[0] < cursor[1] else self.sentence_at(moved[0])
        return sentence, moved

    # --- selection -------------------------------------------------------------------------------

    def grow_by_word(self, selection: Span, direction: int) -> tuple[Span, Span] | None:
        """(selection, word cursor) a word longer (direction > 0) or shorter; None if it cannot change."""
        return (words.grow_by_word if direction > 0 else words.shrink_by_word)(self.text, selection)

    def grow_by_sentence(self, selection: Span, direction: int) -> Span | None:
        """The selection through the end of the next sentence (direction > 0), or without its last whole
        sentence (else back to its first word); None if nothing changes."""
        start, end = selection
        if direction > 0:
            current = self.sentence_at(end - 1)
            if current[1] <= end:
                current = self.next_sentence(current)
            return (start, max(end, current[1]))
        sentences = [s for s in sentence_spans(self.text, start, end) if s[1] < end]
        if sentences:
            return (start, sentences[-1][1])
        found = word_spans(self.text, start, end)  # no whole sentence left to drop: back to the first word
        return (start, found[0][1]) if found else None

    def last_word(self, selection: Span) -> Span | None:
        """The last word of the selection (where the word cursor sits while it grows)."""
        last = words.words_in(self.text, (max(selection[0], selection[1] - 400), selection[1]))
        return last[-1] if last else None
