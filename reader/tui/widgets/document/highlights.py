"""Highlight layers: named lists of coloured spans (annotations, aligned passages, links, focus).

Each screen owns its layers by name ("annotations" on the reading screen; "alignment", "links" and
"focus" on the comparison screen) and replaces one at a time. The layers are indexed by block, so
drawing a row looks only at the few highlights that touch its block. Plain Python (no Textual).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from reader.model import AnchorStatus
from reader.presentation import is_guessed


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
    status: str = AnchorStatus.ANCHORED

    @property
    def guessed(self) -> bool:
        """True for a re-anchored guess (fuzzy or ambiguous), drawn differently from an exact anchor."""
        return is_guessed(self.status)


class HighlightLayers:
    """Named layers of highlights over one text, indexed by the blocks of its layout."""

    def __init__(self) -> None:
        self._layers: dict[str, list[Highlight]] = {}
        self._block_starts: list[int] = []
        self._per_block: list[list[Highlight]] = []

    def set_layer(self, name: str, highlights: Sequence[Highlight]) -> None:
        """Replace one layer (sorted here by start, then end; any number of highlights)."""
        self._layers[name] = sorted(highlights, key=lambda h: (h.start, h.end))
        self._reindex()

    def layer(self, name: str) -> tuple[Highlight, ...]:
        """The highlights of one layer in order of start (empty if the layer was never set)."""
        return tuple(self._layers.get(name, ()))

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the layers set so far, in the order they were first set."""
        return tuple(self._layers)

    def index_blocks(self, block_starts: list[int]) -> None:
        """Index the layers by the blocks starting at block_starts (after a new text is loaded)."""
        self._block_starts = block_starts
        self._reindex()

    def _reindex(self) -> None:
        """Give each block the highlights that touch it, so a row looks only at a few."""
        starts = self._block_starts
        per_block: list[list[Highlight]] = [[] for _ in starts]
        for layer in self._layers.values():
            for highlight in layer:
                first = max(0, bisect_right(starts, highlight.start) - 1)
                last = max(0, bisect_left(starts, highlight.end) - 1)
                for index in range(first, min(last, len(per_block) - 1) + 1):
                    per_block[index].append(highlight)
        self._per_block = per_block

    def at(self, offset: int) -> list[Highlight]:
        """Highlights of every layer covering offset."""
        if not self._per_block:
            return []
        return [h for h in self._per_block[self._block_of(offset)] if h.start <= offset < h.end]

    def touching(self, start: int, end: int) -> list[Highlight]:
        """Highlights of every layer touching the row [start, end) (an empty row: the offset start)."""
        if not self._per_block:
            return []
        return [h for h in self._per_block[self._block_of(start)] if h.start < max(end, start + 1) and h.end > start]

    def _block_of(self, offset: int) -> int:
        return max(0, bisect_right(self._block_starts, offset) - 1)
