"""kill -9 a process that is writing annotations, at random moments, N times; check nothing was lost.

Each trial starts bench/ack_writer.py on one shared database (so later trials recover from earlier
kills and the data grows), kills it with SIGKILL after a random delay (sometimes during start-up,
migration or corpus loading, mostly mid-write), then checks the database against every write it
acknowledged: all present, PRAGMA integrity_check ok, nothing half-written. Prints
"N of N trials lost nothing". The CLI variant kills `reader annotate` processes instead.

    .venv/bin/python bench/bench_crash.py [--trials 200] [--cli-trials 40]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
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


def kill_writer_once(db: Path, delay: float, seed: int) -> list[str]:
    """Start the writer, SIGKILL it after delay seconds, return the lines it printed (its acknowledgements)."""
    process = subprocess.Popen([sys.executable, str(WRITER), str(db), str(CORPUS), "--seed", str(seed)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout))
    reader.start()
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    reader.join()
    stderr = process.stderr.read()
    if "Traceback" in stderr:
        raise RuntimeError(f"writer failed before the kill:\n{stderr}")
    return lines


def run_trials(db: Path, trials: int, rng: random.Random, max_delay: float = 1.5) -> tuple[int, list[str], int]:
    """Run kill trials against db; returns (trials that lost nothing, problems, acknowledged writes)."""
    acknowledged: list[str] = []
    clean = 0
    problems: list[str] = []
    for trial in range(trials):
        acknowledged += kill_writer_once(db, rng.uniform(0.0, max_delay), rng.randrange(2**32))
        verdict = verify(db, acknowledged)
        if verdict.ok:
            clean += 1
        else:
            problems += [f"trial {trial + 1}: {problem}" for problem in verdict.problems[:5]]
    return clean, problems, sum(1 for line in acknowledged if line.startswith("ACK"))


def run_cli_trials(db: Path, trials: int, rng: random.Random) -> tuple[int, list[str], int]:
    """Kill `reader annotate` processes at random moments; every one that printed its id must be stored."""
    reader = Path(sys.executable).parent / "reader"
    quotes = ["Sébastien Bubeck", "OpenAI", "Microsoft", "artificial intelligence", "research"]
    acknowledged: list[str] = []
    clean = 0
    problems: list[str] = []
    # How long one `reader annotate` takes here, so the kills land before, during and after its write.
    started = time.perf_counter()
    subprocess.run([str(reader), "--db", str(db), "--corpus", str(CORPUS), "sources"], capture_output=True, check=True)
    duration = time.perf_counter() - started
    for trial in range(trials):
        quote = rng.choice(quotes)
        process = subprocess.Popen(
            [str(reader), "--db", str(db), "--corpus", str(CORPUS), "annotate", "001", "--quote", quote,
             "--occurrence", "1", "--tag", "claim", "--tag", f"cli-{trial % 3}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, _ = process.communicate(timeout=rng.uniform(0.5, 1.6) * duration)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            out, _ = process.communicate()
        if process.returncode == 0 and out.strip():
            acknowledged.append(f"ACK add {out.strip()} claim;cli-{trial % 3}")
        verdict = verify(db, acknowledged)
        if verdict.ok:
            clean += 1
        else:
            problems += [f"cli trial {trial + 1}: {problem}" for problem in verdict.problems[:5]]
    return clean, problems, len(acknowledged)


def main() -> int:
    parser = argparse.ArgumentParser(description="kill -9 writers at random moments and check for losses")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--cli-trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        clean, problems, acked = run_trials(Path(folder) / "crash.db", args.trials, rng)
        print(f"store writer: {clean} of {args.trials} trials lost nothing "
              f"({acked} acknowledged writes, {time.perf_counter() - started:.0f} s)")
        cli_clean, cli_problems, cli_acked = run_cli_trials(Path(folder) / "crash_cli.db", args.cli_trials, rng)
        print(f"reader annotate: {cli_clean} of {args.cli_trials} trials lost nothing "
              f"({cli_acked} acknowledged annotations)")
    total, lost = args.trials + args.cli_trials, (args.trials - clean) + (args.cli_trials - cli_clean)
    print(f"{total - lost} of {total} trials lost nothing")
    for problem in (problems + cli_problems)[:20]:
        print("  " + problem)
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("READER_AUTHOR", "bench")
    sys.exit(main())
