"""The claims matrix screen, driven through Pilot: opening it, its cells, jumping and silent marks."""

from __future__ import annotations

from reader.tui.screens.compare import CompareScreen
from reader.tui.screens.matrix import MatrixScreen
from reader.tui.screens.reading import ReadingScreen
from reader.tui.widgets.document_view import DocumentView

from pilot_helpers import open_first_source, wait_for


async def sources_ready(pilot) -> dict[str, int]:
    app = pilot.app
    await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
    return {source.name[:3]: source.id for source in app.sources_screen.sources}


def link_claim(store, ids: dict[str, int]):
    """The $13 billion claim in 000 and 001, linked as the same claim; returns both annotations."""
    first_text, second_text = store.text(ids["000"]), store.text(ids["001"])
    a_start = first_text.index("Microsoft has invested an estimated $13 billion")
    b_start = second_text.index("Since 2019, Microsoft has contributed over $13 billion")
    a = store.add_annotation(ids["000"], a_start, first_text.index(".", a_start) + 1, tags=["claim"])
    b = store.add_annotation(ids["001"], b_start, second_text.index(".", b_start) + 1, tags=["claim"])
    store.add_link(a.id, b.id, "same")
    return a, b


async def open_matrix(pilot, key_presses=("m",)) -> MatrixScreen:
    await pilot.press(*key_presses)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MatrixScreen) and pilot.app.screen.loaded)
    return pilot.app.screen


def cell(screen: MatrixScreen, row: int, column: int) -> str:
    from textual.coordinate import Coordinate

    return str(screen.query_one("#matrix-table").get_cell_at(Coordinate(row, column)))


async def test_m_from_sources_shows_one_row_per_claim_and_a_column_per_source(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        table = screen.query_one("#matrix-table")
        assert table.row_count == 1
        assert len(table.columns) == 1 + 5
        assert cell(screen, 0, 1) == "present"
        assert cell(screen, 0, 2).startswith("differs: ")  # "an estimated" / "over": different words
        assert cell(screen, 0, 3) == "absent"


async def test_m_from_sources_with_marks_shows_only_the_marked_sources(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        await pilot.press("space", "j", "space")
        screen = await open_matrix(pilot)
        assert [s.id for s in screen.sources] == [ids["000"], ids["001"]]


async def test_m_from_the_comparison_shows_its_sources(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        pilot.app.open_compare([ids["002"], ids["000"]])
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        screen = await open_matrix(pilot)
        assert [s.id for s in screen.sources] == [ids["002"], ids["000"]]
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, CompareScreen)


async def test_m_from_reading_shows_every_source(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        await open_first_source(pilot)
        screen = await open_matrix(pilot)
        assert len(screen.sources) == 5
        assert "No claims yet" in str(screen.query_one("#matrix-heading").render())


async def test_enter_opens_the_source_at_the_claim(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        _, b = link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("l")  # to the second source's column (001)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))
        reading = pilot.app.screen
        assert reading.source_id == ids["001"]
        view = reading.query_one(DocumentView)
        assert view.cursor[0] <= b.start < view.cursor[1]
        await pilot.press("escape")
        assert pilot.app.screen is screen


async def test_enter_on_an_absent_cell_explains(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("l", "l", "enter")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert any("no passage" in str(n.message) for n in pilot.app._notifications)


async def test_z_marks_a_source_silent_toggles_and_undoes(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        a, _ = link_claim(pilot.app.session.store, ids)
        store = pilot.app.session.store
        screen = await open_matrix(pilot)
        await pilot.press("l", "l")  # 002: absent
        assert cell(screen, 0, 3) == "absent"
        await pilot.press("z")
        await wait_for(pilot, lambda: cell(screen, 0, 3) == "silent")
        assert store.silences() == [(a.id, ids["002"])]
        await pilot.press("z")
        await wait_for(pilot, lambda: cell(screen, 0, 3) == "absent")
        assert store.silences() == []
        await pilot.press("u")
        await wait_for(pilot, lambda: cell(screen, 0, 3) == "silent")
        assert store.silences() == [(a.id, ids["002"])]


async def test_z_on_a_source_that_makes_the_claim_is_refused(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("z")  # 000: present
        await pilot.pause()
        assert pilot.app.session.store.silences() == []
        assert cell(screen, 0, 1) == "present"


async def test_a_contradicting_link_reads_contradicts(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        store = pilot.app.session.store
        text = store.text(ids["002"])
        a = store.add_annotation(ids["002"], 0, text.index("\n"), tags=["claim"])
        text_b = store.text(ids["003"])
        b = store.add_annotation(ids["003"], 0, text_b.index("\n"), tags=["claim"])
        store.add_link(a.id, b.id, "contradicts")
        screen = await open_matrix(pilot)
        assert (cell(screen, 0, 3), cell(screen, 0, 4)) == ("present", "contradicts")


async def test_the_matrix_reloads_when_another_process_links(make_app, db_path):
    from reader.store import open_store

    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        screen = await open_matrix(pilot)
        assert screen.query_one("#matrix-table").row_count == 0
        other = open_store(db_path, actor="cli")
        try:
            link_claim(other, ids)
        finally:
            other.close()
        await wait_for(pilot, lambda: screen.query_one("#matrix-table").row_count == 1, timeout=10)


async def test_the_matrix_widens_its_columns_when_the_terminal_grows(make_app):
    """My session: opened at 80 columns and widened to 160, the matrix kept its 14-cell columns."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        link_claim(pilot.app.session.store, await sources_ready(pilot))
    async with make_app().run_test(size=(80, 24)) as pilot:  # no change pending that would refill the table
        await sources_ready(pilot)
        screen = await open_matrix(pilot)
        table = screen.query_one("#matrix-table")
        narrow = sum(column.width for column in table.columns.values())
        await pilot.resize_terminal(160, 48)
        await wait_for(pilot, lambda: sum(c.width for c in table.columns.values()) > narrow)
        assert sum(column.width for column in table.columns.values()) > 120
        assert cell(screen, 0, 1) == "present"  # the rows are there again
