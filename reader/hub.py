"""The team hub: a PostgreSQL database the reader sets up and migrates, reached through psycopg 3.

Access is PostgreSQL's own (roles, passwords, TLS through the connection string); this module only
connects, checks that the database is a reader hub of a schema it knows, creates or migrates it, and
runs the few queries sync needs. psycopg comes with the `team` extra and is imported only here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from reader.model import ReaderError

# The hub's own schema version, kept in reader_hub (key 'schema_version'); one entry a version.
HUB_SCHEMA = {
    1: """
CREATE TABLE reader_hub (
    key text PRIMARY KEY,                       -- schema_version, hub_id, created
    value text NOT NULL
);
CREATE TABLE hub_origins (
    origin text PRIMARY KEY,                    -- one reader database
    author text NOT NULL DEFAULT '',
    first_sync timestamptz NOT NULL DEFAULT now(),
    last_sync timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE hub_texts (
    content_hash text PRIMARY KEY,              -- sha256 of the source text, as the local store has it
    body bytea NOT NULL,                        -- the text, UTF-8 (lone surrogates kept)
    meta text NOT NULL DEFAULT '{}'             -- JSON: title, outlet, author, published, url, format, pages
);
CREATE TABLE hub_changes (
    seq bigserial PRIMARY KEY,                  -- global order: pulls read it after a high-water mark
    origin text NOT NULL,
    origin_id bigint NOT NULL,                  -- the change's number in its origin's outbox
    entity text NOT NULL,
    key text NOT NULL,
    hlc text NOT NULL,                          -- hybrid logical clock: the later one wins
    author text NOT NULL DEFAULT '',
    payload text,                               -- JSON snapshot; NULL: deleted
    pushed timestamptz NOT NULL DEFAULT now(),
    UNIQUE (origin, origin_id, hlc)             -- a push repeated after an interruption adds nothing
);
CREATE INDEX hub_changes_by_entity ON hub_changes (entity, key);
CREATE TABLE hub_conflicts (
    id bigserial PRIMARY KEY,
    origin text NOT NULL,
    origin_id bigint NOT NULL,
    entity text NOT NULL,
    key text NOT NULL,
    winner_hlc text NOT NULL,
    winner_author text NOT NULL DEFAULT '',
    winner_payload text,
    loser_hlc text NOT NULL,
    loser_author text NOT NULL DEFAULT '',
    loser_payload text,
    detected text NOT NULL,
    UNIQUE (origin, origin_id)
);
""",
}
HUB_SCHEMA_VERSION = max(HUB_SCHEMA)

# Advisory lock keys (any bigint, fixed): one sync pushes at a time, one reader migrates at a time.
SYNC_LOCK = 0x7265616465720001
MIGRATE_LOCK = 0x7265616465720002
LOCK_WAIT = "120s"


class HubError(ReaderError):
    """A hub that cannot be used (unreachable, refused, not a reader hub), explained in one line."""


def describe(url: str) -> str:
    """user@host:port/db for messages: never the password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(url)
    except Exception:
        return "the hub"
    host = parts.get("host") or "localhost"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"{user}{host}{port}/{parts.get('dbname') or ''}"


def _reason(error: BaseException) -> str:
    """The informative part of a libpq message, on one line."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = "; ".join(lines) if lines else type(error).__name__
    for prefix in ("connection failed: ",):
        text = text.removeprefix(prefix)
    return " ".join(text.split())


class Hub:
    """One connection to a hub, checked and brought to HUB_SCHEMA_VERSION on open."""

    def __init__(self, url: str, connect_timeout: int = 10) -> None:
        if not url.startswith(("postgresql://", "postgres://")):
            raise HubError(f"not a PostgreSQL connection string: {url[:60]!r} (use postgresql://USER@HOST:PORT/DB)")
        try:
            import psycopg
        except ImportError:
            raise HubError("the hub needs psycopg: pip install 'reader[team]'") from None
        self.url = url
        self.name = describe(url)
        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(
                url, autocommit=True, connect_timeout=connect_timeout, application_name="reader sync"
            )
        except psycopg.Error as error:
            raise HubError(f"cannot connect to the hub {self.name}: {_reason(error)}") from None
        try:
            self.conn.execute(f"SET lock_timeout = '{LOCK_WAIT}'")
            self.hub_id = self._check_schema()
        except psycopg.Error as error:
            self.close()
            raise HubError(f"cannot use the hub {self.name}: {_reason(error)}") from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- schema ----------------------------------------------------------------------------------

    def _tables(self) -> set[str]:
        # pg_tables, not information_schema: that one hides tables we have no privileges on.
        return {
            row[0] for row in self.conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        }

    def _one_row(self, query: str) -> tuple[Any, ...]:
        """The row of a query that always answers with one (fetchone() is typed as maybe None)."""
        row = self.conn.execute(query).fetchone()
        if row is None:
            raise HubError(f"{self.name} gave no answer to: {query}")
        return row

    def _version(self) -> int:
        row = self.conn.execute("SELECT value FROM reader_hub WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def _check_schema(self) -> str:
        """Refuse a newer hub or another program's database; create or migrate ours. Returns the hub's id."""
        tables = self._tables()
        if "reader_hub" not in tables and tables:
            shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
            raise HubError(
                f"{self.name} is not a reader hub: it holds other tables ({shown}); give the team an empty database"
            )
        version = self._version() if "reader_hub" in tables else 0
        if version > HUB_SCHEMA_VERSION:
            raise HubError(
                f"the hub {self.name} was set up by a newer reader (hub schema {version}; this one "
                f"knows up to {HUB_SCHEMA_VERSION}); upgrade reader to sync with it"
            )
        if version < HUB_SCHEMA_VERSION:
            with self.conn.transaction():
                self.conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATE_LOCK])
                self._act_as_database_owner()
                version = self._version() if "reader_hub" in self._tables() else 0
                for target in sorted(n for n in HUB_SCHEMA if n > version):
                    self.conn.execute(HUB_SCHEMA[target])
                self.conn.execute(
                    "INSERT INTO reader_hub (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [str(HUB_SCHEMA_VERSION)],
                )
                self.conn.execute(
                    "INSERT INTO reader_hub (key, value) VALUES ('hub_id', %s), ('created', now()::text) "
                    "ON CONFLICT (key) DO NOTHING",
                    [uuid.uuid4().hex],
                )
        return self._one_row("SELECT value FROM reader_hub WHERE key = 'hub_id'")[0]

    def _act_as_database_owner(self) -> None:
        """Create the hub's tables as the role that owns the database when we are a member of it, so that
        every member of that team role can use them, whoever ran the first sync (for this transaction)."""
        from psycopg import sql

        owner, member = self._one_row(
            "SELECT pg_get_userbyid(datdba), pg_has_role(current_user, datdba, 'MEMBER') FROM pg_database "
            "WHERE datname = current_database()"
        )
        if member:
            self.conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)))

    # --- what sync asks of it --------------------------------------------------------------------

    def register(self, origin: str, author: str) -> None:
        self.conn.execute(
            "INSERT INTO hub_origins (origin, author) VALUES (%s, %s) "
            "ON CONFLICT (origin) DO UPDATE SET author = excluded.author, last_sync = now()",
            [origin, author],
        )

    def lock(self) -> None:
        """Hold the hub's sync lock (a session lock: a killed process's lock goes with its connection)."""
        self.conn.execute("SELECT pg_advisory_lock(%s)", [SYNC_LOCK])

    def unlock(self) -> None:
        self.conn.execute("SELECT pg_advisory_unlock(%s)", [SYNC_LOCK])

    def changes_after(self, seq: int, origin: str, limit: int) -> list[tuple]:
        """Other origins' changes after seq, in order: (seq, origin, entity, key, hlc, author, payload)."""
        return self.conn.execute(
            "SELECT seq, origin, entity, key, hlc, author, payload FROM hub_changes "
            "WHERE seq > %s AND origin <> %s ORDER BY seq LIMIT %s",
            [seq, origin, limit],
        ).fetchall()

    def pushed_by(self, origin: str, after_id: int) -> dict[int, str]:
        """origin_id -> hlc of the changes an origin pushed after after_id (to tell a copy of a database,
        or one restored from a backup, from the database that really pushed them)."""
        return dict(
            self.conn.execute(
                "SELECT origin_id, hlc FROM hub_changes WHERE origin = %s AND origin_id > %s", [origin, after_id]
            ).fetchall()
        )

    def conflicts_after(self, last_id: int, origin: str) -> list[tuple]:
        return self.conn.execute(
            "SELECT id, origin, origin_id, entity, key, winner_hlc, winner_author, winner_payload, loser_hlc, "
            "loser_author, loser_payload, detected FROM hub_conflicts WHERE id > %s AND origin <> %s ORDER BY id",
            [last_id, origin],
        ).fetchall()

    def texts(self, hashes: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """content hash -> (text, metadata) for those of hashes the hub has."""
        wanted = list(hashes)
        if not wanted:
            return {}
        from reader.store import content_hash

        rows = self.conn.execute(
            "SELECT content_hash, body, meta FROM hub_texts WHERE content_hash = ANY(%s)", [wanted]
        ).fetchall()
        found = {}
        for digest, body, meta in rows:
            try:
                text, details = bytes(body).decode("utf-8", "surrogatepass"), json.loads(meta)
            except ValueError:
                continue
            if content_hash(text) == digest and isinstance(details, dict):  # a text is what its hash says
                found[digest] = (text, details)
        return found

    def missing_texts(self, hashes: Iterable[str]) -> set[str]:
        wanted = set(hashes)
        if not wanted:
            return set()
        have = {
            row[0]
            for row in self.conn.execute(
                "SELECT content_hash FROM hub_texts WHERE content_hash = ANY(%s)", [list(wanted)]
            )
        }
        return wanted - have

    def push(
        self, origin: str, changes: Sequence[tuple], texts: Sequence[tuple[str, str, dict]], conflicts: Sequence[tuple]
    ) -> None:
        """In one transaction: texts (hash, text, meta), changes (origin_id, entity, key, hlc, author,
        payload) in the given order, conflicts; anything already pushed is skipped, not repeated."""
        conn = self.conn
        with conn.transaction():
            if texts:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO hub_texts (content_hash, body, meta) VALUES (%s, %s, %s) "
                        "ON CONFLICT (content_hash) DO NOTHING",
                        [(h, text.encode("utf-8", "surrogatepass"), json.dumps(meta)) for h, text, meta in texts],
                    )
            if changes:
                conn.execute(
                    "CREATE TEMP TABLE push_changes (ord bigint, origin_id bigint, entity text, key text, "
                    "hlc text, author text, payload text) ON COMMIT DROP"
                )
                with conn.cursor() as cursor:
                    with cursor.copy("COPY push_changes FROM STDIN") as copy:
                        for order, change in enumerate(changes):
                            copy.write_row((order, *change))
                conn.execute(
                    "INSERT INTO hub_changes (origin, origin_id, entity, key, hlc, author, payload) "
                    "SELECT %s, origin_id, entity, key, hlc, author, payload FROM push_changes ORDER BY ord "
                    "ON CONFLICT (origin, origin_id, hlc) DO NOTHING",
                    [origin],
                )
            if conflicts:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO hub_conflicts (origin, origin_id, entity, key, winner_hlc, winner_author, "
                        "winner_payload, loser_hlc, loser_author, loser_payload, detected) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT (origin, origin_id) DO NOTHING",
                        [(origin, *conflict) for conflict in conflicts],
                    )
            conn.execute("UPDATE hub_origins SET last_sync = now() WHERE origin = %s", [origin])

    def error_type(self) -> type[BaseException]:
        return self._psycopg.Error
