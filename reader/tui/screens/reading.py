"""The reading screen: the document, the tag bar, the annotations panel and the status line.

Every change goes to the database at once through the session (no save step). Loading annotations runs in a thread
worker; a source still being saved (a big file opened directly) can be read but not yet annotated.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import get_current_worker

from reader.model import Annotation, Tag
from reader.presentation import annotation_colour, describe_annotation, is_drawn, position_percent, selecting_text
from reader.session import StoreError
from reader.tui.screens.annotating import AnnotatingScreen, TagsLoaded, annotating_bindings, tag_colours
from reader.tui.widgets.annotation_panel import AnnotationPanel
from reader.tui.widgets.document_view import DocumentView, Highlight, Span
from reader.tui.widgets.small import StatusLine, TagBar

POSITION_SAVE_DELAY = 0.5


def _shown(annotations: list[Annotation]) -> set[tuple]:
    """What the status line tells of annotations: which, where and with which tags."""
    return {(a.id, a.start, a.end, tuple(a.tags)) for a in annotations}


class ReadingScreen(AnnotatingScreen):
    """Read one source and annotate it from the keyboard."""

    BINDINGS = [
        *annotating_bindings("reading"),
        Binding("p", "toggle_panel", "Show or hide the annotations panel", id="reading.panel"),
        Binding("f", "filter_panel", show=False, id="reading.panel_filter"),  # the panel's header says 'f filters'
        Binding("c", "compare", "Compare with another source, side by side", id="reading.compare"),
        Binding("m", "matrix", "Claims matrix of every source", id="reading.matrix"),
        Binding("escape", "back", "Back to the sources", id="reading.back"),
    ]

    class AnnotationsLoaded(Message):
        def __init__(self, source_id: int, annotations: list[Annotation]) -> None:
            super().__init__()
            self.source_id = source_id
            self.annotations = annotations

    def __init__(
        self,
        source_id: int | None,
        title: str,
        text: str,
        position: int = 0,
        show_panel: bool = True,
        preview: bool = False,
    ) -> None:
        super().__init__()
        self.preview = preview
        self.source_id = source_id
        self.title = title
        self.text = text
        self.position = position
        self.show_panel = show_panel
        self.annotations: list[Annotation] = []
        self.tags: list[Tag] = []
        self._by_id: dict[str, Annotation] = {}
        self._position_timer: Timer | None = None
        # what say() put in the status line: message, cursor, word, selection, about annotations
        self._said: tuple[str, Span, Span | None, Span | None, bool] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="reading-body"):
            yield DocumentView(id="document")
            yield AnnotationPanel(id="panel")
        yield Input(id="search", placeholder="search (enter finds, escape closes)")
        yield TagBar(id="tag-bar")
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        self.query_one("#panel").display = self.show_panel
        self.query_one("#search").display = False
        view = self.query_one(DocumentView)
        view.load(self.text, self.position)
        view.focus()
        self.load_annotations()

    # --- data ------------------------------------------------------------------------------------

    def replace_text(self, title: str, text: str, preview: bool = False) -> None:
        """The whole text arrived after a preview of its start: show it, keeping the view where it is."""
        self.title, self.text, self.preview = title, text, preview
        self.query_one(DocumentView).replace_text(text)
        self.update_status()

    def source_saved(self, source_id: int, position: int | None = None) -> None:
        """The big file shown before it was stored is now in the store: annotating is possible.

        position: where the reader was last time, taken up only if the cursor has not moved yet.
        """
        self.source_id = source_id
        view = self.query_one(DocumentView)
        if position and view.cursor[0] == view.navigator.sentence_at(0)[0]:
            view.move_cursor_to(position)
            view.scroll_to_offset(view.cursor[0])
        self.load_annotations()

    def show_tags(self, tags: list[Tag]) -> None:
        recoloured = tag_colours(tags) != tag_colours(self.tags)
        self.tags = tags
        self.query_one(TagBar).show_tags(tags)
        if recoloured and self.annotations:
            self.set_annotations(self.annotations)  # repainted in the tags' new colours

    @work(thread=True, exclusive=True, group="annotations")
    def load_annotations(self) -> None:
        """Read the tags, then this source's annotations, off the event loop (a source may carry tens of
        thousands); the tags are posted first, so the annotations are painted in their colours at once."""
        source_id = self.source_id
        try:
            self.post_message(TagsLoaded(self.session.store.tags()))
            if source_id is None:
                return
            found = self.session.store.annotations(source_id=source_id)
        except StoreError as error:
            self.app.call_from_thread(self.notify_error, str(error))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.AnnotationsLoaded(source_id, found))

    def on_reading_screen_annotations_loaded(self, message: AnnotationsLoaded) -> None:
        if message.source_id == self.source_id and self.is_mounted and self in self.app.screen_stack:
            self.set_annotations(message.annotations)

    def set_annotations(self, annotations: list[Annotation]) -> None:
        said = self._said
        if said and said[4] and _shown(annotations) != _shown(self.annotations):
            self._said = None  # "annotation 2 of 3: claim" no longer holds once one is deleted or retagged
        self.annotations = sorted(annotations, key=lambda a: (a.start, a.end, a.id))
        self._by_id = {a.id: a for a in self.annotations}
        colours = tag_colours(self.tags)
        highlights = [
            Highlight(a.start, a.end, annotation_colour(a.tags, colours), key=a.id, status=a.anchor_status)
            for a in self.annotations
            if is_drawn(a)
        ]
        view = self.query_one(DocumentView)
        view.set_highlights("annotations", highlights)
        self.query_one(AnnotationPanel).show(self.annotations, colours, around=view.cursor[0])
        self.update_status()

    def reload(self) -> None:
        """The database changed: pick up its tags and annotations."""
        if not self.is_mounted or self not in self.app.screen_stack:
            return
        self.load_annotations()

    # --- status ----------------------------------------------------------------------------------

    def annotation_under_cursor(self) -> Annotation | None:
        """The annotation the status line describes: the visited one, else the shortest under the cursor."""
        under = self.annotations_under_cursor()
        return min(under, key=lambda a: a.end - a.start) if under else None

    def say(self, message: str, about_annotations: bool = False) -> None:
        """Show message in the status line until the cursor moves elsewhere (or, when about_annotations,
        until the annotations change)."""
        view = self.query_one(DocumentView)
        self._said = (message, view.cursor, view.word, view.selection, about_annotations)
        self.update_status()

    def say_visit(self, position: str, annotation: Annotation) -> None:
        """Only where `]` went: the status line goes on to describe the annotation under the cursor (its
        tags were said twice)."""
        self.say(position, about_annotations=True)

    def on_document_view_cursor_moved(self, message: DocumentView.CursorMoved) -> None:
        self.update_status()
        if self.source_id is not None:
            if self._position_timer is not None:
                self._position_timer.stop()
            self._position_timer = self.set_timer(POSITION_SAVE_DELAY, self.save_position)

    def save_position(self) -> None:
        """Remember where the reader is in this source (the cursor sentence) for the next start."""
        if self.source_id is None or not self.is_mounted:
            return
        view = self.query_one(DocumentView)
        source_id, position = self.source_id, view.cursor[0]
        fraction = min(1.0, view.cursor[1] / len(view.text) if view.text else 0.0)
        self.submit_change(lambda store: store.set_reading_position(source_id, position, fraction))

    def update_status(self) -> None:
        view = self.query_one(DocumentView)
        percent = position_percent(view.cursor[1], len(view.text))
        annotation = self.annotation_under_cursor()
        described = describe_annotation(annotation) if annotation else ""
        said = self._said
        if said and said[1:4] == (view.cursor, view.word, view.selection):
            joint = ": " if said[4] else " · "  # 'annotation 2 of 5: claim: its note'
            described = f"{said[0]}{joint}{described}" if described else said[0]
        selection = ""
        if view.selection:
            words = len(view.text[view.selection[0] : view.selection[1]].split())
            selection = (
                f"{selecting_text(words)} (w/l extend, b/h shrink, j/k by sentence, a or 1-9 annotate, esc cancels)"
            )
        if self.preview:
            described = "reading the rest of the file…"
        elif self.source_id is None:
            described = "saving the source to the database…"
        self.query_one(StatusLine).show(self.title or "", percent, described, selection)

    # --- what AnnotatingScreen acts on -----------------------------------------------------------

    def active_view(self) -> DocumentView:
        return self.query_one(DocumentView)

    def active_source_id(self) -> int | None:
        return self.source_id

    def active_annotations(self) -> list[Annotation]:
        return self.annotations

    def annotations_of(self, source_id: int) -> list[Annotation]:
        return self.annotations if source_id == self.source_id else []

    def show_annotations_of(self, source_id: int, annotations: list[Annotation]) -> None:
        if source_id == self.source_id:
            self.set_annotations(annotations)

    def on_annotation_panel_jump(self, message: AnnotationPanel.Jump) -> None:
        self.jump_to(message.annotation)

    def action_toggle_panel(self) -> None:
        panel = self.query_one(AnnotationPanel)
        panel.display = not panel.display
        self.show_panel = panel.display
        self.reader_app.save_layout(panel_shown=panel.display)

    def action_filter_panel(self) -> None:
        """f from the document as in the panel: the next tag to filter the panel by (shown if hidden)."""
        panel = self.query_one(AnnotationPanel)
        if not panel.display:
            self.action_toggle_panel()
        panel.action_cycle_filter()

    def action_compare(self) -> None:
        if self._writable() and self.source_id is not None:
            self.save_position()
            self.reader_app.ask_compare_with(self.source_id)

    def action_matrix(self) -> None:
        self.reader_app.open_matrix()

    def action_back(self) -> None:
        if self.close_search():
            return
        self.save_position()
        self.reader_app.close_reading()
