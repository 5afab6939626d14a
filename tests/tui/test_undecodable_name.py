"""Issue 14.3: a file whose name is not valid UTF-8 does not stop the TUI: the good files load and the
bad one is named (escaped) in a notice."""

from __future__ import annotations

import os

from pilot_helpers import wait_for


def notices(app) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def test_the_library_loads_beside_a_name_that_is_not_utf8(make_app, corpus_dir):
    with open(os.path.join(os.fsencode(corpus_dir), b"bad\xff\xfe.txt"), "wb") as handle:
        handle.write(b"A file whose name is not UTF-8.\n")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
        await wait_for(pilot, lambda: any("not valid UTF-8" in n for n in notices(app)))
        assert any("bad\\xff\\xfe.txt" in n for n in notices(app))
