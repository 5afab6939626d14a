"""Applying a team hub's changes to this database: the local side of a sync's pull.

Hub payloads name texts by content hash; here they become this database's sources and versions (a text
the database lacks is added from the hub's copy, with search index and re-anchoring, as for a file), and
each change is put through undo's own snapshot machinery inside the caller's write transaction, logged
as an event (actor `sync`, or the user's for a resolved conflict) so undo takes a sync back.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, cast

from reader.corpus import Document
from reader.model import AnchorStatus
from reader.store.annotations import AnnotationStore
from reader.store.claims import _source_snapshot
from reader.store.connection import StoreError, now
from reader.store.decisions import decision_from_hub
from reader.store.events import PAIR_DECISION, SnapshotReplayer
from reader.store.tags import TAG_PALETTE, _check_colour, _clean_tag_name

SYNC_ACTOR = "sync"
CONFLICT_ENTITY = "sync_conflict"
# Where a hub-made source lives locally: its path names the text it holds.
HUB_PATH_PREFIX = "hub:"


class LocalTexts:
    """Content hashes of this database's source texts, and the reverse: what a hash is here."""

    def __init__(self, store: AnnotationStore) -> None:
        self.store = store
        self.version_hash: dict[int, str] = {}
        self.current_hash: dict[int, str] = {}
        self.by_hash: dict[str, tuple[int, int]] = {}  # hash -> (source_id, version_id), lowest source
        self.current_version: dict[int, int | None] = {}
        for version_id, source_id, digest, current in store.db.conn.execute(
            "SELECT v.id, v.source_id, v.content_hash, s.current_version_id FROM source_versions v "
            "JOIN sources s ON s.id = v.source_id ORDER BY v.source_id, v.id"
        ):
            self._learn(version_id, source_id, digest, current)

    def _learn(self, version_id: int, source_id: int, digest: str, current: int | None) -> None:
        self.version_hash[version_id] = digest
        self.current_version[source_id] = current
        if version_id == current:
            self.current_hash[source_id] = digest
        previous = self.by_hash.get(digest)
        if previous is None or (version_id == current and self.current_version.get(previous[0]) != previous[1]):
            self.by_hash[digest] = (source_id, version_id)  # prefer a source whose current text it is

    def refresh_source(self, source_id: int) -> None:
        for version_id, digest, current in self.store.db.conn.execute(
            "SELECT v.id, v.content_hash, s.current_version_id FROM source_versions v "
            "JOIN sources s ON s.id = v.source_id WHERE s.id = ?",
            [source_id],
        ):
            self._learn(version_id, source_id, digest, current)


class RemoteApplier:
    """Makes local entities match hub payloads, inside the caller's write transaction, logging each change
    (actor `sync`, or the user's for a resolved conflict) so undo works on it like on any other write."""

    def __init__(
        self, store: AnnotationStore, fetched: dict[str, tuple[str, dict[str, Any]]], actor: str = SYNC_ACTOR
    ) -> None:
        self.store = store
        self.conn = store.db.conn
        self.fetched = fetched
        self.actor = actor
        self.texts = LocalTexts(store)
        self.events: list[tuple[str, str, str, Any, Any, str]] = []
        self.reanchor: set[int] = set()
        self.skipped: dict[str, int] = {}
        self.applied = 0
        self.author = store.author  # who the change being applied is by (the hub says, per change)
        self._replay: SnapshotReplayer | None = None
        self._annotation_columns = [row[1] for row in self.conn.execute("PRAGMA table_info(annotations)")]
        self._tag_ids = {name.casefold(): tag_id for tag_id, name in self.conn.execute("SELECT id, name FROM tags")}

    def _replayer(self) -> SnapshotReplayer:
        """Undo's own machinery for putting a snapshot back (any entity it knows, claims included)."""
        if self._replay is None:
            self._replay = self.store.snapshot_replayer()
        return self._replay

    def _log(self, action: str, entity: str, entity_id: Any, before: Any, after: Any) -> None:
        self.events.append((action, entity, str(entity_id), before, after, self.author))

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    # sources by content hash

    def _source_for(self, text_hash: str, source_hash: str | None) -> tuple[int, int] | None:
        """(source_id, version_id) of the text an annotation was made on, creating it from the hub's copy."""
        found = self.texts.by_hash.get(text_hash)
        if found:
            return found
        source_hash = source_hash or text_hash
        home = self.texts.by_hash.get(source_hash)
        if home is None:
            if source_hash not in self.fetched:
                return None
            document = _hub_document(source_hash, *self.fetched[source_hash])
            source_id, _ = self.store.save_document(document)  # search index and re-anchoring, as for a file
            self.texts.refresh_source(source_id)
            home = self.texts.by_hash[source_hash]
        if text_hash == source_hash:
            return home
        if text_hash not in self.fetched:
            return None
        text, meta = self.fetched[text_hash]
        version_id = cast(
            int,
            self.conn.execute(
                "INSERT INTO source_versions (source_id, content_hash, text, length, loaded, pages) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [home[0], text_hash, text, len(text), now(), json.dumps(list(meta.get("pages") or []))],
            ).lastrowid,
        )
        self.texts.refresh_source(home[0])
        return home[0], version_id

    # entities

    def apply(self, entity: str, key: str, payload: dict | None, author: str | None = None) -> None:
        """Apply one change in its own savepoint: a change this reader cannot apply (malformed, or breaking
        a constraint here) is skipped and counted, never left half-done or blocking the rest of the sync."""
        handler = {
            "annotation": self._apply_annotation,
            "tag": self._apply_tag,
            "link": self._apply_link,
            "silence": self._apply_silence,
            "source": self._apply_source,
            PAIR_DECISION: self._apply_pair_decision,
            CONFLICT_ENTITY: self._apply_sync_conflict,
        }.get(entity)
        logged, applied = len(self.events), self.applied
        self.author = author or self.store.author
        self.conn.execute("SAVEPOINT sync_change")
        try:
            if payload is not None and not isinstance(payload, dict):
                raise TypeError("not a JSON object")
            if handler is not None:
                handler(str(key), payload)
            else:
                self._apply_generic(str(entity), str(key), payload)
        except (sqlite3.Error, StoreError, KeyError, TypeError, ValueError, AttributeError):
            self.conn.execute("ROLLBACK TO sync_change")
            del self.events[logged:]
            self.applied = applied
            self._skip(f"{entity} change this reader cannot apply")
        finally:
            self.conn.execute("RELEASE sync_change")

    def _apply_annotation(self, key: str, payload: dict | None) -> None:
        store = self.store
        exists = self.conn.execute("SELECT 1 FROM annotations WHERE id = ?", [key]).fetchone()
        before = store._annotation_snapshot(key) if exists else None
        if payload is None:
            if exists:
                self.conn.execute("DELETE FROM annotations WHERE id = ?", [key])
                self._log("delete", "annotation", key, before, None)
                self.applied += 1
            return
        place = self._source_for(payload.get("text_hash", ""), payload.get("source_hash"))
        if place is None:
            self._skip("annotation on a text the hub does not have")
            return
        source_id, version_id = place
        current = self.texts.current_version.get(source_id)
        row = {k: v for k, v in payload.items() if k in self._annotation_columns}
        row.update(id=key, source_id=source_id, version_id=version_id)
        if version_id == current:
            row.update(
                anchor_status=AnchorStatus.ANCHORED.value,
                anchor_start=row.get("position_start"),
                anchor_end=row.get("position_end"),
                anchor_version_id=version_id,
                anchor_score=100.0,
            )
        else:
            row.update(
                anchor_status=AnchorStatus.ANCHORED.value,
                anchor_start=None,
                anchor_end=None,
                anchor_version_id=None,
                anchor_score=None,
            )
            self.reanchor.add(source_id)
        columns = list(row)
        self.conn.execute(
            f"INSERT INTO annotation_rows ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
            f"ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns if c != 'id')}",
            [row[c] for c in columns],
        )
        tag_ids = []
        for name in payload.get("tags") or []:
            tag_id = self._tag_ids.get(str(name).casefold())
            if tag_id is None:
                tag_id = self._create_tag({"name": str(name)})
            if tag_id is not None and tag_id not in tag_ids:
                tag_ids.append(tag_id)
        if exists:
            self.conn.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", [key])
        self.conn.executemany(
            "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
            [(key, tag_id) for tag_id in tag_ids],
        )
        after = (
            store._annotation_snapshot(key) if exists else {**row, "tags": list(payload.get("tags") or []), "links": []}
        )
        self._log("update" if exists else "create", "annotation", key, before, after)
        self.applied += 1

    def _create_tag(self, payload: dict) -> int | None:
        try:
            name = _clean_tag_name(str(payload.get("name") or ""))
        except StoreError:
            self._skip("tag with an unusable name")
            return None
        count, position = self.conn.execute("SELECT count(*), coalesce(max(position), -1) + 1 FROM tags").fetchone()
        try:
            colour = (
                _check_colour(str(payload["colour"]))
                if payload.get("colour")
                else TAG_PALETTE[count % len(TAG_PALETTE)]
            )
        except StoreError:
            colour = TAG_PALETTE[count % len(TAG_PALETTE)]
        row = {
            "name": name,
            "colour": colour,
            "description": str(payload.get("description") or ""),
            "position": position,
            "created": payload.get("created") or now(),
        }
        tag_id = self.conn.execute(
            "INSERT INTO tags (name, colour, description, position, created) "
            "VALUES (:name, :colour, :description, :position, :created)",
            row,
        ).lastrowid
        self._tag_ids[name.casefold()] = tag_id
        self._log("create", "tag", tag_id, None, {"id": tag_id, **row, "annotation_ids": []})
        return tag_id

    def _apply_tag(self, key: str, payload: dict | None) -> None:
        store = self.store
        tag_id = self._tag_ids.get(key)
        before: dict[str, Any] | None
        if payload is None:
            if tag_id is not None:
                before = store._tag_snapshot(tag_id)
                self.conn.execute("DELETE FROM tags WHERE id = ?", [tag_id])
                del self._tag_ids[key]
                self._log("delete", "tag", tag_id, before, None)
                self.applied += 1
            return
        if tag_id is None and payload.get("previous_name"):
            old = self._tag_ids.get(str(payload["previous_name"]).casefold())
            if old is not None:
                tag_id = old
                del self._tag_ids[str(payload["previous_name"]).casefold()]
        if tag_id is None:
            tag_id = self._create_tag(payload)
            if tag_id is None:
                return
            before = None
        else:
            before = store._tag_snapshot(tag_id)
            changes = {
                "name": payload.get("name") or before["name"],
                "description": str(payload.get("description") or ""),
            }
            if payload.get("colour"):
                changes["colour"] = _check_colour(str(payload["colour"]))
            self.conn.execute(
                f"UPDATE tags SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?", [*changes.values(), tag_id]
            )
            self._tag_ids[str(changes["name"]).casefold()] = tag_id
        for annotation_id in payload.get("annotation_ids") or []:
            self.conn.execute(
                "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) "
                "SELECT ?, ? WHERE EXISTS (SELECT 1 FROM annotations WHERE id = ?)",
                [annotation_id, tag_id, annotation_id],
            )
        self._log("update" if before else "create", "tag", tag_id, before, store._tag_snapshot(tag_id))
        self.applied += 1

    def _apply_link(self, key: str, payload: dict | None) -> None:
        self._apply_generic("link", key, payload, table="links")

    def _apply_silence(self, key: str, payload: dict | None) -> None:
        annotation_id, _, source_hash = key.rpartition(":")
        found = self.texts.by_hash.get(source_hash)
        if found is None and payload is not None:
            found = self._source_for(source_hash, source_hash)
        if found is None:
            self._skip("silent mark on a text the hub does not have")
            return
        local_key = f"{annotation_id}:{found[0]}"
        existing = self.conn.execute(
            "SELECT annotation_id, source_id, marked, author FROM silences WHERE annotation_id = ? AND source_id = ?",
            [annotation_id, found[0]],
        ).fetchone()
        before = dict(zip(("annotation_id", "source_id", "marked", "author"), existing)) if existing else None
        if payload is None:
            if before:
                self._replayer().remove("silence", local_key)
                self._log("delete", "silence", local_key, before, None)
                self.applied += 1
            return
        snapshot = {
            "annotation_id": annotation_id,
            "source_id": found[0],
            "marked": payload.get("marked") or now(),
            "author": payload.get("author") or "",
        }
        self._replayer().put("silence", snapshot)
        if not before:
            self._log("create", "silence", local_key, None, snapshot)
            self.applied += 1

    def _apply_source(self, key: str, payload: dict | None) -> None:
        """Metadata a member set on a source, found here by its text (brought from the hub if missing)."""
        if payload is None:
            return  # a source's metadata is never deleted, only changed
        found = self.texts.by_hash.get(key) or self._source_for(key, key)
        if found is None:
            self._skip("source metadata on a text the hub does not have")
            return
        before = _source_snapshot(self.store.db, found[0])
        snapshot = {**{k: v for k, v in payload.items() if k != "source_hash"}, "id": found[0]}
        if before is not None:
            snapshot["file_metadata"] = before.get("file_metadata")  # what this member's file states stays
        self._replayer().put("source", dict(snapshot))
        after = _source_snapshot(self.store.db, found[0])
        if after != before:
            self._log("update", "source", found[0], before, after)
            self.applied += 1

    def _apply_pair_decision(self, key: str, payload: dict | None) -> None:
        """A member's decision on a pair, on this database's copies of its texts (reader.store.decisions)."""
        found = decision_from_hub(self.store.db, key, payload, self.texts.by_hash.get, self._source_for)
        if isinstance(found, str):
            return self._skip(found)
        local_key, before, after = found
        if before != after:
            replay = self._replayer()
            replay.put(PAIR_DECISION, dict(after)) if after else replay.remove(PAIR_DECISION, local_key)
            action = "delete" if after is None else "update" if before else "create"
            self._log(action, PAIR_DECISION, local_key, before, after)
            self.applied += 1

    def _apply_sync_conflict(self, key: str, payload: dict | None) -> None:
        """A conflict settled (on any member's database): key is origin:origin_id, where it was found."""
        origin, _, origin_id = key.rpartition(":")
        found = self.conn.execute(
            "SELECT resolved, resolution FROM sync_conflicts WHERE origin = ? AND origin_id = ?",
            [origin, int(origin_id or 0)],
        ).fetchone()
        if found is None or payload is None:
            return
        self.conn.execute(
            "UPDATE sync_conflicts SET resolved = ?, resolution = ? WHERE origin = ? AND origin_id = ?",
            [payload.get("resolved") or now(), str(payload.get("resolution") or ""), origin, int(origin_id)],
        )
        self._log(
            "update",
            CONFLICT_ENTITY,
            key,
            {"resolved": found[0], "resolution": found[1]},
            {"resolved": payload.get("resolved"), "resolution": payload.get("resolution")},
        )
        self.applied += 1

    def _apply_generic(self, entity: str, key: str, payload: dict | None, table: str | None = None) -> None:
        """Any other entity the event log knows: its snapshot, with source and text hashes made local ids,
        put through the store's own undo machinery (`_put` / `_remove`)."""
        if table is not None:  # its own table says what it is now (no scan of the event log)
            cursor = self.conn.execute(f"SELECT * FROM {table} WHERE id = ?", [key])
            found = cursor.fetchone()
            before = dict(zip([c[0] for c in cursor.description], found)) if found else None
        else:  # the entity as its last logged change left it
            last = self.conn.execute(
                "SELECT action, after FROM events WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT 1",
                [entity, key],
            ).fetchone()
            before = json.loads(last[1]) if last and last[1] else None
        try:
            if payload is None:
                if before is None:
                    return
                self._replayer().remove(entity, key)
                self._log("delete", entity, key, before, None)
                self.applied += 1
                return
            snapshot = dict(payload)
            if "text_hash" in snapshot or "source_hash" in snapshot:
                place = self._source_for(
                    cast(str, snapshot.pop("text_hash", None) or snapshot.get("source_hash")),
                    snapshot.pop("source_hash", None),
                )
                if place is None:
                    self._skip(f"{entity} on a text the hub does not have")
                    return
                snapshot["source_id"], version_id = place
                if "text_hash" in payload:
                    snapshot["version_id"] = version_id
            self._replayer().put(entity, snapshot)
        except (KeyError, TypeError, ValueError):
            self._skip(f"{entity} (not known to this reader)")
            return
        if table is not None and not self.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", [key]).fetchone():
            self._skip(f"{entity} whose ends are missing")
            return
        self._log("update" if before else "create", entity, key, before, snapshot)
        self.applied += 1

    def finish(self) -> None:
        """Re-anchor annotations placed on older texts, and log every change as one undo group."""
        conn = self.conn
        for source_id in self.reanchor:
            row = conn.execute(
                "SELECT v.id, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
                "WHERE s.id = ?",
                [source_id],
            ).fetchone()
            if row:
                self.store._reanchor(self.store.db, source_id, row[0], row[1])
        if self.events:
            # Each change is logged as its author's (so one member's undo never takes back another's work),
            # in one undo group; pulled changes get a session of their own, apart from any reader's.
            group, stamp = self.store._change_group or uuid.uuid4().hex, now()
            session = "sync" if self.actor == SYNC_ACTOR else self.store.session
            conn.executemany(
                "INSERT INTO events (group_id, at, actor, action, entity, entity_id, before, after, ref_group, "
                "author, session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)",
                [
                    (
                        group,
                        stamp,
                        self.actor,
                        action,
                        entity,
                        entity_id,
                        _snapshot_json(before),
                        _snapshot_json(after),
                        author,
                        session,
                    )
                    for action, entity, entity_id, before, after, author in self.events
                ],
            )
        self.events = []
        self._replay = None


def _hub_document(source_hash: str, text: str, meta: dict[str, Any]) -> Document:
    """A text from the hub as a source of this database, at a path that names its hash."""
    return Document(
        path=Path(f"{HUB_PATH_PREFIX}{source_hash}"),
        text=text,
        title=str(meta.get("title") or source_hash[:12]),
        encoding="utf-8",
        format=str(meta.get("format") or "text"),
        size=len(text.encode("utf-8", "surrogatepass")),
        mtime_ns=0,
        outlet=str(meta.get("outlet") or ""),
        author=str(meta.get("author") or ""),
        published=str(meta.get("published") or ""),
        url=str(meta.get("url") or ""),
        pages=list(meta.get("pages") or []),
    )


def _snapshot_json(snapshot: Any) -> str | None:
    return None if snapshot is None else json.dumps(snapshot, ensure_ascii=False)
