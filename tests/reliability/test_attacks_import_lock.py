"""Issue 14.12: an import does its slow work (parsing, matching, anchoring) without the write lock, so a
user's write gets in; it stays all-or-nothing; and tags on one annotation import in linear time."""

from __future__ import annotations

import io
import json
import signal
import sqlite3

import pytest

from reader.exports import write_json
from reader.imports import import_file
from reader.store import import_plan
from reader.text import find_quote


@pytest.fixture
def export_file(loaded_store, source_id, tmp_path):
    """A JSON export of three annotations (one with a new tag 'imported tag'), then removed from the store."""
    first = source_id("001")
    text = loaded_store.text(first)
    made = [loaded_store.add_annotation(first, *find_quote(text, word)[0], tags=["imported tag"])
            for word in ("OpenAI", "Microsoft", "billion")]
    out = io.StringIO()
    write_json(loaded_store, out)
    for annotation in made:
        loaded_store.delete_annotation(annotation.id)
    loaded_store.delete_tag("imported tag")
    path = tmp_path / "export.json"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, [a.id for a in made]


def test_a_users_write_gets_in_while_an_import_works_and_both_are_kept(loaded_store, export_file, monkeypatch):
    path, ids = export_file
    other = sqlite3.connect(loaded_store.path, isolation_level=None, timeout=0)  # a user's write: no waiting
    outcome = []
    place = import_plan._Placer.place

    def place_while_a_user_writes(self, item):
        if not outcome:
            try:
                other.execute("BEGIN IMMEDIATE")
                # The same name as the import's new tag: a plan made before this write is stale.
                other.execute("INSERT INTO tags (name, colour, position) VALUES ('Imported Tag', '#ffffff', 99)")
                other.execute("COMMIT")
                outcome.append("written")
            except sqlite3.OperationalError as error:
                outcome.append(str(error))
        return place(self, item)

    monkeypatch.setattr(import_plan._Placer, "place", place_while_a_user_writes)
    report = import_file(loaded_store, path)
    other.close()
    assert outcome == ["written"]
    assert report.imported == 3
    stored = {a.id: a for a in loaded_store.annotations()}
    assert all(stored[i].tags == ["Imported Tag"] for i in ids)
    assert [t.name for t in loaded_store.tags()].count("Imported Tag") == 1
    conn = loaded_store.db.conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the publish
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []  # every row's references exist


def test_an_import_that_fails_while_publishing_leaves_nothing(loaded_store, export_file, monkeypatch):
    path, ids = export_file
    before = {t: loaded_store.query(f"SELECT count(*) AS n FROM {t}")[0]["n"]
              for t in ("annotations", "annotation_tags", "tags", "events")}

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(loaded_store, "log_staged_events", broken, raising=False)
    monkeypatch.setattr(loaded_store, "log_events", broken)
    with pytest.raises(OSError):
        import_file(loaded_store, path)
    after = {t: loaded_store.query(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in before}
    assert after == before


def test_forty_thousand_tags_on_one_annotation_import_without_a_quadratic_pass(loaded_store, source_id, tmp_path):
    """The quadratic import took 53 s here for 40,000 tags; linear takes about a second. The alarm only
    catches the hang (bench/bench_import_lock.py measures the scaling)."""
    first = source_id("001")
    text = loaded_store.text(first)
    source = next(s for s in loaded_store.sources() if s.id == first)
    document = {"format": "reader-annotations", "format_version": 1, "sources": [{"id": 1, "path": source.path}],
                "annotations": [{"id": "manytags", "source": 1, "start": 0, "end": 10, "quote": text[:10],
                                 "tags": [f"tag {n}" for n in range(40_000)]}]}
    path = tmp_path / "tags.json"
    path.write_text(json.dumps(document), encoding="utf-8")

    def expire(signum, frame):
        raise TimeoutError("importing 40,000 tags took over 25 s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(25)
    try:
        report = import_file(loaded_store, path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert report.tags_added == 40_000
    assert len(loaded_store.annotation("manytags").tags) == 40_000
