"""Benchmark: `reader export --format csv` of 1,000,000 annotations against `sqlite3 -csv` on the same rows.

Requirement (issue 2): streams in constant memory (peak RSS under 200 MB) and takes at most 2.5x what
`sqlite3 -csv` takes to produce the same rows. Both run in this one script, one after the other, on the
same database, as child processes whose own peak RSS is read with os.wait4.

    .venv/bin/python bench/bench_export.py [--annotations 1000000] [--rebuild] [--keep]

The generated database is cached in $TMPDIR/reader-bench/ (it takes a minute to build).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.anchoring import make_selector  # noqa: E402
from reader.exports import CSV_COLUMNS, VIEW_COLUMNS  # noqa: E402
from reader.library import BUNDLED_CORPUS, sync_sources  # noqa: E402
from reader.store import now, open_store  # noqa: E402

BENCH_DIR = Path(tempfile.gettempdir()) / "reader-bench"
NOTES = ["", "", "", "Checked against the press release.", "=SUM(A1:A9) looks like a formula",
         "Two lines:\nfirst, then \"second\"", "-5% is what they said", "Nur auf Deutsch: Übernahme", "@someone said"]


def build_database(path: Path, count: int, seed: int = 7) -> Path:
    """A reader database over the bundled corpus with `count` generated annotations, tags and links."""
    if path.exists():
        path.unlink()
    store = open_store(path)
    sync_sources(store, [BUNDLED_CORPUS])
    sources = [(s.id, s.version_id, store.text(s.id)) for s in store.sources()]
    tag_ids = [t.id for t in store.tags()]
    rng = random.Random(seed)
    stamp = now()
    conn = store.db.conn
    started = time.perf_counter()
    ids: list[str] = []
    with store.write():
        batch, tag_rows = [], []
        for number in range(count):
            source_id, version_id, text = sources[number % len(sources)]
            start = rng.randrange(0, len(text) - 80)
            end = start + rng.randrange(5, 80)
            selector = make_selector(text, start, end)
            annotation_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            if number % 10 == 0:
                ids.append(annotation_id)
            batch.append((annotation_id, source_id, version_id, start, end, selector.quote, selector.prefix,
                          selector.suffix, NOTES[number % len(NOTES)], "bench", stamp, stamp, "anchored",
                          version_id, start, end, 100.0))
            for tag_id in rng.sample(tag_ids, number % 3):
                tag_rows.append((annotation_id, tag_id))
            if len(batch) >= 20_000:
                _flush(conn, batch, tag_rows)
        _flush(conn, batch, tag_rows)
        links = [(uuid.UUID(int=rng.getrandbits(128), version=4).hex, ids[i], ids[i + 1],
                  ("same", "supports", "contradicts")[i % 3], stamp) for i in range(0, len(ids) - 1, 2)]
        conn.executemany("INSERT INTO links (id, from_annotation, to_annotation, kind, created) VALUES (?, ?, ?, ?, ?)",
                         links)
    store.close()
    print(f"built {path} with {count:,} annotations and {len(links):,} links in {time.perf_counter() - started:.1f} s")
    return path


def _flush(conn, batch: list, tag_rows: list) -> None:
    conn.executemany(
        "INSERT INTO annotations (id, source_id, version_id, position_start, position_end, quote, prefix, suffix, "
        "note, author, created, updated, anchor_status, anchor_version_id, anchor_start, anchor_end, anchor_score) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
    conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)", tag_rows)
    batch.clear()
    tag_rows.clear()


def run_measured(command: list[str], stdout_path: Path | None = None) -> tuple[float, float]:
    """Run a command; (wall seconds, its own peak RSS in MB)."""
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    finally:
        if stdout_path:
            stdout.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed: {process.stderr.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024


def sqlite3_baseline_sql() -> str:
    """The query `sqlite3 -csv` runs: the same view, columns and order as `reader export --format csv`."""
    columns = ", ".join(f'"{view}" AS "{csv_name}"' for view, csv_name in zip(VIEW_COLUMNS, CSV_COLUMNS))
    return f'SELECT {columns} FROM annotations_view ORDER BY source_path, start, "end", id'


def same_rows(reader_csv: Path, sqlite_csv: Path) -> tuple[bool, int]:
    """Whether the two files hold the same rows (parsed as CSV, streamed), and how many."""
    with open(reader_csv, newline="", encoding="utf-8") as a, open(sqlite_csv, newline="", encoding="utf-8") as b:
        count = -1
        for count, (left, right) in enumerate(zip(csv.reader(a), csv.reader(b))):
            if left != right:
                print(f"first difference at row {count}:\n  reader:  {left}\n  sqlite3: {right}")
                return False, count
        if next(csv.reader(a), None) is not None or next(csv.reader(b), None) is not None:
            return False, count
    return True, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--annotations", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true", help="Build the database again.")
    parser.add_argument("--keep", action="store_true", help="Keep the CSV files.")
    args = parser.parse_args()
    sqlite3_cli = shutil.which("sqlite3")
    if not sqlite3_cli:
        raise SystemExit("the sqlite3 command line is needed for the baseline (apt-get install sqlite3)")
    BENCH_DIR.mkdir(exist_ok=True)
    db = BENCH_DIR / f"export_{args.annotations}.db"
    if args.rebuild or not db.exists():
        build_database(db, args.annotations)
    reader_cli = str(Path(sys.executable).with_name("reader"))
    sqlite_out, raw_out, guarded_out = (BENCH_DIR / name for name in ("sqlite3.csv", "reader_raw.csv", "reader.csv"))
    for leftover in (raw_out, guarded_out):
        leftover.unlink(missing_ok=True)

    # Warm the page cache once so neither side pays for the first read from disk.
    run_measured([sqlite3_cli, str(db), "SELECT count(*) FROM annotations"])
    baseline_s, baseline_mb = run_measured([sqlite3_cli, "-csv", "-header", str(db), sqlite3_baseline_sql()], sqlite_out)
    raw_s, raw_mb = run_measured([reader_cli, "--db", str(db), "export", "--format", "csv", "--raw", "-o", str(raw_out)])
    guarded_s, guarded_mb = run_measured([reader_cli, "--db", str(db), "export", "--format", "csv", "-o", str(guarded_out)])
    rows_match, rows = same_rows(raw_out, sqlite_out)

    print(f"annotations: {args.annotations:,}   sqlite {sqlite3_cli}   csv size {guarded_out.stat().st_size / 1e6:.0f} MB")
    print(f"{'':34}{'seconds':>9}{'peak RSS MB':>13}{'x sqlite3':>11}")
    print(f"{'sqlite3 -csv (baseline)':34}{baseline_s:9.2f}{baseline_mb:13.0f}{1:11.2f}")
    print(f"{'reader export --format csv --raw':34}{raw_s:9.2f}{raw_mb:13.0f}{raw_s / baseline_s:11.2f}")
    print(f"{'reader export --format csv':34}{guarded_s:9.2f}{guarded_mb:13.0f}{guarded_s / baseline_s:11.2f}")
    # sqlite3 quotes more cells than it must (any with a space), so the files differ in bytes, not in rows.
    print(f"same rows as sqlite3 (parsed as CSV): {rows_match} ({rows:,} data rows)")
    print(f"requirement: <= 2.5x and < 200 MB -> "
          f"{'met' if guarded_s / baseline_s <= 2.5 and guarded_mb < 200 else 'NOT met'}")
    if not args.keep:
        for leftover in (sqlite_out, raw_out, guarded_out):
            leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
