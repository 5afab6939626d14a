"""Two processes writing one database at once: no "database is locked" reaches the user, no write is lost.

Scenario 1: two bench/ack_writer.py processes, 2,000 writes each (add, tag, link, delete through
reader.store), started together on a fresh database (so they also race to create and migrate it).
Baseline, in the same run: one writer alone doing the same 2,000 writes. Prints throughput, the
slowdown ratio, error counts and the check of every acknowledged write.

Scenario 2: two shell-style loops of `reader annotate` (real CLI processes), N each, at once.

    .venv/bin/python bench/bench_concurrency.py [--writes 2000] [--cli-writes 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ack_writer import verify  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
WRITER = Path(__file__).resolve().parent / "ack_writer.py"
LOCKED = ("database is locked", "locked for over", "database is busy")


def run_writers(db: Path, writers: int, writes: int) -> dict:
    """Start `writers` ack_writer processes at once; wait; return timings, acknowledgements and errors."""
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, str(WRITER), str(db), str(CORPUS), "--count", str(writes),
                                   "--seed", str(index + 1), "--actor", f"writer{index}"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for index in range(writers)]
    outputs = [process.communicate() for process in processes]
    elapsed = time.perf_counter() - started
    lines = [line for out, _ in outputs for line in out.splitlines()]
    errors = [line for line in lines if line.startswith("ERROR")]
    stderr = "".join(err for _, err in outputs)
    return {
        "elapsed": elapsed, "lines": lines, "acks": sum(line.startswith("ACK") for line in lines),
        "errors": errors, "stderr": stderr, "returncodes": [p.returncode for p in processes],
        "locked": sum(any(word in text for word in LOCKED) for text in errors + stderr.splitlines()),
    }


def run_cli_loops(db: Path, loops: int, writes: int) -> dict:
    """`loops` threads, each running `reader annotate` `writes` times in a row, all at once."""
    reader = Path(sys.executable).parent / "reader"
    quotes = ["Microsoft", "OpenAI", "research", "Bubeck"]
    results: list[tuple[int, str, str, str]] = []
    lock = threading.Lock()

    def loop(index: int) -> None:
        for n in range(writes):
            tag = f"loop{index}"
            completed = subprocess.run(
                [str(reader), "--db", str(db), "--corpus", str(CORPUS), "annotate", "001",
                 "--quote", quotes[n % len(quotes)], "--occurrence", "1", "--tag", tag, "--note", f"{index}/{n}"],
                capture_output=True, text=True)
            with lock:
                results.append((completed.returncode, completed.stdout.strip(), completed.stderr, tag))

    # Create the database first, so both loops measure writing rather than setting up.
    subprocess.run([str(reader), "--db", str(db), "--corpus", str(CORPUS), "sources"], capture_output=True, check=True)
    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(index,)) for index in range(loops)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    acks = [f"ACK add {out} {tag}" for code, out, _, tag in results if code == 0 and out]
    failures = [err.strip() for code, _, err, _ in results if code != 0]
    return {"elapsed": elapsed, "acks": acks, "failures": failures,
            "locked": sum(any(word in failure for word in LOCKED) for failure in failures)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=2000, help="writes per store writer")
    parser.add_argument("--cli-writes", type=int, default=60, help="`reader annotate` runs per CLI loop")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        alone = run_writers(Path(folder) / "alone.db", 1, args.writes)
        both = run_writers(Path(folder) / "both.db", 2, args.writes)
        verdict = verify(Path(folder) / "both.db", both["lines"])
        rate_alone = args.writes / alone["elapsed"]
        rate_both = 2 * args.writes / both["elapsed"]
        print(f"one writer alone (baseline): {args.writes} writes in {alone['elapsed']:.1f} s = {rate_alone:.0f} writes/s")
        print(f"two writers at once: {2 * args.writes} writes in {both['elapsed']:.1f} s = {rate_both:.0f} writes/s "
              f"(ratio to baseline throughput: {rate_both / rate_alone:.2f})")
        print(f"  acknowledged {both['acks']} of {2 * args.writes}; errors reported: {len(both['errors'])}; "
              f"'database is locked' seen: {both['locked']}; exit codes {both['returncodes']}")
        print(f"  check: {'every acknowledged write present, integrity ok, nothing half-written' if verdict.ok else verdict.problems[:5]}")
        ok &= verdict.ok and both["acks"] == 2 * args.writes and not both["locked"] and both["returncodes"] == [0, 0]

        cli = run_cli_loops(Path(folder) / "cli.db", 2, args.cli_writes)
        cli_verdict = verify(Path(folder) / "cli.db", cli["acks"])
        print(f"two `reader annotate` loops: {len(cli['acks'])} of {2 * args.cli_writes} annotations acknowledged in "
              f"{cli['elapsed']:.1f} s ({2 * args.cli_writes / cli['elapsed']:.1f} commands/s); failures: "
              f"{len(cli['failures'])}; 'database is locked' seen: {cli['locked']}; "
              f"check: {'ok' if cli_verdict.ok else cli_verdict.problems[:5]}")
        for failure in cli["failures"][:5]:
            print("  " + failure)
        ok &= cli_verdict.ok and not cli["failures"]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
