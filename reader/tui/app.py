"""ReaderApp: the Textual app behind `reader`. Opens the store, syncs sources in a worker, shows screens.

Workers only read files and the store and post messages; the message handlers own the app's state.
A timer polls Store.data_version() so changes made by another reader or a `reader annotate` show up.
"""

from __future__ import annotations

import codecs
import os
import sys
import threading
import time
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from reader.corpus import SourceError, load_document, read_metadata, title_from_text
from reader.library import SyncReport, sync_sources
from reader.model import ReaderError
from reader.settings import Settings, SettingsError, load_settings
from reader.store import Store, StoreError, open_store
from reader.text import canonicalise_newlines, display_safe
from reader.tui.saving import SaveFailed, save_in_process
from reader.tui.screens.adjudicate import AdjudicationCommands
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen
from reader.tui.widgets.document_view import DocumentView

POLL_SECONDS = 1.0
PROGRESS_DELAY = 0.3
PROGRESS_INTERVAL = 0.1
PREVIEW_MIN_BYTES = 4 * 1024 * 1024
PREVIEW_BYTES = 256 * 1024


def read_preview(path: Path) -> str | None:
    """The start of a big plain-text UTF-8 file, shown while the whole file is read and decoded.

    Only when its offsets are sure to match the full text's: plain text or Markdown, strict UTF-8
    without a BOM, no carriage returns or other separators that canonicalisation would change.
    """
    if path.suffix.lower() not in {".txt", ".text", ".md", ".markdown"}:
        return None
    try:
        if path.stat().st_size < PREVIEW_MIN_BYTES:
            return None
        with open(path, "rb") as handle:
            head = handle.read(PREVIEW_BYTES)
    except OSError:
        return None
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if canonicalise_newlines(text) != text:
        return None
    return text[: text.rfind("\n") + 1] or None


OPEN_SOURCE_SETTING = "tui.open_source"
PANEL_SETTING = "tui.panel"
COMPARE_SETTING = "tui.compare"  # the source ids of the comparison open at quit, in pane order


class ReaderApp(App[None]):
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
        def __init__(self, report: SyncReport) -> None:
            super().__init__()
            self.report = report

    class DocumentReady(Message):
        """A source's text is in memory (source_id is None while a new big file is still being saved)."""

        def __init__(self, source_id: int | None, title: str, text: str, path: str, preview: bool = False) -> None:
            super().__init__()
            self.source_id, self.title, self.text, self.path = source_id, title, text, path
            self.preview = preview

    class SourceSaved(Message):
        def __init__(self, source_id: int, path: str) -> None:
            super().__init__()
            self.source_id, self.path = source_id, path

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
    ) -> None:
        """paths are loaded (changed files only) and shown; with whole_library, every source the
        database holds is shown too (`reader` with no paths: the corpus plus what `reader add` added).
        adjudicate (source id, author A, author B) opens the adjudication screen on that source."""
        super().__init__()
        self.adjudicate_at = adjudicate
        self.db_path = Path(db_path)
        self.paths = [Path(p) for p in paths]
        self.open_single = open_single
        self.whole_library = whole_library
        self.store: Store | None = None
        self.sources_screen = SourcesScreen()
        self.source_ids: list[int] = []
        self._seen_version = -1
        self._restored = False
        self._preview_painted = threading.Event()
        self.settings = Settings()
        self.save_process_pid: int | None = None  # the process that saved a file opened directly
        self.blind_notice = ""  # shown in the status line while blind coding is on

    # --- start -----------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.apply_settings()
        try:
            self.store = self._open_store()
        except StoreError as error:
            self.exit(return_code=1, message=Text(display_safe(str(error))))
            return
        self.refresh_blind_notice()
        self.push_screen(self.sources_screen)
        if self.adjudicate_at is not None:
            self._restored = True  # `reader adjudicate`: that screen, not the last source read
            self.open_adjudication(*self.adjudicate_at)
        self._seen_version = self._outside_version()
        if self.open_single:
            self.open_file(self.paths[0])
        else:
            self.sync_library()
        self.set_interval(POLL_SECONDS, self.poll_changes)

    def _writer_store(self) -> Store:
        """A second connection for a worker's long write, so the app's own connection (and its lock)
        stays free for reads while a big file is saved (WAL lets readers go on beside one writer).
        It writes as this session, so `u` takes back what it wrote (a change deferred past a lock too)."""
        writer = self._open_store()
        if self.store is not None:
            writer.session = self.store.session
        return writer

    def _open_store(self) -> Store:
        """A connection attributing new annotations to the settings' author (a new database gets its tags)."""
        store = open_store(
            self.db_path,
            actor="tui",
            author=self.settings.author,
            default_tags=[(t.name, t.colour, t.description) for t in self.settings.tags],
        )
        store.undo_scope = "session"  # `u` takes back this reader's own changes, never another's
        # A write that meets another program's lock (a long import) never blocks the event loop: it raises
        # WriteBusy there and is retried in a worker, which waits and says so in a notice.
        store.main_thread_never_waits = True
        store.on_wait = lambda message: self.call_from_thread(self.notify_plain, message)
        return store

    def apply_settings(self) -> None:
        """The user's settings file: theme and key remapping. A broken file: defaults and a notice."""
        try:
            self.settings = load_settings()
        except SettingsError as error:
            self.settings = Settings()
            self.notify_error(f"settings not used, defaults instead: {error}")
        if self.settings.theme in self.available_themes:
            if self.theme != self.settings.theme:
                self.theme = self.settings.theme
        else:
            self.notify_error(
                f"unknown theme {self.settings.theme!r} in the settings; "
                f"known: {', '.join(sorted(self.available_themes))}"
            )
        if self.settings.keys:
            self.set_keymap(self.settings.keys)
            self.check_keymap(list(self.settings.keys))

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
        """Load new and changed files into the store, off the event loop."""
        try:
            writer = self._writer_store()
            try:
                report = sync_sources(writer, self.paths, progress=self._progress_poster())
            finally:
                writer.close()
        except StoreError as error:
            self.post_message(self.Failed(str(error), fatal=True))
            return
        self.post_message(self.LibrarySynced(report))

    @work(thread=True, exclusive=True, group="sync")
    def open_file(self, path: Path) -> None:
        """`reader FILE`: show the file as soon as it is read, then save it to the store."""
        resolved = Path(os.path.realpath(path))
        try:
            preview = read_preview(resolved)
            if preview:
                self.post_message(
                    self.DocumentReady(None, title_from_text(preview), preview, str(resolved), preview=True)
                )
                # Decoding or fetching 100 MB holds the GIL for a while: let the preview reach the screen first.
                self._preview_painted.wait(timeout=3)
            known = self.store.known_signature(str(resolved))
            info = resolved.stat()
            if known == (info.st_size, info.st_mtime_ns):
                source_id = self.store.resolve_path_id(str(resolved))
                source = self.store.source(source_id)
                self.post_message(
                    self.DocumentReady(source_id, source.title, self.store.text(source_id), str(resolved))
                )
                self.post_message(self.LibrarySynced(SyncReport(source_ids=[source_id])))
                return
            metadata = read_metadata(resolved.parent).get(resolved.name)
            document = load_document(resolved, metadata)
            self.post_message(self.DocumentReady(None, document.title, document.text, str(resolved)))
            source_id = self._save_elsewhere(resolved, metadata, [document.size, document.mtime_ns, len(document.text)])
        except (SourceError, StoreError, SaveFailed) as error:
            self.post_message(self.Failed(f"{display_safe(str(path))}: {error}", fatal=True))
            return
        except OSError as error:
            self.post_message(self.Failed(f"{display_safe(str(path))}: cannot read: {error.strerror}", fatal=True))
            return
        self.post_message(self.SourceSaved(source_id, str(resolved)))
        self.post_message(self.LibrarySynced(SyncReport(source_ids=[source_id], loaded=1)))

    def _save_elsewhere(self, path: Path, metadata: dict[str, str] | None, expected: list[int]) -> int:
        """Save the file shown to the store in a separate process (keys stay fast meanwhile); expected
        (size, mtime_ns, text length) lets the child check it read the file shown."""
        source_id, self.save_process_pid = save_in_process(
            str(self.db_path),
            str(path),
            metadata,
            expected,
            self.settings.author,
            [(t.name, t.colour, t.description) for t in self.settings.tags],
        )
        return source_id

    def _progress_poster(self):
        """A sync_sources progress callback that posts SyncProgress only once the sync has run for
        PROGRESS_DELAY (a quick start shows nothing), then at most once per PROGRESS_INTERVAL."""
        started = time.monotonic()
        last_posted = 0.0

        def progress(done: int, total: int, name: str) -> None:
            nonlocal last_posted
            moment = time.monotonic()
            if moment - started < PROGRESS_DELAY or moment - last_posted < PROGRESS_INTERVAL:
                return
            last_posted = moment
            self.post_message(self.SyncProgress(done, total, name))

        return progress

    def on_reader_app_sync_progress(self, message: SyncProgress) -> None:
        self.sources_screen.show_progress(message.done, message.total, message.name)

    def on_reader_app_failed(self, message: Failed) -> None:
        if message.fatal:
            self.exit(return_code=1, message=Text(display_safe(message.reason)))
        else:
            self.notify_error(message.reason)

    def on_reader_app_library_synced(self, message: LibrarySynced) -> None:
        report = message.report
        self.source_ids = report.source_ids
        self.sources_screen.hide_progress()
        if self.whole_library:
            try:
                in_play = set(self.source_ids)
                self.source_ids += [s.id for s in self.store.sources() if s.id not in in_play]
            except StoreError as error:
                self.notify_error(str(error))
        for path, reason in report.skipped[:5]:
            self.notify_error(f"skipped {path}: {reason}")
        self.refresh_sources()
        if not self._restored and not self.open_single:
            self._restored = True
            self.restore_session()

    def on_reader_app_document_ready(self, message: DocumentReady) -> None:
        screen = self.screen
        if isinstance(screen, ReadingScreen) and screen.preview:
            screen.replace_text(message.title, message.text, preview=message.preview)
            if message.source_id is not None:
                self.remember_open_source(message.source_id)
                screen.source_saved(message.source_id, self._saved_position(message.source_id))
            return
        self.show_reading(message.source_id, message.title, message.text, preview=message.preview)
        if message.preview:
            self.call_after_refresh(lambda: self.set_timer(0.05, self._preview_painted.set))

    def on_reader_app_source_saved(self, message: SourceSaved) -> None:
        screen = self.screen
        if isinstance(screen, ReadingScreen) and screen.source_id is None:
            screen.source_saved(message.source_id)
        self.remember_open_source(message.source_id)

    # --- screens ---------------------------------------------------------------------------------

    def _saved_position(self, source_id: int) -> int:
        try:
            return self.store.reading_position(source_id)
        except StoreError:
            return 0

    def restore_session(self) -> None:
        """Reopen the source that was open when the reader last quit, if it is still in play."""
        try:
            wanted = self.store.setting(OPEN_SOURCE_SETTING)
        except StoreError:
            return
        if wanted.isdigit() and int(wanted) in self.source_ids:
            self.open_source(int(wanted))
        try:
            compared = [int(part) for part in self.store.setting(COMPARE_SETTING).split(",") if part.isdigit()]
        except StoreError:
            return
        if len(compared) >= 2 and all(source_id in self.source_ids for source_id in compared):
            self.open_compare(compared)

    def refresh_sources(self) -> None:
        try:
            wanted = set(self.source_ids)
            sources = [s for s in self.store.sources() if s.id in wanted]
        except StoreError as error:
            self.notify_error(str(error))
            return
        self.sources_screen.show_sources(sources)

    def on_sources_screen_open_source(self, message: SourcesScreen.OpenSource) -> None:
        self.open_source(message.source_id)

    def open_source(self, source_id: int) -> None:
        try:
            source = self.store.source(source_id)
            text = self.store.text(source_id)
        except StoreError as error:
            self.notify_error(str(error))
            return
        self.show_reading(source_id, source.title, text)

    def show_reading(self, source_id: int | None, title: str, text: str, preview: bool = False) -> None:
        position = 0
        panel = True
        try:
            if source_id is not None:
                position = self.store.reading_position(source_id)
                self.remember_open_source(source_id)
            panel = self.store.setting(PANEL_SETTING, "1") == "1"
        except StoreError as error:
            self.notify_error(str(error))
        if isinstance(self.screen, ReadingScreen):
            self.pop_screen()
        self.push_screen(ReadingScreen(source_id, title, text, position, show_panel=panel, preview=preview))

    def remember_open_source(self, source_id: int | None) -> None:
        try:
            self.store.set_setting(OPEN_SOURCE_SETTING, "" if source_id is None else str(source_id))
        except StoreError as error:
            self.notify_error(str(error))

    def close_reading(self) -> None:
        """Back from a source to the list (the reader no longer reopens it at start)."""
        if isinstance(self.screen, ReadingScreen):
            self.pop_screen()
            self.remember_open_source(None)
            self.refresh_sources()

    def save_layout(self, panel_shown: bool) -> None:
        try:
            self.store.set_setting(PANEL_SETTING, "1" if panel_shown else "0")
        except StoreError as error:
            self.notify_error(str(error))

    # --- comparison and claims matrix ------------------------------------------------------------

    def open_compare(self, source_ids: list[int]) -> None:
        """Put 2-4 sources side by side (each pane opens where that source was last read)."""
        # Imported here: the aligner pulls in numpy and a stemmer, too slow for the first screen.
        from reader.tui.screens.compare import MAX_PANES, MIN_PANES, CompareScreen

        if not MIN_PANES <= len(source_ids) <= MAX_PANES:
            self.notify_error(
                f"compare {MIN_PANES} to {MAX_PANES} sources (space marks them); {len(source_ids)} chosen"
            )
            return
        try:
            by_id = {source.id: source for source in self.store.sources_by_ids(source_ids)}
            sources = [by_id[sid] for sid in source_ids if sid in by_id]
            texts = {source.id: self.store.text(source.id) for source in sources}
            positions = {source.id: self.store.reading_position(source.id) for source in sources}
        except StoreError as error:
            self.notify_error(str(error))
            return
        self.push_screen(CompareScreen(sources, texts, positions))

    def ask_compare_with(self, source_id: int) -> None:
        """From a reading screen: choose another source, then compare the two."""
        from reader.tui.screens.pick_source import PickSourceScreen

        try:
            others = [s for s in self.store.sources_by_ids(self.source_ids) if s.id != source_id]
        except StoreError as error:
            self.notify_error(str(error))
            return
        if not others:
            self.notify_error("no other source to compare with")
            return
        self.push_screen(
            PickSourceScreen(others),
            lambda chosen: self.open_compare([source_id, chosen]) if chosen is not None else None,
        )

    def open_matrix(self, source_ids: list[int] | None = None) -> None:
        """The claims matrix over these sources (default: every source in play)."""
        from reader.tui.screens.matrix import MatrixScreen

        self.push_screen(MatrixScreen(source_ids or list(self.source_ids)))  # none in play: an empty matrix

    def open_source_at(self, source_id: int, offset: int) -> None:
        """Read a source with the cursor at offset (from the claims matrix); escape comes back."""
        try:
            source = self.store.source(source_id)
            text = self.store.text(source_id)
            panel = self.store.setting(PANEL_SETTING, "1") == "1"
        except StoreError as error:
            self.notify_error(str(error))
            return
        self.push_screen(ReadingScreen(source_id, source.title, text, offset, show_panel=panel))

    def action_adjudicate(self) -> None:
        """Compare two coders on the source being read: the two there, or a choice when there are more."""
        from reader.tui.screens.adjudicate import AdjudicateScreen, PickCodersScreen, coders_on

        screen = self.screen
        if isinstance(screen, AdjudicateScreen):
            return
        source_id = getattr(screen, "source_id", None)
        if source_id is None and hasattr(screen, "panes"):  # the comparison: its active pane
            source_id = screen.panes[screen.active].source.id
        if source_id is None:
            self.notify_error("open a source first: coders are compared on one source")
            return
        try:
            if self.store.is_blind():
                self.notify_error("blind coding is on: coders are compared once it is lifted (`reader blind off`)")
                return
            coders = coders_on(self.store, source_id)
        except StoreError as error:
            self.notify_error(str(error))
            return
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
        from reader.adjudication import check_adjudication
        from reader.tui.screens.adjudicate import AdjudicateScreen

        try:
            check_adjudication(self.store, source_id, author_a, author_b)
            source, text = self.store.source(source_id), self.store.text(source_id)
        except ReaderError as error:
            self.notify_error(str(error))
            return
        self.push_screen(AdjudicateScreen(source, text, author_a, author_b))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        # The screen's own bindings, and the document view's when the screen shows documents.
        screen = self.screen
        owners: list[tuple[str, type]] = [
            ("everywhere", ReaderApp),
            (type(screen).__name__.removesuffix("Screen").lower(), type(screen)),
        ]
        if any(view.can_focus for view in screen.query(DocumentView)):  # the adjudication's views take no keys
            owners.append(("document", DocumentView))
        self.push_screen(HelpScreen(owners))

    def action_stats(self) -> None:
        """The statistics screen, from anywhere (not stacked on itself)."""
        from reader.tui.screens.stats import StatsScreen

        if not isinstance(self.screen, StatsScreen) and self.store is not None:
            self.push_screen(StatsScreen(source_ids=list(self.source_ids)))

    def get_system_commands(self, screen):
        """Textual's commands and the reader's own (export, compare, matrix, statistics, report, search)."""
        from reader.tui.palette import reader_commands

        yield from reader_commands(self)
        yield from super().get_system_commands(screen)

    def action_compare_sources(self) -> None:
        """From the palette: the marked sources side by side, or pick one beside the source being read."""
        if isinstance(self.screen, ReadingScreen) and self.screen.source_id is not None:
            self.ask_compare_with(self.screen.source_id)
        else:
            self.sources_screen.action_compare()

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
        for screen in self.screen_stack:
            if isinstance(screen, ReadingScreen):
                screen.save_position()
        if self.store is not None:
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
            try:
                self.store.set_setting(COMPARE_SETTING, ",".join(map(str, compare.source_ids)) if compare else "")
                for pane in compare.panes if compare else []:  # each pane comes back where it was
                    if pane.view is not None and pane.text:
                        self.store.set_reading_position(
                            pane.source.id, pane.view.cursor[0], min(1.0, pane.view.cursor[1] / len(pane.text))
                        )
            except StoreError as error:
                self.notify_error(str(error))
        self.exit()

    # --- live refresh ----------------------------------------------------------------------------

    def _outside_version(self) -> int:
        """Changes only when another connection commits (our own writes are already on screen)."""
        return self.store.data_version()

    def poll_changes(self) -> None:
        """Reload what is shown when another connection committed since the last look. Not while
        quitting: Textual removes the screens' widgets before it stops this timer."""
        if self.store is None or not self.is_running:
            return
        try:
            version = self._outside_version()
        except Exception as error:  # sqlite3 errors on a vanished file must not crash the app
            self.notify_error(f"cannot read the database: {error}")
            return
        if version == self._seen_version:
            return
        self._seen_version = version
        self.refresh_blind_notice()
        self.refresh_sources()
        for screen in self.screen_stack:
            reload = getattr(screen, "reload", None)  # reading, compare and matrix screens have one
            if callable(reload) and screen.is_mounted:  # a screen still composing has nothing to refresh
                reload()

    def refresh_blind_notice(self) -> None:
        """What the status line says about blind coding (set by the database or READER_BLIND)."""
        try:
            blind = self.store.is_blind()
        except StoreError:
            return
        self.blind_notice = f"BLIND: {self.store.author[:20]} only" if blind else ""

    # --- notices ---------------------------------------------------------------------------------

    def notify_error(self, message: str) -> None:
        """A problem as a notice, shown as plain text (never markup, control characters made visible)."""
        self.notify(display_safe(message), severity="error", markup=False, timeout=6)

    def notify_plain(self, message: str) -> None:
        self.notify(display_safe(message), markup=False, timeout=3)
