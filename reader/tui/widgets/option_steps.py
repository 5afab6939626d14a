"""j / k in the reader's option lists (dialogs and the annotations panel): one step, stopping at the ends."""

from __future__ import annotations

from textual.widgets import OptionList


def step_highlight(options: OptionList, step: int) -> None:
    """Move the highlighted option by step, kept within the list (no wrapping); nothing on an empty list."""
    if options.option_count:
        options.highlighted = max(0, min(options.option_count - 1, (options.highlighted or 0) + step))
