"""Benchmark: claims, ClaimReview and REFI-QDA on a big fact-checking database (issue 11).

Requirements: `reader claims --json` and `reader export --format claimreview` on 10,000 claims made of
100,000 annotations in under 2 s each; `reader export --format qdpx` of 1,000 sources with 100,000
annotations in under 30 s, in constant memory. The baseline, measured in the same run on the same
database, is `reader export --format json` (the lossless export of the same annotations). Each command
runs as a child process; its wall time and peak RSS (os.wait4) are printed.

    .venv/bin/python bench/bench_claims.py [--sources 1000] [--claims 10000] [--members 10] [--rebuild]

The generated database is cached in $TMPDIR/reader-bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.anchoring import make_selector  # noqa: E402
from reader.store import content_hash, now, open_store  # noqa: E402

BENCH_DIR = Path(tempfile.gettempdir()) / "reader-bench"
WORDS = ("Microsoft OpenAI invested billion researcher joined announced said reported according company "
         "model models partnership statement million percent since year years week Monday the a of to in "
         "and for on with that has have was were by from Altman Nadella Bubeck report").split()
OUTLETS = ["Converge360", "heise", "Reuters", "AP", "The Verge", "Business Insider", "Wired", "CNBC"]


def _text(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(8, 20))]
        if rng.random() < 0.5:
            words.insert(rng.randrange(len(words)), f"${rng.randrange(1, 20)}")
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out) + "\n"


NAMES = ["Altman", "Nadella", "Bubeck", "Murati", "Brockman", "Pichai", "Hassabis", "Amodei"]
COMPANIES = ["Microsoft", "OpenAI", "Google", "Anthropic", "Meta", "Amazon", "Nvidia", "Apple"]


def _claim_sentences(rng: random.Random, claim: int, members: int) -> list[str]:
    """One claim as its members word it: most repeat it, some give another figure, some paraphrase it
    (same figure and names, other words): what linked passages across outlets look like."""
    name, company = rng.choice(NAMES), rng.choice(COMPANIES)
    amount, year = rng.randrange(1, 60), 2015 + claim % 10
    base = f"{name} said {company} invested ${amount} billion in the venture in {year}."
    sentences = [base]
    for _ in range(members - 1):
        draw = rng.random()
        if draw < 0.6:
            sentences.append(base)
        elif draw < 0.85:
            sentences.append(base.replace(f"${amount} ", f"${amount + rng.randrange(1, 9)} "))
        else:
            sentences.append(f"According to {name}, {company} put ${amount} billion into it in {year}.")
    return sentences


def build_database(path: Path, sources: int, claims: int, members: int, seed: int = 11) -> Path:
    """sources texts (with outlets and dates) holding the members of `claims` claims of `members` linked
    annotations each (in different sources), each claim with a stored record, a verdict and evidence."""
    if path.exists():
        path.unlink()
    store = open_store(path)
    rng = random.Random(seed)
    stamp = now()
    conn = store.db.conn
    started = time.perf_counter()
    placed: dict[int, list[tuple[int, int, str]]] = {number: [] for number in range(sources)}
    for claim in range(claims):
        for member, (source, sentence) in enumerate(zip(rng.sample(range(sources), members),
                                                        _claim_sentences(rng, claim, members))):
            placed[source].append((claim, member, sentence))
    members_of: dict[int, list[tuple[int, str]]] = {}  # claim -> [(member, annotation id)]
    annotations, tag_rows, links, claim_rows, evidence = [], [], [], [], []
    with store.write():
        tag_ids = [t.id for t in store.tags()]
        for number in range(sources):
            parts, spans, offset = [], [], 0
            for claim, member, sentence in placed[number]:
                filler = _text(rng, 1).strip() + " "
                parts.append(filler)
                offset += len(filler)
                parts.append(sentence + "\n")
                spans.append((claim, member, offset, offset + len(sentence)))
                offset += len(sentence) + 1
            text = "".join(parts) or _text(rng, 5)
            published = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            source_id = conn.execute(
                "INSERT INTO sources (path, title, outlet, author, published, url, added, words, file_metadata) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{}')",
                [f"/bench/{number:05d}.txt", f"Article {number}", OUTLETS[number % len(OUTLETS)], "Reporter",
                 published, f"https://news.example/{number}", stamp, len(text.split())]).lastrowid
            version_id = conn.execute(
                "INSERT INTO source_versions (source_id, content_hash, text, length, loaded) VALUES (?, ?, ?, ?, ?)",
                [source_id, content_hash(text), text, len(text), stamp]).lastrowid
            conn.execute("UPDATE sources SET current_version_id = ? WHERE id = ?", [version_id, source_id])
            for claim, member, start, end in spans:
                selector = make_selector(text, start, end)
                annotation_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
                members_of.setdefault(claim, []).append((member, annotation_id))
                annotations.append((annotation_id, source_id, version_id, start, end, selector.quote, selector.prefix,
                                    selector.suffix, "", "bench", stamp, stamp, "anchored", version_id, start, end,
                                    100.0))
                tag_rows.append((annotation_id, tag_ids[claim % len(tag_ids)]))
        kinds = ("same",) * 6 + ("supports", "contradicts")
        for claim in range(claims):
            ids = [annotation_id for _, annotation_id in sorted(members_of[claim])]
            for index in range(1, len(ids)):
                links.append((uuid.uuid4().hex, ids[0], ids[index], kinds[index % len(kinds)], stamp))
            claim_rows.append((ids[0], json.dumps(sorted(ids)), "", "mostly true", 4, "Checked", "bench", stamp,
                               stamp, stamp))
            evidence.append((uuid.uuid4().hex, ids[0], "url", f"https://evidence.example/{claim}", "", stamp, "bench"))
        conn.executemany(
            "INSERT INTO annotations (id, source_id, version_id, position_start, position_end, quote, prefix, suffix, "
            "note, author, created, updated, anchor_status, anchor_version_id, anchor_start, anchor_end, anchor_score) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", annotations)
        conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)", tag_rows)
        conn.executemany("INSERT INTO links (id, from_annotation, to_annotation, kind, created) VALUES (?, ?, ?, ?, ?)",
                         links)
        conn.executemany("INSERT INTO claims (id, members, text, rating, rating_value, verdict_note, verdict_author, "
                         "verdict_at, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", claim_rows)
        conn.executemany("INSERT INTO claim_evidence (id, claim_id, kind, value, note, added, author) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)", evidence)
    store.close()
    print(f"built {path}: {sources:,} sources, {len(annotations):,} annotations, {claims:,} claims, "
          f"{len(links):,} links in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def run(args: list[str], db: Path, corpus: Path) -> tuple[float, float, float]:
    """Run `reader --db DB --corpus CORPUS ARGS` as a child; (wall seconds, peak RSS in MB, CPU seconds)."""
    command = [sys.executable, "-m", "reader", "--db", str(db), "--corpus", str(corpus), *args]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    error = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {error}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()
    BENCH_DIR.mkdir(exist_ok=True)
    db = BENCH_DIR / f"claims-v2-{options.sources}-{options.claims}-{options.members}.db"
    if options.rebuild or not db.exists():
        build_database(db, options.sources, options.claims, options.members)
        # Measure from a fresh process: a child forked from this one (big after the build) counts the
        # parent's pages in its peak RSS (ru_maxrss survives exec), which made the qdpx peak read 161 MB.
        os.execv(sys.executable, [sys.executable, __file__, *(a for a in sys.argv[1:] if a != "--rebuild")])
    corpus = BENCH_DIR / "empty-corpus"
    corpus.mkdir(exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="bench-claims-"))
    annotations = options.claims * options.members
    print(f"{options.sources:,} sources, {options.claims:,} claims, {annotations:,} annotations; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    run(["sources", "--json"], db, corpus)  # warm the page cache
    baseline = run(["export", "--format", "json", "-o", str(out / "baseline.json")], db, corpus)
    print(f"baseline  export --format json     {baseline[0]:6.2f} s  peak {baseline[1]:6.0f} MB  "
          f"CPU {baseline[2]:5.2f} s", flush=True)
    results = {
        "claims --json": run(["claims", "--json"], db, corpus),
        "claims --json (again)": run(["claims", "--json"], db, corpus),
        "export claimreview": run(["export", "--format", "claimreview", "-o", str(out / "reviews.jsonld")], db, corpus),
        "export qdpx": run(["export", "--format", "qdpx", "-o", str(out / "project.qdpx")], db, corpus),
    }
    limits = {"claims --json": 2.0, "claims --json (again)": 2.0, "export claimreview": 2.0, "export qdpx": 30.0}
    for name, (seconds, peak, cpu) in results.items():
        verdict = "ok" if seconds < limits[name] else "OVER"
        print(f"{name:<32} {seconds:6.2f} s  peak {peak:6.0f} MB  {seconds / baseline[0]:5.2f}x baseline  "
              f"CPU {cpu:5.2f} s ({cpu / baseline[2]:.2f}x)  (limit {limits[name]:.0f} s: {verdict})", flush=True)
    print(f"qdpx size {os.path.getsize(out / 'project.qdpx') / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main()
