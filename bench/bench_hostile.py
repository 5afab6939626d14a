"""Time every hostile source through the real CLI, against the "no hang over 2 s" budget.

For each case of tests/data/hostile (including the 50 MB single line and the million one-character
lines), runs `reader sources` on a folder holding only that file, then `show`, `annotate` and
`search` on it, each as a real process. Baseline, in the same run: the same commands on a plain
article. Prints seconds per command and the ratio to the baseline; marks any over 2 s.

    .venv/bin/python bench/bench_hostile.py [--no-big]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "data" / "hostile"))
import hostile_sources  # noqa: E402

sys.path.insert(0, str(REPO))
from reader.text import display_safe  # noqa: E402

READER = str(Path(sys.executable).parent / "reader")
BUDGET = 2.0


def timed(args: list[str], timeout: float = 120.0) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        completed = subprocess.run([READER, *args], capture_output=True, timeout=timeout)
        code = completed.returncode
    except subprocess.TimeoutExpired:
        code = -9
    return time.perf_counter() - started, code


def commands_for(folder: Path, name: str, db: Path) -> dict[str, tuple[float, int]]:
    base = ["--db", str(db), "--corpus", str(folder)]
    results = {"sources (first)": timed([*base, "sources"]), "sources (again)": timed([*base, "sources"])}
    results["show"] = timed([*base, "show", "1"])
    results["annotate"] = timed([*base, "annotate", "1", "--quote", "the", "--occurrence", "1"])
    results["search"] = timed([*base, "search", "the"])
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-big", action="store_true", help="leave out the 50 MB and million-line cases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        everything = scratch_path / "all"
        cases = hostile_sources.write_hostile_corpus(everything, big=not args.no_big)
        baseline_folder = scratch_path / "baseline"
        baseline_folder.mkdir()
        shutil.copy(next((REPO / "corpus").glob("001_*.txt")), baseline_folder / "article.txt")
        baseline = commands_for(baseline_folder, "article.txt", scratch_path / "baseline.db")
        columns = list(baseline)
        print(f"{'case':28}" + "".join(f"{c:>17}" for c in columns))
        print(f"{'(baseline: plain article)':28}" + "".join(f"{baseline[c][0]:>16.2f}s" for c in columns))
        over = []
        for index, (name, path) in enumerate(sorted(cases.items())):
            folder = scratch_path / f"case{index}"
            folder.mkdir()
            target = folder / (name if "\n" not in name and len(name) < 100 else f"renamed{index}.txt")
            if path.is_symlink() or not path.is_file():
                shutil.move(str(path), str(target))  # links, FIFOs: moved as they are
            else:
                shutil.copy(path, target)
            results = commands_for(folder, name, scratch_path / f"case{index}.db")
            cells = []
            for column in columns:
                seconds, code = results[column]
                mark = "!" if seconds > BUDGET else " "
                cells.append(f"{seconds:>8.2f}s x{seconds / baseline[column][0]:>4.1f}{mark}"
                             + ("T" if code == -9 else " "))
                if seconds > BUDGET:
                    over.append(f"{name[:40]!r} {column}: {seconds:.1f} s")
            shown = display_safe(name[:28]).replace("\n", "\u2424")  # the bench must not leak what it tests
            print(f"{shown:28}" + "".join(f"{cell:>17}" for cell in cells))
    print(f"budget {BUDGET:.0f} s per command (! over it, T timed out at 120 s); x = ratio to the baseline")
    print("over budget:", "; ".join(over) if over else "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
