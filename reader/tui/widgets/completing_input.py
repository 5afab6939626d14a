"""An Input that tells what completion its suggester offered for the text it holds.

Textual shows the completion in grey and keeps it private; the dialogs take it on enter, as the right
arrow does, so they keep their own copy from the public SuggestionReady message.
"""

from __future__ import annotations

from textual.suggester import SuggestionReady
from textual.widgets import Input


class CompletingInput(Input):
    """An Input whose `completion` is the suggestion shown for its current value ("" if none)."""

    _offered: tuple[str, str] = ("", "")  # (the value it was offered for, the suggestion)

    def on_suggestion_ready(self, event: SuggestionReady) -> None:
        self._offered = (event.value, event.suggestion)

    def on_focus(self) -> None:
        self._offered = ("", "")  # as Textual does: nothing offered on focus until the text changes

    @property
    def completion(self) -> str:
        value, suggestion = self._offered
        return suggestion if value == self.value else ""
