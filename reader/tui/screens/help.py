"""The help screen: every binding of the app, its screens and the document view, read from the bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, Keymap
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_rows(
    app: App[object], owners: list[tuple[str, type[DOMNode]]], keymap: Keymap
) -> list[tuple[str, str, str]]:
    """(where, keys, description) for each binding of each owner class, with keys as the user presses them
    (keymap: binding id -> keys, as the app's keymap remaps them). Owners: the app first, then the screen (then
    the document view): an app binding whose every key the screen binds too is left out, as the screen's is what
    the key does there (a focused widget's binding may pass a key on, so the screen's stay listed)."""
    bound = [[(b, _keys(b, keymap)) for b in owner.BINDINGS if isinstance(b, Binding)] for _, owner in owners]
    rows = []
    for number, (where, _) in enumerate(owners):
        inner = {key for _, keys in bound[1] for key in keys} if number == 0 and len(bound) > 1 else set()
        for binding, keys in bound[number]:
            if not binding.description or all(key in inner for key in keys):
                continue
            shown = ", ".join(app.get_key_display(Binding(key, binding.action)) for key in keys)
            rows.append((where, shown, binding.description))
    return rows


def _keys(binding: Binding, keymap: Keymap) -> list[str]:
    """The keys that run binding, as the keymap (binding id -> keys) remaps them."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [key.strip() for key in keys.split(",")]


class HelpScreen(ModalScreen[None]):
    """Lists the bindings; escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close help", id="help.close"),
        Binding("j", "scroll(1)", "Scroll down", show=False, id="help.down"),
        Binding("k", "scroll(-1)", "Scroll up", show=False, id="help.up"),
    ]

    def __init__(self, owners: list[tuple[str, type[DOMNode]]], keymap: Keymap | None = None) -> None:
        super().__init__()
        self.owners = owners
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        table = Table(box=None, header_style="bold", expand=True, pad_edge=False)
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Keys", style="bold", no_wrap=True)
        table.add_column("Does")
        self.rows = binding_rows(self.app, self.owners, self.keymap)
        for where, keys, description in self.rows:
            table.add_row(Text(where), Text(keys), Text(description))
        with VerticalScroll(id="help"):
            yield Static(Text("Keys (escape closes)", style="bold"))
            yield Static(table)

    def action_scroll(self, lines: int) -> None:
        help_view = self.query_one("#help", VerticalScroll)
        help_view.scroll_to(y=help_view.scroll_y + lines, animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
