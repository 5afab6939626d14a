"""Pair decisions travel between members through a real PostgreSQL hub (issue 10, item 2): a pair one
member rejects is not suggested to another, whose sources have other local ids; the member's undo and
redo travel too, and another member's undo never takes the decision back."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.align import SourceText, prepare_claims
from reader.align.suggest import rank_counterparts
from reader.comparison import pair_model
from reader.hub import Hub
from reader.library import sync_sources
from reader.store import open_store
from reader.store.decisions import decisions, record_decision, rejected_pairs
from reader.sync import sync

QUERY = "spent 10 years at Microsoft Research"


def _sync(store, hub_url: str):
    with Hub(hub_url) as hub:
        return sync(store, hub)


def _source(store, prefix: str):
    return next(s for s in store.sources() if Path(s.path).name.startswith(prefix))


def _candidates(store) -> list[tuple[int, int]]:
    """(start, end) of the ranked counterparts in 003 of QUERY in 001, as `reader suggest` ranks them."""
    query, other = _source(store, "001"), _source(store, "003")
    start = store.text(query.id).index(QUERY)
    docs = [SourceText(s.id, s.path, store.text(s.id)) for s in (query, other)]
    ranked = rank_counterparts(
        prepare_claims(docs),
        query.id,
        start,
        start + len(QUERY),
        pair_model(store),
        3,
        rejected_pairs(store, [query.id, other.id]),
    )
    return [(c.start, c.end) for c in ranked.get(other.id, [])]


@pytest.fixture
def bob(tmp_path: Path, corpus_dir: Path):
    """The same articles, loaded one by one in the other order: his local source ids are not alice's."""
    store = open_store(tmp_path / "bob.db", author="bob")
    for path in sorted(corpus_dir.glob("*.txt"), reverse=True):
        sync_sources(store, [path])
    yield store
    store.close()


def test_a_rejection_and_its_undo_travel_to_another_member(alice, bob, tmp_path, hub) -> None:
    assert _source(alice, "001").id != _source(bob, "001").id
    top = _candidates(alice)[0]
    assert _candidates(bob)[0] == top  # bob would be offered the same pair
    query, other = _source(alice, "001"), _source(alice, "003")
    start = alice.text(query.id).index(QUERY)
    record_decision(alice, "rejected", (query.id, start, start + len(QUERY)), (other.id, *top), [0.2, 0.1])
    assert top not in _candidates(alice)

    _sync(alice, hub.url)
    assert _sync(bob, hub.url).applied == 1
    assert top not in _candidates(bob)  # never suggested to bob either
    [received] = decisions(bob)
    assert received.decision == "rejected" and received.features == (0.2, 0.1)
    assert {received.a, received.b} == {
        (_source(bob, "001").id, start, start + len(QUERY)),
        (_source(bob, "003").id, *top),
    }
    assert bob.query("SELECT author FROM pair_decisions") == [{"author": "alice"}]
    assert bob.undo() is None  # alice's decision is not bob's to undo
    assert decisions(bob)

    # A member without the texts gets them with the decision.
    carol = open_store(tmp_path / "carol.db", author="carol")
    _sync(carol, hub.url)
    assert sorted(carol.text(s.id) for s in carol.sources()) == sorted(alice.text(s.id) for s in (query, other))
    assert len(rejected_pairs(carol)) == 1

    # Alice's undo travels: the suggestion is back for bob and carol; then her redo.
    assert alice.undo().startswith("undid rejecting a pair")
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    _sync(carol, hub.url)
    assert decisions(bob) == [] and rejected_pairs(carol) == []
    assert _candidates(bob)[0] == top
    assert alice.redo().startswith("redid rejecting a pair")
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    _sync(carol, hub.url)
    assert top not in _candidates(bob) and len(rejected_pairs(carol)) == 1

    # Syncing again changes nothing.
    for store in (alice, bob, carol, bob):
        again = _sync(store, hub.url)
        assert (again.pushed, again.applied) == (0, 0)
    carol.close()


def test_a_decision_another_member_changed_is_not_undone_over_them(alice, bob, hub) -> None:
    query, other = _source(alice, "001"), _source(alice, "003")
    a, b = (query.id, 10, 60), (other.id, 20, 80)
    record_decision(alice, "rejected", a, b)
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    [theirs] = decisions(bob)
    record_decision(bob, "confirmed", theirs.a, theirs.b)  # bob thinks they are the same claim after all
    _sync(bob, hub.url)
    _sync(alice, hub.url)
    assert [d.decision for d in decisions(alice)] == ["confirmed"]
    with pytest.raises(Exception, match="bob changed that pair decision later; nothing was undone"):
        alice.undo()
    assert [d.decision for d in decisions(alice)] == ["confirmed"]


def test_two_members_deciding_alike_is_no_conflict_and_deciding_otherwise_is_resolvable(
    alice, bob, hub, run_cli
) -> None:
    passages = {}
    for name, store in (("alice", alice), ("bob", bob)):
        query, other = _source(store, "001"), _source(store, "003")
        passages[name] = (query.id, 10, 60), (other.id, 20, 80)
    record_decision(alice, "rejected", *passages["alice"])
    record_decision(bob, "rejected", *passages["bob"])
    _sync(alice, hub.url)
    assert _sync(bob, hub.url).conflicts == 0  # both said the same about the pair
    assert [d.decision for d in decisions(bob)] == ["rejected"]

    quote = alice.text(passages["alice"][0][0])[10:60]
    record_decision(alice, "confirmed", *passages["alice"])
    record_decision(bob, "rejected", *passages["bob"][::-1])  # unchanged: nothing to push
    record_decision(bob, "confirmed", *passages["bob"])
    bob.undo()  # bob goes back to rejecting: his change is "rejected" again, alice's is "confirmed"
    _sync(alice, hub.url)
    assert _sync(bob, hub.url).conflicts == 1
    listed = run_cli("sync", "--conflicts", db=bob.path)
    assert listed.exit_code == 0, listed.output
    assert "pair_decision" in listed.output and "confirmed" in listed.output and "rejected" in listed.output
    assert " ".join(quote[:30].split()) in listed.output, listed.output
