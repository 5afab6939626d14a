"""The sources screen: every source in play with its outlet, size, annotations and reading progress.

`/` (or `f`) starts filtering: in that mode every printable key goes to the filter, enter keeps it and
leaves the mode, escape clears it. Outside it, letters are commands (as in less, lazygit or k9s).
Enter opens the highlighted source; space marks sources for comparison.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, ProgressBar, Static

from reader.model import Source
from reader.presentation import fit_cells
from reader.session import metadata_change
from reader.text import display_safe, plural
from reader.tui.base import DatabaseChanged, ReaderScreen
from reader.tui.widgets.small import safe_content


def source_matches(source: Source, needle: str) -> bool:
    """Case-insensitive match of every word of the filter against title, outlet and file name."""
    haystack = f"{source.title} {source.outlet} {source.name}".casefold()
    return all(word in haystack for word in needle.casefold().split())


OUTLET_NARROWEST, OUTLET_WIDEST = 14, 28  # the outlet column grows with the terminal (a sixth of it)


class SourcesScreen(ReaderScreen):
    """The library: pick a source to read, mark several to compare."""

    BINDINGS = [
        Binding("enter", "open_source", "Open the source", id="sources.open"),
        Binding("space", "toggle_mark", "Mark for comparison", id="sources.mark"),
        Binding("c", "compare", "Compare the marked sources side by side (2-4)", id="sources.compare"),
        Binding("m", "matrix", "Claims matrix (marked sources, else all)", id="sources.matrix"),
        Binding(
            "i",
            "edit_metadata",
            "Edit the source's metadata (url, outlet, author, published, title)",
            id="sources.metadata",
        ),
        Binding("j", "cursor(1)", "Next source", show=False, id="sources.down"),
        Binding("k", "cursor(-1)", "Previous source", show=False, id="sources.up"),
        Binding("g", "cursor_to(0)", "First source", show=False, id="sources.first"),
        Binding("G", "cursor_to(-1)", "Last source", show=False, id="sources.last"),
        Binding("slash,f", "start_filter", "Filter the list (type, enter keeps, escape clears)", id="sources.filter"),
        Binding("escape", "clear_filter", "Clear the filter", id="sources.clear_filter"),
    ]

    class OpenSource(Message):
        """The user chose a source to read."""

        def __init__(self, source_id: int) -> None:
            super().__init__()
            self.source_id = source_id

    filter: reactive[str] = reactive("", init=False)  # what the list is filtered by
    filtering: reactive[bool] = reactive(False, init=False)  # in filter mode: printable keys build the filter

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[Source] = []
        self.marked: set[int] = set()
        self.progress_text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="sources-heading")
        yield DataTable(id="sources-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="sources-status")
        yield ProgressBar(id="sources-progress", show_eta=False)

    def on_resize(self) -> None:
        if self.sources and self._composed:
            self._fill()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._fill()

    def reload(self) -> None:
        self.reader_app.refresh_sources()

    def on_database_changed(self, message: DatabaseChanged) -> None:
        """Another program's change: the app reads the list again. This session's: the counts and the
        reading progress change (a position saved on the way back lands after the list was read)."""
        if self.is_current and not message.outside:
            self.reload()
        else:
            super().on_database_changed(message)

    def show_sources(self, sources: list[Source]) -> None:
        """Replace the list, keeping the highlighted source and the marks. A quick sync can finish
        before this screen has composed: then on_mount fills the table."""
        self.sources = sources
        if self._composed:
            self._fill()

    @property
    def _composed(self) -> bool:
        """The table exists (composing mounts it before on_mount runs, so nothing is missed)."""
        return bool(self.query(DataTable))

    @property
    def listed(self) -> list[Source]:
        """The sources the filter lets through, in order (not `visible`: that is Textual's, and
        shadowing it made the list unfocusable while it was empty)."""
        return [s for s in self.sources if source_matches(s, self.filter)] if self.filter else list(self.sources)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        current = self.highlighted
        table.clear(columns=True)
        # Fixed widths from the terminal's width, so the layout never depends on what arrived first.
        outlet_width = min(OUTLET_WIDEST, max(OUTLET_NARROWEST, self.app.size.width // 6))
        # A Published column only once some source has a date (a list without any keeps its room for titles).
        dated = any(source.published for source in self.sources)
        published_width = 10 if dated else 0
        title_width = max(
            16, self.app.size.width - (1 + outlet_width + 7 + 5 + 4) - 2 * 6 - 2 - (published_width + 2 if dated else 0)
        )
        columns = [(" ", "mark", 1), ("Title", "title", title_width), ("Outlet", "outlet", outlet_width)]
        if dated:
            columns.append(("Published", "published", published_width))
        for label, key, width in (*columns, ("Words", "words", 7), ("Notes", "notes", 5), ("Read", "read", 4)):
            table.add_column(label, key=key, width=width)
        for source in self.listed:
            published = [Text(display_safe(source.published[:10]), style="dim")] if dated else []
            table.add_row(
                Text("●" if source.id in self.marked else " ", style="bold"),
                Text(fit_cells(display_safe(source.title), title_width)),
                Text(fit_cells(display_safe(source.outlet), outlet_width), style="dim"),
                *published,
                Text(f"{source.words:,}", justify="right"),
                Text(str(source.annotations) if source.annotations else "", justify="right"),
                Text(f"{round(source.read_fraction * 100)}%" if source.read_fraction else "", justify="right"),
                key=str(source.id),
            )
        if current is not None:
            for row, source in enumerate(self.listed):
                if source.id == current.id:
                    table.move_cursor(row=row, animate=False)
        self._update_heading()

    @property
    def highlighted(self) -> Source | None:
        table = self.query_one(DataTable)
        listed = self.listed
        if not listed or table.row_count == 0:
            return None
        return listed[min(table.cursor_row, len(listed) - 1)]

    def _update_heading(self) -> None:
        heading = self.query_one("#sources-heading", Static)
        every = plural(len(self.sources), "source")
        count = f"{len(self.listed)} of {every}" if self.filter else every
        parts = [Text("Sources  ", style="bold"), Text(count, style="dim")]
        if self.filtering:
            parts += [
                Text("   filter: ", style="dim"),
                Text(display_safe(self.filter) + "▏", style="reverse"),
                Text("  enter keeps · escape clears", style="dim"),
            ]
        elif self.filter:
            parts += [
                Text("   filter: ", style="dim"),
                Text(display_safe(self.filter), style="reverse"),
                Text("  / changes · escape clears", style="dim"),
            ]
        else:
            parts.append(Text("   / filters · enter opens · space marks · ? help", style="dim"))
        heading.update(Text.assemble(*parts))
        marked = len(self.marked)
        status = f"{marked} marked for comparison" if marked else ""
        if marked:
            # QA: with two marked, enter still opens one source; say which key compares them
            status += " · c compares them" if marked >= 2 else " · mark another, then c compares"
        if self.progress_text:
            status = f"{status} · {self.progress_text}" if status else self.progress_text
        blind = self.reader_app.blind_notice  # blind coding (reader.authors)
        if blind:
            status = f"{blind} · {status}" if status else blind
        self.query_one("#sources-status", Static).update(safe_content(status))

    def on_key(self, event: events.Key) -> None:
        """In filter mode, printable keys (bound letters and space too) build the filter; backspace
        removes a character, enter keeps the filter and leaves the mode, escape clears it."""
        if not self.filtering:
            return
        if event.key == "backspace":
            self.filter = self.filter[:-1]
        elif event.key == "enter":
            self.filtering = False
        elif event.key == "escape":
            self.filtering = False
            self.filter = ""
        elif event.is_printable and event.character:
            self.filter += event.character
        else:
            return
        event.stop()
        event.prevent_default()

    def watch_filter(self) -> None:
        if self._composed:
            self._fill()

    def watch_filtering(self) -> None:
        if self._composed:
            self._update_heading()

    def action_start_filter(self) -> None:
        self.filtering = True

    def show_progress(self, done: int, total: int, name: str) -> None:
        """A long load is under way: a progress bar and the file it has reached, under the list."""
        if not self.is_mounted:
            return
        bar = self.query_one("#sources-progress", ProgressBar)
        bar.display = True
        bar.update(total=total, progress=done)
        self.progress_text = f"loading sources: {done:,} of {total:,} files · {name}"
        self._update_heading()

    def hide_progress(self) -> None:
        self.progress_text = ""
        if self.is_mounted:
            self.query_one("#sources-progress", ProgressBar).display = False
            self._update_heading()

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, table.cursor_row + step), animate=False)

    def action_cursor_to(self, row: int) -> None:
        """To the first row (0) or the last (-1), as g and G do in less."""
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=row % table.row_count, animate=False)

    def action_clear_filter(self) -> None:
        self.filter = ""
        self.filtering = False

    def action_toggle_mark(self) -> None:
        source = self.highlighted
        if source is None:
            return
        self.marked ^= {source.id}
        self._fill()

    def action_compare(self) -> None:
        chosen = [source.id for source in self.sources if source.id in self.marked]
        if len(chosen) < 2:
            self.notify_error("mark 2 to 4 sources with space, then press c")
            return
        self.reader_app.open_compare(chosen)

    def action_matrix(self) -> None:
        self.reader_app.open_matrix([source.id for source in self.sources if source.id in self.marked] or None)

    def action_edit_metadata(self) -> None:
        """A form with the highlighted source's url, outlet, author, published date and title; what the
        user changes becomes their own value, which wins over sources.toml and the file (undoable)."""
        from reader.metadata import METADATA_FIELDS, MetadataError, check_metadata
        from reader.tui.widgets.form_dialog import Field, FormDialog, Problem

        source = self.highlighted
        if source is None:
            return
        current = {key: getattr(source, key) for key in METADATA_FIELDS}
        labels = {
            "url": "URL (http or https)",
            "outlet": "Outlet",
            "author": "Author",
            "published": "Published (ISO 8601: 2024-10-14 or 2024-10-14T09:30Z)",
            "title": "Title",
        }
        order = ("title", "outlet", "author", "published", "url")

        def changed(values: dict[str, str]) -> dict[str, str]:
            return {key: value for key, value in values.items() if value.strip() != current[key].strip()}

        def check(values: dict[str, str]) -> Problem:
            for key, value in changed(values).items():  # field by field, to put the cursor on the bad one
                try:
                    check_metadata({key: value})
                except MetadataError as error:
                    return key, str(error)
            return None

        def saved(values: dict[str, str] | None) -> None:
            if not values or not changed(values):
                return

            def done(_: object) -> None:
                self.notify_plain(f"saved the metadata of {source.name} (u in a source or `reader undo` takes it back)")
                self.reload()

            self.submit_change(metadata_change(source.id, changed(values)), done)

        self.app.push_screen(
            FormDialog(
                f"Metadata: {source.name}",
                [Field(key, labels[key], current[key]) for key in order],
                about="Your values win over sources.toml and the file itself.",
                check=check,
            ),
            saved,
        )

    def action_open_source(self) -> None:
        source = self.highlighted
        if source is not None:
            self.post_message(self.OpenSource(source.id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_source()
