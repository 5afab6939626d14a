"""Benchmark (issue 14.14): `reader show` on a million-line source, on a terminal and through a pipe,
against a plain read of the same file (`cat`) on the same terminal, in the same run.

The terminal is a pseudo-terminal whose output this process drains as fast as it comes, so the figure
is the reader's own cost, not a terminal emulator's. Requirement: within a few times the plain read.

    .venv/bin/python bench/bench_show.py [--lines 1000000]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READER = str(Path(sys.executable).with_name("reader"))


def on_terminal(command: list[str], columns: int = 160, rows: int = 48) -> tuple[float, int]:
    """Seconds for command to finish writing to a pseudo-terminal, and the bytes it wrote."""
    controller, terminal = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.DEVNULL,
                               env={**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)})
    os.close(terminal)
    received = 0
    while True:
        ready, _, _ = select.select([controller], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(controller, 1 << 20)
            except OSError:
                break
            if not chunk:
                break
            received += len(chunk)
        elif process.poll() is not None:
            break
    process.wait()
    os.close(controller)
    return time.perf_counter() - started, received


def through_pipe(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "corpus"
        folder.mkdir()
        source = folder / "million_lines.txt"
        source.write_text("".join(f"line {n} of the long source, with a few words.\n" for n in range(args.lines)),
                          encoding="utf-8")
        base = [READER, "--db", str(Path(scratch) / "show.db"), "--corpus", str(folder)]
        subprocess.run([*base, "sources"], stdout=subprocess.DEVNULL, check=True)  # loaded once, not timed
        for quote in ("line 10 of", f"line {args.lines // 2} of", f"line {args.lines - 3} of"):
            subprocess.run([*base, "annotate", "1", "--quote", quote, "--tag", "claim"], stdout=subprocess.DEVNULL,
                           check=True)
        plain_s, plain_bytes = on_terminal(["cat", str(source)])
        shown_s, shown_bytes = on_terminal([*base, "show", "1"])
        piped_s = through_pipe([*base, "show", "1"])
        startup_s = through_pipe([*base, "tags"])
        print(f"source: {args.lines:,} lines, {source.stat().st_size / 1e6:.0f} MB, 3 annotations")
        print(f"{'plain read: cat to a terminal':40}{plain_s:8.2f} s  {plain_bytes / 1e6:6.1f} MB written")
        print(f"{'reader show to a terminal':40}{shown_s:8.2f} s  {shown_bytes / 1e6:6.1f} MB written  "
              f"x{shown_s / plain_s:.1f} plain read")
        print(f"{'reader show through a pipe':40}{piped_s:8.2f} s")
        print(f"{'reader start-up (reader tags)':40}{startup_s:8.2f} s")


if __name__ == "__main__":
    main()
