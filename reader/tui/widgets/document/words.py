"""Word-level navigation and selection shaping for the document view (pure functions on offsets).

The document view keeps a sentence cursor and, inside it, a word cursor; a keyboard selection starts
on the word under the word cursor and grows or shrinks a word (or a sentence) at a time. These
functions only look at the text near the offsets they are given, so they stay fast on 100 MB texts.
"""

from __future__ import annotations

from reader.text import word_spans

Span = tuple[int, int]

LOOK_AHEAD = 2000  # characters searched for the next or previous word (runs of punctuation are shorter)


def word_at(text: str, offset: int) -> Span | None:
    """The word containing offset, else the first word after it; None if there is none."""
    start = max(0, offset - 200)
    for span in word_spans(text, start, min(len(text), offset + LOOK_AHEAD)):
        if span[1] > offset:
            return span
    return None


def next_word(text: str, word: Span) -> Span | None:
    """The word after word (across sentences and paragraphs); None at the end of the text."""
    found = word_spans(text, word[1], min(len(text), word[1] + LOOK_AHEAD))
    return found[0] if found else None


def previous_word(text: str, word: Span) -> Span | None:
    """The word before word; None at the start of the text."""
    window = word[0]
    while window > 0:
        window = max(0, window - LOOK_AHEAD)
        found = word_spans(text, window, word[0])
        if found:
            last = found[-1]
            if last[0] > window or window == 0:
                return last
            return word_spans(text, max(0, last[0] - 200), word[0])[-1]  # cut by the window: whole
    return None


def words_in(text: str, span: Span) -> list[Span]:
    """The words inside span."""
    return word_spans(text, span[0], span[1])


def grow_by_word(text: str, selection: Span) -> tuple[Span, Span] | None:
    """The selection extended to the end of the next word, and that word; None at the end of the text."""
    following = next_word(text, (selection[1], selection[1]))
    if following is None:
        return None
    return (selection[0], following[1]), following


def shrink_by_word(text: str, selection: Span) -> tuple[Span, Span] | None:
    """The selection without its last word, and the new last word; None when one word is left."""
    words = words_in(text, selection)
    if len(words) < 2:
        return None
    return (selection[0], words[-2][1]), words[-2]
