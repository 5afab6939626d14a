"""A small form in a dialog: labelled one-line fields, enter takes a grey completion and moves on (saves from
the last), escape cancels.

Used for a source's metadata, a claim's verdict, its evidence and its text. Fields start with the
current values and typing appends to them (nothing is selected on focus, so nothing is replaced by
accident); check(values) may refuse a save with a one-line reason, shown in the dialog, which stays open.
A check that reads the database runs in a thread worker (check_in_thread), never on the event loop; a
check that names the field at fault puts the cursor there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from reader.presentation import fit_cells
from reader.text import display_safe
from reader.tui.widgets.completing_input import CompletingInput

# What a check finds wrong: a one-line reason, or (field key, reason) to put the cursor in that field
Problem: TypeAlias = str | tuple[str, str] | None


@dataclass(frozen=True)
class Field:
    """One field: its key in the result, its label, its starting value and, optionally, completions."""

    key: str
    label: str
    value: str = ""
    placeholder: str = ""
    suggestions: tuple[str, ...] = ()


class FormDialog(ModalScreen[dict[str, str] | None]):
    """Returns {key: value} for every field on save, None on escape."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog #dialog { max-height: 100%; overflow-y: auto; }
    FormDialog Label { margin-top: 1; width: 100%; }
    FormDialog #form-error { color: $error; height: auto; }
    /* compact fields (one row each, so the metadata form fits 80x24) with a background that shows
       where to type: QA found them invisible against the dialog */
    FormDialog Input { background: $foreground 20%; }
    FormDialog Input:focus { background: $primary 30%; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel")]
    AUTO_FOCUS = "Input"  # focused as the screen activates, so keys typed at once land in the form in order

    def __init__(
        self,
        heading: str,
        fields: list[Field],
        about: str = "",
        check: Callable[[dict[str, str]], Problem] | None = None,
        check_in_thread: bool = False,
    ) -> None:
        super().__init__()
        self.heading, self.fields, self.about, self.check = heading, fields, about, check
        self.check_in_thread = check_in_thread  # check reads the database: run it off the event loop
        self._refused_field = ""  # the field whose value check refused last, while its message shows

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(display_safe(self.heading)), id="dialog-title")
            if self.about:
                yield Static(Text(fit_cells(display_safe(self.about), 300)), id="dialog-quote")
            for field in self.fields:
                yield Label(field.label)
                suggester = SuggestFromList(field.suggestions, case_sensitive=False) if field.suggestions else None
                yield CompletingInput(
                    field.value,
                    id=f"field-{field.key}",
                    placeholder=field.placeholder,
                    suggester=suggester,
                    select_on_focus=False,
                    compact=True,
                )
            yield Static(id="form-error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button(" Cancel", id="cancel", compact=True)

    def values(self) -> dict[str, str]:
        return {field.key: self.query_one(f"#field-{field.key}", Input).value for field in self.fields}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        field = event.input
        suggestion = field.completion if isinstance(field, CompletingInput) else ""
        keys = [field.key for field in self.fields]
        index = keys.index((event.input.id or "").removeprefix("field-"))
        if suggestion and suggestion != field.value and suggestion.startswith(field.value):
            # enter takes the grey completion the field shows and goes on, as in the annotate dialog
            # (QA: it stayed, and a note typed next landed in the rating); in the last field it stays,
            # so the completed value is seen before a second enter saves
            field.value = suggestion
            field.cursor_position = len(suggestion)
            if index + 1 == len(keys):
                return
        if index + 1 < len(keys):
            self.query_one(f"#field-{keys[index + 1]}", Input).focus()
        else:
            self._save()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A refused value's message goes once its field is changed: it named a value no longer there."""
        if self._refused_field and event.input.id == f"field-{self._refused_field}":
            self._refused_field = ""
            self.query_one("#form-error", Static).update("")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def _save(self) -> None:
        values = self.values()
        if self.check is not None and self.check_in_thread:
            self._check_then_save(values)
            return
        self._saved(values, self.check(values) if self.check else None)

    @work(thread=True, exclusive=True, group="form-check")
    def _check_then_save(self, values: dict[str, str]) -> None:
        problem = self.check(values) if self.check else None
        self.app.call_from_thread(self._saved, values, problem)

    def _saved(self, values: dict[str, str], problem: Problem) -> None:
        """Save values, or say the problem check found with them (the dialog stays open, and the cursor goes
        to the field at fault: QA typed the corrected URL into the next field)."""
        if not self.is_attached:
            return
        if problem:
            key, reason = problem if isinstance(problem, tuple) else ("", problem)
            self.query_one("#form-error", Static).update(Text(display_safe(reason)))
            self._refused_field = key
            if key:
                field = self.query_one(f"#field-{key}", Input)
                field.focus()
                field.cursor_position = len(field.value)
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
