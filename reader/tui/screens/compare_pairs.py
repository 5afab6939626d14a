"""What the comparison screen does with pairs of passages: confirm one (annotations on both sides, reusing
those that cover a passage, and a link: one undo step), reject one (never suggested again), list the
ranked counterparts of a passage; every decision is recorded for the pair model to learn from."""

from __future__ import annotations

from reader.align import tuning
from reader.align.learn import pair_features
from reader.align.suggest import Candidate, query_clauses, rank_counterparts
from reader.model import Annotation, Source
from reader.store import StoreError
from reader.store.decisions import record_decision
from reader.tui.screens.counterparts import Choice, CounterpartChoice

Span = tuple[int, int]
CLAIM_TAG = "claim"


def pane_label(number: int, source: Source) -> str:
    return f"{number} {source.title or source.name}"


class PairDecisions:
    """Mixed into CompareScreen (panes, store, comparison, annotate_pane_span, reload...)."""

    def claim_annotation(self, index: int, start: int, end: int) -> Annotation:
        """The annotation that stands for a passage of pane index: one that already covers most of it gains
        the tag "claim" (never a duplicate); otherwise a new one on exactly the passage."""
        pane = self.panes[index]
        covering = [
            a
            for a in pane.annotations
            if a.anchor_status != "orphaned"
            and min(a.end, end) - max(a.start, start) >= tuning.SAME_SPAN_OVERLAP * (end - start)
        ]
        if not covering:
            return self.annotate_pane_span(index, start, end, [CLAIM_TAG])
        best = min(covering, key=lambda a: (abs(a.start - start) + abs(a.end - end), a.id))
        annotation = best if CLAIM_TAG in best.tags else self.store.update_annotation(best.id, add_tags=[CLAIM_TAG])
        self._set_pane_annotations(index, [*(a for a in pane.annotations if a.id != annotation.id), annotation])
        return annotation

    def _record(self, source_a: int, span_a: Span, source_b: int, span_b: Span, decision: str) -> None:
        """Remember a decision on a pair with the pair model's features, so the model learns from it."""
        features: list[float] = []
        if self.comparison is not None:
            index = {doc.source_id: i for i, doc in enumerate(self.comparison.docs)}
            if source_a in index and source_b in index:
                clause_set = self.comparison.clause_set
                features = max(
                    (
                        pair_features(x, y)
                        for x in query_clauses(clause_set, index[source_a], *span_a)
                        for y in query_clauses(clause_set, index[source_b], *span_b)
                    ),
                    key=lambda f: f[0],
                )
        record_decision(self.store, decision, (source_a, *span_a), (source_b, *span_b), features)

    # --- ranked counterparts -------------------------------------------------------------------------

    def action_counterparts(self) -> None:
        """For each other pane, the best candidates for the passage under the cursor (or the selection)."""
        if self.comparison is None:
            self.app.notify_error("still aligning the sources")
            return
        pane = self.panes[self.active]
        start, end = pane.view.target
        if end <= start:
            self.app.notify_error("no passage under the cursor")
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
            (index, pane_label(index + 1, other.source)[:40], ranked.get(other.source.id, []))
            for index, other in enumerate(self.panes)
            if index != self.active
        ]
        active = self.active

        def chosen(choice: Choice | None) -> None:
            if choice is None:
                return
            action, other_index, candidate = choice
            if action == "confirm":
                self.confirm_pair(active, (start, end), other_index, candidate)
            else:
                self.reject_pair(active, (start, end), other_index, candidate)

        self.app.push_screen(CounterpartChoice(pane.text[start:end], rows), chosen)

    def confirm_pair(self, index: int, span: Span, other_index: int, candidate: Candidate) -> None:
        """Both passages annotated (existing annotations reused) and linked as the same claim: one undo step."""
        pane, other = self.panes[index], self.panes[other_index]
        try:
            with self.store.write():
                own = self.claim_annotation(index, *span)
                theirs = self.claim_annotation(other_index, candidate.start, candidate.end)
                self.store.add_link(own.id, theirs.id, "same")
                self._record(pane.source.id, span, other.source.id, (candidate.start, candidate.end), "confirmed")
        except StoreError as error:
            self.app.notify_error(str(error))
            self.reload()
            return
        self.refresh_tags()
        self.app.notify_plain(f"confirmed: the same claim in {pane_label(other_index + 1, other.source)[:40]}")
        self.reload()

    def reject_pair(self, index: int, span: Span, other_index: int, candidate: Candidate) -> None:
        """Remember that the pair is not one claim: it is never suggested again."""
        pane, other = self.panes[index], self.panes[other_index]
        try:
            self._record(pane.source.id, span, other.source.id, (candidate.start, candidate.end), "rejected")
        except StoreError as error:
            self.app.notify_error(str(error))
            return
        self.app.notify_plain("rejected: this pair will not be suggested again")
        self.reload()
