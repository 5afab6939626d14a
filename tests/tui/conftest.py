"""Fixtures for the TUI tests: animations off, an app on a private corpus copy and database, and waiting.

Uses corpus_dir and db_path from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import textual.constants

# A Pilot page-down takes about a second with animations on; snapshots must not catch one mid-way.
textual.constants.TEXTUAL_ANIMATIONS = "none"

from reader.tui.app import ReaderApp  # noqa: E402  (after the animation switch, on purpose)


@pytest.fixture
def make_app(db_path: Path, corpus_dir: Path) -> Callable[..., ReaderApp]:
    """make_app(): a ReaderApp on the corpus copy and the test's database (call again to 'restart')."""
    def make(paths: list[Path] | None = None, open_single: bool = False, whole_library: bool = False,
             compare_given: bool = False) -> ReaderApp:
        return ReaderApp(db_path=db_path, paths=paths or [corpus_dir], open_single=open_single,
                         whole_library=whole_library, compare_given=compare_given)

    return make


@pytest.fixture(autouse=True)
def _quiet_author(monkeypatch):
    """Annotations are attributed to a fixed author, so nothing depends on who runs the tests."""
    monkeypatch.setenv("READER_AUTHOR", "tester")

