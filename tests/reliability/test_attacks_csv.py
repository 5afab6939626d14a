"""Issue 14.9: every cell of every CSV goes through the one formula guard, including cells whose first
non-blank character (after spaces, no-break spaces, zero-width characters or a BOM) is a formula lead."""

from __future__ import annotations

import csv
import io

import pytest

from reader.exports import guard_formula, unguard_formula
from reader.text import find_quote

HYPERLINK = '=HYPERLINK("https://evil.example","x")'


@pytest.mark.parametrize("blank", ["", " ", "\u00a0", "\u200b", "\ufeff", "  \u200d\u00a0", "\u3000"])
@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])
def test_a_formula_lead_after_blanks_is_guarded_and_the_guard_is_reversible(blank, lead):
    cell = f"{blank}{lead}1+1"
    assert guard_formula(cell).startswith("'")
    assert unguard_formula(guard_formula(cell)) == cell


def test_plain_cells_are_left_alone():
    assert guard_formula(" plain words") == " plain words"
    assert guard_formula("") == ""


def linked_pair(store, source_id):
    first, second = source_id("001"), source_id("002")
    a = store.add_annotation(first, *find_quote(store.text(first), "OpenAI")[0], tags=["claim"],
                             note="\u00a0=1+1")
    b = store.add_annotation(second, *find_quote(store.text(second), "Microsoft")[0], tags=["claim"])
    store.add_link(a.id, b.id, "same")
    return a, b


def test_matrix_csv_guards_its_claim_id(loaded_store, source_id, run_cli):
    """An id written by an older reader (or by hand) that reads as a formula is still guarded."""
    a, b = linked_pair(loaded_store, source_id)
    conn = loaded_store.db.conn
    conn.execute("PRAGMA foreign_keys = OFF")
    for table, column in (("annotations", "id"), ("annotation_tags", "annotation_id"), ("links", "from_annotation")):
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [HYPERLINK, a.id])
    result = run_cli("export", "--format", "matrix-csv")
    assert result.exit_code == 0, result.output
    cells = [cell for row in csv.reader(io.StringIO(result.output)) for cell in row]
    assert HYPERLINK not in cells
    assert "'" + HYPERLINK in cells


def test_annotations_csv_guards_a_formula_after_a_no_break_space(loaded_store, source_id, run_cli):
    linked_pair(loaded_store, source_id)
    result = run_cli("export", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.output)))
    notes = [row[rows[0].index("note")] for row in rows[1:]]
    assert "'\u00a0=1+1" in notes


def test_the_guarded_csv_imports_back_unchanged(loaded_store, source_id, run_cli, tmp_path):
    a, _ = linked_pair(loaded_store, source_id)
    exported = tmp_path / "all.csv"
    assert run_cli("export", "-o", str(exported)).exit_code == 0
    other = tmp_path / "other.db"
    assert run_cli("import", str(exported), db=other).exit_code == 0
    from reader.store import open_store

    copy = open_store(other)
    try:
        assert copy.annotation(a.id).note == "\u00a0=1+1"
    finally:
        copy.close()
