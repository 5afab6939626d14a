"""Benchmark: `reader undo` and `reader redo` of a whole `reader import`, against that import.

Requirement (issue 14, item 12): undo and redo take time linear in what they replay, no more than 3x the
original import (before: redo of 300,000 annotations took 25 min holding the write lock, undo 7.6 s).
All three run in this one script as child processes on the same database, one after the other; the
import is the baseline. A second, smaller size shows the growth is linear.

    .venv/bin/python bench/bench_undo.py [--annotations 300000]

The generated annotations are cached in $TMPDIR/reader-bench/ (built once, like bench_export's).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import BENCH_DIR, build_database, run_measured  # noqa: E402
from bench_import import fresh_database  # noqa: E402

from reader.exports import export  # noqa: E402
from reader.library import BUNDLED_CORPUS  # noqa: E402
from reader.store import open_store  # noqa: E402


def count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM annotations").fetchone()[0]


def measure(annotations: int) -> tuple[float, float, float]:
    """(import, undo, redo) wall seconds for a json export of `annotations` annotations."""
    source_db = BENCH_DIR / f"export_{annotations}.db"
    if not source_db.exists():
        build_database(source_db, annotations)
    file = BENCH_DIR / f"undo_{annotations}.json"
    store = open_store(source_db)
    export(store, "json", file, force=True)
    store.close()
    target = fresh_database(BENCH_DIR / f"undo_target_{annotations}.db")
    reader_cli = str(Path(sys.executable).with_name("reader"))
    base = [reader_cli, "--db", str(target), "--corpus", str(BUNDLED_CORPUS)]
    import_s, _ = run_measured(base + ["import", str(file)])
    assert count(target) == annotations
    undo_s, _ = run_measured(base + ["undo"])
    assert count(target) == 0, "undo left annotations behind"
    redo_s, _ = run_measured(base + ["redo"])
    assert count(target) == annotations, "redo did not bring every annotation back"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    file.unlink()
    return import_s, undo_s, redo_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=300_000)
    args = parser.parse_args()
    os.environ["READER_AUTHOR"] = "bench"  # one author imports, undoes and redoes
    BENCH_DIR.mkdir(exist_ok=True)
    print(f"{'annotations':>12}{'import s':>10}{'undo s':>9}{'x import':>10}{'redo s':>9}{'x import':>10}")
    worst = 0.0
    for size in (args.annotations // 4, args.annotations):
        import_s, undo_s, redo_s = measure(size)
        worst = max(worst, undo_s / import_s, redo_s / import_s)
        print(f"{size:12,}{import_s:10.2f}{undo_s:9.2f}{undo_s / import_s:10.2f}{redo_s:9.2f}{redo_s / import_s:10.2f}")
    print(f"requirement: undo and redo at most 3x the import -> {'met' if worst <= 3 else 'NOT met'} "
          f"(worst {worst:.2f}x)")


if __name__ == "__main__":
    main()
