"""The user's decisions on suggested pairs, kept in the database: confirmed and rejected pairs (a rejected
pair is never suggested again, and reader.comparison.pair_model refits the pair model on them), and the
user's links as groups of spans (a user's link always wins over the aligner).

A decision is a change like any other: logged in the event log (entity `pair_decision`, its snapshot as
reader.store.events writes it), so undo takes it back, sync carries it and the JSON export holds it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.model import AnchorStatus, LinkKind
from reader.model import Decision as PairDecision
from reader.store.connection import now
from reader.store.events import PAIR_DECISION, pair_decision_key, pair_decision_snapshot

if TYPE_CHECKING:
    from reader.store import Store

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
        found = list(db.query(f"SELECT * FROM pair_decisions WHERE {_SAME_PAIR}", [*a, *b]))
        before = pair_decision_snapshot(found[0]) if found else None
        if before is not None and before["decision"] == decision:
            return False
        db.execute(f"DELETE FROM pair_decisions WHERE {_SAME_PAIR}", [*a, *b])
        db.table("pair_decisions").insert(row)
        store._log("update" if before else "create", PAIR_DECISION, key, before, after)
    return True


_SAME_PAIR = "source_a = ? AND start_a = ? AND end_a = ? AND source_b = ? AND start_b = ? AND end_b = ?"


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
