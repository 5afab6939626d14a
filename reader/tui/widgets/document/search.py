"""Search in a document: every occurrence of a query, accents and case folded; the current hit.

Hits are found where they are needed (the rows being drawn, the next hit from an offset), never all
at once, except to count them in texts up to COUNT_HITS_LIMIT. Plain Python (no Textual).
"""

from __future__ import annotations

import re
from bisect import bisect_left

from reader.text import fold_pattern

Span = tuple[int, int]

COUNT_HITS_LIMIT = 4 * 1024 * 1024  # search counts every hit (shows "hit 3 of 12") in texts up to this size
BACKWARD_WINDOW = 65536  # searching backwards scans windows of this size towards the start


class Search:
    """The search of one text: the pattern, the current hit and whether the last step wrapped around."""

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.pattern: re.Pattern[str] | None = None
        self.current_hit: Span | None = None
        self.wrapped = False
        self._reach = 0
        self._hit_starts: list[int] | None = None

    def set_text(self, text: str) -> None:
        """Search a new text with the same query (no current hit)."""
        self.text = text
        self.current_hit = None
        self._hit_starts = None

    def set_query(self, query: str) -> None:
        """Search for query (an empty query clears the search)."""
        self.pattern = fold_pattern(query) if query else None
        self._reach = len(query) * 4 + 8
        self._hit_starts = None
        self.wrapped = False
        self.current_hit = None

    def position(self) -> tuple[int, int] | None:
        """(which hit the current one is, counting from 1; how many there are), or None when there is no
        current hit or the text is too big to count every hit on a key press (over COUNT_HITS_LIMIT)."""
        if not self.pattern or not self.current_hit or len(self.text) > COUNT_HITS_LIMIT:
            return None
        if self._hit_starts is None:
            self._hit_starts = [match.start() for match in self.pattern.finditer(self.text)]
        return bisect_left(self._hit_starts, self.current_hit[0]) + 1, len(self._hit_starts)

    def step(self, origin: int, forward: bool) -> Span | None:
        """Make the next (or previous) hit after origin the current one, wrapping around; None if there
        is none. `wrapped` tells whether this step went round the end (or the start) of the text."""
        hit = self._find_hit(origin, forward)
        if hit is None:
            return None
        self.wrapped = hit[0] <= origin if forward else hit[0] >= origin
        self.current_hit = hit
        return hit

    def _find_hit(self, origin: int, forward: bool) -> Span | None:
        assert self.pattern is not None
        pattern, text = self.pattern, self.text
        if forward:
            match = pattern.search(text, origin + 1) or pattern.search(text, 0)
            return match.span() if match else None
        end = origin
        while end > 0:
            start = max(0, end - BACKWARD_WINDOW)
            last = None
            for match in pattern.finditer(text, start, min(len(text), end + 200)):
                if match.start() < end:
                    last = match
            if last:
                return last.span()
            end = start
        last = None
        for last in pattern.finditer(text, max(0, len(text) - BACKWARD_WINDOW)):  # noqa: B007 (the last one)
            pass
        return last.span() if last else None

    def hits_in(self, start: int, end: int) -> list[Span]:
        """The hits in [start, end), clipped to it (found in a margin around it, for hits across its edges)."""
        if not self.pattern:
            return []
        reach = self._reach
        found = []
        for match in self.pattern.finditer(self.text, max(0, start - reach), min(len(self.text), end + reach)):
            if match.end() > start and match.start() < end:
                found.append((max(start, match.start()), min(end, match.end())))
        current_hit = self.current_hit
        if current_hit and current_hit[0] < end and current_hit[1] > start:
            current = (max(start, current_hit[0]), min(end, current_hit[1]))
            found = [current if hit == current else hit for hit in found]
        return found
