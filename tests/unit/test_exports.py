"""Exports: CSV columns and quoting, the formula guard, JSON, W3C JSON-LD, the Markdown report, safe files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from reader import exports
from reader.exports import CSV_COLUMNS, ExportError, export, guard_formula, markdown_escape, unguard_formula
from reader.text import find_quote


@pytest.fixture
def annotated(loaded_store, source_id):
    """Two annotations in different sources, tagged, one with a note, linked: 'supports'."""
    first = source_id("001")
    second = source_id("002")
    start, end = find_quote(loaded_store.text(first), "OpenAI")[0]
    a = loaded_store.add_annotation(first, start, end, tags=["claim", "number"], note="first note")
    start, end = find_quote(loaded_store.text(second), "Microsoft")[0]
    b = loaded_store.add_annotation(second, start, end, tags=["quote"])
    link = loaded_store.add_link(a.id, b.id, "supports")
    return loaded_store, a, b, link


def read_csv(result) -> list[dict[str, str]]:
    """The rows of a CSV export on stdout (raw bytes: Result.stdout turns CRLF into LF)."""
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout_bytes.decode("utf-8"), newline="")))


# --- CSV ------------------------------------------------------------------------------------------

def test_csv_has_the_documented_columns_and_one_row_per_annotation(annotated, run_cli):
    store, a, b, link = annotated
    result = run_cli("export", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout_bytes.decode("utf-8").split("\r\n")
    assert lines[0] == ",".join(CSV_COLUMNS)
    rows = {row["annotation_id"]: row for row in read_csv(result)}
    assert set(rows) == {a.id, b.id}
    row = rows[a.id]
    source = store.source(a.source_id)
    assert row["source_path"] == source.path and row["source_title"] == source.title
    assert (int(row["start"]), int(row["end"]), row["quote"]) == (a.start, a.end, "OpenAI")
    assert row["prefix"] == a.prefix and row["suffix"].lstrip("'") == a.suffix.lstrip("'")
    assert row["tags"] == "claim;number"
    assert row["note"] == "first note"
    assert row["links"] == f"supports:{b.id}"
    assert row["anchor_status"] == "anchored"
    assert row["created"] == a.created and row["updated"] == a.updated


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx",
                                       "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"])
def test_cells_a_spreadsheet_would_run_are_guarded_unless_raw(annotated, run_cli, dangerous):
    store, a, _, _ = annotated
    store.update_annotation(a.id, note=dangerous, tags=[dangerous.strip() or "t"])
    guarded = {r["annotation_id"]: r for r in read_csv(run_cli("export", "--format", "csv"))}[a.id]
    assert guarded["note"] == "'" + dangerous
    raw = {r["annotation_id"]: r for r in read_csv(run_cli("export", "--format", "csv", "--raw"))}[a.id]
    assert raw["note"] == dangerous


def test_harmless_cells_are_left_alone_and_the_guard_is_reversible():
    for value in ["plain", "1+1", "", "a=b", "€5", " x"]:
        assert guard_formula(value) == value
    for value in ["=x", " =x", "'=x", "'plain", "-", "''"]:  # " =x": issue 14.9, blanks before a lead
        assert unguard_formula(guard_formula(value)) == value
    assert guard_formula("'quoted") == "''quoted"  # so that import can tell a guard from a real apostrophe


def test_newlines_and_quotes_inside_fields_survive(annotated, run_cli):
    store, a, _, _ = annotated
    note = 'line one\nline "two", with comma\r\nline three'
    store.update_annotation(a.id, note=note)
    text = store.text(a.source_id)
    paragraph_break = text.index("\n\n", 100)
    across = store.add_annotation(a.source_id, paragraph_break - 5, paragraph_break + 5)
    rows = {r["annotation_id"]: r for r in read_csv(run_cli("export", "--format", "csv", "--raw"))}
    assert rows[a.id]["note"] == note
    assert rows[across.id]["quote"] == text[paragraph_break - 5:paragraph_break + 5]
    assert "\n\n" in rows[across.id]["quote"]


def test_source_and_tag_filters(annotated, run_cli):
    _, a, b, _ = annotated
    by_source = read_csv(run_cli("export", "--source", "002"))
    assert [r["annotation_id"] for r in by_source] == [b.id]
    by_tag = read_csv(run_cli("export", "--tag", "number"))
    assert [r["annotation_id"] for r in by_tag] == [a.id]
    either = read_csv(run_cli("export", "--tag", "number", "--tag", "quote"))
    assert {r["annotation_id"] for r in either} == {a.id, b.id}


def test_an_unknown_tag_or_source_is_a_one_line_error(annotated, run_cli):
    for args in (["--tag", "no-such-tag"], ["--source", "no-such-source"]):
        result = run_cli("export", *args)
        assert result.exit_code != 0
        assert result.output.startswith("Error:") and result.output.count("\n") == 1
        assert "Traceback" not in result.output


# --- writing files ----------------------------------------------------------------------------------

def test_an_existing_file_needs_force(annotated, run_cli, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("precious")
    result = run_cli("export", "-o", str(target))
    assert result.exit_code != 0
    assert "already exists" in result.output and "--force" in result.output
    assert result.output.count("\n") == 1
    assert target.read_text() == "precious"
    result = run_cli("export", "-o", str(target), "--force")
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith("annotation_id,")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []


def test_a_crash_mid_export_leaves_the_old_file_and_no_temporary(annotated, tmp_path, monkeypatch):
    store, *_ = annotated
    target = tmp_path / "out.csv"
    target.write_text("old export")

    def half_then_crash(store, out, **options):
        out.write("annotation_id,half a row")
        out.flush()
        raise RuntimeError("power cut")

    monkeypatch.setitem(exports.WRITERS, "csv", half_then_crash)
    with pytest.raises(RuntimeError):
        export(store, "csv", target, force=True)
    assert target.read_text() == "old export"
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_export_never_writes_through_a_symlink(annotated, run_cli, tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours")
    link = tmp_path / "out.csv"
    link.symlink_to(elsewhere)
    assert run_cli("export", "-o", str(link)).exit_code != 0
    result = run_cli("export", "-o", str(link), "--force")
    assert result.exit_code == 0, result.output
    assert elsewhere.read_text() == "not yours"
    assert not link.is_symlink() and link.read_text().startswith("annotation_id")


def test_a_folder_or_missing_folder_is_refused(annotated, run_cli, tmp_path):
    for target in (tmp_path, tmp_path / "missing" / "out.csv"):
        result = run_cli("export", "-o", str(target))
        assert result.exit_code != 0 and result.output.count("\n") == 1
    assert not (tmp_path / "missing").exists()


def test_the_format_follows_the_file_suffix(annotated, run_cli, tmp_path):
    for name, check in (("a.json", lambda t: json.loads(t)["format"] == "reader-annotations"),
                        ("a.jsonld", lambda t: json.loads(t)["type"] == "AnnotationCollection"),
                        ("a.md", lambda t: t.startswith("# Annotations")),
                        ("a.csv", lambda t: t.startswith("annotation_id,"))):
        assert run_cli("export", "-o", str(tmp_path / name)).exit_code == 0
        assert check((tmp_path / name).read_text(encoding="utf-8")), name


def test_an_export_file_gets_ordinary_permissions(annotated, tmp_path):
    store, *_ = annotated
    target = tmp_path / "out.csv"
    export(store, "csv", target)
    assert target.stat().st_mode & 0o044  # readable by others as a normally created file is (umask 022)


# --- JSON -------------------------------------------------------------------------------------------

def test_json_is_lossless(annotated, run_cli):
    store, a, b, link = annotated
    document = json.loads(run_cli("export", "--format", "json").stdout)
    assert document["format"] == "reader-annotations" and document["format_version"] == 1
    sources = {s["id"]: s for s in document["sources"]}
    source = sources[a.source_id]
    assert source["path"] == store.source(a.source_id).path
    version = source["versions"][0]
    assert version["text"] == store.text(a.source_id)
    assert source["content_hash"] == version["content_hash"]
    tags = {t["name"]: t for t in document["tags"]}
    assert tags["claim"]["colour"].startswith("#") and tags["claim"]["description"]
    record = next(r for r in document["annotations"] if r["id"] == a.id)
    assert (record["start"], record["end"]) == (a.start, a.end)
    assert record["anchor"] == {"status": "anchored", "version_hash": version["content_hash"],
                                "start": a.start, "end": a.end, "score": 100.0}
    assert record["tags"] == ["claim", "number"] and record["note"] == "first note"
    assert (record["quote"], record["prefix"], record["suffix"]) == (a.quote, a.prefix, a.suffix)
    assert document["links"] == [{"id": link.id, "from": a.id, "to": b.id, "kind": "supports",
                                  "created": link.created}]


# --- W3C --------------------------------------------------------------------------------------------

def test_w3c_is_an_annotation_collection_with_tagging_and_commenting_bodies(annotated, run_cli):
    store, a, b, link = annotated
    document = json.loads(run_cli("export", "--format", "w3c").stdout)
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert document["type"] == "AnnotationCollection"
    items = document["first"]["items"]
    assert document["total"] == len(items) == 3
    item = next(i for i in items if i["id"].replace("-", "").endswith(a.id))
    assert item["type"] == "Annotation"
    assert {"type": "TextualBody", "purpose": "tagging", "value": "claim"} in item["body"]
    assert any(body["purpose"] == "commenting" and body["value"] == "first note" for body in item["body"])
    target = item["target"]
    assert target["source"] == Path(store.source(a.source_id).path).as_uri()
    selectors = {s["type"]: s for s in target["selector"]}
    assert selectors["TextQuoteSelector"] == {"type": "TextQuoteSelector", "exact": "OpenAI",
                                              "prefix": a.prefix, "suffix": a.suffix}
    assert selectors["TextPositionSelector"] == {"type": "TextPositionSelector", "start": a.start, "end": a.end}
    linking = next(i for i in items if i["motivation"] == "linking")
    assert linking["target"].replace("-", "").endswith(a.id)
    assert linking["body"][0]["purpose"] == "linking" and linking["body"][0]["source"].replace("-", "").endswith(b.id)
    assert {"type": "TextualBody", "purpose": "classifying", "value": "supports"} in linking["body"]


# --- Markdown ----------------------------------------------------------------------------------------

HOSTILE = ("<script>alert(1)</script> [click](http://evil.example) ![img](x.png) # not a heading\n"
           "1. not a list **not bold** `code` www.evil.example http://evil.example a@b.example "
           "\x1b]0;pwned\x07 \x1b[2J &amp; | table |")


def test_markdown_groups_by_source_and_tag(annotated, run_cli):
    store, a, b, _ = annotated
    report = run_cli("export", "--format", "md").stdout
    first_title = markdown_escape(store.source(a.source_id).title)
    second_title = markdown_escape(store.source(b.source_id).title)
    assert f"## {first_title}" in report and f"## {second_title}" in report
    first_part = report.split(f"## {second_title}")[0] if report.index(first_title) < report.index(second_title) \
        else report.split(f"## {first_title}")[1]
    assert "### claim (1)" in first_part and "### number (1)" in first_part
    assert "first note" in report


def test_markdown_escapes_hostile_text_so_nothing_renders_as_markup(annotated, run_cli):
    store, a, _, _ = annotated
    store.update_annotation(a.id, note=HOSTILE, tags=["<b>tag</b>"])
    report = run_cli("export", "--format", "md").stdout
    assert "\x1b" not in report and "\x07" not in report
    html = MarkdownIt("gfm-like").render(report)
    for forbidden in ("<script", "<a ", "<img", "<strong>", "<code>x", "<ol", "<b>", "<table"):
        assert forbidden not in html, forbidden
    assert html.count("<h1>") == 1  # only the report's own title
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # still there, as text


def test_markdown_escape_keeps_the_words():
    plain = markdown_escape("U.S. $6.6 billion - [x]")
    assert plain.replace("\\", "") == "U.S. $6.6 billion - [x]"


def test_every_writer_is_registered():
    assert set(exports.WRITERS) | set(exports.FILE_WRITERS) == set(exports.EXPORT_FORMATS)
    with pytest.raises(ExportError):
        export(None, "xml", None)  # type: ignore[arg-type]
