"""What the comparison screen draws: its colours, the panes, the alignment overlay of a pane, and the
line of word differences between a passage and its counterpart (pure functions, no screen state)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text

from reader.align import Alignment, Member, tuning, word_differences
from reader.model import AnchorStatus, Annotation, LinkKind, Source, SuggestionStatus
from reader.presentation import (
    CONFIRMED_COLOUR,
    LINK_COLOUR,
    PASSAGE_COLOURS,
    REPEAT_COLOUR,
    WEAK_COLOUR,
    annotation_colour,
    fit_cells,
    is_drawn,
)
from reader.text import display_safe
from reader.tui.widgets.document_view import DocumentView, Highlight

Span = tuple[int, int]

EMPHASIS_STYLES = {"number": "bold #e5c07b", "name": "bold #56b6c2", "quote": "bold #c678dd"}
LINK_KIND_NAMES: dict[str, str] = {
    LinkKind.SAME: "same claim",
    LinkKind.SUPPORTS: "supports",
    LinkKind.CONTRADICTS: "contradicts",
}
CONTEXT_ROWS = 3  # rows kept above a counterpart scrolled into view


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
    view: DocumentView


MIN_STATED_CELLS = 8  # a pane header's outlet and date cut shorter than this are left out
SHORT_LABEL_CELLS = 40  # a pane's label in lists and messages: "2 One of Microsoft's Top AI Execs Lea…"


def pane_label(number: int, source: Source) -> str:
    """'2 The Verge': the pane's number and its source's title."""
    return f"{number} {source.title or source.name}"


def short_pane_label(number: int, source: Source) -> str:
    """The pane's label as lists and messages show it, cut to SHORT_LABEL_CELLS with an ellipsis."""
    return fit_cells(pane_label(number, source), SHORT_LABEL_CELLS)


def annotation_highlights(pane: Pane, colours: dict[str, str]) -> tuple[list[Highlight], list[Highlight]]:
    """A pane's annotations in their first tag's colour, and the underline of those that take part in a link."""
    placed = [a for a in pane.annotations if is_drawn(a)]
    annotations = [
        Highlight(a.start, a.end, annotation_colour(a.tags, colours), key=a.id, status=a.anchor_status) for a in placed
    ]
    links = [Highlight(a.start, a.end, LINK_COLOUR, key=f"link:{a.id}") for a in placed if a.id in pane.linked]
    return annotations, links


def alignment_highlights(
    pane: Pane, alignment: Alignment, show_weak: bool, draw_confidence: float = tuning.DRAW_CONFIDENCE
) -> list[Highlight]:
    """A pane's alignment overlay: confirmed clusters in their own colour, weak suggestions (below the
    backend's draw_confidence) too when shown."""
    annotated = [(a.start, a.end) for a in pane.annotations if a.anchor_status != AnchorStatus.ORPHANED]
    confirmed = {c.id for c in alignment.clusters if c.status == SuggestionStatus.CONFIRMED}
    weak = set()
    if show_weak:
        weak = {
            c.id
            for c in alignment.clusters
            if c.status == SuggestionStatus.SUGGESTED and (c.confidence or 0.0) < draw_confidence
        }
    return passage_highlights(alignment.passages(pane.source.id), annotated, confirmed, weak)


def pane_header(number: int, pane: Pane, alignment: Alignment | None, width: int) -> Text:
    """Two lines: the pane's number and title; its outlet and what the alignment found in it."""
    title = Text(display_safe(pane_label(number, pane.source)), style="bold")
    stated = " · ".join(part for part in (pane.source.outlet, pane.source.published[:10]) if part)
    found = Text()
    if alignment is not None:
        passages = alignment.passages(pane.source.id)
        counts = {kind: sum(1 for p in passages if p[2] == kind) for kind in PASSAGE_COLOURS}
        found.append(f"{counts['aligned']} aligned · {counts['unique']} unique")
        if counts["repeat"]:
            found.append(f" · {counts['repeat']} repeated", style=REPEAT_COLOUR)
    else:
        found.append("aligning…")
    room = width - found.cell_len - 2  # the outlet and date give way to the counts, what the line is for
    stated = fit_cells(display_safe(stated), room) if room >= MIN_STATED_CELLS else ""
    facts = Text(stated + "  " if stated else "", style="dim")
    facts.append_text(found)
    for line in (title, facts):
        line.truncate(width, overflow="ellipsis")
    return Text("\n").join([title, facts])
