"""What every screen that annotates a document shares: the keys for annotating, tagging, editing,
deleting, undoing, moving between annotations and searching, and what they do.

The reading screen shows one document; the comparison screen several, of which one is active. Both
subclass AnnotatingScreen and tell it, through a few small methods, which view, source and annotations
are the active ones; the actions themselves live here once.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from reader.model import AnchorStatus, Annotation, Tag
from reader.presentation import tags_text
from reader.session import Store, Written
from reader.tui.base import ReaderScreen
from reader.tui.widgets.annotate_dialog import AnnotateDialog, AnnotationInput
from reader.tui.widgets.choose_annotation import ChooseAnnotation
from reader.tui.widgets.document_view import DocumentView

Span = tuple[int, int]
T = TypeVar("T")
NEARBY_REACH = 20_000  # annotations starting this far before the cursor are looked at directly


def annotating_bindings(prefix: str, search_description: str = "Search in the source") -> list[Binding]:
    """The annotating keys, with binding ids under prefix ("reading", "compare") so each can be remapped."""
    return [
        Binding("a,enter", "annotate", "Annotate the selection or sentence", id=f"{prefix}.annotate"),
        *[Binding(str(n), f"tag({n})", f"Tag with tag {n}", show=False, id=f"{prefix}.tag_{n}") for n in range(1, 10)],
        Binding("right_square_bracket", "next_annotation(1)", "Next annotation", id=f"{prefix}.next_annotation"),
        Binding(
            "left_square_bracket", "next_annotation(-1)", "Previous annotation", id=f"{prefix}.previous_annotation"
        ),
        Binding(
            "e", "edit", "Edit the annotation under the cursor (a choice when several overlap)", id=f"{prefix}.edit"
        ),
        Binding(
            "x",
            "delete",
            "Delete the annotation under the cursor (a choice when several overlap)",
            id=f"{prefix}.delete",
        ),
        Binding("u", "undo", "Undo", id=f"{prefix}.undo"),
        Binding("ctrl+r", "redo", "Redo", id=f"{prefix}.redo"),
        Binding("slash", "search", search_description, id=f"{prefix}.search"),
        Binding("n", "search_next(1)", "Next search hit", id=f"{prefix}.search_next"),
        Binding("N", "search_next(-1)", "Previous search hit", id=f"{prefix}.search_previous"),
    ]


def placed_annotations(annotations: list[Annotation]) -> list[Annotation]:
    """Annotations that sit somewhere on the current text (orphans are listed, never placed)."""
    return [a for a in annotations if a.anchor_status != AnchorStatus.ORPHANED]


def tag_colours(tags: list[Tag]) -> dict[str, str]:
    """Tag name -> colour, what annotations are painted with."""
    return {tag.name: tag.colour for tag in tags}


class TagsLoaded(Message, bubble=False):
    """The tags in the database, read off the event loop (posted before the annotations they colour)."""

    def __init__(self, tags: list[Tag]) -> None:
        super().__init__()
        self.tags = tags


class AnnotatingScreen(ReaderScreen):
    """A screen whose active document can be annotated from the keyboard (see the module docstring)."""

    SEARCH_INPUT = "#search"  # the id of the screen's search field

    tags: list[Tag]

    def __init__(self) -> None:
        super().__init__()
        # An annotation being made on a span (source id, start, end): a second tag pressed on the same span
        # before it landed adds to it (changes run in order, so the first has landed when the second runs).
        self._making: dict[tuple[int, int, int], Future[Written[Annotation]]] = {}

    # --- what a subclass provides ----------------------------------------------------------------

    def active_view(self) -> DocumentView:
        raise NotImplementedError

    def active_source_id(self) -> int | None:
        """The active document's source id; None while it is not in the store yet."""
        raise NotImplementedError

    def active_annotations(self) -> list[Annotation]:
        raise NotImplementedError

    def annotations_of(self, source_id: int) -> list[Annotation]:
        """The annotations shown of a source (none when the screen does not show it)."""
        raise NotImplementedError

    def show_annotations_of(self, source_id: int, annotations: list[Annotation]) -> None:
        """Replace a source's annotations and repaint them (a change lands after the user may have moved
        to another pane: it is painted where it was made)."""
        raise NotImplementedError

    def annotation_under_cursor(self) -> Annotation | None:
        raise NotImplementedError

    def show_tags(self, tags: list[Tag]) -> None:
        """The tags in the database: the tag bar, and the colours the annotations are painted in."""
        raise NotImplementedError

    def on_tags_loaded(self, message: TagsLoaded) -> None:
        if self.is_mounted:
            self.show_tags(message.tags)

    def with_tags(self, change: Callable[[Store], T]) -> Callable[[Store], T]:
        """change, then the tags read on the same connection, posted before the change's ChangeSaved: a tag
        the change made is in the tag bar, in its colour, when the annotation is painted."""

        def change_then_tags(store: Store) -> T:
            result = change(store)
            self.post_message(TagsLoaded(store.tags()))
            return result

        return change_then_tags

    def jump_to(self, annotation: Annotation) -> None:
        view = self.active_view()
        if annotation.anchor_status == AnchorStatus.ORPHANED:
            self.notify_plain("this annotation's text is no longer in the source (orphaned)")
            return
        view.move_cursor_to(annotation.start)
        view.focus()

    def say(self, message: str, about_annotations: bool = False) -> None:
        """Tell the user where they are (search hits, which annotation): a notice by default; the
        reading screen puts it in its status line instead (and forgets it, when about_annotations, once
        the annotations change)."""
        self.notify_plain(message)

    def _placed_index(self, annotations: list[Annotation]) -> tuple[list[Annotation], list[int]]:
        """The placed annotations in document order (start, end, id) and their starts, kept until the
        list is replaced (screens replace, never mutate, it): tagging and `]` must not rebuild
        50,000-entry lists on every key."""
        cached = getattr(self, "_placed_for", None)
        if cached is None or cached[0] is not annotations:
            placed = sorted(placed_annotations(annotations), key=lambda a: (a.start, a.end, a.id))
            cached = self._placed_for = (annotations, placed, [a.start for a in placed])
        return cached[1], cached[2]

    # --- which annotation the cursor is on -------------------------------------------------------

    def _visited(self) -> Annotation | None:
        """The annotation `]` / `[` last moved to, while the word cursor is still where that left it."""
        visit = getattr(self, "_visit", None)
        view = self.active_view()
        if visit is None or view.selection is not None or visit[1] is not view or visit[2] != view.word:
            return None
        return next((a for a in self.active_annotations() if a.id == visit[0]), None)

    def annotations_under_cursor(self) -> list[Annotation]:
        """What e and x act on, in document order: the annotation visited with ] or [; else those on
        exactly the selection, else overlapping it; else those covering the word cursor; else those
        overlapping the cursor sentence."""
        visited = self._visited()
        if visited is not None:
            return [visited]
        view = self.active_view()
        placed, starts = self._placed_index(self.active_annotations())
        if not placed:
            return []
        looked_at = view.selection or view.cursor
        first, last = min(looked_at[0], view.cursor[0]), max(looked_at[1], view.cursor[1])
        # Starting shortly before to the end of what is looked at, plus any long one the view's
        # highlights say covers its start: a few, not all 50,000, on every key.
        nearby = placed[bisect_left(starts, first - NEARBY_REACH) : bisect_right(starts, last)]
        seen = {a.id for a in nearby}
        by_id = {a.id: a for a in self.active_annotations()} if len(placed) <= 2000 else None
        for highlight in view.highlights_at(first):
            if highlight.key not in seen:
                found = (
                    by_id.get(highlight.key)
                    if by_id is not None
                    else next((a for a in placed if a.id == highlight.key), None)
                )
                if found is not None and found.anchor_status != AnchorStatus.ORPHANED:
                    nearby.append(found)
                    seen.add(found.id)
        nearby.sort(key=lambda a: (a.start, a.end, a.id))

        def overlapping(span: Span) -> list[Annotation]:
            return [a for a in nearby if a.start < max(span[1], span[0] + 1) and a.end > span[0]]

        if view.selection:
            exact = [a for a in nearby if (a.start, a.end) == view.selection]
            return exact or overlapping(view.selection)
        if view.word:
            covering = [a for a in nearby if a.start <= view.word[0] < a.end]
            if covering:
                return covering
        return overlapping(view.cursor)

    def choose_annotation(self, verb: str, act: Callable[[Annotation], Any]) -> None:
        """Run act(annotation) on the annotation under the cursor; several overlapping: the user picks."""
        under = self.annotations_under_cursor()
        if not under:
            self.notify_error("no annotation under the cursor (] moves to the next one)")
            return
        if len(under) == 1:
            act(under[0])
            return
        self.app.push_screen(ChooseAnnotation(verb, under), lambda chosen: act(chosen) if chosen is not None else None)

    # --- annotating ------------------------------------------------------------------------------

    def _writable(self) -> bool:
        if self.active_source_id() is None:
            self.notify_error("still saving this source to the database; try again in a moment")
            return False
        return True

    def annotate_change(
        self, source_id: int, annotations: list[Annotation], start: int, end: int, tags: list[str], note: str = ""
    ) -> Callable[[Store], Annotation]:
        """The change annotating source_id's text[start:end]; an annotation on exactly that span (in
        annotations, that source's, or being made) gains the tags instead."""
        placed, starts = self._placed_index(annotations)
        index = bisect_left(starts, start)
        existing = next((a for a in placed[index : index + 50] if (a.start, a.end) == (start, end)), None)
        making = self._making.get((source_id, start, end)) if existing is None else None

        def change(store: Store) -> Annotation:
            target = existing
            if target is None and making is not None and making.done() and making.exception() is None:
                target = making.result().result
            if target is not None:
                return store.update_annotation(target.id, add_tags=tags, note=note if note else None)
            return store.add_annotation(source_id, start, end, tags=tags, note=note)

        return change

    def submit_annotation(
        self, source_id: int, change: Callable[[Store], Annotation], span: Span, done: Callable[[Annotation], None]
    ) -> None:
        """Submit an annotate_change, remembered as being made on span until it has landed."""
        future = self.session.submit(change)
        key = (source_id, *span)
        self._making[key] = future

        def landed(annotation: Annotation) -> None:
            if self._making.get(key) is future:
                del self._making[key]
            done(annotation)

        self._await_change(future, landed)

    def _apply(self, tags: list[str], note: str, span: Span | None = None) -> None:
        """Annotate the span (default: the selection or cursor sentence) of the active document."""
        view = self.active_view()
        start, end = span or view.target
        if end <= start:
            self.notify_error("nothing to annotate here")
            return
        annotations = self.active_annotations()
        source_id = self.active_source_id()
        if source_id is None:
            return

        if view.selection:
            view.action_cancel_selection()

        def shown(annotation: Annotation) -> None:
            others = [a for a in self.annotations_of(source_id) if a.id != annotation.id]
            self.show_annotations_of(source_id, [*others, annotation])

        self.submit_annotation(
            source_id,
            self.with_tags(self.annotate_change(source_id, annotations, start, end, tags, note)),
            (start, end),
            shown,
        )

    def action_tag(self, number: int) -> None:
        if not self._writable():
            return
        if number > len(self.tags):
            self.notify_error(f"no tag {number} (there are {len(self.tags)}; `a` adds new ones)")
            return
        self._apply([self.tags[number - 1].name], "")

    def action_annotate(self) -> None:
        if not self._writable():
            return
        view = self.active_view()
        start, end = view.target
        self.app.push_screen(
            AnnotateDialog(view.text[start:end], [t.name for t in self.tags]),
            lambda result: self._apply(result.tags, result.note, (start, end)) if result else None,
        )

    def action_edit(self) -> None:
        self.choose_annotation("Edit", self.edit_annotation)

    def edit_annotation(self, annotation: Annotation) -> None:
        """The edit dialog on annotation: its tags and note, which typing extends (never replaces)."""

        def save(result: AnnotationInput | None) -> None:
            if result is None:
                return

            def shown(updated: Annotation) -> None:
                shown = self.annotations_of(updated.source_id)
                self.show_annotations_of(updated.source_id, [updated if a.id == updated.id else a for a in shown])

            self.submit_change(
                self.with_tags(
                    lambda store: store.update_annotation(annotation.id, note=result.note, tags=result.tags)
                ),
                shown,
            )

        self.app.push_screen(
            AnnotateDialog(
                annotation.quote,
                [t.name for t in self.tags],
                annotation.tags,
                annotation.note,
                heading="Edit annotation",
            ),
            save,
        )

    def action_delete(self) -> None:
        self.choose_annotation("Delete", self.delete_annotation)

    def delete_annotation(self, annotation: Annotation) -> None:
        def shown(_: object) -> None:
            remaining = [a for a in self.annotations_of(annotation.source_id) if a.id != annotation.id]
            self.show_annotations_of(annotation.source_id, remaining)
            self.notify_plain("deleted the annotation (u undoes)")

        self.submit_change(lambda store: store.delete_annotation(annotation.id), shown)

    def action_undo(self) -> None:
        self.submit_undo("nothing to undo in this session", self.reload)

    def action_redo(self) -> None:
        self.submit_undo("nothing to redo in this session", self.reload, redo=True)

    def action_next_annotation(self, direction: int) -> None:
        annotations = self.active_annotations()
        if not annotations:
            self.notify_plain("no annotations in this source")
            return
        placed, starts = self._placed_index(annotations)
        if not placed:
            self.notify_plain("every annotation here is orphaned (see the panel)")
            return
        view = self.active_view()
        visited = self._visited()
        if visited is not None and visited in placed:
            index = placed.index(visited, bisect_left(starts, visited.start)) + direction
        else:
            position = (view.word or view.cursor)[0]
            index = bisect_right(starts, position) if direction > 0 else bisect_left(starts, position) - 1
        wrapped = not 0 <= index < len(placed)
        index %= len(placed)
        target = placed[index]
        self.jump_to(target)
        view = self.active_view()
        self._visit = (target.id, view, view.word)
        self.say_visit(
            f"annotation {index + 1} of {len(placed)}"
            + (" (wrapped to the start)" if wrapped and direction > 0 else " (wrapped to the end)" if wrapped else ""),
            target,
        )

    def say_visit(self, position: str, annotation: Annotation) -> None:
        """Where `]` or `[` went ('annotation 2 of 5') and the annotation's tags."""
        self.say(f"{position}: {tags_text(annotation.tags)}", about_annotations=True)

    # --- searching -------------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.query_one(self.SEARCH_INPUT, Input)
        search.display = True
        search.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if f"#{event.input.id}" != self.SEARCH_INPUT:
            return
        event.stop()
        view = self.active_view()
        view.set_search(event.value)
        event.input.display = False
        view.focus()
        if event.value:
            if view.search_next() is None:
                self.say(f"not found: {event.value} (accents and case are ignored)")
            else:
                self._say_search_position(view, first=True)

    def action_search_next(self, direction: int) -> None:
        view = self.active_view()
        if view.search_next(forward=direction > 0) is None:
            self.say("no search (press / to search)")
        else:
            self._say_search_position(view, forward=direction > 0)

    def _say_search_position(self, view: DocumentView, first: bool = False, forward: bool = True) -> None:
        """'hit 3 of 12', and whether the search went round the end of the text to get there."""
        position = view.search_position()
        message = f"hit {position[0]} of {position[1]}" if position else "hit"
        if view.search_wrapped and not first:
            message += " (search wrapped to the start)" if forward else " (search wrapped to the end)"
        elif view.search_wrapped:
            message += " (wrapped to the start)"
        self.say(message)

    def close_search(self) -> bool:
        """If the search field has focus, hide it and return to the document (escape's first job)."""
        search = self.query_one(self.SEARCH_INPUT, Input)
        if not search.has_focus:
            return False
        search.display = False
        self.active_view().focus()
        return True
