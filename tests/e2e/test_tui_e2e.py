"""The real `reader` in a real terminal (tmux): keys in, screen out, then the database and a CSV export.

Only a real terminal shows an escape sequence leaking from a source, so the hostile-text check is here.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)"),
]

READER = Path(sys.executable).with_name("reader")


def reader_env(tmp_path: Path) -> dict[str, str]:
    return {"TERM": "xterm-256color", "HOME": str(tmp_path), "READER_AUTHOR": "e2e", "TEXTUAL_ANIMATIONS": "none"}


def test_open_tag_annotate_undo_quit_then_database_and_csv(tmux, tmp_path, corpus_dir):
    db = tmp_path / "e2e.db"
    tmux.start(f"{READER} --db {db} --corpus {corpus_dir}", reader_env(tmp_path))
    tmux.wait_for("Converge360")
    tmux.keys("j", "Enter")                       # the second source
    tmux.wait_for("One of Microsoft's Top AI Execs Leaves for OpenAI")
    tmux.wait_for("1 ■ claim")
    tmux.keys("j", "1")                           # tag sentence 2 as a claim
    tmux.wait_for("Annotations 1")
    tmux.keys("j", "j", "a")                      # annotate sentence 4 through the dialog
    tmux.wait_for("Tags (comma-separated")
    tmux.keys("quote", "Enter", "checked against the memo", "Enter")
    tmux.wait_for("Annotations 2")
    tmux.keys("j", "6")                           # a third one, then undo it
    tmux.wait_for("Annotations 3")
    tmux.keys("u")
    tmux.wait_for("Annotations 2")
    tmux.keys("q")
    tmux.wait_for("READER-EXITED-0")

    rows = sqlite3.connect(db).execute(
        "SELECT quote, tags, note FROM annotations_view ORDER BY start").fetchall()
    assert len(rows) == 2
    assert rows[0][1] == "claim" and rows[1][1] == "quote" and rows[1][2] == "checked against the memo"

    export = subprocess.run([str(READER), "--db", str(db), "--corpus", str(corpus_dir), "export", "--format", "csv"],
                            capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)})
    assert export.returncode == 0, export.stderr
    records = list(csv.DictReader(io.StringIO(export.stdout)))
    assert [r["tags"] for r in records] == ["claim", "quote"]
    assert records[1]["note"] == "checked against the memo"
    assert records[0]["quote"] == rows[0][0]


def test_escape_sequences_in_a_source_never_reach_the_terminal(tmux, tmp_path):
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("Safe heading for the hostile file\n\n"
                       "Before \x1b]0;PWNED\x07 middle \x1b[2J after [bold]literal[/bold] end.\n"
                       "Title again \x1b]2;PWNED2\x1b\\ and a bell \x07 done.\n")
    db = tmp_path / "hostile.db"
    tmux.start(f"{READER} --db {db} {hostile}", reader_env(tmp_path))
    screen = tmux.wait_for("Safe heading for the hostile file")
    screen = tmux.wait_for("[bold]literal[/bold]")
    assert "PWNED" in screen                      # shown as text ...
    assert "PWNED" not in tmux.title()            # ... never obeyed as a title change
    assert "Before" in screen and "after" in screen  # \x1b[2J did not clear the screen
    tmux.keys("q")
    tmux.wait_for("READER-EXITED-0")
