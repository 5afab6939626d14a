"""A small dialog to choose a source (for `c` on the reading screen: what to put beside this one)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.model import Source
from reader.text import display_safe


class PickSourceScreen(ModalScreen[int | None]):
    """Lists sources by title and outlet; enter picks one (its id), escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        Binding("j", "move(1)", "Next source", show=False, id="pick.down"),
        Binding("k", "move(-1)", "Previous source", show=False, id="pick.up"),
    ]

    def __init__(self, sources: list[Source], heading: str = "Compare with…") -> None:
        super().__init__()
        self.sources = sources
        self.heading = heading

    def compose(self) -> ComposeResult:
        options = []
        for source in self.sources:
            prompt = Text(display_safe(source.title or source.name))
            if source.outlet:
                prompt.append(f"  {display_safe(source.outlet)}", style="dim")
            options.append(Option(prompt, id=str(source.id)))
        with Vertical(id="dialog"):
            yield Static(Text(self.heading + "  (enter picks, escape cancels)", style="bold"))
            yield OptionList(*options, id="pick-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = ((options.highlighted or 0) + step) % options.option_count

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.sources[event.option_index].id)

    def action_cancel(self) -> None:
        self.dismiss(None)
