"""Defects a fact-checker met comparing coverage (branch qa-compare2): x in the counterparts list keeps the list
open (a second x never deletes the annotation under the cursor), a confirmed pair keeps the other sources'
suggestions for the same claim, the backend that ranked is named, pairs whose figures differ are shown."""

from __future__ import annotations

from pilot_helpers import wait_settled
from test_compare import open_compare
from test_compare_suggest import counterparts, cursor_on
from textual.widgets import OptionList

from reader.store.decisions import decisions
from reader.tui.screens.counterparts import CounterpartChoice


async def test_x_keeps_the_counterparts_open_so_a_second_x_never_deletes_the_annotation_under_the_cursor(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        store = pilot.app.session.store
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        start, end = screen.panes[0].view.cursor
        mine = store.add_annotation(screen.panes[0].source.id, start, end, tags=["claim"])
        screen.reload()
        await wait_settled(pilot, lambda: screen.panes[0].annotations)
        dialog = await counterparts(pilot, screen)
        first, second = dialog.choices[0][1], dialog.choices[1][1]
        await pilot.press("x")
        await wait_settled(pilot, lambda: len(decisions(store)) == 1)
        assert pilot.app.screen is dialog, "x closed the list: the next x deletes the annotation under the cursor"
        options = dialog.query_one(OptionList)
        highlighted = options.get_option_at_index(options.highlighted)
        assert highlighted.id == "1"  # the next candidate
        assert "rejected" in str(options.get_option_at_index(0).prompt)
        await pilot.press("x")
        await wait_settled(pilot, lambda: len(decisions(store)) == 2)
        assert [a.id for a in store.annotations()] == [mine.id]
        rejected = {(d.b[1], d.b[2]) for d in decisions(store)}
        assert rejected == {(first.start, first.end), (second.start, second.end)}
        await pilot.press("escape")
        await wait_settled(pilot, lambda: pilot.app.screen is screen)
        assert not isinstance(pilot.app.screen, CounterpartChoice)
