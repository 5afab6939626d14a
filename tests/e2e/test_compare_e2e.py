"""The real `reader` in tmux: two sources side by side, a claim linked from the alignment, then the same
claim in the claims matrix, in `reader export --format csv` (links column) and in `--format matrix-csv`."""

from __future__ import annotations

import csv
import io
import os
import shutil
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
CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def differences_line(screen: str, label: str) -> str:
    """The panel's line for a counterpart pane, with the row it wraps onto."""
    lines = screen.splitlines()
    index = next((i for i, line in enumerate(lines) if line.lstrip().startswith(label)), None)
    return "" if index is None else " ".join(lines[index:index + 2])


def test_two_sources_side_by_side_link_a_claim_and_find_it_everywhere(tmux, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "e2e.db"
    env = {"TERM": "xterm-256color", "HOME": str(tmp_path), "READER_AUTHOR": "e2e", "TEXTUAL_ANIMATIONS": "none",
           "READER_CONFIG": str(tmp_path / "none.toml")}
    tmux.start(f"{READER} --db {db} --corpus {corpus}", env)
    tmux.wait_for("One of Microsoft's Top AI Execs")
    tmux.keys("Space", "j", "Space")
    tmux.wait_for("2 marked for comparison")
    tmux.keys("c")
    tmux.wait_for("Differences")
    tmux.wait_for("aligned ·", timeout=30)  # the alignment is on screen

    # Move down pane 1 until the differences panel shows a counterpart in pane 2.
    label = "2 One of Microsoft's Top AI Execs Leave…:"  # the pane's label, cut at 40 cells
    for _ in range(40):
        line = differences_line(tmux.screen(), label)
        if line and "no counterpart" not in line:
            break
        tmux.keys("j")
        time.sleep(0.1)
    else:
        raise AssertionError("no aligned passage reached:\n" + tmux.screen())
    assert "→" in line  # the words that differ

    tmux.keys("L")
    tmux.wait_for("linked 2 passages as one claim")
    tmux.wait_for("claim · linked")  # the status line of the active pane

    tmux.keys("m")
    screen = tmux.wait_for("Claims matrix")
    screen = tmux.wait_for("1 claim × 2 sources")
    assert "present" in screen
    # One key at a time, each once the screen it leads to is up: while the realignment after L holds the
    # CPU, the terminal's ESC and a q sent right after it reach the app together and read as alt+q.
    tmux.keys("Escape")
    tmux.wait_for("Differences")
    tmux.keys("Escape")
    tmux.wait_for("5 sources")
    tmux.keys("q")
    tmux.wait_for("READER-EXITED-0")

    def export(*args: str) -> list[dict[str, str]]:
        result = subprocess.run([str(READER), "--db", str(db), "--corpus", str(corpus), "export", *args],
                                capture_output=True, text=True, timeout=60,
                                env={"HOME": str(tmp_path), "READER_CONFIG": str(tmp_path / "none.toml"),
                                     "PATH": "/usr/bin:/bin",
                                     # the reader under test, as the TUI above (tmux passes PYTHONPATH on)
                                     **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"}})
        assert result.returncode == 0, result.stderr
        return list(csv.DictReader(io.StringIO(result.stdout)))

    annotations = export("--format", "csv")
    assert len(annotations) == 2
    assert all(row["tags"] == "claim" for row in annotations)
    first, second = annotations
    assert second["annotation_id"] in first["links"] or first["annotation_id"] in second["links"]
    assert all(row["links"] for row in annotations)

    matrix = export("--format", "matrix-csv")
    assert len(matrix) == 1
    titles = ["Microsoft s GenAI VP Sebastien Bubeck Joins OpenAI", "One of Microsoft's Top AI Execs Leaves for OpenAI"]
    assert matrix[0][titles[0]] == "present"
    assert matrix[0][titles[1]] in ("present",) or matrix[0][titles[1]].startswith("differs")
    assert matrix[0]["claim"] in {" ".join(row["quote"].split()) for row in annotations}
    assert matrix[0]["verdict"] == matrix[0]["verdict_note"] == ""  # no verdict reached yet
    sources = [title for title in matrix[0] if title not in ("claim_id", "claim", "verdict", "verdict_note")]
    assert all(matrix[0][title] == "absent" for title in sources if title not in titles)
