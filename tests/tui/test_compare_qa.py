"""Defects a journalist comparing coverage met in the comparison screen (branch qa-compare): long source
titles cut with an ellipsis (in lists, the panel, the status line), the counterparts dialog on a small terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

from pilot_helpers import wait_for, wait_settled
from rich.cells import cell_len
from test_compare import move_to_counterpart, move_to_unaligned, open_compare
from test_compare_suggest import counterparts, cursor_on
from test_matrix import cell, link_claim, open_matrix
from textual import events
from textual.widgets import DataTable, OptionList

from reader.model import Annotation
from reader.presentation import ELLIPSIS, fit_cells
from reader.tui.palette import SearchHits
from reader.tui.screens.compare import CompareScreen
from reader.tui.screens.link_choice import LinkChoice
from reader.tui.widgets.document_view import DocumentView
from reader.tui.widgets.small import StatusLine


async def test_long_source_titles_are_cut_with_an_ellipsis_in_counterparts_and_differences(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await move_to_counterpart(pilot, screen)
        await wait_for(pilot, lambda: "One of" in screen.query_one("#compare-differences").render().plain)
        panel = screen.query_one("#compare-differences").render().plain
        assert f"2 One of Microsoft's Top AI Execs Leave{ELLIPSIS}" in panel
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        labels = {label for _, label, _ in dialog.ranked}
        assert labels == {f"2 One of Microsoft's Top AI Execs Leave{ELLIPSIS}"}


async def test_the_status_line_cuts_a_long_title_with_an_ellipsis(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "001", "004")
        screen.query_one(DocumentView).focus()  # pane 1
        await pilot.press("tab")
        await wait_for(pilot, lambda: "collaboration" in str(screen.query_one(StatusLine).render()))
        status = str(screen.query_one(StatusLine).render())
        title = screen.panes[1].source.title
        assert cell_len(title) > 50
        assert status.startswith(fit_cells(title, 50) + "  ")


async def test_the_counterparts_dialog_fits_an_80x24_terminal(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, "000", "001", "002")
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        box = dialog.query_one("#dialog").region
        assert box.y >= 0 and box.bottom <= 24, box  # its header and its border on screen
        options = dialog.query_one(OptionList)
        assert options.region.bottom <= box.bottom
        for _ in dialog.choices[1:]:  # every candidate can be reached: the list scrolls
            await pilot.press("j")
        assert options.highlighted == options.option_count - 1
        assert options.scroll_offset.y > 0


QUELLIN = Path(__file__).parents[1] / "data" / "quellin"  # four outlets on one invented story


async def test_a_passage_the_aligner_left_alone_is_not_said_to_be_stated_by_no_other_pane(make_app, tmp_path):
    """The panel must not tell a fact-checker that the other outlet does not state a passage the aligner left
    alone: c may rank a counterpart. (The $4.2 million fine this test first used is now drawn with the $4.5
    million one, its figures flagged as differing.)"""
    outlets = tmp_path / "outlets"
    shutil.copytree(QUELLIN, outlets, ignore=shutil.ignore_patterns("*.md"))
    app = make_app(paths=[outlets])
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == 4)
        ids = {source.name: source.id for source in app.sources_screen.sources}
        app.open_compare([ids["a_harbour_gazette.txt"], ids["b_coastal_times.txt"]])
        await wait_settled(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.alignment is not None)
        screen = app.screen
        await cursor_on(pilot, screen, 0, "has been fined $4.2 million")
        panel = screen.query_one("#compare-differences").render().plain
        assert "differs: $4.2 million | $4.5 million" in panel and "[suggested" in panel
        await move_to_unaligned(pilot, screen)
        panel = screen.query_one("#compare-differences").render().plain
        assert "no other pane states this" not in panel
        assert "unique: no counterpart found (c ranks the candidates)" in panel.split("\n", 1)[1]


async def test_the_link_dialog_adds_an_ellipsis_only_to_a_quote_it_cuts(make_app):
    short = Annotation("a1", 2, 0, 18, "Bubeck joins OpenAI")
    words = "Sebastien Bubeck, a vice president of generative AI research, is leaving Microsoft"
    long = Annotation("a2", 3, 0, len(words), words)
    async with make_app().run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        pilot.app.push_screen(LinkChoice("x" * 250, [("2 Short", short), ("3 Long", long)]))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LinkChoice))
        options = pilot.app.screen.query_one(OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert all(p.endswith(": Bubeck joins OpenAI") for p in prompts if "2 Short" in p)
        assert all(p.endswith(f"{long.quote[:59]}{ELLIPSIS}") for p in prompts if "3 Long" in p)
        quote = str(pilot.app.screen.query_one("#dialog-quote").render())
        assert quote.endswith(ELLIPSIS) and len(quote) == 200


async def test_the_claims_matrix_of_three_sources_fits_80_columns(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        ids = {source.name[:3]: source.id for source in pilot.app.sources_screen.sources}
        link_claim(pilot.app.session.store, ids)
        pilot.app.open_compare([ids["000"], ids["001"], ids["002"]])
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen))
        screen = await open_matrix(pilot)
        table = screen.query_one(DataTable)
        assert table.max_scroll_x == 0, "the third source's column is off screen"
        assert (cell(screen, 0, 1), cell(screen, 0, 3)) == ("present", "absent")


async def test_a_key_typed_just_after_q_does_not_crash_the_quitting_app(make_app):
    """q then m, typed fast in the comparison, showed a traceback (the matrix mounted while the app closed)."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_compare(pilot, "000", "001")
        for key in "qm":  # both in the queue at once, as a terminal delivers keys typed fast
            app.post_message(events.Key(key, key))
        await wait_for(pilot, lambda: app.quitting)
    assert app.return_code == 0


def search_hit(title: str) -> dict:
    return {
        "source_title": title,
        "source_path": "/x/a.txt",
        "source_id": 1,
        "position_start": 0,
        "snippet": "the \x02fine\x03 of $4.2 million",
    }


async def open_search_hits(pilot, title: str) -> SearchHits:
    await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
    pilot.app.push_screen(SearchHits("fine", [search_hit(title)]))
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SearchHits))
    return pilot.app.screen


async def test_one_search_hit_is_one_hit(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        hits = await open_search_hits(pilot, "Quellin Post")
        assert str(hits.query_one("#dialog-title").render()).startswith("1 hit for 'fine'")


async def test_a_search_hits_long_source_title_is_cut_with_an_ellipsis(make_app):
    title = "Tribunal hits port with record fine; fishers say it is not enough"
    async with make_app().run_test(size=(160, 48)) as pilot:
        hits = await open_search_hits(pilot, title)
        prompt = str(hits.query_one(OptionList).get_option_at_index(0).prompt)
        assert prompt.startswith(fit_cells(title, 40) + "  the fine")


async def test_at_80x24_the_differences_panel_keeps_each_pairs_status_on_screen(make_app, tmp_path):
    """Four panes at 80x24: the Wire's line ran past the panel's last row, '[suggested 0.99]' and all, so a
    suggestion read as a bare difference. Crowded lines are cut with an ellipsis before their status."""
    outlets = tmp_path / "outlets"
    shutil.copytree(QUELLIN, outlets, ignore=shutil.ignore_patterns("*.md"))
    app = make_app(paths=[outlets])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == 4)
        app.open_compare([source.id for source in sorted(app.sources_screen.sources, key=lambda s: s.name)])
        await wait_settled(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.alignment is not None)
        screen = app.screen
        await cursor_on(pilot, screen, 0, "About 1,200 fishers lost income")
        panel = screen.query_one("#compare-differences")
        await wait_for(pilot, lambda: "Coastal" in panel.render().plain)
        rows = [panel.render_line(y).text for y in range(panel.size.height)]
        shown = "\n".join(rows)
        # The Coastal Times and the Wire; the Quellin Post's 1,500 fishers too, its figure flagged as differing
        # (pairs whose figures changed are no longer left out).
        assert shown.count("[suggested") == 3, shown
        assert "differs: 1,200 | 1,500" in shown
        assert any(row.rstrip().endswith("]") and ELLIPSIS in row for row in rows), shown
