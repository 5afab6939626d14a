"""The store's connection: opening a file (refusing another program's or a newer reader's), the schema's
migrations, WAL, and write transactions (`BEGIN IMMEDIATE`, waiting on another program's lock and saying so,
a quick_check before writing into a file that changed).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from reader.authors import resolve_author, session_blind
from reader.model import DEFAULT_TAGS, ReaderError
from reader.store.migrations import MIGRATIONS, SCHEMA_VERSION

BUSY_TIMEOUT_MS = 10_000
# A write that meets another program's write lock: after WRITE_NOTICE_MS it says it is waiting (stderr,
# or a notice in the TUI), then keeps waiting up to WRITE_WAIT_LIMIT_S before giving up in one line.
WRITE_NOTICE_MS = 2_000
WRITE_WAIT_LIMIT_S = 15 * 60

# `PRAGMA application_id` of every reader database ("RDR1"): set on creation and on the first open of
# an older reader file, so a file is known to be ours before anything about it is changed.
APPLICATION_ID = 0x52445231
# The tables every reader database has had since schema 1: how a file from before application_id is told
# from another program's SQLite file (which may well have a user_version of 1, 2 or 3).
READER_TABLES = frozenset({"sources", "source_versions", "annotations", "tags", "annotation_tags", "links", "events"})


class StoreError(ReaderError):
    """A problem with the database or a request to it, explained in one line."""


class NoSuchAnnotation(StoreError):
    """No annotation has the id (or an id starting with it) a command was given."""


class WriteBusy(StoreError):
    """Another program holds the write lock and this thread asked not to wait (the TUI's event loop):
    the caller retries off that thread, where the store waits and says so."""


def now() -> str:
    """UTC timestamp with milliseconds, ISO 8601: sorts as text and reads well in any SQLite client."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_author() -> str:
    """Who annotations are attributed to when the settings name no one: READER_AUTHOR, else the login name."""
    return resolve_author("")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class StoreConnection:
    """One connection to the annotation database: opening and migrating it, and its write transactions."""

    def __init__(
        self,
        path: Path,
        actor: str = "cli",
        author: str = "",
        default_tags: Iterable[tuple[str, str, str]] | None = None,
        blind: bool | None = None,
    ) -> None:
        self.path = path
        self.actor = actor
        self.author = resolve_author(author)
        self.session = uuid.uuid4().hex  # this connection's changes: what the TUI's `u` takes back
        self.undo_scope = "author"  # whose changes undo() takes back by default: "author" or "session"
        self.session_blind = bool(session_blind() if blind is None else blind)
        self.default_tags = tuple(default_tags) if default_tags is not None else DEFAULT_TAGS
        self._lock = threading.RLock()
        self._closed = False
        self._change_group: str | None = None
        # Called with a one-line message when a write has to wait for another program's (CLI: stderr).
        self.on_wait: Callable[[str], None] | None = None
        # The TUI sets this: a write on the main thread that meets the lock raises WriteBusy at once.
        self.main_thread_never_waits = False
        self._checked_signature: tuple | None = None  # the file as it was when quick_check last passed
        self.db = self._connect(path)
        try:
            version = self._check_schema()
            self._use_wal()
            self._migrate(version)
            self._clean_abandoned_imports()
        except BaseException:
            self.db.close()  # a refused file is left exactly as it was: no journal switch, no -wal file
            raise

    @staticmethod
    def _connect(path: Path) -> sqlite_utils.Database:
        if str(path) != ":memory:":
            if path.exists() and path.is_dir():
                raise StoreError(f"{path} is a folder, not a database file")
            if not path.parent.exists():
                raise StoreError(f"cannot create {path}: folder {path.parent} does not exist")
        try:
            return sqlite_utils.Database(StoreConnection._open(str(path)))
        except sqlite3.DatabaseError as error:
            if str(path) != ":memory:" and path.exists() and not _writable(path):
                # A read-only mount or file: a WAL database cannot make its -shm file there, so it is
                # opened read-only (immutable when even that fails: nothing can change it there).
                for options in ("mode=ro", "mode=ro&immutable=1"):
                    try:
                        return sqlite_utils.Database(
                            StoreConnection._open(f"{path.resolve().as_uri()}?{options}", uri=True)
                        )
                    except sqlite3.DatabaseError:
                        continue
                raise StoreError(
                    f"{path} is on a read-only file system or folder and cannot be read there ({error})"
                ) from None
            raise StoreError(f"{path} is not a usable SQLite database ({error})") from None

    @staticmethod
    def _open(target: str, uri: bool = False) -> sqlite3.Connection:
        conn = sqlite3.connect(
            target, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000, uri=uri
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _use_wal(self) -> None:
        """WAL lets readers and one writer work at once; only set on a database we have agreed to open."""
        conn = self.db.conn
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal" and str(self.path) != ":memory:":
                conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.OperationalError:
            pass  # a read-only file or folder: reading still works, writes will say why they fail

    def _check_schema(self) -> int:
        """The database's schema version, refusing (untouched) a newer reader's or another program's file.

        Runs before anything is changed (journal mode included): a file is ours if it carries our
        application_id, or (written before there was one) has every table a reader database has."""
        conn = self.db.conn
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            # annotations is a view since schema 11 (reader.store.migrations)
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is damaged or not a database ({error})") from None
        empty = version == 0 and not tables - {"sqlite_sequence"}
        ours = application_id == APPLICATION_ID or (application_id == 0 and READER_TABLES <= tables)
        if not empty and not ours:
            detail = f"application_id {application_id:#x}" if application_id else f"user_version {version}"
            raise StoreError(
                f"{self.path} is a SQLite database of another program ({detail}), not a reader "
                "database; nothing was changed"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer reader (schema {version}; this one knows up to "
                f"{SCHEMA_VERSION}); upgrade reader to open it"
            )
        self._unmarked = application_id != APPLICATION_ID
        return version

    def _migrate(self, version: int) -> None:
        """Bring the schema forward to SCHEMA_VERSION, backing up an existing database first."""
        conn = self.db.conn
        if version == SCHEMA_VERSION:
            if self._unmarked:
                self._mark()
            return
        if version > 0:
            self._backup(version)
        try:
            with self.write():
                # Another process may have migrated while we waited for the write lock: read it again.
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                for target in sorted(number for number in MIGRATIONS if number > version):
                    MIGRATIONS[target](self.db)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                if version == 0:  # same transaction: a crash cannot leave a new database without its tags
                    self.ensure_default_tags()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot set up {self.path}: {error}") from None

    def _clean_abandoned_imports(self) -> None:
        """Remove what an import killed midway left unpublished (reader.store.bulk); not on a read-only file."""
        try:
            if self.db.conn.execute("SELECT 1 FROM import_batches WHERE published = 0 LIMIT 1").fetchone():
                from reader.store.bulk import clean_abandoned_imports

                clean_abandoned_imports(self)
        except (StoreError, sqlite3.DatabaseError):
            pass  # a read-only file: the batch stays hidden, and is removed by the next writable open

    def _mark(self) -> None:
        """Set our application_id on a reader file written before there was one (skipped if read-only)."""
        try:
            with self.write() as db:
                db.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except StoreError:
            pass  # a read-only file stays readable; it is recognised by its tables next time too

    def _backup(self, version: int) -> None:
        """Copy the database through SQLite's backup API before a migration touches it."""
        if str(self.path) == ":memory:":
            return
        target = self.path.with_name(f"{self.path.name}.schema{version}.bak")
        try:
            with sqlite3.connect(str(target)) as copy:
                self.db.conn.backup(copy)
            copy.close()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot back up {self.path} before migrating: {error}") from None

    def close(self) -> None:
        """Close the connection once no other thread is using it (under the lock a query holds: closing it
        under a running statement crashed Python); later queries raise StoreError."""
        with self._lock:
            self._closed = True
            self.db.close()
        if self._checked_signature is not None:  # closing checkpoints the WAL into the file: not damage
            _remember_checked(self.path, self._signature())

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction: BEGIN IMMEDIATE (waits for other writers), commit, or roll back."""
        with self._lock:
            self._require_open()
            conn = self.db.conn
            if conn.in_transaction:  # nested: the outer transaction commits
                yield self.db
                return
            self._check_integrity(conn)  # a read: it runs before taking the write lock, not while holding it
            self._begin_immediate(conn)
            # One transaction is one user action: everything it logs is undone in one step.
            self._change_group = uuid.uuid4().hex
            try:
                yield self.db
            except sqlite3.DatabaseError as error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StoreError(_explain_write_error(self.path, error)) from None
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            finally:
                self._change_group = None
            try:
                conn.execute("COMMIT")
            except sqlite3.DatabaseError as error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise StoreError(_explain_write_error(self.path, error)) from None
            if self._checked_signature is not None:
                self._checked_signature = self._signature()  # our own commit is not damage
                _remember_checked(self.path, self._checked_signature)

    def _begin_immediate(self, conn: sqlite3.Connection) -> None:
        """Take the write lock; if another program holds it, say so once and keep waiting (never lose
        the user's change to a busy timeout), up to WRITE_WAIT_LIMIT_S."""
        import time

        waited_since = None
        never_wait = self.main_thread_never_waits and threading.current_thread() is threading.main_thread()
        try:
            # The TUI's event loop must not freeze: it only gives a just-finishing write a moment.
            conn.execute(f"PRAGMA busy_timeout = {200 if never_wait else WRITE_NOTICE_MS}")
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if not _is_busy(error):
                        raise StoreError(_explain_write_error(self.path, error)) from None
                    if never_wait:
                        raise WriteBusy(f"another program is writing to {self.path} (an import?)") from None
                    if waited_since is None:
                        waited_since = time.monotonic()
                        if self.on_wait is not None:
                            self.on_wait(
                                f"waiting: another program is writing to {self.path} (an import?); "
                                "your change is saved as soon as it finishes"
                            )
                        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                    elif time.monotonic() - waited_since > WRITE_WAIT_LIMIT_S:
                        raise StoreError(
                            f"cannot write to {self.path}: another program has held it locked for over "
                            f"{WRITE_WAIT_LIMIT_S // 60} minutes; nothing was changed"
                        ) from None
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _signature(self) -> tuple:
        """Size and modification time of the database and its WAL: changes when any program writes."""
        if str(self.path) == ":memory:":
            return ()
        found = []
        for suffix in ("", "-wal"):
            try:
                stat = os.stat(f"{self.path}{suffix}")
            except OSError:
                stat = None
            # An empty WAL (made fresh by opening the file) holds nothing: the same as none.
            found.append((stat.st_size, stat.st_mtime_ns, stat.st_ino) if stat and stat.st_size else None)
        return tuple(found)

    def _check_integrity(self, conn: sqlite3.Connection) -> None:
        """Before writing: PRAGMA quick_check, when the file changed since it last passed (once per
        process for the CLI). Writing into a damaged file spreads the damage; refuse and say how to recover."""
        signature = self._signature()
        if signature == self._checked_signature:
            return
        if self._checked_signature is None and signature and signature == _last_checked(self.path):
            self._checked_signature = signature  # unchanged since a reader process last checked or wrote it
            return
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
        except sqlite3.DatabaseError as error:
            problems = [str(error)]
        if problems != ["ok"]:
            raise StoreError(
                f"{self.path} is damaged ({problems[0][:120]}); nothing was written. {recovery_hint(self.path)}"
            )
        self._checked_signature = signature
        _remember_checked(self.path, signature)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            self._require_open()
            return list(self.db.query(sql, params))

    def _require_open(self) -> None:
        if self._closed:
            raise StoreError(f"{self.path} is closed (the reader is quitting)")

    def data_version(self) -> int:
        """Changes only when another connection commits (this one's own writes are already known to
        its caller): a cheap poll for a reader to refresh."""
        with self._lock:
            self._require_open()
            return self.db.conn.execute("PRAGMA data_version").fetchone()[0]

    def ensure_default_tags(self) -> None:
        """Give a new database its default tags (TagStore's; called inside the migration that creates it)."""
        raise NotImplementedError


def _checked_record(path: Path) -> Path:
    """Where the signature of a database as last checked (or last written by a reader) is kept: the
    user's cache folder, so a CLI command on an unchanged big database skips the quick_check."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(os.fsencode(os.path.realpath(path))).hexdigest()[:32]
    return cache / "reader" / "checked" / digest


def _last_checked(path: Path) -> tuple | None:
    try:
        return tuple(tuple(part) if part else None for part in json.loads(_checked_record(path).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def _remember_checked(path: Path, signature: tuple) -> None:
    if not signature:
        return
    record = _checked_record(path)
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        temporary = record.with_name(f"{record.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(signature))
        os.replace(temporary, record)
    except OSError:
        pass  # a read-only home: the check simply runs again next time


def recovery_hint(path: Path | str) -> str:
    """How to get back what a damaged database still holds (SQLite's own .recover)."""
    return f"Recover what is readable with: sqlite3 {path} .recover | sqlite3 recovered.db (then --db recovered.db)"


def _is_busy(error: sqlite3.OperationalError) -> bool:
    message = str(error)
    return "locked" in message or "busy" in message


def _writable(path: Path) -> bool:
    """Whether path and its folder accept writes (a read-only mount does not, even for root)."""
    try:
        stat = os.statvfs(path)
        if stat.f_flag & os.ST_RDONLY:
            return False
    except OSError:
        pass
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _explain_write_error(path: Path, error: sqlite3.DatabaseError) -> str:
    message = str(error)
    if "readonly" in message or "read-only" in message:
        return f"cannot write to {path}: the file or its folder is read-only"
    if "full" in message:
        return f"cannot write to {path}: the disk (or the database's size limit) is full; nothing was changed"
    if "locked" in message or "busy" in message:
        return f"cannot write to {path}: another program held it locked for over {BUSY_TIMEOUT_MS // 1000} s"
    return f"cannot write to {path}: {message}"
