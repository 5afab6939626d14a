"""Benchmark (issue 14.13): `reader add` on a zip bomb DOCX and EPUB (about 3 MB holding 3 GB of spaces).

Requirement: skipped with one line in under a second and under 200 MB of memory (peak RSS of the
`reader add` process). Baseline in the same run: `reader add` of a small genuine-looking text file,
i.e. the cost of starting the command at all.

    .venv/bin/python bench/bench_zip_bomb.py [--gigabytes 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

READER = str(Path(sys.executable).with_name("reader"))


def run_measured(command: list[str]) -> tuple[float, float, int, str]:
    """(wall seconds, peak RSS MB, exit code, stderr) of a command (exit 1 is expected for a bomb)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status), process.stderr.read().decode()


def make_bomb(path: Path, member: str, gigabytes: float) -> float:
    started = time.perf_counter()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("mimetype", "application/epub+zip")
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = b" " * 4_000_000
            for _ in range(int(gigabytes * 250)):
                handle.write(chunk)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        plain = folder / "plain.txt"
        plain.write_text("A plain article. The minister said so on Monday.\n" * 50, encoding="utf-8")
        seconds, megabytes, _, _ = run_measured([READER, "--db", str(folder / "base.db"), "add", str(plain)])
        print(f"{'baseline: reader add plain.txt':44}{seconds:8.2f} s{megabytes:8.0f} MB")
        for name, member in (("bomb.docx", "word/document.xml"), ("bomb.epub", "OEBPS/chapter.xhtml")):
            path = folder / name
            make_bomb(path, member, args.gigabytes)
            label = f"reader add {name} ({path.stat().st_size / 1e6:.1f} MB -> {args.gigabytes:g} GB)"
            seconds, megabytes, code, said = run_measured([READER, "--db", str(folder / "bomb.db"), "add", str(path)])
            print(f"{label:44}{seconds:8.2f} s{megabytes:8.0f} MB  exit {code}: {said.strip()[:90]}")
    print("requirement: under 1 s and under 200 MB each")


if __name__ == "__main__":
    main()
