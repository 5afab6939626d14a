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
