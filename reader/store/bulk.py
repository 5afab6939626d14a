"""An import's writes: its planned rows (reader.store.import_plan) staged in TEMP tables without the write
lock, then published in one write transaction with the claim records (text, verdict, evidence) and the
source metadata a JSON export carries, all logged as one undo group: the import lands, and is undone, as
one change, or not at all.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from reader.metadata import MetadataError, check_metadata, effective_metadata, is_web_url
from reader.store.claims import _claim_snapshot, _insert_evidence, _put_source, _source_snapshot
from reader.store.connection import now
from reader.store.import_plan import ANNOTATION_COLUMNS, Event, Plan, plan_import
from reader.store.incoming import ImportReport, Incoming

if TYPE_CHECKING:
    from reader.store import Store

IMPORT_ACTOR = "import"


class _Stale(Exception):
    """Another program committed between planning and publishing: plan again."""


_PLAN_ATTEMPTS = 3  # plans made again when another program commits meanwhile, before planning under the lock


def import_records(store: Store, incoming: Incoming, path: Path) -> ImportReport:
    """Plan the import from a read snapshot (parsing, matching, anchoring: the slow part, no write lock),
    then publish the planned rows in one short write transaction: all of it lands or none of it.

    Another program committing in between makes the plan stale: it is made again (a few times, then
    under the write lock, as before)."""
    conn = store.db.conn
    with store._lock:  # this process's other threads share the connection: they wait for the import
        for _ in range(_PLAN_ATTEMPTS):
            conn.execute("BEGIN")  # deferred: a read snapshot, no write lock
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                seen = conn.execute("PRAGMA data_version").fetchone()[0]
                plan = plan_import(conn, incoming, path)
            finally:
                conn.execute("COMMIT")
            group = uuid.uuid4().hex
            _stage(conn, plan, group, IMPORT_ACTOR)
            # Every row the plan references exists in its snapshot or in the plan itself, and data_version
            # proves the snapshot is still the database: the per-row foreign key lookups (half the
            # publish, so half the time the lock is held) would find nothing new. Set outside the
            # transaction (the pragma is a no-op inside one), under store._lock (no other thread writes).
            conn.execute("PRAGMA foreign_keys = OFF")
            try:
                with store.write() as db:
                    if db.conn.execute("PRAGMA data_version").fetchone()[0] != seen:
                        raise _Stale
                    _publish(store, db.conn, plan)
                    _publish_records(store, db, incoming, plan, group)
                return plan.report
            except _Stale:
                continue
            finally:
                conn.execute("PRAGMA foreign_keys = ON")
                _unstage(conn)
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
        stamp = now()
        conn.executemany(
            "INSERT INTO temp.staged_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (group, stamp, actor, action, entity, str(entity_id), _snapshot(before), _snapshot(after))
                for action, entity, entity_id, before, after in plan.events
            ),
        )
        if own_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if own_transaction:
            conn.execute("ROLLBACK")
        _unstage(conn)
        raise


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
    columns = ", ".join(ANNOTATION_COLUMNS)
    conn.execute(f"INSERT INTO annotations ({columns}) SELECT {columns} FROM temp.staged_annotations ORDER BY id")
    conn.execute(
        "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) "
        "SELECT annotation_id, tag_id FROM temp.staged_annotation_tags ORDER BY annotation_id, tag_id"
    )
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
    if plan.events:
        store.log_staged_events("temp.staged_events")


def _publish_records(store: Store, db: sqlite_utils.Database, incoming: Incoming, plan: Plan, group: str) -> None:
    """The claims' text and verdicts and the sources' metadata, once the annotations are in, in the same
    transaction and undo group as they are: the import lands, and is undone, as one change."""
    events: list[Event] = []
    if incoming.claims:
        problems, events = import_claims(store, db, incoming.claims)
        plan.report.problems.extend(problems)
    metadata = {
        source_id: (source.name, source.user_metadata)
        for key, source in incoming.sources.items()
        if source.user_metadata and (source_id := plan.matched.get(key)) is not None
    }
    if metadata:
        problems, metadata_events = import_source_metadata(db, metadata)
        plan.report.problems.extend(problems)
        events.extend(metadata_events)
    if events:
        store.log_events(events, actor=IMPORT_ACTOR, group=group)


def import_claims(store: Store, db: sqlite_utils.Database, claims: list[Any]) -> tuple[list[str], list[Event]]:
    """Claim records (text, verdict, evidence) from a JSON export, for claims whose members are in the
    database and that have no record yet (so importing twice adds nothing), inside the caller's write.
    Returns a line per claim left out and why, and the events to log."""
    problems: list[str] = []
    events: list[Event] = []
    for entry in claims:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            problems.append("a claim without an id was left out")
            continue
        members = [m.get("annotation") for m in entry.get("members") or [] if isinstance(m, dict)]
        present = (
            {
                row["id"]
                for row in db.query(f"SELECT id FROM annotations WHERE id IN ({','.join('?' * len(members))})", members)
            }
            if members
            else set()
        )
        verdict = entry.get("verdict") if isinstance(entry.get("verdict"), dict) else None
        quotes = {m.get("quote") for m in entry.get("members") or [] if isinstance(m, dict)}
        own_text = entry.get("text") if isinstance(entry.get("text"), str) and entry.get("text") not in quotes else ""
        if not verdict and not own_text:
            continue  # nothing stored about it: the links make the claim
        if entry["id"] not in present:
            problems.append(f"claim {entry['id'][:12]} left out: its members are not in the database")
            continue
        if list(db.query("SELECT 1 FROM claims WHERE id = ?", [entry["id"]])):
            continue
        _insert_claim(db, entry["id"], sorted(present), own_text or "", verdict)
        for item in (verdict or {}).get("evidence") or []:
            if not isinstance(item, dict) or item.get("kind") not in ("url", "annotation"):
                continue
            value = str(item.get("value") or "")
            if item["kind"] == "url" and not is_web_url(value):
                continue
            if item["kind"] == "annotation" and not list(db.query("SELECT 1 FROM annotations WHERE id = ?", [value])):
                problems.append(f"claim {entry['id'][:12]}: evidence annotation {value[:12]} is not in the database")
                continue
            _insert_evidence(store, db, entry["id"], item["kind"], value, str(item.get("note") or ""))
        events.append(("update", "claim", entry["id"], None, _claim_snapshot(db, entry["id"])))
    return problems, events


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
    db: sqlite_utils.Database, metadata: Mapping[int, tuple[str, Mapping[str, str]]]
) -> tuple[list[str], list[Event]]:
    """The metadata the exporting user set, by local source id ((name, values) each), set as `reader meta`
    does (a second import changes nothing), inside the caller's write: a line per source left out, and
    the events to log."""
    problems: list[str] = []
    events: list[Event] = []
    for source_id, (name, values) in metadata.items():
        try:
            checked = check_metadata({k: str(v) for k, v in values.items()})
        except MetadataError as error:
            problems.append(f"metadata of {name} left out: {error}")
            continue
        before = _source_snapshot(db, source_id)
        if before is None:
            continue
        user = {**before["user_metadata"], **checked}
        shown = effective_metadata(json.loads(before["file_metadata"] or "{}"), user)
        if not shown["title"]:
            shown["title"] = before["title"] if "title" not in user else "(untitled)"
        after = {**before, **shown, "user_metadata": user}
        if after != before:
            _put_source(db, after)
            events.append(("update", "source", source_id, before, after))
    return problems, events
