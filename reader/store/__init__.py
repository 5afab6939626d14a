"""The annotation store: SQLite through sqlite-utils.

Sources and their versions (the canonical text of each, so an annotation never loses what it was made
on), annotations with W3C position and quote selectors, tags, links, reading state and an append-only
event log that undo and redo replay. Every write is one `BEGIN IMMEDIATE` transaction, committed at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from reader.anchoring import TextChange, anchor, make_selector
from reader.authors import BLIND_SETTING, resolve_author, session_blind
from reader.corpus import Document
from reader.metadata import effective_metadata
from reader.model import DEFAULT_TAGS, LINK_KINDS, Annotation, Link, ReaderError, Selector, Source, Tag
from reader.store.migrations import MIGRATIONS, SCHEMA_VERSION
from reader.text import fold_text, paragraph_spans, word_count

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

TAG_PALETTE = (
    "#e5c07b",
    "#61afef",
    "#d19a66",
    "#56b6c2",
    "#c678dd",
    "#e06c75",
    "#98c379",
    "#abb2bf",
    "#be5046",
    "#4db5bd",
    "#ecbe7b",
    "#a9a1e1",
)


# What a corpus's sources.toml can state about a file (columns of `sources` of the same names).
METADATA_FIELDS = ("title", "outlet", "author", "published", "url")


PASSAGE_MAX_CHARS = 2000
SHORT_PARAGRAPH_CHARS = 80


def passage_spans(text: str) -> list[tuple[int, int]]:
    """The search index's passages: paragraphs, with a long one cut at a space near PASSAGE_MAX_CHARS and
    runs of short ones (under SHORT_PARAGRAPH_CHARS) joined up to it. A 50 MB line or a million one-letter
    lines then index in seconds, and FTS5 snippets never scan a giant row."""
    spans: list[tuple[int, int, bool]] = []
    for start, end in paragraph_spans(text):
        short = end - start < SHORT_PARAGRAPH_CHARS
        if short and spans and spans[-1][2] and end - spans[-1][0] <= PASSAGE_MAX_CHARS:
            spans[-1] = (spans[-1][0], end, True)
            continue
        while end - start > PASSAGE_MAX_CHARS:
            cut = text.rfind(" ", start + PASSAGE_MAX_CHARS // 2, start + PASSAGE_MAX_CHARS)
            cut = cut if cut > start else start + PASSAGE_MAX_CHARS
            spans.append((start, cut, False))
            start = cut + 1 if text[cut : cut + 1] == " " else cut
        spans.append((start, end, short))
    return [(start, end) for start, end, _ in spans if end > start]


class StoreError(ReaderError):
    """A problem with the database or a request to it, explained in one line."""


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


def open_store(
    path: str | os.PathLike[str],
    actor: str = "cli",
    author: str = "",
    default_tags: Iterable[tuple[str, str, str]] | None = None,
    blind: bool | None = None,
) -> Store:
    """Open (creating if needed) and migrate the database at path; StoreError explains any refusal.

    author is the settings' author (the one in effect is READER_AUTHOR, else it, else the login name:
    reader.authors.resolve_author); default_tags (name, colour, description) are what a new database
    starts with; blind=True makes this session blind whatever the database says (None: READER_BLIND).
    """
    return Store(Path(path), actor=actor, author=author, default_tags=default_tags, blind=blind)


class Store:
    """One connection to the annotation database; safe to share between threads (writes are serialised)."""

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
        except BaseException:
            self.db.close()  # a refused file is left exactly as it was: no journal switch, no -wal file
            raise

    # --- connection and schema -------------------------------------------------------------------

    @staticmethod
    def _connect(path: Path) -> sqlite_utils.Database:
        if str(path) != ":memory:":
            if path.exists() and path.is_dir():
                raise StoreError(f"{path} is a folder, not a database file")
            if not path.parent.exists():
                raise StoreError(f"cannot create {path}: folder {path.parent} does not exist")
        try:
            return sqlite_utils.Database(Store._open(str(path)))
        except sqlite3.DatabaseError as error:
            if str(path) != ":memory:" and path.exists() and not _writable(path):
                # A read-only mount or file: a WAL database cannot make its -shm file there, so it is
                # opened read-only (immutable when even that fails: nothing can change it there).
                for options in ("mode=ro", "mode=ro&immutable=1"):
                    try:
                        return sqlite_utils.Database(Store._open(f"{path.resolve().as_uri()}?{options}", uri=True))
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
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
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
        self.db.close()
        if self._checked_signature is not None:  # closing checkpoints the WAL into the file: not damage
            _remember_checked(self.path, self._signature())

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction: BEGIN IMMEDIATE (waits for other writers), commit, or roll back."""
        with self._lock:
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

    def query(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params))

    def data_version(self) -> int:
        """Changes only when another connection commits (this one's own writes are already known to
        its caller): a cheap poll for a reader to refresh."""
        with self._lock:
            return self.db.conn.execute("PRAGMA data_version").fetchone()[0]

    # --- sources ---------------------------------------------------------------------------------

    def known_signature(self, path: str) -> tuple[int, int] | None:
        """(size, mtime_ns) recorded when path was last loaded: unchanged files need not be read again."""
        rows = self.query("SELECT size, mtime_ns FROM sources WHERE path = ?", [path])
        return (rows[0]["size"], rows[0]["mtime_ns"]) if rows else None

    def known_signatures(self) -> dict[str, tuple[int, int, int, dict[str, str]]]:
        """Every stored path's (size, mtime_ns, source id, metadata) in one query: a sync checks files against it."""
        with self._lock:
            # What the files state (not the user's own values, which a sync leaves alone).
            return {
                row[0]: (row[1], row[2], row[3], json.loads(row[4] or "{}"))
                for row in self.db.conn.execute("SELECT path, size, mtime_ns, id, file_metadata FROM sources")
            }

    def resolve_path_id(self, path: str) -> int:
        rows = self.query("SELECT id FROM sources WHERE path = ?", [path])
        if not rows:
            raise StoreError(f"{path} is not in the database")
        return rows[0]["id"]

    def save_document(self, document: Document) -> tuple[int, bool]:
        """Record a loaded file; a new text becomes a new version and re-anchors its annotations.

        Returns (source_id, whether a new version was stored).
        """
        path = str(document.path)
        digest = content_hash(document.text)
        with self.write() as db:
            existing = list(
                db.query("SELECT id, current_version_id, user_metadata FROM sources WHERE path = ?", [path])
            )
            if not existing:  # a source a team hub brought (path hub:<hash>) becomes this file with the same text
                existing = list(
                    db.query(
                        "SELECT s.id, s.current_version_id, s.user_metadata FROM sources s JOIN source_versions v "
                        "ON v.id = s.current_version_id WHERE s.path LIKE 'hub:%' AND v.content_hash = ? ORDER BY s.id "
                        "LIMIT 1",
                        [digest],
                    )
                )
                if existing:
                    db.execute("UPDATE sources SET path = ? WHERE id = ?", [path, existing[0]["id"]])
            stated = {
                "title": document.title,
                "outlet": document.outlet,
                "author": document.author,
                "published": document.published,
                "url": document.url,
            }
            # What the user set (reader meta, the sources screen) wins over what the file states.
            user_set = json.loads(existing[0]["user_metadata"] or "{}") if existing else {}
            fields = {
                **effective_metadata(stated, user_set),
                "file_metadata": json.dumps(stated, ensure_ascii=False),
                "format": document.format,
                "encoding": document.encoding,
                "warnings": json.dumps(document.warnings),
                "size": document.size,
                "mtime_ns": document.mtime_ns,
            }
            # Plain SQL here, not table.update()/insert(): this runs once per file of a corpus, and
            # sqlite-utils introspects the table on every call (a third of a 10,000-file first load).
            if existing:
                source_id = existing[0]["id"]
                db.execute(
                    f"UPDATE sources SET {', '.join(f'{k} = :{k}' for k in fields)} WHERE id = :id",
                    {**fields, "id": source_id},
                )
            else:
                row = {"path": path, "added": now(), "words": 0, **fields}
                source_id = db.execute(
                    f"INSERT INTO sources ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})", row
                ).lastrowid
            version = list(
                db.query("SELECT id FROM source_versions WHERE source_id = ? AND content_hash = ?", [source_id, digest])
            )
            current = existing[0]["current_version_id"] if existing else None
            if version and version[0]["id"] == current:
                return source_id, False
            if version:
                version_id = version[0]["id"]
            else:
                version_id = db.execute(
                    "INSERT INTO source_versions (source_id, content_hash, text, length, loaded, pages) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [source_id, digest, document.text, len(document.text), now(), json.dumps(document.pages)],
                ).lastrowid
            db.execute(
                "UPDATE sources SET current_version_id = ?, words = ? WHERE id = ?",
                [version_id, word_count(document.text), source_id],
            )
            self._index_passages(db, source_id, version_id, document.text)
            self._reanchor(db, source_id, version_id, document.text)
        return source_id, True

    @staticmethod
    def _index_passages(db: sqlite_utils.Database, source_id: int, version_id: int, text: str) -> None:
        db.execute("DELETE FROM passages WHERE source_id = ?", [source_id])
        db.conn.executemany(
            "INSERT INTO passages (source_id, version_id, position_start, position_end, text) VALUES (?, ?, ?, ?, ?)",
            ((source_id, version_id, start, end, text[start:end]) for start, end in passage_spans(text)),
        )

    @staticmethod
    def _reanchor(db: sqlite_utils.Database, source_id: int, version_id: int, text: str) -> None:
        rows = list(
            db.query(
                "SELECT a.id, a.version_id, a.position_start, a.position_end, a.quote, a.prefix, a.suffix "
                "FROM annotations a WHERE a.source_id = ? AND coalesce(a.anchor_version_id, -1) != ?",
                [source_id, version_id],
            )
        )
        # One diff per version the annotations were made on: it tells moved, deleted and duplicated
        # passages apart, which the quote and its context alone cannot.
        changes: dict[int, TextChange | None] = {}
        for row in rows:
            made_on = row["version_id"]
            if made_on not in changes:
                old = list(db.query("SELECT text FROM source_versions WHERE id = ?", [made_on]))
                changes[made_on] = TextChange(old[0]["text"], text) if old else None
            found = anchor(
                text,
                Selector(row["position_start"], row["position_end"], row["quote"], row["prefix"], row["suffix"]),
                changes[made_on],
            )
            db.execute(
                "UPDATE annotations SET anchor_status = ?, anchor_start = ?, anchor_end = ?, "
                "anchor_version_id = ?, anchor_score = ? WHERE id = ?",
                [found.status, found.start, found.end, version_id, found.score, row["id"]],
            )

    def sources(self) -> list[Source]:
        """Every source with its word and annotation counts and reading progress, in path order."""
        visible, params = self._visible_clause()
        rows = self.query(
            f"SELECT s.*, (SELECT count(*) FROM annotations a WHERE a.source_id = s.id AND {visible}) "
            "AS annotation_count, max(coalesce(r.fraction, 0), coalesce(r.furthest, 0)) AS read_fraction "
            "FROM sources s LEFT JOIN reading_state r ON r.source_id = s.id ORDER BY s.path",
            params,
        )
        return [_source_from_row(row) for row in rows]

    def source(self, source_id: int) -> Source:
        for source in self.sources_by_ids([source_id]):
            return source
        raise StoreError(f"no source with id {source_id}")

    def sources_by_ids(self, ids: list[int]) -> list[Source]:
        wanted = set(ids)
        return [source for source in self.sources() if source.id in wanted]

    def text(self, source_id: int) -> str:
        """The canonical text of a source's current version."""
        rows = self.query(
            "SELECT v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id WHERE s.id = ?",
            [source_id],
        )
        if not rows:
            raise StoreError(f"no text stored for source {source_id}")
        return rows[0]["text"]

    def has_sources(self) -> bool:
        return bool(self.query("SELECT 1 FROM sources LIMIT 1"))

    def page_starts(self, source_id: int) -> list[int]:
        """Where each page starts in the current text (PDF sources); empty for sources without pages."""
        rows = self.query(
            "SELECT v.pages FROM sources s JOIN source_versions v ON v.id = s.current_version_id WHERE s.id = ?",
            [source_id],
        )
        return json.loads(rows[0]["pages"]) if rows else []

    def resolve_source(self, reference: str) -> Source:
        """A source from an id, a path, a file name or an unambiguous title fragment."""
        sources = self.sources()
        reference = reference.strip()
        if reference.isdigit() and reference == str(int(reference)):  # "3" is an id, "003" a file name
            for source in sources:
                if source.id == int(reference):
                    return source
        resolved = str(Path(reference).expanduser().resolve()) if reference else ""
        for source in sources:
            if reference in (source.path, source.name) or source.path == resolved:
                return source
        needle = reference.casefold()
        matches = [
            s for s in sources if needle and (needle in s.title.casefold() or s.name.casefold().startswith(needle))
        ]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise StoreError(f"no source matches {reference!r} (try `reader sources`)")
        names = ", ".join(f"{s.id}: {s.title[:40]}" for s in matches[:5])
        raise StoreError(f"{reference!r} matches {len(matches)} sources ({names}); be more specific")

    def search(self, query: str, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search (FTS5) over every source's paragraphs, best first, with snippets."""
        fts_query = _fts_query(query)
        if not fts_query:
            return []
        try:
            return self.query(
                "SELECT p.source_id, s.title AS source_title, s.path AS source_path, p.position_start, "
                "p.position_end, snippet(passages_fts, 0, '\x02', '\x03', '…', 12) AS snippet "
                "FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid "
                # bm25() is what `rank` means by default, but ordering by it directly took 60% of the time
                # on a 10,000-file corpus (a word in 50,000 paragraphs: 64 ms against 105 ms).
                "JOIN sources s ON s.id = p.source_id WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts) "
                "LIMIT ?",
                [fts_query, limit],
            )
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot search for {query!r}: {error}") from None

    # --- reading state and settings --------------------------------------------------------------

    def set_reading_position(self, source_id: int, position: int, fraction: float) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO reading_state (source_id, position, fraction, furthest, updated) "
                "VALUES (:source_id, :position, :fraction, :fraction, :updated) ON CONFLICT (source_id) DO UPDATE "
                "SET position = excluded.position, fraction = excluded.fraction, "
                "furthest = max(reading_state.furthest, excluded.fraction), updated = excluded.updated",
                {"source_id": source_id, "position": position, "fraction": round(fraction, 4), "updated": now()},
            )

    def reading_position(self, source_id: int) -> int:
        rows = self.query("SELECT position FROM reading_state WHERE source_id = ?", [source_id])
        return rows[0]["position"] if rows else 0

    def setting(self, key: str, default: str = "") -> str:
        rows = self.query("SELECT value FROM settings WHERE key = ?", [key])
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as db:
            db["settings"].upsert({"key": key, "value": value}, pk="key")

    # --- blind coding ----------------------------------------------------------------------------

    def database_blind(self) -> bool:
        """Whether the database itself is set to blind coding (`reader blind on`)."""
        return self.setting(BLIND_SETTING, "off") == "on"

    def is_blind(self) -> bool:
        """Blind coding in effect: this session (READER_BLIND, --blind) or the database says so."""
        return self.session_blind or self.database_blind()

    def set_blind(self, on: bool) -> None:
        """Set or lift blind coding for the whole database (everyone who opens it)."""
        self.set_setting(BLIND_SETTING, "on" if on else "off")

    def visible_authors(self, wanted: Iterable[str] | None = None) -> list[str] | None:
        """The authors whose annotations may be shown: None means everyone. While blind, only this
        store's author (intersected with wanted); otherwise wanted, if given."""
        wanted = list(wanted) if wanted else None
        if self.is_blind():
            return [self.author] if wanted is None or self.author in wanted else []
        return wanted

    # --- tags ------------------------------------------------------------------------------------

    def ensure_default_tags(self) -> None:
        """Give a new database the default tag set for claim work (only when it has no tags at all)."""
        with self.write() as db:
            if db["tags"].count:
                return
            db["tags"].insert_all(
                {"name": name, "colour": colour, "description": description, "position": index, "created": now()}
                for index, (name, colour, description) in enumerate(self.default_tags)
            )

    def tags(self) -> list[Tag]:
        rows = self.query(
            "SELECT t.*, (SELECT count(*) FROM annotation_tags x WHERE x.tag_id = t.id) AS uses "
            "FROM tags t ORDER BY t.position, t.name"
        )
        return [
            Tag(row["id"], row["name"], row["colour"], row["description"], row["position"], row["uses"]) for row in rows
        ]

    def tag(self, name: str) -> Tag:
        for tag in self.tags():
            if tag.name.casefold() == name.strip().casefold():
                return tag
        raise StoreError(f"no tag named {name!r}")

    def add_tag(self, name: str, colour: str = "", description: str = "") -> Tag:
        name = _clean_tag_name(name)
        with self.write():
            if any(t.name.casefold() == name.casefold() for t in self.tags()):
                raise StoreError(f"a tag named {name!r} already exists")
            tag = self._create_tag(name, colour, description)
        return tag

    def _create_tag(
        self, name: str, colour: str = "", description: str = "", group: str | None = None, log: bool = True
    ) -> Tag:
        existing = self.tags()
        colour = _check_colour(colour) if colour else TAG_PALETTE[len(existing) % len(TAG_PALETTE)]
        position = max((t.position for t in existing), default=-1) + 1
        row = {"name": name, "colour": colour, "description": description, "position": position, "created": now()}
        tag_id = self.db["tags"].insert(row).last_pk
        snapshot = {"id": tag_id, **row, "annotation_ids": []}
        if log:
            self._log("create", "tag", tag_id, None, snapshot, group)
        return self.tag(name)

    def update_tag(
        self, name: str, new_name: str | None = None, colour: str | None = None, description: str | None = None
    ) -> Tag:
        with self.write() as db:
            tag = self.tag(name)
            before = self._tag_snapshot(tag.id)
            changes: dict[str, Any] = {}
            if new_name is not None:
                new_name = _clean_tag_name(new_name)
                clash = [t for t in self.tags() if t.name.casefold() == new_name.casefold() and t.id != tag.id]
                if clash:
                    raise StoreError(f"a tag named {new_name!r} already exists (use `reader tags merge`)")
                changes["name"] = new_name
            if colour is not None:
                changes["colour"] = _check_colour(colour)
            if description is not None:
                changes["description"] = description
            db["tags"].update(tag.id, changes)
            self._log("update", "tag", tag.id, before, self._tag_snapshot(tag.id))
            return self.tag(changes.get("name", tag.name))

    def delete_tag(self, name: str) -> None:
        with self.write() as db:
            tag = self.tag(name)
            before = self._tag_snapshot(tag.id)
            db["tags"].delete(tag.id)
            self._log("delete", "tag", tag.id, before, None)

    def merge_tags(self, source_name: str, target_name: str) -> Tag:
        """Move every use of one tag onto another and delete the first; one undo step."""
        with self.write() as db:
            source, target = self.tag(source_name), self.tag(target_name)
            if source.id == target.id:
                raise StoreError("cannot merge a tag into itself")
            group = self._change_group
            annotation_ids = [
                row["annotation_id"]
                for row in db.query("SELECT annotation_id FROM annotation_tags WHERE tag_id = ?", [source.id])
            ]
            for annotation_id in annotation_ids:
                before = self._annotation_snapshot(annotation_id)
                db.execute(
                    "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                    [annotation_id, target.id],
                )
                self._log(
                    "update", "annotation", annotation_id, before, self._annotation_snapshot(annotation_id), group
                )
            before_tag = self._tag_snapshot(source.id)
            db["tags"].delete(source.id)
            self._log("delete", "tag", source.id, before_tag, None, group)
            return self.tag(target.name)

    def _tag_ids(self, names: Iterable[str], group: str | None = None, log: bool = True) -> list[int]:
        """Ids for tag names, creating tags that do not exist yet (inside the caller's transaction).

        A created tag is logged in the caller's undo group, so one undo takes back the whole action;
        undo and redo themselves pass log=False, since their replay must not look like a new change.
        """
        known = {t.name.casefold(): t.id for t in self.tags()}
        ids = []
        for name in names:
            name = _clean_tag_name(name)
            tag_id = known.get(name.casefold())
            if tag_id is None:
                tag_id = self._create_tag(name, group=group, log=log).id
                known[name.casefold()] = tag_id
            if tag_id not in ids:
                ids.append(tag_id)
        return ids

    # --- annotations -----------------------------------------------------------------------------

    def add_annotation(
        self,
        source_id: int,
        start: int,
        end: int,
        tags: Iterable[str] = (),
        note: str = "",
        author: str | None = None,
        annotation_id: str | None = None,
    ) -> Annotation:
        """Annotate text[start:end] of a source's current version; returns the stored annotation."""
        with self.write() as db:
            rows = list(
                db.query(
                    "SELECT v.id, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
                    "WHERE s.id = ?",
                    [source_id],
                )
            )
            if not rows:
                raise StoreError(f"no source with id {source_id}")
            version_id, text = rows[0]["id"], rows[0]["text"]
            if not (0 <= start < end <= len(text)):
                raise StoreError(f"span {start}-{end} is outside the text (0-{len(text)}) or empty")
            selector = make_selector(text, start, end)
            stamp = now()
            row = {
                "id": annotation_id or uuid.uuid4().hex,
                "source_id": source_id,
                "version_id": version_id,
                "position_start": start,
                "position_end": end,
                "quote": selector.quote,
                "prefix": selector.prefix,
                "suffix": selector.suffix,
                "note": note,
                "author": self.author if author is None else author,
                "created": stamp,
                "updated": stamp,
                "anchor_status": "anchored",
                "anchor_start": start,
                "anchor_end": end,
                "anchor_version_id": version_id,
                "anchor_score": 100.0,
            }
            group = self._change_group
            tag_ids = self._tag_ids(tags, group)
            db["annotations"].insert(row)
            db["annotation_tags"].insert_all({"annotation_id": row["id"], "tag_id": t} for t in tag_ids)
            self._log("create", "annotation", row["id"], None, self._annotation_snapshot(row["id"]), group)
            return self.annotation(row["id"])

    def update_annotation(
        self,
        annotation_id: str,
        note: str | None = None,
        tags: Iterable[str] | None = None,
        add_tags: Iterable[str] = (),
    ) -> Annotation:
        """Change an annotation's note, replace its tags, or add tags to it."""
        with self.write() as db:
            before = self._annotation_snapshot(annotation_id)
            group = self._change_group
            if note is not None:
                db["annotations"].update(annotation_id, {"note": note})
            if tags is not None:
                db.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", [annotation_id])
            for tag_id in self._tag_ids(list(tags or []) + list(add_tags), group):
                db.execute(
                    "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                    [annotation_id, tag_id],
                )
            after = self._annotation_snapshot(annotation_id)
            if after != before:
                db["annotations"].update(annotation_id, {"updated": now()})
                self._log(
                    "update", "annotation", annotation_id, before, self._annotation_snapshot(annotation_id), group
                )
            return self.annotation(annotation_id)

    def delete_annotation(self, annotation_id: str) -> None:
        with self.write() as db:
            before = self._annotation_snapshot(annotation_id)
            db["annotations"].delete(annotation_id)
            self._log("delete", "annotation", annotation_id, before, None)

    def annotation(self, annotation_id: str) -> Annotation:
        found = self.annotations(ids=[annotation_id])
        if not found:
            raise StoreError(f"no annotation with id {annotation_id!r}")
        return found[0]

    def annotations(
        self,
        source_id: int | None = None,
        tag: str | None = None,
        ids: list[str] | None = None,
        authors: list[str] | None = None,
    ) -> list[Annotation]:
        """Annotations with their tags, placed on their source's current text, in reading order
        (only the visible authors' while blind coding is on)."""
        return [_annotation_from_row(row) for row in self.iter_annotation_rows(source_id, tag, ids, authors=authors)]

    def iter_annotation_rows(
        self,
        source_id: int | None = None,
        tag: str | None = None,
        ids: list[str] | None = None,
        source_ids: list[int] | None = None,
        tags: list[str] | None = None,
        authors: list[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stream flat annotation rows (as annotations_view has them), for exports of any size.

        authors limits them to those authors; blind coding limits them to this store's author."""
        where, params = [], []
        visible = self.visible_authors(authors)
        if visible is not None:
            where.append(f"author IN ({','.join('?' * len(visible))})" if visible else "0")
            params.extend(visible)
        if source_id is not None:
            where.append("source_id = ?")
            params.append(source_id)
        if source_ids:
            where.append(f"source_id IN ({','.join('?' * len(source_ids))})")
            params.extend(source_ids)
        wanted_tags = list(tags or []) + ([tag] if tag else [])
        if wanted_tags:
            where.append(
                "id IN (SELECT x.annotation_id FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
                f"WHERE t.name IN ({','.join('?' * len(wanted_tags))}))"
            )
            params.extend(wanted_tags)
        if ids is not None:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = "SELECT * FROM annotations_view"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += ' ORDER BY source_path, start, "end", id'
        cursor = self.db.conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(columns, row))

    def _visible_clause(self, alias: str = "a") -> tuple[str, list[str]]:
        """SQL condition limiting annotations (as alias) to the visible authors: "1" when not blind."""
        visible = self.visible_authors()
        if visible is None:
            return "1", []
        return f"{alias}.author IN ({','.join('?' * len(visible))})" if visible else "0", visible

    def tag_counts_by_source(self) -> list[tuple[int, str, int]]:
        """(source_id, tag name, annotations) for every tag used on a source; "" counts untagged ones."""
        visible, params = self._visible_clause()
        rows = self.query(
            "SELECT a.source_id, coalesce(t.name, '') AS tag, count(*) AS n FROM annotations a "
            "LEFT JOIN annotation_tags x ON x.annotation_id = a.id LEFT JOIN tags t ON t.id = x.tag_id "
            f"WHERE {visible} GROUP BY a.source_id, t.id ORDER BY a.source_id, min(t.position), t.name",
            params,
        )
        return [(row["source_id"], row["tag"], row["n"]) for row in rows]

    def annotations_per_day(self, source_ids: list[int] | None = None) -> list[tuple[str, int]]:
        """(YYYY-MM-DD, annotations created that day, UTC) for each day with any, oldest first (on the
        sources given, or all; only the visible authors' while blind)."""
        visible, params = self._visible_clause()
        if source_ids is not None:
            visible += f" AND source_id IN ({','.join('?' * len(source_ids))})"
            params = [*params, *source_ids]
        rows = self.query(
            "SELECT substr(created, 1, 10) AS day, count(*) AS n FROM annotations a "
            f"WHERE {visible} GROUP BY day ORDER BY day",
            params,
        )
        return [(row["day"], row["n"]) for row in rows]

    def _annotation_snapshot(self, annotation_id: str) -> dict[str, Any]:
        rows = list(self.db.query("SELECT * FROM annotations WHERE id = ?", [annotation_id]))
        if not rows:
            raise StoreError(f"no annotation with id {annotation_id!r}")
        snapshot = rows[0]
        snapshot["tags"] = [
            r["name"]
            for r in self.db.query(
                "SELECT t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id WHERE x.annotation_id = ? "
                "ORDER BY t.position, t.name",
                [annotation_id],
            )
        ]
        snapshot["links"] = list(
            self.db.query(
                "SELECT * FROM links WHERE from_annotation = ? OR to_annotation = ? ORDER BY id",
                [annotation_id, annotation_id],
            )
        )
        return snapshot

    def _tag_snapshot(self, tag_id: int) -> dict[str, Any]:
        snapshot = list(self.db.query("SELECT * FROM tags WHERE id = ?", [tag_id]))[0]
        snapshot["annotation_ids"] = [
            r["annotation_id"]
            for r in self.db.query(
                "SELECT annotation_id FROM annotation_tags WHERE tag_id = ? ORDER BY annotation_id", [tag_id]
            )
        ]
        return snapshot

    # --- links -----------------------------------------------------------------------------------

    def add_link(self, from_annotation: str, to_annotation: str, kind: str = "same") -> Link:
        if kind not in LINK_KINDS:
            raise StoreError(f"unknown link kind {kind!r}; use one of {', '.join(LINK_KINDS)}")
        if from_annotation == to_annotation:
            raise StoreError("an annotation cannot be linked to itself")
        with self.write() as db:
            self.annotation(from_annotation)
            self.annotation(to_annotation)
            existing = list(
                db.query(
                    "SELECT * FROM links WHERE from_annotation = ? AND to_annotation = ? AND kind = ?",
                    [from_annotation, to_annotation, kind],
                )
            )
            if existing:
                return _link_from_row(existing[0])
            row = {
                "id": uuid.uuid4().hex,
                "from_annotation": from_annotation,
                "to_annotation": to_annotation,
                "kind": kind,
                "created": now(),
                "author": self.author,
            }
            db["links"].insert(row)
            self._log("create", "link", row["id"], None, row)
            return _link_from_row(row)

    def delete_link(self, link_id: str) -> None:
        with self.write() as db:
            rows = list(db.query("SELECT * FROM links WHERE id = ?", [link_id]))
            if not rows:
                raise StoreError(f"no link with id {link_id!r}")
            db["links"].delete(link_id)
            self._log("delete", "link", link_id, rows[0], None)

    def links(self, annotation_id: str | None = None) -> list[Link]:
        if annotation_id is None:
            rows = self.query("SELECT * FROM links ORDER BY created, id")
        else:
            rows = self.query(
                "SELECT * FROM links WHERE from_annotation = ? OR to_annotation = ? ORDER BY created",
                [annotation_id, annotation_id],
            )
        return [_link_from_row(row) for row in rows]

    # --- checked-and-silent marks for the claims matrix ------------------------------------------

    def set_silent(self, annotation_id: str, source_id: int, silent: bool = True) -> None:
        """Mark (or unmark) a source as checked and silent on the claim that annotation_id belongs to."""
        with self.write() as db:
            self.annotation(annotation_id)
            self.source(source_id)
            key = f"{annotation_id}:{source_id}"
            row = {"annotation_id": annotation_id, "source_id": source_id, "marked": now(), "author": self.author}
            existing = list(
                db.query("SELECT * FROM silences WHERE annotation_id = ? AND source_id = ?", [annotation_id, source_id])
            )
            if silent and not existing:
                db["silences"].insert(row)
                self._log("create", "silence", key, None, row)
            elif not silent and existing:
                db.execute("DELETE FROM silences WHERE annotation_id = ? AND source_id = ?", [annotation_id, source_id])
                self._log("delete", "silence", key, existing[0], None)

    def silences(self) -> list[tuple[str, int]]:
        """Every (annotation_id, source_id) silent mark."""
        return [
            (row["annotation_id"], row["source_id"])
            for row in self.query("SELECT annotation_id, source_id FROM silences ORDER BY marked")
        ]

    # --- the event log, undo and redo ------------------------------------------------------------

    def _log(self, action: str, entity: str, entity_id: Any, before: Any, after: Any, group: str | None = None) -> None:
        self.db["events"].insert(
            {
                "group_id": group or self._change_group or uuid.uuid4().hex,
                "at": now(),
                "actor": self.actor,
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "before": None if before is None else json.dumps(before, ensure_ascii=False),
                "after": None if after is None else json.dumps(after, ensure_ascii=False),
                "ref_group": None,
                "author": self.author,
                "session": self.session,
            }
        )

    def log_events(
        self, entries: Iterable[tuple[str, str, Any, Any, Any]], actor: str | None = None, group: str | None = None
    ) -> str:
        """Append (action, entity, entity_id, before, after) events as one undo group, in one statement.

        For bulk changes such as an import, where one _log call a row would be slow; returns the group id.
        A snapshot given as a str is taken to be JSON already (bulk callers may encode faster).
        """
        group = group or self._change_group or uuid.uuid4().hex
        stamp, who = now(), actor or self.actor

        def encoded(snapshot: Any) -> str | None:
            if snapshot is None or isinstance(snapshot, str):
                return snapshot
            return json.dumps(snapshot, ensure_ascii=False)

        with self.write() as db:
            db.conn.executemany(
                "INSERT INTO events (group_id, at, actor, action, entity, entity_id, before, after, ref_group, "
                "author, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                (
                    (
                        group,
                        stamp,
                        who,
                        action,
                        entity,
                        str(entity_id),
                        encoded(before),
                        encoded(after),
                        self.author,
                        self.session,
                    )
                    for action, entity, entity_id, before, after in entries
                ),
            )
        return group

    def log_staged_events(self, table: str) -> None:
        """Append events already staged in `table` (group_id, at, actor, action, entity, entity_id, before,
        after), in their order, inside the caller's write: an import publishes its log in one statement."""
        with self.write() as db:
            db.conn.execute(
                "INSERT INTO events (group_id, at, actor, action, entity, entity_id, before, after, ref_group, "
                "author, session) SELECT group_id, at, actor, action, entity, entity_id, before, after, NULL, ?, ? "
                f"FROM {table} ORDER BY rowid",
                (self.author, self.session),
            )

    def undo(self, scope: str | None = None) -> str | None:
        """Reverse the newest change of this author (scope "author") or of this connection ("session")
        not yet undone; returns what it undid, or None if there is nothing. Refuses (StoreError) rather
        than overwrite or take away another reader's later work."""
        return self._replay(undo=True, scope=scope)

    def redo(self, scope: str | None = None) -> str | None:
        """Re-apply the scope's most recently undone change; None if there is none (or it changed since)."""
        return self._replay(undo=False, scope=scope)

    def _replay(self, undo: bool, scope: str | None) -> str | None:
        from reader.store import undo as undoing

        scope = scope or self.undo_scope
        value = undoing.scope_value(self, scope)
        with self.write() as db:
            conn = db.conn
            group = undoing.undo_target(conn, scope, value) if undo else undoing.redo_target(conn, scope, value)
            if group is None:
                return None
            description = undoing.describe_group(conn, group)
            try:
                undoing.check_ownership(conn, group, undo, scope, value, description, self.author)
            except undoing.UndoRefused as refusal:
                raise StoreError(str(refusal)) from None
            undoing.replay(self, group, undo)
            undoing.record(self, group, undo)
            return f"{'undid' if undo else 'redid'} {description}"


# --- row conversion and small checks -------------------------------------------------------------


def _source_from_row(row: dict[str, Any]) -> Source:
    return Source(
        id=row["id"],
        path=row["path"],
        title=row["title"],
        outlet=row["outlet"] or "",
        author=row["author"] or "",
        published=row["published"] or "",
        url=row["url"] or "",
        words=row["words"] or 0,
        annotations=row.get("annotation_count", 0) or 0,
        version_id=row["current_version_id"] or 0,
        warnings=tuple(json.loads(row["warnings"] or "[]")),
        read_fraction=row.get("read_fraction", 0.0) or 0.0,
    )


def _annotation_from_row(row: dict[str, Any]) -> Annotation:
    return Annotation(
        id=row["id"],
        source_id=row["source_id"],
        start=row["start"],
        end=row["end"],
        quote=row["quote"],
        prefix=row["prefix"],
        suffix=row["suffix"],
        note=row["note"],
        author=row["author"],
        created=row["created"],
        updated=row["updated"],
        anchor_status=row["anchor_status"],
        tags=[t for t in (row["tags"] or "").split(";") if t],
        version_id=row["version_id"],
    )


def _link_from_row(row: dict[str, Any]) -> Link:
    return Link(
        row["id"], row["from_annotation"], row["to_annotation"], row["kind"], row["created"], row.get("author") or ""
    )


def _clean_tag_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise StoreError("a tag needs a name")
    if ";" in cleaned or "," in cleaned:
        raise StoreError(f"tag names cannot contain ';' or ',': {cleaned!r}")
    if len(cleaned) > 60:
        raise StoreError("tag names are at most 60 characters")
    return cleaned


def _check_colour(colour: str) -> str:
    from rich.color import Color, ColorParseError

    try:
        return Color.parse(colour.strip()).get_truecolor().hex
    except ColorParseError:
        raise StoreError(f"not a colour: {colour!r} (try a name like 'red' or '#ff8800')") from None


def _fts_query(query: str) -> str:
    """Quote each word so user text is searched for, never parsed as FTS5 syntax; folded (accents,
    case) by fold_text, the function in-document search folds with."""
    words = [word.replace('"', '""') for word in fold_text(query).split()]
    return " ".join(f'"{word}"' for word in words if word)


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
