"""The alignment of some sources as the user sees it: the aligner's suggestions with their confidence, the
user's links (confirmed, they always win) and rejections applied, the pair model refitted on the
database's decisions. Shared by `reader align`, `reader suggest` and the comparison screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from reader.align import Alignment, ClauseSet, SourceText, align_claims, prepare_claims, tuning
from reader.align.learn import DEFAULT_MODEL, PairModel, fit
from reader.align.suggest import assess, drawn
from reader.collector import paused_gc
from reader.store.decisions import decided_features, linked_groups, record_decision, rejected_pairs


@dataclass
class Comparison:
    """Everything judged (`judged`: every suggestion, weak ones included) and what is drawn by default."""

    docs: list[SourceText]
    clause_set: ClauseSet
    model: PairModel
    judged: Alignment
    shown: Alignment
    rejected: list = field(default_factory=list)  # the user's rejected pairs among these sources
    library_weights: bool = True  # words weighed over the whole library (False: over these sources only)


def compare_sources(store, docs: Sequence[SourceText], backend: str = "lexical") -> Comparison:
    """Align docs (source ids are the store's) and judge the result with the store's decisions and links."""
    with paused_gc():
        return _compare(store, list(docs), backend)


def _compare(store, docs: list[SourceText], backend: str) -> Comparison:
    clause_set, library_weights = _clauses(store, docs)
    if backend == "semantic":
        from reader.align.semantic import SEMANTIC_ACCEPT, semantic_scoring

        score, neighbours = semantic_scoring(clause_set)
        alignment = align_claims(clause_set, SEMANTIC_ACCEPT, score, neighbours)
    else:
        alignment = align_claims(clause_set)
    ids = [cast(int, doc.source_id) for doc in docs]  # the store's ids (the aligner takes any hashable)
    model = pair_model(store)
    rejected = rejected_pairs(store, ids)
    judged = assess(alignment, clause_set, model, linked_groups(store, ids), rejected)
    return Comparison(docs, clause_set, model, judged, drawn(judged, docs), rejected, library_weights)


def _clauses(store, docs: list[SourceText]) -> tuple[ClauseSet, bool]:
    """The clauses of docs, weighed over the whole library when it is small (tuning.STABLE_LIBRARY), so the
    same two sources align the same way with 2 or 4 panes open; over docs alone in a large library (and
    then says so: False)."""
    library = store.sources()
    wanted = {doc.source_id for doc in docs}
    if len(library) > tuning.STABLE_LIBRARY or not wanted <= {s.id for s in library}:
        return prepare_claims(docs), False
    others = [SourceText(s.id, s.path, store.text(s.id)) for s in library if s.id not in wanted]
    everything = prepare_claims([*docs, *others])
    return everything.subset(range(len(docs))), True


def pair_model(store) -> PairModel:
    """The pair model refitted on this database's decisions (the defaults when there are none)."""
    rows, labels = [], []
    for decision, features in decided_features(store):
        if len(features) == len(DEFAULT_MODEL.weights) - 1:
            rows.append(features)
            labels.append(1 if decision == "confirmed" else 0)
    return fit(rows, labels) if rows else DEFAULT_MODEL


def record_link(store, from_annotation: str, to_annotation: str) -> None:
    """A link made by hand between passages of two sources is a confirmed pair the model learns from."""
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
