"""`reader align` on a million-line source against `reader show` of it through a pipe (a plain read), in one run.

    .venv/bin/python bench/bench_align_big.py [LINES]

Issue 14 item 14: reader align took 46.6 s on a million-line source; the goal is a few times a plain read.
The source is generated (seeded) news-like sentences, one a line; it is aligned with the bundled 000.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER = str(Path(sys.executable).with_name("reader"))
WORDS = ("the government said on tuesday that its new policy would cut emissions by forty percent before officials "
         "who spoke on condition of anonymity claimed the report was leaked to reporters in march analysts expect "
         "growth to slow while the central bank holds rates steady according to figures released by the "
         "statistics office").split()


def timed(args: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - started, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "big.txt"
        with big.open("w", encoding="utf-8") as out:
            for _ in range(lines):
                out.write(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14))).capitalize() + ".\n")
        corpus = sorted((ROOT / "corpus").glob("000_*.txt"))[0]
        env = {**os.environ, "READER_DB": str(Path(folder) / "r.db")}
        subprocess.run([READER, "add", str(big), str(corpus)], env=env, check=True, capture_output=True)
        size = big.stat().st_size
        show = timed([READER, "show", str(big)], env)
        align = timed([READER, "align", str(big), str(corpus), "--format", "json"], env)
    print(f"{lines:,}-line source ({size / 1e6:.0f} MB): reader show through a pipe "
          f"{show[0]:.2f} s wall ({show[1]:.2f} s CPU); reader align with one article {align[0]:.1f} s wall "
          f"({align[1]:.1f} s CPU): {align[1] / show[1]:.0f}x the plain read in CPU time")


if __name__ == "__main__":
    main()
