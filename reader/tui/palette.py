"""The reader's own commands in the command palette (ctrl+p): export, compare, matrix, statistics,
report and search across every source, beside Textual's system commands.

Commands that write a file or search the store ask for a file name or a query in a small prompt,
then do the work in a thread worker on the app's writer connection (never on the event loop).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from reader.presentation import fit_cells
from reader.text import display_safe, plural
from reader.tui.widgets.option_steps import step_highlight

HIT_TITLE_CELLS = 40  # a hit's source title, cut with an ellipsis beyond

if TYPE_CHECKING:
    from reader.tui.app import ReaderApp


class Prompt(ModalScreen["str | None"]):
    """One line of input (a file name, a query): enter answers, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, question: str, value: str = "") -> None:
        super().__init__()
        self.question = question
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, id="dialog-title", markup=False)
            yield Input(self.value, id="prompt-input", select_on_focus=False)

    def on_mount(self) -> None:
        """The value offered (a file name) is selected: what is typed replaces it, a cursor key keeps it."""
        field = self.query_one(Input)
        field.cursor_position = len(field.value)
        field.select_all()
        field.focus()

    def unsaved_input(self) -> bool:
        return self.query_one(Input).value != self.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SearchHits(ModalScreen["tuple[int, int] | None"]):
    """Hits of a search across every source: j/k move, enter opens the source at the hit."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="hits.cancel"),
        Binding("j", "move(1)", "Next hit", show=False, id="hits.down"),
        Binding("k", "move(-1)", "Previous hit", show=False, id="hits.up"),
    ]

    def __init__(self, query: str, hits: list[dict]) -> None:
        super().__init__()
        self.query_text = query
        self.hits = hits

    def compose(self) -> ComposeResult:
        options = []
        for hit in self.hits:
            title = display_safe(hit["source_title"] or Path(hit["source_path"]).name)
            prompt = Text(fit_cells(title, HIT_TITLE_CELLS), style="bold")
            prompt.append("  ")
            for index, part in enumerate(hit["snippet"].replace("\x03", "\x02").split("\x02")):
                prompt.append(display_safe(part.replace("\n", " ")), style="reverse" if index % 2 else "")
            options.append(Option(prompt))
        with Vertical(id="dialog"):
            yield Label(
                f"{plural(len(self.hits), 'hit')} for {self.query_text!r} (enter opens, escape closes)",
                id="dialog-title",
                markup=False,
            )
            yield OptionList(*options, id="hits-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_move(self, step: int) -> None:
        step_highlight(self.query_one(OptionList), step)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        hit = self.hits[event.option_index]
        self.dismiss((hit["source_id"], hit["position_start"]))

    def action_cancel(self) -> None:
        self.dismiss(None)


def reader_commands(app: ReaderApp) -> list[SystemCommand]:
    """The reader's commands for the palette."""
    return [
        SystemCommand(
            "Export annotations",
            "Write every annotation to a file (.csv, .json, .jsonld or .md)",
            lambda: app.push_screen(
                Prompt("Export annotations to (.csv .json .jsonld .md):", "annotations.csv"),
                lambda path: export_to(app, path),
            ),
        ),
        SystemCommand(
            "Compare sources",
            "Put sources side by side (marked ones, or pick one beside this)",
            app.action_compare_sources,
        ),
        SystemCommand("Claims matrix", "Every claim against every source", lambda: app.open_matrix()),
        SystemCommand("Statistics", "Tags, claims and activity", app.action_stats),
        SystemCommand(
            "HTML report",
            "One self-contained page: sources, annotations, claims, a chart",
            lambda: app.push_screen(
                Prompt("Write the HTML report to:", "report.html"), lambda path: report_to(app, path)
            ),
        ),
        SystemCommand(
            "Search all sources",
            "Full-text search over every source; enter opens the hit",
            lambda: app.push_screen(Prompt("Search every source for:"), lambda query: search_all(app, query)),
        ),
    ]


@work(thread=True, group="palette")
def _export_worker(app: ReaderApp, path: Path) -> None:
    from reader.exports import ExportError, export, format_for_path
    from reader.session import StoreError

    try:
        writer = app.session.connect()
        try:
            count = export(writer, format_for_path(path), path)
        finally:
            writer.close()
    except (ExportError, StoreError, OSError) as error:
        app.call_from_thread(app.notify_error, f"export failed: {error}")
        return
    app.call_from_thread(app.notify_plain, f"exported {plural(count, 'annotation')} to {path}")


def export_to(app: ReaderApp, path: str | None) -> None:
    if path:
        _export_worker(app, Path(path).expanduser())


@work(thread=True, group="palette")
def _report_worker(app: ReaderApp, path: Path) -> None:
    from reader.report import ReportError, gather, render_report, write_report
    from reader.session import StoreError

    try:
        writer = app.session.connect()
        try:
            data = gather(writer, list(app.source_ids) or None)
            write_report(render_report(data), path)
        finally:
            writer.close()
    except (ReportError, StoreError, OSError) as error:
        app.call_from_thread(app.notify_error, f"report failed: {error}")
        return
    app.call_from_thread(
        app.notify_plain,
        f"wrote {path}: {plural(len(data.sources), 'source')}, {plural(len(data.annotations), 'annotation')}",
    )


def report_to(app: ReaderApp, path: str | None) -> None:
    if path:
        _report_worker(app, Path(path).expanduser())


@work(thread=True, group="palette")
def _search_worker(app: ReaderApp, query: str) -> None:
    from reader.session import StoreError

    try:
        writer = app.session.connect()
        try:
            hits = writer.search(query, limit=50)
        finally:
            writer.close()
    except StoreError as error:
        app.call_from_thread(app.notify_error, str(error))
        return
    app.call_from_thread(_show_hits, app, query, hits)


def _show_hits(app: ReaderApp, query: str, hits: list[dict]) -> None:
    if not hits:
        app.notify_plain(f"no matches for {query!r}")
        return
    app.push_screen(SearchHits(query, hits), lambda chosen: app.open_source_at(*chosen) if chosen is not None else None)


def search_all(app: ReaderApp, query: str | None) -> None:
    if query:
        _search_worker(app, query)
