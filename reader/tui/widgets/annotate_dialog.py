"""The annotate dialog: comma-separated tags (completed from existing tags) and a note."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Static

from reader.tui.widgets.small import safe_content


@dataclass
class AnnotationInput:
    """What the dialog returns: tag names (new ones are created by the store) and the note."""

    tags: list[str]
    note: str


def split_tags(value: str) -> list[str]:
    """'claim, number,, new tag' -> ['claim', 'number', 'new tag'] (empty parts dropped, order kept)."""
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


class TagSuggester(Suggester):
    """Completes the last comma-separated part of the field from the known tag names."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.names = names

    async def get_suggestion(self, value: str) -> str | None:
        head, _, last = value.rpartition(",")
        stem = last.lstrip()
        if not stem:
            return None
        for name in self.names:
            if name.casefold().startswith(stem.casefold()) and name.casefold() != stem.casefold():
                prefix = value[: len(value) - len(stem)]
                return prefix + name
        return None


class AnnotateDialog(ModalScreen[AnnotationInput | None]):
    """Annotate (or edit) a passage: enter in the note saves, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, quote: str, tag_names: list[str], tags: list[str] | None = None, note: str = "",
                 heading: str = "Annotate") -> None:
        super().__init__()
        self.quote = quote
        self.tag_names = tag_names
        self.initial_tags = ", ".join(tags or [])
        self.initial_note = note
        self.heading = heading

    def compose(self) -> ComposeResult:
        quote = self.quote if len(self.quote) <= 300 else self.quote[:299] + "…"
        with Vertical(id="dialog"):
            yield Label(self.heading, id="dialog-title")
            yield Static(safe_content(quote), id="dialog-quote")
            yield Label("Tags (comma-separated; → accepts a completion)")
            yield Input(self.initial_tags, id="tags", suggester=TagSuggester(self.tag_names),
                        placeholder="claim, number")
            yield Label("Note")
            yield Input(self.initial_note, id="note", placeholder="optional")
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "tags":
            self.query_one("#note", Input).focus()
        else:
            self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        tags = split_tags(self.query_one("#tags", Input).value)
        self.dismiss(AnnotationInput(tags, self.query_one("#note", Input).value))

    def action_cancel(self) -> None:
        self.dismiss(None)
