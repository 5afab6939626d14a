"""Settings in the TUI: theme, key remapping (help shows the new key), author, default tags, broken files."""

from __future__ import annotations

import os
from pathlib import Path

from reader.store import open_store
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.matrix import MatrixScreen
from reader.tui.screens.sources import SourcesScreen
from reader.tui.screens.stats import StatsScreen

from pilot_helpers import wait_settled, open_first_source, wait_for


def write_config(text: str) -> Path:
    path = Path(os.environ["READER_CONFIG"])  # tests/conftest.py points it at a private file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def notices(app) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


async def sources_ready(pilot) -> None:
    await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)


async def test_the_theme_from_the_settings_is_applied(make_app):
    write_config('theme = "textual-light"\n')
    async with make_app().run_test(size=(100, 30)) as pilot:
        await sources_ready(pilot)
        assert pilot.app.theme == "textual-light"
        assert pilot.app.current_theme.dark is False


async def test_an_unknown_theme_keeps_the_default_and_says_so(make_app):
    write_config('theme = "no-such-theme"\n')
    async with make_app().run_test(size=(100, 30)) as pilot:
        await sources_ready(pilot)
        assert pilot.app.theme == "textual-dark"
        assert any("unknown theme 'no-such-theme'" in notice for notice in notices(pilot.app))


async def test_a_remapped_key_works_and_the_old_one_no_longer_does(make_app):
    write_config('[keys]\n"sources.matrix" = "x"\n"app.stats" = "ctrl+t"\n')
    async with make_app().run_test(size=(100, 30)) as pilot:
        await sources_ready(pilot)
        app = pilot.app
        await pilot.press("m")  # no longer bound: nothing happens (filtering is its own mode, /)
        assert isinstance(app.screen, SourcesScreen) and app.screen.filter == ""
        await pilot.press("percent_sign")
        assert isinstance(app.screen, SourcesScreen) and app.screen.filter == ""
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, MatrixScreen))
        await pilot.press("escape", "ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))


async def test_help_lists_the_remapped_key(make_app):
    write_config('[keys]\n"app.stats" = "ctrl+t"\n')
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_first_source(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        rows = {description: keys for _, keys, description in pilot.app.screen.rows}
        assert rows["Statistics: tags, claims and activity"] == "^t"  # as Textual spells ctrl+t; not %


async def test_a_broken_settings_file_starts_with_defaults_and_a_notice(make_app):
    write_config('theme = "textual-light"\nauthor = [\n')  # not valid TOML
    async with make_app().run_test(size=(100, 30)) as pilot:
        await sources_ready(pilot)
        app = pilot.app
        assert app.theme == "textual-dark"
        assert any(notice.startswith("settings not used, defaults instead:") and "not valid TOML" in notice
                   for notice in notices(app))
        await pilot.press("percent_sign")  # the default keys work
        await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen))


async def test_an_invalid_setting_is_a_notice_shown_as_plain_text(make_app):
    write_config('unexpected = "[bold]\\u001b[31m"\n"keys" = {"sources.matrix" = "x"}\n')
    async with make_app().run_test(size=(100, 30)) as pilot:
        await sources_ready(pilot)
        [notice] = [n for n in pilot.app._notifications if "settings not used" in str(n.message)]
        assert "unknown setting 'unexpected'" in notice.message
        assert notice.markup is False and "\x1b" not in notice.message
        await pilot.press("m")  # the keymap of a rejected file is not half-applied
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MatrixScreen))


async def test_new_annotations_are_attributed_to_the_settings_author(make_app, db_path, monkeypatch):
    monkeypatch.delenv("READER_AUTHOR")  # READER_AUTHOR comes first (issue 12); without it, the settings decide
    write_config('author = "Ada Lovelace"\n')
    async with make_app().run_test(size=(100, 30)) as pilot:
        await open_first_source(pilot)
        await pilot.press("j", "1")  # tag the second sentence as a claim
        await wait_settled(pilot)
        writer = pilot.app.session.connect()
        try:
            assert writer.author == "Ada Lovelace"
        finally:
            writer.close()
    store = open_store(db_path)
    [annotation] = store.annotations()
    assert annotation.author == "Ada Lovelace" and annotation.tags == ["claim"]
    store.close()


async def test_a_new_database_starts_with_the_settings_tags(make_app, db_path):
    write_config('[[tags]]\nname = "rumour"\ncolour = "#aa00aa"\n\n[[tags]]\nname = "fact"\ncolour = "#00aa00"\n')
    async with make_app().run_test(size=(100, 30)) as pilot:
        await open_first_source(pilot)
        await pilot.press("j", "2")  # key 2 is the second tag of the settings
        await wait_settled(pilot)
    store = open_store(db_path)
    assert [(t.name, t.colour) for t in store.tags()] == [("rumour", "#aa00aa"), ("fact", "#00aa00")]
    assert [a.tags for a in store.annotations()] == [["fact"]]
    store.close()
