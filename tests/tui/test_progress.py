"""Progress on the sources screen while a big corpus loads: shown, advancing, throttled, and gone after."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import ProgressBar

import reader.tui.app as app_module
from reader.tui.screens.sources import SourcesScreen

from pilot_helpers import wait_for

FILES = 300


@pytest.fixture
def big_corpus(tmp_path: Path) -> Path:
    """A few hundred small generated articles (distinct text, so every one is stored)."""
    folder = tmp_path / "big"
    folder.mkdir()
    for number in range(FILES):
        (folder / f"article_{number:04d}.txt").write_text(
            f"Article number {number}\n\nThe council met on day {number} and voted {number % 7} to {number % 5}. "
            "Residents said the plan would change the town centre.\n", encoding="utf-8")
    return folder


async def test_loading_a_big_corpus_shows_progress_then_hides_it(make_app, big_corpus, monkeypatch):
    """300 files at ~3 ms each (slowed, so the load lasts about a second on any machine): the bar and a
    status line appear, advance a few times a second, and are gone once the list is filled."""
    import reader.library

    real_load = reader.library.load_document

    def slow_load(*args, **kwargs):
        time.sleep(0.003)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(reader.library, "load_document", slow_load)
    seen: list[tuple[int, int, bool, str, float]] = []
    original = SourcesScreen.show_progress

    def record(screen, done, total, name):
        original(screen, done, total, name)
        bar = screen.query_one("#sources-progress", ProgressBar)
        status = str(screen.query_one("#sources-status").render())
        seen.append((done, total, bar.display and bar.percentage is not None, status, time.monotonic()))

    monkeypatch.setattr(SourcesScreen, "show_progress", record)
    app = make_app(paths=[big_corpus])
    started = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == FILES, timeout=60)
        elapsed = time.monotonic() - started
        bar = app.sources_screen.query_one("#sources-progress", ProgressBar)
        assert not bar.display
        assert "loading sources" not in str(app.sources_screen.query_one("#sources-status").render())
    assert len(seen) >= 2, f"progress shown {len(seen)} times in {elapsed:.2f} s"
    assert all(total == FILES and visible for _, total, visible, _, _ in seen)
    assert all(status.startswith(f"loading sources: {done:,} of {FILES} files") for done, _, _, status, _ in seen)
    assert [done for done, *_ in seen] == sorted(done for done, *_ in seen)  # it only moves forward
    assert seen[0][4] - started >= app_module.PROGRESS_DELAY  # nothing in the first moments
    assert len(seen) <= elapsed / app_module.PROGRESS_INTERVAL + 1  # throttled: about ten a second at most


def test_the_progress_callback_posts_at_most_ten_a_second_and_not_at_first(make_app, monkeypatch):
    app = make_app()
    posted = []
    monkeypatch.setattr(app, "post_message", posted.append)
    progress = app._progress_poster()
    for done in range(1000):  # a cached sync reports thousands of files in a blink
        progress(done, 1000, "a.txt")
    assert posted == []  # within PROGRESS_DELAY: a quick load shows no progress at all
    monkeypatch.setattr(app_module, "PROGRESS_DELAY", 0.0)
    progress = app._progress_poster()
    started = time.monotonic()
    for done in range(1000):
        progress(done, 1000, "a.txt")
    elapsed = time.monotonic() - started
    assert 1 <= len(posted) <= elapsed / app_module.PROGRESS_INTERVAL + 1
    assert posted[0].done == 0 and posted[0].total == 1000
