"""How the reader shows annotations and text, the same on every screen, in `reader show` and the report.

One place for the colours (the untagged colour, the comparison overlays), the highlight rule (an
annotation is drawn in its first tag's colour; a re-anchored guess is drawn differently), the short
status texts, and fitting text to terminal cells: CJK and emoji take two cells, so `len` would cut a
Chinese title at twice its width. Core (no Textual): the TUI, the command line and the report use it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from rich.cells import cell_len, get_character_cell_size, set_cell_size

from reader.model import AnchorStatus, Annotation
from reader.text import display_safe, plural

UNTAGGED_COLOUR = "#888888"  # an annotation without tags, on screen, in `reader show` and in the report
UNTAGGED_LABEL = "untagged"
ELLIPSIS = "…"

# Overlay colours of the comparison screen, blended into the background by the document view.
ALIGNED_COLOUR = "#34577f"
UNIQUE_COLOUR = "#5c5040"
REPEAT_COLOUR = "#b0399a"
FOCUS_COLOUR = "#2f81f7"
LINK_COLOUR = "#ff79c6"
CONFIRMED_COLOUR = "#2e8b57"  # a passage the user linked: drawn unlike any suggestion
WEAK_COLOUR = "#3a3f4b"  # a suggestion below the drawing confidence, shown only on request (W)
PASSAGE_COLOURS = {"aligned": ALIGNED_COLOUR, "unique": UNIQUE_COLOUR, "repeat": REPEAT_COLOUR}

GUESSED_STATUSES = frozenset({AnchorStatus.FUZZY, AnchorStatus.AMBIGUOUS})  # re-anchored guesses: drawn italic

T = TypeVar("T")


# --- the highlight rule -----------------------------------------------------------------------------


def by_first_tag(tags: Sequence[str], values: Mapping[str, T], untagged: T) -> T:
    """What an annotation is drawn with: its first tag's value (a colour, a CSS class), else untagged."""
    return values.get(tags[0], untagged) if tags else untagged


def annotation_colour(tags: Sequence[str], colours: Mapping[str, str]) -> str:
    """The colour an annotation is drawn in: its first tag's colour, else UNTAGGED_COLOUR."""
    return by_first_tag(tags, colours, UNTAGGED_COLOUR)


def is_drawn(annotation: Annotation) -> bool:
    """Whether an annotation has a place to be drawn: not orphaned, and not empty."""
    return annotation.anchor_status != AnchorStatus.ORPHANED and annotation.end > annotation.start


def is_guessed(status: str) -> bool:
    """A fuzzy or ambiguous anchor: a guess at where the annotation went, drawn unlike an exact one."""
    return status in GUESSED_STATUSES


# --- status texts -----------------------------------------------------------------------------------


def tags_text(tags: Sequence[str]) -> str:
    """'claim, number', or 'untagged'."""
    return ", ".join(tags) or UNTAGGED_LABEL


def describe_annotation(annotation: Annotation, *, with_status: bool = True, linked: bool = False) -> str:
    """The status line's words for an annotation: 'claim, number (fuzzy) · linked: its note'.

    with_status: say the anchor status when it is not exact; linked: say it is linked to another."""
    described = tags_text(annotation.tags)
    if with_status and annotation.anchor_status != AnchorStatus.ANCHORED:
        described += f" ({annotation.anchor_status})"
    if linked:
        described += " · linked"
    if annotation.note:
        described += f": {annotation.note}"
    return described


def annotation_place(annotation: Annotation) -> str:
    """Where an annotation is: 'start-end', or 'not in this text' when it is orphaned."""
    return (
        "not in this text"
        if annotation.anchor_status == AnchorStatus.ORPHANED
        else f"{annotation.start}-{annotation.end}"
    )


def selecting_text(words: int) -> str:
    """'selecting 1 word', 'selecting 3 words'."""
    return f"selecting {plural(words, 'word')}"


def position_percent(offset: int, length: int) -> int:
    """How far through a text an offset is, in whole percent (0 for an empty text)."""
    return round(100 * offset / length) if length else 0


# --- fitting text to terminal cells -----------------------------------------------------------------


def flat_line(text: str, width: int) -> str:
    """Untrusted text (a quote, a passage) as one line: display-safe, its white space collapsed, cut to width
    cells with an ellipsis."""
    return fit_cells(display_safe(" ".join(text.split())), width)


def fit_cells(text: str, width: int) -> str:
    """text cut to at most width terminal cells, ending in an ellipsis when cut (wide characters count
    two and are never split, so a cut text may be a cell narrower than width)."""
    if cell_len(text) <= width:
        return text
    return truncate_cells(text, width - 1) + ELLIPSIS if width > 0 else ""


def truncate_cells(text: str, width: int) -> str:
    """text cut to at most width terminal cells, without an ellipsis (a wide character is never split)."""
    if cell_len(text) <= width:
        return text
    used = 0
    for index, char in enumerate(text):
        used += get_character_cell_size(char)
        if used > width:
            return text[:index]
    return text


def pad_cells(text: str, width: int) -> str:
    """text cut (with an ellipsis) or padded with spaces to exactly width cells."""
    return set_cell_size(fit_cells(text, width), width)
