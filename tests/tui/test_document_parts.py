"""The document view's plain parts on their own, without an app: layout, navigation, highlights,
search and painting (each is plain Python; only the widget imports Textual)."""

from __future__ import annotations

import subprocess
import sys

from rich.style import Style

from reader.tui.widgets.document.highlights import Highlight, HighlightLayers
from reader.tui.widgets.document.layout import BLOCK_CHARS, DocumentLayout
from reader.tui.widgets.document.navigation import Navigator
from reader.tui.widgets.document.painting import RowPainter
from reader.tui.widgets.document.search import Search

TEXT = "One two three. Four five six.\nSeven eight. Nine ten.\n\nEleven twelve."


def laid_out(text: str, width: int) -> DocumentLayout:
    layout = DocumentLayout()
    layout.load(text)
    layout.relayout(width)
    return layout


# --- layout ----------------------------------------------------------------------------------------


def test_rows_and_offsets_map_both_ways():
    layout = laid_out(TEXT, 16)
    rows = [layout.row_span(row) for row in range(layout.height)]
    assert [TEXT[a:b] for a, b in rows] == ["One two three. ", "Four five six.", "Seven eight. ", "Nine ten.", "",
                                            "Eleven twelve."]
    for row, (start, end) in enumerate(rows):
        for offset in range(start, end):
            assert layout.row_of_offset(offset) == row
    assert layout.row_span(layout.height) is None


def test_the_height_is_reported_whenever_it_changes():
    heights: list[int] = []
    layout = DocumentLayout(on_height_change=heights.append)
    layout.load(TEXT)
    layout.relayout(16)
    layout.relayout(80)
    assert heights == [6, 4]


def test_a_column_maps_to_the_offset_under_it_in_cells():
    layout = laid_out("漢字 ab", 40)
    assert [layout.offset_at(0, column) for column in range(6)] == [0, 0, 1, 1, 2, 3]
    assert layout.offset_at(0, 99) == 4  # past the end: the last character
    assert layout.offset_at(5, 0) is None


def test_a_big_text_is_estimated_and_wrapped_where_it_is_seen():
    text = ("Some words in a sentence. " * 30 + "\n\n") * 20000  # about 16 MB
    layout = laid_out(text, 78)
    assert layout.wrapped_blocks == 0
    layout.wrap_rows(0, 48)
    assert layout.wrapped_blocks == 1
    last = len(text) - 1
    row = layout.row_of_offset(last)  # wraps the last block, exactly
    span = layout.row_span(row)
    assert span is not None and span[0] <= last <= span[1]
    assert layout.wrapped_blocks == 2 < len(layout.blocks)


def test_wrapping_the_block_at_the_top_keeps_the_text_there():
    text = ("x" * 200 + "\n") * (BLOCK_CHARS // 50)  # each line wraps to three rows of 78, estimated otherwise
    layout = laid_out(text * 20, 78)  # over the exact-layout limit: estimated
    top = layout.block_tops[5] + 10
    estimated_start = layout.blocks[5].start + int(10 / layout.blocks[5].estimate * (layout.blocks[5].end -
                                                                                         layout.blocks[5].start))
    moved = layout.wrap_top_block(top)
    assert moved is not None and moved == layout.row_of_offset(estimated_start)


def test_rows_of_spans_gives_up_past_the_limit():
    layout = laid_out(TEXT, 8)
    assert layout.rows_of_spans({(0, 3)}, limit=5) == [(0, 0)]
    assert layout.rows_of_spans({(0, len(TEXT))}, limit=2) is None


# --- navigation ------------------------------------------------------------------------------------


def test_sentences_step_across_paragraphs_and_stop_at_the_ends():
    navigator = Navigator(TEXT)
    first = navigator.sentence_at(0)
    assert TEXT[slice(*first)] == "One two three."
    seen = [first]
    while (following := navigator.next_sentence(seen[-1])) != seen[-1]:
        seen.append(following)
    assert [TEXT[a:b].strip() for a, b in seen] == ["One two three.", "Four five six.", "Seven eight.", "Nine ten.",
                                                  "Eleven twelve."]
    assert navigator.previous_sentence(seen[0]) == seen[0]
    assert navigator.previous_sentence(seen[2]) == seen[1]
    assert navigator.last_sentence() == seen[-1]


def test_paragraph_steps_land_on_first_sentences():
    navigator = Navigator(TEXT)
    seven = TEXT.index("Seven")
    nine = navigator.sentence_at(TEXT.index("Nine"))
    assert navigator.next_paragraph(nine)[0] == TEXT.index("Eleven")
    assert navigator.previous_paragraph(nine)[0] == seven
    assert navigator.previous_paragraph(navigator.sentence_at(seven))[0] == 0
    assert navigator.next_paragraph(navigator.last_sentence()) is None


def test_the_word_cursor_crosses_into_the_next_sentence():
    navigator = Navigator(TEXT)
    cursor = navigator.sentence_at(0)
    word = navigator.word_in(cursor, TEXT.index("three"))
    sentence, moved = navigator.step_word(cursor, word, 1)
    assert TEXT[slice(*moved)] == "Four" and sentence == navigator.sentence_at(moved[0])
    assert navigator.step_word(cursor, (0, 3), -1) is None


def test_a_selection_grows_and_shrinks_by_sentence():
    navigator = Navigator(TEXT)
    grown = navigator.grow_by_sentence((0, 3), 1)
    assert TEXT[slice(*grown)] == "One two three."
    grown = navigator.grow_by_sentence(grown, 1)
    assert TEXT[slice(*grown)] == "One two three. Four five six."
    assert navigator.grow_by_sentence(grown, -1) == (0, len("One two three."))
    assert navigator.grow_by_sentence((0, len("One two three.")), -1) == (0, 3)  # back to the first word
    assert TEXT[slice(*navigator.last_word(grown))] == "six"


def test_after_a_scroll_the_cursor_moves_onto_the_rows_shown():
    layout = laid_out(TEXT, 16)
    navigator = Navigator(TEXT)
    cursor = navigator.sentence_at(0)
    assert navigator.sentence_on_rows(layout, cursor, 0, 2) is None
    assert TEXT[slice(*navigator.sentence_on_rows(layout, cursor, 2, 3))].strip() == "Seven eight."


# --- highlights and search -------------------------------------------------------------------------


def test_layers_are_read_back_sorted_and_an_unknown_layer_is_empty():
    layers = HighlightLayers()
    layers.set_layer("focus", [Highlight(5, 9, "#ffffff"), Highlight(0, 4, "#000000")])
    assert [(h.start, h.end) for h in layers.layer("focus")] == [(0, 4), (5, 9)]
    assert layers.layer("links") == () and layers.names == ("focus",)


def test_highlights_are_found_across_block_boundaries():
    layers = HighlightLayers()
    layers.index_blocks([0, 100, 200])
    spanning = Highlight(90, 210, "#ff0000", "a")
    layers.set_layer("annotations", [spanning, Highlight(150, 160, "#00ff00", "b", status="fuzzy")])
    assert layers.at(95) == [spanning] and layers.at(205) == [spanning]
    assert [h.key for h in layers.touching(140, 170)] == ["a", "b"]
    assert layers.at(250) == [] and layers.layer("annotations")[1].guessed


def test_search_steps_wrap_around_and_count():
    search = Search("Alpha beta. ALPHA gamma. Álpha.")
    search.set_query("alpha")
    assert search.step(-1, forward=True) == (0, 5) and not search.wrapped
    assert search.step(0, forward=True) == (12, 17)
    assert search.position() == (2, 3)
    assert search.step(26, forward=True) == (0, 5) and search.wrapped
    assert search.step(0, forward=False) == (25, 30) and search.wrapped
    assert search.hits_in(13, 30) == [(13, 17), (25, 30)]


# --- painting --------------------------------------------------------------------------------------


def test_overlaps_blend_and_underline_and_a_guess_is_italic():
    painter = RowPainter(lambda name: Style(bold=True))
    base = Style(bgcolor="#000000")
    highlights = [Highlight(0, 10, "#ff0000"), Highlight(6, 16, "#0000ff", status="ambiguous")]
    text = "alpha beta gamma delta"
    segments = painter.paint(text, (0, len(text)), base, highlights, [], None, (17, 22), None, None)
    by_text = {segment.text: segment.style for segment in segments}
    assert segments[0].text == "▌ "  # the margin mark
    assert by_text["beta"].underline and not by_text["alpha "].underline
    assert by_text[" gamma"].italic and not by_text["alpha "].italic
    assert len({by_text["alpha "].bgcolor, by_text["beta"].bgcolor, by_text[" gamma"].bgcolor}) == 3
    assert by_text["delta"].bold  # the cursor sentence


def test_the_plain_parts_load_without_textual():
    modules = ["layout", "navigation", "highlights", "search", "painting", "words"]
    script = "".join(f"import reader.tui.widgets.document.{name}\n" for name in modules)
    script += "import sys\nprint(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "False"
