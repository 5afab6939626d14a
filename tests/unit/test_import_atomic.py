"""An import is one transaction and one undo step, claims, verdicts, evidence and source metadata included
(issue 11: they were imported after the annotations, in a transaction and an undo group of their own)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from reader.store import open_store

TABLES = ("annotations", "annotation_rows", "annotation_tags", "links", "claims", "claim_evidence", "tags")


@pytest.fixture(autouse=True, params=["0", "1"], ids=["one transaction", "in chunks"])
def publish(request, monkeypatch):
    """Both ways an import is published: at once (small imports), and in chunks as a hidden batch (big ones)."""
    monkeypatch.setenv("READER_IMPORT_CHUNK_ROWS", request.param)


@pytest.fixture
def export_with_a_verdict(run_cli, loaded_store, source_id, tmp_path) -> Path:
    """A JSON export of a linked claim with its own text, a verdict, evidence, and source metadata set."""
    first, second = source_id("001"), source_id("004")
    text_a, text_b = loaded_store.text(first), loaded_store.text(second)
    start_a, start_b = text_a.index("over $13 billion"), text_b.index("an additional $10 billion")
    a = loaded_store.add_annotation(first, start_a, start_a + len("over $13 billion"), tags=["claim"])
    b = loaded_store.add_annotation(second, start_b, start_b + len("an additional $10 billion"), tags=["claim"])
    loaded_store.add_link(a.id, b.id, "same")
    claim_id = json.loads(run_cli("claims", "--json").output)[0]["id"]
    assert run_cli("claim", claim_id, "--text", "Microsoft put $13 billion into OpenAI").exit_code == 0
    verdict = run_cli("verdict", claim_id, "mixed", "--note", "Depends", "--evidence", "https://example.org/10k")
    assert verdict.exit_code == 0
    assert run_cli("meta", "001", "--outlet", "Redmond Mag").exit_code == 0
    exported = tmp_path / "all.json"
    assert run_cli("export", "--format", "json", "-o", str(exported)).exit_code == 0
    return exported


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def outlet(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT outlet FROM sources WHERE path LIKE '%001\\_%' ESCAPE '\\'").fetchone()[0]


def test_a_failure_writing_the_claims_leaves_none_of_the_import(run_cli, export_with_a_verdict, tmp_path):
    other = tmp_path / "other.db"
    assert run_cli("sources", db=other).exit_code == 0  # the database with the corpus, nothing annotated
    with sqlite3.connect(other) as conn:  # the claims part of the import fails, as a full disk would
        conn.execute("CREATE TRIGGER fail BEFORE INSERT ON claims BEGIN SELECT RAISE(ABORT, 'disk gone'); END")
    before, outlet_before = counts(other), outlet(other)
    result = run_cli("import", str(export_with_a_verdict), db=other)
    assert result.exit_code != 0 and "disk gone" in result.output
    assert result.output.count("\n") == 1, result.output
    assert counts(other) == before  # no annotation, link or tag of the import is left behind
    assert outlet(other) == outlet_before


def test_one_undo_takes_back_the_whole_import_and_one_redo_puts_it_back(run_cli, export_with_a_verdict, tmp_path):
    other = tmp_path / "other.db"
    assert run_cli("sources", db=other).exit_code == 0
    before, outlet_before = counts(other), outlet(other)
    assert run_cli("import", str(export_with_a_verdict), db=other).exit_code == 0
    imported = counts(other)
    assert imported["annotations"] == 2 and imported["claims"] == 1 and imported["claim_evidence"] == 1
    assert outlet(other) == "Redmond Mag"
    store = open_store(other)
    try:
        groups = store.query("SELECT DISTINCT group_id, actor FROM events")
    finally:
        store.close()
    assert len(groups) == 1 and groups[0]["actor"] == "import"
    undone = run_cli("undo", db=other)
    assert undone.exit_code == 0, undone.output
    assert counts(other) == before, undone.output
    assert outlet(other) == outlet_before
    assert run_cli("undo", db=other).output.strip().startswith("nothing to undo")
    assert run_cli("redo", db=other).exit_code == 0
    assert counts(other) == imported and outlet(other) == "Redmond Mag"
    (claim,) = json.loads(run_cli("claims", "--json", db=other).output)
    assert claim["text"] == "Microsoft put $13 billion into OpenAI" and claim["verdict"]["rating"] == "mixed"
