"""Issue 14.10, 14.11 and the read-only mount: another program's SQLite file is refused before anything
changes (journal mode included); reader files carry PRAGMA application_id; damage is found before a
write; a database on a read-only mount can still be read."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import READER

from reader.store import StoreError, open_store

READER_APPLICATION_ID = 0x52445231  # "RDR1", documented in docs/harden.md
from reader.text import find_quote


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in folder (so a new -wal, -shm or .bak shows) with its content hash."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def foreign_database(path: Path, user_version: int, tables: tuple[str, ...] = ("notes",)) -> Path:
    conn = sqlite3.connect(path)
    for table in tables:
        conn.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute(f"INSERT INTO {table} (body) VALUES ('precious')")
    conn.execute(f"PRAGMA user_version = {user_version}")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("user_version", [1, 2, 3, 7])
def test_another_programs_file_with_a_reader_like_version_is_refused_untouched(tmp_path, run_cli, user_version):
    folder = tmp_path / "theirs"
    folder.mkdir()
    path = foreign_database(folder / "app.db", user_version)
    before = fingerprint(folder)
    with pytest.raises(StoreError, match="another program"):
        open_store(path)
    result = run_cli("annotations", db=path)
    assert result.exit_code != 0 and result.output.count("\n") == 1 and "another program" in result.output
    assert fingerprint(folder) == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_file_with_some_reader_table_names_is_not_taken_for_ours(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir()
    path = foreign_database(folder / "app.db", 3, tables=("sources", "tags", "annotations"))
    before = fingerprint(folder)
    with pytest.raises(StoreError, match="another program"):
        open_store(path)
    assert fingerprint(folder) == before


def test_another_application_id_is_refused_even_with_reader_tables(tmp_path, db_path):
    open_store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA application_id = 1234")
    conn.commit()
    conn.close()
    before = fingerprint(db_path.parent)
    with pytest.raises(StoreError, match="another program"):
        open_store(db_path)
    assert fingerprint(db_path.parent) == before


def application_id(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA application_id").fetchone()[0]
    finally:
        conn.close()


def test_a_new_database_is_marked_as_a_reader_database(db_path):
    open_store(db_path).close()
    assert application_id(db_path) == READER_APPLICATION_ID


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_older_reader_file_is_recognised_and_marked(db_at_schema, version):
    path = db_at_schema(version)
    assert application_id(path) == 0
    store = open_store(path)
    store.close()
    assert application_id(path) == READER_APPLICATION_ID


# --- damage found before a write (14.11) -------------------------------------------------------------

def damaged_copy(loaded_store, source_id, tmp_path: Path) -> Path:
    """A database whose schema reads fine but one index page (outside the schema) is garbage."""
    first = source_id("001")
    text = loaded_store.text(first)
    for start in range(0, len(text) - 40, 40):
        loaded_store.add_annotation(first, start, start + 20, tags=["claim"], note="n" * 200)
    loaded_store.close()
    damaged = tmp_path / "damaged" / "annotations.db"
    damaged.parent.mkdir()
    shutil.copy(loaded_store.path, damaged)
    conn = sqlite3.connect(damaged)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'annotation_rows' "
                           "AND rootpage > 1 ORDER BY rootpage DESC LIMIT 1").fetchone()
    conn.close()
    with open(damaged, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * 64)
    check = sqlite3.connect(damaged)
    try:
        healthy = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        healthy = False
    assert check.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0  # the schema still reads
    check.close()
    assert not healthy
    assert text
    return damaged


@pytest.mark.parametrize("command", [("annotate", "001", "--quote", "OpenAI"), ("tags", "add", "fresh")])
def test_a_write_to_a_damaged_file_is_refused_and_says_how_to_recover(loaded_store, source_id, tmp_path, run_cli,
                                                                       command):
    damaged = damaged_copy(loaded_store, source_id, tmp_path)
    before = damaged.read_bytes()
    result = run_cli(*command, db=damaged)
    assert result.exit_code != 0, result.output
    assert result.output.count("\n") == 1 and "damaged" in result.output and ".recover" in result.output, result.output
    assert damaged.read_bytes() == before


# --- a user's write that meets a long write waits and says so (14.12) -------------------------------

def test_a_cli_write_meeting_the_lock_waits_says_so_and_is_stored(store, db_path, corpus_dir):
    import os
    import select
    import time

    store.close()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a long import holds
    process = subprocess.Popen([READER, "--db", str(db_path), "--corpus", str(corpus_dir), "tags", "add", "patient"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    said, deadline = b"", time.monotonic() + 30
    while b"waiting" not in said and time.monotonic() < deadline and process.poll() is None:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            said += os.read(process.stderr.fileno(), 4096)
    holder.execute("COMMIT")
    holder.close()
    out, err = process.communicate(timeout=60)
    assert b"waiting" in said, said + err
    assert process.returncode == 0, said + err
    reopened = open_store(db_path)
    assert "patient" in [tag.name for tag in reopened.tags()]
    reopened.close()


# --- a database on a read-only mount (minor) ---------------------------------------------------------

def test_a_database_on_a_read_only_mount_can_be_read(loaded_store, source_id, tmp_path, corpus_dir):
    if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("needs unshare (user and mount namespaces) to make a read-only mount")
    first = source_id("001")
    made = loaded_store.add_annotation(first, *find_quote(loaded_store.text(first), "OpenAI")[0])
    loaded_store.close()
    mount = tmp_path / "mount"
    mount.mkdir()
    script = (f"mount --bind {loaded_store.path.parent} {mount} && mount -o remount,ro,bind {mount} && "
              f"{READER} --db {mount / loaded_store.path.name} --corpus {corpus_dir} annotations; echo rc=$?; "
              f"{READER} --db {mount / loaded_store.path.name} --corpus {corpus_dir} tags add x; echo rc=$?")
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    output = result.stdout + result.stderr
    assert made.id in result.stdout, output
    assert "rc=0" in output and "read-only" in output and "rc=1" in output, output
    assert "not a usable SQLite database" not in output


def test_damage_after_a_clean_write_is_still_found_on_the_next_write(loaded_store, source_id, tmp_path, run_cli):
    """The check is skipped only while the file is as a reader left it; damage changes it."""
    damaged = damaged_copy(loaded_store, source_id, tmp_path)
    pristine = tmp_path / "pristine.db"
    shutil.copy(loaded_store.path, pristine)
    assert run_cli("tags", "add", "first", db=pristine).exit_code == 0  # checked, written, remembered
    assert run_cli("tags", "add", "second", db=pristine).exit_code == 0
    shutil.copy(damaged, pristine)  # the same path, now damaged
    result = run_cli("tags", "add", "third", db=pristine)
    assert result.exit_code != 0 and "damaged" in result.output, result.output
