"""The smaller defects of issue 9 (item 16) in the TUI: an empty folder's matrix and statistics agree
with its `0 sources`; unknown binding ids in the settings are named in a notice."""

from __future__ import annotations

import os
from pathlib import Path

from reader.library import sync_sources
from reader.store import open_store
from reader.tui.screens.matrix import MatrixScreen
from reader.tui.screens.stats import StatsScreen

from pilot_helpers import wait_for


async def test_an_empty_folders_matrix_and_statistics_count_no_sources(make_app, db_path, corpus_dir, tmp_path):
    store = open_store(db_path)
    sync_sources(store, [corpus_dir])  # the database holds other sources, not in play here
    store.add_annotation(store.sources()[0].id, 0, 5, tags=["claim"])
    store.close()
    empty = tmp_path / "empty"
    empty.mkdir()
    async with make_app(paths=[empty]).run_test(size=(120, 30)) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: app._restored)
        assert app.sources_screen.sources == []
        await pilot.press("percent_sign")
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen) and app.screen.loaded)
        statistics = app.screen.statistics
        assert statistics.sources == [] and statistics.annotations == 0 and statistics.claims == 0
        await pilot.press("escape", "m")
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen) and app.screen.loaded)
        assert app.screen.sources == []


async def test_unknown_binding_ids_in_the_settings_are_named(make_app):
    path = Path(os.environ["READER_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keys]\n"sources.matrix" = "x"\n"reading.anotate" = "A"\n"nowhere.at_all" = "z"\n')
    async with make_app().run_test(size=(120, 30)) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: any("unknown binding" in str(n.message) for n in app._notifications))
        [said] = [str(n.message) for n in app._notifications if "unknown binding" in str(n.message)]
        assert "reading.anotate" in said and "nowhere.at_all" in said and "sources.matrix" not in said
