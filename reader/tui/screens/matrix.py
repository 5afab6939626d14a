"""The claims matrix: one row per claim (linked annotations), one column per source.

A cell reads present, differs (a different figure, name or quotation, with the words), supports or
contradicts (as linked), silent (checked: the source does not make the claim) or absent (not found yet).
Enter opens the source at the claim's passage; `z` marks a source as checked-and-silent on a claim, or
clears the mark; `v` sets the verdict, `e` adds evidence, `t` edits the claim's text, `o` sorts by first
appearance (all undoable). Built by reader.claims in a thread worker.
"""

from __future__ import annotations

import io

from rich.console import Console
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from reader.claims import (
    ABSENT,
    CONTRADICTS,
    DIFFERS,
    PRESENT,
    SILENT,
    SUPPORTS,
    Claim,
    matrix_for_store,
    sort_by_first_appearance,
)
from reader.exports import matrix_cell_text as cell_words
from reader.model import Annotation, EvidenceKind, Source
from reader.presentation import fit_cells
from reader.session import (
    ClaimError,
    Store,
    StoreError,
    claim_text_change,
    evidence_change,
    rating_on_scale,
    verdict_change,
)
from reader.text import display_safe, plural
from reader.tui.base import ReaderScreen
from reader.tui.widgets.annotation_panel import SHOWN_ID

CELL_STYLES = {
    PRESENT: "bold #98c379",
    DIFFERS: "bold #e5c07b",
    SUPPORTS: "bold #56b6c2",
    CONTRADICTS: "bold #e06c75",
    SILENT: "italic #61afef",
    ABSENT: "dim",
}
CLAIM_WIDTH = 48
MIN_CLAIM_WIDTH = 24  # the claim column gives way to the sources' columns on a narrow terminal, down to this
MIN_CELL_WIDTH = 14


def _claim_summary(claim: Claim, with_date: bool) -> str:
    """The claim column: [verdict] and, in the timeline order, the first appearance's date, then the text."""
    parts = []
    if claim.verdict:
        parts.append(f"[{claim.verdict['rating']}]")
    if with_date and claim.first_appearance is not None:
        parts.append(claim.first_appearance.published[:10])
    parts.append(claim.label)
    return display_safe(" ".join(parts))


DETAIL_LINES = 5  # what #matrix-detail holds (its max-height less the border)
_WRAPPING = Console(file=io.StringIO(), width=1000)  # only lends Text.wrap its settings


def _fit_lines(text: Text, width: int, lines: int) -> Text:
    """text wrapped at width cells into at most lines lines, the last ending in '…' when cut."""
    wrapped = text.wrap(_WRAPPING, width)
    if len(wrapped) <= lines:
        return text
    kept = list(wrapped)[:lines]
    last = kept[-1]
    last.rstrip()
    if last.cell_len > width - 1:
        last.truncate(width - 1)
        last.rstrip()
    last.append("…")
    return Text("\n").join(kept)


def evidence_label(evidence: dict) -> str:
    """A URL in full, an annotation by the #id the annotations panel shows (its full id took the line);
    then what it shows, when the user said."""
    shown = evidence["value"]
    if evidence["kind"] == EvidenceKind.ANNOTATION:
        shown = "#" + shown[:SHOWN_ID]
    return f"{shown} ({evidence['note']})" if evidence.get("note") else shown


def claim_detail(claim: Claim, source: Source | None, width: int) -> Text:
    """The panel under the matrix: the claim's text, id and first appearance, verdict and evidence, and the
    highlighted source's standing and quote, in DETAIL_LINES lines of width cells (cuts end in '…')."""
    label = Text(display_safe(claim.label), style="bold")
    facts = Text(f"claim {claim.id[:12]}", style="dim")  # the id `reader verdict CLAIM` takes
    first = claim.first_appearance
    if first is not None:
        facts.append(" · first: " + display_safe(f"{first.published} · {first.source.outlet or first.source.title}"))
    verdict_line = Text()
    verdict = claim.verdict
    if verdict:
        verdict_line.append("verdict: ")
        verdict_line.append(display_safe(verdict["rating"]), style="bold")
        if verdict["note"]:
            verdict_line.append(" — " + display_safe(verdict["note"]))
    if claim.evidence:  # gathered with or before a verdict
        verdict_line.append("  " if verdict else "")
        values = ", ".join(evidence_label(e) for e in claim.evidence)
        verdict_line.append(
            f"({len(claim.evidence)} evidence: " + display_safe(fit_cells(values, 120)) + ")", style="dim"
        )
    standing = quote = None
    if source is not None:
        cell = claim.cells[source.id]
        standing = Text(display_safe(source.title or source.name), style="dim")
        standing.append(": ")
        standing.append(
            display_safe(cell_words(cell.status, cell.differing_words)), style=CELL_STYLES.get(cell.status, "")
        )
        if cell.annotations:
            quote = Text("“" + display_safe(" ".join(cell.annotations[0].quote.split())) + "”", style="italic")
    # One line each; the lines left go, in this order, to the claim's text, the verdict and the quote.
    blocks = [(label, True), (facts, False), (verdict_line or None, True), (standing, False), (quote, True)]
    shown = [(block, grows) for block, grows in blocks if block is not None]
    rows = [1] * len(shown)
    spare = DETAIL_LINES - len(shown)
    for index, (block, grows) in enumerate(shown):
        if grows and spare > 0:
            extra = min(spare, len(block.wrap(_WRAPPING, width)) - 1)
            rows[index] += extra
            spare -= extra
    return Text("\n").join(_fit_lines(block, width, lines) for (block, _), lines in zip(shown, rows))


class MatrixScreen(ReaderScreen):
    """Claims by sources: where each source agrees, differs, is silent or has not been checked."""

    BINDINGS = [
        Binding("enter", "jump", "Open the source at the claim", id="matrix.jump"),
        Binding(
            "z", "toggle_silent", "Mark the source as checked and silent on the claim (toggles)", id="matrix.silent"
        ),
        Binding("v", "verdict", "Set the claim's verdict (rating and note)", id="matrix.verdict"),
        Binding("e", "evidence", "Add evidence to the claim (a URL or an annotation id)", id="matrix.evidence"),
        Binding("t", "claim_text", "Edit the claim's text", id="matrix.text"),
        Binding("o", "toggle_order", "Sort by first appearance / reading order", id="matrix.order"),
        Binding("u", "undo", "Undo", id="matrix.undo"),
        Binding("ctrl+r", "redo", "Redo", id="matrix.redo"),
        Binding("j", "move(1, 0)", "Next claim", show=False, id="matrix.down"),
        Binding("k", "move(-1, 0)", "Previous claim", show=False, id="matrix.up"),
        Binding("l", "move(0, 1)", "Next source", show=False, id="matrix.right"),
        Binding("h", "move(0, -1)", "Previous source", show=False, id="matrix.left"),
        Binding("escape", "back", "Back", id="matrix.back"),
    ]

    class MatrixReady(Message):
        def __init__(self, sources: list[Source], claims: list[Claim]) -> None:
            super().__init__()
            self.sources, self.claims = sources, claims

    by_first_appearance: reactive[bool] = reactive(False, init=False)  # a timeline, not reading order (o)

    def __init__(self, source_ids: list[int] | None = None) -> None:
        super().__init__()
        self.source_ids = source_ids
        self.sources: list[Source] = []
        self.claims: list[Claim] = []
        self.loaded = False
        self.filled_width = 0  # the terminal width the table was last filled for

    def compose(self) -> ComposeResult:
        yield Static(id="matrix-heading")
        yield DataTable(id="matrix-table", cursor_type="cell", zebra_stripes=True)
        yield Static(id="matrix-detail")

    def on_mount(self) -> None:
        self.query_one("#matrix-heading", Static).update(Text("Claims matrix  loading…", style="bold"))
        self.query_one(DataTable).focus()
        self.load_matrix()

    @work(thread=True, exclusive=True, group="matrix")
    def load_matrix(self) -> None:
        try:
            # no source in play (an empty folder): an empty matrix, not every source in the database
            found = matrix_for_store(self.session.store, self.source_ids) if self.source_ids != [] else ([], [])
        except StoreError as error:
            self.app.call_from_thread(self.notify_error, str(error))
            return
        sources, claims = found
        if self.source_ids:
            order = {sid: position for position, sid in enumerate(self.source_ids)}
            sources = sorted(sources, key=lambda s: order.get(s.id, len(order)))
        self.post_message(self.MatrixReady(sources, claims))

    def on_matrix_screen_matrix_ready(self, message: MatrixReady) -> None:
        self.sources = message.sources
        self.claims = sort_by_first_appearance(message.claims) if self.by_first_appearance else message.claims
        self.loaded = True
        self._fill()

    def reload(self) -> None:
        if self.is_mounted:
            self.load_matrix()

    def on_resize(self, event: events.Resize) -> None:
        """The columns share the terminal's width: fill again when it changes."""
        if self.loaded and event.size.width != self.filled_width:
            self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        where = table.cursor_coordinate
        table.clear(columns=True)
        self.filled_width = self.app.size.width
        room = self.app.size.width - 6
        claim_width = max(MIN_CLAIM_WIDTH, min(CLAIM_WIDTH, room - len(self.sources) * (MIN_CELL_WIDTH + 2)))
        cell_width = max(MIN_CELL_WIDTH, (room - claim_width) // max(1, len(self.sources)) - 2)
        table.add_column("Claim", key="claim", width=claim_width)
        for source in self.sources:
            table.add_column(
                Text(fit_cells(display_safe(source.title or source.name), cell_width)),
                key=str(source.id),
                width=cell_width,
            )
        for number, claim in enumerate(self.claims, 1):
            cells = [Text(fit_cells(f"{number}. {_claim_summary(claim, self.by_first_appearance)}", claim_width))]
            for source in self.sources:
                cell = claim.cells[source.id]
                cells.append(
                    Text(
                        fit_cells(display_safe(cell_words(cell.status, cell.differing_words)), cell_width),
                        style=CELL_STYLES.get(cell.status, ""),
                    )
                )
            table.add_row(*cells, key=claim.id)
        if self.claims:
            table.move_cursor(
                row=min(where.row, len(self.claims) - 1),
                column=min(max(where.column, 1 if where == (0, 0) else 0), len(self.sources)),
                animate=False,
            )
        self._update_heading()
        self._update_detail()

    def _update_heading(self) -> None:
        heading = Text.assemble(
            Text("Claims matrix  ", style="bold"),
            Text(f"{plural(len(self.claims), 'claim')} × {plural(len(self.sources), 'source')}", style="dim"),
            Text(" · by first appearance" if self.by_first_appearance else "", style="dim"),
            Text("   enter opens · z silent · v verdict · e evidence · t text · o order · u undo", style="dim"),
        )
        if not self.claims:
            heading.append(
                "\nNo claims yet: link annotations across sources (l or L in the comparison, c).", style="italic"
            )
        self.query_one("#matrix-heading", Static).update(heading)

    # --- where the cursor is ---------------------------------------------------------------------

    def current(self) -> tuple[Claim | None, Source | None]:
        """The claim of the cursor row and the source of its column (None on the claim column)."""
        if not self.claims:
            return None, None
        coordinate = self.query_one(DataTable).cursor_coordinate
        claim = self.claims[min(coordinate.row, len(self.claims) - 1)]
        source = self.sources[coordinate.column - 1] if 1 <= coordinate.column <= len(self.sources) else None
        return claim, source

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._update_detail()

    def _update_detail(self) -> None:
        claim, source = self.current()
        panel = self.query_one("#matrix-detail", Static)
        width = panel.content_size.width or self.app.size.width - 2
        panel.update(claim_detail(claim, source, width) if claim is not None else Text())

    # --- actions ---------------------------------------------------------------------------------

    def action_move(self, rows: int, columns: int) -> None:
        table = self.query_one(DataTable)
        where = table.cursor_coordinate
        table.move_cursor(row=max(0, where.row + rows), column=max(0, where.column + columns), animate=False)

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_jump()

    def action_jump(self) -> None:
        """Open the source of the cell at its passage (the claim's first passage from the claim column)."""
        claim, source = self.current()
        if claim is None:
            return
        annotation: Annotation | None = None
        if source is not None:
            cell = claim.cells[source.id]
            if not cell.annotations:
                self.notify_plain(f"{source.title or source.name} has no passage for this claim ({cell.status})")
                return
            annotation = cell.annotations[0]
        else:
            annotation = claim.members[0]
        self.reader_app.open_source_at(annotation.source_id, annotation.start)

    def action_toggle_silent(self) -> None:
        claim, source = self.current()
        if claim is None or source is None:
            self.notify_error("move to a source's column (l/h or the arrows) to mark it silent")
            return
        cell = claim.cells[source.id]
        if cell.annotations:
            self.notify_error("this source makes the claim; it cannot be silent on it")
            return
        claim_id, member_ids, source_id = claim.id, [m.id for m in claim.members], source.id
        silent = cell.status == SILENT

        def change(store: Store) -> None:
            if silent:
                marks = set(store.silences())
                for member_id in member_ids:
                    if (member_id, source_id) in marks:
                        store.set_silent(member_id, source_id, False)
            else:
                store.set_silent(claim_id, source_id, True)

        self.submit_change(change, lambda _: self.reload())

    def action_toggle_order(self) -> None:
        """Reading order, or a timeline: dated first appearances oldest first, undated after."""
        self.by_first_appearance = not self.by_first_appearance
        self.notify_plain("claims by first appearance" if self.by_first_appearance else "claims in reading order")

    def watch_by_first_appearance(self) -> None:
        self.load_matrix()

    def _claim_or_notice(self) -> Claim | None:
        claim, _ = self.current()
        if claim is None:
            self.notify_error("no claim here: link annotations across sources first")
        return claim

    def action_verdict(self) -> None:
        from reader.tui.widgets.form_dialog import Field, FormDialog, Problem

        claim = self._claim_or_notice()
        if claim is None:
            return
        ratings = self.session.settings.ratings
        names = tuple(rating.name for rating in ratings)
        verdict = claim.verdict or {}

        def chosen(values: dict[str, str]) -> str:
            return values["rating"].strip() or verdict.get("rating", "")  # empty: keep the current rating

        def check(values: dict[str, str]) -> Problem:
            try:
                rating_on_scale(ratings, chosen(values))
            except ClaimError as error:
                return "rating", str(error)
            return None

        def saved(values: dict[str, str] | None) -> None:
            if values is None:
                return
            try:
                rating = rating_on_scale(ratings, chosen(values))
            except ClaimError as error:
                self.notify_error(str(error))
                return
            change = verdict_change(claim.id, [m.id for m in claim.members], rating.name, rating.value, values["note"])

            def done(_: object) -> None:
                self.notify_plain(f"verdict: {rating.name}")
                self.load_matrix()

            self.submit_change(change, done)

        self.app.push_screen(
            FormDialog(
                "Verdict",
                [
                    Field(
                        "rating",
                        f"Rating ({', '.join(names)}; enter takes the grey completion)",
                        placeholder=f"now: {verdict['rating']}" if verdict else "",
                        suggestions=names,
                    ),
                    Field("note", "Note: why", verdict.get("note", "")),
                ],
                about=claim.label,
                check=check,
            ),
            saved,
        )

    def action_evidence(self) -> None:
        from reader.tui.widgets.form_dialog import Field, FormDialog, Problem

        claim = self._claim_or_notice()
        if claim is None:
            return

        def check(values: dict[str, str]) -> Problem:
            try:
                self.session.check_evidence(values["reference"])
            except ClaimError as error:
                return "reference", str(error)
            return None

        def saved(values: dict[str, str] | None) -> None:
            if values is None:
                return
            change = evidence_change(claim.id, [m.id for m in claim.members], values["reference"], values["note"])

            def done(_: object) -> None:
                self.notify_plain("evidence added")
                self.load_matrix()

            self.submit_change(change, done)

        self.app.push_screen(
            FormDialog(
                "Evidence",
                [
                    Field("reference", "A URL (http or https) or an annotation id", placeholder="https://…"),
                    Field("note", "What it shows (optional)"),
                ],
                about=claim.label,
                check=check,
                check_in_thread=True,  # the annotation id is looked up in the database
            ),
            saved,
        )

    def action_claim_text(self) -> None:
        from reader.tui.widgets.form_dialog import Field, FormDialog

        claim = self._claim_or_notice()
        if claim is None:
            return

        def saved(values: dict[str, str] | None) -> None:
            if values is None or values["text"].split() == claim.label.split():
                return  # the wording offered, untouched: not made the claim's own
            change = claim_text_change(claim.id, [m.id for m in claim.members], values["text"])
            self.submit_change(change, lambda _: self.reload())

        self.app.push_screen(
            FormDialog(
                "Claim", [Field("text", "The claim in your words (empty: the first appearance's quote)", claim.label)]
            ),
            saved,
        )

    def action_undo(self) -> None:
        self.submit_undo("nothing to undo", self.reload)

    def action_redo(self) -> None:
        self.submit_undo("nothing to redo", self.reload, redo=True)

    def action_back(self) -> None:
        self.app.pop_screen()
