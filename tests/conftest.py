"""Shared fixtures: a private copy of the bundled corpus, a fresh store, and a CLI runner bound to both.

Kept small on purpose (the shape of sqlite-utils' `fresh_db`), so every test file can reuse them.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reader.library import BUNDLED_CORPUS, sync_sources
from reader.store import Store, open_store
from reader.store.migrations import MIGRATIONS, SCHEMA_VERSION


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own settings file: READER_CONFIG points at a file that is not there."""
    monkeypatch.setenv("READER_CONFIG", str(tmp_path_factory.mktemp("config") / "config.toml"))


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A writable copy of the bundled corpus (five articles and sources.toml)."""
    target = tmp_path / "corpus"
    shutil.copytree(BUNDLED_CORPUS, target)
    return target


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where a test's database lives; nothing is created until a store or command opens it."""
    return tmp_path / "annotations.db"


@pytest.fixture
def store(db_path: Path):
    """A fresh, empty store (schema migrated, default tags), closed after the test."""
    opened = open_store(db_path)
    yield opened
    opened.close()


@pytest.fixture
def loaded_store(store: Store, corpus_dir: Path) -> Store:
    """The fresh store with the corpus copy loaded into it."""
    sync_sources(store, [corpus_dir])
    return store


@pytest.fixture
def source_id(loaded_store: Store) -> Callable[[str], int]:
    """source_id("001"): the id of the loaded source whose file name starts with that prefix."""
    def find(name_prefix: str) -> int:
        matches = [s.id for s in loaded_store.sources() if s.name.startswith(name_prefix)]
        assert len(matches) == 1, f"{name_prefix!r} matched {matches}"
        return matches[0]

    return find


@pytest.fixture
def opened_readers(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What each opening of the TUI was given (paths, open_single, whole_library, backend, compare_given), in order: the
    ReaderApp is replaced by one that records its arguments and runs nothing."""
    opened: list[dict] = []

    class RecordedApp:
        return_code = 0

        def __init__(self, db_path, paths, open_single=False, whole_library=False, backend="lexical",
                     compare_given=False):
            opened.append(dict(paths=paths, open_single=open_single, whole_library=whole_library, backend=backend,
                               compare_given=compare_given))

        def run(self):
            pass

    monkeypatch.setattr("reader.tui.app.ReaderApp", RecordedApp)
    return opened


@pytest.fixture
def run_cli(db_path: Path, corpus_dir: Path) -> Callable[..., Result]:
    """Invoke `reader --db DB --corpus CORPUS ARGS...` in process; extra options go to CliRunner.invoke."""
    from reader.cli import cli

    runner = CliRunner()

    def invoke(*args: str, db: Path | None = None, corpus: Path | None = None, **kwargs) -> Result:
        return runner.invoke(
            cli, ["--db", str(db or db_path), "--corpus", str(corpus or corpus_dir), *args],
            prog_name="reader", **kwargs)

    return invoke


def make_db_at_schema(path: Path, version: int) -> Path:
    """A reader database at an older schema version, built by the real migrations 1..version.

    Extends itself as migrations are added: every version below SCHEMA_VERSION can be produced, so
    tests can check the upgrade path (and its backup) from each of them.
    """
    assert version in MIGRATIONS
    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(str(path), isolation_level=None))
    db.conn.execute("BEGIN")
    for target in sorted(number for number in MIGRATIONS if number <= version):  # numbers may have gaps
        MIGRATIONS[target](db)
    db.conn.execute(f"PRAGMA user_version = {version}")
    db.conn.execute("COMMIT")
    db.close()
    return path


@pytest.fixture
def db_at_schema(tmp_path: Path) -> Callable[[int], Path]:
    """Factory: db_at_schema(n) builds tmp_path/schema{n}.db at schema version n."""
    def build(version: int) -> Path:
        return make_db_at_schema(tmp_path / f"schema{version}.db", version)

    return build


@pytest.fixture
def two_readers(db_path: Path, corpus_dir: Path):
    """alice and bob, each with a connection of their own to one database holding the corpus."""
    alice = open_store(db_path, author="alice")
    sync_sources(alice, [corpus_dir])
    bob = open_store(db_path, author="bob")
    yield alice, bob
    alice.close()
    bob.close()
