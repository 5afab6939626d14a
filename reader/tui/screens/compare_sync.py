"""The comparison's synchronised cursor: which aligned passages lie under a pane's cursor sentence, and
moving the other panes' cursors to their counterparts, scrolled into view with a few rows above."""

from __future__ import annotations

from bisect import bisect_right

from reader.align import Alignment, AlignmentHit, Member, Repeat
from reader.presentation import FOCUS_COLOUR
from reader.tui.screens.compare_parts import CONTEXT_ROWS, Pane
from reader.tui.widgets.document_view import DocumentView, Highlight


class PaneSync:
    """The alignment as the panes' cursors meet it (the screen calls use() when the alignment changes)."""

    def __init__(self, panes: list[Pane]) -> None:
        self.panes = panes
        self.alignment: Alignment | None = None
        self._focus_cluster: dict[int, tuple[int, ...] | None] = {}
        self._aligned_starts: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}

    def use(self, alignment: Alignment) -> None:
        """Draw with this alignment from now on (the starts of its aligned passages, per source, for bisect)."""
        self.alignment = alignment
        self._focus_cluster.clear()
        for pane in self.panes:
            aligned = sorted(
                (start, end) for start, end, kind, _ in alignment.passages(pane.source.id) if kind == "aligned"
            )
            self._aligned_starts[pane.source.id] = ([s for s, _ in aligned], aligned)

    def hit_under_cursor(self, index: int) -> AlignmentHit | None:
        """The aligned passage under pane index's cursor sentence (its first claim if it holds several)."""
        hits = self.hits_under_cursor(index)
        return hits[0] if hits else None

    def hits_under_cursor(self, index: int) -> list[AlignmentHit]:
        """Every aligned passage in pane index's cursor sentence, in text order: a sentence that makes two
        claims has two, each with its own counterparts."""
        if self.alignment is None:
            return []
        pane = self.panes[index]
        start, end = pane.view.cursor
        hits: dict[tuple[int, int], AlignmentHit] = {}
        first = self.alignment.at(pane.source.id, start)
        if first is not None:
            hits[(first.member.start, first.cluster.id)] = first
        starts, spans = self._aligned_starts.get(pane.source.id, ([], []))
        position = max(0, bisect_right(starts, start) - 1)
        for a, b in spans[position : position + 8]:
            if a < end and b > start:
                hit = self.alignment.at(pane.source.id, a)
                if hit is not None:
                    hits.setdefault((hit.member.start, hit.cluster.id), hit)
        return [hits[key] for key in sorted(hits)]

    def repeat_under_cursor(self, index: int) -> Repeat | None:
        if self.alignment is None:
            return None
        pane = self.panes[index]
        start, end = pane.view.cursor
        return next(
            (r for r in self.alignment.repeats.get(pane.source.id, []) if r.again[0] < end and r.again[1] > start), None
        )

    def sync_from(self, index: int, follow: bool, force: bool = False) -> None:
        """Highlight the passage under pane index's cursor and, when the others follow (sync on), its
        counterparts in the other panes, whose cursors move there and which scroll it into view; force
        repaints the others even when the passage under the cursor is the one already shown."""
        if self.alignment is None:
            return
        hits = self.hits_under_cursor(index)
        cluster_id = tuple(hit.cluster.id for hit in hits) or None
        repeat = self.repeat_under_cursor(index)
        own = self.panes[index]
        own_spans = [(m.start, m.end) for hit in hits for m in hit.cluster.members if m.source_id == own.source.id]
        if repeat is not None:
            own_spans.append(repeat.first)
        own.view.set_highlights(
            "focus", [Highlight(a, b, FOCUS_COLOUR, key="focus", marked=False) for a, b in own_spans]
        )
        for other_index, pane in enumerate(self.panes):
            if other_index == index:
                continue
            if not follow:
                if self._focus_cluster.get(other_index) is not None:
                    pane.view.set_highlights("focus", [])
                    self._focus_cluster[other_index] = None
                continue
            if cluster_id == self._focus_cluster.get(other_index) and not force:
                continue
            self._focus_cluster[other_index] = cluster_id
            members = [m for hit in hits for m in hit.counterparts if m.source_id == pane.source.id]
            pane.view.set_highlights(
                "focus", [Highlight(m.start, m.end, FOCUS_COLOUR, key="focus", marked=False) for m in members]
            )
            if members:
                self.bring_into_view(pane.view, members[0])
        self._focus_cluster[index] = cluster_id

    @staticmethod
    def bring_into_view(view: DocumentView, member: Member) -> None:
        """Cursor on the counterpart; scroll only if it is not wholly on screen, then with a few rows above it."""
        view.move_cursor_to(member.start, scroll=False)
        before = view.scroll_y
        view.scroll_to_offset(max(member.start, member.end - 1), top=False)
        view.scroll_to_offset(member.start, top=False)
        if view.scroll_y != before:
            view.scroll_to_offset(member.start, top=True)
            view.scroll_to(y=max(0, view.scroll_y - CONTEXT_ROWS), animate=False, immediate=True)
