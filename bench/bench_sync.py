"""The team hub (`reader sync` against PostgreSQL 15 on this machine).

1. First sync of a database with 100,000 annotations to an empty hub, then from the hub into an empty
   database (target: under 60 s each); the two databases' annotation digests must match.
2. An incremental sync of 100 changes (40 new annotations, 40 edited notes, 20 deletions): the push from
   the database that made them and the pull into the other (target: under 1 s each).
3. Eight processes (bench/sync_worker.py), each making 1,000 writes and syncing every few seconds against
   one hub; then every database syncs until nothing moves. Checks: the eight annotation digests are
   identical, every annotation created and not deleted is in all eight, none deleted is left (unless a
   concurrent edit won and the conflict was recorded), every note is one some member wrote, and the hub
   holds no change twice.

    .venv/bin/python bench/bench_sync.py [--annotations 100000] [--members 8] [--writes 1000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_cluster import create_hub_database, postgres_cluster  # noqa: E402

from reader.anchoring import make_selector  # noqa: E402
from reader.hub import Hub  # noqa: E402
from reader.library import sync_sources  # noqa: E402
from reader.store import now, open_store  # noqa: E402
from reader.sync import annotations_digest, sync  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
WORKER = Path(__file__).resolve().parent / "sync_worker.py"


def bulk_annotations(store, count: int, seed: int = 7) -> None:
    """count annotations spread over the corpus's sources, written as `reader import` writes them."""
    rng = random.Random(seed)
    sources = [(s.id, s.version_id, store.text(s.id)) for s in store.sources()]
    tags = {t.name: t.id for t in store.tags()}
    stamp = now()
    rows, tag_rows, events = [], [], []
    for index in range(count):
        source_id, version_id, text = sources[index % len(sources)]
        start = rng.randrange(0, len(text) - 40)
        end = start + rng.randrange(5, 40)
        selector = make_selector(text, start, end)
        tag = rng.choice(list(tags))
        row = {"id": uuid.uuid4().hex, "source_id": source_id, "version_id": version_id, "position_start": start,
               "position_end": end, "quote": selector.quote, "prefix": selector.prefix, "suffix": selector.suffix,
               "note": f"note {index}", "author": store.author, "created": stamp, "updated": stamp,
               "anchor_status": "anchored", "anchor_version_id": version_id, "anchor_start": start,
               "anchor_end": end, "anchor_score": 100.0}
        rows.append(row)
        tag_rows.append((row["id"], tags[tag]))
        events.append(("create", "annotation", row["id"], None,
                       json.dumps({**row, "tags": [tag], "links": []}, ensure_ascii=False)))
    columns = list(rows[0])
    with store.write() as db:
        db.conn.executemany(f"INSERT INTO annotations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                            [[row[c] for c in columns] for row in rows])
        db.conn.executemany("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)", tag_rows)
        store.log_events(events, actor="import")


def timed_sync(store, url: str):
    started = time.perf_counter()
    with Hub(url) as hub:
        result = sync(store, hub)
    return time.perf_counter() - started, result


def first_and_incremental(admin: str, folder: Path, count: int) -> None:
    url = create_hub_database(admin, "bench_first")
    alice = open_store(folder / "alice.db", author="alice")
    sync_sources(alice, [CORPUS])
    bulk_annotations(alice, count)
    seconds, result = timed_sync(alice, url)
    print(f"first sync, {count:,} annotations to an empty hub: {seconds:.1f} s "
          f"(pushed {result.pushed:,} changes, {result.texts_sent} source texts)  target < 60 s")
    bob = open_store(folder / "bob.db", author="bob")
    seconds, result = timed_sync(bob, url)
    print(f"first sync from the hub into an empty database: {seconds:.1f} s "
          f"(applied {result.applied:,}, {result.texts_fetched} source texts fetched)  target < 60 s")
    same = annotations_digest(alice) == annotations_digest(bob)
    print(f"  annotations in both: {len(bob.query('SELECT id FROM annotations')):,}; digests equal: {same}")

    rng = random.Random(3)
    ids = [row["id"] for row in alice.query("SELECT id FROM annotations")]
    source = alice.sources()[0]
    length = len(alice.text(source.id))
    for index in range(40):
        start = rng.randrange(0, length - 20)
        alice.add_annotation(source.id, start, start + 10, tags=["claim"], note=f"new {index}")
    for index, target in enumerate(rng.sample(ids, 60)):
        if index < 40:
            alice.update_annotation(target, note=f"edited {index}")
        else:
            alice.delete_annotation(target)
    seconds, result = timed_sync(alice, url)
    print(f"incremental sync of 100 changes, push: {seconds * 1000:.0f} ms (pushed {result.pushed})  target < 1 s")
    seconds, result = timed_sync(bob, url)
    print(f"incremental sync of 100 changes, pull: {seconds * 1000:.0f} ms (applied {result.applied})  target < 1 s")
    seconds, result = timed_sync(bob, url)
    print(f"sync with nothing to do: {seconds * 1000:.0f} ms")
    print(f"  digests equal after the increment: {annotations_digest(alice) == annotations_digest(bob)}")
    alice.close()
    bob.close()


def eight_members(admin: str, folder: Path, members: int, writes: int) -> bool:
    url = create_hub_database(admin, "bench_team")
    started = time.perf_counter()
    processes = [subprocess.Popen([sys.executable, str(WORKER), str(folder / f"member{n}.db"), str(CORPUS), url,
                                   "--writes", str(writes), "--seed", str(n)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for n in range(1, members + 1)]
    logs = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            print(f"  a member failed (exit {process.returncode}): {err.strip()[-500:]}")
            return False
        logs.append(json.loads(out))
    writing = time.perf_counter() - started
    stores = [open_store(folder / f"member{n}.db") for n in range(1, members + 1)]
    rounds = 0
    while True:  # everyone syncs until a whole round moves nothing
        rounds += 1
        moved = 0
        for store in stores:
            _, result = timed_sync(store, url)
            moved += result.pushed + result.applied
        if moved == 0 or rounds > 5:
            break
    digests = {annotations_digest(store) for store in stores}
    created = {i for log in logs for i in log["created"]}
    deleted = {i for log in logs for i in log["deleted"]}
    written: dict[str, set[str]] = {}
    writers: dict[str, set[str]] = {}
    for log in logs:
        for annotation_id, notes in log["notes"].items():
            written.setdefault(annotation_id, set()).update(notes)
            writers.setdefault(annotation_id, set()).add(log["name"])
    conflicted = {row["key"] for row in stores[0].query("SELECT DISTINCT key FROM sync_conflicts")}
    present = [{row["id"]: row["note"] for row in store.query("SELECT id, note FROM annotations")} for store in stores]
    missing = sum(len((created - deleted) - set(p)) for p in present)
    resurrected = {i for p in present for i in set(p) & deleted}
    unexplained = resurrected - conflicted
    foreign = sum(1 for p in present for i in p if i not in created)
    bad_notes = sum(1 for p in present for i, note in p.items() if note not in written.get(i, ()))
    single_writer_wrong = 0
    for log in logs:
        for annotation_id, notes in log["notes"].items():
            if writers[annotation_id] == {log["name"]} and annotation_id not in deleted:
                single_writer_wrong += sum(1 for p in present if p.get(annotation_id) != notes[-1])
    with Hub(url) as hub:
        duplicates = hub.conn.execute("SELECT count(*) FROM (SELECT origin, origin_id FROM hub_changes "
                                      "GROUP BY origin, origin_id HAVING count(*) > 1) d").fetchone()[0]
        hub_changes = hub.conn.execute("SELECT count(*) FROM hub_changes").fetchone()[0]
    syncs = sum(log["syncs"] for log in logs)
    times = sorted(t for log in logs for t in log["sync_seconds"])
    print(f"{members} members x {writes:,} writes, syncing every few seconds: {writing:.0f} s of writing, "
          f"{syncs} syncs (median {times[len(times) // 2] * 1000:.0f} ms, slowest {times[-1] * 1000:.0f} ms), "
          f"then {rounds} rounds to settle")
    print(f"  annotations created {len(created):,}, deleted {len(deleted):,}, in each database "
          f"{[len(p) for p in present]}")
    print(f"  identical databases (annotation digests): {len(digests) == 1}; missing writes: {missing}; "
          f"left after deletion without a recorded conflict: {len(unexplained)} (resurrected by a winning "
          f"concurrent edit, recorded: {len(resurrected & conflicted)}); unknown annotations: {foreign}")
    print(f"  notes not written by anyone: {bad_notes}; single-writer annotations not at their last note: "
          f"{single_writer_wrong}; conflicts recorded: {sum(log['conflicts'] for log in logs)}; "
          f"duplicate changes on the hub: {duplicates} of {hub_changes:,}")
    for store in stores:
        store.close()
    return (len(digests) == 1 and missing == 0 and not unexplained and foreign == 0 and bad_notes == 0
            and single_writer_wrong == 0 and duplicates == 0)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--writes", type=int, default=1000)
    args = parser.parse_args()
    with postgres_cluster() as admin, tempfile.TemporaryDirectory(prefix="reader-bench-sync-") as tmp:
        folder = Path(tmp)
        first_and_incremental(admin, folder, args.annotations)
        ok = eight_members(admin, folder, args.members, args.writes)
    print("eight-member check:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
