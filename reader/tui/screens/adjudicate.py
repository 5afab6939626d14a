"""The adjudication screen: one source with two coders' annotations side by side (A left in blue, B
right in amber), each difference marked in the margin and described below (coded by one only,
different tags, different extent); keys accept A's, B's or both into the adjudicated set, which is made
under the adjudicator's name. Every decision is one undoable step (u).

Opened with `A` (shift+a) on a source, from ctrl+p ("Compare coders…"), or `reader adjudicate SOURCE
--authors A B`. Logic lives in reader.adjudication; this module only shows it and takes keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.adjudication import (
    AGREE,
    Item,
    accept,
    accept_agreements,
    adjudicated,
    check_adjudication,
    compare_coders,
    decision_for,
)
from reader.model import Annotation, ReaderError, Source
from reader.presentation import fit_cells, tags_text
from reader.session import Store
from reader.text import display_safe, plural
from reader.tui.base import ReaderScreen

if TYPE_CHECKING:
    from reader.tui.opening import OpeningScreens
from reader.tui.widgets.document_view import DocumentView, Highlight

COLOUR_A = "#61afef"
COLOUR_B = "#e5c07b"
KEY_HELP = "a A's · b B's · o both · x neither · g all agreements · n/p next/previous · u undo"
SHORT_KEY_HELP = "a A's · b B's · o both · x neither · g agreements · n/p move · u undo"
DECISIONS = {"": "not decided", "a": "A's kept", "b": "B's kept", "both": "both kept", "other": "changed by hand"}


def one_line(text: str, limit: int) -> str:
    """Untrusted text for one line of the screen: display-safe, newlines shown as ␤, cut with …."""
    text = display_safe(text).replace("\n", "␤")
    return fit_cells(text, limit)


class AdjudicateScreen(ReaderScreen):
    """Two coders' annotations on one source, their differences, and the adjudicator's decisions."""

    AUTO_FOCUS = None
    DEFAULT_CSS = """
    AdjudicateScreen #adjudicate-heading { height: 1; background: $panel; padding: 0 1; }
    AdjudicateScreen #adjudicate-body { height: 1fr; }
    AdjudicateScreen .adjudicate-pane { width: 1fr; }
    AdjudicateScreen .adjudicate-label { height: 1; padding: 0 1; background: $panel-darken-1; }
    AdjudicateScreen #adjudicate-detail { height: auto; max-height: 6; padding: 0 1; background: $panel; }
    AdjudicateScreen #adjudicate-status { height: 1; padding: 0 1; background: $panel-darken-1; }
    """

    BINDINGS = [
        Binding("n,j", "move(1)", "Next difference", id="adjudicate.next"),
        Binding("p,k", "move(-1)", "Previous difference", id="adjudicate.previous"),
        Binding("a", "decide('a')", "Accept A's", id="adjudicate.accept_a"),
        Binding("b", "decide('b')", "Accept B's", id="adjudicate.accept_b"),
        Binding("o", "decide('both')", "Accept both", id="adjudicate.accept_both"),
        Binding("x", "decide('neither')", "Keep neither", id="adjudicate.neither"),
        Binding("g", "accept_agreements", "Accept every agreement", id="adjudicate.agreements"),
        Binding("d", "toggle_agreements", "Show or hide agreements", id="adjudicate.toggle_agreements"),
        Binding("u", "undo", "Undo the last decision", id="adjudicate.undo"),
        Binding("escape", "back", "Back", id="adjudicate.back"),
    ]

    # The item under the cursor, an index into `shown`; every assignment repaints (a key that leaves it
    # where it was still says what it did).
    current: reactive[int] = reactive(0, init=False, always_update=True)
    show_agreements: reactive[bool] = reactive(False, init=False)  # agreements listed too (d)

    class Loaded(Message):
        """Both coders' annotations compared, and the adjudicated set (read in a worker)."""

        def __init__(self, items: list[Item], decided: list[Annotation]) -> None:
            super().__init__()
            self.items, self.decided = items, decided

    def __init__(self, source: Source, text: str, author_a: str, author_b: str) -> None:
        super().__init__()
        self._advance_from: int | None = None  # after a decision: move on from this item once reloaded
        self.source = source
        self.text = text
        self.author_a = author_a
        self.author_b = author_b
        self.items: list[Item] = []
        self.decisions: list[str] = []
        self.message = ""

    def compose(self) -> ComposeResult:
        yield Static(id="adjudicate-heading")
        with Horizontal(id="adjudicate-body"):
            for side in ("a", "b"):
                with Vertical(classes="adjudicate-pane"):
                    yield Static(classes="adjudicate-label", id=f"adjudicate-label-{side}")
                    view = DocumentView(id=f"adjudicate-view-{side}")
                    view.can_focus = False  # the screen's keys (a, b, g...) must not go to the view's own
                    yield view
        yield Static(id="adjudicate-detail")
        yield Static(id="adjudicate-status")

    def on_mount(self) -> None:
        for side in ("a", "b"):
            view = self.query_one(f"#adjudicate-view-{side}", DocumentView)
            view.load(self.text)
        self.load()

    # --- data ----------------------------------------------------------------------------------

    @property
    def shown(self) -> list[int]:
        """Indexes of the items listed: the differences, or every item when agreements are shown too."""
        return self._listed(self.show_agreements)

    def _listed(self, with_agreements: bool) -> list[int]:
        return [i for i, item in enumerate(self.items) if with_agreements or item.kind != AGREE]

    def reload(self) -> None:
        """The database changed: read everything again."""
        if self.is_mounted:
            self.load()

    @work(thread=True, exclusive=True, group="adjudicate")
    def load(self) -> None:
        """Read both coders' annotations and the adjudicated set, off the event loop."""
        store = self.session.store
        try:
            check_adjudication(store, self.source.id, self.author_a, self.author_b)
            items = compare_coders(store, self.source.id, self.author_a, self.author_b)
            decided = adjudicated(store, self.source.id)
        except ReaderError as error:
            self.app.call_from_thread(self.notify_error, str(error))
            items, decided = [], []
        self.post_message(self.Loaded(items, decided))

    def on_adjudicate_screen_loaded(self, message: Loaded) -> None:
        self.items = message.items
        self.decisions = [decision_for(item, message.decided) for item in self.items]
        if not self.shown and self.items:
            self.show_agreements = True
        current = min(self.current, max(0, len(self.shown) - 1))
        position, self._advance_from = self._advance_from, None
        if position is not None and position + 1 < len(self.shown):  # on to the next, as a coder works down
            current = position + 1
            self.message += f" on {position + 1}/{len(self.shown)}, now on {position + 2}/{len(self.shown)}"
        self.current = current  # repaints

    def watch_current(self) -> None:
        self.draw()

    def watch_show_agreements(self, showing_before: bool, showing: bool) -> None:
        """Agreements shown or hidden: the cursor stays on its item if still listed, else goes to the first."""
        before = self._listed(showing_before)
        item = before[self.current] if self.current < len(before) else None
        shown = self.shown
        self.current = shown.index(item) if item is not None and item in shown else 0  # repaints

    # --- drawing -------------------------------------------------------------------------------

    def draw(self) -> None:
        current = self.current_item()
        for side, colour in (("a", COLOUR_A), ("b", COLOUR_B)):
            view = self.query_one(f"#adjudicate-view-{side}", DocumentView)
            highlights = []
            for item in self.items:
                annotation = item.a if side == "a" else item.b
                if annotation is not None:
                    highlights.append(
                        Highlight(
                            annotation.start,
                            annotation.end,
                            colour,
                            key=annotation.id,
                            marked=item.kind != AGREE,
                            status=annotation.anchor_status,
                        )
                    )
            view.set_highlights("annotations", highlights)
            if current is not None:
                view.move_cursor_to(current.start)
        you = one_line(self.session.store.author, 30) if self.session.is_open else ""
        heading = self.query_one("#adjudicate-heading", Static)
        made_as = f"   decisions made as {you}"
        # the title takes what the line leaves: who decides must stay in sight at 80 columns
        room = max(10, (heading.content_region.width or self.size.width - 2) - len("Adjudicating  ") - len(made_as))
        heading.update(
            Text.assemble(
                ("Adjudicating  ", "bold"),
                (one_line(self.source.title or self.source.name, min(50, room)), "bold"),
                (made_as, "dim"),
            )
        )
        self.query_one("#adjudicate-label-a", Static).update(
            Text.assemble(("A ", f"bold {COLOUR_A}"), one_line(self.author_a, 40))
        )
        self.query_one("#adjudicate-label-b", Static).update(
            Text.assemble(("B ", f"bold {COLOUR_B}"), one_line(self.author_b, 40))
        )
        self.query_one("#adjudicate-detail", Static).update(self._detail(current))
        self.query_one("#adjudicate-status", Static).update(self._status())

    def current_item(self) -> Item | None:
        shown = self.shown
        return self.items[shown[self.current]] if shown else None

    def _detail(self, item: Item | None) -> Text:
        if item is None:
            return Text("Neither coder has annotations here to compare.", style="italic")
        width = max(20, self.size.width - 12)
        decision = self.decisions[self.shown[self.current]]
        lines = Text.assemble(
            (f"{self.current + 1}/{len(self.shown)}  ", "bold"),
            (item.kind, "bold reverse"),
            f"   {DECISIONS[decision]}\n",
        )
        for label, colour, annotation in (("A", COLOUR_A, item.a), ("B", COLOUR_B, item.b)):
            lines.append(f"{label} ", style=f"bold {colour}")
            if annotation is None:
                lines.append("—  (not coded)\n", style="dim")
                continue
            tags = tags_text(annotation.tags)
            lines.append(f"[{one_line(tags, 30)}] {annotation.start}-{annotation.end} ", style="bold")
            lines.append(one_line(annotation.quote, width - len(tags) - 16) + "\n")
        keys = KEY_HELP if len(KEY_HELP) <= self.size.width - 2 else SHORT_KEY_HELP
        lines.append(keys, style="dim")
        return lines

    def _status(self) -> Text:
        differences = sum(1 for item in self.items if item.kind != AGREE)
        decided = sum(1 for decision in self.decisions if decision)
        parts = [
            f"{plural(differences, 'difference')} of {plural(len(self.items), 'item')}",
            f"{decided} decided",
            "agreements shown (d hides)" if self.show_agreements else "agreements hidden (d shows)",
        ]
        if self.message:
            parts.insert(0, self.message)  # first: what the last key did must show in 80 columns
        return Text(one_line(" · ".join(parts), 200))

    # --- actions -------------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if self.shown:
            moved = self.current + step
            # say so when n/p go round: after a decision has moved on, n from the last item comes back
            # to the one just decided, and a key pressed there replaces that decision
            self.message = (
                "wrapped to the first item"
                if moved >= len(self.shown)
                else "wrapped to the last item"
                if moved < 0
                else ""
            )
            self.current = moved % len(self.shown)  # repaints

    def action_decide(self, choice: str) -> None:
        item = self.current_item()
        if item is None:
            return
        source_id, author_a, author_b, position = self.source.id, self.author_a, self.author_b, self.current

        def change(store: Store) -> None:
            check_adjudication(store, source_id, author_a, author_b)
            accept(store, source_id, item, choice)

        def done(_: None) -> None:
            self.message = {"a": "kept A's", "b": "kept B's", "both": "kept both", "neither": "kept neither"}[choice]
            self._advance_from = position
            self.load()

        self.submit_change(change, done)

    def action_accept_agreements(self) -> None:
        source_id, author_a, author_b, items = self.source.id, self.author_a, self.author_b, self.items

        def change(store: Store) -> int:
            check_adjudication(store, source_id, author_a, author_b)
            return accept_agreements(store, source_id, items)

        def done(count: int) -> None:
            self.message = f"kept {plural(count, 'agreement')}"
            self.load()

        self.submit_change(change, done)

    def action_toggle_agreements(self) -> None:
        self.show_agreements = not self.show_agreements  # watch_show_agreements keeps the cursor's item

    def action_undo(self) -> None:
        def done(described: str | None) -> None:
            self.message = described or "nothing to undo"
            self.load()

        self.submit_change(lambda store: store.undo(), done)

    def action_back(self) -> None:
        self.app.pop_screen()


class PickCodersScreen(ModalScreen[tuple[str, str] | None]):
    """Choose which two coders to compare, when a source has more than two."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick_coders.cancel")]

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__()
        self.pairs = pairs

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Text.assemble(
                    ("A ", f"bold {COLOUR_A}"), one_line(a, 30), "  ·  ", ("B ", f"bold {COLOUR_B}"), one_line(b, 30)
                ),
                id=str(index),
            )
            for index, (a, b) in enumerate(self.pairs)
        ]
        with Vertical(id="dialog"):
            yield Static(Text("Compare which coders?  (enter picks, escape cancels)", style="bold"))
            yield OptionList(*options, id="pick-coders")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.pairs[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


def coders_on(store, source_id: int) -> list[str]:
    """Authors with annotations on the source other than the adjudicator, most annotations first."""
    rows = store.query(
        "SELECT author, count(*) AS n FROM annotations WHERE source_id = ? AND author != ? "
        "GROUP BY author ORDER BY n DESC, author",
        [source_id, store.author],
    )
    return [row["author"] for row in rows]


class AdjudicationCommands(Provider):
    """ctrl+p: "Compare coders on this source" (the same as A)."""

    TITLE = "Compare coders on this source (adjudicate)"
    HELP = "Two coders' annotations side by side; accept A's, B's or both"

    def _adjudicate(self) -> None:
        cast("OpeningScreens", self.app).action_adjudicate()

    async def discover(self) -> Hits:
        yield DiscoveryHit(self.TITLE, self._adjudicate, help=self.HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for words in (self.TITLE, "Adjudicate coders"):
            score = matcher.match(words)
            if score > 0:
                yield Hit(score, matcher.highlight(words), self._adjudicate, help=self.HELP)
                return
