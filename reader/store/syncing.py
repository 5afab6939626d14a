"""The local side of syncing with a team hub: sync state, the outbox, conflict records, and reading the
event log since the last stamp.

Every method that writes runs inside the caller's write transaction (reader.sync opens them), so a pull,
the stamping of local changes and the moving of a high-water mark commit together or not at all. The
wire format (HLC stamps, hub keys and payloads) belongs to reader.sync; applying a hub's changes to this
database is reader.store.remote.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from reader.store.annotations import AnnotationStore
from reader.store.connection import now
from reader.store.remote import LocalTexts, RemoteApplier

Row = tuple[Any, ...]
CHUNK = 500  # values in one IN (...) list


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for offset in range(0, len(values), CHUNK):
        yield values[offset : offset + CHUNK]


def _marks(count: int) -> str:
    return ",".join("?" * count)


class SyncLog(AnnotationStore):
    """Sync state, outbox and conflicts of this database, and what sync reads from its event log."""

    # --- sync state ------------------------------------------------------------------------------

    def sync_state(self, key: str, default: str = "") -> str:
        """A value of the sync state (origin, hlc, stamped, pushed, pulled:HUB, conflicts:HUB)."""
        row = self.db.conn.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_sync_state(self, key: str, value: str) -> None:
        self.db.conn.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def sync_states(self) -> dict[str, str]:
        """The whole sync state, by key."""
        return {row["key"]: row["value"] for row in self.query("SELECT key, value FROM sync_state")}

    def forget_pull_marks(self) -> None:
        """Drop every hub's high-water marks, so the next sync pulls each hub from the start."""
        self.db.conn.execute("DELETE FROM sync_state WHERE key LIKE 'pulled:%' OR key LIKE 'conflicts:%'")

    # --- the event log ---------------------------------------------------------------------------

    def events_after(self, event_id: int) -> list[dict[str, Any]]:
        """The logged events after event_id, oldest first, as dicts of the events table's columns."""
        cursor = self.db.conn.execute("SELECT * FROM events WHERE id > ? ORDER BY id", [event_id])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def group_changes(self, group: str) -> list[Row]:
        """(entity, entity id, before, after) of each event of an undo group, in order."""
        return self.db.conn.execute(
            "SELECT entity, entity_id, before, after FROM events WHERE group_id = ? ORDER BY id", [group]
        ).fetchall()

    def unstamped_counts(self, event_id: int, sync_actor: str) -> tuple[int, int]:
        """(changes not made by sync, undos and redos) logged after event_id."""
        changes = self.query(
            "SELECT count(*) AS n FROM events WHERE id > ? AND actor != ? AND action NOT IN ('undo', 'redo')",
            [event_id, sync_actor],
        )[0]["n"]
        undos = self.query("SELECT count(*) AS n FROM events WHERE id > ? AND action IN ('undo', 'redo')", [event_id])[
            0
        ]["n"]
        return changes, undos

    # --- the outbox ------------------------------------------------------------------------------

    def put_outbox(self, rows: Iterable[Row]) -> None:
        """Write (entity, key, hlc, author, payload, texts) rows, each replacing that entity's last one."""
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO sync_outbox (entity, key, hlc, author, payload, texts) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    def outbox(self) -> list[Row]:
        """(id, entity, key, hlc, author, payload, texts) of every change waiting to be pushed, by id."""
        return self.db.conn.execute(
            "SELECT id, entity, key, hlc, author, payload, texts FROM sync_outbox ORDER BY id"
        ).fetchall()

    def outbox_count(self) -> int:
        return self.query("SELECT count(*) AS n FROM sync_outbox")[0]["n"]

    def outbox_for_keys(self, keys: Sequence[str]) -> Iterator[Row]:
        """(id, entity, key, hlc, author, payload) of the waiting changes to entities with one of keys."""
        for chunk in _chunks(keys):
            yield from self.db.conn.execute(
                f"SELECT id, entity, key, hlc, author, payload FROM sync_outbox WHERE key IN ({_marks(len(chunk))})",
                chunk,
            )

    def outbox_hlcs_after(self, outbox_id: int) -> dict[int, str]:
        """The HLC of each waiting change after outbox_id, by outbox id."""
        return dict(self.db.conn.execute("SELECT id, hlc FROM sync_outbox WHERE id > ?", [outbox_id]).fetchall())

    def drop_outbox_entry(self, outbox_id: int) -> None:
        self.db.conn.execute("DELETE FROM sync_outbox WHERE id = ?", [outbox_id])

    def drop_outbox_through(self, outbox_id: int) -> None:
        """Forget the waiting changes up to outbox_id (pushed)."""
        self.db.conn.execute("DELETE FROM sync_outbox WHERE id <= ?", [outbox_id])

    # --- texts -----------------------------------------------------------------------------------

    def local_texts(self) -> LocalTexts:
        """The content hashes of this database's source texts, both ways."""
        return LocalTexts(self)

    def known_content_hashes(self, hashes: Iterable[str]) -> set[str]:
        """Those of hashes that some source text here has."""
        have: set[str] = set()
        for chunk in _chunks(list(hashes)):
            have.update(
                row[0]
                for row in self.db.conn.execute(
                    f"SELECT DISTINCT content_hash FROM source_versions WHERE content_hash IN ({_marks(len(chunk))})",
                    chunk,
                )
            )
        return have

    def texts_by_hash(self, hashes: Sequence[str]) -> Iterator[Row]:
        """(hash, text, pages JSON, title, outlet, author, published, url, format) for each of hashes
        held here, with one source's metadata for it."""
        for chunk in _chunks(hashes):
            yield from self.db.conn.execute(
                "SELECT v.content_hash, v.text, v.pages, s.title, s.outlet, s.author, s.published, s.url, s.format "
                f"FROM source_versions v JOIN sources s ON s.id = v.source_id WHERE v.content_hash IN "
                f"({_marks(len(chunk))}) GROUP BY v.content_hash",
                chunk,
            )

    def remote_applier(self, fetched: dict[str, tuple[str, dict[str, Any]]], actor: str) -> RemoteApplier:
        """What applies a hub's changes here (fetched: the hub's texts by hash, with their metadata)."""
        return RemoteApplier(self, fetched, actor=actor)

    # --- conflicts -------------------------------------------------------------------------------

    def record_sync_conflict(
        self,
        origin: str,
        hub_id: str,
        entity: str,
        key: str,
        winner: tuple[str, str, str | None],
        loser: tuple[str, str, str | None],
    ) -> None:
        """Keep a conflict found here: winner and loser are (hlc, author, payload); numbered in this
        origin's own series (origin, origin_id), as the hub and the other members will know it."""
        conn = self.db.conn
        row_id = conn.execute(
            "INSERT INTO sync_conflicts (origin, origin_id, hub, entity, key, winner_hlc, winner_author, "
            "winner_payload, loser_hlc, loser_author, loser_payload, detected) "
            "VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [origin + "/new", hub_id, entity, key, *winner, *loser, now()],
        ).lastrowid
        conn.execute("UPDATE sync_conflicts SET origin = ?, origin_id = id WHERE id = ?", [origin, row_id])

    def add_pulled_conflicts(self, hub_id: str, rows: Iterable[Row]) -> None:
        """Keep conflicts other members found, as the hub lists them (seq, origin, origin_id, entity, key,
        winner hlc, author, payload, loser hlc, author, payload, detected); known ones are skipped."""
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO sync_conflicts (origin, origin_id, hub, entity, key, winner_hlc, winner_author, "
            "winner_payload, loser_hlc, loser_author, loser_payload, detected, pushed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [(row[1], row[2], hub_id, *row[3:]) for row in rows],
        )

    def unpushed_conflicts(self) -> list[Row]:
        """(id, entity, key, winner hlc, author, payload, loser hlc, author, payload, detected) of the
        conflicts found here and not yet on the hub."""
        return self.db.conn.execute(
            "SELECT id, entity, key, winner_hlc, winner_author, winner_payload, loser_hlc, loser_author, "
            "loser_payload, detected FROM sync_conflicts WHERE pushed = 0 ORDER BY id"
        ).fetchall()

    def mark_conflicts_pushed(self, conflict_id: int) -> None:
        """Note the conflicts up to conflict_id as on the hub."""
        self.db.conn.execute("UPDATE sync_conflicts SET pushed = 1 WHERE pushed = 0 AND id <= ?", [conflict_id])

    def sync_conflicts(self, include_resolved: bool = False) -> list[dict[str, Any]]:
        """Every conflict record (only the open ones unless include_resolved), oldest first."""
        return self.query(
            "SELECT * FROM sync_conflicts" + ("" if include_resolved else " WHERE resolved IS NULL") + " ORDER BY id"
        )

    def sync_conflict(self, conflict_id: int) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id])
        return rows[0] if rows else None

    def open_conflict_count(self) -> int:
        return self.query("SELECT count(*) AS n FROM sync_conflicts WHERE resolved IS NULL")[0]["n"]

    # --- comparing databases ---------------------------------------------------------------------

    def annotation_digest_rows(self) -> Iterator[Row]:
        """Every annotation as a team sees it, by id: id, text hash, start, end, quote, note, author,
        created, its tag names sorted and joined by ';'."""
        return self.db.conn.execute(
            "SELECT a.id, v.content_hash, a.position_start, a.position_end, a.quote, a.note, a.author, a.created, "
            "(SELECT group_concat(name, ';') FROM (SELECT t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
            " WHERE x.annotation_id = a.id ORDER BY t.name)) FROM annotations a "
            "JOIN source_versions v ON v.id = a.version_id ORDER BY a.id"
        )
