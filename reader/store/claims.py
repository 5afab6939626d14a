"""Store additions for claims and source metadata: claim records (text, verdict, evidence) and the user's
own source metadata, each change one undo step in the store's event log (snapshots before and after).

A claim record is keyed by the id of the member that founded the claim and remembers its members, so
it stays with the claim when members are added (reader.claims.claim_id_for).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlite_utils

from reader.metadata import METADATA_FIELDS, MetadataError, check_metadata, effective_metadata, is_web_url
from reader.model import EvidenceKind, ReaderError
from reader.store.connection import NoSuchAnnotation, StoreError, now

if TYPE_CHECKING:
    from reader.store import Store


class ClaimError(ReaderError):
    """A claim, verdict or evidence request that cannot be done, explained in one line."""


# --- reading ---------------------------------------------------------------------------------------


def claim_records(store: Store) -> dict[str, dict[str, Any]]:
    """Every stored claim row by id, with member_ids and its evidence rows (oldest first)."""
    with store._lock:
        conn = store.db.conn
        columns = [d[0] for d in conn.execute("SELECT * FROM claims LIMIT 0").description]
        records = {}
        for row in conn.execute("SELECT * FROM claims"):
            record = dict(zip(columns, row))
            record["member_ids"] = json.loads(record["members"] or "[]")
            record["evidence"] = []
            records[record["id"]] = record
        evidence_columns = [d[0] for d in conn.execute("SELECT * FROM claim_evidence LIMIT 0").description]
        for row in conn.execute("SELECT * FROM claim_evidence ORDER BY added, rowid"):
            item = dict(zip(evidence_columns, row))
            if item["claim_id"] in records:
                records[item["claim_id"]]["evidence"].append(item)
    return records


def _claim_snapshot(db: sqlite_utils.Database, claim_id: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM claims WHERE id = ?", [claim_id]))
    if not rows:
        return None
    snapshot = rows[0]
    snapshot["evidence"] = list(
        db.query("SELECT * FROM claim_evidence WHERE claim_id = ? ORDER BY added, rowid", [claim_id])
    )
    return snapshot


# --- writing ---------------------------------------------------------------------------------------


def _ensure_record(store: Store, claim_id: str, member_ids: list[str]) -> None:
    """Create the claim's row if it has none; refresh its member list (inside the caller's transaction)."""
    db = store.db
    members = json.dumps(sorted(member_ids))
    if not list(db.query("SELECT 1 FROM claims WHERE id = ?", [claim_id])):
        stamp = now()
        db.execute(
            "INSERT INTO claims (id, members, created, updated) VALUES (?, ?, ?, ?)", [claim_id, members, stamp, stamp]
        )
    else:
        db.execute("UPDATE claims SET members = ? WHERE id = ?", [members, claim_id])


def _change_claim(store: Store, claim_id: str, member_ids: list[str], change) -> dict[str, Any]:
    """Run change(db) on the claim's row in one transaction, logging one undoable 'claim' event."""
    with store.write() as db:
        before = _claim_snapshot(db, claim_id)
        _ensure_record(store, claim_id, member_ids)
        change(db)
        db.execute("UPDATE claims SET updated = ? WHERE id = ?", [now(), claim_id])
        after = _claim_snapshot(db, claim_id)
        assert after is not None  # _ensure_record made it
        store._log("update", "claim", claim_id, before, after)  # "changing a claim": its record may be new
        return after


def set_claim_text(store: Store, claim_id: str, member_ids: list[str], text: str) -> dict[str, Any]:
    """Give a claim the user's own wording ('' goes back to the first appearance's quote)."""
    text = " ".join(text.split())
    if len(text) > 1000:
        raise ClaimError("a claim's text is at most 1,000 characters")
    current = _claim_snapshot(store.db, claim_id)
    if ((current or {}).get("text") or "") == text:  # the wording it has: no change to log (or to undo)
        return current or {}
    return _change_claim(
        store, claim_id, member_ids, lambda db: db.execute("UPDATE claims SET text = ? WHERE id = ?", [text, claim_id])
    )


def set_verdict(
    store: Store,
    claim_id: str,
    member_ids: list[str],
    rating: str,
    value: int | None,
    note: str | None = None,
    evidence: Sequence[str] = (),
    review_url: str | None = None,
) -> dict[str, Any]:
    """Record a verdict (a rating already checked against the scale), its note and evidence, as one step;
    review_url is where the fact-check is published."""
    checked = [check_evidence(store, item) for item in evidence]
    if review_url and not is_web_url(review_url.strip()):
        raise ClaimError(f"the review's url must be an http(s) address, not {review_url[:60]!r}")

    def change(db: sqlite_utils.Database) -> None:
        db.execute(
            "UPDATE claims SET rating = ?, rating_value = ?, verdict_author = ?, verdict_at = ? WHERE id = ?",
            [rating, value, store.author, now(), claim_id],
        )
        if note is not None:
            db.execute("UPDATE claims SET verdict_note = ? WHERE id = ?", [note.strip(), claim_id])
        if review_url is not None:
            db.execute("UPDATE claims SET review_url = ? WHERE id = ?", [review_url.strip(), claim_id])
        for kind, value_ in checked:
            _insert_evidence(store, db, claim_id, kind, value_, "")

    return _change_claim(store, claim_id, member_ids, change)


def add_evidence(store: Store, claim_id: str, member_ids: list[str], reference: str, note: str = "") -> dict[str, Any]:
    """Add a URL or an annotation (by id) as evidence for the claim's verdict; one undo step."""
    kind, value = check_evidence(store, reference)
    return _change_claim(
        store, claim_id, member_ids, lambda db: _insert_evidence(store, db, claim_id, kind, value, note.strip())
    )


def _insert_evidence(store: Store, db: sqlite_utils.Database, claim_id: str, kind: str, value: str, note: str) -> None:
    db.execute(
        "INSERT OR IGNORE INTO claim_evidence (id, claim_id, kind, value, note, added, author) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [uuid.uuid4().hex, claim_id, kind, value, note, now(), store.author],
    )


def check_evidence(store: Store, reference: str) -> tuple[str, str]:
    """('url', URL) for an http(s) address, ('annotation', id) for an annotation id; else ClaimError."""
    reference = reference.strip()
    if is_web_url(reference):
        return EvidenceKind.URL, reference
    try:
        return EvidenceKind.ANNOTATION, store.annotation_id_for(reference)
    except NoSuchAnnotation:
        pass
    except StoreError as error:  # too short, or the start of more than one id: what to do about it
        raise ClaimError(str(error)) from None
    raise ClaimError(f"evidence must be an http(s) URL or an annotation id, not {reference[:60]!r}")


# --- source metadata ------------------------------------------------------------------------------


def set_source_metadata(
    store: Store, source_id: int, values: dict[str, str], unset: Sequence[str] = ()
) -> dict[str, str]:
    """Set (values) or drop (unset) the user's own metadata for a source; returns what it now shows."""
    try:
        values = check_metadata(values)
    except MetadataError as error:
        raise ClaimError(str(error)) from None
    for key in unset:
        if key not in METADATA_FIELDS:
            raise ClaimError(f"unknown metadata field {key!r}; use one of {', '.join(METADATA_FIELDS)}")
    with store.write() as db:
        before = _source_snapshot(db, source_id)
        if before is None:
            raise StoreError(f"no source with id {source_id}")
        user = dict(before["user_metadata"])
        for key in unset:
            user.pop(key, None)
        user.update(values)
        shown = effective_metadata(json.loads(before["file_metadata"] or "{}"), user)
        if not shown["title"]:
            shown["title"] = before["title"] if "title" not in user else "(untitled)"
        after = {**before, **shown, "user_metadata": user}
        if after != before:
            _put_source(db, after)
            store._log("update", "source", source_id, before, after)
        return shown


def source_metadata_layers(store: Store, source_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """(what the files state, what the user set) for a source."""
    rows = store.query("SELECT file_metadata, user_metadata FROM sources WHERE id = ?", [source_id])
    if not rows:
        raise StoreError(f"no source with id {source_id}")
    return json.loads(rows[0]["file_metadata"] or "{}"), json.loads(rows[0]["user_metadata"] or "{}")


def _source_snapshot(db: sqlite_utils.Database, source_id: int) -> dict[str, Any] | None:
    rows = list(
        db.query(
            f"SELECT id, file_metadata, user_metadata, {', '.join(METADATA_FIELDS)} FROM sources WHERE id = ?",
            [source_id],
        )
    )
    if not rows:
        return None
    snapshot = rows[0]
    snapshot["user_metadata"] = json.loads(snapshot["user_metadata"] or "{}")
    return snapshot


def _put_source(db: sqlite_utils.Database, snapshot: dict[str, Any]) -> None:
    db.execute(
        f"UPDATE sources SET user_metadata = ?, {', '.join(f'{k} = ?' for k in METADATA_FIELDS)} WHERE id = ?",
        [
            json.dumps(snapshot["user_metadata"], ensure_ascii=False),
            *(snapshot[k] for k in METADATA_FIELDS),
            snapshot["id"],
        ],
    )


# --- undo and redo: how the event log's snapshots are put back -------------------------------------


class _ClaimReplay:
    @staticmethod
    def remove(db: sqlite_utils.Database, entity_id: str) -> None:
        db.execute("DELETE FROM claims WHERE id = ?", [entity_id])

    @staticmethod
    def put(db: sqlite_utils.Database, snapshot: dict[str, Any]) -> None:
        evidence = snapshot.pop("evidence", [])
        db.execute(
            f"INSERT OR REPLACE INTO claims ({', '.join(snapshot)}) VALUES ({', '.join('?' * len(snapshot))})",
            list(snapshot.values()),
        )
        db.execute("DELETE FROM claim_evidence WHERE claim_id = ?", [snapshot["id"]])
        for item in evidence:
            db.execute(
                f"INSERT INTO claim_evidence ({', '.join(item)}) VALUES ({', '.join('?' * len(item))})",
                list(item.values()),
            )


class _SourceMetadataReplay:
    @staticmethod
    def remove(db: sqlite_utils.Database, entity_id: str) -> None:
        """Source metadata is never created by a change, only changed; nothing to remove."""

    @staticmethod
    def put(db: sqlite_utils.Database, snapshot: dict[str, Any]) -> None:
        if list(db.query("SELECT 1 FROM sources WHERE id = ?", [snapshot["id"]])):
            _put_source(db, snapshot)


# How reader.store.events puts back the snapshots of the entities this module logs.
REPLAYED_ENTITIES: dict[str, type[_ClaimReplay] | type[_SourceMetadataReplay]] = {
    "claim": _ClaimReplay,
    "source": _SourceMetadataReplay,
}


def rating_on_scale(ratings, given: str):
    """The Rating named given (case, hyphens and underscores aside); ClaimError listing the scale if none."""
    wanted = " ".join(given.replace("-", " ").replace("_", " ").split()).casefold()
    for rating in ratings:
        if rating.name.casefold() == wanted:
            return rating
    started = [rating for rating in ratings if wanted and rating.name.casefold().startswith(wanted)]
    if len(started) == 1:  # "mostly t" is "mostly true", as a completion would have it
        return started[0]
    names = ", ".join(rating.name for rating in ratings)
    raise ClaimError(f"{given[:40]!r} is not on the rating scale ({names})")
