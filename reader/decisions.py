"""The user's decisions on suggested pairs, kept in the database: confirmed and rejected pairs (a rejected
pair is never suggested again), the pair model refitted on them, and the user's links as groups of spans
(a user's link always wins over the aligner).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reader.align import tuning
from reader.align.learn import DEFAULT_MODEL, ConfirmedPair, PairModel, UserPairs, refit, stems_of
from reader.align.suggest import LinkedSpan, RejectedPair, SpanRef
from reader.store import now

DECISIONS = ("confirmed", "rejected")


@dataclass(frozen=True)
class Decision:
    decision: str
    a: SpanRef
    b: SpanRef
    features: tuple[float, ...]


def _ordered(a: SpanRef, b: SpanRef) -> tuple[SpanRef, SpanRef]:
    return (a, b) if (a[0], a[1]) <= (b[0], b[1]) else (b, a)


def record_decision(store, decision: str, a: SpanRef, b: SpanRef, features: Sequence[float] = ()) -> None:
    """Remember that the user confirmed or rejected the pair a, b (spans of two sources' current texts);
    a later decision on the same pair replaces the earlier one."""
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
    with store.write() as db:
        db.execute(
            "DELETE FROM pair_decisions WHERE source_a = ? AND start_a = ? AND end_a = ? AND source_b = ? "
            "AND start_b = ? AND end_b = ?",
            [a[0], a[1], a[2], b[0], b[1], b[2]],
        )
        db["pair_decisions"].insert(row)


def record_link(store, from_annotation: str, to_annotation: str) -> None:
    """A link made by hand between passages of two sources is a confirmed pair the model learns from."""
    from reader.align import SourceText, prepare_claims
    from reader.align.learn import pair_features
    from reader.align.suggest import query_clauses

    a, b = store.annotation(from_annotation), store.annotation(to_annotation)
    if a.source_id == b.source_id or a.anchor_status == "orphaned" or b.anchor_status == "orphaned":
        return
    docs = [SourceText(sid, "", store.text(sid)) for sid in (a.source_id, b.source_id)]
    clause_set = prepare_claims(docs)
    features = max(
        (
            pair_features(x, y)
            for x in query_clauses(clause_set, 0, a.start, a.end)
            for y in query_clauses(clause_set, 1, b.start, b.end)
        ),
        key=lambda f: f[0],
    )
    record_decision(store, "confirmed", (a.source_id, a.start, a.end), (b.source_id, b.start, b.end), features)


def decisions(store, source_ids: Iterable[int] | None = None) -> list[Decision]:
    """Every decision (of pairs within source_ids, if given), oldest first."""
    rows = store.query("SELECT * FROM pair_decisions ORDER BY id")
    wanted = None if source_ids is None else set(source_ids)
    found = []
    for row in rows:
        if wanted is not None and not (row["source_a"] in wanted and row["source_b"] in wanted):
            continue
        found.append(
            Decision(
                row["decision"],
                (row["source_a"], row["start_a"], row["end_a"]),
                (row["source_b"], row["start_b"], row["end_b"]),
                tuple(json.loads(row["features"])),
            )
        )
    return found


def rejected_pairs(store, source_ids: Iterable[int] | None = None) -> list[RejectedPair]:
    return [(d.a, d.b) for d in decisions(store, source_ids) if d.decision == "rejected"]


def pair_model(store) -> PairModel:
    """The pair model refitted on this database's decisions (the defaults when there are none), knowing the
    confirmed pairs: how each two outlets' orders map onto each other and which words the story's outlets
    use for one another (reader.align.learn.UserPairs)."""
    found = decisions(store)
    rows, labels = [], []
    for decision in found:
        if 0 < len(decision.features) <= len(DEFAULT_MODEL.weights) - 1:  # older decisions lack newer features
            rows.append(list(decision.features))
            labels.append(1 if decision.decision == "confirmed" else 0)
    confirmed = [decision for decision in found if decision.decision == "confirmed"]
    texts = {sid: store.text(sid) for sid in {ref[0] for decision in confirmed for ref in (decision.a, decision.b)}}
    latest = len(confirmed) - tuning.LEARNED_PAIRS  # words are learnt from the latest confirmed pairs only

    def words(number: int, ref) -> frozenset[str]:
        return stems_of(texts[ref[0]][ref[1] : ref[2]]) if number >= latest else frozenset()

    known = UserPairs(
        ConfirmedPair(
            d.a,
            d.b,
            d.a[1] / (len(texts[d.a[0]]) or 1),
            d.b[1] / (len(texts[d.b[0]]) or 1),
            words(number, d.a),
            words(number, d.b),
        )
        for number, d in enumerate(confirmed)
    )
    return refit(rows, labels, known=known) if rows or known else DEFAULT_MODEL


def linked_groups(store, source_ids: Iterable[int]) -> list[list[LinkedSpan]]:
    """The user's links between annotations of source_ids, as groups of linked spans (connected through
    links), each span with the kind of a link it takes part in ("same" first)."""
    wanted = set(source_ids)
    annotations = {
        a.id: a
        for sid in wanted
        for a in store.annotations(source_id=sid)
        if a.anchor_status != "orphaned" and a.end > a.start
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
                if kinds.get(end) != "same":
                    kinds[end] = link.kind
    groups: dict[str, list[LinkedSpan]] = defaultdict(list)
    for annotation_id in kinds:
        a = annotations[annotation_id]
        groups[find(annotation_id)].append((a.source_id, a.start, a.end, kinds[annotation_id]))
    return [sorted(group, key=lambda s: (s[0], s[1])) for group in groups.values()]
