"""How the statistics screen looks at 160x48, on fixed data (dates set through SQL, 'today' pinned).

Update after an intended change with: .venv/bin/pytest tests/tui/test_stats_snapshots.py --snapshot-update
"""

from __future__ import annotations

from datetime import date

from reader.tui.screens.stats import StatsScreen

from pilot_helpers import wait_for
from test_stats import annotate_corpus


async def show_statistics(pilot) -> None:
    await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
    screen = StatsScreen(today=date(2024, 3, 10))
    await pilot.app.push_screen(screen)
    await wait_for(pilot, lambda: screen.loaded)


def test_statistics_screen(snap_compare, make_app, loaded_store, source_id):
    annotate_corpus(loaded_store, source_id)
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=show_statistics)


def test_statistics_screen_without_annotations(snap_compare, make_app, loaded_store):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=show_statistics)
