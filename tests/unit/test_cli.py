"""Every core command through click's CliRunner, including the ways it can be misused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from reader.store import open_store
from reader.store.migrations import SCHEMA_VERSION


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    assert result.exception is None
    return result.output


def fails_cleanly(result, *expected: str) -> str:
    """A non-zero exit with one 'Error:' line naming the problem, and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output
    for words in expected:
        assert words in errors[0], errors[0]
    return errors[0]


def annotate(run_cli, *args: str) -> str:
    return ok(run_cli("annotate", *args)).strip()


# --- sources --------------------------------------------------------------------------------------

def test_sources_table(run_cli) -> None:
    output = ok(run_cli("sources"))
    assert "One of Microsoft's Top AI Execs" in output and "Converge360" in output
    assert "News" not in output.split()  # 001's first line is not its title


def test_sources_json(run_cli) -> None:
    rows = json.loads(ok(run_cli("sources", "--json")))
    assert [Path(r["path"]).name[:3] for r in rows] == ["000", "001", "002", "003", "004"]
    by_name = {Path(r["path"]).name[:3]: r for r in rows}
    assert by_name["001"]["title"] == "One of Microsoft's Top AI Execs Leaves for OpenAI"
    assert by_name["001"]["author"] == "Gladys Rama"
    assert by_name["002"]["outlet"] == "heise"
    assert all(r["words"] > 300 and r["annotations"] == 0 for r in rows)


def test_sources_counts_annotations(run_cli) -> None:
    annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher")
    rows = json.loads(ok(run_cli("sources", "--json")))
    assert [r["annotations"] for r in rows] == [0, 1, 0, 0, 0]


# --- annotate -------------------------------------------------------------------------------------

def test_annotate_prints_an_id_that_is_stored(run_cli, db_path: Path) -> None:
    annotation_id = annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher",
                             "--tag", "claim", "--tag", "new-tag", "--note", "check this")
    store = open_store(db_path)
    stored = store.annotation(annotation_id)
    assert (stored.quote, stored.tags, stored.note) == ("A leading Microsoft AI researcher", ["claim", "new-tag"],
                                                       "check this")
    assert store.text(stored.source_id)[stored.start:stored.end] == stored.quote


@pytest.mark.parametrize("reference", ["001_81f283cb91d94e35.txt", "Top AI Execs", "2"])
def test_source_by_name_title_fragment_or_id(run_cli, db_path: Path, reference: str) -> None:
    annotation_id = annotate(run_cli, reference, "--quote", "A leading Microsoft AI researcher")
    assert open_store(db_path).annotation(annotation_id).quote == "A leading Microsoft AI researcher"


def test_source_by_path(run_cli, corpus_dir: Path) -> None:
    path = str(next(corpus_dir.glob("001_*.txt")))
    assert annotate(run_cli, path, "--quote", "A leading Microsoft AI researcher")


def test_occurrence_chooses_among_repeats(run_cli, db_path: Path) -> None:
    message = fails_cleanly(run_cli("annotate", "001", "--quote", "OpenAI"), "occurs", "--occurrence")
    count = int(message.split("occurs ")[1].split()[0])
    second = annotate(run_cli, "001", "--quote", "OpenAI", "--occurrence", "2")
    store = open_store(db_path)
    text = store.text(store.annotation(second).source_id)
    first_at = text.index("OpenAI")
    assert store.annotation(second).start == text.index("OpenAI", first_at + 1)
    fails_cleanly(run_cli("annotate", "001", "--quote", "OpenAI", "--occurrence", str(count + 1)), f"occurs {count} times")
    fails_cleanly(run_cli("annotate", "001", "--quote", "OpenAI", "--occurrence", "0"))


def test_an_occurrence_beyond_the_last_and_an_empty_quote_read_plainly(run_cli) -> None:
    """QA: 'there are only 1 occurrences of the quote'; an empty --quote read 'quote not found ... ""'."""
    fails_cleanly(run_cli("annotate", "000", "--quote", "Bubeck joined Microsoft", "--occurrence", "2"),
                  "occurs once in 000")
    fails_cleanly(run_cli("annotate", "002", "--quote", "Phi", "--occurrence", "9"), "occurs 2 times in 002")
    for command in (("annotate", "001"), ("suggest", "001")):
        fails_cleanly(run_cli(*command, "--quote", "  "), "the quote is empty")


def test_loose_quote_matching(run_cli, db_path: Path) -> None:
    # the article has a curly apostrophe and a line break; the user types straight quotes and a space
    store = open_store(db_path)
    ok(run_cli("sources"))
    text = store.text(store.resolve_source("000").id)
    assert "Bubeck\u2019s Role" in text
    annotation_id = annotate(run_cli, "000", "--quote", "Bubeck's   Role")
    assert store.annotation(annotation_id).quote == "Bubeck\u2019s Role"


def test_quote_not_found(run_cli) -> None:
    fails_cleanly(run_cli("annotate", "001", "--quote", "words that are not in the article"), "not found")


# --- show, annotations ----------------------------------------------------------------------------

def test_show_prints_text_and_brackets_annotations(run_cli) -> None:
    annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher", "--tag", "claim", "--note", "n1")
    output = ok(run_cli("show", "001"))
    assert output.startswith("One of Microsoft's Top AI Execs Leaves for OpenAI\n")
    assert "\u27e6A leading Microsoft AI researcher\u27e7[1]" in output
    assert "[1]" in output.splitlines()[-1] and "claim" in output.splitlines()[-1] and "n1" in output


def test_show_does_not_highlight_an_orphan_in_the_wrong_place(run_cli, corpus_dir: Path) -> None:
    annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher")
    path = next(corpus_dir.glob("001_*.txt"))
    path.write_text(path.read_text(encoding="utf-8").replace("A leading Microsoft AI researcher", "Someone"),
                    encoding="utf-8")
    output = ok(run_cli("show", "001"))
    assert "\u27e6" not in output  # nowhere to put it
    assert "orphaned" in output and "A leading Microsoft AI researcher" in output.splitlines()[-1]


def test_annotations_lists_and_filters(run_cli) -> None:
    first = annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher", "--tag", "claim")
    second = annotate(run_cli, "000", "--quote", "Sebastien Bubeck", "--occurrence", "1", "--tag", "quote")
    everything = ok(run_cli("annotations"))
    assert first in everything and second in everything
    only_claims = ok(run_cli("annotations", "--tag", "claim"))
    assert first in only_claims and second not in only_claims
    rows = json.loads(ok(run_cli("annotations", "000", "--json")))
    assert [json.loads(line) for line in ok(run_cli("annotations", "000", "--jsonl")).splitlines()] == rows
    assert [r["id"] for r in rows] == [second]
    assert rows[0]["quote"] == "Sebastien Bubeck" and rows[0]["tags"] == "quote"


# --- edit, delete, link, undo, redo ---------------------------------------------------------------

def test_edit_delete_undo_redo(run_cli, db_path: Path) -> None:
    annotation_id = annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher", "--tag", "claim")
    ok(run_cli("edit", annotation_id, "--note", "changed", "--add-tag", "quote"))
    store = open_store(db_path)
    assert (store.annotation(annotation_id).note, store.annotation(annotation_id).tags) == ("changed", ["claim", "quote"])
    ok(run_cli("edit", annotation_id, "--tag", "opinion"))
    assert store.annotation(annotation_id).tags == ["opinion"]
    assert f"deleted {annotation_id}" in ok(run_cli("delete", annotation_id))
    assert store.annotations() == []
    assert "undid" in ok(run_cli("undo"))
    assert store.annotation(annotation_id).tags == ["opinion"]
    assert "undid" in ok(run_cli("undo"))
    assert store.annotation(annotation_id).tags == ["claim", "quote"]
    assert "redid" in ok(run_cli("redo"))
    assert store.annotation(annotation_id).tags == ["opinion"]


def test_edit_delete_and_link_take_the_start_of_an_id_as_the_panel_shows_it(run_cli, db_path: Path) -> None:
    """The TUI's annotations panel shows 8 characters of an id and `reader verdict --evidence` took 6, but
    `reader edit 97cd45` said "no annotation with id '97cd45'" (my team session)."""
    a = annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher", "--tag", "claim")
    b = annotate(run_cli, "000", "--quote", "Sebastien Bubeck", "--occurrence", "1")
    ok(run_cli("edit", a[:8], "--note", "by its start"))
    store = open_store(db_path)
    assert store.annotation(a).note == "by its start"
    ok(run_cli("link", a[:8], b[:6]))
    assert [(link.from_annotation, link.to_annotation) for link in store.links()] == [(a, b)]
    fails_cleanly(run_cli("edit", a[:3], "--note", "x"), "too short", "at least 6 characters")
    fails_cleanly(run_cli("delete", "ffffffffff"), "no annotation with id 'ffffffffff'")
    store.add_annotation(store.annotation(a).source_id, 0, 5, annotation_id=a[:8] + "0" * 24)  # shares 8
    fails_cleanly(run_cli("delete", a[:8]), "more than one annotation id")
    assert f"deleted {b}" in ok(run_cli("delete", b[:8]))


def test_undo_and_redo_with_nothing_to_do(run_cli) -> None:
    assert ok(run_cli("undo")).strip() == "nothing to undo"
    assert ok(run_cli("redo")).strip() == "nothing to redo"


def test_link(run_cli, db_path: Path) -> None:
    a = annotate(run_cli, "000", "--quote", "Sebastien Bubeck", "--occurrence", "1")
    b = annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher")
    link_id = ok(run_cli("link", a, b, "--kind", "supports")).strip()
    (link,) = open_store(db_path).links()
    assert (link.id, link.from_annotation, link.to_annotation, link.kind) == (link_id, a, b, "supports")
    fails_cleanly(run_cli("link", a, a), "itself")
    fails_cleanly(run_cli("link", a, "no-such-annotation"), "no-such-annotation")
    assert run_cli("link", a, b, "--kind", "agrees").exit_code == 2  # click's usage error


@pytest.mark.parametrize("command", [["edit", "missing", "--note", "x"], ["delete", "missing"]])
def test_unknown_annotation(run_cli, command: list[str]) -> None:
    fails_cleanly(run_cli(*command), "missing")


def test_errors_naming_hostile_words_stay_on_one_safe_line(run_cli, tmp_path: Path) -> None:
    hostile = "x\x1b[2J\ny"
    # A usage error (an argument click did not expect) keeps its usage lines and exit status 2.
    result = run_cli("tags", "list", hostile)
    assert result.exit_code == 2 and result.output.startswith("Usage: reader tags list"), result.output
    assert "\x1b" not in result.output and "Error: Got unexpected extra argument (x\u241b[2J\u2424y)" in result.output
    # A command's own error (the output file exists) names the path on one line.
    existing = tmp_path / f"{hostile}.html"
    existing.write_text("", encoding="utf-8")
    error = fails_cleanly(run_cli("report", "-o", str(existing)), "already exists")
    assert "\x1b" not in error and "\u241b[2J\u2424y.html" in error


# --- tags -----------------------------------------------------------------------------------------

def test_tags_lifecycle(run_cli, db_path: Path) -> None:
    assert ok(run_cli("tags")).splitlines()[0].split()[:2] == ["1", "claim"]
    assert "#ff8800" in ok(run_cli("tags", "add", "disputed", "--colour", "#FF8800"))
    fails_cleanly(run_cli("tags", "add", "Disputed"), "already exists")
    fails_cleanly(run_cli("tags", "add", "x", "--colour", "notacolour"), "not a colour")
    annotation_id = annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher", "--tag", "disputed")
    ok(run_cli("tags", "rename", "disputed", "contested"))
    assert open_store(db_path).annotation(annotation_id).tags == ["contested"]
    assert "#00ff00" in ok(run_cli("tags", "colour", "contested", "#00ff00"))
    assert "1 uses" in ok(run_cli("tags", "merge", "contested", "claim"))
    assert open_store(db_path).annotation(annotation_id).tags == ["claim"]
    ok(run_cli("undo"))
    assert open_store(db_path).annotation(annotation_id).tags == ["contested"]
    ok(run_cli("tags", "delete", "contested"))
    assert open_store(db_path).annotation(annotation_id).tags == []
    listed = json.loads(ok(run_cli("tags", "list", "--json")))
    assert "contested" not in [t["name"] for t in listed]
    fails_cleanly(run_cli("tags", "delete", "contested"), "no tag")
    fails_cleanly(run_cli("tags", "merge", "claim", "claim"), "itself")


def test_tag_names_are_shown_as_text_not_sent_to_the_terminal(run_cli) -> None:
    ok(run_cli("tags", "add", "evil\x1b[31m"))
    listed = ok(run_cli("tags"))
    assert "\x1b" not in listed and "evil\u241b[31m" in listed


# --- search ---------------------------------------------------------------------------------------

def test_search_prints_snippets(run_cli) -> None:
    output = ok(run_cli("search", "Distinguished Scientist"))
    assert output.startswith("001_81f283cb91d94e35.txt:")
    assert "Distinguished" in output


def test_search_json_and_no_matches(run_cli) -> None:
    hits = json.loads(ok(run_cli("search", "Bubeck", "--json")))
    assert [json.loads(line) for line in ok(run_cli("search", "Bubeck", "--jsonl")).splitlines()] == hits
    assert hits and all("Bubeck" in hit["snippet"] for hit in hits)
    assert {Path(hit["source_path"]).name[:3] for hit in hits} >= {"000", "001", "002"}
    result = run_cli("search", "xylophone")
    assert result.exit_code == 1 and "no matches" in result.output


def test_search_syntax_is_just_text(run_cli) -> None:
    result = run_cli("search", 'NEAR("unbalanced')
    assert result.exit_code == 1 and "Traceback" not in result.output


# --- bad input: one line, non-zero, nothing lost --------------------------------------------------

def test_unknown_source(run_cli) -> None:
    fails_cleanly(run_cli("show", "no-such-article"), "no source matches", "no-such-article")


def test_ambiguous_source(run_cli) -> None:
    fails_cleanly(run_cli("show", "Microsoft"), "matches", "sources", "be more specific")


def test_missing_corpus_path(run_cli, tmp_path: Path) -> None:
    fails_cleanly(run_cli("sources", corpus=tmp_path / "nowhere"), "not found", "nowhere")


def test_folder_with_no_readable_files(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "unreadable"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)))
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n")
    os.mkfifo(folder / "pipe.txt")  # reading it would block for ever
    os.symlink("loop.md", folder / "loop.md")
    os.symlink(".", folder / "again")  # a folder loop
    result = run_cli("sources", corpus=folder)
    fails_cleanly(result, "no readable sources")
    assert "empty.txt: empty file" in result.output and "binary.txt: binary file" in result.output
    assert "pipe.txt: not a regular file" in result.output and "loop.md: cannot read" in result.output


def test_empty_folder(run_cli, tmp_path: Path) -> None:
    (tmp_path / "nothing").mkdir()
    fails_cleanly(run_cli("sources", corpus=tmp_path / "nothing"), "no readable sources")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_db_that_is_not_sqlite(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "essay.txt"
    path.write_text("not a database\n" * 500)
    before = digest(path)
    for command in (["sources"], ["annotations"], ["tags"], ["undo"], ["search", "x"]):
        fails_cleanly(run_cli(*command, db=path), "not a usable SQLite database")
    assert digest(path) == before


def test_db_from_a_newer_reader(run_cli, db_path: Path) -> None:
    ok(run_cli("sources"))
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = digest(db_path)
    fails_cleanly(run_cli("annotate", "001", "--quote", "OpenAI", "--occurrence", "1"), "newer reader")
    assert digest(db_path) == before
    assert not db_path.with_name(db_path.name + "-wal").exists()


def test_db_damaged_after_opening_is_one_line(run_cli, db_path: Path, tmp_path: Path) -> None:
    ok(run_cli("sources"))
    annotate(run_cli, "001", "--quote", "A leading Microsoft AI researcher")
    store = open_store(db_path)
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    damaged = tmp_path / "damaged.db"
    shutil.copy(db_path, damaged)
    data = bytearray(damaged.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data) - page, page):  # keep page 1 (the schema), wreck the rest
        data[offset:offset + page] = b"\xa5" * page
    damaged.write_bytes(bytes(data))
    for command in (["sources"], ["annotations"], ["search", "Bubeck"], ["show", "001"]):
        fails_cleanly(run_cli(*command, db=damaged))


def test_db_in_a_missing_folder(run_cli, tmp_path: Path) -> None:
    fails_cleanly(run_cli("sources", db=tmp_path / "no" / "folder" / "x.db"), "does not exist")


def test_help_lists_every_core_command(run_cli) -> None:
    output = ok(run_cli("--help"))
    for command in ("sources", "show", "annotate", "annotations", "edit", "delete", "link", "undo", "redo",
                    "tags", "search"):
        assert f"  {command} " in output or f"  {command}\n" in output, command


# --- progress -------------------------------------------------------------------------------------

def test_progress_is_drawn_at_the_start_and_end_and_at_most_ten_times_a_second(capsys) -> None:
    from reader.cli import _stderr_progress

    report = _stderr_progress("Loading sources")
    for done in range(0, 5001):
        report(done, 5000, f"file{done}.txt")
    drawn = capsys.readouterr().err
    assert drawn.startswith("\rLoading sources: 0/5,000 files")
    assert drawn.endswith("\rLoading sources: 5,000/5,000 files\n")
    assert drawn.count("\r") <= 2 + 10  # a fast loop is not redrawn for every file


def test_small_corpora_and_pipes_get_no_progress(run_cli, capsys) -> None:
    from reader.cli import _stderr_progress

    report = _stderr_progress("Loading sources")
    for done in range(0, 6):
        report(done, 5, "x.txt")
    assert capsys.readouterr().err == ""
    assert "Loading sources" not in run_cli("sources").output  # stderr is not a terminal here


def test_annotate_says_when_the_quote_differs_only_in_accents(run_cli, tmp_path: Path) -> None:
    """QA: `reader annotate harbour.html --quote 'Ines Dubreuil'` said only "quote not found", while the
    text has "Inès Dubreuil" (and `/` and `reader search` find it without the accent)."""
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "harbour.txt").write_text("Mayor Inès Dubreuil promised a new terminal.\n", encoding="utf-8")
    result = run_cli("annotate", "harbour.txt", "--quote", "ines dubreuil", corpus=folder)
    assert result.exit_code == 1
    assert "quote not found" in result.output and "'Inès Dubreuil'" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = run_cli("suggest", "harbour.txt", "--quote", "ines dubreuil", corpus=folder)
    assert result.exit_code == 1 and "'Inès Dubreuil'" in result.output
