"""Benchmark the comparison screen: moving the cursor with sync on must repaint every pane in < 50 ms.

    .venv/bin/python bench/bench_compare.py [--moves N] [--panes 2|3|4]

Runs the real ReaderApp headless (Textual's run_test, 160x48) on a copy of the bundled corpus, opens the
comparison of the longest sources and walks the cursor down pane 1 sentence by sentence (`j`).
Timed per move, in-process: the cursor move, the sync handler (counterpart highlights, other panes'
cursors and scrolling, the differences panel, the status line) and rendering every visible line of every
pane and the panel (what the next screen refresh draws). Medians and 95th percentiles over all moves.
The baseline is the same walk with sync off (only the moved pane and the panel change), in the same run.
(Pilot's press-and-pause is not used for the figure: it waits for the process to look idle, with sleeps
of its own, about 150 ms a key on this machine whatever the app does.)
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import textual.constants

textual.constants.TEXTUAL_ANIMATIONS = "none"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.tui.app import ReaderApp  # noqa: E402
from reader.tui.screens.compare import CompareScreen  # noqa: E402

GOAL_MS = 50.0
SIZE = (160, 48)
PANE_ORDER = ["004", "000", "001", "002", "003"]  # longest first: pane 1 walks the most text


async def wait_until(pilot, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the app")
        await pilot.pause(0.02)


def repaint(screen: CompareScreen) -> None:
    """Render what a screen refresh would: every visible line of every pane (cached strips are reused)
    and the differences panel."""
    for pane in screen.panes:
        view = pane.view
        for y in range(view.size.height):
            view.render_line(y)
    screen.query_one("#compare-differences").render()


async def walk(pilot, screen: CompareScreen, moves: int) -> list[float]:
    """Move pane 1's cursor down `moves` sentences; ms per move."""
    view = screen.panes[0].view
    handler: list[float] = []
    view.action_start()
    await pilot.pause()
    for _ in range(moves):
        started = time.perf_counter()
        view.action_next_sentence()
        screen.sync_from(0)
        screen.show_differences()
        screen.update_status()
        repaint(screen)
        handler.append((time.perf_counter() - started) * 1000)
        await pilot.pause()  # let the CursorMoved message through (untimed)
    return handler


def summary(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"{label:<34} median {statistics.median(values):7.2f} ms   p95 {p95:7.2f} ms   (n={len(values)})"


async def run(moves: int, panes: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    try:
        shutil.copytree(ROOT / "corpus", folder / "corpus")
        app = ReaderApp(db_path=folder / "bench.db", paths=[folder / "corpus"])
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: len(app.sources_screen.sources) == 5)
            ids = {source.name[:3]: source.id for source in app.sources_screen.sources}
            app.open_compare([ids[prefix] for prefix in PANE_ORDER[:panes]])
            await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.alignment is not None)
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen: CompareScreen = app.screen
            sync_handler = await walk(pilot, screen, moves)
            moved_counterparts = sum(1 for pane in screen.panes[1:] if pane.view.scroll_y > 0)
            await pilot.press("s")
            assert not screen.sync
            base_handler = await walk(pilot, screen, moves)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"Comparison of {panes} panes at {SIZE[0]}x{SIZE[1]}, {moves} cursor moves (j) in pane 1")
    print(summary("sync on:  handler + repaint", sync_handler))
    print(summary("sync off: handler + repaint (base)", base_handler))
    on, off = statistics.median(sync_handler), statistics.median(base_handler)
    print(f"ratio sync on / off (median): {on / off:.2f}x;  panes the sync scrolled: {moved_counterparts} "
          f"of {panes - 1}")
    print(f"goal: repaint of all panes with sync on < {GOAL_MS:.0f} ms -> median {on:.1f} ms "
          f"({'met' if on < GOAL_MS else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=80)
    parser.add_argument("--panes", type=int, default=4, choices=[2, 3, 4])
    options = parser.parse_args()
    asyncio.run(run(options.moves, options.panes))


if __name__ == "__main__":
    main()
