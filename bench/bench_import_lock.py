"""Benchmark (issue 14.12): how long an import holds the write lock, and how tag import scales.

1. Lock hold: `reader import` of N annotations (json) runs as a process while this one tries, every
   50 ms, to take the write lock (BEGIN IMMEDIATE) and let it go, as a user's `reader annotate` would.
   Prints the import's wall time and the longest wait for the lock (= the longest hold, to ~50 ms).
   Requirement: no more than a few seconds at a time, the import still all-or-nothing.
2. Tags: one annotation carrying 10k, 40k and 100k distinct tags, imported; prints seconds and the
   ratio per tag against the 10k case (1.0 = linear; the quadratic import gave ~2.5 and ~6.3).

    .venv/bin/python bench/bench_import_lock.py [--annotations 300000] [--tags 10000,40000,100000]
        [--chunk-rows 0,20000]

--chunk-rows runs the lock-hold measure once per value of READER_IMPORT_CHUNK_ROWS, in this one run: 0 is
the import published in one transaction (the code path before chunked publishing), the default a batch
written in chunks of that many rows and published in one short transaction.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import build_database  # noqa: E402
from bench_import import fresh_database  # noqa: E402

from reader.exports import export  # noqa: E402
from reader.library import BUNDLED_CORPUS  # noqa: E402
from reader.store import open_store  # noqa: E402

READER = str(Path(sys.executable).with_name("reader"))
# Not the shared /tmp/reader-bench: other branches' databases there may have a newer schema.
BENCH_DIR = Path(tempfile.gettempdir()) / "reader-bench-import-lock"


def longest_lock_wait(db: Path, stop: threading.Event, waits: list[float]) -> None:
    conn = sqlite3.connect(db, isolation_level=None, timeout=600)
    while not stop.is_set():
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        waits.append(time.perf_counter() - started)
        conn.execute("COMMIT")
        time.sleep(0.05)
    conn.close()


def lock_hold(annotations: int, chunk_rows: str | None = None) -> None:
    source_db = BENCH_DIR / f"export_{annotations}.db"
    if not source_db.exists():
        build_database(source_db, annotations)
    exported = BENCH_DIR / f"lock_{annotations}.json"
    store = open_store(source_db)
    export(store, "json", exported, force=True)
    store.close()
    target = fresh_database(BENCH_DIR / "lock_target.db")
    stop, waits = threading.Event(), []
    prober = threading.Thread(target=longest_lock_wait, args=(target, stop, waits))
    prober.start()
    started = time.perf_counter()
    env = dict(os.environ) if chunk_rows is None else {**os.environ, "READER_IMPORT_CHUNK_ROWS": chunk_rows}
    completed = subprocess.run([READER, "--db", str(target), "--corpus", str(BUNDLED_CORPUS), "import", str(exported)],
                               capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    stop.set()
    prober.join()
    with sqlite3.connect(target) as conn:
        imported = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    mode = "" if chunk_rows is None else f" [chunk rows {chunk_rows}]"
    print(f"import of {annotations:,} annotations{mode}: {elapsed:.1f} s "
          f"(exit {completed.returncode}, {imported:,} stored); "
          f"longest wait for the write lock meanwhile: {max(waits):.2f} s over {len(waits)} tries")
    exported.unlink()


def tag_import(counts: list[int]) -> None:
    base = None
    for count in counts:
        target = fresh_database(BENCH_DIR / "tags_target.db")
        store = open_store(target)
        source = store.sources()[0]
        text = store.text(source.id)
        store.close()
        document = {"format": "reader-annotations", "format_version": 1,
                    "sources": [{"id": 1, "path": source.path}],
                    "annotations": [{"id": "manytags", "source": 1, "start": 0, "end": 10, "quote": text[:10],
                                     "tags": [f"tag {number}" for number in range(count)]}]}
        exported = BENCH_DIR / "tags.json"
        exported.write_text(json.dumps(document), encoding="utf-8")
        started = time.perf_counter()
        completed = subprocess.run([READER, "--db", str(target), "--corpus", str(BUNDLED_CORPUS), "import",
                                    str(exported)], capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        per_tag = elapsed / count
        base = base or per_tag
        print(f"one annotation with {count:>7,} tags: {elapsed:7.2f} s (exit {completed.returncode}); "
              f"time per tag x{per_tag / base:.2f} of the {counts[0]:,} case")
        exported.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=300_000)
    parser.add_argument("--tags", default="10000,40000,100000")
    parser.add_argument("--chunk-rows", default="", help="comma-separated READER_IMPORT_CHUNK_ROWS values to compare")
    args = parser.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    tag_import([int(n) for n in args.tags.split(",") if n])
    if args.annotations:
        for chunk_rows in args.chunk_rows.split(",") if args.chunk_rows else [None]:
            lock_hold(args.annotations, chunk_rows)


if __name__ == "__main__":
    main()
