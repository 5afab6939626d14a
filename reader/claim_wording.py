"""Where two members of a claim word it differently in a way that matters: a figure, a name, a quotation.

The claims matrix marks a source `differs` when its member gives another figure, name or quotation than the
claim's reference member (reader.claims). A claims list of 10,000 claims compares some 20,000 pairs of
wordings, so the words of each wording are found once (cached), plain ASCII text (the usual case) takes a
shortcut that gives the same words, and the word diff is rapidfuzz's (C).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from rapidfuzz.distance import Indel

from reader.align import NUMBER_WORDS, fold_word
from reader.align.differences import _has_name, _in_quotes, _number_words, _touches_number
from reader.align.figures import Figure, figures, figures_differ
from reader.align.words import NUMBER, quotation_spans
from reader.text import Span, word_spans, word_texts


def emphasised_differences(a: str, b: str) -> list[str]:
    """Where two wordings of a claim give a different figure, name or quotation, as "a → b".

    Only a change with such a thing on both sides counts ("$13 billion" → "$10 billion", "Altman" →
    "Nadella", "an estimated $13" → "over $13"): words one source leaves out or says otherwise (a
    paraphrase) do not. Words are compared as the aligner compares them (case- and accent-blind).
    """
    found = []
    for i1, i2, j1, j2 in _emphasised_blocks(a, b):
        words_a, words_b = _spans(a), _spans(b)
        span_a, span_b = (words_a[i1][0], words_a[i2 - 1][1]), (words_b[j1][0], words_b[j2 - 1][1])
        if max(i2 - i1, j2 - j1) > LONG_CHANGE:
            figures_a, figures_b = _figure_texts(a, *span_a), _figure_texts(b, *span_b)
            if figures_a and figures_b and figures_a != figures_b:
                found.append(f"{', '.join(figures_a)} → {', '.join(figures_b)}")
                continue
        found.append(f"{a[span_a[0] : span_a[1]]} → {b[span_b[0] : span_b[1]]}")
    return found


LONG_CHANGE = 4  # a change of more words than this is a rewording: name the figures it changes, not every word


def _figure_texts(text: str, start: int, end: int) -> list[str]:
    """The figures of text that overlap text[start:end], whole ("four hours" for a change that stops at
    "four"), as written."""
    return [f.text for f in _text_figures(text) if f.start < end and f.end > start]


@lru_cache(maxsize=4096)
def _text_figures(text: str) -> tuple[Figure, ...]:
    """The figures a wording states, without names that hold a number ("Phi-3")."""
    return tuple(f for f in figures(text, 0, len(text)) if not f.kind.startswith("label"))


def wording_differs(a: str, b: str) -> bool:
    """Whether emphasised_differences(a, b) finds anything, stopping at the first: a claim's status needs
    no more (the words themselves are found when they are shown)."""
    return next(_emphasised_blocks(a, b), None) is not None


def _emphasised_blocks(a: str, b: str) -> Iterator[tuple[int, int, int, int]]:
    """The changed blocks of words (a's i1..i2 for b's j1..j2) with a figure, a name or a quotation on both
    sides, in order. A figure is found from the folded words alone; names and quotations need the spans."""
    if a == b or not _may_differ(a, b):
        return
    keys_a, keys_b = _keys(a), _keys(b)
    if keys_a == keys_b:
        return
    quotes_a = quotes_b = None
    left_out: list[tuple[int, int]] = []  # words with a figure only a has ...
    added: list[tuple[int, int]] = []  # ... and only b has: a figure that moved as it changed, perhaps
    for i1, i2, j1, j2 in _changed_blocks(Indel.opcodes(keys_a, keys_b)):
        if i1 == i2 or j1 == j2:
            # words only one side has: left out or added, not given differently (unless a figure moved)
            if j1 == j2 and _touches_figure(a, keys_a, i1, i2):
                left_out.append((i1, i2))
            elif i1 == i2 and _touches_figure(b, keys_b, j1, j2):
                added.append((j1, j2))
            continue
        if _touches_figure(a, keys_a, i1, i2) and _touches_figure(b, keys_b, j1, j2):
            yield i1, i2, j1, j2
            continue
        words_a, words_b = _spans(a), _spans(b)
        if _has_name(a, words_a, i1, i2, 0) and _has_name(b, words_b, j1, j2, 0):
            yield i1, i2, j1, j2
            continue
        quotes_a = quotation_spans(a) if quotes_a is None else quotes_a
        quotes_b = quotation_spans(b) if quotes_b is None else quotes_b
        if _in_quotes(quotes_a, words_a, i1, i2, 0) and _in_quotes(quotes_b, words_b, j1, j2, 0):
            yield i1, i2, j1, j2
    if left_out and added:
        yield from _moved_figures(a, b, left_out, added)


def _moved_figures(
    a: str, b: str, left_out: list[tuple[int, int]], added: list[tuple[int, int]]
) -> Iterator[tuple[int, int, int, int]]:
    """Words with a figure a leaves out, paired with words with a figure b adds elsewhere, when the figures
    measure the same kind of thing and are not the same ("a 40-centimetre crack" / "a crack of 45"); not
    "$13 billion" left out and "In 2019" added, which are two facts."""
    words_a, words_b = _spans(a), _spans(b)
    figures_a, figures_b = _text_figures(a), _text_figures(b)
    keys_a, keys_b = {f.key for f in figures_a}, {f.key for f in figures_b}
    for i1, i2 in left_out:
        start, end = words_a[i1][0], words_a[i2 - 1][1]
        only_a = [f for f in figures_a if f.start < end and f.end > start and f.key not in keys_b]
        for j1, j2 in added:
            start, end = words_b[j1][0], words_b[j2 - 1][1]
            only_b = [f for f in figures_b if f.start < end and f.end > start and f.key not in keys_a]
            if only_a and only_b and figures_differ(only_a, only_b):
                yield i1, i2, j1, j2
                added.remove((j1, j2))
                break


_QUOTE_MARKS = re.compile('["\u201c\u201d\u00ab\u00bb\u201e]')
_CAPITALISED = re.compile(r"\b[^\W\d_][\w'\u2019-]*")
_ASCII_DIGIT = re.compile("[0-9]")


@lru_cache(maxsize=4096)
def _marks(text: str) -> tuple[bool, frozenset[str], bool]:
    """What could make two wordings differ, found cheaply: a figure, the capitalised words, quotation marks."""
    words = _CAPITALISED.findall(text)
    if text.isascii():  # fold_word of an ASCII word is its lower case; its only digits are 0-9
        figure = _ASCII_DIGIT.search(text) is not None or not NUMBER_WORDS.isdisjoint(map(str.lower, words))
        capitals = frozenset([w.lower() for w in words if w[0].isupper()])
    else:
        figure = any(map(str.isdigit, text)) or not NUMBER_WORDS.isdisjoint(map(fold_word, words))
        capitals = frozenset(fold_word(w) for w in words if w[0].isupper())
    return figure, capitals, _QUOTE_MARKS.search(text) is not None


def _may_differ(a: str, b: str) -> bool:
    """False when no change between a and b can hold a figure, a name or a quotation on both sides: both
    need a figure, or each a capitalised word the other lacks, or both quotation marks. Two wordings with
    a digit 0-9 each (most claims give a figure) have a figure each: no need to read their words for it."""
    if _ASCII_DIGIT.search(a) and _ASCII_DIGIT.search(b):
        return True
    figure_a, capitals_a, quoted_a = _marks(a)
    figure_b, capitals_b, quoted_b = _marks(b)
    return (
        (figure_a and figure_b) or (quoted_a and quoted_b) or bool(capitals_a - capitals_b and capitals_b - capitals_a)
    )


@lru_cache(maxsize=4096)
def _keys(text: str) -> list[str]:
    """A wording's folded words (a claim's reference is compared with every member). An ASCII text's are
    the words of its lower case: lower case keeps every character and word break."""
    if text.isascii():
        return word_texts(text.lower())
    return list(map(fold_word, word_texts(text)))


@lru_cache(maxsize=4096)
def _spans(text: str) -> list[Span]:
    """A wording's word spans, in the order of its folded words."""
    return word_spans(text)


def _touches_figure(text: str, keys: list[str], start: int, end: int) -> bool:
    """reader.align.differences._touches_number for a change of words start..end (neither side empty): a
    figure's word among them or right after. An ASCII wording's words are read as they are for a digit; only
    a number's name ("one", "decade") needs the wording's figures ("no one" states none)."""
    if text.isascii():
        touched = keys[start : end + 1]
        if any(NUMBER.search(key) for key in touched):
            return True
        if not any(key in NUMBER_WORDS for key in touched):
            return False
    return _touches_number(_figure_words(text), start, end)


@lru_cache(maxsize=4096)
def _figure_words(text: str) -> frozenset[int]:
    """The indices of a wording's words that state a figure (read once per wording: a claim's reference is
    compared with every member, change by change)."""
    return frozenset(_number_words(text, _spans(text), 0, len(text)))


def _changed_blocks(opcodes) -> list[tuple[int, int, int, int]]:
    """Runs of non-equal opcodes merged into one block each (a delete next to an insert is a replacement)."""
    blocks: list[list[int]] = []
    previous_equal = True
    for tag, i1, i2, j1, j2 in opcodes.as_list():
        if tag == "equal":
            previous_equal = True
            continue
        if previous_equal or not blocks:
            blocks.append([i1, i2, j1, j2])
        else:
            block = blocks[-1]
            block[0], block[1] = min(block[0], i1), max(block[1], i2)
            block[2], block[3] = min(block[2], j1), max(block[3], j2)
        previous_equal = False
    return [(a_start, a_end, b_start, b_end) for a_start, a_end, b_start, b_end in blocks]
