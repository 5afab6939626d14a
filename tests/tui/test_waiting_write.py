"""Issue 14.12: a tag pressed while another program (a long import) holds the write lock is not lost:
the TUI says it is waiting, keeps the event loop free, and saves the annotation when the lock is free."""

from __future__ import annotations

import sqlite3

from reader.store import open_store

from pilot_helpers import open_first_source, wait_for


def notices(app) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def test_a_tag_pressed_during_another_programs_write_waits_says_so_and_is_saved(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        holder = sqlite3.connect(db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # what a long import holds
        try:
            await pilot.press("j", "1")
            cursor = view.cursor
            await wait_for(pilot, lambda: any("another program is writing" in n for n in notices(pilot.app)))
            assert screen.is_running  # the event loop kept turning
        finally:
            holder.execute("COMMIT")
            holder.close()
        await wait_for(pilot, lambda: any("saved the change" in n for n in notices(pilot.app)), timeout=30)
        await wait_for(pilot, lambda: any(a.start == cursor[0] for a in screen.active_annotations()))
    store = open_store(db_path)
    [annotation] = store.annotations()
    store.close()
    assert (annotation.start, annotation.end, annotation.tags) == (cursor[0], cursor[1], ["claim"])
