"""Issue 9, the annotation loop: the word cursor and keyboard selection of any span, `]`/`[` through
every annotation, e/x with overlaps, the edit dialog that appends, completions, the sources filter
mode, accent-folded search, the palette's commands, ctrl+q in a dialog, j/k in lists."""

from __future__ import annotations

from reader.store import open_store
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen
from reader.tui.widgets.annotate_dialog import AnnotateDialog
from reader.tui.widgets.annotation_panel import AnnotationPanel
from reader.tui.widgets.choose_annotation import ChooseAnnotation
from reader.tui.widgets.confirm import Confirm
from reader.tui.widgets.document_view import DocumentView

from pilot_helpers import wait_settled, wait_for


async def open_source(pilot, number: int) -> tuple[ReadingScreen, DocumentView]:
    """Open the source listed at row number (0 is the first) from the sources screen."""
    app = pilot.app
    await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
    await pilot.press(*["j"] * number, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
    screen = app.screen
    await wait_settled(pilot, lambda: screen.source_id is not None)
    return screen, screen.query_one(DocumentView)


def status_text(screen) -> str:
    return str(screen.query_one("#status").render())


# --- the word cursor and selection ---------------------------------------------------------------

async def test_the_issues_example_tags_exactly_launched_this_past_spring(make_app, db_path):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen, view = await open_source(pilot, 1)
        await pilot.press("slash", *"launched", "enter", "v", "w", "w", "w", "1")
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
    [annotation] = open_store(db_path).annotations()
    assert annotation.quote == "launched this past spring" and annotation.tags == ["claim"]


async def test_h_l_and_arrows_move_the_word_cursor_and_v_selects_from_it(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 1)
        await pilot.press("j", "j")
        sentence = view.cursor
        words = [w for w in __import__("reader.text", fromlist=["x"]).word_spans(view.text, *sentence)]
        assert view.word == words[0]
        await pilot.press("l", "l", "right")
        assert view.word == words[3] and view.cursor == sentence
        await pilot.press("h", "left")
        assert view.word == words[1]
        await pilot.press("v", "l", "w")
        assert view.selection == (words[1][0], words[3][1])
        await pilot.press("b", "h")
        assert view.selection == words[1]
        await pilot.press("escape")
        assert view.selection is None and isinstance(pilot.app.screen, ReadingScreen)


async def test_the_word_cursor_crosses_into_the_next_sentence(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 1)
        first = view.cursor
        count = len(__import__("reader.text", fromlist=["x"]).word_spans(view.text, *first))
        await pilot.press(*["l"] * count)
        assert view.cursor != first and view.word[0] == view.cursor[0]


async def test_the_word_cursor_is_drawn_in_reverse_even_on_highlighted_text(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 1)
        await pilot.press("j", "1", "l")
        await wait_settled(pilot)
        row = view.document_layout.row_of_offset(view.word[0]) - int(view.scroll_y)
        strip = view.render_line(row)
        word_text = view.text[view.word[0]:view.word[1]]
        styles = [segment.style for segment in strip if segment.text == word_text]
        assert styles and styles[0].reverse
        others = [segment.style for segment in strip if segment.text.strip() and segment.text != word_text
                  and not segment.text.startswith("▌")]
        # the rest of the cursor sentence on the highlight is not marked by bold alone: its colour differs
        assert others and all(style.bgcolor is not None for style in others)


# --- defect 1: ] and [ visit every annotation ------------------------------------------------------

async def test_brackets_visit_mid_sentence_and_overlapping_annotations_and_say_n_of_N(make_app, db_path):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen, view = await open_source(pilot, 4)
        store = pilot.app.session.store
        text = view.text
        source_id = screen.source_id
        billion = text.index("committing $1 billion")
        altman = text.index('Altman stated, "I won')
        store.add_annotation(source_id, billion, billion + len("committing $1 billion"), tags=["number"])
        store.add_annotation(source_id, altman, altman + len('Altman stated, "I won\'t pretend'), tags=["quote"])
        sentence = view.navigator.sentence_at(billion)
        store.add_annotation(source_id, sentence[0], sentence[1], tags=["claim"])  # overlaps the first
        screen.reload()
        await wait_for(pilot, lambda: len(screen.annotations) == 3)
        await pilot.press("g")
        visited = []
        for _ in range(4):
            await pilot.press("right_square_bracket")
            visited.append(screen.annotation_under_cursor().tags[0])
        assert visited == ["claim", "number", "quote", "claim"]
        assert "annotation 1 of 3" in status_text(screen) and "wrapped" in status_text(screen)
        await pilot.press("right_square_bracket", "x")  # x acts on the visited one, mid-sentence
        await wait_for(pilot, lambda: len(screen.annotations) == 2)
    assert sorted(a.tags[0] for a in open_store(db_path).annotations()) == ["claim", "quote"]


# --- defect 3 and 4: the dialog ---------------------------------------------------------------------

async def test_typing_in_the_edit_dialog_appends_to_the_tags(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 0)
        await pilot.press("j", "1", "e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        dialog = pilot.app.screen
        await pilot.press(*", attrib")
        await wait_for(pilot, lambda: dialog.query_one("#tags")._suggestion == "claim, attribution")
        await pilot.press("tab", *", num")  # tab takes the completion and stays for another tag
        await wait_for(pilot, lambda: dialog.query_one("#tags")._suggestion == "claim, attribution, number")
        await pilot.press("tab", "tab", *"see memo", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
    [annotation] = open_store(db_path).annotations()
    assert sorted(annotation.tags) == ["attribution", "claim", "number"] and annotation.note == "see memo"


async def test_enter_takes_the_completion_and_no_half_typed_tag_is_created(make_app, db_path):
    """a, cl, enter, enter: tagged "claim" (no tag "cl")."""
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 0)
        await pilot.press("j", "a")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        await pilot.press("c", "l")
        dialog = pilot.app.screen
        await wait_for(pilot, lambda: dialog.query_one("#tags")._suggestion == "claim")
        await pilot.press("enter", "enter")  # the issue's a, cl, enter, enter
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
    store = open_store(db_path)
    [annotation] = store.annotations()
    assert annotation.tags == ["claim"]
    assert "cl" not in [tag.name for tag in store.tags()]


async def test_a_new_tag_is_created_only_once_confirmed(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 0)
        before = len(screen.tags)
        await pilot.press("j", "a")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        await pilot.press(*"zzq", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Confirm))
        await pilot.press("n")  # not new after all: back in the dialog, nothing stored
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        assert open_store(db_path).annotations() == [] and len(open_store(db_path).tags()) == before
        await pilot.press("tab")  # tab with no completion moves on (to the note)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
    assert open_store(db_path).annotations() == []


# --- defect 6: overlapping annotations -------------------------------------------------------------

async def test_x_and_e_offer_a_choice_between_overlapping_annotations(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 0)
        await pilot.press("j", "1", "v", "w", "3")  # the sentence, and its first two words
        await wait_for(pilot, lambda: len(screen.annotations) == 2)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChooseAnnotation))
        assert [a.tags for a in pilot.app.screen.annotations] == [["number"], ["claim"]]
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
        assert screen.annotations[0].tags == ["number"]
        await pilot.press("1", "e")  # the sentence again, overlapping: e asks too; escape leaves everything
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChooseAnnotation))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
    assert len(open_store(db_path).annotations()) == 2


# --- defect 7: the sources filter mode --------------------------------------------------------------

async def test_sources_letters_are_commands_until_slash_starts_the_filter(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        screen = pilot.app.sources_screen
        await pilot.press("slash", *"micro", "space", *"joins")
        assert screen.filter == "micro joins" and pilot.app.screen is screen  # m did not open the matrix
        assert [s.title for s in screen.listed][0].startswith("Microsoft")
        await pilot.press("enter")
        assert not screen.filtering and screen.filter == "micro joins"
        await pilot.press("f", "backspace", "escape")
        assert screen.filter == "" and pilot.app.screen is screen and pilot.app.is_running


# --- defect 14: search folds accents and case --------------------------------------------------------

async def test_search_folds_accents_counts_hits_and_says_when_it_wraps(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, view = await open_source(pilot, 1)
        await pilot.press("slash", *"sebastien", "enter")
        assert view.current_hit is not None
        assert view.text[view.current_hit[0]:view.current_hit[1]] == "Sébastien"
        assert "hit 1 of 1" in status_text(screen)
        await pilot.press("n")
        assert "wrapped" in status_text(screen)
        await pilot.press("g", "slash", *"OPENAI", "enter")
        count = view.text.lower().count("openai")
        assert f"hit 1 of {count}" in status_text(screen)
        await pilot.press("n")
        assert f"hit 2 of {count}" in status_text(screen)


# --- defect 15: the comparison layout comes back ---------------------------------------------------

async def test_the_comparison_layout_is_restored_on_the_next_start(make_app):
    from reader.tui.screens.compare import CompareScreen

    async with make_app().run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        await pilot.press("j", "j", "j", "space", "k", "k", "space", "c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        shown = pilot.app.screen.source_ids
        await pilot.press("q")
    async with make_app().run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        assert pilot.app.screen.source_ids == shown


# --- defect 17: palette, ctrl+q in a dialog, j/k in lists --------------------------------------------

async def test_ctrl_p_offers_the_readers_own_commands(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        titles = [command.title for command in pilot.app.get_system_commands(pilot.app.screen)]
        for wanted in ("Export annotations", "Compare sources", "Claims matrix", "Statistics", "HTML report",
                       "Search all sources"):
            assert wanted in titles


async def test_palette_export_writes_the_file(make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, view = await open_source(pilot, 0)
        await pilot.press("j", "1")
        await wait_settled(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"Export annotations")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "Prompt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "annotations.csv").exists())
    assert "claim" in (tmp_path / "annotations.csv").read_text()


async def test_ctrl_q_in_a_dialog_with_typed_text_asks_first(make_app, db_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_source(pilot, 0)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AnnotateDialog))
        await pilot.press(*"claim", "ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, AnnotateDialog))
        assert app.is_running and app.screen.query_one("#tags").value == "claim"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await pilot.pause()
    assert not app.is_running


async def test_j_k_move_in_the_annotations_panel_and_help(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, view = await open_source(pilot, 0)
        await pilot.press("j", "1", "j", "2", "j", "3", "tab")
        await wait_settled(pilot)
        options = screen.query_one(AnnotationPanel).query_one("OptionList")
        assert options.highlighted == 0
        await pilot.press("j", "j")
        assert options.highlighted == 2
        await pilot.press("k")
        assert options.highlighted == 1
        await pilot.press("shift+tab", "question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        help_view = pilot.app.screen.query_one("#help")
        await pilot.press("j", "j", "j")
        assert help_view.scroll_y == 3
        await pilot.press("k")
        assert help_view.scroll_y == 2


async def test_sources_screen_is_not_left_by_typing(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        await pilot.press(*"joys")  # letters that are no command (i is: it edits the source's metadata)
        assert isinstance(pilot.app.screen, SourcesScreen) and pilot.app.sources_screen.filter == ""


# --- defect 18: saving a big file does not hold the interface's GIL ------------------------------------

async def test_a_file_opened_directly_is_saved_by_another_process(make_app, db_path, tmp_path):
    import os

    path = tmp_path / "wire_report.txt"
    path.write_text("A wire report.\n\nIt says one thing. Then another thing.\n")
    app = make_app(paths=[path], open_single=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.source_id is not None, timeout=60)
        assert app.save_process_pid not in (None, os.getpid())
        await pilot.press("j", "1")
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
    store = open_store(db_path)
    [source] = [s for s in store.sources() if s.path == str(path.resolve())]
    assert [a.quote for a in store.annotations(source_id=source.id)] == ["It says one thing."]


async def test_the_reading_position_is_written_off_the_event_loop(make_app, db_path, monkeypatch):
    import threading

    from reader.store import Store

    writers: list[threading.Thread] = []
    original = Store.set_reading_position

    def recording(self, *args, **kwargs):
        writers.append(threading.current_thread())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Store, "set_reading_position", recording)
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 1)
        await pilot.press("j", "j")
        # (under load a timer may fire between the two keys: wait for the last position to land)
        await wait_for(pilot, lambda: open_store(db_path).reading_position(screen.source_id) == view.cursor[0])
        assert writers and all(thread is not threading.main_thread() for thread in writers)


async def test_repainting_only_the_cursor_rows_leaves_no_stale_row(make_app):
    """A cursor move repaints the rows it left and reached; what shows equals a full repaint."""
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 1)
        for keys in (("j", "j", "l", "l"), ("v", "w", "j"), ("escape", "k", "h"), ("down", "down", "j"),
                     ("G", "k"), ("g", "l", "v", "w", "w", "b")):
            await pilot.press(*keys)
            await pilot.pause()
            shown = [list(view.render_line(y)) for y in range(view.size.height)]
            view.redraw()
            assert shown == [list(view.render_line(y)) for y in range(view.size.height)], keys


async def test_another_program_holding_the_database_does_not_freeze_tagging(make_app, db_path):
    """While another connection holds the write lock (a `reader import`), `1` answers at once, the
    keys go on working, and the annotation lands once the lock is released."""
    import sqlite3

    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_source(pilot, 1)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("j", "1")
            first = view.cursor
            await pilot.press("j")  # the keyboard is not waiting for the other program
            assert view.cursor != first and screen.annotations == []
        finally:
            other.execute("COMMIT")
            other.close()
        await wait_for(pilot, lambda: len(screen.annotations) == 1, timeout=20)
        assert (screen.annotations[0].start, screen.annotations[0].end) == first
    [annotation] = open_store(db_path).annotations()
    assert annotation.tags == ["claim"] and (annotation.start, annotation.end) == first


async def test_the_status_line_forgets_the_visited_annotation_once_it_is_deleted(make_app):
    """QA: `]` then `x` left "annotation 1 of 2: attribution" in the status line with one annotation left.
    (Wide enough for the whole status line: at 80 columns it ends in '…' before the tag.)"""
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen, view = await open_source(pilot, 1)
        store = pilot.app.session.store
        start = view.text.index("10 years at Microsoft")
        store.add_annotation(screen.source_id, start, start + 8, tags=["number"])
        store.add_annotation(screen.source_id, start + 3, start + 21, tags=["attribution"])
        screen.reload()
        await wait_for(pilot, lambda: len(screen.annotations) == 2)
        await pilot.press("g", "right_square_bracket", "right_square_bracket")
        assert "annotation 2 of 2: attribution" in status_text(screen)
        await pilot.press("x")
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
        await pilot.pause()
        assert "of 2" not in status_text(screen) and "attribution" not in status_text(screen)


async def test_where_each_pane_was_comes_back_with_the_comparison(make_app):
    """QA: the comparison came back on the next start, but each pane at the place last read in the reading
    screen, not where its cursor was at quit."""
    from reader.tui.screens.compare import CompareScreen

    async with make_app().run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        await pilot.press("space", "j", "space", "c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        screen = pilot.app.screen
        await wait_settled(pilot)
        await pilot.press(*["j"] * 6)
        await pilot.pause()
        where = [pane.view.cursor for pane in screen.panes]
        assert where[0][0] > 0
        await pilot.press("q")
    async with make_app().run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        screen = pilot.app.screen
        await wait_settled(pilot)
        assert [pane.view.cursor for pane in screen.panes] == where
