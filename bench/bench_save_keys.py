"""Keys while a 100 MB file is being saved (issue 9, defect 18), against `less` in the same run.

    .venv/bin/python bench/bench_save_keys.py [--seconds 60]

Opens the generated 100 MB document with a new database (so the reader saves it in the background),
and from the moment the first text shows sends j and k alternately for --seconds, timing each
repaint from outside (tmux, 160x48, as bench_tui.py does); once the save has ended, 20 s more of the
same keys in the same reader; then the same keys in `less` on the same file. Prints the median, 95th
percentile and worst repaint for each. Goal: under 50 ms.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tui import BIG_TEXT, LESS, READER, Terminal, big_document, fresh_db  # noqa: E402


def saved(db: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as connection:
            return bool(connection.execute("SELECT count(*) FROM sources WHERE current_version_id IS NOT NULL").fetchone()[0])
    except sqlite3.Error:
        return False


def key_times(terminal: Terminal, seconds: float, db: Path | None = None) -> tuple[list[float], list[float]]:
    """Repaint times (ms) of alternating j/k for seconds: (while the file was unsaved, after)."""
    during, after = [], []
    end = time.perf_counter() + seconds
    index = 0
    while time.perf_counter() < end:
        is_saved = db is None or saved(db)
        took = terminal.repaint("j" if index % 2 == 0 else "k", timeout=15)
        index += 1
        if took is not None:
            (after if is_saved else during).append(took)
        time.sleep(0.05)
    return during, after


def describe(name: str, times: list[float]) -> str:
    if not times:
        return f"{name:<28} no keys"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (f"{name:<28} {len(times):4d} keys   median {statistics.median(times):7.1f} ms   "
            f"p95 {p95:7.1f} ms   worst {ordered[-1]:7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    document = big_document()
    db = fresh_db()
    terminal = Terminal()
    try:
        started = terminal.start([str(READER), "--db", str(db), str(document)])
        shown = terminal.wait_for(BIG_TEXT, timeout=120)
        print(f"reader: first text after {shown - started:.2f} s; keys for {args.seconds:.0f} s from then")
        during, after = key_times(terminal, args.seconds, db)
        save_done = saved(db)
        # The same reader, same file, once the save is over: what the keys cost without it, same load.
        deadline = time.perf_counter() + 900
        while not saved(db) and time.perf_counter() < deadline:
            time.sleep(1)
        if saved(db):
            terminal.settle()
            after += key_times(terminal, min(args.seconds, 20.0), db)[1]
    finally:
        terminal.close()
    less_times: list[float] = []
    if LESS:
        terminal = Terminal()
        try:
            terminal.start([LESS, str(document)])
            terminal.wait_for(BIG_TEXT, timeout=60)
            _, less_times = key_times(terminal, min(args.seconds, 20.0))
        finally:
            terminal.close()
    print(describe("reader, file being saved", during))
    print(describe("reader, file saved", after))
    print(describe("less", less_times))
    print(f"(the save {'finished' if save_done else 'had not finished'} within the measured "
          f"{args.seconds:.0f} s)")
    if during and less_times:
        print(f"reader during the save / less, medians: {statistics.median(during) / statistics.median(less_times):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
