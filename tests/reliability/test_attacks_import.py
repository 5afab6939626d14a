"""Issue 14, bad import data: hostile ids, dates, offsets, nesting, long CSV cells and odd digits are
refused in one line with nothing changed, and what `export` writes, `import` reads back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from reader.exports import write_csv, write_json
from reader.store import open_store
from reader.text import find_quote

ESCAPE_ID = "\x1b]0;PWNED\x07\x1b[2J"


def counts(db: Path) -> dict[str, int]:
    store = open_store(db)
    try:
        return {table: store.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]
                for table in ("annotations", "annotation_tags", "tags", "links", "events", "source_versions")}
    finally:
        store.close()


@pytest.fixture
def exported(loaded_store, source_id):
    """A JSON export (as a dict) of two linked annotations, and the store they came from (then emptied)."""
    first, second = source_id("001"), source_id("002")
    a = loaded_store.add_annotation(first, *find_quote(loaded_store.text(first), "OpenAI")[0], tags=["claim"])
    b = loaded_store.add_annotation(second, *find_quote(loaded_store.text(second), "Microsoft")[0])
    loaded_store.add_link(a.id, b.id, "same")
    out = io.StringIO()
    write_json(loaded_store, out)
    loaded_store.delete_annotation(a.id)
    loaded_store.delete_annotation(b.id)
    return json.loads(out.getvalue())


def refused(run_cli, tmp_path, db_path, document, name="bad.json"):
    """Import document; assert one line, non-zero exit, no traceback, nothing changed; return the line."""
    path = tmp_path / name
    if isinstance(document, (dict, list)):
        path.write_text(json.dumps(document), encoding="utf-8")
    elif isinstance(document, str):
        path.write_text(document, encoding="utf-8", newline="")
    else:
        path.write_bytes(document)
    before = counts(db_path)
    result = run_cli("import", str(path))
    assert result.exit_code != 0, result.output
    assert result.output.startswith("Error:") and result.output.count("\n") == 1, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert counts(db_path) == before
    return result.output


@pytest.mark.parametrize("where", ["annotation", "link", "link end"])
def test_an_escape_sequence_id_is_refused(exported, run_cli, tmp_path, db_path, where):
    if where == "annotation":
        exported["annotations"][0]["id"] = ESCAPE_ID
    elif where == "link":
        exported["links"][0]["id"] = ESCAPE_ID
    else:
        exported["links"][0]["to"] = ESCAPE_ID
    assert "id" in refused(run_cli, tmp_path, db_path, exported)


def test_a_csv_escape_id_is_refused(loaded_store, source_id, run_cli, tmp_path, db_path):
    first = source_id("001")
    loaded_store.add_annotation(first, *find_quote(loaded_store.text(first), "OpenAI")[0])
    out = io.StringIO(newline="")
    write_csv(loaded_store, out, raw=True)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    loaded_store.delete_annotation(rows[1][0])
    rows[1][0] = ESCAPE_ID
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    refused(run_cli, tmp_path, db_path, text.getvalue(), "bad.csv")


def test_ids_already_stored_are_printed_display_safe(loaded_store, source_id, run_cli):
    """A database written by an older reader may hold such an id: listing it must not obey it."""
    first, second = source_id("001"), source_id("002")
    a = loaded_store.add_annotation(first, *find_quote(loaded_store.text(first), "OpenAI")[0])
    b = loaded_store.add_annotation(second, *find_quote(loaded_store.text(second), "Microsoft")[0])
    loaded_store.db.conn.execute("PRAGMA foreign_keys = OFF")
    loaded_store.db.conn.execute("UPDATE annotations SET id = ? WHERE id = ?", [ESCAPE_ID, a.id])
    listed = run_cli("annotations")
    assert listed.exit_code == 0 and "\x1b" not in listed.output and "\u241b" in listed.output
    linked = run_cli("link", ESCAPE_ID, b.id)
    assert "\x1b" not in linked.output and "\x07" not in linked.output


@pytest.mark.parametrize("field", ["created", "updated"])
@pytest.mark.parametrize("value", ["yesterday", "2024-13-45T00:00:00Z", "\x1b[2J"])
def test_a_date_that_is_not_iso_8601_is_refused(exported, run_cli, tmp_path, db_path, field, value):
    exported["annotations"][0][field] = value
    assert field in refused(run_cli, tmp_path, db_path, exported)


def test_a_link_date_that_is_not_iso_8601_is_refused(exported, run_cli, tmp_path, db_path):
    exported["links"][0]["created"] = "last week"
    refused(run_cli, tmp_path, db_path, exported)


@pytest.mark.parametrize("end", [10**12, 2**63, 2**64 + 5])
def test_an_offset_beyond_the_text_is_refused(exported, run_cli, tmp_path, db_path, end):
    annotation = exported["annotations"][0]
    annotation["end"] = end
    refused(run_cli, tmp_path, db_path, exported)


def test_an_end_past_the_text_with_a_matching_quote_is_not_stored_as_anchored(exported, run_cli, tmp_path,
                                                                                db_path, loaded_store):
    """The attack: the quote is the text's last words, end = 10**12 (slicing clamps, so it 'matched')."""
    annotation = exported["annotations"][0]
    text = loaded_store.text(annotation["source"])
    annotation.update(start=len(text) - 20, end=10**12, quote=text[-20:], version_hash="")
    refused(run_cli, tmp_path, db_path, exported)


def test_json_nested_100000_deep_is_one_line(loaded_store, run_cli, tmp_path, db_path):
    refused(run_cli, tmp_path, db_path, "[" * 100_000 + "]" * 100_000)
    refused(run_cli, tmp_path, db_path, '{"format": "reader-annotations", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_a_csv_export_with_a_note_over_the_csv_field_limit_imports_back(loaded_store, source_id, run_cli, tmp_path):
    first = source_id("001")
    note = "long note " * 20_000  # 200,000 characters: over the csv module's default 131,072
    annotation = loaded_store.add_annotation(first, *find_quote(loaded_store.text(first), "OpenAI")[0], note=note)
    exported = tmp_path / "all.csv"
    assert run_cli("export", "-o", str(exported)).exit_code == 0
    loaded_store.delete_annotation(annotation.id)
    result = run_cli("import", str(exported))
    assert result.exit_code == 0, result.output
    assert loaded_store.annotation(annotation.id).note == note


@pytest.mark.parametrize("digits", ["2_0", "\u0662\u0660", "\uff12\uff10", " 20", "+20", "20.0"])
def test_csv_offsets_accept_ascii_digits_only(loaded_store, source_id, run_cli, tmp_path, db_path, digits):
    first = source_id("001")
    annotation = loaded_store.add_annotation(first, *find_quote(loaded_store.text(first), "OpenAI")[0])
    out = io.StringIO(newline="")
    write_csv(loaded_store, out, raw=True)
    loaded_store.delete_annotation(annotation.id)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    rows[1][rows[0].index("start")] = digits
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    assert "digits" in refused(run_cli, tmp_path, db_path, text.getvalue(), "bad.csv")


def test_an_end_a_little_past_the_current_text_is_reanchored_inside_it(exported, run_cli, tmp_path, loaded_store):
    """No version named (as in CSV): the offsets are a hint; the quote decides, inside the text."""
    annotation = exported["annotations"][0]
    text = loaded_store.text(annotation["source"])
    annotation.update(start=len(text) - 20, end=len(text) + 5, quote=text[-20:], version_hash="")
    exported["links"] = []
    path = tmp_path / "past.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    result = run_cli("import", str(path))
    assert result.exit_code == 0, result.output
    stored = loaded_store.annotation(annotation["id"])
    assert (stored.start, stored.end) == (len(text) - 20, len(text))
