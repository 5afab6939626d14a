"""The dialog that links the annotation under the comparison's cursor to one in another pane."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.model import LINK_KINDS, Annotation
from reader.presentation import flat_line
from reader.text import display_safe
from reader.tui.screens.compare_parts import LINK_KIND_NAMES
from reader.tui.widgets.option_steps import step_highlight


class LinkChoice(ModalScreen["tuple[str, str] | None"]):
    """Pick what an annotation is to another: (target annotation id, link kind), escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="link.cancel"),
        Binding("j", "move(1)", "Next choice", show=False, id="link.down"),
        Binding("k", "move(-1)", "Previous choice", show=False, id="link.up"),
    ]

    def __init__(self, quote: str, targets: list[tuple[str, Annotation]]) -> None:
        super().__init__()
        self.quote = quote
        self.targets = targets

    def compose(self) -> ComposeResult:
        options = []
        for label, annotation in self.targets:
            for kind in LINK_KINDS:
                prompt = Text.assemble(
                    Text(LINK_KIND_NAMES[kind], style="bold"),
                    " → ",
                    Text(display_safe(label), style="italic"),
                    ": ",
                    Text(flat_line(annotation.quote, 60)),
                )
                options.append(Option(prompt, id=f"{kind}:{annotation.id}"))
        with Vertical(id="dialog"):
            yield Static(Text("Link the annotation", style="bold"))
            yield Static(Text(flat_line(self.quote, 200), style="dim"), id="dialog-quote")
            yield OptionList(*options, id="link-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_move(self, step: int) -> None:
        step_highlight(self.query_one(OptionList), step)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, _, annotation_id = (event.option.id or "").partition(":")
        self.dismiss((annotation_id, kind))

    def action_cancel(self) -> None:
        self.dismiss(None)
