"""The side panel: the open source's annotations (quote, tags, note), filterable by tag; enter jumps."""

from __future__ import annotations

from bisect import bisect_left

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.model import AnchorStatus, Annotation
from reader.presentation import UNTAGGED_LABEL, fit_cells
from reader.tui.widgets.option_steps import step_highlight
from reader.tui.widgets.small import safe_content

SHOWN_ID = 8  # characters of an annotation's id shown in the list (`e` in the matrix takes 6 or more)
PANEL_LIMIT = 500  # a source with more annotations lists those nearest the cursor


class AnnotationPanel(Vertical):
    """Lists annotations; `f` cycles the tag filter; enter posts Jump with the annotation."""

    BINDINGS = [
        Binding("f", "cycle_filter", "Filter the list by tag", id="panel.filter"),
        Binding("j", "move(1)", "Next annotation in the list", show=False, id="panel.down"),
        Binding("k", "move(-1)", "Previous annotation in the list", show=False, id="panel.up"),
    ]

    class Jump(Message):
        def __init__(self, annotation: Annotation) -> None:
            super().__init__()
            self.annotation = annotation

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.annotations: list[Annotation] = []
        self.shown: list[Annotation] = []
        self.tag_filter = ""
        self.tag_names: list[str] = []
        self.colours: dict[str, str] = {}
        self.around = 0

    def compose(self) -> ComposeResult:
        yield Static(id="panel-heading")
        yield OptionList(id="panel-list")

    def show(self, annotations: list[Annotation], colours: dict[str, str], around: int = 0) -> None:
        """Replace the list; with more than PANEL_LIMIT, show the ones nearest offset `around`."""
        self.annotations = annotations
        self.colours = colours
        self.tag_names = list(colours)
        self.around = around
        self._fill()

    def _fill(self) -> None:
        chosen = [a for a in self.annotations if not self.tag_filter or self.tag_filter in a.tags]
        total = len(chosen)
        if total > PANEL_LIMIT:
            middle = bisect_left([a.start for a in chosen], self.around)
            first = max(0, min(middle - PANEL_LIMIT // 2, total - PANEL_LIMIT))
            chosen = chosen[first : first + PANEL_LIMIT]
        self.shown = chosen
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(self._describe(a), id=a.id) for a in chosen])
        if chosen:
            options.highlighted = min(highlighted or 0, len(chosen) - 1)
        heading = f"Annotations {total}" + (f" (nearest {PANEL_LIMIT})" if total > PANEL_LIMIT else "")
        filter_note = f"  tag: {self.tag_filter}" if self.tag_filter else "  f filters"
        self.query_one("#panel-heading", Static).update(
            Content("").join([Content.styled(heading, "bold"), safe_content(filter_note, "dim")])
        )

    def _describe(self, annotation: Annotation) -> Content:
        quote = annotation.quote.replace("\n", " ")
        quote = fit_cells(quote, 80)
        parts = []
        for tag in annotation.tags or [UNTAGGED_LABEL]:
            parts.append(safe_content(f"{tag} ", self.colours.get(tag, "dim")))
        if annotation.anchor_status != AnchorStatus.ANCHORED:
            parts.append(Content.styled(f"({annotation.anchor_status}) ", "italic red"))
        parts.append(safe_content(f"#{annotation.id[:SHOWN_ID]}", "dim"))  # what evidence by annotation id takes
        parts.append(Content("\n"))
        parts.append(safe_content(quote))
        if annotation.note:
            parts.append(Content("\n"))
            parts.append(safe_content("✎ " + annotation.note, "italic"))
        return Content("").join(parts)

    def action_move(self, step: int) -> None:
        step_highlight(self.query_one(OptionList), step)

    def action_cycle_filter(self) -> None:
        names = [""] + [n for n in self.tag_names if any(n in a.tags for a in self.annotations)]
        index = names.index(self.tag_filter) if self.tag_filter in names else 0
        self.tag_filter = names[(index + 1) % len(names)]
        self._fill()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.shown):
            self.post_message(self.Jump(self.shown[event.option_index]))
