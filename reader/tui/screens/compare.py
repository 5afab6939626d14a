"""The comparison screen: 2-4 sources side by side, aligned claim by claim.

Each pane is a full DocumentView with its own cursor. The alignment (reader.align) is computed in a
thread worker when the screen opens; its passages are drawn as overlays (aligned, unique to one source,
repeated within a source). With sync on, moving the cursor in one pane puts the other panes' cursors on
the counterparts of the passage under it and scrolls them into view; the panel under the panes lists
the words that differ, numbers, names and quotations emphasised. Annotations and links go through
the database at once through the session, as on the reading screen.
"""

from __future__ import annotations

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input

from reader.align import Alignment, AlignmentHit, Member, SourceText, tuning
from reader.comparison import Comparison, compare_sources
from reader.model import AnchorStatus, Annotation, Decision, ReaderError, Source, SuggestionStatus, Tag
from reader.presentation import (
    CONFIRMED_COLOUR,
    FOCUS_COLOUR,
    REPEAT_COLOUR,
    UNIQUE_COLOUR,
    WEAK_COLOUR,
    describe_annotation,
    position_percent,
    selecting_text,
)
from reader.session import Store, StoreError, record_decision
from reader.tui.screens.annotating import TagsLoaded, annotating_bindings, tag_colours
from reader.tui.screens.compare_differences import DifferencesPanel
from reader.tui.screens.compare_header import PaneHeader
from reader.tui.screens.compare_pairs import (
    PairDecisions,
    Passage,
    claim_change,
    linked_claims_change,
    pair_decision_features,
)
from reader.tui.screens.compare_parts import (
    LINK_KIND_NAMES,
    Pane,
    alignment_highlights,
    annotation_highlights,
    passage_highlights,
    short_pane_label,
    subtract_spans,
)
from reader.tui.screens.compare_sync import PaneSync
from reader.tui.screens.link_choice import LinkChoice
from reader.tui.widgets.document_view import DocumentView
from reader.tui.widgets.small import StatusLine, TagBar

MIN_PANES, MAX_PANES = 2, 4


def is_confirmed(member: Member) -> bool:
    """Whether the user's own link put this passage in its cluster (a suggestion otherwise)."""
    return member.status == SuggestionStatus.CONFIRMED


__all__ = [  # what the tests and the benchmark take from here
    "CONFIRMED_COLOUR",
    "FOCUS_COLOUR",
    "REPEAT_COLOUR",
    "UNIQUE_COLOUR",
    "WEAK_COLOUR",
    "CompareScreen",
    "LinkChoice",
    "passage_highlights",
    "subtract_spans",
]


class CompareScreen(PairDecisions):
    """Read 2-4 sources side by side; the alignment ties their passages together."""

    active: reactive[int] = reactive(0, init=False)  # the pane the keys act on
    sync: reactive[bool] = reactive(True, init=False)  # the other panes follow the cursor (s)
    show_weak: reactive[bool] = reactive(False, init=False)  # weak suggestions drawn too (W)

    BINDINGS = [
        Binding("tab", "next_pane(1)", "Next pane", id="compare.next_pane"),
        Binding("shift+tab", "next_pane(-1)", "Previous pane", id="compare.previous_pane"),
        Binding("s", "toggle_sync", "Sync the other panes to the cursor (on/off)", id="compare.sync"),
        Binding("l", "link", "Link the annotation under the cursor to one in another pane", id="compare.link"),
        Binding(
            "L", "accept_alignment", "Link the aligned passages under the cursor as one claim", id="compare.accept"
        ),
        Binding(
            "c",
            "counterparts",
            "Ranked counterparts of the passage: a digit confirms, x rejects",
            id="compare.counterparts",
        ),
        Binding("W", "toggle_weak", "Show or hide weak suggestions", id="compare.weak"),
        Binding("m", "matrix", "Claims matrix of these sources", id="compare.matrix"),
        *annotating_bindings("compare", "Search in the pane"),
        Binding("p", "toggle_differences", "Show or hide the differences panel", id="compare.differences"),
        Binding("escape", "back", "Back", id="compare.back"),
    ]

    class AlignmentReady(Message):
        def __init__(self, comparison: Comparison) -> None:
            super().__init__()
            self.comparison = comparison

    class MarksLoaded(Message):
        """Annotations of every pane's source and the ids of annotations that take part in a link."""

        def __init__(self, annotations: dict[int, list[Annotation]], linked: set[str]) -> None:
            super().__init__()
            self.annotations, self.linked = annotations, linked

    def __init__(
        self,
        sources: list[Source],
        texts: dict[int, str],
        positions: dict[int, int] | None = None,
        backend: str = "lexical",
    ) -> None:
        """backend ("lexical" or "semantic") aligns the panes and ranks their counterparts (`reader open --backend`)."""
        super().__init__()
        self.backend = backend
        self.panes = [
            Pane(source, texts[source.id], [], set(), DocumentView(id=f"pane-view-{index}", classes="pane-view"))
            for index, source in enumerate(sources[:MAX_PANES])
        ]
        self.positions = positions or {}
        self.alignment: Alignment | None = None
        self.comparison: Comparison | None = None
        self.tags: list[Tag] = []
        self.cursor_sync = PaneSync(self.panes)

    SEARCH_INPUT = "#compare-search"

    @property
    def source_ids(self) -> list[int]:
        return [pane.source.id for pane in self.panes]

    def compose(self) -> ComposeResult:
        with Horizontal(id="compare-body"):
            for index, pane in enumerate(self.panes):
                with Vertical(classes="compare-pane", id=f"compare-pane-{index}"):
                    yield PaneHeader(id=f"pane-header-{index}")
                    yield pane.view
        yield DifferencesPanel(self.cursor_sync, id="compare-differences")
        yield Input(id="compare-search", placeholder="search this pane (enter finds, escape closes)")
        yield TagBar(id="compare-tag-bar")
        yield StatusLine(id="compare-status")

    def on_mount(self) -> None:
        self.query_one("#compare-search").display = False
        for index, pane in enumerate(self.panes):
            view = pane.view
            # Layer order decides the margin mark: a link shows first, then the passage kind.
            for layer in ("links", "focus", "alignment", "annotations"):
                view.set_highlights(layer, [])
            view.load(pane.text, self.positions.get(pane.source.id, 0))
            self._update_header(index)
        self.panes[0].view.focus()
        self._mark_active_pane()
        self.load_marks()
        self.compute_alignment()
        self.show_differences()
        self.update_status()

    # --- workers ---------------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="alignment")
    def compute_alignment(self) -> None:
        """Align the panes' sources off the event loop (a few hundred ms for long articles), judged with the
        database's links (they win), rejected pairs and learned pair model."""
        docs = [SourceText(pane.source.id, pane.source.path, pane.text) for pane in self.panes]
        try:
            comparison = compare_sources(self.session.store, docs, self.backend)
        except ReaderError as error:  # the store, or the semantic backend missing
            self.app.call_from_thread(self.notify_error, str(error))
            return
        self.post_message(self.AlignmentReady(comparison))

    @work(thread=True, exclusive=True, group="compare-marks")
    def load_marks(self) -> None:
        """Read the tags, then every pane's annotations and links, off the event loop (the tags first, so
        the annotations are painted in their colours at once)."""
        store = self.session.store
        try:
            self.post_message(TagsLoaded(store.tags()))
            annotations = {sid: store.annotations(source_id=sid) for sid in self.source_ids}
            ids = {a.id for found in annotations.values() for a in found}
            linked = {end for link in store.links() for end in (link.from_annotation, link.to_annotation) if end in ids}
        except StoreError as error:
            self.app.call_from_thread(self.notify_error, str(error))
            return
        self.post_message(self.MarksLoaded(annotations, linked))

    def on_compare_screen_alignment_ready(self, message: AlignmentReady) -> None:
        self.comparison = message.comparison
        self._use_alignment()

    def _use_alignment(self) -> None:
        """Draw what is drawn by default (the user's links and confident suggestions), or everything with W."""
        if self.comparison is None:
            return
        self.alignment = self.comparison.judged if self.show_weak else self.comparison.shown
        self.cursor_sync.use(self.alignment)
        self.query_one(DifferencesPanel).forget()
        for index in range(len(self.panes)):
            self._paint_passages(index)
            self._update_header(index)
        self.sync_from(self.active, force=True)
        self.show_differences()

    def on_compare_screen_marks_loaded(self, message: MarksLoaded) -> None:
        for index, pane in enumerate(self.panes):
            pane.annotations = sorted(message.annotations.get(pane.source.id, []), key=lambda a: (a.start, a.end, a.id))
            pane.linked = message.linked
            self._paint_annotations(index)
        self.update_status()

    def reload(self) -> None:
        """The database changed (here or in another process): reload tags, annotations and links."""
        if not self.is_mounted:
            return
        self.load_marks()
        self.compute_alignment()  # links and decisions change what is confirmed and what is suggested

    def show_tags(self, tags: list[Tag]) -> None:
        recoloured = tag_colours(tags) != tag_colours(self.tags)
        self.tags = tags
        self.query_one(TagBar).show_tags(tags)
        if recoloured:
            for index in range(len(self.panes)):
                self._paint_annotations(index)  # in the tags' new colours

    # --- painting --------------------------------------------------------------------------------

    def _paint_annotations(self, index: int) -> None:
        pane = self.panes[index]
        annotations, links = annotation_highlights(pane, tag_colours(self.tags))
        pane.view.set_highlights("annotations", annotations)
        pane.view.set_highlights("links", links)
        self._paint_passages(index)
        self._update_header(index)

    def _paint_passages(self, index: int) -> None:
        if self.alignment is not None:
            pane = self.panes[index]
            threshold = self.comparison.draw_confidence if self.comparison is not None else tuning.DRAW_CONFIDENCE
            highlights = alignment_highlights(pane, self.alignment, self.show_weak, threshold)
            pane.view.set_highlights("alignment", highlights)

    def _update_header(self, index: int) -> None:
        width = max(10, self.app.size.width // max(1, len(self.panes)) - 3)
        self.query_one(f"#pane-header-{index}", PaneHeader).show(index + 1, self.panes[index], self.alignment, width)

    # --- the synchronised cursor -----------------------------------------------------------------

    def hit_under_cursor(self, index: int) -> AlignmentHit | None:
        """The aligned passage under pane index's cursor sentence (its first claim if it holds several)."""
        return self.cursor_sync.hit_under_cursor(index)

    def hits_under_cursor(self, index: int) -> list[AlignmentHit]:
        return self.cursor_sync.hits_under_cursor(index)

    def sync_from(self, index: int, force: bool = False) -> None:
        """Highlight the passage under pane index's cursor and, with sync on, bring its counterparts into view."""
        self.cursor_sync.sync_from(index, self.sync, force)

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        index = self._pane_of(message.view)
        if index is None or index != self.active:
            return  # a pane moved by the sync itself
        self.sync_from(index)
        self.show_differences()
        self.update_status()

    def _mark_active_pane(self) -> None:
        for index in range(len(self.panes)):
            self.query_one(f"#compare-pane-{index}").set_class(index == self.active, "active-pane")

    def _pane_of(self, view: DocumentView) -> int | None:
        return next((i for i, pane in enumerate(self.panes) if pane.view is view), None)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        index = self._pane_of(event.widget) if isinstance(event.widget, DocumentView) else None
        if index is not None:
            self.active = index

    def watch_active(self) -> None:
        self._mark_active_pane()
        self.sync_from(self.active)
        self.show_differences()
        self.update_status()

    def watch_sync(self) -> None:
        self.sync_from(self.active, force=True)
        self.show_differences()

    def watch_show_weak(self) -> None:
        self._use_alignment()

    # --- the differences panel and status ----------------------------------------------------------

    def show_differences(self) -> None:
        self.query_one(DifferencesPanel).show(self.comparison, self.active, self.sync, self.show_weak)

    def annotation_under_cursor(self, index: int | None = None) -> Annotation | None:
        pane = self.panes[self.active if index is None else index]
        view = pane.view
        keys = {h.key for h in view.highlights_at(view.cursor[0])}
        under = [a for a in pane.annotations if a.id in keys]
        if not under:
            under = [
                a
                for a in pane.annotations
                if a.start < view.cursor[1] and a.end > view.cursor[0] and a.anchor_status != AnchorStatus.ORPHANED
            ]
        if not under:
            return None
        exact = [a for a in under if (a.start, a.end) == view.cursor]
        return (exact or sorted(under, key=lambda a: a.end - a.start))[0]

    def update_status(self) -> None:
        pane = self.panes[self.active]
        view = pane.view
        percent = position_percent(view.cursor[1], len(view.text))
        annotation = self.annotation_under_cursor()
        described = (
            describe_annotation(annotation, with_status=False, linked=annotation.id in pane.linked)
            if annotation
            else ""
        )
        selection = ""
        if view.selection:
            selection = selecting_text(len(view.text[view.selection[0] : view.selection[1]].split()))
        self.query_one(StatusLine).show(pane.source.title, percent, described, selection)

    # --- actions: panes, sync --------------------------------------------------------------------

    def action_next_pane(self, step: int) -> None:
        self.panes[(self.active + step) % len(self.panes)].view.focus()

    def action_toggle_sync(self) -> None:
        self.sync = not self.sync
        self.notify_plain("sync on: the other panes follow the cursor" if self.sync else "sync off")

    def action_toggle_differences(self) -> None:
        panel = self.query_one(DifferencesPanel)
        panel.display = not panel.display
        self.show_differences()

    def action_toggle_weak(self) -> None:
        self.show_weak = not self.show_weak
        self.notify_plain(
            "weak suggestions shown (dim)"
            if self.show_weak
            else "weak suggestions hidden: your links and confident suggestions only"
        )

    def action_matrix(self) -> None:
        self.reader_app.open_matrix(self.source_ids)

    def action_back(self) -> None:
        if not self.close_search():
            self.app.pop_screen()

    # --- actions: annotating ---------------------------------------------------------------------

    def _set_pane_annotations(self, index: int, annotations: list[Annotation]) -> None:
        self.panes[index].annotations = sorted(annotations, key=lambda a: (a.start, a.end, a.id))
        self._paint_annotations(index)
        self.update_status()

    # --- what AnnotatingScreen acts on: the active pane ------------------------------------------

    def active_view(self) -> DocumentView:
        return self.panes[self.active].view

    def active_source_id(self) -> int | None:
        return self.panes[self.active].source.id

    def active_annotations(self) -> list[Annotation]:
        return self.panes[self.active].annotations

    def annotations_of(self, source_id: int) -> list[Annotation]:
        return next((pane.annotations for pane in self.panes if pane.source.id == source_id), [])

    def show_annotations_of(self, source_id: int, annotations: list[Annotation]) -> None:
        for index, pane in enumerate(self.panes):
            if pane.source.id == source_id:
                self._set_pane_annotations(index, annotations)

    def jump_to(self, annotation: Annotation) -> None:
        self.active_view().move_cursor_to(annotation.start)

    # --- actions: links --------------------------------------------------------------------------

    def action_link(self) -> None:
        """Link the annotation under this pane's cursor to one under another pane's cursor."""
        annotation = self.annotation_under_cursor()
        if annotation is None:
            self.notify_error("no annotation under the cursor (a annotates; L links the aligned passages)")
            return
        targets = []
        for index, pane in enumerate(self.panes):
            if index == self.active:
                continue
            other = self.annotation_under_cursor(index)
            if other is not None:
                targets.append((short_pane_label(index + 1, pane.source), other))
        if not targets:
            self.notify_error("no annotation under the other panes' cursors (tab to a pane and annotate)")
            return

        def made(choice: tuple[str, str] | None) -> None:
            if choice is None:
                return
            target_id, kind = choice
            target = next(a for _, a in targets if a.id == target_id)
            own: Passage = (annotation.source_id, annotation.start, annotation.end)
            theirs: Passage = (target.source_id, target.start, target.end)
            features = pair_decision_features(self.comparison, own, theirs)

            def change(store: Store) -> None:
                with store.write():  # the link and what the pair model learns from it: one step
                    store.add_link(annotation.id, target_id, kind)
                    record_decision(store, Decision.CONFIRMED, own, theirs, features)

            def done(_: None) -> None:
                self.notify_plain(f"linked: {LINK_KIND_NAMES.get(kind, kind)}")
                self.reload()

            self.submit_change(change, done)

        self.app.push_screen(LinkChoice(annotation.quote, targets), made)

    def action_accept_alignment(self) -> None:
        """The aligned passage under the cursor and its counterparts in the other panes become one claim:
        each is annotated (tag "claim"; an annotation on the same span is reused) and linked as the same."""
        hit = self.hit_under_cursor(self.active)
        if hit is None:
            self.notify_error("no aligned passage under the cursor")
            return
        counterparts: list[tuple[int, Member]] = []
        for index, pane in enumerate(self.panes):
            if index == self.active:
                continue
            member = next((m for m in hit.counterparts if m.source_id == pane.source.id), None)
            if member is not None and not (is_confirmed(hit.member) and is_confirmed(member)):
                counterparts.append((index, member))  # a pair the user linked stays as they linked it
        if not counterparts:
            if any(is_confirmed(m) for m in hit.counterparts):
                self.notify_error("already linked: the other panes have no suggested counterpart of this passage")
            else:
                self.notify_error("the other panes have no counterpart of this passage")
            return
        own: Passage = (self.panes[self.active].source.id, hit.member.start, hit.member.end)
        others: list[tuple[int, Passage]] = [
            (index, (self.panes[index].source.id, member.start, member.end)) for index, member in counterparts
        ]
        change = linked_claims_change(
            claim_change(self.panes[self.active].annotations, *own),
            [(claim_change(self.panes[index].annotations, *theirs), theirs) for index, theirs in others],
            own,
            [pair_decision_features(self.comparison, own, theirs) for _, theirs in others],
        )

        def done(count: int) -> None:
            self.notify_plain(f"linked {count + 1} passages as one claim")
            self.claims_linked(count)

        self.submit_change(change, done)
