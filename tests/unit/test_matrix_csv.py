"""`reader export --format matrix-csv`: the claims matrix as CSV, one row per claim, a column per source."""

from __future__ import annotations

import csv
import io

from reader.exports import matrix_cell_text, matrix_column_names


def link(store, first: int, second: int, first_words: str, second_words: str, kind: str = "same"):
    text_a, text_b = store.text(first), store.text(second)
    start_a, start_b = text_a.index(first_words), text_b.index(second_words)
    a = store.add_annotation(first, start_a, start_a + len(first_words), tags=["claim"])
    b = store.add_annotation(second, start_b, start_b + len(second_words), tags=["claim"])
    store.add_link(a.id, b.id, kind)
    return a, b


def rows(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output)))


def test_cell_text_names_the_differing_words():
    assert matrix_cell_text("present", []) == "present"
    assert matrix_cell_text("differs", ["an estimated → over", "2019 →  ∅"]) == "differs: an estimated → over; 2019 → ∅"
    assert matrix_cell_text("differs", []) == "differs"
    assert matrix_cell_text("silent", []) == "silent"


def test_matrix_csv_has_a_row_per_claim_and_a_column_per_source_title(loaded_store, source_id, run_cli):
    a, _ = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    loaded_store.set_silent(a.id, source_id("002"))
    result = run_cli("export", "--format", "matrix-csv")
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    titles = [s.title for s in loaded_store.sources()]
    assert table[0] == ["claim_id", "claim", "verdict", "verdict_note", *titles]
    assert len(table) == 2
    row = dict(zip(table[0], table[1]))
    assert row["claim_id"] == a.id
    assert row["claim"] == "Microsoft has invested an estimated $13 billion into OpenAI since 2019"
    cells = [row[title] for title in titles]
    assert cells[0] == "present"
    assert cells[1].startswith("differs: ") and "over" in cells[1]
    assert cells[2] == "silent"
    assert cells[3] == cells[4] == "absent"


def test_matrix_csv_to_a_file_reports_claims(loaded_store, source_id, run_cli, tmp_path):
    link(loaded_store, source_id("000"), source_id("002"), "Sebastien Bubeck", "Sebastien Bubeck")
    target = tmp_path / "matrix.csv"
    result = run_cli("export", "--format", "matrix-csv", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "exported 1 claim" in result.output
    assert len(rows(target.read_text(encoding="utf-8"))) == 2


def test_matrix_csv_only_the_chosen_sources(loaded_store, source_id, run_cli):
    link(loaded_store, source_id("000"), source_id("001"), "Sebastien Bubeck", "Bubeck")
    result = run_cli("export", "--format", "matrix-csv", "--source", "000", "--source", "001")
    assert result.exit_code == 0, result.output
    assert len(rows(result.output)[0]) == 4 + 2


def test_matrix_csv_guards_a_claim_that_reads_as_a_formula(loaded_store, source_id, run_cli):
    a, _ = link(loaded_store, source_id("001"), source_id("004"), "-- a discipline he calls", "OpenAI")
    table = rows(run_cli("export", "--format", "matrix-csv").output)
    assert table[1][1] == "'-- a discipline he calls"
    raw = rows(run_cli("export", "--format", "matrix-csv", "--raw").output)
    assert raw[1][1] == "-- a discipline he calls"


def test_column_names_tell_apart_sources_with_one_title(loaded_store, source_id):
    from dataclasses import replace

    first = loaded_store.source(source_id("000"))
    second = replace(loaded_store.source(source_id("001")), title=first.title)
    names = matrix_column_names([first, second, loaded_store.source(source_id("002"))])
    assert names[0] != names[1] and all(first.title in name for name in names[:2])
    assert names[2] == loaded_store.source(source_id("002")).title


def test_matrix_csv_guard_applies_to_cells(loaded_store, source_id):
    from reader.exports import write_matrix_csv

    store = loaded_store
    text = store.text(source_id("003"))
    start = text.index("OpenAI")
    a = store.add_annotation(source_id("003"), start, start + 6, tags=["claim"])
    other = store.text(source_id("004"))
    b = store.add_annotation(source_id("004"), other.index("OpenAI"), other.index("OpenAI") + 6, tags=["claim"])
    store.add_link(a.id, b.id, "same")
    store.db.conn.execute("UPDATE sources SET title = '=1+1' WHERE id = ?", [source_id("003")])
    out = io.StringIO()
    assert write_matrix_csv(store, out) == 1
    assert "'=1+1" in rows(out.getvalue())[0]
    raw = io.StringIO()
    write_matrix_csv(store, raw, raw=True)
    assert "=1+1" in rows(raw.getvalue())[0]


def test_matrix_csv_carries_each_claims_verdict_and_its_note(loaded_store, source_id, run_cli):
    """A fact-checker's spreadsheet of the matrix needs the verdicts reached, not only who said what."""
    import json

    link(loaded_store, source_id("000"), source_id("001"), "Sebastien Bubeck", "Bubeck")
    link(loaded_store, source_id("002"), source_id("003"), "OpenAI", "OpenAI")
    rated = json.loads(run_cli("claims", "--json").output)[0]["id"]
    assert run_cli("verdict", rated, "mostly false", "--note", "=2+2 says the 10-K").exit_code == 0
    table = rows(run_cli("export", "--format", "matrix-csv").output)
    assert table[0][:4] == ["claim_id", "claim", "verdict", "verdict_note"]
    by_id = {row[0]: dict(zip(table[0], row)) for row in table[1:]}
    assert by_id[rated]["verdict"] == "mostly false"
    assert by_id[rated]["verdict_note"] == "'=2+2 says the 10-K"  # guarded like every cell
    other = next(row for claim_id, row in by_id.items() if claim_id != rated)
    assert other["verdict"] == "" and other["verdict_note"] == ""
