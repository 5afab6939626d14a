"""`reader sync` against a real PostgreSQL hub: both ways, idempotent, interrupted, conflicts, bad input."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.hub import Hub, HubError
from reader.library import sync_sources
from reader.store import open_store
from reader.sync import annotations_digest, sync


def _sync(store, hub_url: str):
    with Hub(hub_url) as hub:
        return sync(store, hub)


@pytest.fixture
def bob(tmp_path: Path):
    store = open_store(tmp_path / "bob.db", author="bob")
    yield store
    store.close()


def _first_source(store):
    return sorted(store.sources(), key=lambda s: s.path)[0]


def test_two_databases_sync_both_ways_through_the_hub(alice, bob, hub) -> None:
    source = _first_source(alice)
    text = alice.text(source.id)
    start = text.index(text.split()[5])
    first = alice.add_annotation(source.id, start, start + 20, tags=["claim", "fresh tag"], note="alice's note")
    second = alice.add_annotation(source.id, start + 30, start + 45, tags=["quote"])
    alice.add_link(first.id, second.id, "supports")

    pushed = _sync(alice, hub.url)
    assert pushed.pushed >= 4 and pushed.pulled == 0
    pulled = _sync(bob, hub.url)
    assert pulled.applied >= 4

    # The source travelled by content hash with its text: bob can read and search it.
    (bob_source,) = bob.sources()
    assert bob.text(bob_source.id) == text
    assert bob.search(text.split()[5])
    got = {a.id: a for a in bob.annotations()}
    assert got[first.id].note == "alice's note" and set(got[first.id].tags) == {"claim", "fresh tag"}
    assert (got[first.id].start, got[first.id].end) == (start, start + 20)
    assert [(l.from_annotation, l.to_annotation, l.kind) for l in bob.links()] == [(first.id, second.id, "supports")]
    assert annotations_digest(bob) == annotations_digest(alice)

    # Bob's changes come back to alice.
    bob.update_annotation(first.id, note="bob disagrees")
    bob_own = bob.add_annotation(bob_source.id, start + 50, start + 60, tags=["error"])
    bob.delete_annotation(second.id)
    _sync(bob, hub.url)
    _sync(alice, hub.url)
    mine = {a.id: a for a in alice.annotations()}
    assert mine[first.id].note == "bob disagrees"
    assert bob_own.id in mine and mine[bob_own.id].author == "bob"
    assert second.id not in mine
    assert annotations_digest(bob) == annotations_digest(alice)

    # Pulled changes are in the event log as their authors' changes: alice's undo takes back her own
    # work, never bob's; bob's undo of his own edit travels like any change.
    events = alice.query("SELECT author, actor FROM events WHERE entity = 'annotation' AND entity_id = ? "
                         "ORDER BY id DESC LIMIT 1", [first.id])
    assert events == [{"author": "bob", "actor": "sync"}]
    assert "undid" in (bob.undo() or "")  # bob's last change: deleting `second`
    assert "undid" in (bob.undo() or "")  # and his own annotation
    assert "undid" in (bob.undo() or "")  # and his edit of alice's note
    _sync(bob, hub.url)
    _sync(alice, hub.url)
    assert alice.annotation(first.id).note == "alice's note"
    assert second.id in {a.id for a in alice.annotations()}
    assert annotations_digest(bob) == annotations_digest(alice)


def test_syncing_again_changes_nothing(alice, bob, hub, bulk_annotations) -> None:
    source = _first_source(alice)
    bulk_annotations(alice, source.id, 50)
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    digest, changes = annotations_digest(bob), hub.count("SELECT count(*) FROM hub_changes")
    events = bob.query("SELECT count(*) AS n FROM events")[0]["n"]
    for store in (alice, bob, alice, bob):
        again = _sync(store, hub.url)
        assert (again.pushed, again.pulled, again.applied) == (0, 0, 0)
    assert annotations_digest(bob) == digest == annotations_digest(alice)
    assert hub.count("SELECT count(*) FROM hub_changes") == changes
    assert bob.query("SELECT count(*) AS n FROM events")[0]["n"] == events


def test_a_source_edited_since_an_annotation_travels_and_reanchors(alice, bob, hub, corpus_dir) -> None:
    source = _first_source(alice)
    text = alice.text(source.id)
    word = text.split()[8]
    start = text.index(word)
    note = alice.add_annotation(source.id, start, start + len(word), note="on the old text")
    path = Path(source.path)
    path.write_text("A new opening paragraph, added later.\n\n" + path.read_text())
    sync_sources(alice, [corpus_dir])
    moved = alice.annotation(note.id)
    assert moved.start > start
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    theirs = bob.annotation(note.id)
    assert (theirs.start, theirs.end, theirs.anchor_status) == (moved.start, moved.end, moved.anchor_status)
    assert bob.text(theirs.source_id) == alice.text(source.id)


def _reader(*args: str, env_extra: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "reader", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=Path(__file__).resolve().parents[2])


def _wait_until(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _pulled_mark(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            row = conn.execute("SELECT max(CAST(value AS INTEGER)) FROM sync_state WHERE key LIKE 'pulled:%'").fetchone()
        finally:
            conn.close()
        return row[0] or 0
    except sqlite3.Error:
        return 0


def test_kill_9_in_the_middle_loses_and_duplicates_nothing(alice, hub, tmp_path, bulk_annotations) -> None:
    source = _first_source(alice)
    ids = set(bulk_annotations(alice, source.id, 12000))
    alice_path = alice.path
    alice.close()

    # Killed inside the push transaction: the test holds a lock on hub_changes, so the push waits there
    # (texts already sent in the same transaction) until the process is gone.
    with Hub(hub.url):
        pass  # the hub's tables, so the test can lock one
    with hub.server.admin(hub.dbname) as blocker:
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE hub_changes IN EXCLUSIVE MODE")
        pushing = _reader("--db", str(alice_path), "sync", hub.url)
        _wait_until(lambda: hub.count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'reader sync' "
                                      "AND wait_event_type = 'Lock'") > 0 or pushing.poll() is not None,
                    "the push to reach hub_changes")
        pushing.send_signal(signal.SIGKILL)
        assert pushing.wait() == -signal.SIGKILL, pushing.stderr.read()
        blocker.execute("ROLLBACK")
    _wait_until(lambda: hub.count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'reader sync'") == 0,
                "the killed client's session to end")
    assert hub.count("SELECT count(*) FROM hub_changes") == 0
    assert hub.count("SELECT count(*) FROM hub_texts") == 0
    finished = _reader("--db", str(alice_path), "sync", hub.url)
    assert finished.wait(120) == 0, finished.stderr.read()
    assert hub.count("SELECT count(*) FROM hub_changes WHERE entity = 'annotation'") == len(ids)

    # Killed while pulling: batches already applied stay, the rest comes on the next sync.
    bob_path = tmp_path / "bob-killed.db"
    pulling = _reader("--db", str(bob_path), "sync", hub.url)
    _wait_until(lambda: _pulled_mark(bob_path) > 0 or pulling.poll() is not None, "the first pulled batch")
    pulling.send_signal(signal.SIGKILL)
    assert pulling.wait() == -signal.SIGKILL, "the pull finished before it could be interrupted"
    partial = sqlite3.connect(bob_path).execute("SELECT count(*) FROM annotations").fetchone()[0]
    assert 0 < partial < len(ids)
    finished = _reader("--db", str(bob_path), "sync", hub.url)
    assert finished.wait(120) == 0, finished.stderr.read()

    bob = open_store(bob_path)
    alice = open_store(alice_path)
    assert {a["id"] for a in bob.query("SELECT id FROM annotations")} == ids
    assert annotations_digest(bob) == annotations_digest(alice)
    assert hub.count("SELECT count(*) FROM hub_changes WHERE entity = 'annotation'") == len(ids)
    assert hub.count("SELECT count(*) FROM (SELECT key FROM hub_changes GROUP BY entity, key HAVING count(*) > 1) d") == 0
    bob.close()
    alice.close()


def test_concurrent_edits_keep_the_loser_listed_and_resolvable(alice, bob, hub, run_cli, tmp_path) -> None:
    source = _first_source(alice)
    shared = alice.add_annotation(source.id, 10, 30, tags=["claim"], note="first draft")
    _sync(alice, hub.url)
    _sync(bob, hub.url)

    alice.update_annotation(shared.id, note="alice's reading")
    time.sleep(0.005)  # a later wall-clock millisecond: bob's edit is the later one by the clock rule
    bob.update_annotation(shared.id, note="bob's reading")
    _sync(alice, hub.url)
    result = _sync(bob, hub.url)
    assert result.conflicts == 1
    assert bob.annotation(shared.id).note == "bob's reading"  # the later edit wins
    _sync(bob, hub.url)
    _sync(alice, hub.url)
    assert alice.annotation(shared.id).note == "bob's reading"

    # Both sides can see what was lost.
    listed = run_cli("sync", "--conflicts", db=alice.path)
    assert listed.exit_code == 0, listed.output
    assert "alice's reading" in listed.output and "bob's reading" in listed.output
    conflict_id = listed.output.split()[0].lstrip("#")
    assert "alice's reading" in run_cli("sync", "--conflicts", db=bob.path).output

    # Alice brings hers back; it travels to bob on the next syncs, and the conflict is settled.
    resolved = run_cli("sync", "--resolve", conflict_id, "--keep", "lost", db=alice.path)
    assert resolved.exit_code == 0, resolved.output
    alice_again = open_store(alice.path)
    assert alice_again.annotation(shared.id).note == "alice's reading"
    _sync(alice_again, hub.url)
    _sync(bob, hub.url)
    assert bob.annotation(shared.id).note == "alice's reading"
    assert "no sync conflicts" in run_cli("sync", "--conflicts", db=alice.path).output
    assert "no sync conflicts" in run_cli("sync", "--conflicts", db=bob.path).output  # settled for the team
    assert "resolved: lost" in run_cli("sync", "--conflicts", "--all", db=bob.path).output
    alice_again.close()


def _file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


@pytest.mark.parametrize("case", ["unreachable", "wrong password", "not a url", "unknown database"])
def test_a_hub_that_cannot_be_reached_is_one_line_and_changes_nothing(case, hub, run_cli, alice) -> None:
    alice.add_annotation(_first_source(alice).id, 1, 9)
    before = _file_digest(alice.path)
    server = hub.server
    url = {
        "unreachable": f"postgresql://{hub.user}:{hub.password}@127.0.0.1:1/{hub.dbname}",
        "wrong password": server.url(hub.user, "not-the-password", hub.dbname),
        "not a url": "mysql://someone@host/db",
        "unknown database": server.url(hub.user, hub.password, "no_such_db"),
    }[case]
    result = run_cli("sync", url, db=alice.path)
    assert result.exit_code != 0
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
    assert hub.password not in result.output and "not-the-password" not in result.output
    assert _file_digest(alice.path) == before


def test_a_newer_hub_and_a_foreign_database_are_refused(hub, run_cli, tmp_path, postgres_server) -> None:
    fresh = tmp_path / "fresh.db"
    with Hub(hub.url):
        pass
    with postgres_server.admin(hub.dbname) as conn:
        conn.execute("UPDATE reader_hub SET value = '99' WHERE key = 'schema_version'")
    result = run_cli("sync", hub.url, db=fresh)
    assert result.exit_code != 0 and "newer reader" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not fresh.exists()

    with postgres_server.admin() as conn:
        conn.execute("CREATE DATABASE shop")
    with postgres_server.admin("shop") as conn:
        conn.execute("CREATE TABLE orders (id int)")
    result = run_cli("sync", postgres_server.url(dbname="shop"), db=fresh)
    assert result.exit_code != 0 and "not a reader hub" in result.output
    assert not fresh.exists()
    with pytest.raises(HubError, match="not a reader hub"):
        Hub(postgres_server.url(dbname="shop"))
    with postgres_server.admin("shop") as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()[0] == 1


def test_odd_author_names_are_shown_safely(alice, tmp_path, hub, run_cli) -> None:
    odd = "mallory\x1b]0;pwned\x07\n\"quoted\"\x1b[2J"
    mallory = open_store(tmp_path / "mallory.db", author=odd)
    source = _first_source(alice)
    shared = alice.add_annotation(source.id, 10, 30, note="original")
    _sync(alice, hub.url)
    _sync(mallory, hub.url)
    alice.update_annotation(shared.id, note="alice's")
    time.sleep(0.005)
    mallory.update_annotation(shared.id, note="mallory's \x1b[31mred")
    _sync(alice, hub.url)
    _sync(mallory, hub.url)
    _sync(alice, hub.url)
    mallory.close()
    listed = run_cli("sync", "--conflicts", db=alice.path)
    assert listed.exit_code == 0
    assert "\x1b" not in listed.output and "\x07" not in listed.output
    assert "mallory" in listed.output
    assert len([line for line in listed.output.splitlines() if line.startswith("#")]) == 1


def test_a_copied_database_syncs_as_a_member_of_its_own(alice, hub, tmp_path) -> None:
    source = _first_source(alice)
    alice.add_annotation(source.id, 5, 15, note="before the copy")
    _sync(alice, hub.url)
    carol_path = tmp_path / "carol.db"
    with sqlite3.connect(carol_path) as copy:
        alice.db.conn.backup(copy)
    carol = open_store(carol_path, author="carol")
    from_alice = alice.add_annotation(source.id, 20, 30, note="alice after the copy")
    from_carol = carol.add_annotation(source.id, 40, 50, note="carol after the copy")
    _sync(alice, hub.url)
    _sync(carol, hub.url)  # same origin as alice, but the hub holds pushes of alice's it never made
    _sync(alice, hub.url)
    assert {from_alice.id, from_carol.id} <= {a.id for a in carol.annotations()}
    assert {from_alice.id, from_carol.id} <= {a.id for a in alice.annotations()}
    assert annotations_digest(alice) == annotations_digest(carol)
    carol.close()


def test_a_conflict_names_who_made_each_edit_not_who_made_the_annotation(alice, bob, hub, run_cli) -> None:
    shared = alice.add_annotation(_first_source(alice).id, 10, 30, note="alice's annotation")
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    alice.update_annotation(shared.id, note="edit by alice")
    time.sleep(0.005)
    bob.update_annotation(shared.id, note="edit by bob")
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    (conflict,) = bob.query("SELECT winner_author, loser_author FROM sync_conflicts")
    assert (conflict["winner_author"], conflict["loser_author"]) == ("bob", "alice")
    listed = run_cli("sync", "--conflicts", db=bob.path).output
    assert "kept bob's" in listed and "lost alice's" in listed


def test_a_team_role_owns_the_hub_whoever_syncs_first(alice, bob, postgres_server) -> None:
    """The setup docs/hub.md gives: a NOLOGIN team role owns the database, each member logs in as
    themselves and is a member of it."""
    with postgres_server.admin() as conn:
        conn.execute("CREATE ROLE reader_team_t NOLOGIN")
        conn.execute("CREATE DATABASE team_hub_t OWNER reader_team_t")
        for member in ("alice_t", "bob_t"):
            conn.execute(f"CREATE ROLE {member} LOGIN PASSWORD '{member}-pw' IN ROLE reader_team_t")
    note = alice.add_annotation(_first_source(alice).id, 3, 13, note="from alice")
    _sync(alice, postgres_server.url("alice_t", "alice_t-pw", "team_hub_t"))
    _sync(bob, postgres_server.url("bob_t", "bob_t-pw", "team_hub_t"))
    assert bob.annotation(note.id).note == "from alice"
    bob.update_annotation(note.id, note="from bob")
    _sync(bob, postgres_server.url("bob_t", "bob_t-pw", "team_hub_t"))
    _sync(alice, postgres_server.url("alice_t", "alice_t-pw", "team_hub_t"))
    assert alice.annotation(note.id).note == "from bob"


def test_tag_renames_silent_marks_and_undo_travel(alice, bob, hub) -> None:
    sources = sorted(alice.sources(), key=lambda s: s.path)
    claim = alice.add_annotation(sources[0].id, 10, 30, tags=["rumour"])
    alice.set_silent(claim.id, sources[1].id)
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    assert bob.annotation(claim.id).tags == ["rumour"]
    assert len(bob.silences()) == 1

    alice.update_tag("rumour", new_name="unverified")
    alice.set_silent(claim.id, sources[1].id, silent=False)
    gone = alice.add_annotation(sources[0].id, 40, 50, note="made, then undone")
    alice.undo()
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    assert bob.annotation(claim.id).tags == ["unverified"]
    assert "rumour" not in {t.name for t in bob.tags()}
    assert bob.silences() == []
    assert gone.id not in {a.id for a in bob.annotations()}

    # Alice undoes her rename (her own change): the tag is called rumour again, for bob too.
    assert "undid" in (alice.undo() or "")  # the silent mark's removal
    assert "undid" in (alice.undo() or "")  # the rename
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    assert bob.annotation(claim.id).tags == ["rumour"]
    assert len(bob.silences()) == 1
    assert annotations_digest(alice) == annotations_digest(bob)


def test_a_push_cut_off_after_the_hub_committed_is_not_repeated(alice, hub, monkeypatch, bulk_annotations) -> None:
    """The window between the hub's commit and the local one: the next sync pushes the same changes,
    which the hub recognises, and does not take this database for a copy of another."""
    import reader.hub

    bulk_annotations(alice, _first_source(alice).id, 300)
    real_push = reader.hub.Hub.push

    def push_then_die(self, *args, **kwargs):
        real_push(self, *args, **kwargs)
        raise KeyboardInterrupt  # as if killed right after the hub committed

    monkeypatch.setattr(reader.hub.Hub, "push", push_then_die)
    with pytest.raises(KeyboardInterrupt):
        _sync(alice, hub.url)
    monkeypatch.setattr(reader.hub.Hub, "push", real_push)
    origin = alice.query("SELECT value FROM sync_state WHERE key = 'origin'")[0]["value"]
    assert alice.query("SELECT count(*) AS n FROM sync_outbox")[0]["n"] == 300  # not noted as pushed
    result = _sync(alice, hub.url)
    assert result.pushed == 300 and result.pulled == 0
    assert hub.count("SELECT count(*) FROM hub_changes") == 300
    assert alice.query("SELECT value FROM sync_state WHERE key = 'origin'")[0]["value"] == origin
    assert (_sync(alice, hub.url).pushed, hub.count("SELECT count(*) FROM hub_changes")) == (0, 300)


def test_loading_the_same_file_later_adopts_the_source_the_hub_brought(alice, bob, hub, corpus_dir) -> None:
    source = _first_source(alice)
    note = alice.add_annotation(source.id, 10, 30, note="on the shared article")
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    assert [s.path[:4] for s in bob.sources()] == ["hub:"]
    sync_sources(bob, [corpus_dir])  # bob opens the team's corpus afterwards
    assert len(bob.sources()) == len(alice.sources())
    placed = bob.annotation(note.id)
    assert bob.source(placed.source_id).path == source.path
    assert not [s for s in bob.sources() if s.path.startswith("hub:")]


def test_status_says_what_waits_to_be_pushed(alice, hub, run_cli) -> None:
    alice.add_annotation(_first_source(alice).id, 10, 30)
    assert "never synced" in run_cli("sync", "--status", db=alice.path).output
    _sync(alice, hub.url)
    assert "0 changes not pushed yet" in run_cli("sync", "--status", db=alice.path).output
    alice.add_annotation(_first_source(alice).id, 40, 50)
    alice.add_annotation(_first_source(alice).id, 60, 70)
    assert "2 changes not pushed yet, 0 open conflicts" in run_cli("sync", "--status", db=alice.path).output


def test_a_change_this_reader_cannot_apply_is_skipped_not_blocking(alice, bob, hub, postgres_server) -> None:
    """Whatever a member's reader (or a hand-edited row) put on the hub, the rest of the sync goes through."""
    note = alice.add_annotation(_first_source(alice).id, 10, 30, note="good")
    _sync(alice, hub.url)
    with postgres_server.admin(hub.dbname) as conn:
        origin = conn.execute("SELECT origin FROM hub_changes LIMIT 1").fetchone()[0]
        bad = {"position_start": 30, "position_end": 10}  # breaks the annotations table's CHECK
        row = conn.execute("SELECT payload FROM hub_changes WHERE entity = 'annotation'").fetchone()[0]
        import json as _json

        broken = {**_json.loads(row), **bad, "id": "broken"}
        conn.execute("INSERT INTO hub_changes (origin, origin_id, entity, key, hlc, payload) VALUES "
                     "(%s, 1000, 'annotation', 'broken', '9999999999999.00000000.x', %s), "
                     "(%s, 1001, 'generic', 'k', '9999999999999.00000001.x', '[1, 2]'), "
                     "(%s, 1002, 'tag', 'odd', '9999999999999.00000002.x', '\"not an object\"')",
                     [origin, _json.dumps(broken), origin, origin])
    result = _sync(bob, hub.url)
    assert bob.annotation(note.id).note == "good"
    assert "broken" not in {a.id for a in bob.annotations()}
    assert sum(result.skipped.values()) == 3
    assert (_sync(bob, hub.url).pulled, _sync(bob, hub.url).applied) == (0, 0)  # and it moved past them


def test_an_older_hub_is_migrated_forward_by_a_newer_reader(hub, monkeypatch) -> None:
    import reader.hub

    with Hub(hub.url):
        pass
    assert hub.count("SELECT value::int FROM reader_hub WHERE key = 'schema_version'") == 1
    monkeypatch.setitem(reader.hub.HUB_SCHEMA, 2, "ALTER TABLE hub_origins ADD COLUMN display_name text;")
    monkeypatch.setattr(reader.hub, "HUB_SCHEMA_VERSION", 2)
    with Hub(hub.url):
        pass
    assert hub.count("SELECT value::int FROM reader_hub WHERE key = 'schema_version'") == 2
    assert hub.count("SELECT count(*) FROM information_schema.columns WHERE table_name = 'hub_origins' "
                     "AND column_name = 'display_name'") == 1


def test_tls_is_asked_for_in_the_connection_string(alice, hub, postgres_server, tmp_path, run_cli) -> None:
    assert postgres_server.certificate is not None, "openssl is needed to give the test server a certificate"
    alice.add_annotation(_first_source(alice).id, 10, 30, note="over TLS")
    verified = f"{hub.url}?sslmode=verify-ca&sslrootcert={postgres_server.certificate}"
    with Hub(verified) as connected:
        assert connected.conn.info.pgconn.ssl_in_use
        sync(alice, connected)
    assert hub.count("SELECT count(*) FROM hub_changes") == 1
    # A certificate the client does not trust: refused in one line, nothing changed.
    stranger = tmp_path / "stranger.crt"
    subprocess.run(["openssl", "req", "-new", "-x509", "-days", "1", "-nodes", "-subj", "/CN=stranger",
                    "-keyout", str(tmp_path / "stranger.key"), "-out", str(stranger)], check=True, capture_output=True)
    fresh = tmp_path / "fresh.db"
    result = run_cli("sync", f"{hub.url}?sslmode=verify-ca&sslrootcert={stranger}", db=fresh)
    assert result.exit_code != 0 and "certificate" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not fresh.exists()


def test_claims_verdicts_and_source_metadata_travel(alice, bob, hub) -> None:
    from reader.store.claims import claim_records, set_source_metadata, set_verdict

    sources = sorted(alice.sources(), key=lambda s: s.path)
    first = alice.add_annotation(sources[0].id, 10, 30, tags=["claim"])
    second = alice.add_annotation(sources[1].id, 10, 30, tags=["claim"])
    alice.add_link(first.id, second.id, "same")
    set_verdict(alice, first.id, [first.id, second.id], "False", 1, note="checked against the memo")
    set_source_metadata(alice, sources[0].id, {"outlet": "The Checked Gazette"})
    _sync(alice, hub.url)
    _sync(bob, hub.url)
    record = claim_records(bob)[first.id]
    assert (record["rating"], record["verdict_note"]) == ("False", "checked against the memo")
    placed = bob.source(bob.annotation(first.id).source_id)
    assert placed.outlet == "The Checked Gazette"
