"""Who made what (issue 12, item 1) and blind coding (item 2): author resolution, --author filters,
`reader config`, `reader blind`, and what a blind author sees and exports."""

from __future__ import annotations

import csv
import getpass
import io
import json

import pytest

from reader.authors import resolve_author
from reader.store import open_store


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def listed(output: str) -> list[dict]:
    """`annotations --json` rows, whether printed as JSON lines or as one array."""
    output = output.strip()
    if output.startswith("["):
        return json.loads(output)
    return [json.loads(line) for line in output.splitlines() if line.strip()]


@pytest.fixture
def two_authors(db_path, corpus_dir, monkeypatch, run_cli):
    """alice and bob each annotate 001 (alice also 002), through the CLI as two people would."""
    def annotate_as(author: str, source: str, quote: str, tag: str) -> str:
        monkeypatch.setenv("READER_AUTHOR", author)
        return ok(run_cli("annotate", source, "--quote", quote, "--tag", tag)).strip()

    made = {
        "alice": [annotate_as("alice", "001", "A leading Microsoft AI researcher", "claim"),
                  annotate_as("alice", "003", "As it navigates a period", "quote")],
        "bob": [annotate_as("bob", "001", "A leading Microsoft AI researcher", "opinion")],
    }
    monkeypatch.delenv("READER_AUTHOR")
    return made


# --- who -------------------------------------------------------------------------------------------

def test_author_is_reader_author_then_settings_then_login(monkeypatch) -> None:
    monkeypatch.setenv("READER_AUTHOR", "alice")
    assert resolve_author("from settings") == "alice"
    monkeypatch.delenv("READER_AUTHOR")
    assert resolve_author("from settings") == "from settings"
    assert resolve_author("") == getpass.getuser()


def test_store_attributes_to_reader_author_before_the_settings(db_path, monkeypatch) -> None:
    monkeypatch.setenv("READER_AUTHOR", "alice")
    store = open_store(db_path, author="settings person")
    assert store.author == "alice"
    store.close()


def test_config_shows_the_author_in_effect(run_cli, monkeypatch) -> None:
    monkeypatch.delenv("READER_AUTHOR", raising=False)
    output = ok(run_cli("config"))
    assert f'author = "{getpass.getuser()}"' in output and "login name" in output
    monkeypatch.setenv("READER_AUTHOR", "alice")
    output = ok(run_cli("config"))
    assert 'author = "alice"' in output and "READER_AUTHOR" in output


def test_config_author_with_escape_sequences_is_display_safe(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("READER_AUTHOR", "evil\x1b[31m\nname")
    output = ok(run_cli("config"))
    assert "\x1b" not in output


def test_links_and_silences_record_their_author(loaded_store, source_id) -> None:
    first = loaded_store.add_annotation(source_id("001"), 0, 10, tags=["claim"])
    second = loaded_store.add_annotation(source_id("002"), 0, 10, tags=["claim"])
    link = loaded_store.add_link(first.id, second.id)
    loaded_store.set_silent(first.id, source_id("003"))
    assert link.author == loaded_store.author != ""
    assert loaded_store.links()[0].author == loaded_store.author
    [silence] = loaded_store.query("SELECT author FROM silences")
    assert silence["author"] == loaded_store.author


def test_undo_and_redo_keep_a_links_author(loaded_store, source_id) -> None:
    first = loaded_store.add_annotation(source_id("001"), 0, 10)
    second = loaded_store.add_annotation(source_id("002"), 0, 10)
    loaded_store.add_link(first.id, second.id)
    loaded_store.undo()
    assert loaded_store.links() == []
    loaded_store.redo()
    assert loaded_store.links()[0].author == loaded_store.author


def test_annotations_filter_by_author(two_authors, run_cli) -> None:
    rows = listed(ok(run_cli("annotations", "--json", "--author", "bob")))
    assert [row["id"] for row in rows] == two_authors["bob"]
    rows = listed(ok(run_cli("annotations", "--json", "--author", "bob", "--author", "alice")))
    assert len(rows) == 3


def test_export_filters_by_author(two_authors, run_cli) -> None:
    exported = list(csv.DictReader(io.StringIO(ok(run_cli("export", "--format", "csv", "--author", "alice")))))
    assert sorted(row["annotation_id"] for row in exported) == sorted(two_authors["alice"])
    data = json.loads(ok(run_cli("export", "--format", "json", "--author", "bob")))
    assert [a["id"] for a in data["annotations"]] == two_authors["bob"]
    md = ok(run_cli("export", "--format", "md", "--author", "bob"))
    assert "opinion" in md and "quote" not in md.lower().split("# annotations")[1].split("exported")[0]


def test_report_filters_by_author(two_authors, run_cli, tmp_path) -> None:
    page = tmp_path / "r.html"
    result = run_cli("report", "-o", str(page), "--author", "bob")
    assert result.exit_code == 0, result.output
    assert "1 annotation," in result.output  # counted in the singular since main's 57c3e3a
    html = page.read_text()
    assert two_authors["bob"][0] in html and two_authors["alice"][0] not in html


# --- blind coding -----------------------------------------------------------------------------------

def test_blind_database_shows_each_author_only_their_own(two_authors, run_cli, monkeypatch) -> None:
    assert "off" in ok(run_cli("blind"))
    assert "on" in ok(run_cli("blind", "on"))
    monkeypatch.setenv("READER_AUTHOR", "bob")
    rows = listed(ok(run_cli("annotations", "--json")))
    assert [row["id"] for row in rows] == two_authors["bob"]
    # asking for someone else's work does not get round it
    assert listed(ok(run_cli("annotations", "--json", "--author", "alice"))) == []
    for export_format in ("csv", "json", "w3c", "md"):
        output = ok(run_cli("export", "--format", export_format)).replace("-", "")  # w3c ids are urn:uuid:s
        assert two_authors["bob"][0] in output or export_format == "md"
        assert all(other not in output for other in two_authors["alice"]), export_format
    sources = {row["title"][:10]: row["annotations"] for row in json.loads(ok(run_cli("sources", "--json")))}
    assert sum(sources.values()) == 1
    monkeypatch.setenv("READER_AUTHOR", "alice")
    assert "off" in ok(run_cli("blind", "off"))
    assert len(listed(ok(run_cli("annotations", "--json")))) == 3


def test_blind_session_through_the_environment(two_authors, db_path, monkeypatch) -> None:
    monkeypatch.setenv("READER_AUTHOR", "alice")
    monkeypatch.setenv("READER_BLIND", "1")
    store = open_store(db_path)
    assert store.is_blind() and not store.database_blind()
    assert sorted(a.id for a in store.annotations()) == sorted(two_authors["alice"])
    assert {a.author for a in store.annotations()} == {"alice"}
    store.close()
    monkeypatch.delenv("READER_BLIND")
    store = open_store(db_path)
    assert len(store.annotations()) == 3
    store.close()


def test_blind_author_cannot_see_another_authors_annotation_by_id(two_authors, db_path, monkeypatch) -> None:
    monkeypatch.setenv("READER_AUTHOR", "bob")
    store = open_store(db_path, blind=True)
    from reader.store import StoreError

    with pytest.raises(StoreError):
        store.annotation(two_authors["alice"][0])
    store.close()


def test_blind_bad_state_is_one_line(run_cli) -> None:
    result = run_cli("blind", "maybe")
    assert result.exit_code != 0 and "Traceback" not in result.output


# --- reader adjudicate (the TUI itself is tested in tests/tui/test_adjudicate.py) ----------------------

@pytest.mark.parametrize("authors, env, words", [
    (["alice", "nobody"], "carol", "'nobody' has no annotations"),
    (["alice", "alice"], "carol", "two different authors"),
    (["alice", "bob"], "alice", "one of the coders"),
])
def test_adjudicate_refuses_in_one_line(two_authors, run_cli, monkeypatch, authors, env, words) -> None:
    monkeypatch.setenv("READER_AUTHOR", env)
    result = run_cli("adjudicate", "001", "--authors", *authors)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert words in result.output


def test_adjudicate_refuses_while_blind(two_authors, run_cli, monkeypatch) -> None:
    ok(run_cli("blind", "on"))
    monkeypatch.setenv("READER_AUTHOR", "carol")
    result = run_cli("adjudicate", "001", "--authors", "alice", "bob")
    assert result.exit_code != 0 and "blind coding is on" in result.output


def test_annotations_of_an_unknown_author_say_so_on_stderr(two_authors, run_cli) -> None:
    """QA: `reader annotations --author nobody` printed nothing at all, so a typo in a name looked like
    an empty project. The listing stays empty (a pipe gets no rows); stderr says what matched nothing."""
    result = run_cli("annotations", "--author", "nobody")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.strip() == "no annotations by nobody"
    assert listed(ok(run_cli("annotations", "--json", "--author", "nobody"))) == []
