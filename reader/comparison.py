"""The alignment of some sources as the user sees it: the aligner's suggestions with their confidence, the
user's links (confirmed, they always win) and rejections applied, the pair model refitted on the
database's decisions. Shared by `reader align`, `reader suggest` and the comparison screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from reader.align import Alignment, ClauseSet, SourceText, align_claims, prepare_claims, tuning
from reader.align.differing import with_differing_figures
from reader.align.learn import DEFAULT_MODEL, ConfirmedPair, PairModel, UserPairs, refit, stems_of
from reader.align.suggest import assess, drawn, within
from reader.collector import paused_gc
from reader.model import AnchorStatus
from reader.model import Decision as PairDecision
from reader.store.decisions import decisions, linked_groups, record_decision, rejected_pairs


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
    backend: str = "lexical"  # what aligned and judges: "lexical" or "semantic" (embeddings in the pair model)
    draw_confidence: float = tuning.DRAW_CONFIDENCE  # the backend's threshold of what is drawn by default


def compare_sources(store, docs: Sequence[SourceText], backend: str = "lexical") -> Comparison:
    """Align docs (source ids are the store's) and judge the result with the store's decisions and links."""
    with paused_gc():
        return _compare(store, list(docs), backend)


def _compare(store, docs: list[SourceText], backend: str) -> Comparison:
    clause_set, everything, library_weights = library_clauses(store, docs)
    ids = _store_ids(docs)
    rejected = rejected_pairs(store, ids)
    if backend == "semantic":
        from reader.align.semantic import SEMANTIC_ACCEPT, semantic_context, semantic_scoring

        # the pair model with the embeddings' cosine among its features, judging this clause set's pairs
        around = semantic_context(clause_set)
        model = pair_model(store, tuning.SEMANTIC_PAIR_WEIGHTS).within(around)
        score, neighbours = semantic_scoring(clause_set, vectors=around.vectors)
        alignment = align_claims(clause_set, SEMANTIC_ACCEPT, score, neighbours)
        floor = max(tuning.SEMANTIC_DRAW_CONFIDENCE, tuning.SEMANTIC_DIFFERING_CONFIDENCE)
        alignment = with_differing_figures(alignment, clause_set, model, floor, rejected)
        judged = assess(alignment, clause_set, model, linked_groups(store, ids), rejected, backend="semantic")
        shown = drawn(judged, docs, tuning.SEMANTIC_DRAW_CONFIDENCE)
        return Comparison(
            docs, clause_set, model, judged, shown, rejected, library_weights, backend, tuning.SEMANTIC_DRAW_CONFIDENCE
        )
    model = pair_model(store)
    if len(everything.docs) > len(docs):
        # The whole (small) library aligned once, seen through the open panes: the same two sources align
        # the same way whichever other panes are open, and a third source's passages can take a wrong pair
        # apart even when its pane is closed.
        every_id = _store_ids(everything.docs)
        refused = rejected_pairs(store, every_id)
        floor = max(tuning.DRAW_CONFIDENCE, tuning.DIFFERING_CONFIDENCE)
        aligned = with_differing_figures(align_claims(everything), everything, model, floor, refused)
        library = assess(aligned, everything, model, linked_groups(store, every_id), refused)
        judged = within(library, docs)
    else:
        floor = max(tuning.DRAW_CONFIDENCE, tuning.DIFFERING_CONFIDENCE)
        aligned = with_differing_figures(align_claims(clause_set), clause_set, model, floor, rejected)
        judged = assess(aligned, clause_set, model, linked_groups(store, ids), rejected)
    return Comparison(docs, clause_set, model, judged, drawn(judged, docs), rejected, library_weights)


def _store_ids(docs: Sequence[SourceText]) -> list[int]:
    """The store's source ids of docs (a comparison's docs are the store's sources)."""
    return [cast(int, doc.source_id) for doc in docs]  # the aligner takes any hashable


def library_clauses(store, docs: list[SourceText]) -> tuple[ClauseSet, ClauseSet, bool]:
    """The clauses of docs and of everything they are aligned with: the whole library (docs first) when it
    is small (tuning.STABLE_LIBRARY), so the same two sources align the same way with 2 or 4 panes open;
    docs alone in a large library (and then says so: False)."""
    library = store.sources()
    wanted = {doc.source_id for doc in docs}
    if len(library) > tuning.STABLE_LIBRARY or not wanted <= {s.id for s in library}:
        alone = prepare_claims(docs)
        return alone, alone, False
    others = [SourceText(s.id, s.path, store.text(s.id)) for s in library if s.id not in wanted]
    everything = prepare_claims([*docs, *others])
    return everything.subset(range(len(docs))), everything, True


def pair_model(store, defaults: Sequence[float] = tuning.DEFAULT_PAIR_WEIGHTS) -> PairModel:
    """The pair model refitted on this database's decisions (the defaults when there are none), knowing the
    confirmed pairs: which words the story's outlets use for one another (reader.align.learn.UserPairs).
    defaults: the backend's default weights."""
    found = decisions(store)
    rows, labels = [], []
    for decision in found:
        if 0 < len(decision.features) <= len(DEFAULT_MODEL.weights) - 1:  # older decisions lack newer features
            rows.append(list(decision.features))
            labels.append(1 if decision.decision == PairDecision.CONFIRMED else 0)
    confirmed = [decision for decision in found if decision.decision == PairDecision.CONFIRMED]
    texts = {sid: store.text(sid) for sid in {ref[0] for decision in confirmed for ref in (decision.a, decision.b)}}
    latest = len(confirmed) - tuning.LEARNED_PAIRS  # words are learnt from the latest confirmed pairs only

    def words(number: int, ref) -> frozenset[str]:
        return stems_of(texts[ref[0]][ref[1] : ref[2]]) if number >= latest else frozenset()

    known = UserPairs(
        ConfirmedPair(
            d.a,
            d.b,
            words(number, d.a),
            words(number, d.b),
        )
        for number, d in enumerate(confirmed)
    )
    if rows or known:
        return refit(rows, labels, prior=defaults, known=known)
    return DEFAULT_MODEL if tuple(defaults) == DEFAULT_MODEL.weights else PairModel(tuple(defaults))


def record_link(store, from_annotation: str, to_annotation: str) -> None:
    """A link made by hand between passages of two sources is a confirmed pair the model learns from."""
    from reader.align.suggest import passage_features

    a, b = store.annotation(from_annotation), store.annotation(to_annotation)
    if (
        a.source_id == b.source_id
        or a.anchor_status == AnchorStatus.ORPHANED
        or b.anchor_status == AnchorStatus.ORPHANED
    ):
        return
    docs = [SourceText(sid, "", store.text(sid)) for sid in (a.source_id, b.source_id)]
    clause_set = prepare_claims(docs)
    features = passage_features(clause_set, (0, a.start, a.end), (1, b.start, b.end))
    record_decision(
        store, PairDecision.CONFIRMED, (a.source_id, a.start, a.end), (b.source_id, b.start, b.end), features
    )
