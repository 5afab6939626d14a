"""Sync a local database with a team hub: push the changes the hub has not seen, pull everyone else's.

The unit that travels is an entity's snapshot from the event log (annotation, tag, link, silent mark, or
any entity a later reader logs), keyed so that it means the same on every machine: annotations and links
by their uuid, tags by name, sources by the content hash of their text (which travels with them).

- Local changes are stamped with a hybrid logical clock (HLC) into `sync_outbox` (one row an entity: the
  latest change), inside the same transaction that applies a batch of pulled changes, so a local write can
  never slip between the two.
- Pulled changes are applied through the store (sources through save_document: search index and
  re-anchoring; every change logged as an event, so undo takes a sync back) in batches, each one
  transaction that also moves the high-water mark: an interrupted pull resumes where it stopped.
- A pulled change to an entity with an unpushed local change is a conflict: the later HLC wins, the other
  is kept in `sync_conflicts` (and on the hub, so both authors see it) until the user resolves it.
- Pushes hold the hub's advisory lock, after a last pull under it, so the hub's sequence is a linear
  history; the hub ignores a change it already has (origin, outbox id), so a push repeated after a
  kill -9 adds nothing.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from reader.corpus import Document
from reader.store import Store, StoreError, content_hash, now

SYNC_ACTOR = "sync"
CONFLICT_ENTITY = "sync_conflict"
PULL_BATCH = 5000
# Applied in this order within a batch, so what a snapshot refers to is there first.
ENTITY_ORDER = {"tag": 0, "annotation": 1, "link": 2, "silence": 3, "sync_conflict": 9}
# Where a hub-made source lives locally: its path names the text it holds.
HUB_PATH_PREFIX = "hub:"
# Annotation columns that describe where it sits on this machine's text: recomputed on arrival.
_LOCAL_ANNOTATION_FIELDS = (
    "source_id",
    "version_id",
    "anchor_status",
    "anchor_version_id",
    "anchor_start",
    "anchor_end",
    "anchor_score",
    "links",
)


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    applied: int = 0
    conflicts: int = 0
    texts_fetched: int = 0
    texts_sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


# --- the hybrid logical clock ----------------------------------------------------------------------


def _hlc_parts(hlc: str) -> tuple[int, int]:
    physical, counter, _origin = hlc.split(".", 2)
    return int(physical), int(counter)


def hlc_format(physical: int, counter: int, origin: str) -> str:
    """Fixed widths, so HLCs compare as text: milliseconds, then a counter, then the origin breaks ties."""
    return f"{physical:013d}.{counter:08d}.{origin}"


class Clock:
    """A hybrid logical clock: never behind any HLC seen, and ahead of every earlier local change."""

    def __init__(self, state: str, origin: str) -> None:
        self.origin = origin
        self.physical, self.counter = _hlc_parts(state) if state else (0, 0)

    def tick(self, wall_ms: int) -> str:
        if wall_ms > self.physical:
            self.physical, self.counter = wall_ms, 0
        else:
            self.counter += 1
        return hlc_format(self.physical, self.counter, self.origin)

    def see(self, hlc: str) -> None:
        physical, counter = _hlc_parts(hlc)
        if (physical, counter) > (self.physical, self.counter):
            self.physical, self.counter = physical, counter

    @property
    def state(self) -> str:
        return hlc_format(self.physical, self.counter, self.origin)


_ms_cache: dict[str, int] = {}


def _wall_ms(stamp: str) -> int:
    if stamp not in _ms_cache:
        if len(_ms_cache) > 10000:
            _ms_cache.clear()
        _ms_cache[stamp] = int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)
    return _ms_cache[stamp]


# --- local sync state ------------------------------------------------------------------------------


def _state(store: Store, key: str, default: str = "") -> str:
    row = store.db.conn.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def _set_state(store: Store, key: str, value: str) -> None:
    store.db.conn.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def origin_of(store: Store) -> str:
    """This database's id on hubs, made on its first sync (inside the caller's write transaction)."""
    origin = _state(store, "origin")
    if not origin:
        origin = uuid.uuid4().hex[:16]
        _set_state(store, "origin", origin)
    return origin


# --- local snapshots to hub payloads -----------------------------------------------------------------


class LocalTexts:
    """Content hashes of this database's source texts, and the reverse: what a hash is here."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version_hash: dict[int, str] = {}
        self.current_hash: dict[int, str] = {}
        self.by_hash: dict[str, tuple[int, int]] = {}  # hash -> (source_id, version_id), lowest source
        self.current_version: dict[int, int] = {}
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


def _encode(
    entity: str, entity_id: str, snapshot: dict | None, other: dict | None, texts: LocalTexts
) -> tuple[str, dict | None, list[str]] | None:
    """(hub key, hub payload or None for a deletion, source text hashes it needs); None: cannot travel."""
    known = snapshot or other or {}
    if entity == "tag":
        if not known.get("name"):
            return None
        key = known["name"].casefold()
        if snapshot is None:
            return key, None, []
        payload = {k: snapshot.get(k) for k in ("name", "colour", "description", "created")}
        payload["annotation_ids"] = snapshot.get("annotation_ids", [])
        if other and other.get("name") and other["name"].casefold() != key:
            payload["previous_name"] = other["name"]
        return key, payload, []
    if entity == "source":  # metadata the user set on a source (title, outlet, ...): the source is its text
        try:
            source_hash = texts.current_hash.get(int(known.get("id", entity_id)))
        except (TypeError, ValueError):
            return None
        if source_hash is None:
            return None
        if snapshot is None:
            return source_hash, None, []
        payload = {k: v for k, v in snapshot.items() if k != "id"}
        payload["source_hash"] = source_hash
        return source_hash, payload, [source_hash]
    if entity == "silence":
        source_hash = texts.current_hash.get(known.get("source_id"))
        if source_hash is None:
            return None
        key = f"{known['annotation_id']}:{source_hash}"
        if snapshot is None:
            return key, None, []
        payload = {k: v for k, v in snapshot.items() if k != "source_id"}
        payload["source_hash"] = source_hash
        return key, payload, [source_hash]
    if snapshot is None:
        return str(entity_id), None, []
    payload = dict(snapshot)
    needed: list[str] = []
    if "version_id" in payload:
        text_hash = texts.version_hash.get(payload["version_id"])
        if text_hash is None:
            return None
        payload["text_hash"] = text_hash
        needed.append(text_hash)
    if "source_id" in payload:
        source_hash = texts.current_hash.get(payload["source_id"])
        if source_hash is None:
            return None
        payload["source_hash"] = source_hash
        needed.append(source_hash)
    drop = _LOCAL_ANNOTATION_FIELDS if entity == "annotation" else ("source_id", "version_id")
    for name in drop:
        payload.pop(name, None)
    return str(entity_id), payload, list(dict.fromkeys(needed))


def _encode_json(payload: dict | None) -> str | None:
    # ASCII: PostgreSQL text takes no NUL and no lone surrogate; JSON escapes both.
    return None if payload is None else json.dumps(payload, ensure_ascii=True, sort_keys=True)


def stamp_pending(store: Store, origin: str, clock: Clock) -> int:
    """Turn local events after the stamped mark into outbox rows (inside the caller's write transaction).

    Undo and redo become the snapshots they restore; changes applied by sync itself are not sent back.
    Returns how many outbox rows were written.
    """
    conn = store.db.conn
    mark = int(_state(store, "stamped", "0"))
    cursor = conn.execute("SELECT * FROM events WHERE id > ? ORDER BY id", [mark])
    names = [column[0] for column in cursor.description]
    rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    if not rows:
        return 0
    texts = LocalTexts(store)
    latest: dict[tuple[str, str], tuple[str, str, str | None, list[str]]] = {}
    last_id = mark
    for event in rows:
        last_id, at, actor, action = event["id"], event["at"], event["actor"], event["action"]
        entity, entity_id, before, after, ref_group = (
            event["entity"],
            event["entity_id"],
            event["before"],
            event["after"],
            event["ref_group"],
        )
        # Who made the change: the event's author where the log records one, else this database's user
        # (not the annotation's author: editing someone's note is the editor's change).
        author = str(event.get("author") or store.author)
        if actor == SYNC_ACTOR:
            continue
        if action in ("undo", "redo"):
            replayed = conn.execute(
                "SELECT entity, entity_id, before, after FROM events WHERE group_id = ? ORDER BY id", [ref_group]
            ).fetchall()
            # (entity, id, the snapshot it now has, the one it had): undo restores `before`, redo `after`.
            if action == "undo":
                changes = [(e, i, before_, after_) for e, i, before_, after_ in reversed(replayed)]
            else:
                changes = [(e, i, after_, before_) for e, i, before_, after_ in replayed]
        else:
            changes = [(entity, entity_id, after, before)]
        hlc = clock.tick(_wall_ms(at))
        for change_entity, change_id, target, other in changes:
            target_snapshot = json.loads(target) if target else None
            other_snapshot = json.loads(other) if other else None
            encoded = _encode(change_entity, change_id, target_snapshot, other_snapshot, texts)
            if encoded is None:
                continue
            key, payload, needed = encoded
            latest[(change_entity, key)] = (hlc, author, _encode_json(payload), needed)
    conn.executemany(
        "INSERT OR REPLACE INTO sync_outbox (entity, key, hlc, author, payload, texts) VALUES (?, ?, ?, ?, ?, ?)",
        (
            (entity, key, hlc, author, payload, json.dumps(needed))
            for (entity, key), (hlc, author, payload, needed) in latest.items()
        ),
    )
    _set_state(store, "stamped", str(last_id))
    _set_state(store, "hlc", clock.state)
    return len(latest)


# --- applying hub payloads through the store ---------------------------------------------------------

TextFetcher = Callable[[Iterable[str]], dict[str, tuple[str, dict[str, Any]]]]


class Applier:
    """Makes local entities match hub payloads, inside the caller's write transaction, logging each change
    (actor `sync`, or the user's for a resolved conflict) so undo works on it like on any other write."""

    def __init__(self, store: Store, fetched: dict[str, tuple[str, dict[str, Any]]], actor: str = SYNC_ACTOR) -> None:
        self.store = store
        self.conn = store.db.conn
        self.fetched = fetched
        self.actor = actor
        self.texts = LocalTexts(store)
        self.events: list[tuple[str, str, str, Any, Any]] = []
        self.reanchor: set[int] = set()
        self.skipped: dict[str, int] = {}
        self.applied = 0
        self.author = store.author  # who the change being applied is by (the hub says, per change)
        self._replay = None
        self._annotation_columns = [row[1] for row in self.conn.execute("PRAGMA table_info(annotations)")]
        self._tag_ids = {name.casefold(): tag_id for tag_id, name in self.conn.execute("SELECT id, name FROM tags")}

    def _replayer(self):
        """Undo's own machinery for putting a snapshot back (any entity it knows, claims included)."""
        from reader.store.events import _Replayer

        if self._replay is None:
            self._replay = _Replayer(self.store)
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
            text, meta = self.fetched[source_hash]
            document = Document(
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
            source_id, _ = self.store.save_document(document)  # search index and re-anchoring, as for a file
            self.texts.refresh_source(source_id)
            home = self.texts.by_hash[source_hash]
        if text_hash == source_hash:
            return home
        if text_hash not in self.fetched:
            return None
        text, meta = self.fetched[text_hash]
        version_id = self.conn.execute(
            "INSERT INTO source_versions (source_id, content_hash, text, length, loaded, pages) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [home[0], text_hash, text, len(text), now(), json.dumps(list(meta.get("pages") or []))],
        ).lastrowid
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
                anchor_status="anchored",
                anchor_start=row.get("position_start"),
                anchor_end=row.get("position_end"),
                anchor_version_id=version_id,
                anchor_score=100.0,
            )
        else:
            row.update(
                anchor_status="anchored", anchor_start=None, anchor_end=None, anchor_version_id=None, anchor_score=None
            )
            self.reanchor.add(source_id)
        columns = list(row)
        self.conn.execute(
            f"INSERT INTO annotations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
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
        from reader.store import TAG_PALETTE, _check_colour, _clean_tag_name

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
                from reader.store import _check_colour

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
        from reader.store.claims import _source_snapshot

        before = _source_snapshot(self.store.db, found[0])
        snapshot = {**{k: v for k, v in payload.items() if k != "source_hash"}, "id": found[0]}
        if before is not None:
            snapshot["file_metadata"] = before.get("file_metadata")  # what this member's file states stays
        self._replayer().put("source", dict(snapshot))
        after = _source_snapshot(self.store.db, found[0])
        if after != before:
            self._log("update", "source", found[0], before, after)
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
                    snapshot.pop("text_hash", None) or snapshot.get("source_hash"), snapshot.pop("source_hash", None)
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
                Store._reanchor(self.store.db, source_id, row[0], row[1])
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


def _snapshot_json(snapshot: Any) -> str | None:
    return None if snapshot is None else json.dumps(snapshot, ensure_ascii=False)


# --- the sync itself ---------------------------------------------------------------------------------


def _decode(payload: str | None) -> dict | None:
    return None if payload is None else json.loads(payload)


def _decode_remote(payload: str | None) -> Any:
    """A hub payload; malformed JSON becomes a value the applier skips (a str, not an object)."""
    try:
        return _decode(payload)
    except ValueError:
        return "malformed JSON"


def _hashes_in(entity: str, key: str, payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return []
    found = [payload[k] for k in ("text_hash", "source_hash") if isinstance(payload.get(k), str)]
    if entity == "silence":
        found.append(key.rpartition(":")[2])
    return found


def _local_hashes(store: Store, hashes: set[str]) -> set[str]:
    have: set[str] = set()
    wanted = list(hashes)
    for offset in range(0, len(wanted), 500):
        chunk = wanted[offset : offset + 500]
        have.update(
            row[0]
            for row in store.db.conn.execute(
                "SELECT DISTINCT content_hash FROM source_versions "
                f"WHERE content_hash IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return have


def _record_conflict(
    store: Store,
    origin: str,
    hub_id: str,
    entity: str,
    key: str,
    winner: tuple[str, str, str | None],
    loser: tuple[str, str, str | None],
) -> None:
    conn = store.db.conn
    row_id = conn.execute(
        "INSERT INTO sync_conflicts (origin, origin_id, hub, entity, key, winner_hlc, winner_author, winner_payload, "
        "loser_hlc, loser_author, loser_payload, detected) VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [origin + "/new", hub_id, entity, key, *winner, *loser, now()],
    ).lastrowid
    conn.execute("UPDATE sync_conflicts SET origin = ?, origin_id = id WHERE id = ?", [origin, row_id])


def _pull_batch(store: Store, hub, origin: str, clock: Clock, result: SyncResult) -> bool:
    """Pull and apply one batch (stamping local changes first, in the same transaction); False when
    there was nothing left to pull."""
    mark_key = f"pulled:{hub.hub_id}"
    mark = int(_state(store, mark_key, "0"))
    rows = hub.changes_after(mark, origin, PULL_BATCH)
    decoded = [
        (seq, entity, key, hlc, author, payload, _decode_remote(payload))
        for seq, _origin, entity, key, hlc, author, payload in rows
    ]
    wanted = {h for _s, entity, key, _h, _a, _p, data in decoded for h in _hashes_in(entity, key, data)}
    missing = wanted - _local_hashes(store, wanted)
    fetched = hub.texts(missing) if missing else {}
    result.texts_fetched += len(fetched)
    with store.write():
        stamp_pending(store, origin, clock)
        conn = store.db.conn
        final: dict[tuple[str, str], tuple] = {}
        for change in decoded:
            final[(change[1], change[2])] = change  # the last change to an entity in the batch is its state
        pending: dict[tuple[str, str], tuple] = {}
        keys = list({key for _entity, key in final})
        for offset in range(0, len(keys), 500):
            chunk = keys[offset : offset + 500]
            for row in conn.execute(
                f"SELECT id, entity, key, hlc, author, payload FROM sync_outbox "
                f"WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                if (row[1], row[2]) in final:
                    pending[(row[1], row[2])] = row
        applier = Applier(store, fetched)
        ordered = sorted(final.values(), key=lambda c: (ENTITY_ORDER.get(c[1], len(ENTITY_ORDER)), c[0]))
        for _seq, entity, key, hlc, author, payload, data in ordered:
            clock.see(hlc)
            local = pending.get((entity, key))
            if local is not None:
                local_id, _e, _k, local_hlc, local_author, local_payload = local
                theirs_win = hlc > local_hlc
                if _decode(local_payload) != data:  # the later clock wins; the other is kept as a conflict
                    theirs, ours = (hlc, author, payload), (local_hlc, local_author, local_payload)
                    winner, loser = (theirs, ours) if theirs_win else (ours, theirs)
                    _record_conflict(store, origin, hub.hub_id, entity, key, winner, loser)
                    result.conflicts += 1
                if not theirs_win:
                    continue  # ours is later: it stays in the outbox and is pushed
                conn.execute("DELETE FROM sync_outbox WHERE id = ?", [local_id])
            applier.apply(entity, key, data, author)
        applier.finish()
        for why, count in applier.skipped.items():
            result.skipped[why] = result.skipped.get(why, 0) + count
        result.pulled += len(rows)
        result.applied += applier.applied
        if rows:
            _set_state(store, mark_key, str(rows[-1][0]))
        _set_state(store, "hlc", clock.state)
    return len(rows) == PULL_BATCH


def _pull_conflicts(store: Store, hub, origin: str) -> None:
    mark_key = f"conflicts:{hub.hub_id}"
    rows = hub.conflicts_after(int(_state(store, mark_key, "0")), origin)
    if not rows:
        return
    with store.write() as db:
        db.conn.executemany(
            "INSERT OR IGNORE INTO sync_conflicts (origin, origin_id, hub, entity, key, winner_hlc, winner_author, "
            "winner_payload, loser_hlc, loser_author, loser_payload, detected, pushed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [(row[1], row[2], hub.hub_id, *row[3:]) for row in rows],
        )
        _set_state(store, mark_key, str(rows[-1][0]))


def _push(store: Store, hub, origin: str, result: SyncResult) -> None:
    conn = store.db.conn
    rows = conn.execute("SELECT id, entity, key, hlc, author, payload, texts FROM sync_outbox ORDER BY id").fetchall()
    conflicts = conn.execute(
        "SELECT id, entity, key, winner_hlc, winner_author, winner_payload, loser_hlc, loser_author, loser_payload, "
        "detected FROM sync_conflicts WHERE pushed = 0 ORDER BY id"
    ).fetchall()
    if not rows and not conflicts:
        return
    rows.sort(key=lambda r: (ENTITY_ORDER.get(r[1], len(ENTITY_ORDER)), r[0]))
    needed = {h for row in rows for h in json.loads(row[6])}
    to_send = hub.missing_texts(needed)
    texts = []
    if to_send:
        wanted = list(to_send)
        for offset in range(0, len(wanted), 500):
            chunk = wanted[offset : offset + 500]
            for digest, text, pages, title, outlet, author, published, url, fmt in conn.execute(
                "SELECT v.content_hash, v.text, v.pages, s.title, s.outlet, s.author, s.published, s.url, s.format "
                f"FROM source_versions v JOIN sources s ON s.id = v.source_id WHERE v.content_hash IN "
                f"({','.join('?' * len(chunk))}) GROUP BY v.content_hash",
                chunk,
            ):
                meta = {
                    "title": title,
                    "outlet": outlet,
                    "author": author,
                    "published": published,
                    "url": url,
                    "format": fmt,
                    "pages": json.loads(pages or "[]"),
                }
                texts.append((digest, text, meta))
    hub.push(
        origin, [(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows], texts, [row for row in conflicts]
    )
    result.pushed += len(rows)
    result.texts_sent += len(texts)
    with store.write():
        if rows:
            conn.execute("DELETE FROM sync_outbox WHERE id <= ?", [max(row[0] for row in rows)])
            _set_state(store, "pushed", str(max(row[0] for row in rows)))
        if conflicts:
            conn.execute(
                "UPDATE sync_conflicts SET pushed = 1 WHERE pushed = 0 AND id <= ?", [max(row[0] for row in conflicts)]
            )


def _fork_if_copied(store: Store, hub, origin: str) -> str:
    """A database copied from another, or restored from a backup, shares its origin with changes the hub
    got from elsewhere. Seen as pushes under our origin that our outbox does not hold: this database
    then takes a new origin and pulls the hub from the start (the other copy's changes become others')."""
    pushed_mark = int(_state(store, "pushed", "0"))
    on_hub = hub.pushed_by(origin, pushed_mark)
    if not on_hub:
        return origin
    outbox = dict(store.db.conn.execute("SELECT id, hlc FROM sync_outbox WHERE id > ?", [pushed_mark]).fetchall())
    if all(outbox.get(origin_id) == hlc for origin_id, hlc in on_hub.items()):
        return origin  # our own push, interrupted before we could note it: it is repeated, not duplicated
    with store.write():
        origin = uuid.uuid4().hex[:16]
        _set_state(store, "origin", origin)
        store.db.conn.execute("DELETE FROM sync_state WHERE key LIKE 'pulled:%' OR key LIKE 'conflicts:%'")
    return origin


def sync(store: Store, hub, progress: Callable[[SyncResult], None] | None = None) -> SyncResult:
    """Push this database's unsent changes to the hub and apply everyone else's; safe to interrupt."""
    result = SyncResult()
    with store.write():
        origin = origin_of(store)
    origin = _fork_if_copied(store, hub, origin)
    clock = Clock(_state(store, "hlc"), origin)
    hub.register(origin, store.author)
    _pull_conflicts(store, hub, origin)  # before the changes, which may settle some of them
    while _pull_batch(store, hub, origin, clock, result):  # the bulk of a pull, without holding the hub
        if progress:
            progress(result)
    hub.lock()
    try:
        while _pull_batch(store, hub, origin, clock, result):  # what came since, then push on top of it
            pass
        _pull_conflicts(store, hub, origin)
        _push(store, hub, origin, result)
    finally:
        try:
            hub.unlock()
        except Exception:
            pass
    return result


def status(store: Store) -> dict[str, Any]:
    """What `reader sync --status` shows: this database's origin, what waits to be pushed, open conflicts."""
    state = {row["key"]: row["value"] for row in store.query("SELECT key, value FROM sync_state")}
    unstamped = store.query(
        "SELECT count(*) AS n FROM events WHERE id > ? AND actor != ? AND action NOT IN ('undo', 'redo')",
        [int(state.get("stamped", "0")), SYNC_ACTOR],
    )[0]["n"]
    undos = store.query(
        "SELECT count(*) AS n FROM events WHERE id > ? AND action IN ('undo', 'redo')", [int(state.get("stamped", "0"))]
    )[0]["n"]
    return {
        "origin": state.get("origin", ""),
        "author": store.author,
        "unpushed": store.query("SELECT count(*) AS n FROM sync_outbox")[0]["n"] + unstamped + undos,
        "open_conflicts": store.query("SELECT count(*) AS n FROM sync_conflicts WHERE resolved IS NULL")[0]["n"],
        "hubs": {key.split(":", 1)[1]: int(value) for key, value in state.items() if key.startswith("pulled:")},
    }


# --- conflicts -----------------------------------------------------------------------------------------


def conflicts(store: Store, include_resolved: bool = False) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT * FROM sync_conflicts" + ("" if include_resolved else " WHERE resolved IS NULL") + " ORDER BY id"
    )
    for row in rows:
        row["winner"] = _decode(row.pop("winner_payload"))
        row["loser"] = _decode(row.pop("loser_payload"))
    return rows


def resolve(store: Store, conflict_id: int, keep: str) -> str:
    """Settle a conflict: keep the winner (nothing changes), or bring back the losing version as a new
    change of yours (undoable, and pushed on the next sync)."""
    rows = store.query("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id])
    if not rows:
        raise StoreError(f"no sync conflict #{conflict_id} (see `reader sync --conflicts`)")
    row = rows[0]
    if row["resolved"]:
        raise StoreError(f"conflict #{conflict_id} was already resolved ({row['resolution']})")
    with store.write():
        applier = Applier(store, {}, actor=store.actor)
        if keep == "lost":
            applier.apply(row["entity"], row["key"], _decode(row["loser_payload"]))
            if applier.skipped:
                raise StoreError(f"cannot bring back the losing version: {next(iter(applier.skipped))}")
        # The settlement is a change like any other: logged, so it travels and closes the conflict for everyone.
        settled = {"resolved": now(), "resolution": keep}
        applier.apply(CONFLICT_ENTITY, f"{row['origin']}:{row['origin_id']}", settled)
        applier.finish()
    return keep


def annotations_digest(store: Store) -> str:
    """A content hash of every annotation as a team sees it (ids, quotes, notes, tags, authors, texts):
    equal on two databases that hold the same annotations."""
    rows = store.db.conn.execute(
        "SELECT a.id, v.content_hash, a.position_start, a.position_end, a.quote, a.note, a.author, a.created, "
        "(SELECT group_concat(name, ';') FROM (SELECT t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
        " WHERE x.annotation_id = a.id ORDER BY t.name)) FROM annotations a "
        "JOIN source_versions v ON v.id = a.version_id ORDER BY a.id"
    )
    return content_hash(json.dumps([list(row) for row in rows], ensure_ascii=False))
