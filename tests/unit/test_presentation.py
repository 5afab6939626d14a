"""The presentation rules shared by the screens, `reader show` and the report: colours, status texts,
and fitting text to terminal cells (CJK and emoji are two cells wide)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from reader.model import Annotation
from reader.presentation import (
    UNTAGGED_COLOUR,
    annotation_colour,
    annotation_place,
    by_first_tag,
    describe_annotation,
    fit_cells,
    is_drawn,
    pad_cells,
    selecting_text,
    tags_text,
    truncate_cells,
)


def annotation(tags=(), status="anchored", note="", start=3, end=9) -> Annotation:
    return Annotation(id="a1", source_id=1, start=start, end=end, quote="quoted", tags=list(tags), note=note,
                      anchor_status=status)


# --- the highlight rule ----------------------------------------------------------------------------


def test_an_annotation_takes_its_first_tags_colour_else_the_untagged_one():
    colours = {"claim": "#ff0000", "number": "#00ff00"}
    assert annotation_colour(["number", "claim"], colours) == "#00ff00"
    assert annotation_colour([], colours) == UNTAGGED_COLOUR
    assert annotation_colour(["gone"], colours) == UNTAGGED_COLOUR  # a tag without a colour
    assert by_first_tag(["claim"], {"claim": "tag-0"}, "tag-none") == "tag-0"


def test_orphaned_and_empty_annotations_are_not_drawn():
    assert is_drawn(annotation())
    assert not is_drawn(annotation(status="orphaned"))
    assert not is_drawn(annotation(start=4, end=4))
    assert is_drawn(annotation(status="fuzzy"))


def test_the_untagged_colour_is_one_colour_everywhere():
    from reader import report
    from reader.tui.screens import stats
    from reader.tui.widgets import charts

    assert report.UNTAGGED_COLOUR == stats.UNTAGGED_COLOUR == charts.FALLBACK_COLOUR == UNTAGGED_COLOUR


# --- status texts ----------------------------------------------------------------------------------


def test_status_texts():
    assert tags_text([]) == "untagged" and tags_text(["claim", "number"]) == "claim, number"
    assert describe_annotation(annotation(["claim"], "fuzzy", "check")) == "claim (fuzzy): check"
    assert describe_annotation(annotation(["claim"], "fuzzy"), with_status=False, linked=True) == "claim · linked"
    assert describe_annotation(annotation()) == "untagged"
    assert annotation_place(annotation()) == "3-9"
    assert annotation_place(annotation(status="orphaned")) == "not in this text"
    assert selecting_text(1) == "selecting 1 word" and selecting_text(3) == "selecting 3 words"


# --- cells -----------------------------------------------------------------------------------------


def test_cjk_is_fitted_by_cells_not_characters():
    title = "東京都の新しい報告書について"  # 14 characters, 28 cells
    fitted = fit_cells(title, 10)
    assert fitted == "東京都の…" and cell_len(fitted) == 9  # a wide character is never split
    assert fit_cells("ab東京", 4) == "ab…"
    assert fit_cells("short", 10) == "short"
    assert fit_cells("abcdef", 4) == "abc…"
    assert fit_cells("abcdef", 0) == ""


def test_truncating_and_padding_keep_to_the_width():
    assert truncate_cells("東京都", 5) == "東京"
    assert truncate_cells("abc", 5) == "abc"
    assert pad_cells("東京都の報告", 7) == "東京都…"
    assert pad_cells("東京都の報告", 6) == "東京… "
    assert pad_cells("ab", 4) == "ab  "


@given(st.text(alphabet=st.sampled_from("a b東京😀é\u0301"), max_size=30), st.integers(min_value=0, max_value=20))
def test_fitted_text_never_exceeds_the_width(text, width):
    assert cell_len(fit_cells(text, width)) <= width
    assert cell_len(truncate_cells(text, width)) <= width
    assert cell_len(pad_cells(text, width)) == width
    if cell_len(text) <= width:
        assert fit_cells(text, width) == text
