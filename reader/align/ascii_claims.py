"""Stage 1 for an ASCII source: the claims of its clauses, as reader.align.clauses._claims finds them for any
text, with the work per word kept to a split and a lookup (a million-line source has nine million words).

In an ASCII text a word folds to its lower case, and a clause's words without a joining mark between word
characters ("6.6", "o1-mini", "don't") are the runs left by turning every other character into a space. So
the text is lowered and spaced once, and a clause's words are a split of its piece (3x faster than finding
them with WORD; the few clauses with a joining mark still do). Such a run has at most one content stem (no
hyphen, slash or apostrophe to split it at), so a clause's stems are one lookup per word, stop words ("")
filtered out in C.
"""

from __future__ import annotations

import bisect
from itertools import chain, count

from reader.align import tuning
from reader.align.cutting import is_label
from reader.align.cutting_lines import clause_columns
from reader.align.words import content_stems
from reader.byte_patterns import pattern_starts
from reader.text import WORD

# Every ASCII character that cannot be in a word (reader.text.WORD: [\w$%] runs, joined by -'.,/) as a space.
_OUTSIDE_WORDS = {code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) in "_$%")}
_LOWERED_AND_SPACED: dict[int, str | int] = {**_OUTSIDE_WORDS, **{code: code + 32 for code in range(65, 91)}}  # A-Z

# An ASCII text's characters as the classes a joined word reads (reader.text.WORD: [\w$%]+ then [-'.,/][\w%]+):
# a joining mark 1, a character of [\w%] 2, "$" 3, others 0; a mark joins where the classes read 2 1 2 or 3 1 2.
_JOIN_CLASSES = bytes(
    1 if chr(code) in "-'.,/" else 2 if chr(code).isalnum() or chr(code) in "_%" else 3 if chr(code) == "$" else 0
    for code in range(256)
)


class _SingleStems(dict):
    """A spaced word -> its content stem, or "" if it has none (a stop word, a single letter); worked out the
    first time a word is looked up (reader.align.words.content_stems)."""

    def __missing__(self, word: str) -> str:
        stems = content_stems(word)  # never more than one (see the module doc; tests/unit/test_align_scale.py)
        stem = self[word] = stems[0] if stems else ""
        return stem


ClaimColumns = tuple[list[int], list[int], list[int], list[tuple[str, ...]], list[str]]


def ascii_claims(text: str) -> ClaimColumns:
    """What reader.align.clauses._claims gives for an ASCII text (see the module doc), as columns: the start,
    end, sentence, stems and key of each claim. A clause's distinct stems are counted first (a clause with
    MIN_CLAIM_WORDS of them has that many stems); only a clause with fewer is counted again with its repeats."""
    min_words = tuning.MIN_CLAIM_WORDS
    spaced = text.translate(_LOWERED_AND_SPACED)  # lowered and spaced in one pass
    starts, ends, sentences = clause_columns(text)
    joined = _joined_clauses(text, starts, ends)
    colons = ":" in text
    stem_of = _SingleStems().__getitem__
    kept: list[int] = []  # the clauses that are claims (their numbers)
    stems_column: list[tuple[str, ...]] = []
    keys: list[str] = []
    keep, add_stems, add_key = kept.append, stems_column.append, keys.append
    for number, start, end in zip(count(), starts, ends):
        if colons and text.startswith(":", end) and is_label(text, start, end):
            continue
        if number in joined:  # words joined by a mark ("6.6", "o1-mini"): as reader.text.WORD finds them
            words = [word.lower() for word in WORD.findall(text, start, end)]
            stems_found = list(chain.from_iterable(map(content_stems, words)))
            if len(stems_found) >= min_words:
                keep(number)
                add_stems(tuple(dict.fromkeys(stems_found)))
                add_key(" ".join(words))
            continue
        words = spaced[start:end].split()
        stems = tuple(dict.fromkeys(filter(None, map(stem_of, words))))
        if len(stems) >= min_words or len(list(filter(None, map(stem_of, words)))) >= min_words:
            keep(number)
            add_stems(stems)
            add_key(" ".join(words))
    return (
        list(map(starts.__getitem__, kept)),
        list(map(ends.__getitem__, kept)),
        list(map(sentences.__getitem__, kept)),
        stems_column,
        keys,
    )


def _joined_clauses(text: str, starts: list[int], ends: list[int]) -> set[int]:
    """The clauses (numbers in starts and ends, in text order) of an ASCII text with a joining mark between two
    of their word characters, found in the text's bytes mapped to classes (reader.byte_patterns; a pattern
    stopped at every full stop of a million lines)."""
    marks = pattern_starts(text.encode("ascii").translate(_JOIN_CLASSES), (b"\x02\x01\x02", b"\x03\x01\x02"))
    joined: set[int] = set()
    for at in marks:  # the mark at at + 1, between the word characters at at and at + 2
        number = bisect.bisect_right(starts, at) - 1
        if number >= 0 and at + 2 < ends[number]:
            joined.add(number)
    return joined
