"""The alignment of some sources as the user sees it: the aligner's suggestions with their confidence, the
user's links (confirmed, they always win) and rejections applied, the pair model refitted on the
database's decisions. Shared by `reader align`, `reader suggest` and the comparison screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reader.align import Alignment, ClauseSet, SourceText, align_claims, prepare_claims, tuning
from reader.align.learn import PairModel
from reader.align.pipeline import paused_gc
from reader.align.suggest import assess, drawn, within
from reader.decisions import linked_groups, pair_model, rejected_pairs


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
    clause_set, everything, library_weights = _clauses(store, docs)
    ids = _store_ids(docs)
    model = pair_model(store)
    rejected = rejected_pairs(store, ids)
    if backend == "semantic":
        from reader.align.semantic import SEMANTIC_ACCEPT, semantic_scoring

        score, neighbours = semantic_scoring(clause_set)
        alignment = align_claims(clause_set, SEMANTIC_ACCEPT, score, neighbours)
        judged = assess(alignment, clause_set, model, linked_groups(store, ids), rejected)
    elif len(everything.docs) > len(docs):
        # The whole (small) library aligned once, seen through the open panes: the same two sources align
        # the same way whichever other panes are open, and a third source's passages can take a wrong pair
        # apart even when its pane is closed.
        every_id = _store_ids(everything.docs)
        library = assess(
            align_claims(everything), everything, model, linked_groups(store, every_id), rejected_pairs(store, every_id)
        )
        judged = within(library, docs)
    else:
        judged = assess(align_claims(clause_set), clause_set, model, linked_groups(store, ids), rejected)
    return Comparison(docs, clause_set, model, judged, drawn(judged, docs), rejected, library_weights)


def _store_ids(docs: Sequence[SourceText]) -> list[int]:
    """The store's source ids of docs (a comparison's docs are the store's sources)."""
    return [int(doc.source_id) for doc in docs]  # type: ignore[call-overload]


def _clauses(store, docs: list[SourceText]) -> tuple[ClauseSet, ClauseSet, bool]:
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
