"""Which sources a command works on and whether it sees their files as they are now (issue 9, defects
8, 9 and 10): a project folder's database keeps to its own files, a path to a file not yet added is
added on first use, and every command that reports offsets checks its files first."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli
from reader.library import BUNDLED_CORPUS, sync_sources
from reader.store import open_store


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder with three small files of the user's own, as the current directory; no corpus set."""
    monkeypatch.delenv("READER_CORPUS", raising=False)
    monkeypatch.delenv("READER_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("# Alpha\n\nThe council approved 12 new buses on Monday.\n")
    (tmp_path / "b.html").write_text("<html><head><title>Beta</title></head><body>"
                                     "<p>The mayor said 10 buses were approved.</p></body></html>")
    (tmp_path / "c.txt").write_text("Gamma\n\nOfficials confirmed the purchase of twelve buses.\n")
    return tmp_path


def reader(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="reader")


def opened_on(project: Path, *names: str) -> None:
    """What `reader a.md b.html c.txt` leaves behind: those files in ./annotations.db."""
    store = open_store(project / "annotations.db")
    sync_sources(store, [project / name for name in names])
    store.close()


def test_a_project_database_does_not_pick_up_the_bundled_corpus(project: Path) -> None:
    opened_on(project, "a.md", "b.html", "c.txt")
    listed = reader("sources", "--json")
    assert listed.exit_code == 0, listed.output
    assert sorted(Path(s["path"]).name for s in json.loads(listed.output)) == ["a.md", "b.html", "c.txt"]
    reader("annotate", "a.md", "--quote", "12 new buses", "--tag", "number")
    reader("annotate", "c.txt", "--quote", "twelve buses", "--tag", "number")
    made = reader("report", "-o", "report.html")
    assert made.exit_code == 0 and "3 sources" in made.output, made.output
    assert "OpenAI" not in (project / "report.html").read_text()
    matrix = reader("export", "--format", "matrix-csv")
    assert matrix.exit_code == 0 and "OpenAI" not in matrix.output and "001_" not in matrix.output
    assert len(open_store(project / "annotations.db").sources()) == 3


def test_reader_with_no_database_of_ones_own_uses_the_bundled_corpus(project: Path) -> None:
    listed = reader("sources", "--json")
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == len(list(BUNDLED_CORPUS.glob("*.txt")))


def test_the_reader_with_no_paths_opens_the_projects_own_sources(project: Path, opened_readers) -> None:
    opened_on(project, "a.md", "b.html", "c.txt")
    assert reader().exit_code == 0
    assert sorted(Path(p).name for p in opened_readers[0]["paths"]) == ["a.md", "b.html", "c.txt"]


def test_annotating_a_file_not_yet_added_adds_it_first(project: Path) -> None:
    opened_on(project, "a.md")
    (project / "wire_report.txt").write_text("Wire report\n\nThe agency counted 11 buses in service.\n")
    result = CliRunner().invoke(cli, ["annotate", "./wire_report.txt", "--quote", "11 buses", "--tag", "number"],
                                prog_name="reader")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("\n") == 1 and "added" in result.stderr and "wire_report.txt" in result.stderr
    [annotation] = open_store(project / "annotations.db").annotations()
    assert annotation.quote == "11 buses"
    shown = reader("show", "wire_report.txt")
    assert shown.exit_code == 0 and "11 buses" in shown.output and "added" not in shown.stderr
    (project / "new.txt").write_text("New\n\nAnother line.\n")
    listed = reader("annotations", "new.txt")
    assert listed.exit_code == 0 and "added" in listed.stderr


def test_a_path_that_is_not_a_readable_source_says_so(project: Path) -> None:
    opened_on(project, "a.md")
    (project / "blob.bin").write_bytes(bytes(range(256)) * 4)
    result = reader("annotate", "blob.bin", "--quote", "x")
    assert result.exit_code == 1 and "blob.bin" in result.output and "Traceback" not in result.output


def insert_line_at_top(path: Path) -> None:
    path.write_text("A line inserted at the top.\n" + path.read_text())


@pytest.mark.parametrize("export_format", ["csv", "json", "w3c", "md"])
def test_export_notices_that_the_source_file_changed(run_cli, corpus_dir: Path, export_format: str) -> None:
    made = run_cli("annotate", "001", "--quote", "Microsoft", "--occurrence", "1", "--tag", "claim")
    assert made.exit_code == 0, made.output
    [row] = json.loads(run_cli("annotations", "--json").output)
    old_start = row["start"]
    [path] = corpus_dir.glob("001_*.txt")
    insert_line_at_top(path)
    shift = len("A line inserted at the top.\n")
    exported = run_cli("export", "--format", export_format)
    assert exported.exit_code == 0, exported.output
    if export_format == "csv":
        [line] = list(csv.DictReader(io.StringIO(exported.output)))
        assert int(line["start"]) == old_start + shift and line["anchor_status"] == "anchored"
    elif export_format == "json":
        [annotation] = json.loads(exported.output)["annotations"]
        assert annotation["anchor"]["start"] == old_start + shift and annotation["anchor"]["status"] == "anchored"
    else:
        assert str(old_start + shift) in exported.output


def test_export_checks_a_source_added_outside_the_corpus(run_cli, tmp_path: Path) -> None:
    own = tmp_path / "own.txt"
    own.write_text("Own\n\nThe figure was 42 in March.\n")
    assert run_cli("add", str(own)).exit_code == 0
    run_cli("annotate", "own.txt", "--quote", "42")
    insert_line_at_top(own)
    [line] = list(csv.DictReader(io.StringIO(run_cli("export", "--format", "csv").output)))
    assert own.read_text()[int(line["start"]):int(line["end"])] == "42"


def test_show_and_annotations_notice_a_changed_file_added_outside_the_corpus(run_cli, tmp_path: Path) -> None:
    own = tmp_path / "own.txt"
    own.write_text("Own\n\nThe figure was 42 in March.\n")
    run_cli("add", str(own))
    run_cli("annotate", "own.txt", "--quote", "42")
    insert_line_at_top(own)
    [row] = json.loads(run_cli("annotations", "--json").output)
    assert own.read_text()[row["start"]:row["end"]] == "42"
    start = own.read_text().index("42")
    assert f"{start}-{start + 2}" in run_cli("show", "own.txt").output


def test_annotations_sources_and_search_json_are_arrays_and_jsonl_is_lines(run_cli) -> None:
    run_cli("annotate", "001", "--quote", "Microsoft", "--occurrence", "1")
    run_cli("annotate", "002", "--quote", "OpenAI", "--occurrence", "1")
    for command in (["annotations"], ["sources"], ["search", "OpenAI"]):
        as_array = json.loads(run_cli(*command, "--json").output)
        assert isinstance(as_array, list) and len(as_array) >= 2, command
        lines = run_cli(*command, "--jsonl").output.splitlines()
        assert [json.loads(line) for line in lines] == as_array, command
    assert json.loads(run_cli("annotations", "--tag", "opinion", "--json").output) == []


def test_search_reports_the_offsets_of_the_file_as_it_is_now(run_cli, corpus_dir: Path) -> None:
    [path] = corpus_dir.glob("001_*.txt")
    run_cli("sources")
    insert_line_at_top(path)
    hits = json.loads(run_cli("search", "Distinguished", "--json").output)
    [hit] = [h for h in hits if Path(h["source_path"]).name.startswith("001")]
    text = path.read_text()
    assert hit["position_start"] <= text.index("Distinguished") < hit["position_end"]
    start, end = hit["position_start"], hit["position_end"]
    assert (start == 0 or text[start - 1] == "\n") and text[end:end + 1] in ("\n", ""), "a whole paragraph"


def test_annotating_a_file_in_an_empty_folder_makes_a_database_of_that_file_alone(project: Path) -> None:
    (project / "wire_report.txt").write_text("Wire report\n\nThe agency counted 11 buses in service.\n")
    result = reader("annotate", "./wire_report.txt", "--quote", "11 buses")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("added") == 1
    listed = json.loads(reader("sources", "--json").output)
    assert [Path(s["path"]).name for s in listed] == ["wire_report.txt"]
