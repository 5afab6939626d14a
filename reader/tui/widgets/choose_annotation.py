"""A dialog to pick one of several overlapping annotations (for e and x): j/k or arrows, enter, escape."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from reader.model import Annotation
from reader.presentation import fit_cells, tags_text
from reader.tui.widgets.option_steps import step_highlight
from reader.tui.widgets.small import safe_content


def describe_annotation(annotation: Annotation, width: int = 70) -> Content:
    """Tags, then the quote on one line, shortened: untrusted text as plain Content."""
    quote = " ".join(annotation.quote.split())
    quote = fit_cells(quote, width)
    tags = tags_text(annotation.tags)
    return Content("").join([safe_content(tags, "bold"), Content("  "), safe_content(quote)])


class ChooseAnnotation(ModalScreen["Annotation | None"]):
    """Several annotations overlap under the cursor: which one to edit or delete."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="choose.cancel"),
        Binding("j", "move(1)", "Next annotation", show=False, id="choose.down"),
        Binding("k", "move(-1)", "Previous annotation", show=False, id="choose.up"),
    ]

    def __init__(self, verb: str, annotations: list[Annotation]) -> None:
        super().__init__()
        self.verb = verb
        self.annotations = annotations

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(
                f"{self.verb} which annotation? ({len(self.annotations)} overlap here)", id="dialog-title", markup=False
            )
            yield OptionList(*[Option(describe_annotation(a), id=a.id) for a in self.annotations], id="choose-options")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_move(self, step: int) -> None:
        step_highlight(self.query_one(OptionList), step)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.annotations[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
