"""Benchmark: `reader import` of 100,000 annotations (json, w3c and csv), and importing the same file again.

Requirement (issue 2): under 10 s. The baseline, measured in the same run, is the floor for writing the
same rows: a plain sqlite3 executemany of the 100,000 annotation rows and their tags into a fresh
database in one transaction (no parsing, no matching, no anchoring, no event log).

    .venv/bin/python bench/bench_import.py [--annotations 100000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import BENCH_DIR, build_database, run_measured  # noqa: E402

from reader.exports import export  # noqa: E402
from reader.library import BUNDLED_CORPUS, sync_sources  # noqa: E402
from reader.store import open_store  # noqa: E402


def fresh_database(path: Path) -> Path:
    """An empty reader database with the bundled corpus loaded, as a user's would be before importing."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(path)
    sync_sources(store, [BUNDLED_CORPUS])
    store.close()
    return path


def baseline_insert(source_db: Path, target_db: Path) -> float:
    """Seconds to copy the annotation rows and their tags with bare executemany, in one transaction."""
    rows = sqlite3.connect(source_db).execute("SELECT * FROM annotations").fetchall()
    tag_rows = sqlite3.connect(source_db).execute("SELECT annotation_id, tag_id FROM annotation_tags").fetchall()
    conn = sqlite3.connect(target_db, isolation_level=None)
    # Since schema 11 annotations is a view (its INSERT a trigger): the floor writes the table itself.
    table = "annotation_rows" if conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'annotation_rows'").fetchone() else "annotations"
    columns = [row[1] for row in sqlite3.connect(source_db).execute("PRAGMA table_info(annotations)")]
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(rows[0]))})", rows)
    conn.executemany("INSERT INTO annotation_tags VALUES (?, ?)", tag_rows)
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=100_000)
    args = parser.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    source_db = BENCH_DIR / f"export_{args.annotations}.db"
    if not source_db.exists():
        build_database(source_db, args.annotations)
    store = open_store(source_db)
    files = {}
    for export_format, suffix in (("json", "json"), ("w3c", "jsonld"), ("csv", "csv")):
        files[export_format] = BENCH_DIR / f"import_{args.annotations}.{suffix}"
        export(store, export_format, files[export_format], force=True)
    store.close()
    reader_cli = str(Path(sys.executable).with_name("reader"))

    baseline_db = fresh_database(BENCH_DIR / "import_baseline.db")
    baseline_s = baseline_insert(source_db, baseline_db)
    print(f"annotations: {args.annotations:,}; links: {count(source_db, 'links'):,}")
    print(f"{'':38}{'seconds':>9}{'peak RSS MB':>13}{'x baseline':>12}")
    print(f"{'baseline: bare executemany of the rows':38}{baseline_s:9.2f}{'':>13}{1:12.2f}")
    worst = 0.0
    for export_format, file in files.items():
        target = fresh_database(BENCH_DIR / f"import_target_{export_format}.db")
        command = [reader_cli, "--db", str(target), "--corpus", str(BUNDLED_CORPUS), "import", str(file)]
        first_s, first_mb = run_measured(command)
        again_s, again_mb = run_measured(command)
        imported = count(target, "annotations")
        assert imported == args.annotations, f"{export_format}: {imported} annotations imported"
        worst = max(worst, first_s)
        label = f"reader import ({export_format}, {file.stat().st_size / 1e6:.0f} MB)"
        print(f"{label:38}{first_s:9.2f}{first_mb:13.0f}{first_s / baseline_s:12.1f}")
        print(f"{'  again (adds nothing)':38}{again_s:9.2f}{again_mb:13.0f}{again_s / baseline_s:12.1f}")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    print(f"requirement: under 10 s -> {'met' if worst < 10 else 'NOT met'} (slowest format {worst:.2f} s)")
    for file in files.values():
        os.unlink(file)


if __name__ == "__main__":
    main()
