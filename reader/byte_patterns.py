"""Where short patterns occur in an ASCII text's bytes mapped to character classes (bytes.translate): what the
aligner looks for over a whole text instead of a search per sentence (a million-line source has a million).

A small text is searched with bytes.find. A large one is compared as a whole with numpy, one byte of the
pattern at a time: bytes.find steps nearly byte by byte when the pattern's bytes are common ones (letters),
0.07 s for each pattern over 57 MB, where the array comparisons take a fifth of that.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    import numpy as np

    return np.flatnonzero(_matches(classes, patterns)).tolist()


def holds_pattern(classes: bytes, patterns: Sequence[bytes]) -> bool:
    """Whether any of the patterns (all of one length) occurs in classes."""
    if len(classes) < LARGE:
        return any(pattern in classes for pattern in patterns)
    return bool(_matches(classes, patterns).any())


def _matches(classes: bytes, patterns: Sequence[bytes]):
    """A numpy array of booleans: at each offset, whether one of the patterns starts there. Written into three
    arrays made once (a new array of 57 MB is new memory the system maps again)."""
    import numpy as np

    codes = np.frombuffer(classes, dtype=np.uint8)
    length = len(patterns[0])
    count = max(len(codes) - length + 1, 0)
    found = np.zeros(count, dtype=bool)
    here = np.empty(count, dtype=bool)
    byte = np.empty(count, dtype=bool)
    for pattern in patterns:
        np.equal(codes[:count], pattern[0], out=here)
        for offset in range(1, length):
            np.equal(codes[offset : offset + count], pattern[offset], out=byte)
            here &= byte
        found |= here
    return found
