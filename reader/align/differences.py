"""Stage 5: the words that differ between two aligned passages, with what makes each change matter."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from difflib import SequenceMatcher

from reader.align.figures import figures
from reader.align.result import WordChange
from reader.align.words import STOPWORDS, fold_word, is_number_word, occurs_lower_case, quotation_spans
from reader.text import Span, word_spans


def word_differences(text_a: str, start_a: int, end_a: int, text_b: str, start_b: int, end_b: int) -> list[WordChange]:
    """The words that differ between text_a[start_a:end_a] and text_b[start_b:end_b], with offsets into each.

    Words are compared case-, accent- and apostrophe-blind. A change is emphasised as "number" when it
    touches a figure or sits right next to one ("an estimated $13" / "over $13"; not the "one" of "no one"),
    "name" when it changes a capitalised word that is not a plain word opening the sentence, "quote" when it
    is inside quotation marks.
    """
    words_a = word_spans(text_a, start_a, end_a)
    words_b = word_spans(text_b, start_b, end_b)
    keys_a = [fold_word(text_a[s:e]) for s, e in words_a]
    keys_b = [fold_word(text_b[s:e]) for s, e in words_b]
    quotes_a, quotes_b = quotation_spans(text_a[start_a:end_a]), quotation_spans(text_b[start_b:end_b])
    numbers_a, numbers_b = (
        _number_words(text_a, words_a, start_a, end_a),
        _number_words(text_b, words_b, start_b, end_b),
    )
    changes = []
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        a_span = (words_a[i1][0], words_a[i2 - 1][1]) if i2 > i1 else _gap(words_a, i1, start_a)
        b_span = (words_b[j1][0], words_b[j2 - 1][1]) if j2 > j1 else _gap(words_b, j1, start_b)
        emphasis = []
        if _touches_number(numbers_a, i1, i2) or _touches_number(numbers_b, j1, j2):
            emphasis.append("number")
        if _has_name(text_a, words_a, i1, i2, start_a) or _has_name(text_b, words_b, j1, j2, start_b):
            emphasis.append("name")
        if _in_quotes(quotes_a, words_a, i1, i2, start_a) or _in_quotes(quotes_b, words_b, j1, j2, start_b):
            emphasis.append("quote")
        kind = {"replace": "replace", "delete": "delete", "insert": "insert"}[op]
        changes.append(
            WordChange(
                kind,
                a_span[0],
                a_span[1],
                text_a[a_span[0] : a_span[1]],
                b_span[0],
                b_span[1],
                text_b[b_span[0] : b_span[1]],
                tuple(emphasis),
            )
        )
    return changes


def _gap(words: list[Span], index: int, start: int) -> Span:
    """The empty span where words would be inserted: after the previous word, or at the passage start."""
    offset = words[index - 1][1] if index > 0 else (words[0][0] if words else start)
    return (offset, offset)


def _number_words(text: str, words: list[Span], start: int, end: int) -> set[int]:
    """Indices of the words that state a figure (reader.align.figures: "a decade", "$13 billion", "2019"),
    or hold a digit: "one" alone, as in "no one", counts nothing."""
    if not any(is_number_word(text[s:e]) for s, e in words):
        return set()
    spans = [(figure.start, figure.end) for figure in figures(text, start, end)]
    return {
        index
        for index, (s, e) in enumerate(words)
        if any(s < figure_end and figure_start < e for figure_start, figure_end in spans)
        or any(char.isdigit() for char in text[s:e])
    }


def _touches_number(numbers: AbstractSet[int], i1: int, i2: int) -> bool:
    """Whether words[i1:i2] holds a figure's word or the word after it does (an insertion: either neighbour)."""
    return any(index in numbers for index in range(i1 - 1 if i1 == i2 else i1, i2 + 1))


def _has_name(text: str, words: list[Span], i1: int, i2: int, start: int) -> bool:
    for index in range(i1, i2):
        s, e = words[index]
        word = text[s:e]
        if not word[:1].isupper() or fold_word(word) in STOPWORDS:
            continue
        opens_sentence = index == 0 or s > 0 and text[max(0, s - 2) : s].strip() in (".", "\u201c", '"')
        if not opens_sentence or not occurs_lower_case(text, fold_word(word)):
            return True
    return False


def _in_quotes(quotes: list[Span], words: list[Span], i1: int, i2: int, start: int) -> bool:
    for index in range(i1, i2):
        offset = words[index][0] - start
        if any(s <= offset < e for s, e in quotes):
            return True
    return False
