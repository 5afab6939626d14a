"""The event log, and undo and redo over it, each reader taking back only its own changes.

Every change is logged as events with snapshots of what it touched before and after (this module owns
that format: `_annotation_snapshot`, `_tag_snapshot` and `pair_decision_snapshot` write it, `_Replayer`
puts it back). A change is one group of events (one write transaction). Undo reverses the newest change
in its scope (the author's, or one session's: a TUI run) that is not undone yet; redo re-applies the most
recently undone one until the scope makes a new change. Another reader's work is never undone: a change
whose annotations, tags, links or pair decisions someone outside the scope has touched since, or whose
reversal would take their links, silent marks or tag uses with it, is refused in one line and nothing
changes.

Replay is one pass over the group's events with prepared statements and a tag-name cache, so undoing
or redoing an import of 300,000 annotations takes time linear in the events, like the import did.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

from reader.model import ReaderError, Tag
from reader.store.claims import REPLAYED_ENTITIES  # claims, evidence and source metadata
from reader.store.connection import StoreConnection, StoreError, now

CHANGES = ("create", "update", "delete")
# Events an import has written but not published yet (reader.store.bulk: each batch reserves a range of
# event ids) are no change anyone can undo, redo or sync: hidden until the batch is published.
NOT_PENDING = (
    "NOT EXISTS (SELECT 1 FROM import_batches b WHERE b.published != 1 "
    "AND events.id BETWEEN b.first_event AND b.last_event)"
)
_CHANGE_FILTER = f"action IN ('create', 'update', 'delete') AND {NOT_PENDING}"
SCOPES = ("author", "session")
PAIR_DECISION = "pair_decision"  # the entity of a user's decision on a suggested pair (reader.store.decisions)
# A pair decision's row as its snapshot holds it: everything but the local row id (the pair is its identity).
PAIR_DECISION_FIELDS = (
    "decision",
    "source_a",
    "start_a",
    "end_a",
    "quote_a",
    "source_b",
    "start_b",
    "end_b",
    "quote_b",
    "features",
    "author",
    "decided",
)
REPLAY_CACHE_KIB = 256 * 1024


class UndoRefused(ReaderError):
    """Undoing or redoing this change would overwrite or destroy another reader's work."""


class EventLog(StoreConnection):
    """The append-only event log every change is written to (with snapshots before and after), and undo
    and redo, which replay those snapshots."""

    def _log(self, action: str, entity: str, entity_id: Any, before: Any, after: Any, group: str | None = None) -> None:
        self.db.table("events").insert(
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

    def log_staged_events(self, table: str, first_id: int | None = None, rowids: tuple[int, int] | None = None) -> None:
        """Append events already staged in `table` (group_id, at, actor, action, entity, entity_id, before,
        after), in their order, inside the caller's write: an import publishes its log in one statement.

        rowids limits it to those staged rows (a chunk); first_id numbers them from the ids an import
        reserved (staged row n gets first_id + n - 1), so its events are one contiguous undo step."""
        ids = ("id, ", f"{int(first_id)} - 1 + rowid, ") if first_id is not None else ("", "")
        where = f" WHERE rowid BETWEEN {int(rowids[0])} AND {int(rowids[1])}" if rowids else ""
        with self.write() as db:
            db.conn.execute(
                f"INSERT INTO events ({ids[0]}group_id, at, actor, action, entity, entity_id, before, after, "
                f"ref_group, author, session) SELECT {ids[1]}group_id, at, actor, action, entity, entity_id, before, "
                f"after, NULL, ?, ? FROM {table}{where} ORDER BY rowid",
                (self.author, self.session),
            )

    def snapshot_replayer(self) -> SnapshotReplayer:
        """Undo's own machinery for putting logged snapshots back and removing entities, with table
        layouts and tag names looked up once: sync applies a hub's changes with it."""
        return SnapshotReplayer(self)

    def undo(self, scope: str | None = None) -> str | None:
        """Reverse the newest change of this author (scope "author") or of this connection ("session")
        not yet undone; returns what it undid, or None if there is nothing. Refuses (StoreError) rather
        than overwrite or take away another reader's later work."""
        return self._replay(undo=True, scope=scope)

    def redo(self, scope: str | None = None) -> str | None:
        """Re-apply the scope's most recently undone change; None if there is none (or it changed since)."""
        return self._replay(undo=False, scope=scope)

    def _replay(self, undo: bool, scope: str | None) -> str | None:
        scope = scope or self.undo_scope
        value = scope_value(self, scope)
        with self.write() as db:
            conn = db.conn
            group = undo_target(conn, scope, value) if undo else redo_target(conn, scope, value)
            if group is None:
                return None
            description = describe_group(conn, group)
            try:
                check_ownership(conn, group, undo, scope, value, description, self.author)
            except UndoRefused as refusal:
                raise StoreError(str(refusal)) from None
            replay(self, group, undo)
            record(self, group, undo)
            return f"{'undid' if undo else 'redid'} {description}"

    def _create_tag(
        self, name: str, colour: str = "", description: str = "", group: str | None = None, log: bool = True
    ) -> Tag:
        """Create a tag (TagStore's): a replay recreates the tags its annotations name."""
        raise NotImplementedError

    def _annotation_snapshot(self, annotation_id: str) -> dict[str, Any]:
        """An annotation's row with its tag names and its links: what an event's before or after holds."""
        rows = list(self.db.query("SELECT * FROM annotations WHERE id = ?", [annotation_id]))
        if not rows:
            raise StoreError(f"no annotation with id {annotation_id!r}")
        tags = [
            r["name"]
            for r in self.db.query(
                "SELECT t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id WHERE x.annotation_id = ? "
                "ORDER BY t.position, t.name",
                [annotation_id],
            )
        ]
        links = list(
            self.db.query(
                "SELECT * FROM links WHERE from_annotation = ? OR to_annotation = ? ORDER BY id",
                [annotation_id, annotation_id],
            )
        )
        return annotation_snapshot(rows[0], tags, links)

    def _tag_snapshot(self, tag_id: int) -> dict[str, Any]:
        """A tag's row with the ids of the annotations using it: what an event's before or after holds."""
        row = list(self.db.query("SELECT * FROM tags WHERE id = ?", [tag_id]))[0]
        annotation_ids = [
            r["annotation_id"]
            for r in self.db.query(
                "SELECT x.annotation_id FROM annotation_tags x JOIN annotations a ON a.id = x.annotation_id "
                "WHERE x.tag_id = ? ORDER BY x.annotation_id",
                [tag_id],
            )
        ]
        return tag_snapshot(row, annotation_ids)


def annotation_snapshot(row: dict[str, Any], tags: list[str], links: list[dict[str, Any]]) -> dict[str, Any]:
    """The snapshot format of an annotation in the event log: its row, its tag names, its links' rows."""
    return {**row, "tags": tags, "links": links}


def tag_snapshot(row: dict[str, Any], annotation_ids: list[str]) -> dict[str, Any]:
    """The snapshot format of a tag in the event log: its row and the ids of the annotations using it."""
    return {**row, "annotation_ids": annotation_ids}


def pair_decision_snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """The snapshot format of a pair decision in the event log: its row without the local row id, the
    features as a list."""
    snapshot = {name: row[name] for name in PAIR_DECISION_FIELDS}
    if isinstance(snapshot["features"], str):
        snapshot["features"] = json.loads(snapshot["features"] or "[]")
    return snapshot


def pair_decision_key(snapshot: dict[str, Any]) -> str:
    """A pair decision's entity id in this database's log: its two passages, as source:start:end each (the
    lower source first, as the table keeps them). Sync names the sources by their texts instead."""
    return ":".join(
        str(int(snapshot[name])) for name in ("source_a", "start_a", "end_a", "source_b", "start_b", "end_b")
    )


def scope_value(store: EventLog, scope: str) -> str:
    """What the events column named scope must hold for a change to be this store's to undo."""
    if scope not in SCOPES:
        raise ValueError(f"unknown undo scope {scope!r}")
    return store.author if scope == "author" else store.session


def is_undone(conn: sqlite3.Connection, group: str) -> bool:
    """Whether a change is undone now: the last undo or redo of it (by anyone) was an undo."""
    row = conn.execute("SELECT action FROM events WHERE ref_group = ? ORDER BY id DESC LIMIT 1", [group]).fetchone()
    return row is not None and row[0] == "undo"


def undo_target(conn: sqlite3.Connection, scope: str, value: str) -> str | None:
    """The newest change in the scope that is not undone, jumping a whole group at a time."""
    bound = None
    while True:
        row = conn.execute(
            f"SELECT group_id FROM events WHERE {scope} = ? AND {_CHANGE_FILTER}"
            + (" AND id < ?" if bound is not None else "")
            + " ORDER BY id DESC LIMIT 1",
            [value] if bound is None else [value, bound],
        ).fetchone()
        if row is None:
            return None
        if not is_undone(conn, row[0]):
            return row[0]
        bound = conn.execute("SELECT min(id) FROM events WHERE group_id = ?", [row[0]]).fetchone()[0]


def redo_target(conn: sqlite3.Connection, scope: str, value: str) -> str | None:
    """The change the scope undid most recently and has not redone, if it made no new change since."""
    row = conn.execute(
        f"SELECT id FROM events WHERE {scope} = ? AND {_CHANGE_FILTER} ORDER BY id DESC LIMIT 1", [value]
    ).fetchone()
    last_change = row[0] if row else 0
    undone: list[str] = []
    for action, group in conn.execute(
        f"SELECT action, ref_group FROM events WHERE {scope} = ? AND action IN ('undo', 'redo') AND id > ? ORDER BY id",
        [value, last_change],
    ):
        if group in undone:
            undone.remove(group)
        if action == "undo":
            undone.append(group)
    while undone:
        if is_undone(conn, undone[-1]):
            return undone[-1]
        undone.pop()  # someone else redid it meanwhile
    return None


def check_ownership(
    conn: sqlite3.Connection, group: str, undo: bool, scope: str, value: str, description: str, me: str = ""
) -> None:
    """Refuse (UndoRefused) when replaying group would overwrite or take away work from outside the
    scope; me is the author asking, named as 'you' when the work in the way is their own elsewhere."""
    verb = "undo" if undo else "redo"
    last = conn.execute("SELECT max(id) FROM events WHERE group_id = ?", [group]).fetchone()[0]
    touched = conn.execute(
        "SELECT e.author, e.entity FROM events g JOIN events e ON e.entity = g.entity AND e.entity_id = g.entity_id "
        f"WHERE g.group_id = ? AND e.id > ? AND e.{scope} != ? AND e.action IN ('create', 'update', 'delete') "
        # a change its maker has undone since no longer stands in the way
        "AND coalesce((SELECT m.action FROM events m WHERE m.ref_group = e.group_id ORDER BY m.id DESC LIMIT 1), "
        "'') != 'undo' LIMIT 1",
        [group, last, value],
    ).fetchone()
    if touched:
        raise UndoRefused(
            f"cannot {verb} {description}: {_who(touched[0], me)} changed that {touched[1].replace('_', ' ')} "
            f"later; nothing was {verb}ne"
        )
    removed = "before" if undo else "after"  # the snapshot that is NULL where replaying removes the entity
    in_group = "SELECT entity_id FROM events WHERE group_id = :group AND entity = '{}'"
    dependents = (
        (
            "link",
            "SELECT l.id, (SELECT author FROM events WHERE entity = 'link' AND entity_id = l.id "
            "ORDER BY id DESC LIMIT 1) FROM events g JOIN links l ON l.{end} = g.entity_id "
            f"WHERE g.group_id = :group AND g.entity = 'annotation' AND g.{removed} IS NULL "
            f"AND l.id NOT IN ({in_group.format('link')}) LIMIT 1",
        ),
        (
            "silent mark",
            "SELECT s.annotation_id, s.author FROM events g JOIN silences s ON s.annotation_id = g.entity_id "
            f"WHERE g.group_id = :group AND g.entity = 'annotation' AND g.{removed} IS NULL "
            f"AND s.annotation_id || ':' || s.source_id NOT IN ({in_group.format('silence')}) LIMIT 1",
        ),
        (
            "use of the tag",
            "SELECT x.annotation_id, a.author FROM events g "
            "JOIN annotation_tags x ON x.tag_id = CAST(g.entity_id AS INTEGER) "
            "JOIN annotations a ON a.id = x.annotation_id "
            f"WHERE g.group_id = :group AND g.entity = 'tag' AND g.{removed} IS NULL "
            f"AND x.annotation_id NOT IN ({in_group.format('annotation')}) LIMIT 1",
        ),
    )
    for what, sql in dependents:
        for end in ("from_annotation", "to_annotation") if what == "link" else ("",):
            found = conn.execute(sql.format(end=end), {"group": group}).fetchone()
            if found:
                raise UndoRefused(
                    f"cannot {verb} {description}: it would take away a {what} "
                    f"{_who(found[1], me)} made later; nothing was {verb}ne"
                )


def _who(author: str | None, me: str) -> str:
    """Who made the work in the way: a name, or 'you, in another session' for one's own elsewhere."""
    if not author:
        return "another reader"
    return "you (in another session)" if author == me else author


def describe_group(conn: sqlite3.Connection, group: str) -> str:
    """What a change did, for undo's message: 'adding an annotation: "the words" [claim]', or 'adding 2
    annotations and 1 tag'. Counted in SQL, so a 300,000-event import is described without loading it."""
    counts = conn.execute(
        "SELECT action, entity, count(*), min(id) FROM events WHERE group_id = ? GROUP BY action, entity "
        "ORDER BY min(id)",
        [group],
    ).fetchall()
    verbs = {"create": "adding", "update": "changing", "delete": "deleting"}
    parts = []
    for action, entity, count, _ in counts:
        verb, name = verbs.get(action, action), entity.replace("_", " ")
        if entity == PAIR_DECISION and action == "create":  # "confirming a pair", not "adding a pair decision"
            parts.append(_decisions_made(conn, group, count))
        elif count == 1:
            parts.append(f"{verb} {'an' if name[0] in 'aeiou' else 'a'} {name}")
        else:
            parts.append(f"{verb} {count} {name}s")
    described = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + (parts[-1] if parts else "a change")
    if len(counts) == 1 and counts[0][1] == "annotation" and counts[0][2] == 1:
        described += _annotation_detail(conn, counts[0][3])
    elif len(counts) == 1 and counts[0][1] == PAIR_DECISION and counts[0][2] == 1:
        return _pair_decision_detail(conn, counts[0][3])
    elif len(counts) == 1 and counts[0][1] == "tag" and counts[0][2] == 1:
        before, after = conn.execute("SELECT before, after FROM events WHERE id = ?", [counts[0][3]]).fetchone()
        described += f" ({json.loads(after or before).get('name', '')})"
    return described


def _decisions_made(conn: sqlite3.Connection, group: str, count: int) -> str:
    """'confirming a pair', 'rejecting 2 pairs', or (some of each, as an import brings) 'adding 3 pair decisions'."""
    sql = "SELECT json_extract(after, '$.decision') FROM events WHERE group_id = ? AND entity = ? AND action = ?"
    made = {row[0] for row in conn.execute(sql, [group, PAIR_DECISION, "create"])}
    verb = {"rejected": "rejecting", "confirmed": "confirming"}.get(str(made.pop())) if len(made) == 1 else None
    if verb is None:
        return "adding a pair decision" if count == 1 else f"adding {count} pair decisions"
    return f"{verb} {'a pair' if count == 1 else f'{count} pairs'}"


def _annotation_detail(conn: sqlite3.Connection, event_id: int) -> str:
    """': "the annotated words" [tag, tag]' for one annotation event (the words cut at 40 characters)."""
    before, after = conn.execute("SELECT before, after FROM events WHERE id = ?", [event_id]).fetchone()
    snapshot = json.loads(after or before or "{}")
    quote = " ".join(str(snapshot.get("quote", "")).split())
    quote = quote if len(quote) <= 40 else quote[:39] + "…"
    tags = ", ".join(snapshot.get("tags") or [])
    if before and after:  # a change: the tags it changed, or that the note changed
        old = json.loads(before)
        old_tags = ", ".join(old.get("tags") or [])
        if old_tags != tags:
            return f': "{quote}" [{old_tags or "untagged"} → {tags or "untagged"}]'
        if old.get("note") != snapshot.get("note"):
            return f': "{quote}" (its note)'
    return f': "{quote}"' + (f" [{tags}]" if tags else "")


def _pair_decision_detail(conn: sqlite3.Connection, event_id: int) -> str:
    """'rejecting a pair: "words" and "words"' for one pair decision event (each quote cut at 30 characters);
    a decision taken back is 'deleting a pair decision: ...'."""
    before, after = conn.execute("SELECT before, after FROM events WHERE id = ?", [event_id]).fetchone()
    snapshot = json.loads(after or before or "{}")
    quotes = []
    for name in ("quote_a", "quote_b"):
        quote = " ".join(str(snapshot.get(name, "")).split())
        quotes.append(quote if len(quote) <= 30 else quote[:29] + "…")
    if after:
        verb = {"rejected": "rejecting", "confirmed": "confirming"}.get(str(snapshot.get("decision")), "deciding on")
        return f'{verb} a pair: "{quotes[0]}" and "{quotes[1]}"'
    return f'deleting a pair decision: "{quotes[0]}" and "{quotes[1]}"'


def replay(store: EventLog, group: str, undo: bool) -> None:
    """Apply a group's before snapshots newest first (undo) or its after snapshots in order (redo)."""
    replayer = _Replayer(store)
    conn = store.db.conn
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    # Random ids land all over the annotation and tag indexes: a bigger page cache keeps a replay of
    # hundreds of thousands of rows from re-reading the same pages (the default is 2 MB).
    conn.execute(f"PRAGMA cache_size = {min(cache, -REPLAY_CACHE_KIB) if cache < 0 else -REPLAY_CACHE_KIB}")
    try:
        _replay_events(replayer, conn, group, undo)
    finally:
        conn.execute(f"PRAGMA cache_size = {cache}")


def _replay_events(replayer: _Replayer, conn: sqlite3.Connection, group: str, undo: bool) -> None:
    cursor = conn.execute(
        "SELECT entity, entity_id, before, after FROM events WHERE group_id = ? ORDER BY id"
        + (" DESC" if undo else ""),
        [group],
    )
    for entity, entity_id, before, after in cursor:
        target = before if undo else after
        if target is None:
            replayer.remove(entity, entity_id)
        else:
            replayer.put(entity, json.loads(target))


def record(store: EventLog, group: str, undo: bool) -> None:
    """Append the undo or redo marker for group, attributed like any change."""
    first = store.db.conn.execute(
        "SELECT entity, entity_id FROM events WHERE group_id = ? ORDER BY id LIMIT 1", [group]
    ).fetchone()
    store.db.conn.execute(
        "INSERT INTO events (group_id, at, actor, action, entity, entity_id, before, after, ref_group, author, "
        "session) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?)",
        [
            uuid.uuid4().hex,
            now(),
            store.actor,
            "undo" if undo else "redo",
            first[0],
            first[1],
            group,
            store.author,
            store.session,
        ],
    )


class _Replayer:
    """Puts snapshots back and removes entities, with the table layouts and tag names looked up once."""

    def __init__(self, store: EventLog) -> None:
        self.store = store
        self.conn = store.db.conn
        self.annotation_columns = [row[1] for row in self.conn.execute("PRAGMA table_info(annotations)")]
        self.tag_columns = [row[1] for row in self.conn.execute("PRAGMA table_info(tags)")]
        self.source_ids = {row[0] for row in self.conn.execute("SELECT id FROM sources")}
        self.tag_ids = {name.casefold(): tag_id for tag_id, name in self.conn.execute("SELECT id, name FROM tags")}
        self._upserts: dict[tuple[str, tuple[str, ...]], str] = {}

    def _upsert_sql(self, table: str, columns: tuple[str, ...]) -> str:
        key = (table, columns)
        if key not in self._upserts:
            updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != "id") or "id = excluded.id"
            self._upserts[key] = (
                f"INSERT INTO {table} ({', '.join(f'{chr(34)}{c}{chr(34)}' for c in columns)}) "
                f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT(id) DO UPDATE SET {updates}"
            )
        return self._upserts[key]

    def remove(self, entity: str, entity_id: str) -> None:
        if entity in REPLAYED_ENTITIES:
            REPLAYED_ENTITIES[entity].remove(self.store.db, entity_id)
        elif entity == "silence":
            annotation_id, source_id = entity_id.rsplit(":", 1)
            self.conn.execute(
                "DELETE FROM silences WHERE annotation_id = ? AND source_id = ?", [annotation_id, int(source_id)]
            )
        elif entity == PAIR_DECISION:
            self.conn.execute(
                "DELETE FROM pair_decisions WHERE source_a = ? AND start_a = ? AND end_a = ? AND source_b = ? "
                "AND start_b = ? AND end_b = ?",
                [int(part) for part in entity_id.split(":")],
            )
        elif entity == "tag":
            self.conn.execute("DELETE FROM tags WHERE id = ?", [int(entity_id)])
            self.tag_ids = {name: tag_id for name, tag_id in self.tag_ids.items() if tag_id != int(entity_id)}
        else:
            table = {"annotation": "annotation_rows", "link": "links"}[entity]
            self.conn.execute(f"DELETE FROM {table} WHERE id = ?", [entity_id])

    def put(self, entity: str, snapshot: dict[str, Any]) -> None:
        """Make the stored entity match a snapshot from the event log (creating it if it is gone)."""
        if entity in REPLAYED_ENTITIES:
            REPLAYED_ENTITIES[entity].put(self.store.db, snapshot)
        else:
            getattr(self, f"_put_{entity}")(snapshot)

    def _put_annotation(self, snapshot: dict[str, Any]) -> None:
        tags, links = snapshot.pop("tags", []), snapshot.pop("links", [])
        if snapshot["source_id"] not in self.source_ids:
            return  # its source is gone; nothing to hang it on
        columns = tuple(c for c in self.annotation_columns if c in snapshot)
        self.conn.execute(self._upsert_sql("annotation_rows", columns), [snapshot[c] for c in columns])
        self.conn.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", [snapshot["id"]])
        for name in dict.fromkeys(tags):
            self.conn.execute(
                "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                [snapshot["id"], self._tag_id(name)],
            )
        for link in links:
            self._put_link(link)

    def _tag_id(self, name: str) -> int:
        """The tag's id, creating it (unlogged: a replay is not a new change) if it is gone."""
        tag_id = self.tag_ids.get(name.casefold())
        if tag_id is None:
            tag_id = self.store._create_tag(name, log=False).id
            self.tag_ids[name.casefold()] = tag_id
        return tag_id

    def _put_tag(self, snapshot: dict[str, Any]) -> None:
        annotation_ids = snapshot.pop("annotation_ids", [])
        clash = self.conn.execute(
            "SELECT id FROM tags WHERE name = ? COLLATE NOCASE AND id != ?", [snapshot["name"], snapshot["id"]]
        ).fetchone()
        if clash:
            self.remove("tag", str(clash[0]))
        columns = tuple(c for c in self.tag_columns if c in snapshot)
        self.conn.execute(self._upsert_sql("tags", columns), [snapshot[c] for c in columns])
        self.tag_ids = {name: tag_id for name, tag_id in self.tag_ids.items() if tag_id != snapshot["id"]}
        self.tag_ids[snapshot["name"].casefold()] = snapshot["id"]
        for annotation_id in annotation_ids:
            self.conn.execute(
                "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) "
                "SELECT ?, ? WHERE EXISTS (SELECT 1 FROM annotations WHERE id = ?)",
                [annotation_id, snapshot["id"], annotation_id],
            )

    def _put_silence(self, snapshot: dict[str, Any]) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO silences (annotation_id, source_id, marked, author) "
            "SELECT :annotation_id, :source_id, :marked, :author "
            "WHERE EXISTS (SELECT 1 FROM annotations WHERE id = :annotation_id)",
            snapshot,
        )

    def _put_pair_decision(self, snapshot: dict[str, Any]) -> None:
        """The pair's decision as the snapshot has it (replacing any other on the pair); nothing if either
        source is gone."""
        ends = [snapshot["source_a"], snapshot["source_b"]]
        if self.conn.execute("SELECT count(*) FROM sources WHERE id IN (?, ?)", ends).fetchone()[0] != 2:
            return  # (asked, not cached: a sync may have just added the source)
        self.remove(PAIR_DECISION, pair_decision_key(snapshot))
        row = {name: snapshot[name] for name in PAIR_DECISION_FIELDS}
        row["features"] = json.dumps(row["features"]) if not isinstance(row["features"], str) else row["features"]
        self.conn.execute(
            f"INSERT INTO pair_decisions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        )

    def _put_link(self, snapshot: dict[str, Any]) -> None:
        ends = self.conn.execute(
            "SELECT count(*) FROM annotations WHERE id IN (?, ?)",
            [snapshot["from_annotation"], snapshot["to_annotation"]],
        ).fetchone()[0]
        if ends == 2:
            self.conn.execute(
                "INSERT OR REPLACE INTO links (id, from_annotation, to_annotation, kind, created, author) "
                "VALUES (:id, :from_annotation, :to_annotation, :kind, :created, :author)",
                {"author": "", **snapshot},
            )


SnapshotReplayer = _Replayer  # the public name: EventLog.snapshot_replayer() hands one out
