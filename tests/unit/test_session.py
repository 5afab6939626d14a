"""ReaderSession: changes run off the caller's thread in the order submitted, this session's own commits are
not mistaken for another program's, and a change that waited for another program's lock says so."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from reader.library import sync_sources
from reader.session import ReaderSession, StoreError
from reader.store import open_store


@pytest.fixture
def session(db_path, corpus_dir, monkeypatch):
    monkeypatch.setenv("READER_AUTHOR", "tester")
    store = open_store(db_path)
    sync_sources(store, [corpus_dir])
    store.close()
    opened = ReaderSession(db_path)
    opened.open()
    yield opened
    opened.close()


def test_changes_run_in_the_writer_thread_in_the_order_submitted(session):
    source_id = session.store.sources()[0].id
    threads: list[str] = []

    def tag(number: int):
        def change(store):
            threads.append(threading.current_thread().name)
            return store.add_annotation(source_id, number * 10, number * 10 + 5, tags=[f"t{number}"])

        return change

    futures = [session.submit(tag(number)) for number in range(5)]
    made = [future.result(timeout=10).result for future in futures]
    assert [a.tags for a in made] == [[f"t{n}"] for n in range(5)]
    assert [a.start for a in session.store.annotations(source_id=source_id)] == [0, 10, 20, 30, 40]
    assert threading.current_thread().name not in threads and len(set(threads)) == 1


def test_own_changes_are_not_outside_changes_but_another_programs_are(session, db_path):
    source_id = session.store.sources()[0].id
    assert not session.changed_outside()
    session.submit(lambda store: store.add_annotation(source_id, 0, 5)).result(timeout=10)
    assert not session.changed_outside()
    other = open_store(db_path)
    other.add_annotation(source_id, 10, 15)
    other.close()
    assert session.changed_outside()
    assert not session.changed_outside()  # once per commit


def test_a_change_on_the_writer_connection_is_undone_as_this_sessions(session):
    source_id = session.store.sources()[0].id
    session.submit(lambda store: store.add_annotation(source_id, 0, 5)).result(timeout=10)
    described = session.submit(lambda store: store.undo()).result(timeout=10).result
    assert described and "undid" in described
    assert session.store.annotations(source_id=source_id) == []


def test_a_refused_change_raises_from_its_future(session):
    future = session.submit(lambda store: store.add_annotation(10**6, 0, 5))
    with pytest.raises(StoreError):
        future.result(timeout=10)


def test_a_change_that_waited_for_another_programs_lock_says_so(session, db_path):
    source_id = session.store.sources()[0].id
    said: list[str] = []
    session.on_wait = said.append
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    future = session.submit(lambda store: store.add_annotation(source_id, 0, 5))
    try:
        deadline = time.monotonic() + 20
        while not said and time.monotonic() < deadline:  # it waits for the lock (and says so), never fails
            time.sleep(0.05)
        assert not future.done()
    finally:
        holder.execute("COMMIT")
        holder.close()
    written = future.result(timeout=30)
    assert written.waited and any("another program is writing" in message for message in said)
