"""A decision on a suggested pair is a change like any other (issue 10, items 2, 3 and 6): rejecting or
confirming a pair is one undo step, undo brings the suggestion back and redo rejects it again, the pair
model refits on what is left, and undo never takes back another reader's decision."""

from __future__ import annotations

import json

import pytest

from reader.align.learn import FEATURES
from reader.comparison import pair_model
from reader.store import StoreError, open_store
from reader.store.decisions import decisions, record_decision, rejected_pairs


@pytest.fixture
def pair(loaded_store, source_id):
    """Two passages of two sources: (001, 100-180) and (003, 300-380)."""
    return (source_id("001"), 100, 180), (source_id("003"), 300, 380)


def test_a_rejection_is_one_undo_step_and_redo_rejects_again(loaded_store, pair) -> None:
    a, b = pair
    record_decision(loaded_store, "rejected", a, b, [0.1] * len(FEATURES))
    assert rejected_pairs(loaded_store) == [(a, b)]
    quote = " ".join(loaded_store.text(a[0])[100:129].split())
    described = loaded_store.undo()
    assert described is not None and described.startswith("undid rejecting a pair: ") and quote in described
    assert decisions(loaded_store) == []
    assert loaded_store.redo().startswith("redid rejecting a pair")
    [again] = decisions(loaded_store)
    assert (again.decision, again.a, again.b, len(again.features)) == ("rejected", a, b, len(FEATURES))
    assert loaded_store.undo() and loaded_store.undo() is None  # nothing else was logged


def test_deciding_the_same_again_adds_no_empty_undo_step(loaded_store, pair) -> None:
    a, b = pair
    assert record_decision(loaded_store, "rejected", a, b) is True
    assert record_decision(loaded_store, "rejected", b, a) is False  # either order names the pair
    assert loaded_store.undo() and decisions(loaded_store) == []
    assert loaded_store.undo() is None


def test_undoing_a_changed_mind_brings_the_earlier_decision_back(loaded_store, pair) -> None:
    a, b = pair
    record_decision(loaded_store, "confirmed", a, b, [0.9] * len(FEATURES))
    record_decision(loaded_store, "rejected", a, b, [0.9] * len(FEATURES))
    assert [d.decision for d in decisions(loaded_store)] == ["rejected"]
    assert loaded_store.undo().startswith("undid rejecting a pair")
    assert [d.decision for d in decisions(loaded_store)] == ["confirmed"]


def test_the_pair_model_refits_on_what_undo_leaves(loaded_store, pair) -> None:
    a, b = pair
    record_decision(loaded_store, "confirmed", a, b, [0.5] * len(FEATURES))
    c, d = (a[0], 400, 480), (b[0], 50, 120)
    record_decision(loaded_store, "rejected", c, d, [0.1] * len(FEATURES))
    assert pair_model(loaded_store).decisions == 2
    loaded_store.undo()
    assert pair_model(loaded_store).decisions == 1
    loaded_store.redo()
    assert pair_model(loaded_store).decisions == 2


def test_a_decision_and_the_link_it_came_with_are_one_step(loaded_store, pair) -> None:
    a, b = pair
    first = loaded_store.add_annotation(a[0], a[1], a[2])
    second = loaded_store.add_annotation(b[0], b[1], b[2])
    with loaded_store.write():
        loaded_store.add_link(first.id, second.id, "same")
        record_decision(loaded_store, "confirmed", a, b)
    assert loaded_store.undo() == "undid adding a link and confirming a pair"  # not the jargon "a pair decision"
    assert loaded_store.links() == [] and decisions(loaded_store) == []


def test_the_logged_snapshot_names_the_pair_and_carries_no_row_id(loaded_store, pair) -> None:
    a, b = pair
    record_decision(loaded_store, "rejected", b, a, [0.25])
    [event] = loaded_store.query("SELECT * FROM events WHERE entity = 'pair_decision'")
    assert event["entity_id"] == ":".join(map(str, (*a, *b)))
    snapshot = json.loads(event["after"])
    assert "id" not in snapshot and snapshot["features"] == [0.25] and snapshot["author"] == loaded_store.author
    assert snapshot["quote_a"] == loaded_store.text(a[0])[a[1] : a[2]]


def test_undo_never_takes_back_another_readers_later_decision_on_the_pair(two_readers) -> None:
    alice, bob = two_readers
    first, second = sorted(s.id for s in alice.sources())[:2]
    a, b = (first, 10, 60), (second, 20, 70)
    record_decision(alice, "rejected", a, b)
    record_decision(bob, "confirmed", a, b)  # bob changed his mind about alice's rejection
    with pytest.raises(StoreError, match="cannot undo rejecting a pair.*bob changed that pair decision later"):
        alice.undo()
    assert [d.decision for d in decisions(alice)] == ["confirmed"]
    assert bob.undo().startswith("undid confirming a pair")
    assert [d.decision for d in decisions(alice)] == ["rejected"]
    assert alice.undo() and decisions(alice) == []  # bob's change is undone: alice's is hers to take back


def _suggest(run_cli) -> dict:
    result = run_cli("suggest", "001", "--quote", "spent 10 years at Microsoft Research", "--with", "003", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_reader_undo_takes_back_reader_reject_and_redo_rejects_again(run_cli) -> None:
    data = _suggest(run_cli)
    query, first = data["query"], data["candidates"][0]
    pair = (f"001:{query['start']}-{query['end']}", f"003:{first['start']}-{first['end']}")
    rejected = run_cli("reject", *pair)
    assert rejected.exit_code == 0 and "(`reader undo` takes it back)" in rejected.output, rejected.output
    assert all(c["start"] != first["start"] for c in _suggest(run_cli)["candidates"])
    again = run_cli("reject", *pair)  # nothing new: undo must not be left taking back a no-op
    assert again.exit_code == 0 and again.output.startswith("already rejected: "), again.output
    undone = run_cli("undo")
    assert undone.exit_code == 0 and undone.output.startswith("undid rejecting a pair: "), undone.output
    assert _suggest(run_cli)["candidates"][0]["start"] == first["start"]  # suggested again
    redone = run_cli("redo")
    assert redone.output.startswith("redid rejecting a pair"), redone.output
    assert all(c["start"] != first["start"] for c in _suggest(run_cli)["candidates"])


def test_decisions_made_before_schema_12_are_logged_once_for_sync_but_undone_by_no_one(db_at_schema) -> None:
    import sqlite3

    from reader.sync_local import Clock, stamp_pending

    path = db_at_schema(11)
    conn = sqlite3.connect(path)
    for source_id, text in ((1, "Hello brave new world"), (2, "A brave old world")):
        conn.execute("INSERT INTO sources (id, path, title, added) VALUES (?, ?, 't', 'then')", [source_id, f"/{text}"])
        conn.execute(
            "INSERT INTO source_versions (id, source_id, content_hash, text, length, loaded) "
            "VALUES (?, ?, ?, ?, ?, 'x')",
            [source_id, source_id, f"hash{source_id}", text, len(text)],
        )
        conn.execute("UPDATE sources SET current_version_id = ? WHERE id = ?", [source_id, source_id])
    conn.execute(
        "INSERT INTO pair_decisions (decision, source_a, start_a, end_a, quote_a, source_b, start_b, end_b, quote_b, "
        "features, author, decided) VALUES ('rejected', 1, 6, 11, 'brave', 2, 2, 7, 'brave', '[0.5]', 'old', 'then')"
    )
    conn.commit()
    conn.close()
    store = open_store(path, author="old")
    try:
        [event] = store.query("SELECT * FROM events WHERE entity = 'pair_decision'")
        assert (event["action"], event["entity_id"], event["author"], event["session"]) == (
            "create",
            "1:6:11:2:2:7",
            "",
            "",
        )
        assert json.loads(event["after"])["features"] == [0.5]
        assert store.undo() is None  # made before it was logged: not anyone's to undo
        with store.write():
            stamp_pending(store, "origin", Clock("", "origin"))
        [(entity, key)] = [row[1:3] for row in store.outbox()]
        assert (entity, key) == ("pair_decision", "hash1:6:11:hash2:2:7")  # on its way to the team
    finally:
        store.close()
