"""The SQLite store: schema and refusals, CRUD, undo/redo from the event log, concurrency, versions."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.corpus import load_document
from reader.library import sync_sources
from reader.store import DEFAULT_TAGS, Store, StoreError, open_store
from reader.store.migrations import MIGRATIONS, SCHEMA_VERSION


def fingerprint(path: Path) -> tuple[str, int, list[str]]:
    """Content, modification time and sibling files: what 'left untouched' means for a database."""
    siblings = sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, siblings


def state(store: Store) -> dict[str, tuple]:
    """What undo and redo must restore: each annotation's place, note and tags."""
    return {a.id: (a.start, a.end, a.note, tuple(a.tags)) for a in store.annotations()}


# --- schema ---------------------------------------------------------------------------------------

def test_new_database_schema_and_pragmas(store: Store) -> None:
    conn = store.db.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    tables = set(store.db.table_names())
    assert {"sources", "source_versions", "annotation_rows", "tags", "annotation_tags", "links", "events",
            "passages", "passages_fts", "import_batches"} <= tables
    # annotations is a view of annotation_rows without the rows of an import not yet published (schema 11)
    assert {"annotations", "annotations_view"} <= set(store.db.view_names())
    assert [t.name for t in store.tags()] == [name for name, _, _ in DEFAULT_TAGS]


def test_annotations_view_is_flat_and_readable(loaded_store: Store, source_id) -> None:
    made = loaded_store.add_annotation(source_id("001"), 6, 24, tags=["claim", "quote"], note="n")
    (row,) = loaded_store.query("SELECT * FROM annotations_view")
    assert row["id"] == made.id
    assert row["source_title"] == "One of Microsoft's Top AI Execs Leaves for OpenAI"
    assert row["source_path"].endswith("001_81f283cb91d94e35.txt")
    assert (row["start"], row["end"], row["quote"]) == (6, 24, "One of Microsoft's")
    assert row["tags"] == "claim;quote" and row["note"] == "n" and row["anchor_status"] == "anchored"


def test_foreign_keys_are_enforced_and_cascade(loaded_store: Store, source_id) -> None:
    sid = source_id("001")
    made = loaded_store.add_annotation(sid, 6, 24, tags=["claim"])
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        with loaded_store.write() as db:
            db.execute("INSERT INTO annotation_tags (annotation_id, tag_id) VALUES ('nobody', 1)")
    with loaded_store.write() as db:
        db.execute("DELETE FROM sources WHERE id = ?", [sid])
    for table in ("annotations", "annotation_tags", "source_versions", "passages"):
        column = "annotation_id" if table == "annotation_tags" else "source_id"
        value = made.id if table == "annotation_tags" else sid
        assert loaded_store.query(f"SELECT count(*) AS n FROM {table} WHERE {column} = ?", [value])[0]["n"] == 0


# --- refusing files that are not ours, untouched --------------------------------------------------

def make_newer(path: Path, wal: bool) -> None:
    store = open_store(path)
    store.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {'WAL' if wal else 'DELETE'}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


@pytest.mark.parametrize("wal", [False, True])
def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path, wal: bool) -> None:
    path = tmp_path / "newer.db"
    make_newer(path, wal)
    before = fingerprint(path)
    with pytest.raises(StoreError, match="newer reader") as caught:
        open_store(path)
    assert "\n" not in str(caught.value)
    assert fingerprint(path) == before


def test_not_sqlite_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    before = fingerprint(path)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        open_store(path)
    assert fingerprint(path) == before


def test_another_programs_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance REAL)")
    conn.execute("INSERT INTO accounts (balance) VALUES (100)")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    with pytest.raises(StoreError, match="another program"):
        open_store(path)
    assert fingerprint(path) == before


@pytest.mark.parametrize("keep", [0.02, 0.3, 0.7])
def test_truncated_database_is_a_store_error(loaded_store: Store, db_path: Path, tmp_path: Path, keep: float) -> None:
    loaded_store.close()
    damaged = tmp_path / "damaged.db"
    data = db_path.read_bytes()
    damaged.write_bytes(data[:max(100, int(len(data) * keep))])
    with pytest.raises(StoreError):
        store = open_store(damaged)
        store.sources(), store.annotations(), store.search("Microsoft")  # noqa: B018


def test_folder_or_missing_folder_as_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "no" / "such" / "x.db")


# --- migrations -----------------------------------------------------------------------------------

OLDER_VERSIONS = sorted(number for number in MIGRATIONS if number < SCHEMA_VERSION)  # numbers may have gaps


def put_v1_rows(path: Path) -> None:
    """A source, a version and a tagged annotation, written with v1 columns (released migrations never change)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("INSERT INTO sources (id, path, title, added) VALUES (1, '/x/a.txt', 'A title', 'then')")
    conn.execute("INSERT INTO source_versions (id, source_id, content_hash, text, length, loaded) "
                 "VALUES (1, 1, 'h', 'Hello brave new world', 21, 'then')")
    conn.execute("UPDATE sources SET current_version_id = 1")
    conn.execute("INSERT INTO annotations (id, source_id, version_id, position_start, position_end, quote, "
                 "created, updated) VALUES ('a1', 1, 1, 6, 11, 'brave', 'then', 'then')")
    conn.execute("INSERT INTO tags (id, name, colour) VALUES (1, 'claim', '#ffffff')")
    conn.execute("INSERT INTO annotation_tags VALUES ('a1', 1)")
    conn.commit()
    conn.close()


@pytest.mark.skipif(not OLDER_VERSIONS, reason="only one schema version exists")
@pytest.mark.parametrize("version", OLDER_VERSIONS)
def test_migration_keeps_data_and_makes_a_backup(db_at_schema, version: int) -> None:
    path = db_at_schema(version)
    put_v1_rows(path)
    store = open_store(path)
    assert store.db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    (kept,) = store.annotations()
    assert (kept.id, kept.quote, kept.tags) == ("a1", "brave", ["claim"])
    store.close()
    backup = path.with_name(f"{path.name}.schema{version}.bak")
    conn = sqlite3.connect(backup)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version
    assert conn.execute("SELECT quote FROM annotations").fetchall() == [("brave",)]
    conn.close()


def test_an_up_to_date_database_is_not_backed_up_again(store: Store, db_path: Path) -> None:
    store.close()
    open_store(db_path).close()
    assert not list(db_path.parent.glob("*.bak"))


def test_two_processes_creating_one_database_at_once(db_path: Path) -> None:
    script = f"from reader.store import open_store; open_store({str(db_path)!r}).close()"
    runs = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [run.communicate()[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], errors
    store = open_store(db_path)
    assert len(store.tags()) == len(DEFAULT_TAGS)


# --- annotations, tags, links ---------------------------------------------------------------------

def test_annotation_crud(loaded_store: Store, source_id) -> None:
    sid = source_id("001")
    text = loaded_store.text(sid)
    made = loaded_store.add_annotation(sid, 6, 24, tags=["claim"], note="a note", author="me")
    assert (made.quote, made.prefix, made.suffix) == (text[6:24], text[:6], text[24:56])
    assert (made.tags, made.note, made.author, made.anchor_status) == (["claim"], "a note", "me", "anchored")
    changed = loaded_store.update_annotation(made.id, note="new", add_tags=["brand new tag"])
    assert (changed.note, changed.tags) == ("new", ["claim", "brand new tag"])
    assert changed.updated >= made.updated
    replaced = loaded_store.update_annotation(made.id, tags=["quote"])
    assert replaced.tags == ["quote"]
    loaded_store.delete_annotation(made.id)
    assert loaded_store.annotations() == []
    with pytest.raises(StoreError):
        loaded_store.annotation(made.id)


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (5, 5), (9, 2), (0, 10**9)])
def test_annotation_outside_the_text_is_refused(loaded_store: Store, source_id, start: int, end: int) -> None:
    with pytest.raises(StoreError, match="outside the text"):
        loaded_store.add_annotation(source_id("001"), start, end)
    assert loaded_store.annotations() == []


def test_tags_crud(store: Store) -> None:
    added = store.add_tag("Disputed", "red", "needs a second source")
    assert (added.colour, added.description) == ("#800000", "needs a second source")
    with pytest.raises(StoreError, match="already exists"):
        store.add_tag("disputed")
    assert store.update_tag("disputed", new_name="contested").name == "contested"
    assert store.update_tag("contested", colour="#00ff00").colour == "#00ff00"
    with pytest.raises(StoreError, match="not a colour"):
        store.update_tag("contested", colour="not-a-colour")
    for bad in ("", "a;b", "x" * 61):
        with pytest.raises(StoreError):
            store.add_tag(bad)
    store.delete_tag("contested")
    with pytest.raises(StoreError, match="no tag"):
        store.tag("contested")


def test_merge_moves_every_use(loaded_store: Store, source_id) -> None:
    sid = source_id("001")
    one = loaded_store.add_annotation(sid, 6, 24, tags=["claim"])
    both = loaded_store.add_annotation(sid, 30, 40, tags=["claim", "quote"])
    merged = loaded_store.merge_tags("claim", "quote")
    assert merged.uses == 2
    assert [loaded_store.annotation(i).tags for i in (one.id, both.id)] == [["quote"], ["quote"]]
    assert "claim" not in [t.name for t in loaded_store.tags()]


def test_links(loaded_store: Store, source_id) -> None:
    a = loaded_store.add_annotation(source_id("000"), 0, 10)
    b = loaded_store.add_annotation(source_id("001"), 6, 24)
    link = loaded_store.add_link(a.id, b.id, "contradicts")
    assert loaded_store.add_link(a.id, b.id, "contradicts").id == link.id  # idempotent
    assert [l.kind for l in loaded_store.links(b.id)] == ["contradicts"]
    row = loaded_store.query("SELECT links FROM annotations_view WHERE id = ?", [b.id])[0]
    assert row["links"] == f"contradicts:{a.id}"
    for bad in ((a.id, a.id, "same"), (a.id, b.id, "agrees"), (a.id, "missing", "same")):
        with pytest.raises(StoreError):
            loaded_store.add_link(*bad)
    loaded_store.delete_annotation(a.id)
    assert loaded_store.links() == []  # a link dies with either end


# --- undo and redo --------------------------------------------------------------------------------

def test_undo_redo_annotation_lifecycle(loaded_store: Store, source_id) -> None:
    empty = state(loaded_store)
    made = loaded_store.add_annotation(source_id("001"), 6, 24, tags=["claim"], note="first")
    created = state(loaded_store)
    loaded_store.update_annotation(made.id, note="second", tags=["quote"])
    updated = state(loaded_store)
    loaded_store.delete_annotation(made.id)
    assert state(loaded_store) == empty
    for expected in (updated, created, empty):
        assert loaded_store.undo()
        assert state(loaded_store) == expected
    assert loaded_store.undo() is None
    for expected in (created, updated, empty):
        assert loaded_store.redo()
        assert state(loaded_store) == expected
    assert loaded_store.redo() is None


def test_annotating_with_a_new_tag_is_one_undo_step(loaded_store: Store, source_id) -> None:
    tags_before = [t.name for t in loaded_store.tags()]
    loaded_store.add_annotation(source_id("001"), 6, 24, tags=["fresh tag"])
    assert loaded_store.undo()
    assert loaded_store.annotations() == []
    assert [t.name for t in loaded_store.tags()] == tags_before
    assert loaded_store.redo()
    assert [a.tags for a in loaded_store.annotations()] == [["fresh tag"]]


def test_undo_redo_tags(loaded_store: Store, source_id) -> None:
    made = loaded_store.add_annotation(source_id("001"), 6, 24, tags=["claim"])
    loaded_store.update_tag("claim", new_name="assertion")
    loaded_store.update_tag("assertion", colour="#123456")
    assert loaded_store.undo() and loaded_store.tag("assertion").colour == DEFAULT_TAGS[0][1]
    assert loaded_store.undo() and loaded_store.annotation(made.id).tags == ["claim"]
    assert loaded_store.redo() and loaded_store.annotation(made.id).tags == ["assertion"]
    loaded_store.delete_tag("assertion")
    assert loaded_store.annotation(made.id).tags == []
    assert loaded_store.undo()
    assert loaded_store.annotation(made.id).tags == ["assertion"]
    assert loaded_store.tag("assertion").position == 0


def test_merge_is_undone_in_one_step(loaded_store: Store, source_id) -> None:
    sid = source_id("001")
    loaded_store.add_annotation(sid, 6, 24, tags=["claim"])
    loaded_store.add_annotation(sid, 30, 40, tags=["claim", "quote"])
    loaded_store.add_annotation(sid, 50, 60, tags=["opinion"])
    before, tags_before = state(loaded_store), loaded_store.tags()
    loaded_store.merge_tags("claim", "quote")
    merged = state(loaded_store)
    assert loaded_store.undo()
    assert state(loaded_store) == before
    assert loaded_store.tags() == tags_before
    assert loaded_store.redo()
    assert state(loaded_store) == merged


def test_undo_redo_links(loaded_store: Store, source_id) -> None:
    a = loaded_store.add_annotation(source_id("000"), 0, 10)
    b = loaded_store.add_annotation(source_id("001"), 6, 24)
    link = loaded_store.add_link(a.id, b.id, "supports")
    assert loaded_store.undo() and loaded_store.links() == []
    assert loaded_store.redo() and [l.id for l in loaded_store.links()] == [link.id]
    loaded_store.delete_link(link.id)
    assert loaded_store.undo() and [l.id for l in loaded_store.links()] == [link.id]
    # deleting an annotation takes its links; undoing the delete brings both back
    loaded_store.delete_annotation(a.id)
    assert loaded_store.links() == []
    assert loaded_store.undo() and [l.id for l in loaded_store.links()] == [link.id]


def test_a_new_change_clears_redo(loaded_store: Store, source_id) -> None:
    sid = source_id("001")
    loaded_store.add_annotation(sid, 6, 24)
    assert loaded_store.undo()
    loaded_store.add_annotation(sid, 30, 40)
    assert loaded_store.redo() is None
    assert len(loaded_store.annotations()) == 1


OPERATIONS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 500), st.sampled_from(["", "claim", "new"])),
    st.tuples(st.just("edit"), st.integers(0, 9), st.text(max_size=5)),
    st.tuples(st.just("tag"), st.integers(0, 9), st.sampled_from(["quote", "other"])),
    st.tuples(st.just("delete"), st.integers(0, 9)),
    st.tuples(st.just("undo"),),
    st.tuples(st.just("redo"),),
), max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPERATIONS)
def test_undo_and_redo_walk_a_linear_history(tmp_path: Path, corpus_dir: Path, operations) -> None:
    """Any sequence of changes, undos and redos matches an editor's linear history model."""
    path = tmp_path / f"history-{os.urandom(4).hex()}.db"
    store = open_store(path)
    try:
        (source,) = [s for s in sync_sources(store, [corpus_dir / "001_81f283cb91d94e35.txt"]).source_ids]
        history, position = [state(store)], 0
        for operation in operations:
            ids = sorted(state(store))
            kind = operation[0]
            if kind == "undo":
                described = store.undo()
                assert (described is None) == (position == 0)
                position = max(0, position - 1)
            elif kind == "redo":
                described = store.redo()
                assert (described is None) == (position == len(history) - 1)
                position = min(len(history) - 1, position + 1)
            else:
                if kind == "add":
                    store.add_annotation(source, operation[1], operation[1] + 7, tags=[operation[2]] if operation[2] else [])
                elif not ids:
                    continue
                elif kind == "edit":
                    store.update_annotation(ids[operation[1] % len(ids)], note=operation[2])
                elif kind == "tag":
                    store.update_annotation(ids[operation[1] % len(ids)], add_tags=[operation[2]])
                else:
                    store.delete_annotation(ids[operation[1] % len(ids)])
                new_state = state(store)
                if new_state == history[position]:
                    continue  # nothing changed, so nothing was logged
                history[position + 1:] = [new_state]
                position += 1
            assert state(store) == history[position]
    finally:
        store.close()


def test_event_log_is_append_only(loaded_store: Store, source_id) -> None:
    loaded_store.add_annotation(source_id("001"), 6, 24)
    (event_id,) = [row["id"] for row in loaded_store.query("SELECT id FROM events")]
    for statement in ("UPDATE events SET actor = 'someone else'", "DELETE FROM events"):
        with pytest.raises(StoreError, match="append-only"):
            with loaded_store.write() as db:
                db.execute(statement)
    assert [row["actor"] for row in loaded_store.query("SELECT actor FROM events")] == ["cli"]
    assert event_id


# --- concurrency ----------------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from reader.store import open_store
    store = open_store(sys.argv[1], actor=sys.argv[2])
    source_id = store.sources()[0].id
    for index in range(int(sys.argv[3])):
        store.add_annotation(source_id, index % 400, index % 400 + 5, tags=["claim"], note=sys.argv[2])
    store.close()
""")


def test_two_processes_writing_at_once_lose_nothing(loaded_store: Store, db_path: Path) -> None:
    count = 300
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), name, str(count)],
                                stderr=subprocess.PIPE, text=True) for name in ("first", "second")]
    errors = [writer.communicate(timeout=300)[1] for writer in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    assert not any("locked" in e for e in errors)
    notes = [row["note"] for row in loaded_store.query("SELECT note FROM annotations")]
    assert notes.count("first") == count and notes.count("second") == count
    events = loaded_store.query("SELECT actor, count(*) AS n FROM events GROUP BY actor ORDER BY actor")
    assert [(e["actor"], e["n"]) for e in events] == [("first", count), ("second", count)]


def test_threads_sharing_and_not_sharing_a_store(loaded_store: Store, db_path: Path) -> None:
    import threading

    source = loaded_store.sources()[0].id
    failures: list[BaseException] = []

    def work(store: Store, label: str) -> None:
        try:
            for index in range(150):
                store.add_annotation(source, index, index + 3, note=label)
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    own = open_store(db_path)
    threads = [threading.Thread(target=work, args=(loaded_store, "shared-1")),
               threading.Thread(target=work, args=(loaded_store, "shared-2")),
               threading.Thread(target=work, args=(own, "own"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    own.close()
    assert not failures
    assert len(loaded_store.annotations()) == 450


# --- source versions and re-anchoring -------------------------------------------------------------

def test_changed_source_gets_a_new_version_and_reanchors(loaded_store: Store, corpus_dir: Path, source_id) -> None:
    sid = source_id("001")
    path = next(corpus_dir.glob("001_*.txt"))
    old_text = loaded_store.text(sid)

    def annotate(quote: str, occurrence: int = 0):
        start = -1
        for _ in range(occurrence + 1):
            start = old_text.index(quote, start + 1)
        return loaded_store.add_annotation(sid, start, start + len(quote))

    kept = annotate("Bubeck, who spent 10 years at Microsoft Research")
    typo = annotate("earned the title of Distinguished Scientist")
    gone = annotate("AGI, or artificial general intelligence, refers to the concept")
    twin = annotate("to partner and sometimes rival OpenAI.")

    new_text = ("An editor's note added at the top moves every offset.\n\n" + old_text)
    new_text = new_text.replace("Distinguished Scientist", "Distinguishd Scientist")
    new_text = new_text.replace("AGI, or artificial general intelligence, refers to the concept", "")
    new_text = new_text.replace("to partner and sometimes rival OpenAI.", "to partner and sometimes rival OpenAI. "
                                                                          "to partner and sometimes rival OpenAI.")
    path.write_text(new_text, encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    report = sync_sources(loaded_store, [corpus_dir])
    assert report.loaded == 1

    now_text = loaded_store.text(sid)
    assert now_text == new_text
    by_id = {a.id: a for a in loaded_store.annotations()}
    assert by_id[kept.id].anchor_status == "anchored"
    assert now_text[by_id[kept.id].start:by_id[kept.id].end] == kept.quote
    assert now_text.count(kept.quote) == 1 and by_id[kept.id].start == now_text.index(kept.quote) != kept.start
    assert by_id[typo.id].anchor_status == "fuzzy"
    assert now_text[by_id[typo.id].start:by_id[typo.id].end].startswith("earned the title of Distinguishd")
    assert by_id[gone.id].anchor_status == "orphaned"
    assert by_id[twin.id].anchor_status in ("anchored", "ambiguous")
    assert len(by_id) == 4  # nothing dropped

    versions = loaded_store.query("SELECT id, text FROM source_versions WHERE source_id = ? ORDER BY id", [sid])
    assert [v["text"] for v in versions] == [old_text, new_text]  # the text each annotation was made on is kept
    original = loaded_store.query("SELECT version_id, position_start, quote FROM annotations WHERE id = ?", [gone.id])[0]
    assert original["version_id"] == versions[0]["id"]
    assert versions[0]["text"][original["position_start"]:].startswith(original["quote"])


def test_unchanged_files_are_not_read_again(loaded_store: Store, corpus_dir: Path) -> None:
    report = sync_sources(loaded_store, [corpus_dir])
    assert report.loaded == 0 and len(report.source_ids) == 5
    versions = loaded_store.query("SELECT count(*) AS n FROM source_versions")[0]["n"]
    assert versions == 5


def test_same_text_touched_makes_no_new_version(loaded_store: Store, corpus_dir: Path) -> None:
    path = next(corpus_dir.glob("002_*.txt"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    document = load_document(path)
    _, new_version = loaded_store.save_document(document)
    assert not new_version
    assert loaded_store.query("SELECT count(*) AS n FROM source_versions")[0]["n"] == 5


def test_search_finds_words_and_treats_syntax_as_text(loaded_store: Store) -> None:
    hits = loaded_store.search("Bubeck")
    assert hits and all("\x02Bubeck" in hit["snippet"] for hit in hits)
    assert loaded_store.search('NEAR( "unbalanced') == []  # FTS5 syntax is searched for, not parsed
    assert loaded_store.search("   ") == []


# --- loading in batches ---------------------------------------------------------------------------

@pytest.mark.parametrize("batch_seconds", [0.0, 60.0])
def test_sync_in_batches_stores_every_file(store: Store, corpus_dir: Path, monkeypatch, batch_seconds: float) -> None:
    import reader.library

    monkeypatch.setattr(reader.library, "BATCH_SECONDS", batch_seconds)
    seen: list[tuple[int, int]] = []
    report = sync_sources(store, [corpus_dir], progress=lambda done, total, name: seen.append((done, total)))
    assert report.loaded == 5 and len(store.sources()) == 5
    assert seen == [(n, 5) for n in range(6)]  # from 0 to all, counting finished files
    assert not store.db.conn.in_transaction


def test_interrupted_load_keeps_finished_batches(store: Store, corpus_dir: Path, monkeypatch) -> None:
    import reader.library

    monkeypatch.setattr(reader.library, "BATCH_SECONDS", 0.0)  # a commit after every file

    def stop_after_three(done: int, total: int, name: str) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_sources(store, [corpus_dir], progress=stop_after_three)
    assert not store.db.conn.in_transaction
    assert len(store.sources()) == 3
    assert sync_sources(store, [corpus_dir]).loaded == 2  # the rest, next time


def test_interrupted_batch_is_rolled_back_whole(store: Store, corpus_dir: Path, monkeypatch) -> None:
    import reader.library

    monkeypatch.setattr(reader.library, "BATCH_SECONDS", 60.0)

    def stop_after_three(done: int, total: int, name: str) -> None:
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_sources(store, [corpus_dir], progress=stop_after_three)
    assert store.sources() == [] and store.query("SELECT count(*) AS n FROM passages")[0]["n"] == 0


def test_edited_metadata_reaches_unchanged_files(loaded_store: Store, corpus_dir: Path, source_id) -> None:
    metadata = corpus_dir / "sources.toml"
    metadata.write_text(metadata.read_text(encoding="utf-8") + '\n["003_aa9e53f1d010f5c2.txt"]\ntitle = "A new title"\n',
                        encoding="utf-8")
    report = sync_sources(loaded_store, [corpus_dir])
    assert report.loaded == 1  # only the file whose metadata changed
    assert loaded_store.source(source_id("003")).title == "A new title"
    assert loaded_store.query("SELECT count(*) AS n FROM source_versions")[0]["n"] == 5  # same text, same version
    assert sync_sources(loaded_store, [corpus_dir]).loaded == 0


def test_broken_metadata_file_is_reported_once_and_files_still_load(store: Store, corpus_dir: Path) -> None:
    (corpus_dir / "sources.toml").write_text("[unclosed\n", encoding="utf-8")
    report = sync_sources(store, [corpus_dir])
    assert len(store.sources()) == 5
    assert [path.name for path, _ in report.skipped] == ["sources.toml"]
    assert store.sources()[1].title == "One of Microsoft's Top AI Execs Leaves for OpenAI"  # from the text


def test_undo_message_names_every_kind_of_change_in_the_group(loaded_store, source_id):
    text = loaded_store.text(source_id("001"))
    start = text.index("Monday")
    loaded_store.add_annotation(source_id("001"), start, start + 6, tags=["brand-new"])
    assert loaded_store.undo() == "undid adding a tag and adding an annotation"
    assert loaded_store.redo() == "redid adding a tag and adding an annotation"


def test_changes_made_in_one_write_transaction_are_undone_in_one_step(loaded_store, source_id):
    """A compound action (two annotations and a link between them) is one user action: one undo."""
    text_a, text_b = loaded_store.text(source_id("001")), loaded_store.text(source_id("003"))
    with loaded_store.write():
        a = loaded_store.add_annotation(source_id("001"), text_a.index("Monday"), text_a.index("Monday") + 6)
        b = loaded_store.add_annotation(source_id("003"), text_b.index("Mira"), text_b.index("Mira") + 4)
        loaded_store.add_link(a.id, b.id, "same")
    assert len(loaded_store.annotations()) == 2 and len(loaded_store.links()) == 1

    loaded_store.undo()
    assert loaded_store.annotations() == [] and loaded_store.links() == []
    loaded_store.redo()
    assert len(loaded_store.annotations()) == 2 and len(loaded_store.links()) == 1


def test_closing_waits_for_a_query_on_another_thread_and_later_queries_say_the_database_is_closed(tmp_path):
    """CI: the TUI closed its connection at exit while a worker thread was mid-query on it, and Python crashed
    (segmentation fault). Closing takes the connection's lock, as a query does; a query after it is one
    StoreError, not sqlite3's ProgrammingError or a crash."""
    import threading

    from reader.store import StoreError, open_store

    store = open_store(tmp_path / "a.db")
    querying, may_finish = threading.Event(), threading.Event()

    def long_query() -> None:
        with store._lock:  # what Store.query holds while SQLite runs the statement
            querying.set()
            may_finish.wait(10)
            store.query("SELECT count(*) FROM sources")

    worker = threading.Thread(target=long_query)
    worker.start()
    querying.wait(10)
    closer = threading.Thread(target=store.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive()  # it waits for the query
    may_finish.set()
    worker.join(10)
    closer.join(10)
    assert not closer.is_alive()
    with pytest.raises(StoreError, match="closed"):
        store.query("SELECT count(*) FROM sources")
