"""Defects a fact-checker met comparing three outlets' coverage of one invented story (branch qa-compare):
the pane headers and the differences panel follow a resized terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pilot_helpers import wait_for, wait_settled
from rich.cells import cell_len
from rich.text import Text
from test_compare import open_compare
from test_compare_suggest import counterparts, cursor_on

from reader.align.suggest import Candidate, Evidence
from reader.store.decisions import decisions
from reader.tui.screens.counterparts import candidate_prompt, list_room


def _rendered_lines(widget) -> list[str]:
    return str(widget.render()).split("\n")


async def test_pane_headers_and_differences_follow_a_resized_terminal(make_app):
    """At 160x48 then 80x24 (tmux resize-window), each header's title wrapped onto the line of its counts
    ("14 aligned · 1 unique" was pushed out of sight), and the panel kept lines cut for the old width."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001", "002")
        for _ in range(6):
            await pilot.press("j")
        await wait_settled(pilot)
        await pilot.resize_terminal(80, 24)
        await wait_settled(pilot, lambda: screen.size.width == 80)
        headers = [screen.query_one(f"#pane-header-{index}") for index in range(3)]
        await wait_for(pilot, lambda: all(header.content_size.width < 30 for header in headers))
        for header in headers:
            lines = _rendered_lines(header)
            assert len(lines) == 2 and "aligned" in lines[1]
            assert all(cell_len(line) <= header.content_size.width for line in lines), (lines, header.content_size)
        await pilot.resize_terminal(160, 48)
        await wait_settled(pilot, lambda: screen.size.width == 160)
        panel = screen.query_one("#compare-differences")
        shown = _rendered_lines(panel)
        screen.show_differences()  # what the panel says when drawn at this size
        assert shown == _rendered_lines(panel)


def test_already_confirmed_for_another_passage_is_not_cut_off_at_80_columns():
    """At 80x24, "words: injured, workers; already confirmed for another…": the warning, why the candidate
    ranks lower, came last on the evidence line and was cut with the line."""
    evidence = Evidence(
        shared_names=("Brannock", "St"),
        shared_words=("hospital", "condition", "injured", "workers"),
        related_words=(("remain", "continues"),),
        confirmed_elsewhere=True,
    )
    candidate = Candidate(3, "c.txt", 224, 249, "Four workers were injured", 0.5, 0.15, evidence)
    prompt = candidate_prompt(5, "3 Selwick counts the cost of bridge crane disaster", candidate, list_room(80))
    assert "already confirmed for another passage" in prompt.plain


SELWICK = Path(__file__).parents[1] / "data" / "selwick"  # three outlets on one invented story


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_a_panel_too_short_for_every_counterpart_says_what_it_leaves_out(make_app, tmp_path, size):
    """A sentence making two claims, two other panes: the legend, two claim lines and four counterpart lines do
    not fit the panel's six rows, and the last ones (here "3 Selwick counts…: Four workers were injured", the one
    counterpart found) were left out without a word. At 80 columns the legend takes two rows."""
    folder = tmp_path / "selwick"
    shutil.copytree(SELWICK, folder, ignore=shutil.ignore_patterns("README.md"))
    async with make_app(paths=[folder]).run_test(size=size) as pilot:
        screen = await open_compare(pilot, "a_", "b_", "c_", sources=3)
        for _ in range(60):
            if len(screen.hits_under_cursor(0)) >= 2:
                break
            await pilot.press("j")
        hits = screen.hits_under_cursor(0)
        assert len(hits) >= 2, "the test needs a sentence that makes two claims"
        panel = screen.query_one("#compare-differences")
        await wait_for(pilot, lambda: panel.content_size.height > 0)
        width, height = panel.content_size
        rows = [row for line in _rendered_lines(panel) for row in Text(line).wrap(pilot.app.console, width)]
        assert len(rows) <= height, [str(row) for row in rows]
        legend_rows = 2 if size[0] == 80 else 1
        left_out = len(hits) * 3 - (height - legend_rows) + 1  # per claim its line and 2 panes; the last row says so
        assert f"{left_out} more lines" in str(rows[-1]), [str(row) for row in rows]


async def test_a_digit_the_list_cannot_confirm_says_why(make_app):
    """With two panes the list holds three candidates: 7 did nothing, and neither did 1 once the first was
    rejected (x), without a word."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        count = len(dialog.choices)
        await pilot.press(str(count + 1))
        await wait_for(pilot, lambda: any(f"no candidate {count + 1}" in n.message for n in pilot.app._notifications))
        await pilot.press("x")
        await wait_settled(pilot, lambda: bool(decisions(pilot.app.session.store)))
        await pilot.press("1")
        await wait_for(pilot, lambda: any("1 was rejected" in n.message for n in pilot.app._notifications))
        assert pilot.app.screen is dialog


async def test_five_files_named_list_them_and_say_the_comparison_takes_four(make_app, corpus_dir):
    """`reader open` with five files showed the sources list and no word of why nothing was compared."""
    files = sorted(corpus_dir.glob("*.txt"))
    assert len(files) == 5
    async with make_app(paths=files).run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        await wait_for(pilot, lambda: any("2 to 4" in str(n.message) for n in pilot.app._notifications))
