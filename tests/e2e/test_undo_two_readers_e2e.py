"""Two readers on one database in real terminals (tmux, 160x48 and 80x24): `u` in each takes back only
that reader's own annotation and says what it undid (issue 9, defect 2). The database is checked after
each step."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import Tmux

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)"),
]

READER = Path(sys.executable).with_name("reader")


def reader_env(tmp_path: Path, author: str) -> dict[str, str]:
    return {"TERM": "xterm-256color", "HOME": str(tmp_path), "READER_AUTHOR": author, "TEXTUAL_ANIMATIONS": "none"}


def start(tmux: Tmux, size: tuple[int, int], command: str, env: dict[str, str]) -> None:
    """Like Tmux.start, at another size."""
    exports = " ".join(f"{key}={value}" for key, value in env.items())
    tmux.run("new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), "-s", tmux.name,
             f"env {exports} {command}; echo READER-EXITED-$?; sleep 30")


def stored(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT author, tags FROM annotations_view ORDER BY start").fetchall()


def test_u_in_each_reader_undoes_only_its_own_annotation(tmp_path, corpus_dir):
    db = tmp_path / "shared.db"
    wide, narrow = Tmux(tmp_path), Tmux(tmp_path)  # one tmux server, two sessions
    try:
        command = f"{READER} --db {db} --corpus {corpus_dir}"
        start(wide, (160, 48), command, reader_env(tmp_path, "carol"))
        wide.wait_for("Converge360")
        start(narrow, (80, 24), command, reader_env(tmp_path, "dave"))
        narrow.wait_for("Converge360")
        for reader, width in ((wide, "160"), (narrow, "80")):
            assert reader.run("display-message", "-p", "-t", reader.name, "#{window_width}").strip() == width
        for reader in (wide, narrow):
            reader.keys("j", "Enter")                   # both open the second source
            reader.wait_for("1 ■ claim")
        wide.keys("j", "1")                             # carol tags sentence 2 as a claim
        wide.wait_for("Annotations 1")
        narrow.wait_for("Annotations 1")                # dave's reader shows it
        narrow.keys("j", "j", "j", "2")                 # dave tags sentence 4 as a quote
        narrow.wait_for("Annotations 2")
        wide.wait_for("Annotations 2")
        assert stored(db) == [("carol", "claim"), ("dave", "quote")]

        wide.keys("u")                                  # carol's u: her claim, not dave's later quote
        screen = wide.wait_for("undid adding an annotation")
        assert "[claim]" in screen
        wide.wait_for("Annotations 1")
        assert stored(db) == [("dave", "quote")]
        wide.keys("u")
        wide.wait_for("nothing to undo in this session")
        assert stored(db) == [("dave", "quote")]

        narrow.wait_for("Annotations 1")
        narrow.keys("u")                                # dave's u: his quote
        narrow.wait_for("undid adding an")
        narrow.wait_for("Annotations 0")
        assert stored(db) == []
        wide.keys("C-r")                                 # carol redoes her own claim
        wide.wait_for("redid adding an annotation")
        assert stored(db) == [("carol", "claim")]
        for reader in (wide, narrow):
            reader.keys("q")
            reader.wait_for("READER-EXITED-0")
    finally:
        wide.close()
