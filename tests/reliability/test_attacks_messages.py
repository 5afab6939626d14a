"""Issue 14, escapes and markup: file names and library error texts in `reader add` messages, and file
names that are not valid UTF-8, reach the terminal only as display-safe text on one line."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import READER, REPO, assert_terminal_safe

from reader.cli import cli
from reader.library import BUNDLED_CORPUS

MARKUP_NAME = "z[link=https:evil.example]report.txt"
NEWLINE_NAME = "two\nlines.txt"
ESCAPE_DOCX = "esc\x1b]0;PWNED\x07\x1b[2J.docx"


@pytest.fixture
def hostile_names(tmp_path: Path) -> Path:
    folder = tmp_path / "names"
    folder.mkdir()
    (folder / MARKUP_NAME).write_text("Markup name. The minister said so on Monday.\n", encoding="utf-8")
    (folder / NEWLINE_NAME).write_text("A newline in the name. The minister said so.\n", encoding="utf-8")
    (folder / ESCAPE_DOCX).write_bytes(b"not a zip at all")  # python-docx's error text repeats the path
    return folder


def invoke(tmp_path: Path, *args: str):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "a.db"), "--corpus", str(tmp_path), *args],
                                prog_name="reader")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def test_add_messages_carry_names_and_library_errors_on_one_safe_line(hostile_names, tmp_path):
    result = invoke(tmp_path, "add", str(hostile_names))
    assert_terminal_safe(result.output, "reader add")
    lines = result.output.splitlines()
    skipped = [line for line in lines if line.startswith("skipped")]
    assert len(skipped) == 1 and "esc" in skipped[0] and "PWNED" in skipped[0], lines
    assert lines[-1] == "added 2, skipped 1", lines
    assert len(lines) == 2, lines  # a newline in a name never makes a second line


def test_a_progress_bar_on_a_terminal_does_not_read_file_names_as_markup(hostile_names, tmp_path):
    """On a terminal, `reader add` draws Rich progress on stderr: a name must not become a hyperlink."""
    for index in range(3):
        shutil.copy(hostile_names / MARKUP_NAME, hostile_names / f"z[link=https:evil.example]more{index}.txt")
    controller, terminal = pty.openpty()
    process = subprocess.Popen([READER, "--db", str(tmp_path / "a.db"), "add", str(hostile_names)],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal, cwd=str(REPO),
                               env={**os.environ, "COLUMNS": "120", "TERM": "xterm-256color"})
    os.close(terminal)
    received = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            received += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(controller)
    assert b"\x1b]8;" not in received, "a file name became a terminal hyperlink"
    assert b"PWNED" not in received or b"\x1b]0;PWNED" not in received


def test_a_file_name_that_is_not_utf8_is_named_escaped_and_the_others_load(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    bad = os.path.join(os.fsencode(corpus), b"bad\xff\xfe.txt")
    with open(bad, "wb") as handle:
        handle.write(b"A file whose name is not UTF-8.\n")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "a.db"), "--corpus", str(corpus), "sources"],
                                prog_name="reader")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert_terminal_safe(result.output)
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 1 and "bad\\xff\\xfe.txt" in skipped[0], result.output
    assert len([line for line in result.output.splitlines() if ".txt" in line and "skipped" not in line]) >= 5


# --- reader show on a terminal (14.14) and reader report -o (minor) ---------------------------------

def on_terminal(command: list[str], seconds: float = 40) -> bytes:
    """What command writes to a pseudo-terminal (160 columns), read until it exits or time runs out."""
    import fcntl
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.DEVNULL,
                               cwd=str(REPO), env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"})
    os.close(terminal)
    received, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 1 << 20)
            except OSError:
                break
            if not chunk:
                break
            received += chunk
        elif process.poll() is not None:
            break
    try:
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
        finished = True
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        finished = False
    os.close(controller)
    assert finished, f"reader show on a terminal took over {seconds} s"
    return received


def test_show_on_a_terminal_prints_a_long_source_whole_and_highlighted(tmp_path):
    """200,000 lines: Rich's wrapping took minutes here; the hang guard only catches that."""
    folder = tmp_path / "long"
    folder.mkdir()
    (folder / "long.txt").write_text("".join(f"line {n} says \x1b[2J something.\n" for n in range(200_000)),
                                     encoding="utf-8")
    base = [READER, "--db", str(tmp_path / "a.db"), "--corpus", str(folder)]
    subprocess.run([*base, "annotate", "1", "--quote", "line 199998 says", "--tag", "claim"], check=True,
                   capture_output=True)
    shown = on_terminal([*base, "show", "1"]).decode("utf-8")
    assert "\x1b[2J" not in shown and "line 199999 says \u241b[2J something." in shown
    highlighted = re.search("\x1b\\[[0-9;]*m(line 199998 says)\x1b\\[0m", shown)
    assert highlighted, shown[-600:]
    assert "48;" in highlighted.group()  # a background colour


def test_report_names_its_output_path_display_safe(loaded_store, run_cli, tmp_path):
    target = tmp_path / "re\x1b]0;PWNED\x07port\nsecond.html"
    result = run_cli("report", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert_terminal_safe(result.output)
    assert [line for line in result.output.splitlines() if line.startswith("wrote")][0].count("\n") == 0
    assert len([line for line in result.output.splitlines() if line]) == 1
