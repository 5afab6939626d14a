"""`u` in the TUI takes back this session's own changes, never another reader's (issue 9, defect 2)."""

from __future__ import annotations

from reader.store import open_store
from pilot_helpers import wait_settled, open_first_source, wait_for


async def test_u_undoes_this_sessions_change_not_another_readers_later_one(make_app, db_path):
    async with make_app().run_test(size=(100, 30)) as pilot:
        screen, view = await open_first_source(pilot)
        await pilot.press("j", "1")
        await wait_settled(pilot)
        [mine] = screen.annotations
        other = open_store(db_path, author="someone else")
        try:
            theirs = other.add_annotation(screen.source_id, 0, 5, tags=["quote"])
        finally:
            other.close()
        await wait_for(pilot, lambda: len(screen.annotations) == 2)  # the poll shows the other reader's work
        pilot.app.clear_notifications()
        await pilot.press("u")
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
        assert [a.id for a in open_store(db_path).annotations()] == [theirs.id]
        said = [str(n.message) for n in pilot.app._notifications]
        assert any("undid adding an annotation" in m and mine.quote[:20] in m and "[claim]" in m for m in said), said
        pilot.app.clear_notifications()
        await pilot.press("u")  # the session has nothing more of its own to undo
        await wait_for(pilot, lambda: pilot.app._notifications)
        assert any("nothing to undo in this session" in str(n.message) for n in pilot.app._notifications)
        assert [a.id for a in open_store(db_path).annotations()] == [theirs.id]
