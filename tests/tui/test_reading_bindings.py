"""Every binding of the reading screen and the document view, driven through Pilot, one behaviour each."""

from __future__ import annotations

from reader.store import open_store
from reader.text import sentence_spans
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen
from reader.tui.widgets.annotate_dialog import AnnotateDialog
from reader.tui.widgets.annotation_panel import AnnotationPanel
from reader.tui.widgets.confirm import Confirm
from reader.tui.widgets.document_view import DocumentView

from pilot_helpers import wait_settled, open_first_source, wait_for


def sentences(view: DocumentView) -> list[tuple[int, int]]:
    return sentence_spans(view.text)


async def test_j_and_k_move_the_cursor_by_sentence(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        _, view = await open_first_source(pilot)
        spans = sentences(view)
        assert view.cursor == spans[0]
        await pilot.press("j", "j")
        assert view.cursor == spans[2]
        await pilot.press("k")
        assert view.cursor == spans[1]


async def test_arrows_scroll_a_line(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        _, view = await open_first_source(pilot)
        await pilot.press("down", "down", "down")
        assert view.scroll_y == 3
        await pilot.press("up")
        assert view.scroll_y == 2


async def test_space_pagedown_b_pageup_move_a_page(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        _, view = await open_first_source(pilot)
        page = view.size.height - 1
        await pilot.press("space")
        assert view.scroll_y == page
        await pilot.press("pagedown")
        assert view.scroll_y == min(2 * page, view.max_scroll_y)
        await pilot.press("b")
        after_b = view.scroll_y
        assert after_b < min(2 * page, view.max_scroll_y)
        await pilot.press("pageup")
        assert view.scroll_y == max(0, after_b - page)


async def test_paging_keeps_the_cursor_on_screen(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        _, view = await open_first_source(pilot)
        await pilot.press("space")
        row = view.document_layout.row_of_offset(view.cursor[0])
        assert view.scroll_y <= row < view.scroll_y + view.size.height


async def test_g_and_G_go_to_start_and_end(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        _, view = await open_first_source(pilot)
        await pilot.press("G")
        assert view.scroll_y == view.max_scroll_y > 0
        assert view.cursor == sentences(view)[-1]
        await pilot.press("g")
        assert view.scroll_y == 0
        assert view.cursor == sentences(view)[0]


async def test_braces_move_by_paragraph(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        _, view = await open_first_source(pilot)
        await pilot.press("right_curly_bracket", "right_curly_bracket")
        paragraph_starts = [start for start, _ in __import__("reader.text", fromlist=["x"]).paragraph_spans(view.text)]
        assert view.cursor[0] == paragraph_starts[2]
        await pilot.press("j", "left_curly_bracket")
        assert view.cursor[0] == paragraph_starts[2]
        await pilot.press("left_curly_bracket")
        assert view.cursor[0] == paragraph_starts[1]


async def test_v_then_w_b_j_k_shape_the_selection_and_escape_cancels(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "j", "j")
        start = view.cursor[0]
        await pilot.press("v")
        first_word = view.selection
        assert first_word[0] == start and " " not in view.text[first_word[0]:first_word[1]]
        await pilot.press("w", "w")
        assert len(view.text[start:view.selection[1]].split()) == 3
        await pilot.press("b")
        assert len(view.text[start:view.selection[1]].split()) == 2
        await pilot.press("j")
        assert view.selection == (start, view.cursor[1])  # to the end of the sentence
        await pilot.press("j")
        assert view.selection[1] == sentences(view)[4][1]  # and on through the next
        await pilot.press("k", "k")
        assert view.selection == first_word
        await pilot.press("escape")
        assert view.selection is None
        assert isinstance(pilot.app.screen, ReadingScreen)  # escape cancelled, it did not go back


async def test_1_tags_the_current_sentence_in_the_database(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "1")
        await wait_settled(pilot)
        cursor = view.cursor
    store = open_store(db_path)
    [annotation] = store.annotations()
    assert (annotation.start, annotation.end, annotation.tags) == (cursor[0], cursor[1], ["claim"])


async def test_number_key_tags_the_selection_and_a_second_tag_adds_to_it(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "v", "w", "3")
        await wait_settled(pilot)
        assert view.selection is None  # tagging ends the selection
        [annotation] = screen.annotations
        assert len(annotation.quote.split()) == 2 and annotation.tags == ["number"]
    store = open_store(db_path)
    assert [a.tags for a in store.annotations()] == [["number"]]


async def test_a_opens_the_dialog_and_saves_tags_and_note(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "a")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        await pilot.press(*"opin", "right", *", fresh tag", "enter", *"checked [bold]", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Confirm))  # "fresh tag" is new: asked
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        cursor = view.cursor
    store = open_store(db_path)
    [annotation] = store.annotations()
    assert (annotation.start, annotation.end) == cursor
    assert annotation.tags == ["opinion", "fresh tag"] and annotation.note == "checked [bold]"


async def test_enter_also_annotates_and_escape_in_the_dialog_cancels(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        await open_first_source(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        await pilot.press(*"claim", "escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
    assert open_store(db_path).annotations() == []


async def test_brackets_jump_between_annotations(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        spans = sentences(view)
        await pilot.press("j", "1", "j", "j", "j", "2", "g")
        await wait_settled(pilot)
        await pilot.press("right_square_bracket")
        assert view.cursor == spans[1]
        await pilot.press("right_square_bracket")
        assert view.cursor == spans[4]
        await pilot.press("left_square_bracket")
        assert view.cursor == spans[1]


async def test_e_edits_the_annotation_under_the_cursor(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "1", "e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        dialog = pilot.app.screen
        assert dialog.query_one("#tags").value == "claim"
        dialog.query_one("#tags").value = "error"
        await pilot.press("tab", *"wrong date", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
    [annotation] = open_store(db_path).annotations()
    assert annotation.tags == ["error"] and annotation.note == "wrong date"


async def test_x_deletes_and_u_undoes_and_ctrl_r_redoes(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "1")
        await wait_settled(pilot)
        assert len(screen.annotations) == 1
        await pilot.press("x")
        await wait_settled(pilot)
        assert screen.annotations == [] and open_store(db_path).annotations() == []
        await pilot.press("u")
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
        assert len(open_store(db_path).annotations()) == 1
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.annotations == [])
        assert open_store(db_path).annotations() == []


async def test_slash_searches_and_n_N_step_through_hits(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("slash", *"OPENai", "enter")
        hits = [i for i in range(len(view.text)) if view.text[i:i + 6].lower() == "openai"]
        assert len(hits) >= 3 and view.current_hit == (hits[0], hits[0] + 6)
        await pilot.press("n", "n")
        assert view.current_hit == (hits[2], hits[2] + 6)
        await pilot.press("N")
        assert view.current_hit == (hits[1], hits[1] + 6)
        assert "openai" in view.text[view.cursor[0]:view.cursor[1]].lower()


async def test_tab_moves_focus_to_the_panel_and_enter_there_jumps(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "j", "j", "j", "1", "g")
        await wait_settled(pilot)
        assert view.has_focus
        await pilot.press("tab")
        assert screen.query_one(AnnotationPanel).has_focus_within
        await pilot.press("enter")
        assert view.has_focus and view.cursor == sentences(view)[4]
        await pilot.press("shift+tab")
        assert not view.has_focus


async def test_f_in_the_panel_filters_by_tag(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "1", "j", "2", "tab")
        await wait_settled(pilot)
        panel = screen.query_one(AnnotationPanel)
        assert len(panel.shown) == 2
        await pilot.press("f")
        assert panel.tag_filter == "claim" and [a.tags for a in panel.shown] == [["claim"]]


async def test_p_hides_the_panel_and_the_layout_is_remembered(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, _ = await open_first_source(pilot)
        await pilot.press("p")
        assert not screen.query_one(AnnotationPanel).display
    async with make_app().run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        assert not pilot.app.screen.query_one(AnnotationPanel).display


async def test_escape_goes_back_to_the_sources(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        await open_first_source(pilot)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, SourcesScreen)


async def test_question_mark_lists_every_binding(make_app):
    async with make_app().run_test(size=(120, 50)) as pilot:
        await open_first_source(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        shown = "\n".join(f"{keys} {description}" for _, keys, description in pilot.app.screen.rows)
        for description in ("Next sentence", "Annotate the selection or sentence", "Undo", "Redo",
                            "Search in the source", "Page down", "Quit"):
            assert description in shown
        assert "j Next sentence" in shown and "ctrl+r Redo" in shown.replace("^r", "ctrl+r")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, ReadingScreen)


async def test_q_quits(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_first_source(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_ctrl_p_opens_the_command_palette(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        await open_first_source(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert pilot.app.screen.__class__.__name__ == "CommandPalette"


async def test_clicking_moves_the_cursor(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        row = view.document_layout.row_of_offset(sentences(view)[3][0])
        await pilot.click(DocumentView, offset=(6, row))
        assert view.cursor == sentences(view)[3]


async def test_dragging_the_mouse_selects(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        row = view.document_layout.row_of_offset(sentences(view)[3][0])
        await pilot.mouse_down(DocumentView, offset=(2, row))
        await pilot.hover(DocumentView, offset=(12, row))
        await pilot.mouse_up(DocumentView, offset=(12, row))
        start = view.document_layout.row_span(row)[0]
        assert view.selection == (start, start + 11)


async def test_orphaned_annotations_are_listed_and_marked_in_the_panel(make_app, db_path, corpus_dir):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "j", "j", "1")
        await wait_settled(pilot)  # the change lands off the event loop; then quit
        await pilot.press("q")
        assert screen.annotations[0].quote.startswith("In a significant move")
    path = corpus_dir / "000_14124432c7999a90.txt"
    path.write_text(path.read_text().replace("In a significant move", "Something else entirely"))
    async with make_app().run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
        panel = screen.query_one(AnnotationPanel)
        [annotation] = panel.shown
        assert annotation.anchor_status in ("orphaned", "fuzzy")
        assert f"({annotation.anchor_status})" in str(panel._describe(annotation))


async def test_two_tags_pressed_at_once_on_a_sentence_make_one_annotation(make_app, db_path):
    """Changes land off the event loop: the second tag, pressed before the first landed, still adds to it."""
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "1", "2")
        await wait_settled(pilot)
        [annotation] = screen.annotations
        assert annotation.tags == ["claim", "quote"]
    [stored] = open_store(db_path).annotations()
    assert stored.tags == ["claim", "quote"]


async def test_the_tag_bar_counts_the_tags_that_do_not_fit(make_app):
    """QA at 80x24: tags 6-9 were cut off the tag bar with no mark, so a user never learnt that keys 6-9
    tagged at all. The bar shows what fits and counts the rest ("+3 more")."""
    from reader.tui.widgets.small import TagBar

    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_first_source(pilot)
        bar = pilot.app.screen.query_one(TagBar)
        total = len(pilot.app.screen.tags)
        line = str(bar.render())
        shown = sum(1 for n in range(1, 10) if f" {n} ■ " in line)
        assert total > shown and line.rstrip().endswith(f"+{total - shown} more")
        assert len(line.rstrip()) <= bar.content_size.width
        await pilot.resize_terminal(160, 48)  # room again: the bar is laid out anew, every tag key shown
        await wait_for(pilot, lambda: f" {min(total, 9)} ■ " in str(bar.render()))
        assert ("more" in str(bar.render())) == (total > 9)
