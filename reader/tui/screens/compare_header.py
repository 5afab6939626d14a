"""A comparison pane's header: its number and title, what the alignment found in it, cut to the pane's width
and cut again when the terminal is resized."""

from __future__ import annotations

from textual import events
from textual.widgets import Static

from reader.align import Alignment
from reader.tui.screens.compare_parts import Pane, pane_header


class PaneHeader(Static):
    """Two lines over a pane (compare_parts.pane_header), redrawn at the pane's new width on a resize."""

    def __init__(self, id: str) -> None:
        super().__init__(classes="pane-header", id=id)
        self._shown: tuple[int, Pane, Alignment | None] | None = None

    def show(self, number: int, pane: Pane, alignment: Alignment | None, width: int) -> None:
        """Draw pane number's header at width (the pane's, estimated before it is laid out)."""
        self._shown = (number, pane, alignment)
        self.update(pane_header(number, pane, alignment, width))

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None and self.content_size.width > 0:
            self.update(pane_header(*self._shown, self.content_size.width))
