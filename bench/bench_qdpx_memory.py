"""Benchmark: REFI-QDA export in constant memory (issue 11): peak RSS of `reader export --format qdpx` on a
database of N annotations and on one of 4N, with `export --format json` of each as the baseline measured in
the same run.

    .venv/bin/python bench/bench_qdpx_memory.py [--annotations 25000] [--rebuild]

The databases are bench_claims' (sources of claims with outlets, dates, tags, links and verdicts; ten
members a claim, a hundred annotations a source), cached in $TMPDIR/reader-bench/. Each command runs as a
child; its wall time, CPU time and peak RSS (os.wait4) are printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_claims import BENCH_DIR, build_database  # noqa: E402


def run(args: list[str], db: Path, corpus: Path) -> tuple[float, float, float]:
    """Run `reader --db DB --corpus CORPUS ARGS` as a child: (wall s, CPU s, peak RSS MB)."""
    command = [sys.executable, "-m", "reader", "--db", str(db), "--corpus", str(corpus), *args]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    error = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {error}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=25_000, help="N (the second database has 4N)")
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    corpus = BENCH_DIR / "empty-corpus"
    corpus.mkdir(exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    sizes = [(n, max(10, n // 100), n // 10) for n in (options.annotations, 4 * options.annotations)]
    databases = [BENCH_DIR / f"claims-v2-{sources}-{claims}-10.db" for _, sources, claims in sizes]
    built = False
    for (_, sources, claims), db in zip(sizes, databases):
        if options.rebuild or not db.exists():
            build_database(db, sources, claims, 10)
            built = True
    if built:
        # Measure from a fresh process: a child forked from this one (big after the builds) counts the
        # parent's pages in its peak RSS (ru_maxrss survives exec).
        os.execv(sys.executable, [sys.executable, __file__, *(a for a in sys.argv[1:] if a != "--rebuild")])
    out = Path(tempfile.mkdtemp(prefix="bench-qdpx-"))
    peaks = []
    for (annotations, sources, _), db in zip(sizes, databases):
        run(["sources", "--json"], db, corpus)  # warm the page cache
        baseline = run(["export", "--format", "json", "-o", str(out / f"baseline-{annotations}.json")], db, corpus)
        qdpx = run(["export", "--format", "qdpx", "-o", str(out / f"project-{annotations}.qdpx")], db, corpus)
        peaks.append(qdpx[2])
        print(f"{annotations:>9,} annotations, {sources:,} sources: qdpx {qdpx[0]:6.2f} s ({qdpx[1]:.2f} s CPU), "
              f"peak {qdpx[2]:4.0f} MB; baseline export --format json {baseline[0]:6.2f} s ({baseline[1]:.2f} s CPU), "
              f"peak {baseline[2]:4.0f} MB; qdpx {qdpx[0] / baseline[0]:.2f}x baseline", flush=True)
    print(f"qdpx peak at 4N / peak at N: {peaks[1] / peaks[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
