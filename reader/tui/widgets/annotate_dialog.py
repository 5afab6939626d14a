"""The annotate dialog: comma-separated tags (completed from existing tags) and a note.

Typing in a pre-filled field (the edit dialog) appends to it; tab takes the grey completion (to type
another tag after it), enter takes it and goes on to the note;
a tag that does not exist yet is created only once the user confirms it is new.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Static

from reader.tui.widgets.completing_input import CompletingInput
from reader.tui.widgets.confirm import Confirm
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

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding(
            "tab",
            "complete_or_next",
            "Take the completion, else the next field",
            show=False,
            id="dialog.complete",
            priority=True,
        ),
    ]

    def __init__(
        self, quote: str, tag_names: list[str], tags: list[str] | None = None, note: str = "", heading: str = "Annotate"
    ) -> None:
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
            yield Label("Tags (comma-separated; tab: complete; enter: complete, go on)")
            yield CompletingInput(
                self.initial_tags,
                id="tags",
                suggester=TagSuggester(self.tag_names),
                placeholder="claim, number",
                select_on_focus=False,
            )
            yield Label("Note")
            yield Input(self.initial_note, id="note", placeholder="optional", select_on_focus=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_position = len(field.value)  # typing appends to what is there

    def unsaved_input(self) -> bool:
        """Something was typed that closing the dialog would drop."""
        return (
            self.query_one("#tags", Input).value != self.initial_tags
            or self.query_one("#note", Input).value != self.initial_note
        )

    def _take_completion(self) -> bool:
        """Put the grey completion of the tags field into it; True if there was one."""
        field = self.query_one("#tags", CompletingInput)
        suggestion = field.completion
        if field.has_focus and suggestion and suggestion != field.value and suggestion.startswith(field.value):
            field.value = suggestion
            field.cursor_position = len(suggestion)
            return True
        return False

    def action_complete_or_next(self) -> None:
        if not self._take_completion():
            self.focus_next()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "tags":  # enter takes the completion and goes on to the note
            self._take_completion()
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
        result = AnnotationInput(tags, self.query_one("#note", Input).value)
        known = {name.casefold() for name in self.tag_names}
        new = [tag for tag in tags if tag.casefold() not in known]
        if not new:
            self.dismiss(result)
            return
        names = ", ".join(repr(tag) for tag in new)

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(result)
            else:
                self.query_one("#tags", Input).focus()

        self.app.push_screen(Confirm(f"Create the new tag{'s' if len(new) > 1 else ''} {names}?"), answered)

    def action_cancel(self) -> None:
        self.dismiss(None)
