"""The comparison's differences panel: for the passage under the active pane's cursor, the words that
differ from each counterpart (numbers, names and quotations first), and whose pair it is."""

from __future__ import annotations

from collections.abc import Hashable

from rich.text import Text
from textual import events
from textual.widgets import Static

from reader.align import AlignmentHit, Clause, Member, tuning
from reader.align.learn import PairContext
from reader.align.suggest import evidence, query_clauses, span_clause
from reader.comparison import Comparison
from reader.model import SuggestionStatus
from reader.presentation import (
    ALIGNED_COLOUR,
    CONFIRMED_COLOUR,
    FOCUS_COLOUR,
    LINK_COLOUR,
    REPEAT_COLOUR,
    UNIQUE_COLOUR,
    fit_cells,
)
from reader.text import display_safe
from reader.tui.screens.compare_parts import LINK_KIND_NAMES, difference_line, short_pane_label
from reader.tui.screens.compare_sync import PaneSync

Line = tuple[Text, Text]  # a line of the panel: what it says, and the status it ends with (kept when cut)


def alone(text: str, style: str = "") -> Line:
    """A line without a status."""
    return Text(text, style=style), Text()


class DifferencesPanel(Static):
    """The panel under the panes (p shows or hides it); lines are cached per pair until forget()."""

    def __init__(self, sync: PaneSync, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sync = sync
        self.comparison: Comparison | None = None
        self._cache: dict[tuple[Hashable, ...], Line] = {}
        self._shown: tuple[Comparison | None, int, bool, bool] | None = None  # show()'s arguments, for a resize

    def forget(self) -> None:
        """The alignment changed: the cached lines no longer hold."""
        self._cache.clear()

    def show(self, comparison: Comparison | None, active: int, follow: bool, weak_shown: bool) -> None:
        """Redraw for the passage under pane active's cursor; follow: sync is on; weak_shown: W shows weak ones."""
        self._shown = (comparison, active, follow, weak_shown)
        if not self.display:
            return
        self.comparison = comparison
        legend = Text.assemble(
            Text("Differences", style="bold"),
            "  ",
            Text("sync on" if follow else "sync off", style="reverse" if follow else "dim"),
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
                "aligned = suggested; c ranks counterparts; W " + ("hides" if weak_shown else "shows") + " weak ones",
                style="dim",
            ),
        )
        lines: list[Line] = [(legend, Text())]
        if self.comparison is not None and not self.comparison.library_weights:
            lines.append(
                alone(
                    f"words weighed over the open panes only (library over {tuning.STABLE_LIBRARY} "
                    "sources): other panes may change these pairs",
                    style="dim italic",
                )
            )
        if self.sync.alignment is None:
            lines.append(alone("aligning the sources…", style="dim italic"))
        else:
            lines += self._difference_lines(active)
        self.update(self._fit(lines))

    def on_resize(self, event: events.Resize) -> None:
        """The terminal changed size: the lines are fitted again, to the panel's new size."""
        if self._shown is not None:
            self.show(*self._shown)

    def _fit(self, lines: list[Line]) -> Text:
        """The lines; when they would run past the panel's last row (four panes at 80x24), each line but the
        legend is cut to one row with an ellipsis, its status (your link, or suggested and how confident) kept;
        when there are still more lines than rows, the last row says how many are left out."""
        whole = [body + tail for body, tail in lines]
        width, height = self.content_size
        if width <= 0 or sum(len(line.wrap(self.app.console, width)) for line in whole) <= height:
            return Text("\n").join(whole)
        fitted = whole[:1]
        for body, tail in lines[1:]:
            room = max(1, width - tail.cell_len)
            if body.cell_len > room:
                body = body.copy()
                body.truncate(room, overflow="ellipsis")
            fitted.append(body + tail)
        legend_rows = len(fitted[0].wrap(self.app.console, width))  # the legend wraps at 80 columns
        room = height - legend_rows  # rows for the lines under the legend
        if len(fitted) - 1 > room > 0:
            left_out = len(fitted) - room
            more = f"… {left_out} more lines than the panel holds (c lists the counterparts)"
            fitted = [*fitted[:room], Text(fit_cells(more, width), style="dim italic")]
        return Text("\n").join(fitted)

    def _difference_lines(self, index: int) -> list[Line]:
        pane = self.sync.panes[index]
        hits = self.sync.hits_under_cursor(index)
        lines: list[Line] = []
        repeat = self.sync.repeat_under_cursor(index)
        if repeat is not None:
            lines.append(
                alone(
                    f"repeated: this passage also stands at {repeat.first[0]:,}–{repeat.first[1]:,} in this source",
                    style=REPEAT_COLOUR,
                )
            )
        if not hits:
            start, end = pane.view.cursor
            spans = self.sync.alignment.unique.get(pane.source.id, []) if self.sync.alignment is not None else []
            unique = any(a < end and b > start for a, b in spans)
            lines.append(
                alone(
                    "unique: no counterpart found (c ranks the candidates)" if unique else "no aligned passage here",
                    style=UNIQUE_COLOUR if unique else "dim",
                )
            )
            return lines
        for number, hit in enumerate(hits, 1):
            if len(hits) > 1:  # a sentence that makes several claims: one block each
                words = " ".join(hit.member.text.split())
                lines.append(
                    alone(
                        display_safe(f"claim {number}/{len(hits)}: {words[:70]}" + ("…" if len(words) > 70 else "")),
                        style="bold dim",
                    )
                )
            lines += self._hit_lines(index, hit)
        return lines

    def _hit_lines(self, index: int, hit: AlignmentHit) -> list[Line]:
        """One line per other pane: the words that differ from the counterpart, and whose pair it is (your
        link, or a suggestion with its confidence and, when they differ, the figures side by side)."""
        pane = self.sync.panes[index]
        lines: list[Line] = []
        for other_index, other in enumerate(self.sync.panes):
            if other_index == index:
                continue
            members = [m for m in hit.counterparts if m.source_id == other.source.id]
            label = short_pane_label(other_index + 1, other.source)
            if not members:
                lines.append(
                    (
                        Text.assemble(
                            Text(display_safe(label), style="bold"),
                            Text(": no counterpart (silent or not found)", style="dim"),
                        ),
                        Text(),
                    )
                )
                continue
            key = (hit.member.source_id, hit.member.start, members[0].source_id, members[0].start, hit.cluster.id)
            line = self._cache.get(key)
            if line is None:
                line = (
                    difference_line(label, pane.text, hit.member, other.text, members[0]),
                    self._pair_status(index, hit.member, other_index, members[0]),
                )
                self._cache[key] = line
            lines.append(line)
        return lines

    def _pair_status(self, index: int, member: Member, other_index: int, counterpart: Member) -> Text:
        """Your link, or a suggestion and this pair's own confidence (as c ranks it, not the counterpart's best
        pair in its cluster, which may be with another pane); either way, when they differ, the figures side by
        side."""
        confirmed = member.status == SuggestionStatus.CONFIRMED and counterpart.status == SuggestionStatus.CONFIRMED
        comparison = self.comparison
        clause_set = comparison.clause_set if comparison is not None else None
        pair: tuple[Clause, Clause] | None = None
        if confirmed:
            kind = LINK_KIND_NAMES.get(counterpart.link_kind or member.link_kind, "same claim")
            status = Text(f"  [your link: {kind}]", style=f"bold {CONFIRMED_COLOUR}")
            if clause_set is not None:  # the passages as the user marked them, whole
                pair = (
                    span_clause(clause_set, index, member.start, member.end),
                    span_clause(clause_set, other_index, counterpart.start, counterpart.end),
                )
        else:
            confidence = counterpart.confidence
            if comparison is not None and clause_set is not None:
                pair = (
                    query_clauses(clause_set, index, member.start, member.end)[0],
                    query_clauses(clause_set, other_index, counterpart.start, counterpart.end)[0],
                )
                model = comparison.model
                confidence = model.within(model.context or PairContext.of(clause_set)).judge(*pair)
            status = Text("  [suggested", style="dim")
            if confidence is not None:
                status.append(f" {confidence:.2f}", style="dim")
            status.append("]", style="dim")
        if clause_set is not None and pair is not None:
            found = evidence(clause_set, *pair)
            if found.differs:
                status.append(
                    display_safe(f"  differs: {found.side_by_side()}"),
                    style="bold #e5c07b",
                )
        return status
