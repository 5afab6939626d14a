"""The ranked counterparts of the passage under the cursor: for each other pane, the best candidates with
their confidence and evidence. A digit or enter confirms one; x rejects the highlighted one and the list stays
open on the next (so a second x rejects again, never deletes the annotation under the cursor); escape closes."""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.align.suggest import Candidate
from reader.presentation import fit_cells, flat_line
from reader.text import display_safe
from reader.tui.base import notify_error

# (action, pane index, candidate): action is "confirm"
OPTIONS_ROWS = 30  # the candidates' list at most (reader.tcss #counterpart-options)
# The dialog's rows besides the list, at most: border 2, padding 2, the title 1, the quote 5, its margin 1.
DIALOG_ROWS = 11
Choice = tuple[str, int, Candidate]
Rejecting = Callable[[int, Candidate], None]  # records that a candidate (of a pane) is not the counterpart


LIST_CHROME = 12  # the dialog's width less its list's text: 10 % of the screen, borders, paddings, a scrollbar
NUMBER_CELLS = 11  # "3 ", a space, two before and two after the confidence ("0.87")


def list_room(screen_width: int) -> int:
    """How many cells a line of the candidates' list holds on a screen this wide (reader.tcss: 90 % wide)."""
    return max(30, int(screen_width * 0.9) - LIST_CHROME)


def _label_and_text(label: str, text: str, room: int) -> tuple[str, str]:
    """The pane's label and the candidate's text, display-safe, cut to share room (the label a third at most)."""
    label = display_safe(label)
    label = fit_cells(label, min(cell_len(label), max(12, room // 3)))
    return label, fit_cells(display_safe(flat_line(text, 400)), max(10, room - cell_len(label)))


def candidate_prompt(number: int, label: str, candidate: Candidate, room: int = 125) -> Text:
    """'3  2 The Verge  0.87  "text…"' and, under it, the evidence (figures that differ first), each line
    cut to room cells so a candidate never wraps."""
    label, text = _label_and_text(label, candidate.text, room - NUMBER_CELLS)
    evidence = candidate.evidence
    style = "bold" if candidate.confidence >= 0.5 else ""
    prompt = Text.assemble(
        Text(f"{number} ", style="bold reverse"),
        " ",
        Text(label, style="italic"),
        "  ",
        Text(f"{candidate.confidence:.2f}", style="bold #e5c07b" if evidence.differs else style),
        "  ",
        Text(text, style=style),
    )
    prompt.append("\n     ")
    said = fit_cells(display_safe(evidence.describe()), room - 5)
    prompt.append(said, style="bold #e5c07b" if evidence.differs else "dim")
    return prompt


def rejected_prompt(number: int, label: str, candidate: Candidate, room: int = 125) -> Text:
    """A rejected candidate's line: struck out and dim, saying so (the list stays open after x)."""
    said = "  rejected (u undoes, after escape)"
    label, text = _label_and_text(label, candidate.text, room - 3 - cell_len(said) - 2)
    return Text.assemble(
        Text(f"{number} ", style="dim"), " ", Text(f"{label}: {text}", style="dim strike"), Text(said, style="dim")
    )


def linked_prompt(number: int, label: str, candidate: Candidate, room: int = 125) -> Text:
    """A candidate the user already linked to the passage: said so, not offered again."""
    said = "  your link"
    label, text = _label_and_text(label, candidate.text, room - 3 - cell_len(said) - 2)
    return Text.assemble(
        Text(f"{number} ", style="dim"), " ", Text(f"{label}: {text}", style="dim"), Text(said, style="bold")
    )


class CounterpartChoice(ModalScreen["Choice | None"]):
    """Pick the counterpart of a passage among ranked candidates (confirm) or reject some (on_reject)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="counterparts.cancel"),
        Binding("x", "reject", "Reject the highlighted suggestion (never suggested again)", id="counterparts.reject"),
        Binding("j", "move(1)", "Next candidate", show=False, id="counterparts.down"),
        Binding("k", "move(-1)", "Previous candidate", show=False, id="counterparts.up"),
        *[
            Binding(str(n), f"pick({n})", f"Confirm candidate {n}", show=False, id=f"counterparts.pick{n}")
            for n in range(1, 10)
        ],
    ]

    def __init__(
        self,
        quote: str,
        ranked: list[tuple[int, str, list[Candidate]]],
        on_reject: Rejecting | None = None,
        ranked_by: str = "",
        linked: frozenset[int] = frozenset(),
    ) -> None:
        """ranked_by says which backend ranked (the one the panes are aligned with); linked: the candidates
        (numbers in the list, from 0) the user already linked to the passage, shown as such, not offered."""
        super().__init__()
        self.ranked_by = ranked_by
        self.linked = linked
        self.quote = quote
        self.choices: list[tuple[int, Candidate]] = [(pane, c) for pane, _, found in ranked for c in found]
        self.labels = [label for _, label, found in ranked for _ in found]
        self.ranked = ranked
        self.on_reject = on_reject
        self.rejected: set[int] = set()  # indices into choices rejected while the list is open

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        number = 0
        room = list_room(self.app.size.width)
        for _pane, label, found in self.ranked:
            if not found:
                options.append(Option(Text(f"{display_safe(label)}: no candidate", style="dim"), disabled=True))
            for candidate in found:
                number += 1
                if number - 1 in self.linked:
                    prompt = linked_prompt(number, label, candidate, room)
                    options.append(Option(prompt, id=str(number - 1), disabled=True))
                else:
                    options.append(Option(candidate_prompt(number, label, candidate, room), id=str(number - 1)))
        with Vertical(id="dialog"):
            yield Static(Text("Counterparts: a digit or enter confirms, x rejects, escape closes", style="bold"))
            yield Static(Text(flat_line(self.quote, 200), style="dim"), id="dialog-quote")
            yield OptionList(*options, id="counterpart-options")

    def on_mount(self) -> None:
        # on the border, so an 80x24 terminal loses no row of candidates to it
        self.query_one("#dialog").border_subtitle = display_safe(self.ranked_by)
        self.fit_options()
        self.query_one(OptionList).focus()

    def on_resize(self) -> None:
        self.fit_options()

    def fit_options(self) -> None:
        """On a short terminal (80x24) the list scrolls within the screen rather than push the dialog's title
        and border off it."""
        rows = max(3, min(OPTIONS_ROWS, self.app.size.height - DIALOG_ROWS))
        self.query_one(OptionList).styles.max_height = rows

    def action_move(self, step: int) -> None:
        """j / k move like the arrow keys (skipping the 'no candidate' lines), so x rejects the one chosen."""
        options = self.query_one(OptionList)
        if step > 0:
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def _choice(self, index: int | None) -> tuple[int, Candidate] | None:
        if index is None or not 0 <= index < len(self.choices) or index in self.rejected or index in self.linked:
            return None
        return self.choices[index]

    def _highlighted_index(self) -> int | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        return int(option.id) if option.id is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        found = self._choice(int(event.option.id)) if event.option.id is not None else None
        if found is not None:
            self.dismiss(("confirm", *found))

    def action_pick(self, number: int) -> None:
        found = self._choice(number - 1)
        if found is not None:
            self.dismiss(("confirm", *found))
        elif number > len(self.choices):
            count = len(self.choices)
            notify_error(self, f"no candidate {number}: the list has {count}" if count else "no candidate to confirm")
        elif number - 1 in self.rejected:
            notify_error(self, f"{number} was rejected (u takes it back, after escape)")
        else:
            notify_error(self, f"{number} is your link already")

    def action_reject(self) -> None:
        """Reject the highlighted candidate: struck out in place, the highlight on the next one."""
        index = self._highlighted_index()
        found = self._choice(index)
        if index is None or found is None or self.on_reject is None:
            return
        self.rejected.add(index)
        options = self.query_one(OptionList)
        room = list_room(self.app.size.width)
        options.replace_option_prompt(str(index), rejected_prompt(index + 1, self.labels[index], found[1], room))
        options.disable_option(str(index))
        if self._highlighted_index() == index:  # disabling may already have moved the highlight on
            options.action_cursor_down()
        self.on_reject(*found)

    def action_cancel(self) -> None:
        self.dismiss(None)
