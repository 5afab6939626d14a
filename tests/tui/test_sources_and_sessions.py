"""The sources screen's keys, session restore, live refresh from another connection, and error notices."""

from __future__ import annotations

import sqlite3

from reader.store import Store, StoreError, open_store
from reader.store.claims import set_source_metadata
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen
from reader.tui.widgets.document_view import DocumentView

from pilot_helpers import wait_settled, open_first_source, wait_for


async def loaded_sources(pilot) -> SourcesScreen:
    await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
    return pilot.app.sources_screen


async def test_sources_lists_title_outlet_words(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen = await loaded_sources(pilot)
        table = screen.query_one("DataTable")
        assert table.row_count == 5
        row = [str(cell) for cell in table.get_row_at(1)]
        assert row[1] == "One of Microsoft's Top AI Execs Leaves for OpenAI" and row[2] == "Converge360"
        assert row[3] == f"{screen.sources[1].words:,}"


async def test_a_wide_terminal_shows_a_long_outlet_whole(make_app):
    """The outlet column stayed 14 cells wide at 160 columns: "Coastal Broadcasting Corporation" read
    "Coastal Broad…" beside a title column with room to spare."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await loaded_sources(pilot)
        set_source_metadata(pilot.app.session.store, screen.sources[0].id, {"outlet": "Coastal Broadcasting Corp"})
        await wait_for(pilot, lambda: screen.sources[0].outlet == "Coastal Broadcasting Corp")
        await wait_for(pilot, lambda: "Coastal" in str(screen.query_one("DataTable").get_row_at(0)[2]))
        assert str(screen.query_one("DataTable").get_row_at(0)[2]) == "Coastal Broadcasting Corp"
    async with make_app().run_test(size=(80, 24)) as pilot:  # a narrow one still gives the title its room
        screen = await loaded_sources(pilot)
        assert str(screen.query_one("DataTable").get_row_at(0)[2]).endswith("…")


async def test_the_source_list_has_the_keyboard_from_the_start_and_after_reading(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen = await loaded_sources(pilot)
        table = screen.query_one("DataTable")
        assert pilot.app.focused is table
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert pilot.app.focused is table


async def test_slash_then_typing_filters_and_backspace_and_escape_clear(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen = await loaded_sources(pilot)
        await pilot.press("slash", *"heise")
        assert [s.outlet for s in screen.listed] == ["heise"]
        assert screen.query_one("DataTable").row_count == 1
        await pilot.press("backspace")
        assert screen.filter == "heis"
        await pilot.press("escape")
        assert screen.filter == "" and screen.query_one("DataTable").row_count == 5


async def test_once_filtering_bound_letters_and_space_type_into_the_filter(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen = await loaded_sources(pilot)
        await pilot.press("slash", "r", "e", "s", "e", "a", "r", "c", "h", "e", "r", "space", "s")
        assert screen.filter == "researcher s" and pilot.app.is_running
        assert len(screen.listed) == 1
        await pilot.press("enter", "enter")  # the first keeps the filter, the second opens
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        assert pilot.app.screen.title == "AI researcher switches from Microsoft to OpenAI"


async def test_j_k_move_and_enter_opens_the_highlighted_source(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen = await loaded_sources(pilot)
        await pilot.press("j", "j", "k")
        assert screen.highlighted == screen.sources[1]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        assert pilot.app.screen.source_id == screen.sources[1].id


async def test_space_marks_sources_for_comparison(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen = await loaded_sources(pilot)
        await pilot.press("space", "j", "space", "j", "space", "k", "space")
        assert screen.marked == {screen.sources[0].id, screen.sources[2].id}
        assert str(screen.query_one("DataTable").get_row_at(0)[0]) == "●"
        # QA: with two marked, enter still opens one source; the status names the key that compares them
        assert "2 marked for comparison · c compares them" in str(screen.query_one("#sources-status").render())


async def test_reading_position_and_open_source_are_restored(make_app):
    async with make_app().run_test(size=(100, 30)) as pilot:
        _, view = await open_first_source(pilot)
        await pilot.press("right_curly_bracket", "right_curly_bracket", "right_curly_bracket", "j")
        cursor = view.cursor
        await pilot.press("q")
    async with make_app().run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        assert pilot.app.screen.query_one(DocumentView).cursor == cursor
        await pilot.press("escape")  # back to the list: the next start opens the list
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen = await loaded_sources(pilot)
        assert isinstance(pilot.app.screen, SourcesScreen)
        assert screen.sources[0].read_fraction > 0


async def test_changes_from_another_connection_appear_without_restart(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        other = open_store(db_path, actor="cli")
        other.add_annotation(screen.source_id, 155, 171, tags=["quote"], note="from a shell")
        await wait_for(pilot, lambda: len(screen.annotations) == 1, timeout=5)
        assert screen.annotations[0].note == "from a shell"
        other.delete_annotation(screen.annotations[0].id)
        await wait_for(pilot, lambda: screen.annotations == [], timeout=5)


async def test_a_store_error_becomes_a_notice_not_a_crash(make_app, monkeypatch):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, _ = await open_first_source(pilot)

        def refuse(*args, **kwargs):
            raise StoreError("cannot write to [bold]db[/]: the disk is full")

        # Changes run on the session's writer connection (off the event loop): every Store refuses.
        monkeypatch.setattr(Store, "add_annotation", refuse)
        await pilot.press("1")
        await wait_settled(pilot)
        assert pilot.app.is_running and screen.annotations == []
        [notice] = list(pilot.app._notifications)
        assert notice.message == "cannot write to [bold]db[/]: the disk is full" and not notice.markup


async def test_an_unusable_database_exits_with_a_message(tmp_path, corpus_dir):
    from reader.tui.app import ReaderApp

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    app = ReaderApp(db_path=bad, paths=[corpus_dir])
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.return_code == 1


async def test_a_single_file_opens_straight_in_the_reading_screen(make_app, corpus_dir, db_path):
    path = corpus_dir / "002_dae8eb27e1116857.txt"
    async with make_app(paths=[path], open_single=True).run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen)
                       and pilot.app.screen.source_id is not None)
        assert pilot.app.screen.title == "AI researcher switches from Microsoft to OpenAI"
    rows = sqlite3.connect(db_path).execute("SELECT count(*) FROM sources").fetchone()
    assert rows == (1,)


async def test_a_big_file_shows_its_start_before_it_is_stored(make_app, tmp_path):
    big = tmp_path / "big.txt"
    paragraph = "A sentence about [bold]markup[/bold] and claims. " * 20 + "\n\n"
    big.write_text("Heading of the big file\n\n" + paragraph * 6000)  # about 6 MB: the preview path
    async with make_app(paths=[big], open_single=True).run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        screen = pilot.app.screen
        await wait_for(pilot, lambda: screen.source_id is not None, timeout=60)
        view = screen.query_one(DocumentView)
        assert len(view.text) == len(big.read_text())
        await pilot.press("G", "1")
        await wait_settled(pilot)
        assert screen.annotations[0].end == view.cursor[1]


async def test_the_library_shows_sources_added_with_reader_add_beside_the_corpus(make_app, db_path, tmp_path):
    extra = tmp_path / "added" / "note.txt"
    extra.parent.mkdir()
    extra.write_text("A separately added article about something else entirely.\n", encoding="utf-8")
    from reader.library import sync_sources

    store = open_store(db_path)
    sync_sources(store, [extra.parent])
    store.close()

    async with make_app(whole_library=True).run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 6)
        assert any(s.name == "note.txt" for s in pilot.app.sources_screen.sources)
    async with make_app().run_test(size=(120, 30)) as pilot:  # `reader PATH`: only what was asked for
        screen = await loaded_sources(pilot)
        assert all(s.name != "note.txt" for s in screen.sources)


async def test_sources_that_arrive_before_the_screen_has_composed_are_shown(make_app, corpus_dir):
    """A quick sync (nothing changed) can finish before the sources screen has composed."""
    from reader.model import Source

    screen = SourcesScreen()
    early = [Source(id=1, path=str(corpus_dir / "early.txt"), title="Arrived early", words=3)]
    screen.show_sources(early)
    app = make_app()
    app.sources_screen = screen
    app.sync_library = lambda: None           # no sync: only what arrived early is on the list
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        table = screen.query_one("DataTable")
        assert table.row_count == 1 and str(table.get_row_at(0)[1]) == "Arrived early"


async def test_g_and_capital_g_go_to_the_first_and_last_source_and_type_into_a_filter(make_app):
    async with make_app().run_test(size=(120, 30)) as pilot:
        screen = await loaded_sources(pilot)
        await pilot.press("G")
        assert screen.highlighted == screen.listed[-1]
        await pilot.press("g")
        assert screen.highlighted == screen.listed[0]
        await pilot.press("G", "enter")  # enter opens that last source
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        assert pilot.app.screen.source_id == screen.listed[-1].id
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        await pilot.press("slash", "g", "G")  # while filtering, they are letters of the filter
        assert screen.filter == "gG"


async def test_two_to_four_files_open_side_by_side_in_the_order_given(make_app, corpus_dir):
    """`reader open b.txt a.txt`: the sources compared, as one file opens straight in the reading screen."""
    from reader.tui.screens.compare import CompareScreen

    given = [corpus_dir / "003_aa9e53f1d010f5c2.txt", corpus_dir / "001_81f283cb91d94e35.txt",
             corpus_dir / "004_8f05ed900ee1f4ef.txt"]
    async with make_app(paths=given, compare_given=True).run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        assert [pane.source.name for pane in pilot.app.screen.panes] == [path.name for path in given]
