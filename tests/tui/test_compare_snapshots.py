"""How the comparison and the claims matrix look at 160x48 (pytest-textual-snapshot; SVGs in __snapshots__/).

Update after an intended change (to these screens or to reader.align's output) with:
    .venv/bin/pytest tests/tui/test_compare_snapshots.py --snapshot-update
Nothing time- or user-dependent is on these screens; notices are cleared before the picture is taken.
"""

from __future__ import annotations

import itertools
import types
import uuid

import pytest

import reader.store.annotations
import reader.store.connection
import reader.store.events
import reader.store.links
from reader.tui.screens.matrix import MatrixScreen

from pilot_helpers import wait_settled, wait_for
from test_compare import move_to_counterpart, open_compare

SIZE = (160, 48)


@pytest.fixture(autouse=True)
def predictable_ids(monkeypatch):
    """Annotation ids are random, and the matrix shows the selected claim's id (the id `reader verdict`
    takes): number them in order so the pictures are the same on every run."""
    counter = itertools.count(1)
    numbered = types.SimpleNamespace(uuid4=lambda: uuid.UUID(int=next(counter)))
    for module in (reader.store.connection, reader.store.events, reader.store.annotations, reader.store.links):
        monkeypatch.setattr(module, "uuid", numbered)


async def settle(pilot, screen) -> None:
    await wait_settled(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


async def link_one_then_find_the_next(pilot, screen) -> None:
    """Link the first aligned passage of pane 0 with `L`, then put the cursor on the next aligned one."""
    await move_to_counterpart(pilot, screen)
    await pilot.press("L")
    await wait_for(pilot, lambda: screen.panes[1].linked)
    await pilot.press("j")
    await move_to_counterpart(pilot, screen)


def test_two_pane_comparison(snap_compare, make_app):
    """000 beside 001: the cursor on an aligned passage, its counterpart highlighted, one claim linked."""
    async def run_before(pilot) -> None:
        screen = await open_compare(pilot, "000", "001")
        await link_one_then_find_the_next(pilot, screen)
        await settle(pilot, screen)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_three_pane_comparison(snap_compare, make_app):
    """001, 002 and 004 (which repeats paragraphs): sync follows the middle pane."""
    async def run_before(pilot) -> None:
        screen = await open_compare(pilot, "001", "002", "004")
        await pilot.press("tab")
        await move_to_counterpart(pilot, screen, pane=1, other=2)
        await settle(pilot, screen)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_claims_matrix(snap_compare, make_app):
    """Two claims accepted from the alignment of 000 and 001, seen over three sources; 002 marked silent on one."""
    async def run_before(pilot) -> None:
        screen = await open_compare(pilot, "000", "001")
        await link_one_then_find_the_next(pilot, screen)
        await pilot.press("L")
        await wait_settled(pilot)
        await settle(pilot, screen)
        ids = {source.name[:3]: source.id for source in pilot.app.sources_screen.sources}
        pilot.app.open_matrix([ids["000"], ids["001"], ids["002"]])
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MatrixScreen) and pilot.app.screen.loaded)
        matrix = pilot.app.screen
        row, column = next((row, column) for row, claim in enumerate(matrix.claims)
                           for column, source in enumerate(matrix.sources, 1)
                           if claim.cells[source.id].status == "absent")
        matrix.query_one("#matrix-table").move_cursor(row=row, column=column, animate=False)
        await pilot.press("z")
        await wait_settled(pilot, lambda: any(c.status == "silent" for c in matrix.claims[row].cells.values()))
        await settle(pilot, matrix)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
