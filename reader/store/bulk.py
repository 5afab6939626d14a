"""An import's writes. Its planned rows (reader.store.import_plan) are staged in TEMP tables without the
write lock, then published with the claim records (text, verdict, evidence) and the source metadata a JSON
export carries, all logged as one undo group: the import lands, and is undone, as one change, or not at all.

A small import is published in one write transaction. A big one is written as a batch (schema 11): its
annotation rows and events a chunk per short transaction, hidden from readers (the annotations view shows
no row of an unpublished batch; undo, redo and sync skip its reserved range of event ids), then published
by one short transaction that flips the batch's row and adds its tags, tag uses, links and claims. A batch
whose process died is removed when the database is next opened.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from reader.metadata import MetadataError, check_metadata, effective_metadata, is_web_url
from reader.model import EvidenceKind
from reader.store.claims import _insert_evidence, _put_source, _source_snapshot
from reader.store.connection import StoreConnection, now
from reader.store.decisions import import_decisions
from reader.store.import_plan import ANNOTATION_COLUMNS, Event, Plan, existing_ids, plan_import, planning_basis
from reader.store.incoming import ImportReport, Incoming

if TYPE_CHECKING:
    from reader.store import Store

IMPORT_ACTOR = "import"
_COLUMNS = ", ".join(ANNOTATION_COLUMNS)


class _Stale(Exception):
    """Another program committed between planning and publishing: plan again."""


_PLAN_ATTEMPTS = 3  # plans made again when another program commits meanwhile, before planning under the lock
# Annotations (and, separately, events) written per short transaction when an import is too big to
# publish at once; READER_IMPORT_CHUNK_ROWS overrides it (0: always in one transaction, as before).
CHUNK_ROWS = 20_000


def chunk_rows() -> int:
    """How many rows an import writes per transaction (0: the whole import in one)."""
    value = os.environ.get("READER_IMPORT_CHUNK_ROWS", "")
    return int(value) if value.isdigit() else CHUNK_ROWS


def import_records(store: Store, incoming: Incoming, path: Path) -> ImportReport:
    """Plan the import from a read snapshot (parsing, matching, anchoring: the slow part, no write lock),
    then publish it: all of it lands or none of it.

    A small import is published in one short write transaction. A big one is written in chunks, each a
    short transaction, as a batch that readers do not see (the annotations view hides it) until one last
    short transaction publishes it: the write lock is never held for long, and other writers get in
    between. Another program committing what the plan depends on makes it stale: it is made again (a few
    times, then under the write lock, in one transaction)."""
    conn = store.db.conn
    chunk = chunk_rows()
    with store._lock:  # this process's other threads share the connection: they wait for the import
        for _ in range(_PLAN_ATTEMPTS):
            conn.execute("BEGIN")  # deferred: a read snapshot, no write lock
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                seen = conn.execute("PRAGMA data_version").fetchone()[0]
                plan = plan_import(conn, incoming, path)
            finally:
                conn.execute("COMMIT")
            try:
                if chunk and len(plan.rows) > chunk:
                    _publish_in_chunks(store, incoming, plan, chunk)
                else:
                    _publish_at_once(store, incoming, plan, seen)
                return plan.report
            except _Stale:
                continue
        with store.write() as db:  # other programs kept committing: plan and stage under the lock
            plan = plan_import(db.conn, incoming, path)
            group = uuid.uuid4().hex
            _stage(conn, plan, group, IMPORT_ACTOR, own_transaction=False)
            try:
                _publish(store, db.conn, plan)
                _publish_records(store, db, incoming, plan, group)
            finally:
                _unstage(conn)
        return plan.report


def _publish_at_once(store: Store, incoming: Incoming, plan: Plan, seen: int) -> None:
    """Publish the whole plan in one write transaction, if nothing was committed since it was made."""
    conn = store.db.conn
    group = uuid.uuid4().hex
    _stage(conn, plan, group, IMPORT_ACTOR)
    # Every row the plan references exists in its snapshot or in the plan itself, and data_version
    # proves the snapshot is still the database: the per-row foreign key lookups (half the publish, so
    # half the time the lock is held) would find nothing new. Set outside the transaction (the pragma
    # is a no-op inside one), under store._lock (no other thread writes).
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with store.write() as db:
            if db.conn.execute("PRAGMA data_version").fetchone()[0] != seen:
                raise _Stale
            _publish(store, db.conn, plan)
            _publish_records(store, db, incoming, plan, group)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
        _unstage(conn)


# --- a big import, in chunks ------------------------------------------------------------------------


@dataclass
class _Batch:
    """An import being written in chunks: its row in import_batches and the event ids it reserved."""

    id: str
    first_event: int
    events: int  # the plan's events, at first_event...; then room for the claims' and metadata's


def _publish_in_chunks(store: Store, incoming: Incoming, plan: Plan, chunk: int) -> None:
    """Write the plan as a hidden batch, a chunk per short transaction, then publish it in one more."""
    conn = store.db.conn
    group = uuid.uuid4().hex
    _stage(conn, plan, group, IMPORT_ACTOR)
    batch = None
    try:
        batch = _register(store, incoming, plan)
        for low in range(1, len(plan.rows) + 1, chunk):
            with store.write() as db:
                _checked(
                    db.conn.execute,
                    f"INSERT INTO annotation_rows ({_COLUMNS}, import_batch) SELECT {_COLUMNS}, ? "
                    "FROM temp.staged_annotations WHERE rowid BETWEEN ? AND ? ORDER BY id",
                    (batch.id, low, low + chunk - 1),
                )
            between_chunks(store)
        # Their tag uses, but of the tags the import creates: those tags are only added when it is published.
        new_tags = ",".join(str(int(tag[0])) for tag in plan.tags)
        for low in range(1, len(plan.tag_rows) + 1, chunk):
            with store.write() as db:
                _checked(
                    db.conn.execute,
                    "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) SELECT annotation_id, tag_id "
                    f"FROM temp.staged_annotation_tags WHERE rowid BETWEEN ? AND ? AND tag_id NOT IN ({new_tags}) "
                    "ORDER BY annotation_id, tag_id",
                    (low, low + chunk - 1),
                )
        for low in range(1, batch.events + 1, chunk):
            with store.write():
                store.log_staged_events("temp.staged_events", batch.first_event, (low, low + chunk - 1))
        with store.write() as db:
            if planning_basis(db.conn) != plan.basis:
                raise _Stale  # a tag or a source's text changed: the rows may no longer be right
            db.conn.execute("UPDATE import_batches SET published = 1 WHERE id = ?", [batch.id])
            _checked(_publish_links_and_tags, db.conn, plan, new_tags)
            _publish_records(store, db, incoming, plan, group, batch)
    except BaseException:
        if batch is not None:
            abandon_batch(store, batch.id)
        raise
    finally:
        _unstage(conn)


def between_chunks(store: Store) -> None:
    """Called after each chunk is committed (tests hook it to write or read meanwhile)."""


def _checked(write: Any, *args: Any) -> Any:
    """A write whose constraint failure means another program changed what the plan relies on."""
    try:
        return write(*args)
    except sqlite3.IntegrityError:
        raise _Stale from None


def _register(store: Store, incoming: Incoming, plan: Plan) -> _Batch:
    """Record the batch, reserve its event ids (contiguous: it is one undo step however others write
    meanwhile) and store the source versions it needs, in one short transaction."""
    events = len(plan.events)
    records = (
        len(incoming.claims)
        + len(incoming.decisions)
        + sum(1 for s in incoming.sources.values() if s.user_metadata or s.stated_metadata)
    )
    reserved = events + records
    with store.write() as db:
        conn = db.conn
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
        last_used = max(row[0] if row else 0, conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])
        if row:
            conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'", [last_used + reserved])
        else:
            conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('events', ?)", [last_used + reserved])
        if plan.versions:
            _checked(
                conn.executemany,
                "INSERT INTO source_versions (id, source_id, content_hash, text, length, loaded) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                plan.versions,
            )
        batch = _Batch(uuid.uuid4().hex, last_used + 1, events)
        conn.execute(
            "INSERT INTO import_batches (id, started, owner, first_event, last_event, first_rowid, versions) "
            "VALUES (?, ?, ?, ?, ?, (SELECT coalesce(max(rowid), 0) + 1 FROM annotation_rows), ?)",
            [
                batch.id,
                now(),
                owner(),
                batch.first_event,
                last_used + max(reserved, 1),
                json.dumps([version[0] for version in plan.versions]),
            ],
        )
    return batch


def owner() -> str:
    """Who writes a batch: this host and process (a batch whose process is gone is abandoned)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(batch_owner: str) -> bool:
    host, _, pid = batch_owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's: it cannot be told, so it is left alone
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def abandon_batch(store: StoreConnection, batch_id: str) -> None:
    """Remove an unpublished batch's rows (a chunk per transaction) and mark it abandoned; its events stay
    in the append-only log, hidden for good."""
    chunk = chunk_rows() or CHUNK_ROWS
    while True:
        with store.write() as db:
            row = db.conn.execute(
                "SELECT first_rowid, versions, published FROM import_batches WHERE id = ?", [batch_id]
            ).fetchone()
            if row is None or row[2] != 0:
                return
            removed = db.conn.execute(
                "DELETE FROM annotation_rows WHERE rowid IN (SELECT rowid FROM annotation_rows WHERE rowid >= ? "
                "AND import_batch = ? LIMIT ?)",
                [row[0], batch_id, chunk],
            ).rowcount
            if removed:
                continue
            versions = json.loads(row[1])
            if versions:  # the texts it stored, unless something else uses them by now
                db.conn.execute(
                    f"DELETE FROM source_versions WHERE id IN ({','.join('?' * len(versions))}) "
                    "AND id NOT IN (SELECT current_version_id FROM sources WHERE current_version_id IS NOT NULL) "
                    "AND NOT EXISTS (SELECT 1 FROM annotation_rows a WHERE a.version_id = source_versions.id "
                    "OR a.anchor_version_id = source_versions.id)",
                    versions,
                )
            db.conn.execute("UPDATE import_batches SET published = -1 WHERE id = ?", [batch_id])
            return


def clean_abandoned_imports(store: StoreConnection) -> None:
    """Remove what imports left half-written when their process died (called when a store opens)."""
    rows = store.query("SELECT id, owner FROM import_batches WHERE published = 0")
    for row in rows:
        if not _alive(row["owner"]):
            abandon_batch(store, row["id"])


def pending_horizon(conn: sqlite3.Connection) -> int:
    """The first event id of an import still being written (events from there on may be published later
    with lower ids than others': a reader of the log in id order stops before it), or a number past all."""
    row = conn.execute("SELECT min(first_event) FROM import_batches WHERE published = 0").fetchone()
    return row[0] if row and row[0] is not None else 2**63 - 1


def _publish_links_and_tags(conn: sqlite3.Connection, plan: Plan, new_tags: str) -> None:
    """What a batch adds when it is published besides its annotations: the new tags and their uses, the
    links and the silent marks."""
    if plan.tags:
        conn.executemany(
            "INSERT INTO tags (id, name, colour, description, position, created) VALUES (?, ?, ?, ?, ?, ?)", plan.tags
        )
        conn.execute(
            "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) SELECT annotation_id, tag_id "
            f"FROM temp.staged_annotation_tags WHERE tag_id IN ({new_tags}) ORDER BY annotation_id, tag_id"
        )
    _publish_links(conn, plan)


_STAGED = {
    "annotations": list(ANNOTATION_COLUMNS),
    "annotation_tags": ["annotation_id", "tag_id"],
    "events": ["group_id", "at", "actor", "action", "entity", "entity_id", "before", "after"],
}


def _stage(conn: sqlite3.Connection, plan: Plan, group: str, actor: str, own_transaction: bool = True) -> None:
    """Copy the plan's bulk rows into TEMP tables (no write lock on the database is taken)."""
    for table, columns in _STAGED.items():
        conn.execute(f"DROP TABLE IF EXISTS temp.staged_{table}")
        conn.execute(f"CREATE TEMP TABLE staged_{table} ({', '.join(columns)})")
    if own_transaction:
        conn.execute("BEGIN")
    try:
        conn.executemany(
            f"INSERT INTO temp.staged_annotations VALUES ({', '.join('?' * len(ANNOTATION_COLUMNS))})",
            map(itemgetter(*ANNOTATION_COLUMNS), plan.rows),
        )
        conn.executemany("INSERT INTO temp.staged_annotation_tags VALUES (?, ?)", plan.tag_rows)
        _stage_events(conn, plan.events, group, actor)
        if own_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if own_transaction:
            conn.execute("ROLLBACK")
        _unstage(conn)
        raise


def _stage_events(conn: sqlite3.Connection, events: Iterable[Event], group: str, actor: str) -> int:
    """Append events to the staged ones; returns the rowid of the first appended."""
    first = conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM temp.staged_events").fetchone()[0]
    stamp = now()
    conn.executemany(
        "INSERT INTO temp.staged_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (group, stamp, actor, action, entity, str(entity_id), _snapshot(before), _snapshot(after))
            for action, entity, entity_id, before, after in events
        ),
    )
    return first


def _unstage(conn: sqlite3.Connection) -> None:
    for table in _STAGED:
        conn.execute(f"DROP TABLE IF EXISTS temp.staged_{table}")


def _snapshot(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _publish(store: Store, conn: sqlite3.Connection, plan: Plan) -> None:
    """Write a staged plan inside the caller's write transaction: a few statements, no Python work a row."""
    if plan.tags:
        conn.executemany(
            "INSERT INTO tags (id, name, colour, description, position, created) VALUES (?, ?, ?, ?, ?, ?)", plan.tags
        )
    if plan.versions:
        conn.executemany(
            "INSERT INTO source_versions (id, source_id, content_hash, text, length, loaded) VALUES (?, ?, ?, ?, ?, ?)",
            plan.versions,
        )
    conn.execute(f"INSERT INTO annotation_rows ({_COLUMNS}) SELECT {_COLUMNS} FROM temp.staged_annotations ORDER BY id")
    _publish_relations(conn, plan)
    if plan.events:
        store.log_staged_events("temp.staged_events")


def _publish_relations(conn: sqlite3.Connection, plan: Plan) -> None:
    """Tag uses, links and silent marks of the plan's annotations (which are written by now)."""
    conn.execute(
        "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) "
        "SELECT annotation_id, tag_id FROM temp.staged_annotation_tags ORDER BY annotation_id, tag_id"
    )
    _publish_links(conn, plan)


def _publish_links(conn: sqlite3.Connection, plan: Plan) -> None:
    """The plan's links and silent marks (their annotations are written by now)."""
    if plan.links:
        conn.executemany(
            "INSERT INTO links (id, from_annotation, to_annotation, kind, created, author) "
            "VALUES (:id, :from_annotation, :to_annotation, :kind, :created, :author)",
            plan.links,
        )
    if plan.silences:
        conn.executemany(
            "INSERT INTO silences (annotation_id, source_id, marked, author) "
            "VALUES (:annotation_id, :source_id, :marked, :author)",
            plan.silences,
        )


def _publish_records(
    store: Store, db: sqlite_utils.Database, incoming: Incoming, plan: Plan, group: str, batch: _Batch | None = None
) -> None:
    """The claims' text and verdicts, the sources' metadata and the pair decisions, once the annotations are
    in, in the same transaction and undo group as they are: the import lands, and is undone, as one change."""
    events: list[Event] = []
    if incoming.claims:
        problems, events = import_claims(store, db, incoming.claims)
        plan.report.problems.extend(problems)
        plan.report.claims_recorded = len(events)
    metadata = {
        source_id: (source.name, source.user_metadata, source.stated_metadata)
        for key, source in incoming.sources.items()
        if (source.user_metadata or source.stated_metadata) and (source_id := plan.matched.get(key)) is not None
    }
    if metadata:
        problems, metadata_events = import_source_metadata(db, metadata)
        plan.report.problems.extend(problems)
        plan.report.metadata_set = len(metadata_events)
        events.extend(metadata_events)
    if incoming.decisions:
        problems, decision_events = import_decisions(db, incoming.decisions, plan.matched)
        plan.report.problems.extend(problems)
        plan.report.decisions_added = len(decision_events)
        events.extend(decision_events)
    if events and batch is None:
        store.log_events(events, actor=IMPORT_ACTOR, group=group)
    elif events and batch is not None:  # in the ids the batch reserved after its own, still one undo step
        first = _stage_events(db.conn, events, group, IMPORT_ACTOR)
        store.log_staged_events("temp.staged_events", batch.first_event, (first, first + len(events) - 1))


def import_claims(store: Store, db: sqlite_utils.Database, claims: list[Any]) -> tuple[list[str], list[Event]]:
    """Claim records (text, verdict, evidence) from a JSON export, for claims whose members are in the
    database and that have no record yet (so importing twice adds nothing), inside the caller's write.
    Returns a line per claim left out and why, and the events to log. A few queries for all the claims,
    not a few per claim: an import's publish holds the write lock."""
    problems: list[str] = []
    wanted: list[tuple[dict[str, Any], dict[str, Any] | None, str, list[str], list[Any]]] = []
    for entry in claims:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            problems.append("a claim without an id was left out")
            continue
        verdict = entry.get("verdict") if isinstance(entry.get("verdict"), dict) else None
        quotes = {m.get("quote") for m in entry.get("members") or [] if isinstance(m, dict)}
        own_text = entry.get("text") if isinstance(entry.get("text"), str) and entry.get("text") not in quotes else ""
        evidence = (verdict or {}).get("evidence") or entry.get("evidence") or []  # evidence before a verdict
        evidence = evidence if isinstance(evidence, list) else []
        if not verdict and not own_text and not evidence:
            continue  # nothing stored about it: the links make the claim
        member_ids = [m.get("annotation") for m in entry.get("members") or [] if isinstance(m, dict)]
        wanted.append((entry, verdict, own_text or "", [m for m in member_ids if isinstance(m, str)], evidence))
    conn = db.conn
    evidence_ids = [
        str(item.get("value") or "")
        for *_, evidence in wanted
        for item in evidence
        if isinstance(item, dict) and item.get("kind") == "annotation"
    ]
    present = existing_ids(conn, "annotations", [m for *_, members, _ in wanted for m in members] + evidence_ids)
    recorded = existing_ids(conn, "claims", [entry["id"] for entry, *_ in wanted])
    inserted: list[str] = []
    for entry, verdict, own_text, members, evidence in wanted:
        found = sorted(set(members) & present)
        if entry["id"] not in found:
            problems.append(f"claim {entry['id'][:12]} left out: its members are not in the database")
            continue
        if entry["id"] in recorded:
            continue
        recorded.add(entry["id"])
        _insert_claim(db, entry["id"], found, own_text, verdict)
        for item in evidence:
            if not isinstance(item, dict) or item.get("kind") not in tuple(EvidenceKind):
                continue
            value = str(item.get("value") or "")
            if item["kind"] == EvidenceKind.URL and not is_web_url(value):
                continue
            if item["kind"] == EvidenceKind.ANNOTATION and value not in present:
                problems.append(f"claim {entry['id'][:12]}: evidence annotation {value[:12]} is not in the database")
                continue
            _insert_evidence(store, db, entry["id"], item["kind"], value, str(item.get("note") or ""))
        inserted.append(entry["id"])
    snapshots = _claim_snapshots(db, inserted)
    return problems, [("update", "claim", claim_id, None, snapshots[claim_id]) for claim_id in inserted]


def _claim_snapshots(db: sqlite_utils.Database, claim_ids: list[str]) -> dict[str, dict[str, Any]]:
    """What reader.store.claims._claim_snapshot gives for each claim (its row and its evidence), in a few
    queries."""
    snapshots: dict[str, dict[str, Any]] = {}
    for offset in range(0, len(claim_ids), 500):
        chunk = claim_ids[offset : offset + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT * FROM claims WHERE id IN ({marks})", chunk):
            snapshots[row["id"]] = {**row, "evidence": []}
        for item in db.query(f"SELECT * FROM claim_evidence WHERE claim_id IN ({marks}) ORDER BY added, rowid", chunk):
            snapshots[item["claim_id"]]["evidence"].append(item)
    return snapshots


def _insert_claim(
    db: sqlite_utils.Database, claim_id: str, members: list[str], text: str, verdict: dict[str, Any] | None
) -> None:
    stamp = now()
    row: dict[str, Any] = {
        "id": claim_id,
        "members": json.dumps(members),
        "text": text,
        "rating": None,
        "rating_value": None,
        "verdict_note": "",
        "verdict_author": "",
        "verdict_at": None,
        "review_url": "",
        "created": stamp,
        "updated": stamp,
    }
    if verdict and isinstance(verdict.get("rating"), str):
        value = verdict.get("value")
        row.update(
            rating=verdict["rating"],
            rating_value=value if isinstance(value, int) else None,
            verdict_note=str(verdict.get("note") or ""),
            verdict_author=str(verdict.get("author") or ""),
            verdict_at=verdict.get("at") if isinstance(verdict.get("at"), str) else stamp,
            review_url=str(verdict.get("url") or ""),
        )
    db.execute(f"INSERT INTO claims ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def import_source_metadata(
    db: sqlite_utils.Database, metadata: Mapping[int, tuple[str, Mapping[str, str], Mapping[str, str]]]
) -> tuple[list[str], list[Event]]:
    """The metadata the exporting user set, by local source id ((name, values, stated values) each), set as
    `reader meta` does (a second import changes nothing), inside the caller's write: a line per source left
    out, and the events to log. Stated values (the file does not say who set them) count only where they
    differ from what the source shows here, so what its file states is not taken for the user's own."""
    problems: list[str] = []
    events: list[Event] = []
    for source_id, (name, values, stated) in metadata.items():
        try:
            checked = check_metadata({k: str(v) for k, v in values.items()})
            stated_checked = check_metadata({k: str(v) for k, v in stated.items() if v})
        except MetadataError as error:
            problems.append(f"metadata of {name} left out: {error}")
            continue
        before = _source_snapshot(db, source_id)
        if before is None:
            continue
        differing = {k: v for k, v in stated_checked.items() if k not in checked and before.get(k) != v}
        user = {**before["user_metadata"], **differing, **checked}
        shown = effective_metadata(json.loads(before["file_metadata"] or "{}"), user)
        if not shown["title"]:
            shown["title"] = before["title"] if "title" not in user else "(untitled)"
        after = {**before, **shown, "user_metadata": user}
        if after != before:
            _put_source(db, after)
            events.append(("update", "source", source_id, before, after))
    return problems, events
