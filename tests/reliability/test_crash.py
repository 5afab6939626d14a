"""kill -9 of processes writing annotations: every acknowledged write survives, nothing is half-written.

A smaller run of bench/bench_crash.py (which does 200 trials), plus checks that its checker can fail.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from pathlib import Path

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import bench_crash  # noqa: E402
from ack_writer import verify  # noqa: E402

from reader.store import DEFAULT_TAGS, open_store


def test_killed_store_writers_lose_no_acknowledged_write(tmp_path: Path):
    db = tmp_path / "crash.db"
    clean, problems, acknowledged = bench_crash.run_trials(db, trials=12, rng=random.Random(7))
    assert problems == []
    assert clean == 12
    assert acknowledged > 100, "the writer got far enough to be killed mid-write"


def test_killed_reader_annotate_loses_no_acknowledged_annotation(tmp_path: Path):
    db = tmp_path / "crash_cli.db"
    clean, problems, acknowledged = bench_crash.run_cli_trials(db, trials=5, rng=random.Random(3))
    assert problems == [] and clean == 5
    assert acknowledged >= 1


def test_the_checker_notices_a_lost_write_and_a_torn_tag_set(tmp_path: Path, corpus_dir: Path):
    db = tmp_path / "checked.db"
    store = open_store(db)
    from reader.library import sync_sources

    sync_sources(store, [corpus_dir])
    source = store.sources()[0]
    kept = store.add_annotation(source.id, 0, 10, tags=["claim", "number"])
    acks = [f"ACK add {kept.id} claim;number"]
    assert verify(db, acks).ok
    assert not verify(db, acks + ["ACK add 0123456789abcdef claim"]).ok, "a missing acknowledged write is caught"
    gone = store.add_annotation(source.id, 20, 30)
    store.delete_annotation(gone.id)  # committed, but the writer was killed before saying so
    assert verify(db, acks + [f"ACK add {gone.id} "]).ok, "an unacknowledged, committed delete is not a loss"
    store.db.execute("DELETE FROM annotations WHERE id = ?", [kept.id])  # vanished without its event
    assert not verify(db, acks).ok
    kept = store.add_annotation(source.id, 0, 10, tags=["claim", "number"])
    store.db.execute("DELETE FROM annotation_tags WHERE annotation_id = ? AND tag_id = "
                     "(SELECT id FROM tags WHERE name = 'number')", [kept.id])
    store.close()
    verdict = verify(db, [])
    assert not verdict.ok and "logged" in verdict.problems[0], "tags that disagree with the event log are caught"


def test_a_crash_while_creating_the_database_leaves_no_half_set_up_store(tmp_path: Path):
    """Killed after the schema was made but before the default tags: reopening gives the full set."""
    db = tmp_path / "new.db"
    crash = ("import os, sys, reader.store as s\n"
             "s.Store.ensure_default_tags = lambda self: os._exit(9)\n"
             "s.open_store(sys.argv[1])\n")
    completed = subprocess.run([sys.executable, "-c", crash, str(db)], capture_output=True)
    assert completed.returncode == 9
    store = open_store(db)
    assert [tag.name for tag in store.tags()] == [name for name, _, _ in DEFAULT_TAGS]
    assert sqlite3.connect(str(db)).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store.close()
