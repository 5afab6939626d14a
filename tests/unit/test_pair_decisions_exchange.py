"""Pair decisions in the JSON export and import (issue 10, item 2: rejected pairs are remembered): they
round-trip, importing twice adds nothing, undo takes an import's decisions back with it, and a passage
whose text moved on is found again by its quote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reader.store import open_store
from reader.store.decisions import decisions, record_decision


def _named(store) -> list[tuple]:
    """Every decision with its passages named by file name, so two databases compare."""
    names = {s.id: Path(s.path).name for s in store.sources()}
    return sorted(
        (d.decision, *sorted((names[p[0]], p[1], p[2]) for p in (d.a, d.b)), d.features) for d in decisions(store)
    )


@pytest.fixture
def decided(loaded_store, source_id):
    """A rejection between 001 and 003 and a confirmation between 002 and 004; no annotations."""
    record_decision(loaded_store, "rejected", (source_id("001"), 100, 180), (source_id("003"), 300, 380), [0.25, 0.5])
    record_decision(loaded_store, "confirmed", (source_id("004"), 40, 90), (source_id("002"), 10, 70), [0.75])
    return loaded_store


def _without_timestamp(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(' "exported"'))


def test_decisions_round_trip_and_importing_twice_adds_nothing(decided, run_cli, tmp_path) -> None:
    exported = tmp_path / "all.json"
    assert run_cli("export", "-o", str(exported)).exit_code == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert len(data["sources"]) == 4  # the decisions' sources travel though nothing is annotated on them
    assert {d["decision"] for d in data["decisions"]} == {"rejected", "confirmed"}
    other = tmp_path / "other.db"
    first = run_cli("import", str(exported), db=other)
    assert first.exit_code == 0, first.output
    assert "2 pair decisions" in first.output
    copy = open_store(other)
    try:
        assert _named(copy) == _named(decided)
        again = tmp_path / "again.json"
        assert run_cli("export", "-o", str(again), db=other).exit_code == 0
        assert _without_timestamp(again.read_text(encoding="utf-8")) == _without_timestamp(
            exported.read_text(encoding="utf-8")
        )
        events = copy.query("SELECT count(*) AS n FROM events")[0]["n"]
        second = run_cli("import", str(exported), db=other)
        assert second.exit_code == 0 and "pair decision" not in second.output, second.output
        assert _named(copy) == _named(decided)
        assert copy.query("SELECT count(*) AS n FROM events")[0]["n"] == events
    finally:
        copy.close()
    assert run_cli("undo", db=other).exit_code == 0  # the import (the second added nothing to undo)
    copy = open_store(other)
    try:
        assert decisions(copy) == []
    finally:
        copy.close()


def test_an_export_by_tag_carries_no_decisions_and_by_source_only_those_between_its_sources(
    decided, run_cli, tmp_path, source_id
) -> None:
    exported = tmp_path / "claims.json"
    decided.add_annotation(source_id("001"), 100, 180, tags=["claim"])
    assert run_cli("export", "--tag", "claim", "-o", str(exported)).exit_code == 0
    assert json.loads(exported.read_text(encoding="utf-8"))["decisions"] == []
    assert run_cli("export", "--source", "001", "--source", "003", "--force", "-o", str(exported)).exit_code == 0
    [carried] = json.loads(exported.read_text(encoding="utf-8"))["decisions"]
    assert carried["decision"] == "rejected"


def test_a_passage_whose_text_moved_on_is_found_again_by_its_quote(decided, run_cli, tmp_path, corpus_dir) -> None:
    exported = tmp_path / "all.json"
    run_cli("export", "-o", str(exported))
    changed = tmp_path / "changed"
    shutil.copytree(corpus_dir, changed)
    path = next(changed.glob("001*"))
    path.write_text("An inserted first paragraph.\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    other = tmp_path / "other.db"
    assert run_cli("import", str(exported), db=other, corpus=changed).exit_code == 0
    copy = open_store(other)
    try:
        moved = len("An inserted first paragraph.\n\n")
        rejected = next(d for d in _named(copy) if d[0] == "rejected")
        assert rejected[1][0].startswith("001") and rejected[1][1:] == (100 + moved, 180 + moved)
    finally:
        copy.close()


def test_a_decision_on_a_source_the_file_does_not_list_is_one_line(decided, run_cli, tmp_path) -> None:
    exported = tmp_path / "all.json"
    run_cli("export", "-o", str(exported))
    data = json.loads(exported.read_text(encoding="utf-8"))
    data["decisions"][0]["a"]["source"] = 999
    exported.write_text(json.dumps(data), encoding="utf-8")
    result = run_cli("import", str(exported), db=tmp_path / "other.db")
    assert result.exit_code != 0
    assert "a pair decision refers to source 999" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_an_import_written_in_chunks_brings_its_decisions_in_the_same_undo_step(
    decided, run_cli, tmp_path, source_id, monkeypatch
) -> None:
    for start in (10, 200, 400):
        decided.add_annotation(source_id("001"), start, start + 20, tags=["claim"])
    exported = tmp_path / "all.json"
    run_cli("export", "-o", str(exported))
    monkeypatch.setenv("READER_IMPORT_CHUNK_ROWS", "1")  # three chunks, then the decisions as it is published
    other = tmp_path / "other.db"
    result = run_cli("import", str(exported), db=other)
    assert result.exit_code == 0 and "imported 3 annotations" in result.output and "2 pair decisions" in result.output
    copy = open_store(other)
    try:
        assert _named(copy) == _named(decided)
        undone = copy.undo()
        assert undone is not None and "adding 3 annotations" in undone and "adding 2 pair decisions" in undone
        assert decisions(copy) == [] and copy.annotations() == []
    finally:
        copy.close()
