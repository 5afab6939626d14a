"""One team member for bench_sync.py: makes N writes at a steady pace, syncing with the hub every few
seconds, then prints what it wrote as JSON (created, deleted, and every note it set, by annotation)."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from reader.hub import Hub
from reader.library import sync_sources
from reader.store import open_store
from reader.sync import sync


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("hub")
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sync-every", type=float, default=3.0)
    parser.add_argument("--pace", type=float, default=0.02, help="seconds between writes")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    name = f"member{args.seed}"
    store = open_store(args.db, author=name)
    sync_sources(store, [args.corpus])
    sources = [(s.id, len(store.text(s.id))) for s in store.sources()]
    created: list[str] = []
    deleted: list[str] = []
    notes: dict[str, list[str]] = {}
    own: list[str] = []
    syncs, sync_seconds, conflicts = 0, [], 0
    last_sync = time.monotonic()
    for index in range(args.writes):
        roll = rng.random()
        note = f"{name} write {index}"
        if roll < 0.55 or not own:
            source_id, length = rng.choice(sources)
            start = rng.randrange(0, length - 30)
            annotation = store.add_annotation(source_id, start, start + rng.randrange(5, 30),
                                              tags=[rng.choice(["claim", "quote", "number", "error"])], note=note)
            created.append(annotation.id)
            own.append(annotation.id)
            notes.setdefault(annotation.id, []).append(note)
        elif roll < 0.75:
            target = rng.choice(own)
            store.update_annotation(target, note=note)
            notes.setdefault(target, []).append(note)
        elif roll < 0.90:
            others = [row["id"] for row in store.query("SELECT id FROM annotations ORDER BY random() LIMIT 1")]
            target = others[0] if others else rng.choice(own)
            store.update_annotation(target, note=note)
            notes.setdefault(target, []).append(note)
        else:
            target = own.pop(rng.randrange(len(own)))
            store.delete_annotation(target)
            deleted.append(target)
        if time.monotonic() - last_sync >= args.sync_every:
            started = time.perf_counter()
            with Hub(args.hub) as hub:
                conflicts += sync(store, hub).conflicts
            sync_seconds.append(time.perf_counter() - started)
            syncs += 1
            last_sync = time.monotonic()
        time.sleep(args.pace)
    started = time.perf_counter()
    with Hub(args.hub) as hub:
        conflicts += sync(store, hub).conflicts
    sync_seconds.append(time.perf_counter() - started)
    syncs += 1
    store.close()
    json.dump({"name": name, "created": created, "deleted": deleted, "notes": notes, "syncs": syncs,
               "sync_seconds": sync_seconds, "conflicts": conflicts, "writes": args.writes}, sys.stdout)


if __name__ == "__main__":
    main()
