"""A real terminal (tmux) shows hostile sources as text: the window title stays, the screen shows placeholders.

Only a terminal reveals an escape sequence that leaked: tmux takes the pane title from OSC 0/2, so a
leak shows in `#{pane_title}`; a control case prints the raw bytes to prove the check can fail.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import hostile_sources
import pytest
from conftest import READER, REPO

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not shutil.which("tmux"), reason="tmux is not installed")]

KNOWN_TITLE = "reader-safety-check"


class Pane:
    """One tmux pane on a private server socket, running bash."""

    def __init__(self, folder: Path) -> None:
        self.socket = f"reader-test-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "50", "-c", str(REPO),
                  "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME=" + shlex.quote(str(folder)) + " bash --norc --noprofile")
        self.tmux("set-option", "-g", "allow-rename", "on")
        self.tmux("set-option", "-g", "set-titles", "on")
        self.tmux("select-pane", "-T", KNOWN_TITLE)

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout

    def run(self, command: str, timeout: float = 30.0) -> None:
        """Type a command, wait until it has finished (a marker file appears)."""
        marker = Path(f"/tmp/{self.socket}.{uuid.uuid4().hex[:6]}.done")
        self.tmux("send-keys", "-t", "t", f"clear; {command}; touch {marker}", "Enter")
        deadline = time.monotonic() + timeout
        while not marker.exists():
            assert time.monotonic() < deadline, f"command did not finish within {timeout} s: {command}"
            time.sleep(0.1)
        marker.unlink()
        time.sleep(0.3)  # let tmux process the last output

    def title(self) -> str:
        return self.tmux("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "t", "-S", "-200")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def pane(tmp_path: Path):
    opened = Pane(tmp_path)
    yield opened
    opened.close()


def test_control_raw_escape_bytes_do_change_the_title(pane: Pane, tmp_path: Path):
    """Without the reader in between, the same bytes retitle the pane: the check below can fail."""
    raw = tmp_path / "raw.txt"
    raw.write_text(hostile_sources.ESCAPE_SOURCE_TEXT)
    assert pane.title() == KNOWN_TITLE
    pane.run(f"cat {raw}")
    assert hostile_sources.TITLE_MARKER in pane.title()


def test_reader_show_of_a_hostile_source_leaves_title_and_screen_alone(pane: Pane, hostile_dir: Path, tmp_path: Path):
    db = tmp_path / "tmux.db"
    base = f"{READER} --db {db} --corpus {hostile_dir}"
    for command in (f"{base} show escapes.txt", f"{base} show c1_title.txt", f"{base} show bidi.txt",
                    f"{base} sources", f"{base} search title", f"{base} sources --json"):
        pane.run(command)
        assert pane.title() == KNOWN_TITLE, f"{command} changed the pane title"
        screen = pane.screen()
        assert "Traceback" not in screen
        if "escapes.txt" in command:
            assert f"\u241b]0;{hostile_sources.TITLE_MARKER}\u2407" in screen, "ESC and BEL shown as ␛ and ␇"
            assert "Cursor \u241b[2J\u241b[H" in screen, "the screen was not cleared: the text is still there"
            assert "Escape test headline" in screen
        if "bidi.txt" in command:
            assert "\u25cc0001$\u25cc" in screen, "bidi overrides shown as placeholders, text in file order"


# --- the TUI ----------------------------------------------------------------------------------------

class TuiPane(Pane):
    """A pane whose process is the reader's TUI itself (so its pid is the pane's pid)."""

    def __init__(self, folder: Path, command: str) -> None:
        self.socket = f"reader-tui-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "45", "-c", str(REPO),
                  f"exec env TERM=xterm-256color HOME={shlex.quote(str(folder))} {command}")
        self.tmux("set-option", "-g", "remain-on-exit", "on")
        self.tmux("select-pane", "-T", KNOWN_TITLE)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            assert time.monotonic() < deadline, f"{text!r} never appeared:\n{screen}"
            time.sleep(0.2)

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", "t", "#{pane_pid}").strip())


def test_tui_shows_hostile_sources_without_obeying_them(hostile_dir: Path, tmp_path: Path):
    db = tmp_path / "tui.db"
    library = TuiPane(tmp_path, f"{READER} --db {db} --corpus {hostile_dir}")
    try:
        screen = library.wait_for("Escape test headline")
        assert library.title() == KNOWN_TITLE
        assert "Traceback" not in screen
        library.tmux("send-keys", "-t", "t", "q")
    finally:
        library.close()
    for name, expected in (("escapes.txt", f"\u241b]0;{hostile_sources.TITLE_MARKER}\u2407"),
                           ("markup.txt", "[@click=app.quit]click to"),
                           ("bidi.txt", "\u25cc0001$\u25cc")):
        reading = TuiPane(tmp_path, f"{READER} --db {db} open {hostile_dir / name}")
        try:
            screen = reading.wait_for(expected)
            assert reading.title() == KNOWN_TITLE, f"viewing {name} changed the pane title"
            assert "Traceback" not in screen
        finally:
            reading.close()


def test_tui_killed_after_tagging_keeps_every_tag_it_showed(tmp_path: Path, corpus_dir: Path):
    import sqlite3

    db = tmp_path / "tui_crash.db"
    source = next(corpus_dir.glob("001_*.txt"))
    shown = 0
    for trial, presses in enumerate((1, 3, 2)):
        pane = TuiPane(tmp_path, f"{READER} --db {db} open {source}")
        try:
            pane.wait_for("Annotations")
            for _ in range(trial * 4):  # move past the sentences tagged in earlier trials
                pane.tmux("send-keys", "-t", "t", "j")
            for _ in range(presses):
                pane.tmux("send-keys", "-t", "t", "j")
                pane.tmux("send-keys", "-t", "t", "1")
                shown += 1
                pane.wait_for(f"Annotations {shown}")  # on screen: the user was told it is saved
            subprocess.run(["kill", "-9", str(pane.pid())], check=True)
        finally:
            pane.close()
        conn = sqlite3.connect(str(db))
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute("SELECT a.id, group_concat(t.name) FROM annotations a LEFT JOIN annotation_tags x "
                            "ON x.annotation_id = a.id LEFT JOIN tags t ON t.id = x.tag_id GROUP BY a.id").fetchall()
        conn.close()
        assert len(rows) == shown, f"trial {trial}: {len(rows)} stored, {shown} shown"
        assert all(tags == "claim" for _, tags in rows)
