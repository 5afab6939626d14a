"""Benchmark: `reader --help` wall time (goal < 0.3 s, textual not imported) against `python -c pass`.

Both are run the same number of times in this one run, alternating so machine load hits them alike;
the medians and their ratio are printed, with the heaviest imports behind `reader --help`.

    .venv/bin/python bench/bench_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

READER = str(Path(sys.executable).with_name("reader"))


def wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def heaviest_imports(count: int = 6) -> list[tuple[int, str]]:
    """The top-level packages that take longest to import under `reader --help` (python -X importtime)."""
    code = "import sys; sys.argv = ['reader', '--help']\nfrom reader.cli import main\ntry:\n main()\nexcept SystemExit:\n pass"
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    totals: dict[str, int] = {}
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if not line.startswith("import time:") or len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2][1:]  # one space, then two more per level of nesting
        if not name.startswith(" "):
            totals[name] = max(totals.get(name, 0), int(parts[1]))
    return sorted(((us, name) for name, us in totals.items()), reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()

    baseline_command = [sys.executable, "-c", "pass"]
    help_command = [READER, "--help"]
    wall_time(baseline_command), wall_time(help_command)  # warm the file cache
    baseline, help_times = [], []
    for _ in range(options.runs):
        baseline.append(wall_time(baseline_command))
        help_times.append(wall_time(help_command))

    check = subprocess.run(
        [sys.executable, "-c", "import sys; sys.argv = ['reader', '--help']\nfrom reader.cli import main\n"
                               "try:\n main()\nexcept SystemExit:\n pass\nprint('textual' in sys.modules)"],
        capture_output=True, text=True, check=True)
    textual_loaded = check.stdout.strip().splitlines()[-1] == "True"

    base, helped = statistics.median(baseline), statistics.median(help_times)
    print(f"`python -c pass`: median {base * 1000:.0f} ms of {options.runs} (min {min(baseline) * 1000:.0f} ms)")
    print(f"`reader --help`:  median {helped * 1000:.0f} ms of {options.runs} (min {min(help_times) * 1000:.0f} ms); "
          f"goal < 300 ms; {helped / base:.2f}x the baseline; {(helped - base) * 1000:.0f} ms over it")
    print(f"textual imported by `reader --help`: {'YES (bad)' if textual_loaded else 'no'}")
    print("heaviest imports (cumulative µs): " + ", ".join(f"{name} {us:,}" for us, name in heaviest_imports()))


if __name__ == "__main__":
    main()
