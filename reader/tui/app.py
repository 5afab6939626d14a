"""ReaderApp: the Textual app behind `reader`. Opens the session, syncs sources in a worker, shows screens.

Workers only read files and the store and post messages; the message handlers own the app's state.
A timer asks the session whether another program committed; a DatabaseChanged message then goes to every
screen (and after each of this session's own changes too, so the screens behind read again).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from threading import Event

from rich.text import Text
from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from reader.corpus import SourceError, load_document, read_metadata, title_from_text
from reader.library import SyncReport, sync_sources
from reader.model import Source
from reader.preview import read_preview
from reader.saving import SaveFailed, save_in_process
from reader.session import COMPARE_SETTING, LastOpen, ReaderSession, Store, StoreError
from reader.settings import Settings, SettingsError, load_settings
from reader.text import display_safe
from reader.tui.base import DatabaseChanged
from reader.tui.opening import OpeningScreens
from reader.tui.screens.adjudicate import AdjudicationCommands
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen

POLL_SECONDS = 1.0
PROGRESS_DELAY = 0.3
PROGRESS_INTERVAL = 0.1


class QuitGuard(App[None]):
    """Once q has started quitting, the keys and clicks that follow are dropped: a screen they opened ('q' then
    'm' typed fast) would mount on an app already closing and crash it with a traceback."""

    quitting = False  # set by q

    async def on_event(self, event: events.Event) -> None:
        if self.quitting and isinstance(event, events.InputEvent):
            return
        await super().on_event(event)


def throttled(report: Callable[[int, int, str], object]) -> Callable[[int, int, str], None]:
    """report, called only once PROGRESS_DELAY has passed since now (a quick start shows nothing), then at
    most once per PROGRESS_INTERVAL."""
    started = time.monotonic()
    last_reported = 0.0

    def progress(done: int, total: int, name: str) -> None:
        nonlocal last_reported
        moment = time.monotonic()
        if moment - started < PROGRESS_DELAY or moment - last_reported < PROGRESS_INTERVAL:
            return
        last_reported = moment
        report(done, total, name)

    return progress


class ReaderApp(OpeningScreens, QuitGuard):
    """Sources, reading and help screens over one annotation database."""

    CSS_PATH = "reader.tcss"
    TITLE = "reader"
    COMMANDS = App.COMMANDS | {AdjudicationCommands}  # ctrl+p: compare coders (reader.tui.screens.adjudicate)
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help: every key", id="app.help"),
        Binding("percent_sign", "stats", "Statistics: tags, claims and activity", id="app.stats"),
        Binding("ctrl+p", "command_palette", "Command palette: the reader's commands", id="app.command_palette"),
        Binding(
            "ctrl+q",
            "quit",
            "Quit (asks first when a dialog holds typed text)",
            show=False,
            priority=True,
            id="app.ctrl_quit",
        ),
        Binding("A", "adjudicate", "Compare coders on this source (adjudicate)", id="app.adjudicate"),
        Binding("tab", "focus_next", "Next pane", show=False, id="app.focus_next"),
        Binding("shift+tab", "focus_previous", "Previous pane", show=False, id="app.focus_previous"),
    ]

    class LibrarySynced(Message):
        """The library is synced: the sources in play, and what was open when the reader last quit."""

        def __init__(self, report: SyncReport, source_ids: list[int], last_open: LastOpen) -> None:
            super().__init__()
            self.report, self.source_ids, self.last_open = report, source_ids, last_open

    class DocumentReady(Message):
        """A source's text is in memory (source_id is None while a new big file is still being saved)."""

        def __init__(
            self,
            source_id: int | None,
            title: str,
            text: str,
            path: str,
            preview: bool = False,
            position: int = 0,
            show_panel: bool = True,
        ) -> None:
            super().__init__()
            self.source_id, self.title, self.text, self.path = source_id, title, text, path
            self.preview, self.position, self.show_panel = preview, position, show_panel

    class SourceSaved(Message):
        def __init__(self, source_id: int, path: str) -> None:
            super().__init__()
            self.source_id, self.path = source_id, path

    class SourcesRead(Message):
        """The sources in play, read again, and the blind coding notice (the database may have changed it)."""

        def __init__(self, sources: list[Source], blind_notice: str) -> None:
            super().__init__()
            self.sources, self.blind_notice = sources, blind_notice

    class SyncProgress(Message):
        """How far a long sync has got (posted at most PROGRESS_INTERVAL apart, after PROGRESS_DELAY)."""

        def __init__(self, done: int, total: int, name: str) -> None:
            super().__init__()
            self.done, self.total, self.name = done, total, name

    class Failed(Message):
        def __init__(self, reason: str, fatal: bool = False) -> None:
            super().__init__()
            self.reason, self.fatal = reason, fatal

    def __init__(
        self,
        db_path: Path,
        paths: list[Path],
        open_single: bool = False,
        whole_library: bool = False,
        adjudicate: tuple[int, str, str] | None = None,
        backend: str = "lexical",
        compare_given: bool = False,
    ) -> None:
        """paths are loaded (changed files only) and shown; with whole_library, every source the
        database holds is shown too (`reader` with no paths: the corpus plus what `reader add` added).
        adjudicate (source id, author A, author B) opens the adjudication screen on that source.
        backend aligns the comparison's panes and ranks counterparts ("lexical" or "semantic").
        compare_given (2-4 files named): they open side by side, in the order given."""
        super().__init__()
        self.backend = backend
        self.adjudicate_at = adjudicate
        self.session = ReaderSession(Path(db_path))
        self.paths = [Path(p) for p in paths]
        self.open_single = open_single
        self.whole_library = whole_library
        self.compare_given = compare_given
        self.sources_screen = SourcesScreen()
        self._restored = False
        self._preview_painted = Event()
        self.save_process_pid: int | None = None  # the process that saved a file opened directly
        self.blind_notice = ""  # shown in the status line while blind coding is on

    @property
    def source_ids(self) -> list[int]:
        """The sources in play, in list order."""
        return self.session.source_ids

    # --- start and end ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.apply_settings()
        try:
            self.session.open()
        except StoreError as error:
            self.exit(return_code=1, message=Text(display_safe(str(error))))
            return
        self.session.on_wait = lambda message: self.call_from_thread(self.notify_plain, message)
        self.session.on_written = self._written
        self.push_screen(self.sources_screen)
        if self.adjudicate_at is not None:
            self._restored = True  # `reader adjudicate`: that screen, not the last source read
            self.open_adjudication(*self.adjudicate_at)
        if self.open_single:
            self.open_file(self.paths[0])
        else:
            self.sync_library()
        self.set_interval(POLL_SECONDS, self.poll_changes)

    def _written(self) -> None:
        """A change of this session landed (called in the writer thread): the screens behind read again."""
        self.post_message(DatabaseChanged(outside=False))

    def on_unmount(self) -> None:
        """The changes submitted land before the connections close (a change is never dropped)."""
        self.session.close()

    def apply_settings(self) -> None:
        """The user's settings file: theme and key remapping. A broken file: defaults and a notice."""
        try:
            self.session.settings = load_settings()
        except SettingsError as error:
            self.session.settings = Settings()
            self.notify_error(f"settings not used, defaults instead: {error}")
        settings = self.session.settings
        if settings.theme in self.available_themes:
            if self.theme != settings.theme:
                self.theme = settings.theme
        else:
            self.notify_error(
                f"unknown theme {settings.theme!r} in the settings; known: {', '.join(sorted(self.available_themes))}"
            )
        if settings.keys:
            self.set_keymap(self.session.keymap)
            self.check_keymap(list(settings.keys))

    @work(thread=True, exclusive=True, group="keymap")
    def check_keymap(self, binding_ids: list[str]) -> None:
        """Name the settings' binding ids that no binding has (Textual ignores them silently)."""
        from reader.tui.keymap_check import unknown_binding_ids

        unknown = unknown_binding_ids(binding_ids)
        if unknown:
            self.call_from_thread(
                self.notify_error,
                f"unknown binding ids in the settings, ignored: {', '.join(unknown)} (? lists each key's id)",
            )

    @work(thread=True, exclusive=True, group="sync")
    def sync_library(self) -> None:
        """Load new and changed files into the store, off the event loop (on a connection of its own)."""
        try:
            writer = self.session.connect()
            try:
                report = sync_sources(writer, self.paths, progress=self._progress_poster())
            finally:
                writer.close()
        except StoreError as error:
            self.post_message(self.Failed(str(error), fatal=True))
            return
        self.post_message(self.synced(report))

    @work(thread=True, exclusive=True, group="sync")
    def open_file(self, path: Path) -> None:
        """`reader FILE`: show the file as soon as it is read, then save it to the store."""
        resolved = Path(os.path.realpath(path))
        store = self.session.store
        show_panel = self.session.panel_shown()
        try:
            preview = read_preview(resolved)
            if preview:
                self.post_message(
                    self.DocumentReady(
                        None, title_from_text(preview), preview, str(resolved), True, show_panel=show_panel
                    )
                )
                # Decoding or fetching 100 MB holds the GIL for a while: let the preview reach the screen first.
                self._preview_painted.wait(timeout=3)
            known = store.known_signature(str(resolved))
            info = resolved.stat()
            if known == (info.st_size, info.st_mtime_ns):
                source_id = store.resolve_path_id(str(resolved))
                source = store.source(source_id)
                text, position = store.text(source_id), self.session.saved_position(source_id)
                self.post_message(
                    self.DocumentReady(
                        source_id, source.title, text, str(resolved), position=position, show_panel=show_panel
                    )
                )
                self.post_message(self.synced(SyncReport(source_ids=[source_id])))
                return
            metadata = read_metadata(resolved.parent).get(resolved.name)
            document = load_document(resolved, metadata)
            self.post_message(
                self.DocumentReady(None, document.title, document.text, str(resolved), show_panel=show_panel)
            )
            source_id = self._save_elsewhere(resolved, metadata, [document.size, document.mtime_ns, len(document.text)])
        except (SourceError, StoreError, SaveFailed) as error:
            self.post_message(self.Failed(f"{display_safe(str(path))}: {error}", fatal=True))
            return
        except OSError as error:
            self.post_message(self.Failed(f"{display_safe(str(path))}: cannot read: {error.strerror}", fatal=True))
            return
        self.post_message(self.SourceSaved(source_id, str(resolved)))
        self.post_message(self.synced(SyncReport(source_ids=[source_id], loaded=1)))

    def synced(self, report: SyncReport) -> LibrarySynced:
        """What a sync worker posts: the sources in play and the last session, read there (off the event loop)."""
        try:
            source_ids, last_open = self.session.after_sync(report.source_ids, self.whole_library)
            if self.compare_given:  # what was open last time gives way to the files named
                last_open = LastOpen(None, self.session.in_given_order(source_ids, self.paths))
        except StoreError as error:
            self.call_from_thread(self.notify_error, str(error))
            source_ids, last_open = list(report.source_ids), LastOpen(None, [])
        return self.LibrarySynced(report, source_ids, last_open)

    def _save_elsewhere(self, path: Path, metadata: dict[str, str] | None, expected: list[int]) -> int:
        """Save the file shown to the store in a separate process (keys stay fast meanwhile); expected
        (size, mtime_ns, text length) lets the child check it read the file shown."""
        source_id, self.save_process_pid = save_in_process(
            str(self.session.db_path),
            str(path),
            metadata,
            expected,
            self.session.settings.author,
            self.session.default_tags(),
        )
        return source_id

    def _progress_poster(self) -> Callable[[int, int, str], None]:
        """A sync_sources progress callback that posts SyncProgress, throttled (see throttled)."""
        return throttled(lambda done, total, name: self.post_message(self.SyncProgress(done, total, name)))

    def on_reader_app_sync_progress(self, message: SyncProgress) -> None:
        self.sources_screen.show_progress(message.done, message.total, message.name)

    def on_reader_app_failed(self, message: Failed) -> None:
        if message.fatal:
            self.exit(return_code=1, message=Text(display_safe(message.reason)))
        else:
            self.notify_error(message.reason)

    def on_reader_app_library_synced(self, message: LibrarySynced) -> None:
        report = message.report
        self.session.source_ids = list(message.source_ids)
        self.sources_screen.hide_progress()
        for path, reason in report.skipped[:5]:
            self.notify_error(f"skipped {path}: {reason}")
        self.refresh_sources()
        if not self._restored and not self.open_single:
            self._restored = True
            self.restore_session(message.last_open)

    def on_reader_app_document_ready(self, message: DocumentReady) -> None:
        screen = self.screen
        if isinstance(screen, ReadingScreen) and screen.preview:
            screen.replace_text(message.title, message.text, preview=message.preview)
            if message.source_id is not None:
                self.remember_open_source(message.source_id)
                screen.source_saved(message.source_id, message.position)
            return
        self.show_reading(
            message.source_id, message.title, message.text, message.position, message.show_panel, message.preview
        )
        if message.preview:
            self.call_after_refresh(lambda: self.set_timer(0.05, self._preview_painted.set))

    def on_reader_app_source_saved(self, message: SourceSaved) -> None:
        screen = self.screen
        if isinstance(screen, ReadingScreen) and screen.source_id is None:
            screen.source_saved(message.source_id)
        self.remember_open_source(message.source_id)

    # --- settings kept in the database -----------------------------------------------------------

    @work(thread=True, exclusive=True, group="sources")
    def refresh_sources(self) -> None:
        """Read the sources in play again (their counts and progress), off the event loop."""
        try:
            sources = self.session.store.sources_by_ids(list(self.source_ids))
        except StoreError as error:
            self.call_from_thread(self.notify_error, str(error))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.SourcesRead(sources, self.session.blind_notice()))

    def on_reader_app_sources_read(self, message: SourcesRead) -> None:
        self.blind_notice = message.blind_notice
        self.sources_screen.show_sources(message.sources)

    def on_sources_screen_open_source(self, message: SourcesScreen.OpenSource) -> None:
        self.open_source(message.source_id)

    def close_reading(self) -> None:
        """Back from a source to the list (the reader no longer reopens it at start)."""
        if isinstance(self.screen, ReadingScreen):
            self.pop_screen()
            self.remember_open_source(None)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands and the reader's own (export, compare, matrix, statistics, report, search)."""
        from reader.tui.palette import reader_commands

        yield from reader_commands(self)
        yield from super().get_system_commands(screen)

    async def action_quit(self) -> None:
        """Quit, remembering the reading position and the comparison layout; a dialog holding typed text
        asks first (ctrl+q must not drop a note silently)."""
        unsaved = getattr(self.screen, "unsaved_input", None)
        if callable(unsaved) and unsaved():
            from reader.tui.widgets.confirm import Confirm

            self.push_screen(
                Confirm("Quit and drop what was typed in this dialog?"), lambda yes: self._quit_now() if yes else None
            )
            return
        self._quit_now()

    def _quit_now(self) -> None:
        """Submit the positions and the comparison layout (they land before the session closes), then exit."""
        for screen in self.screen_stack:
            if isinstance(screen, ReadingScreen):
                screen.save_position()
        if self.session.is_open:
            # the compare module is imported only once a comparison was opened (it pulls in numpy)
            compare_module = sys.modules.get("reader.tui.screens.compare")
            compare = next(
                (
                    s
                    for s in reversed(self.screen_stack)
                    if compare_module and isinstance(s, compare_module.CompareScreen)
                ),
                None,
            )
            layout = ",".join(map(str, compare.source_ids)) if compare else ""
            positions = [
                (pane.source.id, pane.view.cursor[0], min(1.0, pane.view.cursor[1] / len(pane.text)))
                for pane in (compare.panes if compare else [])
                if pane.text
            ]

            def remember(store: Store) -> None:
                store.set_setting(COMPARE_SETTING, layout)
                for source_id, position, fraction in positions:  # each pane comes back where it was
                    store.set_reading_position(source_id, position, fraction)

            self.submit_change(remember)
        self.quitting = True
        self.exit()

    # --- live refresh ----------------------------------------------------------------------------

    def poll_changes(self) -> None:
        """Tell the screens when another connection committed since the last look. Not while quitting:
        Textual removes the screens' widgets before it stops this timer."""
        if not self.session.is_open or not self.is_running:
            return
        try:
            changed = self.session.changed_outside()
        except Exception as error:  # sqlite3 errors on a vanished file must not crash the app
            self.notify_error(f"cannot read the database: {error}")
            return
        if changed:
            self.post_message(DatabaseChanged(outside=True))

    def on_database_changed(self, message: DatabaseChanged) -> None:
        """The blind notice and the sources list follow the database; each screen decides what to read again."""
        if not self.is_running or not self.session.is_open:
            return
        if message.outside:  # the blind notice is read again with the sources
            self.refresh_sources()
        for screen in self.screen_stack:
            screen.post_message(DatabaseChanged(message.outside))
