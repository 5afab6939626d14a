"""The part of ReaderApp that opens screens: a source, a comparison, the claims matrix, the adjudication,
statistics and help. What a screen shows is read from the store in a thread worker and arrives as a
message; the screen is pushed when it has arrived (the event loop never reads a whole source)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App
from textual.dom import DOMNode
from textual.message import Message

from reader.model import ReaderError, Source
from reader.session import OPEN_SOURCE_SETTING, PANEL_SETTING, LastOpen, ReaderSession, Store, StoreError
from reader.tui.base import notify_error, notify_plain
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen
from reader.tui.widgets.document_view import DocumentView


class SourceRead(Message):
    """A stored source read off the event loop, to show; stacked: over the screen in front (from the
    matrix or a search), else in place of the reading screen in front."""

    def __init__(self, source: Source, text: str, position: int, show_panel: bool, stacked: bool) -> None:
        super().__init__()
        self.source, self.text, self.position = source, text, position
        self.show_panel, self.stacked = show_panel, stacked


class ComparisonRead(Message):
    """The sources of a comparison, their texts and where each was last read."""

    def __init__(self, sources: list[Source], texts: dict[int, str], positions: dict[int, int]) -> None:
        super().__init__()
        self.sources, self.texts, self.positions = sources, texts, positions


class AdjudicationRead(Message):
    """A source and the two coders to compare on it, checked."""

    def __init__(self, source: Source, text: str, author_a: str, author_b: str) -> None:
        super().__init__()
        self.source, self.text, self.author_a, self.author_b = source, text, author_a, author_b


class OpeningScreens(App[None]):
    """Opens the reader's screens (see the module docstring); ReaderApp is the rest of the app."""

    session: ReaderSession
    sources_screen: SourcesScreen
    backend: str  # the comparison's alignment backend
    paths: list[Path]  # the files and folders the reader was opened on
    whole_library: bool  # opened with no paths: every source of the database

    # --- notices and the app's own changes -------------------------------------------------------

    def notify_error(self, message: str) -> None:
        """A problem as a notice, shown as plain text (never markup, control characters made visible)."""
        notify_error(self, message)

    def notify_plain(self, message: str) -> None:
        notify_plain(self, message)

    def submit_change(self, change: Callable[[Store], object]) -> None:
        """A change of the app's own (a setting), written off the event loop; a refusal is a notice."""
        future = self.session.submit(change)

        def landed(_: object) -> None:
            error = future.exception()
            if isinstance(error, ReaderError):
                self.call_from_thread(self.notify_error, str(error))

        future.add_done_callback(landed)

    def remember_open_source(self, source_id: int | None) -> None:
        value = "" if source_id is None else str(source_id)
        self.submit_change(lambda store: store.set_setting(OPEN_SOURCE_SETTING, value))

    def save_layout(self, panel_shown: bool) -> None:
        self.submit_change(lambda store: store.set_setting(PANEL_SETTING, "1" if panel_shown else "0"))

    def restore_session(self, last_open: LastOpen) -> None:
        """Reopen the source (and comparison) open when the reader last quit, if still in play. More files
        named than a comparison holds are listed, and the notice says why they are not side by side."""
        from reader.tui.screens.compare import MAX_PANES, MIN_PANES

        named = [path for path in self.paths if path.is_file()]
        if not self.whole_library and len(named) == len(self.paths) > MAX_PANES:
            self.notify_plain(
                f"{len(named)} files: a comparison takes {MIN_PANES} to {MAX_PANES} (space marks them, c compares)"
            )
        if last_open.source_id is not None and last_open.source_id in self.session.source_ids:
            self.open_source(last_open.source_id)
        compared = last_open.compared
        if len(compared) >= 2 and all(source_id in self.session.source_ids for source_id in compared):
            self.open_compare(compared)

    # --- a source --------------------------------------------------------------------------------

    def open_source(self, source_id: int) -> None:
        """Read a source where it was last read, in place of the reading screen in front."""
        self.read_source(source_id, None)

    def open_source_at(self, source_id: int, offset: int) -> None:
        """Read a source with the cursor at offset (from the claims matrix or a search); escape comes back."""
        self.read_source(source_id, offset)

    @work(thread=True, exclusive=True, group="open-source")
    def read_source(self, source_id: int, offset: int | None) -> None:
        store = self.session.store
        try:
            source, text = store.source(source_id), store.text(source_id)
            position = store.reading_position(source_id) if offset is None else offset
            panel = store.setting(PANEL_SETTING, "1") == "1"
        except StoreError as error:
            self.call_from_thread(self.notify_error, str(error))
            return
        self.post_message(SourceRead(source, text, position, panel, stacked=offset is not None))

    def on_source_read(self, message: SourceRead) -> None:
        source = message.source
        if message.stacked:
            self.push_screen(
                ReadingScreen(source.id, source.title, message.text, message.position, show_panel=message.show_panel)
            )
            return
        self.remember_open_source(source.id)
        self.show_reading(source.id, source.title, message.text, message.position, message.show_panel)

    def show_reading(
        self, source_id: int | None, title: str, text: str, position: int, show_panel: bool, preview: bool = False
    ) -> None:
        """The reading screen on a text, in place of the reading screen in front."""
        if source_id is not None:
            self.remember_open_source(source_id)
        if isinstance(self.screen, ReadingScreen):
            self.pop_screen()
        self.push_screen(ReadingScreen(source_id, title, text, position, show_panel=show_panel, preview=preview))

    # --- comparison and claims matrix ------------------------------------------------------------

    def open_compare(self, source_ids: list[int]) -> None:
        """Put 2-4 sources side by side (each pane opens where that source was last read)."""
        from reader.tui.screens.compare import MAX_PANES, MIN_PANES

        if not MIN_PANES <= len(source_ids) <= MAX_PANES:
            self.notify_error(
                f"compare {MIN_PANES} to {MAX_PANES} sources (space marks them); {len(source_ids)} chosen"
            )
            return
        self.read_comparison(source_ids)

    @work(thread=True, exclusive=True, group="open-compare")
    def read_comparison(self, source_ids: list[int]) -> None:
        store = self.session.store
        try:
            by_id = {source.id: source for source in store.sources_by_ids(source_ids)}
            sources = [by_id[sid] for sid in source_ids if sid in by_id]
            texts = {source.id: store.text(source.id) for source in sources}
            positions = {source.id: store.reading_position(source.id) for source in sources}
        except StoreError as error:
            self.call_from_thread(self.notify_error, str(error))
            return
        self.post_message(ComparisonRead(sources, texts, positions))

    def on_comparison_read(self, message: ComparisonRead) -> None:
        # Imported here: the aligner pulls in numpy and a stemmer, too slow for the first screen.
        from reader.tui.screens.compare import CompareScreen

        self.push_screen(CompareScreen(message.sources, message.texts, message.positions, self.backend))

    @work(thread=True, exclusive=True, group="open-compare")
    def ask_compare_with(self, source_id: int) -> None:
        """From a reading screen: choose another source (read off the event loop), then compare the two."""
        try:
            others = [s for s in self.session.store.sources_by_ids(self.session.source_ids) if s.id != source_id]
        except StoreError as error:
            self.call_from_thread(self.notify_error, str(error))
            return
        self.call_from_thread(self.choose_compare_with, source_id, others)

    def choose_compare_with(self, source_id: int, others: list[Source]) -> None:
        from reader.tui.screens.pick_source import PickSourceScreen

        if not others:
            self.notify_error("no other source to compare with")
            return
        self.push_screen(
            PickSourceScreen(others),
            lambda chosen: self.open_compare([source_id, chosen]) if chosen is not None else None,
        )

    def action_compare_sources(self) -> None:
        """From the palette: the marked sources side by side, or pick one beside the source being read."""
        if isinstance(self.screen, ReadingScreen) and self.screen.source_id is not None:
            self.ask_compare_with(self.screen.source_id)
        else:
            self.sources_screen.action_compare()

    def open_matrix(self, source_ids: list[int] | None = None) -> None:
        """The claims matrix over these sources (default: every source in play)."""
        from reader.tui.screens.matrix import MatrixScreen

        self.push_screen(MatrixScreen(source_ids or list(self.session.source_ids)))  # none in play: empty

    # --- adjudication, statistics, help ----------------------------------------------------------

    def action_adjudicate(self) -> None:
        """Compare two coders on the source being read: the two there, or a choice when there are more."""
        from reader.tui.screens.adjudicate import AdjudicateScreen
        from reader.tui.screens.annotating import AnnotatingScreen

        screen = self.screen
        if isinstance(screen, AdjudicateScreen):
            return
        # the reading screen's source, or the comparison's active pane's
        source_id = screen.active_source_id() if isinstance(screen, AnnotatingScreen) else None
        if source_id is None:
            self.notify_error("open a source first: coders are compared on one source")
            return
        self.find_coders(source_id)

    @work(thread=True, exclusive=True, group="open-adjudication")
    def find_coders(self, source_id: int) -> None:
        """The coders on a source, read off the event loop (none while blind coding is on)."""
        from reader.tui.screens.adjudicate import coders_on

        try:
            if self.session.store.is_blind():
                self.call_from_thread(
                    self.notify_error, "blind coding is on: coders are compared once it is lifted (`reader blind off`)"
                )
                return
            coders = coders_on(self.session.store, source_id)
        except StoreError as error:
            self.call_from_thread(self.notify_error, str(error))
            return
        self.call_from_thread(self.choose_coders, source_id, coders)

    def choose_coders(self, source_id: int, coders: list[str]) -> None:
        """Adjudicate the two coders, or choose a pair when there are more."""
        from reader.tui.screens.adjudicate import PickCodersScreen

        if len(coders) < 2:
            self.notify_error(
                f"comparing coders needs two authors' annotations on this source besides yours (found {len(coders)})"
            )
            return
        if len(coders) == 2:
            self.open_adjudication(source_id, *coders)
            return
        pairs = [(a, b) for i, a in enumerate(coders) for b in coders[i + 1 :]]
        self.push_screen(
            PickCodersScreen(pairs), lambda pair: self.open_adjudication(source_id, *pair) if pair else None
        )

    def open_adjudication(self, source_id: int, author_a: str, author_b: str) -> None:
        """The adjudication screen for two coders on one source; a notice says why not when it cannot."""
        self.read_adjudication(source_id, author_a, author_b)

    @work(thread=True, exclusive=True, group="open-adjudication")
    def read_adjudication(self, source_id: int, author_a: str, author_b: str) -> None:
        from reader.adjudication import check_adjudication

        store = self.session.store
        try:
            check_adjudication(store, source_id, author_a, author_b)
            source, text = store.source(source_id), store.text(source_id)
        except ReaderError as error:
            self.call_from_thread(self.notify_error, str(error))
            return
        self.post_message(AdjudicationRead(source, text, author_a, author_b))

    def on_adjudication_read(self, message: AdjudicationRead) -> None:
        from reader.tui.screens.adjudicate import AdjudicateScreen

        self.push_screen(AdjudicateScreen(message.source, message.text, message.author_a, message.author_b))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        # The screen's own bindings, and the document view's when the screen shows documents.
        screen = self.screen
        owners: list[tuple[str, type[DOMNode]]] = [
            ("everywhere", type(self)),
            (type(screen).__name__.removesuffix("Screen").lower(), type(screen)),
        ]
        if any(view.can_focus for view in screen.query(DocumentView)):  # the adjudication's views take no keys
            owners.append(("document", DocumentView))
        self.push_screen(HelpScreen(owners, self.session.keymap))

    def action_stats(self) -> None:
        """The statistics screen, from anywhere (not stacked on itself)."""
        from reader.tui.screens.stats import StatsScreen

        if not isinstance(self.screen, StatsScreen) and self.session.is_open:
            self.push_screen(StatsScreen(source_ids=list(self.session.source_ids)))
