"""Where short patterns occur in an ASCII text's bytes mapped to character classes (bytes.translate): what the
aligner looks for over a whole text instead of a search per sentence (a million-line source has a million).

A small text is searched with bytes.find. A large one is compared with numpy, a chunk and one byte of the
pattern at a time: bytes.find steps nearly byte by byte when the pattern's bytes are common ones (letters),
0.07 s for each pattern over 57 MB, where the array comparisons take a fifth of that.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain

LARGE = 1_000_000  # bytes from which numpy compares the arrays (importing it takes 0.07 s: a small text never does)


def pattern_starts(classes: bytes, patterns: Sequence[bytes]) -> list[int]:
    """The offsets, in order, at which any of the patterns (all of one length) starts in classes."""
    if len(classes) < LARGE:
        found: set[int] = set()
        for pattern in patterns:
            at = classes.find(pattern)
            while at >= 0:
                found.add(at)
                at = classes.find(pattern, at + 1)
        return sorted(found)
    return sorted(chain.from_iterable(_starts(classes, patterns)))


def holds_pattern(classes: bytes, patterns: Sequence[bytes]) -> bool:
    """Whether any of the patterns (all of one length) occurs in classes."""
    if len(classes) < LARGE:
        return any(pattern in classes for pattern in patterns)
    return any(map(len, _starts(classes, patterns)))


_CHUNK = 1 << 20  # bytes compared at a time: the arrays stay in the processor's cache and take no new memory


def _starts(classes: bytes, patterns: Sequence[bytes]) -> Iterator[list[int]]:
    """The offsets at which a pattern starts, chunk by chunk (each list in order, a chunk's patterns one after
    the other), compared with numpy one byte of the pattern at a time."""
    import numpy as np

    codes = np.frombuffer(classes, dtype=np.uint8)
    length = len(patterns[0])
    count = max(len(codes) - length + 1, 0)  # offsets at which a pattern can start
    here = np.empty(min(count, _CHUNK), dtype=bool)
    byte = np.empty(min(count, _CHUNK), dtype=bool)
    for first in range(0, count, _CHUNK):
        size = min(_CHUNK, count - first)
        for pattern in patterns:
            np.equal(codes[first : first + size], pattern[0], out=here[:size])
            for offset in range(1, length):
                np.equal(codes[first + offset : first + offset + size], pattern[offset], out=byte[:size])
                here[:size] &= byte[:size]
            found = np.flatnonzero(here[:size])
            if len(found):
                yield (found + first).tolist()
