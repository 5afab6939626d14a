"""Planning an import from a read snapshot, without the write lock: which database source each of the
file's sources is, which annotations are new, where each lands on the current text (re-anchored when the
text it was made on differs), the tags, links and silent marks to add, and the events that log them.

Every row is worked out here; reader.store.bulk then stages and publishes them.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from reader.anchoring import anchor
from reader.model import AnchorStatus, Selector
from reader.store.connection import content_hash, now
from reader.store.events import annotation_snapshot, tag_snapshot
from reader.store.incoming import (
    ID_NAMESPACE,
    ImportRefused,
    ImportReport,
    Incoming,
    IncomingAnnotation,
    IncomingLink,
    IncomingSilence,
    IncomingSource,
    IncomingTag,
)
from reader.store.migrations import ANNOTATION_COLUMNS
from reader.store.tags import TAG_PALETTE
from reader.text import plural

_encode_json = msgspec.json.Encoder().encode
Event = tuple[str, str, Any, Any, Any]  # (action, entity, entity_id, before, after), as EventLog.log_events takes


@dataclass
class Plan:
    """Every row an import will write, worked out from a read snapshot without the write lock.

    New tags and source versions get the ids SQLite would give them (max + 1...), which stay right only
    if nothing else was committed in between: publishing checks that (PRAGMA data_version)."""

    report: ImportReport
    tags: list[tuple] = field(default_factory=list)
    versions: list[tuple] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    tag_rows: list[tuple[str, int]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    silences: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, str, Any, Any, Any]] = field(default_factory=list)
    matched: dict[str, int | None] = field(default_factory=dict)  # the file's source key -> the database's id
    basis: tuple = ()  # the tags and the sources' current texts it was made on (planning_basis)


def plan_import(conn: sqlite3.Connection, incoming: Incoming, path: Path) -> Plan:
    """Every row importing incoming would write, from what conn sees now (no write lock taken)."""
    report = ImportReport(path=path, format=incoming.format)
    plan = Plan(report, basis=planning_basis(conn))
    matched = plan.matched = _match_sources(conn, incoming.sources)
    for key, source in incoming.sources.items():
        if matched.get(key) is None:
            count = sum(1 for a in incoming.annotations if a.source_key == key)
            if count:
                report.missing_sources += count
                report.problems.append(
                    f"{plural(count, 'annotation')} not imported: their source {source.label!r} is not in the database "
                    "(load it with --corpus, then import again)"
                )
    candidates = [a for a in incoming.annotations if matched.get(a.source_key) is not None]
    present = existing_ids(conn, "annotations", [a.id for a in candidates])
    report.already_present = sum(1 for a in candidates if a.id in present)
    new_items, seen = [], set(present)
    for item in candidates:
        if item.id not in seen:
            seen.add(item.id)
            new_items.append(item)

    tag_ids = _ensure_tags(conn, incoming.tags, new_items, plan, report)
    placer = _Placer(conn, incoming.sources, matched, plan)
    for item in new_items:
        row = placer.place(item)
        if row["anchor_status"] != AnchorStatus.ANCHORED or (row["anchor_start"], row["anchor_end"]) != (
            row["position_start"],
            row["position_end"],
        ):
            report.reanchored[row["anchor_status"]] = report.reanchored.get(row["anchor_status"], 0) + 1
        plan.rows.append(row)
        names = list(dict.fromkeys(name.casefold() for name in item.tags)) if item.tags else []
        plan.tag_rows.extend((item.id, tag_ids[name][0]) for name in names)
        # The event log keeps a snapshot (the row, its tags and links) for undo; encoded here, fast.
        snapshot = annotation_snapshot(row, [tag_ids[name][1] for name in names], [])
        plan.events.append(("create", "annotation", item.id, None, _encode_json(snapshot).decode("utf-8")))
    report.imported = len(plan.rows)
    new_ids = {row["id"] for row in plan.rows}
    _add_links(conn, incoming.links, new_ids, plan, report)
    _add_silences(conn, incoming.silences, matched, new_ids, plan, report)
    return plan


def planning_basis(conn: sqlite3.Connection) -> tuple:
    """What a plan's rows depend on beyond the rows they name (which foreign keys check): the tags' ids
    and names, and each source's current text. A plan whose basis changed is made again."""
    return (
        conn.execute("SELECT id, name FROM tags ORDER BY id").fetchall(),
        conn.execute("SELECT id, current_version_id FROM sources ORDER BY id").fetchall(),
    )


def _next_id(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]


def existing_ids(conn: sqlite3.Connection, table: str, ids: list[str]) -> set[str]:
    """Which of ids the table (or view) holds, asked 500 at a time."""
    found: set[str] = set()
    for offset in range(0, len(ids), 500):
        chunk = ids[offset : offset + 500]
        found.update(
            row[0] for row in conn.execute(f"SELECT id FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        )
    return found


def _match_sources(conn: sqlite3.Connection, sources: dict[str, IncomingSource]) -> dict[str, int | None]:
    """The database source for each of the file's: same path, else same file name, else same text, else URL."""
    stored = conn.execute(
        "SELECT s.id, s.path, s.url, v.content_hash FROM sources s "
        "LEFT JOIN source_versions v ON v.id = s.current_version_id"
    ).fetchall()
    by_path = {path: source_id for source_id, path, _, _ in stored}
    by_name: dict[str, list[int]] = {}
    by_url: dict[str, list[int]] = {}
    current_hash = {source_id: digest for source_id, _, _, digest in stored}
    for source_id, path, url, _ in stored:
        by_name.setdefault(os.path.basename(path), []).append(source_id)
        if url:
            by_url.setdefault(url, []).append(source_id)
    by_hash: dict[str, list[int]] = {}
    for source_id, digest in conn.execute("SELECT source_id, content_hash FROM source_versions"):
        by_hash.setdefault(digest, []).append(source_id)

    def one(candidates: list[int], digest: str) -> int | None:
        candidates = list(dict.fromkeys(candidates))
        if len(candidates) > 1 and digest:
            candidates = [c for c in candidates if current_hash.get(c) == digest] or [
                c for c in candidates if c in by_hash.get(digest, [])
            ]
        return candidates[0] if len(candidates) == 1 else None

    matched: dict[str, int | None] = {}
    for key, source in sources.items():
        found = by_path.get(source.path) if source.path else None
        if found is None and source.name:
            found = one(by_name.get(source.name, []), source.content_hash)
        if found is None and source.content_hash:
            found = one(by_hash.get(source.content_hash, []), source.content_hash)
        if found is None and source.url:
            found = one(by_url.get(source.url, []), source.content_hash)
        matched[key] = found
    return matched


def _ensure_tags(
    conn: sqlite3.Connection,
    defined: list[IncomingTag],
    items: list[IncomingAnnotation],
    plan: Plan,
    report: ImportReport,
) -> dict[str, tuple[int, str]]:
    """(id, stored name) by folded name for every tag the file defines or uses, creating the missing ones."""
    known = {name.casefold(): (tag_id, name) for tag_id, name in conn.execute("SELECT id, name FROM tags")}
    definitions = {tag.name.casefold(): tag for tag in defined}
    first_spelling: dict[str, str] = {}  # folded name -> the first spelling the file uses (one pass, not one a tag)
    for item in items:
        for name in item.tags:
            first_spelling.setdefault(name.casefold(), name)
    wanted = dict.fromkeys(list(definitions) + list(first_spelling))
    position = conn.execute("SELECT coalesce(max(position), -1) FROM tags").fetchone()[0]
    tag_id = _next_id(conn, "tags") - 1
    for folded in wanted:
        if folded in known:
            continue
        definition = definitions.get(folded)
        name = definition.name if definition else first_spelling[folded]
        position += 1
        row = {
            "name": name,
            "colour": _colour(definition.colour if definition else "", len(known)),
            "description": definition.description if definition else "",
            "position": position,
            "created": now(),
        }
        tag_id += 1
        plan.tags.append((tag_id, row["name"], row["colour"], row["description"], row["position"], row["created"]))
        known[folded] = (tag_id, name)
        report.tags_added += 1
        plan.events.append(("create", "tag", tag_id, None, tag_snapshot({"id": tag_id, **row}, [])))
    return known


def _colour(colour: str, index: int) -> str:
    from rich.color import Color, ColorParseError

    try:
        return (
            Color.parse(colour.strip()).get_truecolor().hex if colour.strip() else TAG_PALETTE[index % len(TAG_PALETTE)]
        )
    except ColorParseError:
        return TAG_PALETTE[index % len(TAG_PALETTE)]


class _Placer:
    """Turns an incoming annotation into a row: which stored text it was made on, where it sits now."""

    COLUMNS = ANNOTATION_COLUMNS

    def __init__(
        self, conn: sqlite3.Connection, sources: dict[str, IncomingSource], matched: dict[str, int | None], plan: Plan
    ) -> None:
        self.conn = conn
        self.sources = sources
        self.matched = matched
        self.plan = plan
        self._next_version_id = _next_id(conn, "source_versions")
        self._lengths: dict[int, int] = {}
        self._current: dict[int, tuple[int, str]] = {}
        self._versions: dict[int, dict[str, int]] = {}

    def current(self, source_id: int) -> tuple[int, str]:
        if source_id not in self._current:
            self._current[source_id] = self.conn.execute(
                "SELECT v.id, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
                "WHERE s.id = ?",
                [source_id],
            ).fetchone()
        return self._current[source_id]

    def version_for(self, source_id: int, item: IncomingAnnotation) -> int | None:
        """The stored version with the text item was made on, storing it from the file if need be."""
        if not item.version_hash:
            return None
        versions = self._versions.get(source_id)
        if versions is None:
            versions = self._versions[source_id] = {
                digest: version_id
                for version_id, digest in self.conn.execute(
                    "SELECT id, content_hash FROM source_versions WHERE source_id = ?", [source_id]
                )
            }
        if item.version_hash in versions:
            return versions[item.version_hash]
        text = self.sources[item.source_key].versions.get(item.version_hash)
        if text is None or content_hash(text) != item.version_hash:
            return None
        version_id = self._next_version_id
        self._next_version_id += 1
        self.plan.versions.append((version_id, source_id, item.version_hash, text, len(text), now()))
        self._lengths[version_id] = len(text)
        versions[item.version_hash] = version_id
        return version_id

    def length(self, version_id: int, current_id: int, current_text: str) -> int:
        """The length of a stored version's text (offsets made on it must fall inside it)."""
        if version_id == current_id:
            return len(current_text)
        if version_id in self._lengths:  # planned from the file, not stored yet
            return self._lengths[version_id]
        return self.conn.execute("SELECT length FROM source_versions WHERE id = ?", [version_id]).fetchone()[0]

    def place(self, item: IncomingAnnotation) -> dict[str, Any]:
        source_id = self.matched[item.source_key]
        assert source_id is not None  # only annotations of matched sources are placed
        current_id, text = self.current(source_id)
        version_id = self.version_for(source_id, item)
        made_on_current = version_id is None or version_id == current_id
        if version_id is not None and item.end > self.length(version_id, current_id, text):
            raise ImportRefused(
                f"annotation {item.id}: end {item.end} is past the end of the text it was made "
                f"on ({self.length(version_id, current_id, text)} characters)"
            )
        exact = item.end <= len(text) and item.end - item.start == len(item.quote)
        if made_on_current and exact and text[item.start : item.end] == item.quote:
            status, start, end, score = AnchorStatus.ANCHORED, item.start, item.end, 100.0
        else:
            found = anchor(text, Selector(item.start, item.end, item.quote, item.prefix, item.suffix))
            status, start, end, score = found.status, found.start, found.end, found.score
        return {
            "id": item.id,
            "source_id": source_id,
            "version_id": version_id or current_id,
            "position_start": item.start,
            "position_end": item.end,
            "quote": item.quote,
            "prefix": item.prefix,
            "suffix": item.suffix,
            "note": item.note,
            "author": item.author,
            "created": item.created,
            "updated": item.updated,
            "anchor_status": status,
            "anchor_version_id": current_id,
            "anchor_start": start,
            "anchor_end": end,
            "anchor_score": score,
        }


def _add_links(
    conn: sqlite3.Connection, links: list[IncomingLink], new_ids: set[str], plan: Plan, report: ImportReport
) -> None:
    """Links whose two ends are in the database (or the plan) and that it does not have yet (in either
    direction for csv)."""
    ends = existing_ids(conn, "annotations", list({i for link in links for i in (link.from_id, link.to_id)}))
    ends |= new_ids
    planned_ids: set[str] = set()
    missing = 0
    done: set[tuple[str, str, str]] = set()
    for link in links:
        if link.from_id not in ends or link.to_id not in ends or link.from_id == link.to_id:
            missing += 1
            continue
        key = (link.from_id, link.to_id, link.kind)
        reverse = (link.to_id, link.from_id, link.kind)
        if key in done or (not link.directed and reverse in done):
            continue
        done.add(key)
        clash = conn.execute(
            "SELECT 1 FROM links WHERE id = ? OR (from_annotation = ? AND to_annotation = ? AND kind = ?) "
            "OR (? AND from_annotation = ? AND to_annotation = ? AND kind = ?)",
            [link.id, *key, int(not link.directed), *reverse],
        ).fetchone()
        row = {
            "id": link.id or uuid.uuid5(ID_NAMESPACE, ":".join(sorted(key[:2])) + ":" + link.kind).hex,
            "from_annotation": link.from_id,
            "to_annotation": link.to_id,
            "kind": link.kind,
            "created": link.created or now(),
            "author": link.author,
        }
        if clash or row["id"] in planned_ids:
            continue
        planned_ids.add(row["id"])
        plan.links.append(row)
        plan.events.append(("create", "link", row["id"], None, row))
        report.links_added += 1
    if missing:
        report.problems.append(
            f"{plural(missing, 'link')} not imported: an annotation they join is not in the database"
        )


def _add_silences(
    conn: sqlite3.Connection,
    silences: list[IncomingSilence],
    matched: dict[str, int | None],
    new_ids: set[str],
    plan: Plan,
    report: ImportReport,
) -> None:
    """Silent marks whose annotation and source are both in the database (or the plan) and that it does
    not have yet."""
    present = existing_ids(conn, "annotations", list({s.annotation_id for s in silences})) | new_ids
    planned: set[tuple[str, int]] = set()
    for silence in silences:
        source_id = matched.get(silence.source_key)
        if source_id is None or silence.annotation_id not in present:
            continue
        key = (silence.annotation_id, source_id)
        if (
            key in planned
            or conn.execute("SELECT 1 FROM silences WHERE annotation_id = ? AND source_id = ?", key).fetchone()
        ):
            continue
        planned.add(key)
        row = {
            "annotation_id": silence.annotation_id,
            "source_id": source_id,
            "marked": silence.marked or now(),
            "author": silence.author,
        }
        plan.silences.append(row)
        plan.events.append(("create", "silence", f"{silence.annotation_id}:{source_id}", None, row))
        report.silences_added += 1
