"""ReaderSession: what an interactive reader holds open over one database, and the one way it changes it.

It owns the store connections (one for reads; one, in a single writer thread, for this session's changes),
the settings in effect and the sources in play. The TUI reaches the core through it: it never imports
reader.store or its modules itself (the names it needs for types and errors are
re-exported here). No textual import: the TUI turns the callbacks below into messages.

Changes are submitted as functions of a Store and run one at a time, in the order submitted, on the writer
connection in the writer thread: the interface never waits on a lock held by another program (a long
`reader import`); the store waits there and says so through on_wait, and the change is never dropped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Generic, NamedTuple, TypeVar

from reader.settings import Settings
from reader.store import Store, StoreError, WriteBusy, open_store
from reader.store.claims import (
    ClaimError,
    add_evidence,
    rating_on_scale,
    set_claim_text,
    set_source_metadata,
    set_verdict,
)
from reader.store.claims import (
    check_evidence as check_evidence_reference,
)
from reader.store.decisions import record_decision

__all__ = [
    "ClaimError",
    "LastOpen",
    "ReaderSession",
    "Store",
    "StoreError",
    "WriteBusy",
    "Written",
    "rating_on_scale",
    "record_decision",
]

T = TypeVar("T")

OPEN_SOURCE_SETTING = "tui.open_source"
PANEL_SETTING = "tui.panel"
COMPARE_SETTING = "tui.compare"  # the source ids of the comparison open at quit, in pane order


class LastOpen(NamedTuple):
    """What was open when the reader last quit: a source being read, and the sources compared."""

    source_id: int | None
    compared: list[int]


class Written(Generic[T]):
    """What a submitted change returned, and whether it had to wait for another program's lock first."""

    def __init__(self, result: T, waited: bool) -> None:
        self.result, self.waited = result, waited


class ReaderSession:
    """The store connections, settings and sources in play of one interactive reader (see the module docstring)."""

    def __init__(self, db_path: Path, settings: Settings | None = None, actor: str = "tui") -> None:
        self.db_path = Path(db_path)
        self.settings = settings or Settings()
        self.actor = actor
        self.source_ids: list[int] = []  # the sources in play, in list order
        # Called with a one-line message when a change waits for another program's lock (from the writer thread).
        self.on_wait: Callable[[str], None] | None = None
        # Called after each change this session committed (from the writer thread).
        self.on_written: Callable[[], None] | None = None
        self._store: Store | None = None
        self._writer: Store | None = None
        self._writes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-writes")
        self._waited = threading.local()
        self._seen_version = -1

    # --- connections -----------------------------------------------------------------------------

    def open(self) -> None:
        """Open (creating and migrating if needed) the database; StoreError explains a refusal."""
        self._store = self.connect()
        self._writer = self.connect()  # used only in the writer thread (opened here: opening may wait too)
        self._seen_version = self._store.data_version()

    @property
    def is_open(self) -> bool:
        return self._store is not None

    @property
    def store(self) -> Store:
        """The session's reading connection (open() first)."""
        if self._store is None:
            raise StoreError("the database is not open yet")
        return self._store

    @property
    def keymap(self) -> dict[str, str]:
        """Binding id -> keys, as the settings remap them (what the app hands Textual's set_keymap)."""
        return dict(self.settings.keys)

    def default_tags(self) -> list[tuple[str, str, str]]:
        return [(tag.name, tag.colour, tag.description) for tag in self.settings.tags]

    def connect(self) -> Store:
        """A new connection writing as this session (so `u` takes back what it wrote), attributing new
        annotations to the settings' author; for long work in a worker of its own (a sync, an export)."""
        store = open_store(
            self.db_path, actor=self.actor, author=self.settings.author, default_tags=self.default_tags()
        )
        store.undo_scope = "session"  # `u` takes back this reader's own changes, never another's
        # Anything written on the event loop by mistake never blocks it: WriteBusy at once.
        store.main_thread_never_waits = True
        store.on_wait = self._waiting
        if self._store is not None:
            store.session = self._store.session
        return store

    def _waiting(self, message: str) -> None:
        self._waited.flag = True
        if self.on_wait is not None:
            self.on_wait(message)

    def close(self) -> None:
        """Let the submitted changes land, then close the connections."""
        self._writes.shutdown(wait=True)
        for store in (self._writer, self._store):
            if store is not None:
                store.close()
        self._writer = self._store = None

    # --- changes ---------------------------------------------------------------------------------

    def submit(self, change: Callable[[Store], T]) -> Future[Written[T]]:
        """Run change(store) on the writer connection after every change submitted before it; the
        future holds its result (or its StoreError)."""
        return self._writes.submit(self._run, change)

    def _run(self, change: Callable[[Store], T]) -> Written[T]:
        if self._writer is None:
            raise StoreError("the database is not open")
        self._waited.flag = False
        before = self.store.data_version()
        try:
            result = change(self._writer)
        finally:
            after = self.store.data_version()
            if before == self._seen_version:  # nothing came from outside meanwhile: our own commit only
                self._seen_version = after
            elif after != before:
                pass  # another program's commit is still to be noticed by changed_outside()
        if self.on_written is not None:
            self.on_written()
        return Written(result, bool(getattr(self._waited, "flag", False)))

    def changed_outside(self) -> bool:
        """True once per commit of another connection since the last look (this session's own are known)."""
        version = self.store.data_version()
        if version == self._seen_version:
            return False
        self._seen_version = version
        return True

    # --- what the screens ask often --------------------------------------------------------------

    def blind_notice(self) -> str:
        """What the status line says about blind coding (set by the database or READER_BLIND)."""
        try:
            blind = self.store.is_blind()
        except StoreError:
            return ""
        return f"BLIND: {self.store.author[:20]} only" if blind else ""

    def after_sync(self, synced_ids: list[int], whole_library: bool) -> tuple[list[int], LastOpen]:
        """The sources in play after a sync (with every stored one for `reader --all`), and what was open
        when the reader last quit."""
        source_ids = list(synced_ids)
        if whole_library:
            in_play = set(source_ids)
            source_ids += [source.id for source in self.store.sources() if source.id not in in_play]
        return source_ids, self.last_open()

    def in_given_order(self, source_ids: list[int], paths: list[Path]) -> list[int]:
        """source_ids ordered as their files were named (the sync lists them sorted by path)."""
        given = {os.path.realpath(path): index for index, path in enumerate(paths)}
        place = {
            source.id: given.get(os.path.realpath(source.path), len(given))
            for source in self.store.sources_by_ids(source_ids)
        }
        return sorted(source_ids, key=lambda source_id: place.get(source_id, len(given)))

    def last_open(self) -> LastOpen:
        """What was open when the reader last quit (settings kept in the database)."""
        wanted = self.store.setting(OPEN_SOURCE_SETTING)
        compared = [int(part) for part in self.store.setting(COMPARE_SETTING).split(",") if part.isdigit()]
        return LastOpen(int(wanted) if wanted.isdigit() else None, compared)

    def panel_shown(self) -> bool:
        """Whether the reading screen's annotation panel was shown when last left (shown if unknown)."""
        try:
            return self.store.setting(PANEL_SETTING, "1") == "1"
        except StoreError:
            return True

    def saved_position(self, source_id: int) -> int:
        try:
            return self.store.reading_position(source_id)
        except StoreError:
            return 0

    def check_evidence(self, reference: str) -> None:
        """Raise ClaimError if reference is neither an http(s) URL nor an annotation id in the database."""
        check_evidence_reference(self.store, reference)


def verdict_change(
    claim_id: str, member_ids: list[str], rating: str, value: int | None, note: str
) -> Callable[[Store], object]:
    """A change setting a claim's verdict (reader.store.claims.set_verdict), to submit."""
    return lambda store: set_verdict(store, claim_id, member_ids, rating, value, note)


def evidence_change(claim_id: str, member_ids: list[str], reference: str, note: str) -> Callable[[Store], object]:
    return lambda store: add_evidence(store, claim_id, member_ids, reference, note)


def claim_text_change(claim_id: str, member_ids: list[str], text: str) -> Callable[[Store], object]:
    return lambda store: set_claim_text(store, claim_id, member_ids, text)


def metadata_change(source_id: int, values: dict[str, str]) -> Callable[[Store], object]:
    return lambda store: set_source_metadata(store, source_id, values)
