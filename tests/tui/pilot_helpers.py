"""Helpers for Pilot tests: wait for workers' messages, open the first source."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.worker import WorkerError

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


async def wait_settled(pilot, condition: Callable[[], bool] = lambda: True, timeout: float = 10.0) -> None:
    """Let the app run until no worker runs (reads, and the changes it submitted: Textual's
    app.workers.wait_for_complete), the messages they posted are handled, and condition() holds."""
    app = pilot.app
    deadline = time.monotonic() + timeout
    while True:
        try:
            await asyncio.wait_for(app.workers.wait_for_complete(), max(0.1, deadline - time.monotonic()))
        except WorkerError:
            pass  # a worker cancelled (superseded by a newer one of its group): the newer one counts
        except TimeoutError:
            running = [worker.name for worker in app.workers if not worker.is_finished]
            raise AssertionError(f"timed out waiting for the app's workers: {running}") from None
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers) and condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app to settle")
        await pilot.pause(0.02)


async def open_first_source(pilot) -> tuple[ReadingScreen, DocumentView]:
    """From the sources screen: wait for the list, press enter, wait for the reading screen."""
    app = pilot.app
    await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ReadingScreen))
    screen = app.screen
    await wait_settled(pilot, lambda: screen.source_id is not None)
    return screen, screen.query_one(DocumentView)
