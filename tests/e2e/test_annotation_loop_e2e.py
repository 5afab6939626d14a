"""Issue 9's fact-checker loop in a real terminal, one key at a time, at 160x48 and 80x24: open 001,
search, select words mid-sentence, tag, note, edit and add a tag, undo, next annotation, export,
quit, restart; the database and the export are checked after each step."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)"),
]

READER = Path(sys.executable).with_name("reader")


def rows(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT quote, tags, note FROM annotations_view ORDER BY start, end").fetchall()


def wait_rows(db: Path, count: int, timeout: float = 15.0) -> list[tuple[str, str, str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = rows(db)
        if len(found) == count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} annotations, the database has {rows(db)}")


def export_csv(db: Path, corpus_dir: Path, home: Path) -> list[dict[str, str]]:
    done = subprocess.run([str(READER), "--db", str(db), "--corpus", str(corpus_dir), "export", "--format", "csv"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(home)})
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=["160x48", "80x24"])
def test_a_fact_checkers_loop_one_key_at_a_time(tmux, tmp_path, corpus_dir, size):
    db = tmp_path / "loop.db"
    env = {"TERM": "xterm-256color", "HOME": str(tmp_path), "READER_AUTHOR": "e2e", "TEXTUAL_ANIMATIONS": "none"}
    tmux.start(f"{READER} --db {db} --corpus {corpus_dir}", env, size=size)
    tmux.wait_for("5 sources")
    tmux.keys("j", "Enter")                                   # open 001
    tmux.wait_for("Top AI Execs")
    tmux.keys("/", *"Sebastien", "Enter")                     # accent-folded search
    tmux.wait_for("hit 1 of 1")
    tmux.keys("/", *"launched", "Enter", "v", "w", "w", "w")  # words mid-sentence
    tmux.wait_for("selecting 4 words")
    tmux.keys("1")
    assert wait_rows(db, 1) == [("launched this past spring", "claim", "")]

    tmux.keys("e")                                            # edit: typing appends a tag and a note
    tmux.wait_for("Edit annotation")
    tmux.keys(*", num", "Enter", "Enter", *"phi-3 date", "Enter")
    assert wait_rows(db, 1) == [("launched this past spring", "claim;number", "phi-3 date")]

    tmux.keys("g", "j", "a")                                  # a second one through the dialog
    tmux.wait_for("Tags (comma-separated")
    tmux.keys(*"quo", "Enter", "Enter", "Enter")
    found = wait_rows(db, 2)
    assert found[0][1] == "quote"

    tmux.keys("j", "6")                                       # a third, then undo it
    wait_rows(db, 3)
    tmux.keys("u")
    wait_rows(db, 2)

    tmux.keys("g", "]")                                       # next annotation: n of N
    tmux.wait_for("annotation 1 of 2")
    tmux.keys("]")
    tmux.wait_for("annotation 2 of 2")
    records = export_csv(db, corpus_dir, tmp_path)
    assert [r["tags"] for r in records] == ["quote", "claim;number"]
    assert records[1]["quote"] == "launched this past spring" and records[1]["note"] == "phi-3 date"

    tmux.keys("q")
    tmux.wait_for("READER-EXITED-0")
    assert len(rows(db)) == 2

    tmux.close()                                              # restart: back in 001, where we were
    tmux.start(f"{READER} --db {db} --corpus {corpus_dir}", env, size=size)
    tmux.wait_for("Top AI Execs")
    tmux.keys("x")                                            # the cursor came back to the claim
    tmux.wait_for("deleted the annotation")
    assert [r[1] for r in wait_rows(db, 1)] == ["quote"]
