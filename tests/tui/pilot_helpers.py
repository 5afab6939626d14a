"""Helpers for Pilot tests: wait for workers' messages, open the first source."""

from __future__ import annotations

import time
from collections.abc import Callable

from reader.tui.screens.reading import ReadingScreen
from reader.tui.widgets.document_view import DocumentView


async def wait_for(pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until condition() holds (workers post messages; the event loop must turn)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)
    await pilot.pause()


async def open_first_source(pilot) -> tuple[ReadingScreen, DocumentView]:
    """From the sources screen: wait for the list, press enter, wait for the reading screen."""
    app = pilot.app
    await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
    screen = app.screen
    await wait_for(pilot, lambda: screen.source_id is not None and screen.workers_idle())
    return screen, screen.query_one(DocumentView)
