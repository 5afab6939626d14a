"""A process that writes annotations and acknowledges each committed write, and a checker for its database.

Run as a script, it opens a store, loads a corpus and then, until killed or done, adds, tags, links
and deletes annotations through reader.store, printing one line per write *after* it committed:

    ACK add <id> <tag>;<tag>     ACK tag <id> <tag>     ACK link <link id> <from> <to>     ACK delete <id>

`verify(db, ack_lines)` then checks what a user is owed after a crash or a race: every acknowledged
write is in the database, `PRAGMA integrity_check` is ok, and nothing is half-written (each annotation
has its creating event and exactly the tags its latest event recorded). Used by bench_crash.py,
bench_concurrency.py and tests/reliability.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TAG_CHOICES = ("claim", "quote", "number", "opinion", "crash-a", "crash-b", "crash-c")


def write_forever(db: Path, corpus: Path, count: int, seed: int, actor: str) -> None:
    """Write `count` times (0: until killed), acknowledging each commit on stdout."""
    from reader.library import sync_sources
    from reader.store import StoreError, open_store

    rng = random.Random(seed)
    store = open_store(db, actor=actor)
    sync_sources(store, [corpus])
    sources = [(s.id, len(store.text(s.id))) for s in store.sources()]
    print("READY", flush=True)
    mine: list[str] = []
    written = 0
    while count == 0 or written < count:
        action = rng.random()
        try:
            if action < 0.70 or len(mine) < 2:
                source_id, length = rng.choice(sources)
                start = rng.randrange(0, length - 40)
                tags = rng.sample(TAG_CHOICES, rng.randrange(0, 4))
                annotation = store.add_annotation(source_id, start, start + rng.randrange(5, 40), tags=tags,
                                                  note=f"note {written} by {actor}")
                mine.append(annotation.id)
                print(f"ACK add {annotation.id} {';'.join(sorted(tags))}", flush=True)
            elif action < 0.85:
                target, tag = rng.choice(mine), rng.choice(TAG_CHOICES)
                store.update_annotation(target, add_tags=[tag])
                print(f"ACK tag {target} {tag}", flush=True)
            elif action < 0.92:
                first, second = rng.sample(mine, 2)
                link = store.add_link(first, second, "same")
                print(f"ACK link {link.id} {first} {second}", flush=True)
            else:
                target = mine.pop(rng.randrange(len(mine)))
                store.delete_annotation(target)
                print(f"ACK delete {target}", flush=True)
        except StoreError as error:  # reported, never hidden: the checker counts these
            print(f"ERROR {error}", flush=True)
        written += 1
    store.close()
    print("DONE", flush=True)


@dataclass
class Verdict:
    """What a check of a database against acknowledgements found; `ok` when nothing was lost or torn."""

    acknowledged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(db: Path, ack_lines: list[str]) -> Verdict:
    """Check db against acknowledged writes: all present, integrity ok, nothing half-written."""
    verdict = Verdict()
    conn = sqlite3.connect(str(db))
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            verdict.problems.append(f"integrity_check: {result[:3]}")
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'annotations'").fetchall():
            # Killed before the schema was committed: fine only if nothing was acknowledged yet.
            if any(line.startswith("ACK") for line in ack_lines):
                verdict.problems.append("acknowledged writes, but the database has no annotations table")
            return verdict
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        if foreign:
            verdict.problems.append(f"foreign_key_check: {foreign[:3]}")
        _check_acknowledged(conn, ack_lines, verdict)
        _check_whole(conn, verdict)
    finally:
        conn.close()
    return verdict


def _check_acknowledged(conn: sqlite3.Connection, ack_lines: list[str], verdict: Verdict) -> None:
    added: dict[str, set[str]] = {}
    deleted: set[str] = set()
    links: dict[str, tuple[str, str]] = {}
    for line in ack_lines:
        parts = line.rstrip("\n").split(" ")
        if parts[0] != "ACK":
            continue
        verdict.acknowledged += 1
        kind = parts[1]
        if kind == "add":
            added[parts[2]] = set(filter(None, parts[3].split(";"))) if len(parts) > 3 else set()
        elif kind == "tag":
            added.setdefault(parts[2], set()).add(parts[3])
        elif kind == "delete":
            deleted.add(parts[2])
        elif kind == "link":
            links[parts[2]] = (parts[3], parts[4])
    # A delete that committed just before the kill, too late to be acknowledged, is in the event log.
    deleted |= {row[0] for row in conn.execute(
        "SELECT entity_id FROM events WHERE entity = 'annotation' AND action = 'delete'")}
    present = {row[0] for row in conn.execute("SELECT id FROM annotations")}
    tags_of: dict[str, set[str]] = {}
    for annotation_id, name in conn.execute(
            "SELECT x.annotation_id, t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id"):
        tags_of.setdefault(annotation_id, set()).add(name)
    for annotation_id, tags in added.items():
        if annotation_id in deleted:
            if annotation_id in present:
                verdict.problems.append(f"acknowledged delete of {annotation_id} did not stick")
            continue
        if annotation_id not in present:
            verdict.problems.append(f"acknowledged annotation {annotation_id} is missing")
        elif not tags <= tags_of.get(annotation_id, set()):
            verdict.problems.append(f"{annotation_id} lost acknowledged tags {tags - tags_of.get(annotation_id, set())}")
    present_links = {row[0] for row in conn.execute("SELECT id FROM links")}
    for link_id, ends in links.items():
        if not set(ends) & deleted and link_id not in present_links:
            verdict.problems.append(f"acknowledged link {link_id} is missing")


def _check_whole(conn: sqlite3.Connection, verdict: Verdict) -> None:
    """Each annotation has its create event, and its tags are exactly what its latest event recorded."""
    latest: dict[str, dict] = {}
    created: set[str] = set()
    for entity_id, action, after in conn.execute(
            "SELECT entity_id, action, after FROM events WHERE entity = 'annotation' ORDER BY id"):
        if action == "create":
            created.add(entity_id)
        if after is not None:
            latest[entity_id] = json.loads(after)
    tags_of: dict[str, set[str]] = {}
    for annotation_id, name in conn.execute(
            "SELECT x.annotation_id, t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id"):
        tags_of.setdefault(annotation_id, set()).add(name)
    for (annotation_id, quote, start, end, text) in conn.execute(
            "SELECT a.id, a.quote, a.position_start, a.position_end, v.text FROM annotations a "
            "JOIN source_versions v ON v.id = a.version_id"):
        if annotation_id not in created:
            verdict.problems.append(f"{annotation_id} has no create event")
        recorded = set(latest.get(annotation_id, {}).get("tags", []))
        if tags_of.get(annotation_id, set()) != recorded:
            verdict.problems.append(f"{annotation_id} tags {tags_of.get(annotation_id, set())} != logged {recorded}")
        if text[start:end] != quote:
            verdict.problems.append(f"{annotation_id} quote does not match its text")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--count", type=int, default=0, help="writes to make (0: until killed)")
    parser.add_argument("--seed", type=int, default=int(time.time_ns() % 2**32))
    parser.add_argument("--actor", default="writer")
    args = parser.parse_args()
    write_forever(args.db, args.corpus, args.count, args.seed, args.actor)


if __name__ == "__main__":
    sys.exit(main())
