"""The user's decisions on suggested pairs, kept in the database: confirmed and rejected pairs (a rejected
pair is never suggested again, and reader.comparison.pair_model refits the pair model on them), and the
user's links as groups of spans (a user's link always wins over the aligner).

A decision is a change like any other: logged in the event log (entity `pair_decision`, its snapshot as
reader.store.events writes it), so undo takes it back, sync carries it and the JSON export holds it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reader.model import AnchorStatus, LinkKind
from reader.model import Decision as PairDecision
from reader.store.connection import now
from reader.store.events import PAIR_DECISION, pair_decision_key, pair_decision_snapshot

if TYPE_CHECKING:
    from reader.store import Store
    from reader.store.incoming import IncomingDecision

DECISIONS = tuple(decision.value for decision in PairDecision)

# The shapes reader.align.suggest takes: a passage (source id, start, end), a pair the user rejected, and a
# passage in a group of linked ones with the kind of its link.
SpanRef = tuple[int, int, int]
RejectedPair = tuple[SpanRef, SpanRef]
LinkedSpan = tuple[int, int, int, str]


@dataclass(frozen=True)
class Decision:
    decision: str
    a: SpanRef
    b: SpanRef
    features: tuple[float, ...]


def _ordered(a: SpanRef, b: SpanRef) -> tuple[SpanRef, SpanRef]:
    return (a, b) if (a[0], a[1]) <= (b[0], b[1]) else (b, a)


def record_decision(store: Store, decision: str, a: SpanRef, b: SpanRef, features: Sequence[float] = ()) -> bool:
    """Remember that the user confirmed or rejected the pair a, b (spans of two sources' current texts), as
    one undoable change; a later decision on the same pair replaces the earlier one. The decision the pair
    already has changes nothing (False): no empty step for undo."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    a, b = _ordered(a, b)
    if a[0] == b[0]:
        raise ValueError("a pair joins passages of two different sources")
    text_a, text_b = store.text(a[0]), store.text(b[0])
    row = {
        "decision": decision,
        "source_a": a[0],
        "start_a": a[1],
        "end_a": a[2],
        "quote_a": text_a[a[1] : a[2]],
        "source_b": b[0],
        "start_b": b[1],
        "end_b": b[2],
        "quote_b": text_b[b[1] : b[2]],
        "features": json.dumps([round(float(x), 6) for x in features]),
        "author": store.author,
        "decided": now(),
    }
    after = pair_decision_snapshot(row)
    key = pair_decision_key(after)
    with store.write() as db:
        before = decision_snapshot_of(db, a, b)
        if before is not None and before["decision"] == decision:
            return False
        db.execute(f"DELETE FROM pair_decisions WHERE {_SAME_PAIR}", [*a, *b])
        db.table("pair_decisions").insert(row)
        store._log("update" if before else "create", PAIR_DECISION, key, before, after)
    return True


_SAME_PAIR = "source_a = ? AND start_a = ? AND end_a = ? AND source_b = ? AND start_b = ? AND end_b = ?"


def locate_passage(text: str, start: int, end: int, quote: str) -> tuple[int, int] | None:
    """Where a decided passage is in text: at start-end if the quote is still there, else its occurrence
    nearest start (the text changed since), else None. For decisions that come from elsewhere (sync,
    import), whose offsets were taken on another copy of the text."""
    if 0 <= start < end <= len(text) and text[start:end] == quote:
        return start, end
    if not quote:
        return None
    best, found = None, text.find(quote)
    while found != -1:
        if best is None or abs(found - start) < abs(best - start):
            best = found
        found = text.find(quote, found + 1)
    return None if best is None else (best, best + len(quote))


def decision_snapshot_of(db: Any, a: SpanRef, b: SpanRef) -> dict[str, Any] | None:
    """The logged snapshot of the pair's decision now (a, b in the table's order), or None if it has none."""
    rows = list(db.query(f"SELECT * FROM pair_decisions WHERE {_SAME_PAIR}", [*a, *b]))
    return pair_decision_snapshot(rows[0]) if rows else None


Snapshot = dict[str, Any]


def decision_from_hub(
    db: Any,
    key: str,
    payload: dict | None,
    known: Callable[[str], tuple[int, int] | None],
    fetched: Callable[[str, str], tuple[int, int] | None],
) -> tuple[str, Snapshot | None, Snapshot | None] | str:
    """A team member's decision as it is here: (the pair's entity id here, its snapshot now, the one the hub's
    change gives it; None: no decision), or why it cannot be placed. key is the hub's
    hash:start:end:hash:start:end (reader.sync_local), payload the decision (None: taken back); known(hash)
    is (source id, version id) of this database's source of that text, fetched(hash, hash) makes one from the
    hub's copy. Offsets are checked by quote (found again, nearest, if this copy of the text moved on)."""
    parts = key.split(":")
    if len(parts) != 6:
        raise ValueError("not a pair of passages")
    if payload is None:
        ends = []
        for digest, start, end in (parts[0:3], parts[3:6]):
            found = known(digest)
            if found is None:
                return "", None, None  # no such text here: no decision to take back
            ends.append((found[0], int(start), int(end)))
        a, b = _ordered(ends[0], ends[1])
        return pair_decision_key({**_sides(a, "a"), **_sides(b, "b")}), decision_snapshot_of(db, a, b), None
    passages = []
    for side in ("a", "b"):
        digest = str(payload[f"text_{side}"])
        found = known(digest) or fetched(digest, digest)
        if found is None:
            return "pair decision on a text the hub does not have"
        text = _current_text(db, found[0])
        quote = str(payload[f"quote_{side}"])
        span = locate_passage(text, int(payload[f"start_{side}"]), int(payload[f"end_{side}"]), quote)
        if span is None:
            return "pair decision on a passage this reader's text does not have"
        passages.append(((found[0], *span), quote))
    if passages[0][0][0] == passages[1][0][0]:
        return "pair decision within one source"
    (a, quote_a), (b, quote_b) = sorted(passages, key=lambda passage: passage[0][:2])
    if str(payload["decision"]) not in DECISIONS:
        raise ValueError("not a decision")
    after = {
        "decision": str(payload["decision"]),
        **_sides(a, "a"),
        "quote_a": quote_a,
        **_sides(b, "b"),
        "quote_b": quote_b,
        "features": [float(x) for x in payload.get("features") or []],
        "author": str(payload.get("author") or ""),
        "decided": str(payload.get("decided") or now()),
    }
    return pair_decision_key(after), decision_snapshot_of(db, a, b), after


def _sides(passage: SpanRef, side: str) -> dict[str, int]:
    """A passage as one side's columns of pair_decisions: source_a, start_a, end_a (side "a")."""
    return {f"source_{side}": passage[0], f"start_{side}": passage[1], f"end_{side}": passage[2]}


def _current_text(db: Any, source_id: int) -> str:
    """A source's current text, read inside the caller's transaction."""
    return db.execute(
        "SELECT v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id WHERE s.id = ?",
        [source_id],
    ).fetchone()[0]


def import_decisions(
    db: Any, incoming: Sequence[IncomingDecision], matched: Mapping[str, int | None]
) -> tuple[list[str], list[tuple[str, str, str, None, Snapshot]]]:
    """Pair decisions from a JSON export, on the database's sources the file's match (matched: the file's
    source key -> source id), each passage checked by its quote on the current text (found again if the
    text moved on), inside the caller's write. A pair that has a decision here already keeps it, so
    importing twice adds nothing. Returns a line for the decisions left out, and the events to log."""
    texts: dict[int, str] = {}
    events: list[tuple[str, str, str, None, Snapshot]] = []
    left_out = 0
    for item in incoming:
        passages: list[SpanRef] = []
        for key, start, end, quote in (item.a, item.b):
            source_id = matched.get(key)
            if source_id is None:
                break
            if source_id not in texts:
                texts[source_id] = _current_text(db, source_id)
            span = locate_passage(texts[source_id], start, end, quote)
            if span is None:
                break
            passages.append((source_id, *span))
        if len(passages) < 2 or passages[0][0] == passages[1][0] or item.decision not in DECISIONS:
            left_out += 1
            continue
        a, b = _ordered(passages[0], passages[1])
        if decision_snapshot_of(db, a, b) is not None:
            continue
        row = {
            "decision": item.decision,
            **_sides(a, "a"),
            "quote_a": texts[a[0]][a[1] : a[2]],
            **_sides(b, "b"),
            "quote_b": texts[b[0]][b[1] : b[2]],
            "features": json.dumps([round(float(x), 6) for x in item.features]),
            "author": item.author,
            "decided": item.decided or now(),
        }
        db.table("pair_decisions").insert(row)
        snapshot = pair_decision_snapshot(row)
        events.append(("create", PAIR_DECISION, pair_decision_key(snapshot), None, snapshot))
    problems = [f"{left_out} pair decisions left out: their passages are not in this database's sources"]
    return (problems if left_out else []), events


def decisions(store: Store, source_ids: Iterable[int] | None = None) -> list[Decision]:
    """Every decision (of pairs within source_ids, if given), oldest first."""
    rows = store.query("SELECT * FROM pair_decisions ORDER BY id")
    wanted = None if source_ids is None else set(source_ids)
    found = []
    for row in rows:
        if wanted is not None and not (row["source_a"] in wanted and row["source_b"] in wanted):
            continue
        found.append(
            Decision(
                PairDecision(row["decision"]),
                (row["source_a"], row["start_a"], row["end_a"]),
                (row["source_b"], row["start_b"], row["end_b"]),
                tuple(json.loads(row["features"])),
            )
        )
    return found


def rejected_pairs(store: Store, source_ids: Iterable[int] | None = None) -> list[RejectedPair]:
    return [(d.a, d.b) for d in decisions(store, source_ids) if d.decision == PairDecision.REJECTED]


def linked_groups(store: Store, source_ids: Iterable[int]) -> list[list[LinkedSpan]]:
    """The user's links between annotations of source_ids, as groups of linked spans (connected through
    links), each span with the kind of a link it takes part in ("same" first)."""
    wanted = set(source_ids)
    annotations = {
        a.id: a
        for sid in wanted
        for a in store.annotations(source_id=sid)
        if a.anchor_status != AnchorStatus.ORPHANED and a.end > a.start
    }
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kinds: dict[str, str] = {}
    for link in store.links():
        if link.from_annotation in annotations and link.to_annotation in annotations:
            parent[find(link.from_annotation)] = find(link.to_annotation)
            for end in (link.from_annotation, link.to_annotation):
                if kinds.get(end) != LinkKind.SAME:
                    kinds[end] = link.kind
    groups: dict[str, list[LinkedSpan]] = defaultdict(list)
    for annotation_id in kinds:
        a = annotations[annotation_id]
        groups[find(annotation_id)].append((a.source_id, a.start, a.end, kinds[annotation_id]))
    return [sorted(group, key=lambda s: (s[0], s[1])) for group in groups.values()]
