"""Sync a local database with a team hub: push the changes the hub has not seen, pull everyone else's.

The unit that travels is an entity's snapshot from the event log (annotation, tag, link, silent mark, pair
decision, or any entity a later reader logs), keyed so that it means the same on every machine: annotations
and links by their uuid, tags by name, sources by the content hash of their text (which travels with
them), pair decisions by their two passages on those texts.

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

This module is the exchange with the hub (pull, push, conflicts); the clock and the stamping of local
changes are reader.sync_local, and every read and write of this database goes through the store
(reader.store.syncing: state, outbox, conflicts; reader.store.remote: applying the hub's changes).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reader.store import Store, StoreError, content_hash, now
from reader.store.remote import CONFLICT_ENTITY, HUB_PATH_PREFIX, SYNC_ACTOR
from reader.sync_local import Clock, origin_of, stamp_pending

__all__ = [
    "CONFLICT_ENTITY",
    "ENTITY_ORDER",
    "HUB_PATH_PREFIX",
    "PULL_BATCH",
    "SYNC_ACTOR",
    "SyncResult",
    "annotations_digest",
    "conflicts",
    "resolve",
    "status",
    "sync",
]

PULL_BATCH = 5000
# Applied in this order within a batch, so what a snapshot refers to is there first.
ENTITY_ORDER = {"tag": 0, "annotation": 1, "link": 2, "silence": 3, "pair_decision": 4, "sync_conflict": 9}


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    applied: int = 0
    conflicts: int = 0
    texts_fetched: int = 0
    texts_sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


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
    if entity == "pair_decision":  # hash:start:end:hash:start:end
        found.extend(key.split(":")[0::3])
    return found


def _differs(entity: str, ours: Any, theirs: Any) -> bool:
    """Whether two concurrent versions of an entity disagree (a conflict to keep): two members' decisions on
    one pair agree when they decide alike, whoever made them and when."""
    if entity == "pair_decision" and isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.get("decision") != theirs.get("decision")
    return ours != theirs


def _pull_batch(store: Store, hub, origin: str, clock: Clock, result: SyncResult) -> bool:
    """Pull and apply one batch (stamping local changes first, in the same transaction); False when
    there was nothing left to pull."""
    mark_key = f"pulled:{hub.hub_id}"
    mark = int(store.sync_state(mark_key, "0"))
    rows = hub.changes_after(mark, origin, PULL_BATCH)
    decoded = [
        (seq, entity, key, hlc, author, payload, _decode_remote(payload))
        for seq, _origin, entity, key, hlc, author, payload in rows
    ]
    wanted = {h for _s, entity, key, _h, _a, _p, data in decoded for h in _hashes_in(entity, key, data)}
    missing = wanted - store.known_content_hashes(wanted)
    fetched = hub.texts(missing) if missing else {}
    result.texts_fetched += len(fetched)
    with store.write():
        stamp_pending(store, origin, clock)
        final: dict[tuple[str, str], tuple] = {}
        for change in decoded:
            final[(change[1], change[2])] = change  # the last change to an entity in the batch is its state
        pending: dict[tuple[str, str], tuple] = {}
        for row in store.outbox_for_keys(list({key for _entity, key in final})):
            if (row[1], row[2]) in final:
                pending[(row[1], row[2])] = row
        applier = store.remote_applier(fetched, SYNC_ACTOR)
        ordered = sorted(final.values(), key=lambda c: (ENTITY_ORDER.get(c[1], len(ENTITY_ORDER)), c[0]))
        for _seq, entity, key, hlc, author, payload, data in ordered:
            clock.see(hlc)
            local = pending.get((entity, key))
            if local is not None:
                local_id, _e, _k, local_hlc, local_author, local_payload = local
                theirs_win = hlc > local_hlc
                if _differs(entity, _decode(local_payload), data):  # the later clock wins; the loser is kept
                    theirs, ours = (hlc, author, payload), (local_hlc, local_author, local_payload)
                    winner, loser = (theirs, ours) if theirs_win else (ours, theirs)
                    store.record_sync_conflict(origin, hub.hub_id, entity, key, winner, loser)
                    result.conflicts += 1
                if not theirs_win:
                    continue  # ours is later: it stays in the outbox and is pushed
                store.drop_outbox_entry(local_id)
            applier.apply(entity, key, data, author)
        applier.finish()
        for why, count in applier.skipped.items():
            result.skipped[why] = result.skipped.get(why, 0) + count
        result.pulled += len(rows)
        result.applied += applier.applied
        if rows:
            store.set_sync_state(mark_key, str(rows[-1][0]))
        store.set_sync_state("hlc", clock.state)
    return len(rows) == PULL_BATCH


def _pull_conflicts(store: Store, hub, origin: str) -> None:
    mark_key = f"conflicts:{hub.hub_id}"
    rows = hub.conflicts_after(int(store.sync_state(mark_key, "0")), origin)
    if not rows:
        return
    with store.write():
        store.add_pulled_conflicts(hub.hub_id, rows)
        store.set_sync_state(mark_key, str(rows[-1][0]))


def _push(store: Store, hub, origin: str, result: SyncResult) -> None:
    rows = store.outbox()
    conflicts = store.unpushed_conflicts()
    if not rows and not conflicts:
        return
    rows.sort(key=lambda r: (ENTITY_ORDER.get(r[1], len(ENTITY_ORDER)), r[0]))
    needed = {h for row in rows for h in json.loads(row[6])}
    to_send = hub.missing_texts(needed)
    texts = []
    if to_send:
        for digest, text, pages, title, outlet, author, published, url, fmt in store.texts_by_hash(list(to_send)):
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
            store.drop_outbox_through(max(row[0] for row in rows))
            store.set_sync_state("pushed", str(max(row[0] for row in rows)))
        if conflicts:
            store.mark_conflicts_pushed(max(row[0] for row in conflicts))


def _fork_if_copied(store: Store, hub, origin: str) -> str:
    """A database copied from another, or restored from a backup, shares its origin with changes the hub
    got from elsewhere. Seen as pushes under our origin that our outbox does not hold: this database
    then takes a new origin and pulls the hub from the start (the other copy's changes become others')."""
    pushed_mark = int(store.sync_state("pushed", "0"))
    on_hub = hub.pushed_by(origin, pushed_mark)
    if not on_hub:
        return origin
    outbox = store.outbox_hlcs_after(pushed_mark)
    if all(outbox.get(origin_id) == hlc for origin_id, hlc in on_hub.items()):
        return origin  # our own push, interrupted before we could note it: it is repeated, not duplicated
    with store.write():
        origin = uuid.uuid4().hex[:16]
        store.set_sync_state("origin", origin)
        store.forget_pull_marks()
    return origin


def sync(store: Store, hub, progress: Callable[[SyncResult], None] | None = None) -> SyncResult:
    """Push this database's unsent changes to the hub and apply everyone else's; safe to interrupt."""
    result = SyncResult()
    with store.write():
        origin = origin_of(store)
    origin = _fork_if_copied(store, hub, origin)
    clock = Clock(store.sync_state("hlc"), origin)
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
    state = store.sync_states()
    unstamped, undos = store.unstamped_counts(int(state.get("stamped", "0")), SYNC_ACTOR)
    return {
        "origin": state.get("origin", ""),
        "author": store.author,
        "unpushed": store.outbox_count() + unstamped + undos,
        "open_conflicts": store.open_conflict_count(),
        "hubs": {key.split(":", 1)[1]: int(value) for key, value in state.items() if key.startswith("pulled:")},
    }


# --- conflicts -----------------------------------------------------------------------------------------


def conflicts(store: Store, include_resolved: bool = False) -> list[dict[str, Any]]:
    rows = store.sync_conflicts(include_resolved)
    for row in rows:
        row["winner"] = _decode(row.pop("winner_payload"))
        row["loser"] = _decode(row.pop("loser_payload"))
    return rows


def resolve(store: Store, conflict_id: int, keep: str) -> str:
    """Settle a conflict: keep the winner (nothing changes), or bring back the losing version as a new
    change of yours (undoable, and pushed on the next sync)."""
    row = store.sync_conflict(conflict_id)
    if row is None:
        raise StoreError(f"no sync conflict #{conflict_id} (see `reader sync --conflicts`)")
    if row["resolved"]:
        raise StoreError(f"conflict #{conflict_id} was already resolved ({row['resolution']})")
    with store.write():
        applier = store.remote_applier({}, store.actor)
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
    rows = store.annotation_digest_rows()
    return content_hash(json.dumps([list(row) for row in rows], ensure_ascii=False))
