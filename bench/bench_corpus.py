"""Benchmark: a generated 10,000-file corpus through `reader sources` (cold and cached) and `reader search`.

Goals (issue 2): first `reader sources` under 20 s with progress on a terminal; the second run, metadata
cached, under 1.5 s; `reader search` under 100 ms a query. Each figure is printed with a baseline measured
in the same run: reading every file with plain Python, and the same FTS5 query run directly by sqlite3.

    .venv/bin/python bench/bench_corpus.py [--files 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import itertools
import os
import pty
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READER = str(Path(sys.executable).with_name("reader"))
VOCABULARY = (
    "the a of to and in that for on with as by at from said would could its their company companies "
    "Microsoft OpenAI Google research researchers model models language billion million valuation "
    "partnership investors executive executives announced according report statement spokesperson "
    "government regulators policy market markets growth quarter revenue analysts percent shares "
    "scientist engineers product products launch launched training data safety compute chips "
    "week month year Monday Tuesday Wednesday Thursday Friday interview believes warned added"
).split()
SYLLABLES = "ka lo ri ven tor sa mi del quo bra nek fu zan ti rho gel pim ous ard ix".split()


def pseudo_words(rng: random.Random, count: int) -> list[str]:
    """Made-up words (names, places, terms), so the corpus has a long tail of rare words as news does."""
    words = set()
    while len(words) < count:
        words.add("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))))
    return sorted(words)


def generate_corpus(folder: Path, count: int, seed: int = 7) -> tuple[int, list[str]]:
    """count articles of 300-800 words in paragraphs: two thirds common words, a third from a Zipf-like
    tail of 20,000 made-up words. Returns (bytes written, the tail, most frequent first)."""
    rng = random.Random(seed)
    tail = pseudo_words(rng, 20_000)
    tail_weights = list(itertools.accumulate(1 / rank for rank in range(1, len(tail) + 1)))
    total = 0
    for index in range(count):
        words_left = rng.randint(300, 800)
        paragraphs = [f"Article {index}: " + " ".join(rng.choices(VOCABULARY, k=8)).capitalize()]
        while words_left > 0:
            sentences = []
            for _ in range(rng.randint(2, 5)):
                length = min(words_left, rng.randint(8, 25))
                words_left -= length
                common = rng.choices(VOCABULARY, k=length)
                rare = rng.choices(tail, cum_weights=tail_weights, k=length)
                words = [r if rng.random() < 0.33 else c for c, r in zip(common, rare)]
                sentences.append(" ".join(words).capitalize() + rng.choice([".", ".", ".", "?", " $6.6 billion."]))
                if words_left <= 0:
                    break
            paragraphs.append(" ".join(sentences))
        data = ("\n\n".join(paragraphs) + "\n").encode("utf-8")
        (folder / f"article_{index:05d}.txt").write_bytes(data)
        total += len(data)
    return total, tail


def timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def read_everything(folder: Path) -> int:
    """The baseline: find and read every file and decode it as UTF-8, nothing else."""
    return sum(len(path.read_bytes().decode("utf-8")) for path in sorted(folder.iterdir()))


def children_cpu() -> float:
    """CPU seconds used so far by finished child processes: with wall time, it shows how loaded the machine was."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_reader(db: Path, corpus: Path, *args: str, terminal_stderr: bool = False) -> tuple[float, bytes, int]:
    """Run the reader; with terminal_stderr its stderr is a pseudo-terminal (so progress is drawn) and captured."""
    command = [READER, "--db", str(db), "--corpus", str(corpus), *args]
    if not terminal_stderr:
        start = time.perf_counter()
        result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return time.perf_counter() - start, result.stderr, result.returncode
    master, slave = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    captured = bytearray()
    first_output_at = None
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        if first_output_at is None:
            first_output_at = time.perf_counter() - start
        captured += chunk
    returncode = process.wait()
    elapsed = time.perf_counter() - start
    os.close(master)
    run_reader.first_output_at = first_output_at  # type: ignore[attr-defined]
    return elapsed, bytes(captured), returncode


SEARCH_SQL = (  # what Store.search runs, with visible snippet marks
    "SELECT p.source_id, s.title, s.path, p.position_start, p.position_end, "
    "snippet(passages_fts, 0, '[', ']', '…', 12) FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid "
    "JOIN sources s ON s.id = p.source_id WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts) LIMIT 20"
)


def search_queries(tail: list[str]) -> list[str]:
    """From the commonest word (the worst case: in half of all paragraphs) to a word in no file."""
    return ["Microsoft", "billion valuation", tail[10], tail[500], f"{tail[3]} {tail[40]}", tail[15_000],
            "spokesperson warned regulators", "nonexistentword"]


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="Build the corpus and database here and keep them.")
    options = parser.parse_args()

    work = options.keep or Path(tempfile.mkdtemp(prefix="reader-bench-"))
    corpus, db = work / "corpus", work / "bench.db"
    try:
        for leftover in work.glob("bench.db*"):
            leftover.unlink()
        if options.keep and corpus.is_dir() and len(os.listdir(corpus)) == options.files:
            tail = pseudo_words(random.Random(7), 20_000)  # what generate_corpus drew first with this seed
            size = sum(path.stat().st_size for path in corpus.iterdir())
            print(f"corpus: {options.files:,} files, {size / 1e6:.1f} MB, reused from {corpus}")
        else:
            if corpus.exists():
                shutil.rmtree(corpus)
            corpus.mkdir(parents=True)
            generation, (size, tail) = timed(lambda: generate_corpus(corpus, options.files))
            print(f"corpus: {options.files:,} files, {size / 1e6:.1f} MB, generated in {generation:.1f} s ({work})")

        baseline_read, _ = timed(lambda: read_everything(corpus))
        baseline_start, _ = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
        print(f"baseline: plain Python reads and decodes every file in {baseline_read:.2f} s; "
              f"`python -c pass` takes {baseline_start * 1000:.0f} ms")

        cpu_before = children_cpu()
        cold, stderr, code = run_reader(db, corpus, "sources", terminal_stderr=True)
        cold_cpu = children_cpu() - cpu_before
        assert code == 0, stderr.decode(errors="replace")[-2000:]
        updates = stderr.count(b"\r")
        first = getattr(run_reader, "first_output_at", None)
        last_line = stderr.replace(b"\r", b"\n").strip().splitlines()[-1].decode(errors="replace") if stderr else ""
        print(f"first `reader sources`: {cold:.2f} s wall, {cold_cpu:.2f} s CPU (goal < 20 s; "
              f"{cold / baseline_read:.1f}x the plain read); "
              f"progress on a terminal: {updates} updates, first after "
              f"{'never' if first is None else f'{first:.2f} s'}, last {last_line!r}")

        cpu_before = children_cpu()
        warm_runs = [run_reader(db, corpus, "sources")[0] for _ in range(3)]
        warm_cpu = (children_cpu() - cpu_before) / len(warm_runs)
        warm = statistics.median(warm_runs)
        print(f"cached `reader sources`: median {warm:.2f} s wall of {len(warm_runs)}, {warm_cpu:.2f} s CPU (goal < 1.5 s; "
              f"{warm / baseline_read:.2f}x the plain read, {warm / baseline_start:.1f}x `python -c pass`)")

        from reader.store import open_store

        store = open_store(db)
        raw = sqlite3.connect(db)
        in_process, direct, cli_runs, sqlite_cli = [], [], [], []
        print(f"{'query':<34} {'paragraphs':>10} {'Store.search':>13} {'sqlite3 direct':>15}")
        for query in search_queries(tail):
            runs = [timed(lambda: store.search(query, limit=20))[0] for _ in range(5)]
            in_process.append(statistics.median(runs))
            phrase = " ".join(f'"{word}"' for word in query.split())
            runs = [timed(lambda: raw.execute(SEARCH_SQL, [phrase]).fetchall())[0] for _ in range(5)]
            direct.append(statistics.median(runs))
            matches = raw.execute("SELECT count(*) FROM passages_fts WHERE passages_fts MATCH ?", [phrase]).fetchone()[0]
            print(f"{query:<34} {matches:>10,} {in_process[-1] * 1000:>10.1f} ms {direct[-1] * 1000:>12.1f} ms")
            cli_runs.append(run_reader(db, corpus, "search", query)[0])
            if shutil.which("sqlite3"):
                start = time.perf_counter()
                subprocess.run(["sqlite3", str(db), SEARCH_SQL.replace("?", "'" + phrase.replace("'", "''") + "'")],
                               stdout=subprocess.DEVNULL, check=True)
                sqlite_cli.append(time.perf_counter() - start)
        print(f"Store.search: median {statistics.median(in_process) * 1000:.1f} ms, worst "
              f"{max(in_process) * 1000:.1f} ms a query (goal < 100 ms); the same SQL run directly by sqlite3 in "
              f"Python: median {statistics.median(direct) * 1000:.1f} ms "
              f"(ratio {statistics.median(in_process) / statistics.median(direct):.2f}x)")
        line = (f"`reader search` command: median {statistics.median(cli_runs) * 1000:.0f} ms a query, "
                f"process start and corpus check included ({statistics.median(cli_runs) / baseline_start:.1f}x "
                f"`python -c pass`")
        if sqlite_cli:
            line += f"; the `sqlite3` command line: {statistics.median(sqlite_cli) * 1000:.0f} ms"
        print(line + ")")
        store.close()
        raw.close()
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
