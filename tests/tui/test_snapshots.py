"""How the main screens look, at 80x24 and 160x48 (pytest-textual-snapshot; SVGs in __snapshots__/).

Update after an intended change with: .venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update
Nothing time- or user-dependent is on these screens (no paths, dates or author names); annotation ids,
which the annotations panel shows, are numbered instead of random.
"""

from __future__ import annotations

import itertools
import types
import uuid

import pytest

from reader.tui.screens.reading import ReadingScreen
from reader.tui.widgets.annotate_dialog import AnnotateDialog

from pilot_helpers import wait_settled, open_first_source, wait_for

@pytest.fixture(autouse=True)
def numbered_annotation_ids(monkeypatch):
    """Annotation ids 00000001…, 00000002…, … in the order annotations are made: the panel shows them."""
    numbers = itertools.count(1)
    numbered = types.SimpleNamespace(uuid4=lambda: uuid.UUID(f"{next(numbers):08x}" + "0" * 24))
    monkeypatch.setattr("reader.store.annotations.uuid", numbered)


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


async def sources_ready(pilot) -> None:
    await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)


async def reading_with_annotations(pilot) -> None:
    """Open the first source; tag a sentence, an overlapping selection, and search for a word."""
    screen, view = await open_first_source(pilot)
    await pilot.press("j", "1")                 # a claim on sentence 2
    await wait_settled(pilot)
    await pilot.press("v", "w", "w", "w", "2")  # a quote over its first four words: an overlap
    await wait_settled(pilot)
    await pilot.press("j", "j", "6")            # an error further on
    await wait_settled(pilot)
    await pilot.press("slash", *"Microsoft", "enter")
    await wait_settled(pilot)
    view.focus()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_sources_screen(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=sources_ready)


@pytest.mark.parametrize("size", SIZES)
def test_reading_screen(snap_compare, make_app, size):
    assert snap_compare(make_app(), terminal_size=size, run_before=reading_with_annotations)


def test_reading_screen_with_a_selection(snap_compare, make_app):
    async def select(pilot) -> None:
        await open_first_source(pilot)
        await pilot.press("j", "j", "v", "w", "w", "j")

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=select)


def test_help_screen(snap_compare, make_app):
    async def show_help(pilot) -> None:
        await open_first_source(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=show_help)


def test_annotate_dialog(snap_compare, make_app):
    async def annotate(pilot) -> None:
        await open_first_source(pilot)
        await pilot.press("j", "a")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        await pilot.press(*"cl")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=annotate)


def test_hostile_source_is_shown_as_text(snap_compare, make_app, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("Hostile [bold]title[/bold] [@click=app.quit]click[/]\n\n"
                       "Escape \x1b]0;PWNED\x07 and \x1b[2J clear; bidi \u202egnp.exe\u202c; zero\u200bwidth.\n")

    async def opened(pilot) -> None:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen)
                       and pilot.app.screen.source_id is not None)
        await pilot.pause()

    assert snap_compare(make_app(paths=[hostile], open_single=True), terminal_size=(80, 24), run_before=opened)
