"""Issue 14.12: a big import is written in chunks, each a short write transaction, as a batch readers do not
see until one last short transaction publishes it. Other writers get in between chunks; readers see all of
it or none of it; a process killed midway leaves nothing visible, and the next open removes its rows."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reader.exports import write_json
from reader.imports import import_file
from reader.store import bulk, open_store
from reader.store.events import undo_target
from reader.text import find_quote

WORDS = ("OpenAI", "Microsoft", "billion", "Altman", "board")


@pytest.fixture
def export_file(loaded_store, source_id, tmp_path):
    """A JSON export of five annotations (with a new tag and a link), then removed from the store."""
    first = source_id("001")
    text = loaded_store.text(first)
    made = [loaded_store.add_annotation(first, *find_quote(text, word)[0], tags=["imported tag", "claim"])
            for word in WORDS]
    loaded_store.add_link(made[0].id, made[1].id, "same")
    out = io.StringIO()
    write_json(loaded_store, out)
    for annotation in made:
        loaded_store.delete_annotation(annotation.id)
    loaded_store.delete_tag("imported tag")
    path = tmp_path / "export.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, [a.id for a in made]


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("annotations", "annotation_rows", "annotation_tags", "links", "tags")}


def test_other_writers_get_in_between_chunks_and_readers_see_nothing_until_it_is_published(
        loaded_store, export_file, monkeypatch):
    path, ids = export_file
    monkeypatch.setenv("READER_IMPORT_CHUNK_ROWS", "2")  # five annotations: three chunks
    before = counts(loaded_store.path)
    uses_before = {t.name: t.uses for t in loaded_store.tags()}
    seen, uses = [], []

    def a_user_meanwhile(store):
        reader = open_store(loaded_store.path)  # another reader, as the TUI would be
        try:
            uses.append({t.name: t.uses for t in reader.tags()})
            assert reader.annotations() == []
        finally:
            reader.close()
        other = sqlite3.connect(loaded_store.path, isolation_level=None, timeout=0)  # no waiting for the lock
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO settings (key, value) VALUES (?, 'x') ON CONFLICT DO NOTHING",
                          [f"chunk {len(seen)}"])
            other.execute("COMMIT")
            seen.append(counts(loaded_store.path))
        finally:
            other.close()

    monkeypatch.setattr(bulk, "between_chunks", a_user_meanwhile)
    report = import_file(loaded_store, path)
    assert len(seen) == 3  # a write got in after every chunk
    assert all(c["annotations"] == before["annotations"] and c["tags"] == before["tags"] for c in seen)
    assert [c["annotation_rows"] - before["annotation_rows"] for c in seen] == [2, 4, 5]  # written, hidden
    assert uses == [uses_before] * 3  # the uses of 'claim' being written are not counted yet
    assert report.imported == 5 and report.links_added == 1
    after = counts(loaded_store.path)
    assert after["annotations"] == before["annotations"] + 5 and after["links"] == before["links"] + 1
    assert {a.id for a in loaded_store.annotations()} >= set(ids)
    assert all(sorted(loaded_store.annotation(i).tags) == ["claim", "imported tag"] for i in ids)
    assert {t.name: t.uses for t in loaded_store.tags()}["claim"] == uses_before["claim"] + 5
    assert loaded_store.undo().startswith("undid adding a tag, adding 5 annotations and adding a link")
    assert counts(loaded_store.path) == before


def test_a_tag_changed_meanwhile_makes_the_batch_stale_and_the_import_is_made_again(
        loaded_store, export_file, monkeypatch):
    path, ids = export_file
    monkeypatch.setenv("READER_IMPORT_CHUNK_ROWS", "2")
    calls = []

    def a_user_adds_the_same_tag(store):
        if not calls:  # once: the second attempt goes through
            other = sqlite3.connect(loaded_store.path, isolation_level=None)
            other.execute("INSERT INTO tags (name, colour, position) VALUES ('Imported Tag', '#ffffff', 99)")
            other.close()
        calls.append(1)

    monkeypatch.setattr(bulk, "between_chunks", a_user_adds_the_same_tag)
    report = import_file(loaded_store, path)
    assert report.imported == 5 and report.tags_added == 0
    assert all(sorted(loaded_store.annotation(i).tags) == ["Imported Tag", "claim"] for i in ids)
    assert [t.name for t in loaded_store.tags()].count("Imported Tag") == 1
    rows = loaded_store.query("SELECT published FROM import_batches ORDER BY started")
    assert [row["published"] for row in rows] == [-1, 1]  # the stale batch abandoned, the second published
    assert loaded_store.query("SELECT count(*) AS n FROM annotation_rows")[0]["n"] == 5


KILLED_IMPORT = """
import os, sys
from reader.store import bulk, open_store
from reader.store.events import undo_target
from reader.imports import import_file
os.environ["READER_IMPORT_CHUNK_ROWS"] = "2"
chunks = []
def killed(store):
    chunks.append(1)
    if len(chunks) == 2:
        os._exit(9)
bulk.between_chunks = killed
import_file(open_store(sys.argv[1]), sys.argv[2])
"""


def test_an_import_killed_midway_leaves_nothing_and_the_next_open_removes_its_rows(loaded_store, export_file):
    path, ids = export_file
    db = loaded_store.path
    before = counts(db)
    loaded_store.close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    killed = subprocess.run([sys.executable, "-c", KILLED_IMPORT, str(db), str(path)], env=env, timeout=120)
    assert killed.returncode == 9
    left = counts(db)
    assert left["annotations"] == before["annotations"]  # nothing visible
    assert left["annotation_rows"] == before["annotation_rows"] + 4  # two chunks written, hidden
    store = open_store(db)  # the next open removes them
    try:
        assert counts(db) == before
        # The dead batch's events are no change anyone can undo: the next undo is the fixture's own.
        group = undo_target(store.db.conn, "author", store.author)
        assert [r["actor"] for r in store.query("SELECT DISTINCT actor FROM events WHERE group_id = ?", [group])] \
            != ["import"]
        assert import_file(store, path).imported == 5  # and the import runs again
        assert store.undo().startswith("undid adding a tag, adding 5 annotations")
        assert counts(db) == before
    finally:
        store.close()
