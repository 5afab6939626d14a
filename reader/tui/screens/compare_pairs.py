"""What the comparison screen does with pairs of passages: confirm one (annotations on both sides, reusing
those that cover a passage, and a link: one undo step), reject one (never suggested again), list the
ranked counterparts of a passage; every decision is recorded for the pair model to learn from."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reader.align import Alignment, tuning
from reader.align.suggest import Candidate, overlaps, passage_features, rank_counterparts
from reader.model import AnchorStatus, Annotation, Decision, LinkKind, SuggestionStatus
from reader.session import Store, record_decision
from reader.tui.screens.annotating import AnnotatingScreen
from reader.tui.screens.compare_parts import short_pane_label
from reader.tui.screens.counterparts import Choice, CounterpartChoice

if TYPE_CHECKING:
    from reader.comparison import Comparison
    from reader.tui.screens.compare_parts import Pane

Span = tuple[int, int]
Passage = tuple[int, int, int]  # source id, start, end
CLAIM_TAG = "claim"


def claim_change(annotations: list[Annotation], source_id: int, start: int, end: int) -> Callable[[Store], Annotation]:
    """The change giving a passage its annotation: one of annotations (the source's) that already covers
    most of it gains the tag "claim" (never a duplicate); otherwise a new one on exactly the passage."""
    covering = [
        a
        for a in annotations
        if a.anchor_status != AnchorStatus.ORPHANED
        and min(a.end, end) - max(a.start, start) >= tuning.SAME_SPAN_OVERLAP * (end - start)
    ]
    best = min(covering, key=lambda a: (abs(a.start - start) + abs(a.end - end), a.id)) if covering else None

    def change(store: Store) -> Annotation:
        if best is None:
            return store.add_annotation(source_id, start, end, tags=[CLAIM_TAG])
        return best if CLAIM_TAG in best.tags else store.update_annotation(best.id, add_tags=[CLAIM_TAG])

    return change


def pair_decision_features(comparison: Comparison | None, a: Passage, b: Passage) -> list[float]:
    """The pair model's features of two passages (none when the comparison does not hold both sources)."""
    if comparison is None:
        return []
    index = {doc.source_id: i for i, doc in enumerate(comparison.docs)}
    if a[0] not in index or b[0] not in index:
        return []
    return passage_features(
        comparison.clause_set, (index[a[0]], a[1], a[2]), (index[b[0]], b[1], b[2]), comparison.model
    )


def linked_claims_change(
    own: Callable[[Store], Annotation],
    others: list[tuple[Callable[[Store], Annotation], Passage]],
    passage: Passage,
    features: list[list[float]],
) -> Callable[[Store], int]:
    """The change that makes a passage and its counterparts one claim: each annotated (own, others' changes),
    linked as the same and the decision recorded for the pair model; all or nothing, one undo step."""

    def change(store: Store) -> int:
        with store.write():
            first = own(store)
            for (other, counterpart), found in zip(others, features):
                second = other(store).id
                if not any(second in (link.from_annotation, link.to_annotation) for link in store.links(first.id)):
                    store.add_link(first.id, second, LinkKind.SAME)  # never a second link, either way round
                record_decision(store, Decision.CONFIRMED, passage, counterpart, found)
        return len(others)

    return change


def linked_candidates(
    alignment: Alignment, source_id: int, span: Span, rows: list[tuple[int, str, list[Candidate]]]
) -> frozenset[int]:
    """Which candidates (their numbers in the list, from 0) the user already linked to the passage: the confirmed
    members of the clusters where the passage is confirmed too."""
    theirs = [
        member
        for cluster in alignment.clusters
        if any(
            m.source_id == source_id and m.status == SuggestionStatus.CONFIRMED and overlaps(m.start, m.end, *span)
            for m in cluster.members
        )
        for member in cluster.members
        if member.status == SuggestionStatus.CONFIRMED and member.source_id != source_id
    ]
    candidates = [candidate for _, _, found in rows for candidate in found]
    return frozenset(
        number
        for number, candidate in enumerate(candidates)
        if any(
            m.source_id == candidate.source_id and overlaps(m.start, m.end, candidate.start, candidate.end)
            for m in theirs
        )
    )


class PairDecisions(AnnotatingScreen):
    """The comparison screen's confirming, rejecting and ranking of the counterparts of a passage."""

    panes: list[Pane]
    active: int
    comparison: Comparison | None

    def claims_linked(self, count: int) -> None:
        """Linked passages landed: the tags may be new, the annotations, links and alignment changed."""
        self.reload()

    # --- ranked counterparts -------------------------------------------------------------------------

    def action_counterparts(self) -> None:
        """For each other pane, the best candidates for the passage under the cursor (or the selection)."""
        if self.comparison is None:
            self.notify_error("still aligning the sources")
            return
        pane = self.panes[self.active]
        start, end = pane.view.target
        if end <= start:
            self.notify_error("no passage under the cursor")
            return
        ranked = rank_counterparts(
            self.comparison.clause_set,
            pane.source.id,
            start,
            end,
            self.comparison.model,
            rejected=self.comparison.rejected,
        )
        rows = [
            (index, short_pane_label(index + 1, other.source), ranked.get(other.source.id, []))
            for index, other in enumerate(self.panes)
            if index != self.active
        ]
        active = self.active
        linked = linked_candidates(self.comparison.judged, pane.source.id, (start, end), rows)

        def chosen(choice: Choice | None) -> None:
            if choice is not None:
                _, other_index, candidate = choice
                self.confirm_pair(active, (start, end), other_index, candidate)

        def rejected(other_index: int, candidate: Candidate) -> None:
            self.reject_pair(active, (start, end), other_index, candidate)

        ranked_by = (
            f"ranked by the {self.comparison.backend} backend, as the panes are aligned"  # `reader open --backend`
        )
        self.app.push_screen(CounterpartChoice(pane.text[start:end], rows, rejected, ranked_by, linked), chosen)

    def confirm_pair(self, index: int, span: Span, other_index: int, candidate: Candidate) -> None:
        """Both passages annotated (existing annotations reused) and linked as the same claim: one undo step."""
        pane, other = self.panes[index], self.panes[other_index]
        own: Passage = (pane.source.id, *span)
        theirs: Passage = (other.source.id, candidate.start, candidate.end)
        change = linked_claims_change(
            claim_change(pane.annotations, *own),
            [(claim_change(other.annotations, *theirs), theirs)],
            own,
            [pair_decision_features(self.comparison, own, theirs)],
        )
        label = short_pane_label(other_index + 1, other.source)

        def done(count: int) -> None:
            self.notify_plain(f"confirmed: the same claim in {label}")
            self.claims_linked(count)

        self.submit_change(change, done)

    def reject_pair(self, index: int, span: Span, other_index: int, candidate: Candidate) -> None:
        """Remember that the pair is not one claim: it is never suggested again."""
        pane, other = self.panes[index], self.panes[other_index]
        own: Passage = (pane.source.id, *span)
        theirs: Passage = (other.source.id, candidate.start, candidate.end)
        features = pair_decision_features(self.comparison, own, theirs)

        def done(_: object) -> None:
            self.notify_plain("rejected: this pair will not be suggested again (u undoes)")
            self.reload()

        self.submit_change(lambda store: record_decision(store, Decision.REJECTED, own, theirs, features), done)
