"""Defects a journalist comparing coverage met in the comparison screen (branch qa-compare): long source
titles cut with an ellipsis, the counterparts dialog fitting a small terminal."""

from __future__ import annotations

from pilot_helpers import wait_for
from test_compare import move_to_counterpart, open_compare
from test_compare_suggest import counterparts, cursor_on

from reader.presentation import ELLIPSIS


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
