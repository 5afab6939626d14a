"""The local side of a sync's push: a hybrid logical clock, and this database's logged changes turned into
hub payloads in the outbox.

An entity's snapshot from the event log travels keyed so that it means the same on every machine:
annotations and links by their uuid, tags by name, sources by the content hash of their text (which
travels with them), a pair decision by its two passages on those texts. Changes applied by sync itself
are never sent back.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import cast

from reader.store import Store
from reader.store.events import PAIR_DECISION
from reader.store.remote import SYNC_ACTOR, LocalTexts

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


def origin_of(store: Store) -> str:
    """This database's id on hubs, made on its first sync (inside the caller's write transaction)."""
    origin = store.sync_state("origin")
    if not origin:
        origin = uuid.uuid4().hex[:16]
        store.set_sync_state("origin", origin)
    return origin


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
    if entity == PAIR_DECISION:
        return _encode_pair_decision(snapshot, known, texts)
    if entity == "silence":
        source_hash = texts.current_hash.get(cast(int, known.get("source_id")))
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


def _encode_pair_decision(
    snapshot: dict | None, known: dict, texts: LocalTexts
) -> tuple[str, dict | None, list[str]] | None:
    """A pair decision on the hub: keyed hash:start:end:hash:start:end by its two passages on their sources'
    texts (the lower hash first, so every member names the pair alike), never by local source ids."""
    sides = []
    for side in ("a", "b"):
        digest = texts.current_hash.get(cast(int, known.get(f"source_{side}")))
        if digest is None:
            return None
        sides.append((digest, int(known[f"start_{side}"]), int(known[f"end_{side}"]), side))
    sides.sort()
    key = ":".join(f"{digest}:{start}:{end}" for digest, start, end, _ in sides)
    if snapshot is None:
        return key, None, []
    payload = {k: snapshot.get(k) for k in ("decision", "features", "author", "decided")}
    for (digest, start, end, side), name in zip(sides, ("a", "b")):
        payload.update(
            {
                f"text_{name}": digest,
                f"start_{name}": start,
                f"end_{name}": end,
                f"quote_{name}": snapshot[f"quote_{side}"],
            }
        )
    return key, payload, [sides[0][0], sides[1][0]]


def _encode_json(payload: dict | None) -> str | None:
    # ASCII: PostgreSQL text takes no NUL and no lone surrogate; JSON escapes both.
    return None if payload is None else json.dumps(payload, ensure_ascii=True, sort_keys=True)


def stamp_pending(store: Store, origin: str, clock: Clock) -> int:
    """Turn local events after the stamped mark into outbox rows (inside the caller's write transaction).

    Undo and redo become the snapshots they restore; changes applied by sync itself are not sent back.
    Returns how many outbox rows were written.
    """
    mark = int(store.sync_state("stamped", "0"))
    rows = store.events_after(mark)
    if not rows:
        return 0
    texts = store.local_texts()
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
            replayed = store.group_changes(ref_group)
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
    store.put_outbox(
        (
            (entity, key, hlc, author, payload, json.dumps(needed))
            for (entity, key), (hlc, author, payload, needed) in latest.items()
        ),
    )
    store.set_sync_state("stamped", str(last_id))
    store.set_sync_state("hlc", clock.state)
    return len(latest)
