"""Bulk writes of an import: the claim records (text, verdict, evidence) and the source metadata a JSON
export carries, written inside the import's own write transaction so they land (and are undone) with its
annotations, as one change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlite_utils

from reader.metadata import MetadataError, check_metadata, effective_metadata, is_web_url
from reader.store.claims import _claim_snapshot, _insert_evidence, _put_source, _source_snapshot
from reader.store.connection import now

if TYPE_CHECKING:
    from reader.store import Store

Event = tuple[str, str, Any, Any, Any]  # (action, entity, entity_id, before, after), as EventLog.log_events takes


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
