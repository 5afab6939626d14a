"""Import: every export format reads back, importing twice adds nothing, sources are found, changed
texts are re-anchored, bad files are refused in one line with nothing written, and undo takes it all back."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.corpus import Document
from reader.exports import write_csv, write_json
from reader.imports import import_file, tag_name_for_import
from reader.store import Store, open_store
from reader.text import canonicalise_newlines, find_quote


@pytest.fixture
def annotated(loaded_store, source_id):
    """Three annotations over two sources: tags, a multi-line formula-looking note, a link."""
    first, second = source_id("001"), source_id("002")
    start, end = find_quote(loaded_store.text(first), "OpenAI")[0]
    a = loaded_store.add_annotation(first, start, end, tags=["claim", "number"], note="=1+1\nsecond line")
    text = loaded_store.text(first)
    paragraph_break = text.index("\n\n", 100)
    c = loaded_store.add_annotation(first, paragraph_break - 8, paragraph_break + 8, tags=["-odd tag"],
                                    note="'already quoted")
    start, end = find_quote(loaded_store.text(second), "Microsoft")[0]
    b = loaded_store.add_annotation(second, start, end, tags=["quote"])
    loaded_store.add_link(a.id, b.id, "supports")
    loaded_store.add_link(c.id, b.id, "same")
    loaded_store.set_silent(a.id, source_id("003"))  # the claims matrix: 003 checked, says nothing of it
    return loaded_store, a, b, c


def export_text(store: Store, writer=write_json, **options) -> str:
    out = io.StringIO(newline="")
    writer(store, out, **options)
    return out.getvalue()


def csv_view(store: Store) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(export_text(store, write_csv, raw=True), newline="")))
    links = rows[0].index("links")
    for row in rows[1:]:
        row[links] = ";".join(sorted(row[links].split(";")))
    return rows


def without_timestamp(json_export: str) -> str:
    return "\n".join(line for line in json_export.splitlines() if not line.startswith(' "exported"'))


def counts(db: Path) -> dict[str, int]:
    store = open_store(db)
    try:
        return {table: store.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]
                for table in ("annotations", "annotation_tags", "tags", "links", "events", "source_versions")}
    finally:
        store.close()


def test_json_export_import_export_is_the_identity(annotated, run_cli, tmp_path):
    store, *_ = annotated
    exported = tmp_path / "all.json"
    assert run_cli("export", "-o", str(exported)).exit_code == 0
    other = tmp_path / "other.db"
    result = run_cli("import", str(exported), db=other)
    assert result.exit_code == 0, result.output
    assert "imported 3 annotations, 2 links, 1 new tag, 1 silent mark" in result.output
    copy = open_store(other)
    try:
        assert without_timestamp(export_text(copy)) == without_timestamp(exported.read_text(encoding="utf-8"))
        assert len(copy.silences()) == 1
    finally:
        copy.close()


@pytest.mark.parametrize("export_format", ["json", "w3c", "csv"])
def test_every_format_round_trips_and_importing_twice_adds_nothing(annotated, run_cli, tmp_path, export_format):
    store, *_ = annotated
    exported = tmp_path / f"all.{export_format}"
    assert run_cli("export", "--format", export_format, "-o", str(exported)).exit_code == 0
    other = tmp_path / "other.db"
    first = run_cli("import", str(exported), db=other)
    assert first.exit_code == 0, first.output
    before = counts(other)
    second = run_cli("import", str(exported), db=other)
    assert second.exit_code == 0, second.output
    assert "imported 0 annotations (3 already present), 0 links, 0 new tags" in second.output
    assert counts(other) == before
    copy = open_store(other)
    try:
        # The CSV view (ids, positions, quotes, tags, notes, links, status, timestamps) is the same; a CSV
        # does not carry when a link was made, so its links may be listed in another order.
        assert csv_view(copy) == csv_view(store)
    finally:
        copy.close()


def test_csv_keeps_newlines_and_undoes_only_its_own_formula_guard(annotated, run_cli, tmp_path):
    _, a, _, c = annotated
    exported = tmp_path / "all.csv"
    run_cli("export", "-o", str(exported))
    assert "'=1+1" in exported.read_text(encoding="utf-8")  # guarded in the file
    other = tmp_path / "other.db"
    assert run_cli("import", str(exported), db=other).exit_code == 0
    copy = open_store(other)
    try:
        assert copy.annotation(a.id).note == "=1+1\nsecond line"
        assert copy.annotation(c.id).note == "'already quoted"
        assert copy.annotation(c.id).tags == ["-odd tag"]
        assert "\n\n" in copy.annotation(c.id).quote
    finally:
        copy.close()


def test_a_raw_csv_imports_with_raw(annotated, run_cli, tmp_path):
    _, a, _, c = annotated
    exported = tmp_path / "raw.csv"
    run_cli("export", "--raw", "-o", str(exported))
    other = tmp_path / "other.db"
    assert run_cli("import", "--raw", str(exported), db=other).exit_code == 0
    copy = open_store(other)
    try:
        assert copy.annotation(c.id).note == "'already quoted"
        assert copy.annotation(a.id).note == "=1+1\nsecond line"
    finally:
        copy.close()


def test_an_import_is_one_undo_step_logged_as_import(annotated, run_cli, tmp_path):
    exported = tmp_path / "all.json"
    run_cli("export", "-o", str(exported))
    other = tmp_path / "other.db"
    run_cli("import", str(exported), db=other)
    copy = open_store(other)
    try:
        actors = {row["actor"] for row in copy.query("SELECT actor FROM events")}
        assert actors == {"import"}
        assert len({row["group_id"] for row in copy.query("SELECT group_id FROM events")}) == 1
    finally:
        copy.close()
    assert run_cli("undo", db=other).exit_code == 0
    after_undo = counts(other)
    assert after_undo["annotations"] == 0 and after_undo["links"] == 0
    assert after_undo["tags"] == 8  # the new tag went too; the default tags stay
    assert run_cli("redo", db=other).exit_code == 0
    redone = counts(other)
    assert redone["annotations"] == 3 and redone["links"] == 2 and redone["tags"] == 9


def test_a_changed_source_text_is_reanchored_and_the_original_text_kept(annotated, run_cli, tmp_path, corpus_dir):
    store, a, _, _ = annotated
    exported = tmp_path / "all.json"
    run_cli("export", "-o", str(exported))
    changed = tmp_path / "changed"
    shutil.copytree(corpus_dir, changed)
    path = changed / Path(store.source(a.source_id).path).name
    original = path.read_text(encoding="utf-8")
    path.write_text("An inserted first paragraph.\n\n" + original, encoding="utf-8")
    other = tmp_path / "other.db"
    result = run_cli("import", str(exported), db=other, corpus=changed)
    assert result.exit_code == 0, result.output
    copy = open_store(other)
    try:
        moved = copy.annotation(a.id)
        text = copy.text(moved.source_id)
        assert moved.anchor_status == "anchored"
        assert text[moved.start:moved.end] == "OpenAI"
        assert moved.start == a.start + len("An inserted first paragraph.\n\n")
        # The text it was made on came along in the export and is kept as an older version.
        made_on = copy.query("SELECT v.id, v.text FROM annotations a JOIN source_versions v ON v.id = a.version_id "
                             "WHERE a.id = ?", [a.id])[0]
        assert made_on["text"] == store.text(a.source_id) != text
        assert made_on["id"] != copy.source(moved.source_id).version_id
        assert (moved.version_id, copy.query("SELECT position_start FROM annotations WHERE id = ?", [a.id])[0][
            "position_start"]) == (made_on["id"], a.start)
    finally:
        copy.close()


def test_sources_are_found_by_file_name_then_by_content(annotated, run_cli, tmp_path, corpus_dir):
    store, a, b, _ = annotated
    exported = tmp_path / "all.json"
    run_cli("export", "-o", str(exported))
    moved = tmp_path / "moved"
    moved.mkdir()
    first_name = Path(store.source(a.source_id).path).name
    second_name = Path(store.source(b.source_id).path).name
    shutil.copy(corpus_dir / first_name, moved / first_name)          # same name, other folder
    shutil.copy(corpus_dir / second_name, moved / "renamed.txt")      # same text, other name
    other = tmp_path / "other.db"
    result = run_cli("import", str(exported), db=other, corpus=moved)
    assert result.exit_code == 0, result.output
    copy = open_store(other)
    try:
        assert Path(copy.source(copy.annotation(a.id).source_id).path).name == first_name
        assert Path(copy.source(copy.annotation(b.id).source_id).path).name == "renamed.txt"
    finally:
        copy.close()


def test_a_missing_source_is_reported_per_file_and_fails_only_when_nothing_imported(annotated, run_cli, tmp_path,
                                                                                   corpus_dir):
    store, a, b, _ = annotated
    exported = tmp_path / "all.json"
    run_cli("export", "-o", str(exported))
    partial = tmp_path / "partial"
    partial.mkdir()
    second_name = Path(store.source(b.source_id).path).name
    shutil.copy(corpus_dir / second_name, partial / second_name)
    other = tmp_path / "other.db"
    result = run_cli("import", str(exported), db=other, corpus=partial)
    assert result.exit_code == 0, result.output
    missing = [line for line in result.stderr.splitlines() if "annotations not imported" in line]
    assert len(missing) == 1 and "2 annotations not imported" in missing[0]
    assert "imported 1 annotation" in result.stdout
    assert "links not imported" in result.stderr  # both links touch an annotation that stayed out

    nothing = tmp_path / "nothing"
    nothing.mkdir()
    (nothing / "unrelated.txt").write_text("Nothing to do with any of it.\n", encoding="utf-8")
    result = run_cli("import", str(exported), db=tmp_path / "third.db", corpus=nothing)
    assert result.exit_code == 1
    assert len([line for line in result.stderr.splitlines() if "not imported: their source" in line]) == 2
    assert counts(tmp_path / "third.db")["annotations"] == 0


BAD_FILES = {
    "garbage.json": b"{this is not json",
    "garbage.txt": b"neither json nor csv\n",
    "list.json": b"[1, 2, 3]",
    "wrong_schema.json": b'{"format": "reader-annotations", "format_version": 1, "sources": [], '
                         b'"annotations": [{"id": 5}]}',
    "bad_span.json": b'{"format": "reader-annotations", "format_version": 1, "sources": [{"id": 1, "path": "/x"}], '
                     b'"annotations": [{"id": "a", "source": 1, "start": 5, "end": 2, "quote": "q"}]}',
    "newer.json": b'{"format": "reader-annotations", "format_version": 99, "sources": [], "annotations": []}',
    "other.json": b'{"hello": "world"}',
    "latin1.csv": "annotation_id,caf\xe9\n".encode("latin-1"),
    "empty.json": b"",
    "short_row.csv": (",".join(("annotation_id", "source_path", "source_title", "start", "end", "quote", "prefix",
                                "suffix", "tags", "note", "author", "links", "anchor_status", "created",
                                "updated")) + "\r\nabc,/x,t,1\r\n").encode(),
    "w3c_no_quote.jsonld": json.dumps({"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",
                                       "target": {"source": "file:///x.txt"}}).encode(),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_input_is_one_line_and_writes_nothing(annotated, run_cli, tmp_path, db_path, name):
    bad = tmp_path / name
    bad.write_bytes(BAD_FILES[name])
    before = counts(db_path)
    result = run_cli("import", str(bad))
    assert result.exit_code != 0
    assert result.output.startswith("Error:") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    assert counts(db_path) == before


@pytest.mark.parametrize("target", ["missing.json", "."])
def test_a_missing_file_or_a_folder_is_one_line(run_cli, tmp_path, target):
    result = run_cli("import", str(tmp_path / target))
    assert result.exit_code != 0 and result.output.count("\n") == 1 and result.output.startswith("Error:")


def test_a_failure_while_writing_leaves_nothing_half_written(annotated, tmp_path, monkeypatch, corpus_dir):
    store, *_ = annotated
    exported = tmp_path / "all.json"
    exported.write_text(export_text(store), encoding="utf-8")
    other = open_store(tmp_path / "other.db")
    try:
        from reader.library import sync_sources

        sync_sources(other, [corpus_dir])
        before = counts(tmp_path / "other.db")

        def broken_log(*args, **kwargs):
            raise OSError("disk gone")

        monkeypatch.setattr(other, "log_events", broken_log)
        monkeypatch.setattr(other, "log_staged_events", broken_log)  # the import publishes its staged log
        with pytest.raises(OSError):
            import_file(other, exported)
        assert counts(tmp_path / "other.db") == before
    finally:
        other.close()


def test_a_foreign_w3c_annotation_imports_with_a_stable_id(loaded_store, run_cli, tmp_path, source_id):
    path = Path(loaded_store.source(source_id("003")).path)
    foreign = {
        "@context": "http://www.w3.org/ns/anno.jsonld", "id": "https://annotations.example/a/42",
        "type": "Annotation", "body": "A plain string body is a comment", "creator": "someone",
        "target": {"source": path.as_uri(), "selector": {"type": "TextQuoteSelector", "exact": "Microsoft"}},
    }
    file = tmp_path / "foreign.jsonld"
    file.write_text(json.dumps(foreign), encoding="utf-8")
    assert run_cli("import", str(file)).exit_code == 0
    assert "already present" in run_cli("import", str(file)).output
    found = [a for a in loaded_store.annotations() if a.note == "A plain string body is a comment"]
    assert len(found) == 1
    assert loaded_store.text(found[0].source_id)[found[0].start:found[0].end] == "Microsoft"
    assert found[0].author == "someone"


# --- property: export -> import -> export is the identity ---------------------------------------------

texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=300).map(canonicalise_newlines)
tag_names = st.text(min_size=1, max_size=20).map(tag_name_for_import).filter(bool)


@st.composite
def annotated_texts(draw):
    text = draw(texts)
    spans = draw(st.lists(st.tuples(st.integers(0, len(text) - 1), st.integers(1, len(text))), max_size=6))
    notes = draw(st.lists(st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
                          min_size=len(spans), max_size=len(spans)))
    tags = draw(st.lists(st.lists(tag_names, max_size=3), min_size=len(spans), max_size=len(spans)))
    links = draw(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5),
                                    st.sampled_from(["same", "supports", "contradicts"])), max_size=4))
    return text, [(min(s, e - 1), e) if s < e else (e - 1, s) if s > e - 1 else (s, s + 1) for s, e in spans], \
        notes, tags, links


def memory_store_with(text: str) -> tuple[Store, int]:
    store = Store(Path(":memory:"))
    document = Document(path=Path("/corpus/article.txt"), text=text, title="Article", encoding="utf-8",
                        format="text", size=len(text), mtime_ns=0)
    source_id, _ = store.save_document(document)
    return store, source_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(annotated_texts())
def test_property_json_export_import_is_the_identity(tmp_path, case):
    text, spans, notes, tags, links = case
    original, source_id = memory_store_with(text)
    made = []
    for (start, end), note, names in zip(spans, notes, tags):
        if 0 <= start < end <= len(text):
            made.append(original.add_annotation(source_id, start, end, tags=names, note=note, author="me").id)
    for left, right, kind in links:
        if left < len(made) and right < len(made) and left != right:
            original.add_link(made[left], made[right], kind)
    exported = export_text(original)
    file = tmp_path / "export.json"
    file.write_text(exported, encoding="utf-8")

    copy, _ = memory_store_with(text)
    report = import_file(copy, file)
    assert report.imported == len(made)
    assert without_timestamp(export_text(copy)) == without_timestamp(exported)
    again = import_file(copy, file)
    assert again.imported == 0 and again.links_added == 0 and again.already_present == len(made)
    assert without_timestamp(export_text(copy)) == without_timestamp(exported)
