"""A yes/no question as a small modal: y or enter says yes, n or escape says no."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label


class Confirm(ModalScreen[bool]):
    """Ask before something that cannot be taken back (quitting with typed text, creating a tag)."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="dialog-title", markup=False)
            yield Label("y / enter: yes    n / escape: no", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
