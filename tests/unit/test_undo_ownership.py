"""Undo that is yours (issue 9, defect 2): undo and redo take back only their own author's (or, in the
TUI, their own session's) changes, and refuse rather than destroy another reader's work."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.library import sync_sources
from reader.store import Store, StoreError, open_store


def first_source(store: Store) -> int:
    return store.sources()[0].id


def ids(store: Store) -> set[str]:
    return {a.id for a in store.annotations()}


def test_undo_takes_back_the_authors_own_change_not_a_later_one_by_another(two_readers) -> None:
    alice, bob = two_readers
    sid = first_source(alice)
    mine = alice.add_annotation(sid, 6, 24, tags=["claim"])
    theirs = bob.add_annotation(sid, 30, 40, tags=["quote"])
    described = alice.undo()
    assert described and "undid adding" in described and "claim" in described
    assert ids(alice) == {theirs.id}
    assert bob.undo() and ids(bob) == set()
    assert alice.undo() is None and bob.undo() is None  # nothing left of either


def test_redo_is_per_author_and_another_authors_change_does_not_end_it(two_readers) -> None:
    alice, bob = two_readers
    sid = first_source(alice)
    mine = alice.add_annotation(sid, 6, 24)
    assert alice.undo()
    theirs = bob.add_annotation(sid, 30, 40)
    assert bob.redo() is None  # bob undid nothing
    assert alice.redo() and ids(alice) == {mine.id, theirs.id}
    alice.add_annotation(sid, 50, 60)
    assert alice.undo() and alice.undo()
    alice.add_annotation(sid, 70, 80)  # alice's own new change ends alice's redo chain
    assert alice.redo() is None


def test_undo_refuses_to_overwrite_a_later_change_by_another_reader(two_readers) -> None:
    alice, bob = two_readers
    mine = alice.add_annotation(first_source(alice), 6, 24, note="alice's note")
    bob.update_annotation(mine.id, note="bob's correction")
    with pytest.raises(StoreError, match="bob"):
        alice.undo()
    assert alice.annotation(mine.id).note == "bob's correction"


def test_undo_refuses_to_delete_another_readers_link_with_the_annotation(two_readers) -> None:
    alice, bob = two_readers
    sid = first_source(alice)
    mine = alice.add_annotation(sid, 6, 24)
    theirs = bob.add_annotation(sid, 30, 40)
    link = bob.add_link(theirs.id, mine.id, "supports")
    with pytest.raises(StoreError, match="bob"):
        alice.undo()
    assert mine.id in ids(alice) and [l.id for l in alice.links()] == [link.id]


def test_undo_refuses_to_delete_a_new_tag_another_reader_has_used(two_readers) -> None:
    alice, bob = two_readers
    sid = first_source(alice)
    alice.add_annotation(sid, 6, 24, tags=["fresh"])
    theirs = bob.add_annotation(sid, 30, 40, tags=["fresh"])
    with pytest.raises(StoreError, match="bob"):
        alice.undo()
    assert bob.annotation(theirs.id).tags == ["fresh"]


def test_session_scope_takes_back_only_that_connections_changes(db_path: Path, corpus_dir: Path) -> None:
    tui = open_store(db_path, actor="tui", author="alice")
    sync_sources(tui, [corpus_dir])
    cli = open_store(db_path, author="alice")
    try:
        sid = first_source(tui)
        in_tui = tui.add_annotation(sid, 6, 24)
        in_cli = cli.add_annotation(sid, 30, 40)
        assert tui.undo(scope="session") and ids(tui) == {in_cli.id}
        assert tui.undo(scope="session") is None
        assert tui.redo(scope="session") and ids(tui) == {in_tui.id, in_cli.id}
        assert cli.undo() and ids(cli) == {in_tui.id}  # the author's last change, made in the CLI
    finally:
        tui.close()
        cli.close()


def test_events_record_author_and_session(two_readers) -> None:
    alice, bob = two_readers
    alice.add_annotation(first_source(alice), 6, 24)
    [row] = alice.query("SELECT author, session FROM events")
    assert row == {"author": "alice", "session": alice.session}


def test_cli_undo_takes_back_the_last_change_of_the_author_running_it(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("READER_AUTHOR", "alice")
    alices = run_cli("annotate", "001", "--quote", "OpenAI", "--occurrence", "1").output.strip()
    monkeypatch.setenv("READER_AUTHOR", "bob")
    bobs = run_cli("annotate", "002", "--quote", "the", "--occurrence", "1").output.strip()
    monkeypatch.setenv("READER_AUTHOR", "alice")
    result = run_cli("undo")
    assert result.exit_code == 0 and "undid adding" in result.output
    listed = run_cli("annotations").output
    assert bobs in listed and alices not in listed
    assert "nothing to undo" in run_cli("undo").output
    assert "redid" in run_cli("redo").output
    assert alices in run_cli("annotations").output


def test_a_change_its_maker_undid_no_longer_blocks_an_earlier_undo(two_readers) -> None:
    alice, bob = two_readers
    mine = alice.add_annotation(first_source(alice), 6, 24, tags=["claim"])
    bob.update_annotation(mine.id, add_tags=["quote"])
    with pytest.raises(StoreError, match="bob changed that annotation later"):
        alice.undo()
    assert bob.undo() and alice.annotation(mine.id).tags == ["claim"]
    assert alice.undo() and ids(alice) == set()


def test_ones_own_work_in_another_session_is_named_as_such(db_path: Path, corpus_dir: Path) -> None:
    tui = open_store(db_path, author="alice")
    sync_sources(tui, [corpus_dir])
    cli = open_store(db_path, author="alice")
    try:
        mine = tui.add_annotation(first_source(tui), 6, 24)
        cli.update_annotation(mine.id, note="from the command line")
        with pytest.raises(StoreError, match=r"you \(in another session\) changed"):
            tui.undo(scope="session")
    finally:
        tui.close()
        cli.close()


def test_undo_says_which_tags_a_change_changed(two_readers) -> None:
    alice, _ = two_readers
    mine = alice.add_annotation(first_source(alice), 6, 24, tags=["claim"])
    alice.update_annotation(mine.id, add_tags=["number"])
    assert alice.undo().endswith("[claim → claim, number]")  # the change it took back, as it was made
    assert alice.redo().endswith("[claim → claim, number]")
    alice.update_annotation(mine.id, note="checked")
    assert alice.undo().endswith("(its note)")
