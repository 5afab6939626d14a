"""Benchmark: `reader agreement` on 1,000 sources and two authors with 50,000 annotations each.

Requirement (issue 12): under 5 s. Runs the real command (a child process, `reader --db DB agreement`)
for sentence and character units, and times compute_agreement in process too.

    .venv/bin/python bench/bench_agreement.py [--sources 1000] [--per-author 50000] [--rebuild]

The generated database is cached in $TMPDIR/reader-bench/ (built in well under a minute).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.agreement import compute_agreement  # noqa: E402
from reader.anchoring import make_selector  # noqa: E402
from reader.corpus import Document  # noqa: E402
from reader.store import now, open_store  # noqa: E402

BENCH_DIR = Path(tempfile.gettempdir()) / "reader-bench"
WORDS = ("the minister said on Tuesday that the budget would rise by 4.5 percent next year while critics "
         "argued the figures were misleading and officials declined to comment on reports of delays").split()


def article(rng: random.Random, sentences: int = 60) -> str:
    """A generated news-like text: paragraphs of sentences of 8-25 words."""
    paragraphs, current = [], []
    for number in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(8, 25))]
        current.append(" ".join(words).capitalize() + ".")
        if number % 4 == 3:
            paragraphs.append(" ".join(current))
            current = []
    paragraphs.append(" ".join(current))
    return "\n\n".join(p for p in paragraphs if p)


def build_database(path: Path, sources: int, per_author: int, seed: int = 12) -> None:
    if path.exists():
        path.unlink()
    rng = random.Random(seed)
    started = time.perf_counter()
    store = open_store(path, author="bench")
    tag_ids = [tag.id for tag in store.tags()][:4]
    texts = []
    for number in range(sources):
        text = article(rng)
        source_id, _ = store.save_document(Document(
            path=Path(f"/bench/source-{number:04d}.txt"), title=f"Source {number}", text=text, encoding="utf-8",
            format="text", size=len(text), mtime_ns=0))
        texts.append((source_id, store.source(source_id).version_id, text))
    stamp = now()
    rows, tag_rows = [], []
    for author in ("alice", "bob"):
        for number in range(per_author):
            source_id, version_id, text = texts[number % len(texts)]
            start = rng.randrange(0, len(text) - 200)
            end = start + rng.randrange(10, 200)
            selector = make_selector(text, start, end)
            annotation_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            rows.append((annotation_id, source_id, version_id, start, end, selector.quote, selector.prefix,
                         selector.suffix, "", author, stamp, stamp, "anchored", version_id, start, end, 100.0))
            tag_rows.extend((annotation_id, tag_id) for tag_id in rng.sample(tag_ids, rng.choice([1, 1, 2])))
    with store.write() as db:
        db.conn.executemany(
            "INSERT INTO annotations (id, source_id, version_id, position_start, position_end, quote, prefix, "
            "suffix, note, author, created, updated, anchor_status, anchor_version_id, anchor_start, anchor_end, "
            "anchor_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)", tag_rows)
    store.close()
    print(f"built {path}: {sources:,} sources, {len(rows):,} annotations in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--per-author", type=int, default=50_000)
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    path = BENCH_DIR / f"agreement-{options.sources}-{options.per_author}.db"
    if options.rebuild or not path.exists():
        build_database(path, options.sources, options.per_author)
    reader = Path(sys.executable).with_name("reader")
    for unit in ("sentence", "character"):
        started = time.perf_counter()
        result = subprocess.run([str(reader), "--db", str(path), "agreement", "--unit", unit],
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode:
            raise SystemExit(result.stderr)
        print(f"`reader agreement --unit {unit}`: {elapsed:.2f} s (requirement: under 5 s) "
              f"{'PASS' if elapsed < 5 else 'FAIL'}")
        print("  " + result.stdout.replace("\n", "\n  ").rstrip())
    store = open_store(path)
    started = time.perf_counter()
    report = compute_agreement(store)
    print(f"compute_agreement in process (sentences): {time.perf_counter() - started:.2f} s, "
          f"{report.overall.all_units.units:,} units")
    store.close()


if __name__ == "__main__":
    main()
