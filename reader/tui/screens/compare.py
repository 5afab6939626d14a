"""The comparison screen: 2-4 sources side by side, aligned claim by claim.

Each pane is a full DocumentView with its own cursor. The alignment (reader.align) is computed in a
thread worker when the screen opens; its passages are drawn as overlays (aligned, unique to one source,
repeated within a source). With sync on, moving the cursor in one pane puts the other panes' cursors on
the counterparts of the passage under it and scrolls them into view; the panel under the panes lists
the words that differ, numbers, names and quotations emphasised. Annotations and links go through
reader.store at once, as on the reading screen.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from reader.align import Alignment, AlignmentHit, Member, SourceText, tuning, word_differences
from reader.align.suggest import evidence, query_clauses
from reader.comparison import Comparison, compare_sources
from reader.model import LINK_KINDS, Annotation, Source, Tag
from reader.presentation import (
    ALIGNED_COLOUR,
    CONFIRMED_COLOUR,
    FOCUS_COLOUR,
    LINK_COLOUR,
    PASSAGE_COLOURS,
    REPEAT_COLOUR,
    UNIQUE_COLOUR,
    WEAK_COLOUR,
    annotation_colour,
    describe_annotation,
    is_drawn,
    position_percent,
    selecting_text,
)
from reader.store import StoreError
from reader.text import display_safe
from reader.tui.screens.annotating import AnnotatingScreen, annotating_bindings
from reader.tui.screens.compare_pairs import PairDecisions, pane_label
from reader.tui.widgets.document_view import DocumentView, Highlight
from reader.tui.widgets.small import StatusLine, TagBar

Span = tuple[int, int]

MIN_PANES, MAX_PANES = 2, 4
EMPHASIS_STYLES = {"number": "bold #e5c07b", "name": "bold #56b6c2", "quote": "bold #c678dd"}
LINK_KIND_NAMES = {"same": "same claim", "supports": "supports", "contradicts": "contradicts"}
CONTEXT_ROWS = 3  # rows kept above a counterpart scrolled into view


# --- pure helpers ----------------------------------------------------------------------------------


def subtract_spans(start: int, end: int, covered: list[Span]) -> list[Span]:
    """The parts of [start, end) not covered by any of the (sorted, possibly overlapping) spans."""
    parts, position = [], start
    for a, b in covered:
        if b <= position:
            continue
        if a >= end:
            break
        if a > position:
            parts.append((position, a))
        position = max(position, b)
        if position >= end:
            break
    if position < end:
        parts.append((position, end))
    return parts


def passage_highlights(
    passages: list[tuple[int, int, str, int | None]],
    annotated: list[Span],
    confirmed: frozenset[int] | set[int] = frozenset(),
    weak: frozenset[int] | set[int] = frozenset(),
) -> list[Highlight]:
    """The alignment overlay of one pane: aligned, unique and repeated passages, leaving out what is
    annotated (so an annotation keeps its tag colour, and a link's underline stays distinct). Clusters
    the user confirmed and weak suggestions (cluster ids) get their own colours."""
    covered = sorted(annotated)
    found = []
    for start, end, kind, cluster_id in passages:
        colour = PASSAGE_COLOURS[kind]
        if kind == "aligned" and cluster_id in confirmed:
            colour = CONFIRMED_COLOUR
        elif kind == "aligned" and cluster_id in weak:
            colour = WEAK_COLOUR
        for a, b in subtract_spans(start, end, covered):
            found.append(Highlight(a, b, colour, key=f"{kind}:{cluster_id or ''}"))
    return found


def emphasised_text(text: str, emphasis: tuple[str, ...], base: str) -> Text:
    """One side of a change, display-safe; numbers, names and quotations in bold colour."""
    style = " ".join([base] + [EMPHASIS_STYLES[e] for e in emphasis if e in EMPHASIS_STYLES][:1])
    return Text(display_safe(" ".join(text.split())), style=style.strip())


def difference_line(label: str, text_a: str, member: Member, text_b: str, counterpart: Member, limit: int = 6) -> Text:
    """'label: "a words" → "b words"; ...' for the word changes from member to counterpart."""
    line = Text.assemble(Text(display_safe(label), style="bold"), Text(": "))
    changes = word_differences(text_a, member.start, member.end, text_b, counterpart.start, counterpart.end)
    if not changes:
        line.append("same words", style="dim")
        return line
    # Changes that touch numbers, names or quotations first: they are what a reader checks.
    ordered = sorted(changes, key=lambda change: not change.emphasis)
    for index, change in enumerate(ordered[:limit]):
        if index:
            line.append("; ", style="dim")
        line.append_text(
            emphasised_text(change.a_text, change.emphasis, "strike") if change.a_text else Text("∅", style="dim")
        )
        line.append(" → ", style="dim")
        line.append_text(
            emphasised_text(change.b_text, change.emphasis, "") if change.b_text else Text("∅", style="dim")
        )
    if len(changes) > limit:
        line.append(f"; +{len(changes) - limit} more", style="dim")
    return line


@dataclass
class Pane:
    """One source shown in the comparison: its record, text, annotations and linked annotation ids."""

    source: Source
    text: str
    annotations: list[Annotation]
    linked: set[str]
    view: DocumentView | None = None


class LinkChoice(ModalScreen["tuple[str, str] | None"]):
    """Pick what an annotation is to another: (target annotation id, link kind), escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="link.cancel"),
        Binding("j", "move(1)", "Next choice", show=False, id="link.down"),
        Binding("k", "move(-1)", "Previous choice", show=False, id="link.up"),
    ]

    def __init__(self, quote: str, targets: list[tuple[str, Annotation]]) -> None:
        super().__init__()
        self.quote = quote
        self.targets = targets

    def compose(self) -> ComposeResult:
        options = []
        for label, annotation in self.targets:
            for kind in LINK_KINDS:
                prompt = Text.assemble(
                    Text(LINK_KIND_NAMES[kind], style="bold"),
                    " → ",
                    Text(display_safe(label), style="italic"),
                    ": ",
                    Text(display_safe(" ".join(annotation.quote.split())[:60] + "…")),
                )
                options.append(Option(prompt, id=f"{kind}:{annotation.id}"))
        with Vertical(id="dialog"):
            yield Static(Text("Link the annotation", style="bold"))
            yield Static(Text(display_safe(" ".join(self.quote.split())[:200]), style="dim"), id="dialog-quote")
            yield OptionList(*options, id="link-options")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = max(0, min(options.option_count - 1, (options.highlighted or 0) + step))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, _, annotation_id = (event.option.id or "").partition(":")
        self.dismiss((annotation_id, kind))

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- the screen ------------------------------------------------------------------------------------


class CompareScreen(PairDecisions, AnnotatingScreen):
    """Read 2-4 sources side by side; the alignment ties their passages together."""

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

    def __init__(self, sources: list[Source], texts: dict[int, str], positions: dict[int, int] | None = None) -> None:
        super().__init__()
        self.panes = [Pane(source, texts[source.id], [], set()) for source in sources[:MAX_PANES]]
        self.positions = positions or {}
        self.alignment: Alignment | None = None
        self.comparison: Comparison | None = None
        self.show_weak = False
        self.sync = True
        self.active = 0
        self.tags: list[Tag] = []
        self._focus_cluster: dict[int, tuple[int, ...] | None] = {}
        self._aligned_starts: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
        self._difference_cache: dict[tuple, Text] = {}

    SEARCH_INPUT = "#compare-search"

    @property
    def source_ids(self) -> list[int]:
        return [pane.source.id for pane in self.panes]

    def compose(self) -> ComposeResult:
        with Horizontal(id="compare-body"):
            for index in range(len(self.panes)):
                with Vertical(classes="compare-pane", id=f"compare-pane-{index}"):
                    yield Static(classes="pane-header", id=f"pane-header-{index}")
                    yield DocumentView(id=f"pane-view-{index}", classes="pane-view")
        yield Static(id="compare-differences")
        yield Input(id="compare-search", placeholder="search this pane (enter finds, escape closes)")
        yield TagBar(id="compare-tag-bar")
        yield StatusLine(id="compare-status")

    def on_mount(self) -> None:
        self.query_one("#compare-search").display = False
        for index, pane in enumerate(self.panes):
            view = self.query_one(f"#pane-view-{index}", DocumentView)
            pane.view = view
            # Layer order decides the margin mark: a link shows first, then the passage kind.
            for layer in ("links", "focus", "alignment", "annotations"):
                view.set_highlights(layer, [])
            view.load(pane.text, self.positions.get(pane.source.id, 0))
            self._update_header(index)
        self.panes[0].view.focus()
        self._mark_active_pane()
        self.refresh_tags()
        self.load_marks()
        self.compute_alignment()
        self.show_differences()
        self.update_status()

    # --- workers ---------------------------------------------------------------------------------

    def workers_idle(self) -> bool:
        """No alignment or annotation load of this screen is still running (tests and benchmarks wait)."""
        return not any(worker.node is self and not worker.is_finished for worker in self.app.workers)

    @property
    def ready(self) -> bool:
        return self.alignment is not None and self.workers_idle()

    @work(thread=True, exclusive=True, group="alignment")
    def compute_alignment(self) -> None:
        """Align the panes' sources off the event loop (a few hundred ms for long articles), judged with the
        database's links (they win), rejected pairs and learned pair model."""
        docs = [SourceText(pane.source.id, pane.source.path, pane.text) for pane in self.panes]
        try:
            comparison = compare_sources(self.store, docs)
        except StoreError as error:
            self.app.call_from_thread(self.app.notify_error, str(error))
            return
        self.post_message(self.AlignmentReady(comparison))

    @work(thread=True, exclusive=True, group="compare-marks")
    def load_marks(self) -> None:
        try:
            annotations = {sid: self.store.annotations(source_id=sid) for sid in self.source_ids}
            ids = {a.id for found in annotations.values() for a in found}
            linked = {
                end for link in self.store.links() for end in (link.from_annotation, link.to_annotation) if end in ids
            }
        except StoreError as error:
            self.app.call_from_thread(self.app.notify_error, str(error))
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
        self._difference_cache.clear()
        self._focus_cluster.clear()
        for index, pane in enumerate(self.panes):
            aligned = sorted(
                (start, end) for start, end, kind, _ in self.alignment.passages(pane.source.id) if kind == "aligned"
            )
            self._aligned_starts[pane.source.id] = ([s for s, _ in aligned], aligned)
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
        self.refresh_tags()
        self.load_marks()
        self.compute_alignment()  # links and decisions change what is confirmed and what is suggested

    def on_screen_resume(self) -> None:
        """Back from a reading screen or the matrix, where annotations may have changed."""
        if self.panes[0].view is not None:
            self.reload()

    def refresh_tags(self) -> None:
        try:
            self.tags = self.store.tags()
        except StoreError as error:
            self.app.notify_error(str(error))
            self.tags = []
        self.query_one(TagBar).show_tags(self.tags)

    # --- painting --------------------------------------------------------------------------------

    def _paint_annotations(self, index: int) -> None:
        pane = self.panes[index]
        colours = {tag.name: tag.colour for tag in self.tags}
        placed = [a for a in pane.annotations if is_drawn(a)]
        pane.view.set_highlights(
            "annotations",
            [
                Highlight(a.start, a.end, annotation_colour(a.tags, colours), key=a.id, status=a.anchor_status)
                for a in placed
            ],
        )
        pane.view.set_highlights(
            "links", [Highlight(a.start, a.end, LINK_COLOUR, key=f"link:{a.id}") for a in placed if a.id in pane.linked]
        )
        self._paint_passages(index)
        self._update_header(index)

    def _paint_passages(self, index: int) -> None:
        if self.alignment is None:
            return
        pane = self.panes[index]
        annotated = [(a.start, a.end) for a in pane.annotations if a.anchor_status != "orphaned"]
        confirmed = {c.id for c in self.alignment.clusters if c.status == "confirmed"}
        weak = set()
        if self.show_weak:
            weak = {
                c.id
                for c in self.alignment.clusters
                if c.status == "suggested" and (c.confidence or 0.0) < tuning.DRAW_CONFIDENCE
            }
        pane.view.set_highlights(
            "alignment", passage_highlights(self.alignment.passages(pane.source.id), annotated, confirmed, weak)
        )

    def _update_header(self, index: int) -> None:
        """Two lines: the pane's number and title; its outlet and what the alignment found in it."""
        pane = self.panes[index]
        width = max(10, self.app.size.width // max(1, len(self.panes)) - 3)
        title = Text(display_safe(pane_label(index + 1, pane.source)), style="bold")
        stated = " · ".join(part for part in (pane.source.outlet, pane.source.published[:10]) if part)
        facts = Text(display_safe(stated) + "  " if stated else "", style="dim")
        if self.alignment is not None:
            passages = self.alignment.passages(pane.source.id)
            counts = {kind: sum(1 for p in passages if p[2] == kind) for kind in PASSAGE_COLOURS}
            facts.append(f"{counts['aligned']} aligned · {counts['unique']} unique")
            if counts["repeat"]:
                facts.append(f" · {counts['repeat']} repeated", style=REPEAT_COLOUR)
        else:
            facts.append("aligning…")
        for line in (title, facts):
            line.truncate(width, overflow="ellipsis")
        self.query_one(f"#pane-header-{index}", Static).update(Text("\n").join([title, facts]))

    # --- the synchronised cursor -----------------------------------------------------------------

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

    def repeat_under_cursor(self, index: int):
        if self.alignment is None:
            return None
        pane = self.panes[index]
        start, end = pane.view.cursor
        return next(
            (r for r in self.alignment.repeats.get(pane.source.id, []) if r.again[0] < end and r.again[1] > start), None
        )

    def sync_from(self, index: int, force: bool = False) -> None:
        """Highlight the passage under pane index's cursor and, with sync on, its counterparts in the
        other panes, whose cursors move there and which scroll it into view."""
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
            if not self.sync:
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
                self._bring_into_view(pane.view, members[0])
        self._focus_cluster[index] = cluster_id

    @staticmethod
    def _bring_into_view(view: DocumentView, member: Member) -> None:
        """Cursor on the counterpart; scroll only if it is not wholly on screen, then with a few rows above it."""
        view.move_cursor_to(member.start, scroll=False)
        before = view.scroll_y
        view.scroll_to_offset(max(member.start, member.end - 1), top=False)
        view.scroll_to_offset(member.start, top=False)
        if view.scroll_y != before:
            view.scroll_to_offset(member.start, top=True)
            view.scroll_to(y=max(0, view.scroll_y - CONTEXT_ROWS), animate=False, immediate=True)

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

    def on_descendant_focus(self, event) -> None:
        index = self._pane_of(event.widget) if isinstance(event.widget, DocumentView) else None
        if index is not None and index != self.active:
            self.active = index
            self._mark_active_pane()
            self.sync_from(index)
            self.show_differences()
            self.update_status()

    # --- the differences panel and status ----------------------------------------------------------

    def show_differences(self) -> None:
        panel = self.query_one("#compare-differences", Static)
        if not panel.display:
            return
        legend = Text.assemble(
            Text("Differences", style="bold"),
            "  ",
            Text("sync on" if self.sync else "sync off", style="reverse" if self.sync else "dim"),
            Text(" (s)   ", style="dim"),
            Text("▌", style=ALIGNED_COLOUR),
            "aligned ",
            Text("▌", style=UNIQUE_COLOUR),
            "unique ",
            Text("▌", style=REPEAT_COLOUR),
            "repeated ",
            Text("▌", style=LINK_COLOUR),
            "linked ",
            Text("▌", style=FOCUS_COLOUR),
            "counterparts  ",
            Text(
                "aligned = suggested; c ranks counterparts; W "
                + ("hides" if self.show_weak else "shows")
                + " weak ones",
                style="dim",
            ),
        )
        lines = [legend]
        if self.comparison is not None and not self.comparison.library_weights:
            lines.append(
                Text(
                    f"words weighed over the open panes only (library over {tuning.STABLE_LIBRARY} "
                    "sources): other panes may change these pairs",
                    style="dim italic",
                )
            )
        if self.alignment is None:
            lines.append(Text("aligning the sources…", style="dim italic"))
        else:
            lines += self._difference_lines(self.active)
        panel.update(Text("\n").join(lines))

    def _difference_lines(self, index: int) -> list[Text]:
        pane = self.panes[index]
        hits = self.hits_under_cursor(index)
        lines: list[Text] = []
        repeat = self.repeat_under_cursor(index)
        if repeat is not None:
            lines.append(
                Text(
                    f"repeated: this passage also stands at {repeat.first[0]:,}–{repeat.first[1]:,} in this source",
                    style=REPEAT_COLOUR,
                )
            )
        if not hits:
            start, end = pane.view.cursor
            unique = any(a < end and b > start for a, b in self.alignment.unique.get(pane.source.id, []))
            lines.append(
                Text(
                    "unique: no other pane states this" if unique else "no aligned passage here",
                    style=UNIQUE_COLOUR if unique else "dim",
                )
            )
            return lines
        for number, hit in enumerate(hits, 1):
            if len(hits) > 1:  # a sentence that makes several claims: one block each
                words = " ".join(hit.member.text.split())
                lines.append(
                    Text(
                        display_safe(f"claim {number}/{len(hits)}: {words[:70]}" + ("…" if len(words) > 70 else "")),
                        style="bold dim",
                    )
                )
            lines += self._hit_lines(index, hit)
        return lines

    def _hit_lines(self, index: int, hit: AlignmentHit) -> list[Text]:
        """One line per other pane: the words that differ from the counterpart, and whose pair it is (your
        link, or a suggestion with its confidence and, when they differ, the figures side by side)."""
        pane = self.panes[index]
        lines: list[Text] = []
        for other_index, other in enumerate(self.panes):
            if other_index == index:
                continue
            members = [m for m in hit.counterparts if m.source_id == other.source.id]
            label = pane_label(other_index + 1, other.source)[:40]
            if not members:
                lines.append(
                    Text.assemble(
                        Text(display_safe(label), style="bold"),
                        Text(": no counterpart (silent or not found)", style="dim"),
                    )
                )
                continue
            key = (hit.member.source_id, hit.member.start, members[0].source_id, members[0].start, hit.cluster.id)
            line = self._difference_cache.get(key)
            if line is None:
                line = difference_line(label, pane.text, hit.member, other.text, members[0])
                line.append_text(self._pair_status(index, hit.member, other_index, members[0]))
                self._difference_cache[key] = line
            lines.append(line)
        return lines

    def _pair_status(self, index: int, member: Member, other_index: int, counterpart: Member) -> Text:
        if member.status == "confirmed" and counterpart.status == "confirmed":
            kind = LINK_KIND_NAMES.get(counterpart.link_kind or member.link_kind, "same claim")
            return Text(f"  [your link: {kind}]", style=f"bold {CONFIRMED_COLOUR}")
        status = Text("  [suggested", style="dim")
        if counterpart.confidence is not None:
            status.append(f" {counterpart.confidence:.2f}", style="dim")
        status.append("]", style="dim")
        if self.comparison is not None:
            clause_set = self.comparison.clause_set
            a = query_clauses(clause_set, index, member.start, member.end)[0]
            b = query_clauses(clause_set, other_index, counterpart.start, counterpart.end)[0]
            found = evidence(clause_set, a, b)
            if found.differs:
                status.append(
                    display_safe(f"  differs: {', '.join(found.figures_a)} | {', '.join(found.figures_b)}"),
                    style="bold #e5c07b",
                )
        return status

    def annotation_under_cursor(self, index: int | None = None) -> Annotation | None:
        pane = self.panes[self.active if index is None else index]
        view = pane.view
        keys = {h.key for h in view.highlights_at(view.cursor[0])}
        under = [a for a in pane.annotations if a.id in keys]
        if not under:
            under = [
                a
                for a in pane.annotations
                if a.start < view.cursor[1] and a.end > view.cursor[0] and a.anchor_status != "orphaned"
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
        self.sync_from(self.active, force=True)
        self.show_differences()
        self.app.notify_plain("sync on: the other panes follow the cursor" if self.sync else "sync off")

    def action_toggle_differences(self) -> None:
        panel = self.query_one("#compare-differences", Static)
        panel.display = not panel.display
        self.show_differences()

    def action_toggle_weak(self) -> None:
        self.show_weak = not self.show_weak
        self._use_alignment()
        self.app.notify_plain(
            "weak suggestions shown (dim)"
            if self.show_weak
            else "weak suggestions hidden: your links and confident suggestions only"
        )

    def action_matrix(self) -> None:
        self.app.open_matrix(self.source_ids)

    def action_back(self) -> None:
        if not self.close_search():
            self.app.pop_screen()

    # --- actions: annotating ---------------------------------------------------------------------

    def _set_pane_annotations(self, index: int, annotations: list[Annotation]) -> None:
        self.panes[index].annotations = sorted(annotations, key=lambda a: (a.start, a.end, a.id))
        self._paint_annotations(index)
        self.update_status()

    def annotate_pane_span(self, index: int, start: int, end: int, tags: list[str], note: str = "") -> Annotation:
        """Annotate a span of pane index's source (an annotation on exactly that span gains the tags)."""
        pane = self.panes[index]
        annotation = self.annotate_span(pane.source.id, pane.annotations, start, end, tags, note)
        self._set_pane_annotations(index, [*(a for a in pane.annotations if a.id != annotation.id), annotation])
        return annotation

    # --- what AnnotatingScreen acts on: the active pane ------------------------------------------

    def active_view(self) -> DocumentView:
        return self.panes[self.active].view

    def active_source_id(self) -> int | None:
        return self.panes[self.active].source.id

    def active_annotations(self) -> list[Annotation]:
        return self.panes[self.active].annotations

    def show_annotations(self, annotations: list[Annotation]) -> None:
        self._set_pane_annotations(self.active, annotations)

    def jump_to(self, annotation: Annotation) -> None:
        self.active_view().move_cursor_to(annotation.start)

    # --- actions: links --------------------------------------------------------------------------

    def action_link(self) -> None:
        """Link the annotation under this pane's cursor to one under another pane's cursor."""
        annotation = self.annotation_under_cursor()
        if annotation is None:
            self.app.notify_error("no annotation under the cursor (a annotates; L links the aligned passages)")
            return
        targets = []
        for index, pane in enumerate(self.panes):
            if index == self.active:
                continue
            other = self.annotation_under_cursor(index)
            if other is not None:
                targets.append((pane_label(index + 1, pane.source)[:40], other))
        if not targets:
            self.app.notify_error("no annotation under the other panes' cursors (tab to a pane and annotate)")
            return

        def made(choice: tuple[str, str] | None) -> None:
            if choice is None:
                return
            target_id, kind = choice
            target = next(a for _, a in targets if a.id == target_id)
            try:
                with self.store.write():  # the link and what the pair model learns from it: one step
                    self.store.add_link(annotation.id, target_id, kind)
                    self._record(
                        annotation.source_id,
                        (annotation.start, annotation.end),
                        target.source_id,
                        (target.start, target.end),
                        "confirmed",
                    )
            except StoreError as error:
                self.app.notify_error(str(error))
                return
            self.app.notify_plain(f"linked: {LINK_KIND_NAMES.get(kind, kind)}")
            self.reload()

        self.app.push_screen(LinkChoice(annotation.quote, targets), made)

    def action_accept_alignment(self) -> None:
        """The aligned passage under the cursor and its counterparts in the other panes become one claim:
        each is annotated (tag "claim"; an annotation on the same span is reused) and linked as the same."""
        hit = self.hit_under_cursor(self.active)
        if hit is None:
            self.app.notify_error("no aligned passage under the cursor")
            return
        counterparts: list[tuple[int, Member]] = []
        for index, pane in enumerate(self.panes):
            if index == self.active:
                continue
            member = next((m for m in hit.counterparts if m.source_id == pane.source.id), None)
            if member is not None:
                counterparts.append((index, member))
        if not counterparts:
            self.app.notify_error("the other panes have no counterpart of this passage")
            return
        try:
            with self.store.write():  # all or nothing, and one undo step
                own = self.claim_annotation(self.active, hit.member.start, hit.member.end)
                for index, member in counterparts:
                    other = self.claim_annotation(index, member.start, member.end)
                    self.store.add_link(own.id, other.id, "same")
                    self._record(
                        hit.member.source_id,
                        (hit.member.start, hit.member.end),
                        member.source_id,
                        (member.start, member.end),
                        "confirmed",
                    )
        except StoreError as error:
            self.app.notify_error(str(error))
            self.reload()
            return
        self.refresh_tags()
        self.app.notify_plain(f"linked {len(counterparts) + 1} passages as one claim")
        self.reload()
