"""The smaller defects of issue 9 (item 16) on the command line and in the store."""

from __future__ import annotations

import re
from pathlib import Path

from reader.store import Store


def test_a_mistyped_command_is_named_with_a_suggestion(run_cli) -> None:
    result = run_cli("exprot", "--format", "csv")
    assert result.exit_code != 0
    assert "no such command 'exprot'; did you mean 'export'?" in result.output
    assert "option" not in result.output and "Traceback" not in result.output


def test_options_without_a_command_still_open_the_reader(run_cli, opened_readers) -> None:
    assert run_cli().exit_code == 0 and len(opened_readers) == 1


def test_adding_a_folder_of_only_binary_files_says_why_nothing_was_added(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "binaries"
    folder.mkdir()
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff" + bytes(200))
    (folder / "tool.exe").write_bytes(b"MZ" + bytes(300))
    result = run_cli("add", str(folder))
    assert result.exit_code == 1
    assert "2 files" in result.output and "none is a kind reader reads" in result.output
    assert ".txt" in result.output


def test_show_numbers_nested_markers_rightly_when_two_annotations_end_together(run_cli) -> None:
    outer = run_cli("annotate", "001", "--quote", "spent 10 years at Microsoft Research", "--tag", "claim")
    assert outer.exit_code == 0, outer.output
    inner = run_cli("annotate", "001", "--quote", "Microsoft Research", "--occurrence", "1", "--tag", "quote")
    assert inner.exit_code == 0, inner.output
    shown = run_cli("show", "001").output
    numbers = {tag: number for number, tag in re.findall(r"^\[(\d)\] \d+-\d+ (\w+)", shown, re.MULTILINE)}
    outer_n, inner_n = numbers["claim"], numbers["quote"]
    assert f"⟦spent 10 years at ⟦Microsoft Research⟧[{inner_n}]⟧[{outer_n}]" in shown, shown


def test_the_read_column_shows_how_far_one_has_read(loaded_store: Store, source_id) -> None:
    sid = source_id("001")
    loaded_store.set_reading_position(sid, 900, 0.8)
    loaded_store.set_reading_position(sid, 10, 0.1)  # went back to the top
    assert loaded_store.reading_position(sid) == 10
    assert loaded_store.source(sid).read_fraction == 0.8


def test_a_mistyped_tags_command_is_named_too(run_cli) -> None:
    result = run_cli("tags", "lst")
    assert result.exit_code != 0 and "no such command 'lst'; did you mean 'list'?" in result.output
    assert run_cli("tags").exit_code == 0  # the default, list, still runs


def test_reader_open_passes_the_chosen_backend_to_the_reader(run_cli, opened_readers, monkeypatch) -> None:
    """`reader open --backend semantic` aligns the comparison's panes with embeddings."""
    monkeypatch.setattr("reader.align.semantic.require_semantic", lambda: None)
    assert run_cli("open", "--backend", "semantic").exit_code == 0
    assert run_cli("open").exit_code == 0
    assert [opened["backend"] for opened in opened_readers] == ["semantic", "lexical"]
    refused = run_cli("open", "--backend", "magic")
    assert refused.exit_code == 2 and "'magic' is not one of" in refused.output


def test_reader_open_compares_two_to_four_files_and_lists_more(run_cli, opened_readers, corpus_dir) -> None:
    files = sorted(str(path) for path in corpus_dir.glob("*.txt"))
    for count in (1, 2, 4, 5):
        assert run_cli("open", *files[:count]).exit_code == 0
    assert [opened["compare_given"] for opened in opened_readers] == [False, True, True, False]
    assert [opened["open_single"] for opened in opened_readers] == [True, False, False, False]
    assert run_cli("open", str(corpus_dir), files[0]).exit_code == 0  # a folder: the list, as before
    assert opened_readers[-1]["compare_given"] is False
