"""Hostile and odd source files, through loading and every CLI command that shows or uses source text.

Each file either loads or is skipped with a one-line reason; nothing crashes or hangs; no output
carries an escape sequence, C1 control or bidi control from a source, a tag name or a note; and the
offsets stored, listed and exported agree with the text (text[start:end] == quote).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import hostile_sources
import pytest
from click.testing import CliRunner
from conftest import HANG_TIMEOUT, READER, assert_terminal_safe, run_reader

from reader.cli import cli
from reader.corpus import load_document
from reader.library import sync_sources
from reader.store import open_store
from reader.text import sentence_spans

HOSTILE_TAG = "tag\x1b[2J\x1b[31mred\x07\u009b2J\u202eevil"  # no ";": tag names refuse it
HOSTILE_NOTE = "[bold]note[/] \x1b[2J\x1b]52;c;ZXZpbA==\x07 \u202ereversed\u202c [@click=app.quit]q[/]"


@pytest.fixture(autouse=True)
def no_hang():
    """Fail (rather than hang the suite) if an in-process step blocks, e.g. on a FIFO."""
    def expire(signum, frame):
        raise TimeoutError(f"an in-process step took over {HANG_TIMEOUT} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(int(HANG_TIMEOUT))
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def synced(hostile_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A database with the hostile folder loaded, and the sync report."""
    db = tmp_path_factory.mktemp("hostile_db") / "hostile.db"
    store = open_store(db)
    report = sync_sources(store, [hostile_dir])
    yield db, store, report
    store.close()


def invoke(db: Path, corpus: Path, *args: str):
    result = CliRunner().invoke(cli, ["--db", str(db), "--corpus", str(corpus), *args], prog_name="reader")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def test_each_case_loads_or_is_skipped_with_a_one_line_reason(synced, hostile_dir: Path):
    _, store, report = synced
    loaded = {Path(s.path).name for s in store.sources()}
    skipped = {path.name: reason for path, reason in report.skipped}
    on_disk = {entry.name for entry in hostile_dir.iterdir() if entry.name != "sub"}
    assert loaded | set(skipped) == on_disk, "every file is either loaded or reported"
    assert not loaded & set(skipped)
    assert hostile_sources.MUST_LOAD <= loaded, f"should load: {sorted(hostile_sources.MUST_LOAD - loaded)}"
    assert hostile_sources.MUST_SKIP <= set(skipped)
    for name, reason in skipped.items():
        assert reason.strip() and "\n" not in reason and len(reason) < 200, (name, reason)
        assert "Traceback" not in reason


def test_decoding_recovers_the_text_each_encoding_carried(synced):
    _, store, _ = synced
    texts = {Path(s.path).name: store.text(s.id) for s in store.sources()}
    prose = hostile_sources.PROSE
    assert texts["utf16_bom.txt"] == "UTF-16 with a byte-order mark. " + prose
    assert texts["utf16le_nobom.txt"] == "UTF-16 little endian without a mark. " + prose
    assert texts["utf16be_nobom.txt"] == "UTF-16 big endian without a mark. " + prose
    assert texts["utf8_bom.txt"] == prose and texts["utf32_bom.txt"] == prose
    assert texts["cp1252.txt"].startswith("\u201cSmart quotes\u201d \u2014 caf\u00e9 costs \u20ac5")
    assert texts["latin1.txt"].startswith("Fran\u00e7ais: \u00e9t\u00e9, na\u00efve, \u00bd price.")
    assert texts["mixed_encodings.txt"].startswith("UTF-8 part: café — “quoted”.")
    assert texts["crlf.txt"] == texts["cr_only.txt"] == prose * 3
    assert texts["separators.txt"].count("\n") == 9  # eight separators of seven kinds, and the final LF
    for name, text in texts.items():
        assert not set(text) & set("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), f"{name} kept a non-LF line separator"


def test_text_units_cover_every_loaded_text_without_leaving_it(synced):
    _, store, _ = synced
    for source in store.sources():
        text = store.text(source.id)
        spans = sentence_spans(text)
        assert spans, source.name
        for (start, end), (next_start, _) in zip(spans, spans[1:] + [(len(text), 0)]):
            assert 0 <= start < end <= next_start <= len(text)


def test_every_command_on_every_loaded_source_is_terminal_safe_and_offsets_agree(synced, hostile_dir: Path):
    db, store, _ = synced
    result = invoke(db, hostile_dir, "sources")
    assert result.exit_code == 0
    assert_terminal_safe(result.stdout_bytes, "sources")
    assert_terminal_safe(result.stderr_bytes, "sources (stderr)")
    result = invoke(db, hostile_dir, "sources", "--json")
    assert_terminal_safe(result.stdout_bytes, "sources --json")
    listed = json.loads(result.stdout)
    assert {row["title"] for row in listed} == {s.title for s in store.sources()}, "JSON stays lossless"

    for source in store.sources():
        text = store.text(source.id)
        start, end = sentence_spans(text)[0]
        quote = text[start:end]
        occurrences = text.count(quote)
        args = ["annotate", str(source.id), "--quote", quote, "--tag", HOSTILE_TAG, "--note", HOSTILE_NOTE]
        if occurrences > 1:
            args += ["--occurrence", "1"]
        result = invoke(db, hostile_dir, *args)
        assert result.exit_code == 0, (source.name, result.output)
        annotation_id = result.stdout.strip()
        assert_terminal_safe(result.stdout_bytes, f"annotate {source.name}")
        stored = store.annotation(annotation_id)
        assert text[stored.start:stored.end] == stored.quote == quote, source.name

        result = invoke(db, hostile_dir, "show", str(source.id))
        assert result.exit_code == 0, (source.name, result.output)
        assert_terminal_safe(result.stdout_bytes, f"show {source.name}")
        assert_terminal_safe(result.stderr_bytes, f"show {source.name} (stderr)")

        result = invoke(db, hostile_dir, "annotations", str(source.id), "--jsonl")
        assert_terminal_safe(result.stdout_bytes, f"annotations --json {source.name}")
        for line in result.stdout.splitlines():
            row = json.loads(line)
            assert text[row["start"]:row["end"]] == row["quote"], source.name
            assert row["note"] == HOSTILE_NOTE, "JSON carries the note unchanged (escaped, not dropped)"
        result = invoke(db, hostile_dir, "annotations", str(source.id))
        assert_terminal_safe(result.stdout_bytes, f"annotations {source.name}")

        word = max(quote.split(), key=len)
        for extra in ((), ("--json",)):
            result = invoke(db, hostile_dir, "search", word, *extra)
            assert result.exit_code in (0, 1), (source.name, result.output)
            assert_terminal_safe(result.stdout_bytes, f"search {word!r}")
            assert_terminal_safe(result.stderr_bytes, f"search {word!r} (stderr)")

    result = invoke(db, hostile_dir, "tags", "list")
    assert_terminal_safe(result.stdout_bytes, "tags list")
    result = invoke(db, hostile_dir, "tags", "list", "--json")
    assert_terminal_safe(result.stdout_bytes, "tags list --json")


def test_error_messages_naming_a_hostile_source_are_terminal_safe(synced, hostile_dir: Path):
    db, _, _ = synced
    # An ambiguous reference lists the matching titles; a missing quote names the file.
    for args in (["show", "e"], ["annotate", hostile_sources.NEWLINE_NAME, "--quote", "no such words here"],
                 ["show", "no such source \x1b]0;ARGTITLE\x07"]):
        result = invoke(db, hostile_dir, *args)
        assert result.exit_code != 0
        assert_terminal_safe(result.stderr_bytes + result.stdout_bytes, " ".join(args))
        assert "Traceback" not in result.output


def test_real_process_output_bytes_are_terminal_safe(hostile_dir: Path, tmp_path: Path):
    db = tmp_path / "hostile.db"
    for args in (["sources"], ["sources", "--json"], ["show", "escapes.txt"], ["show", "c1_title.txt"],
                 ["show", "hostile.html"], ["show", hostile_sources.NEWLINE_NAME], ["search", "title"]):
        completed = run_reader(*args, db=db, corpus=hostile_dir)
        assert completed.returncode == 0, (args, completed.stderr)
        assert_terminal_safe(completed.stdout, " ".join(args))
        assert_terminal_safe(completed.stderr, " ".join(args) + " (stderr)")
        assert b"Traceback" not in completed.stderr


def test_a_fifo_or_symlink_loop_alone_is_refused_quickly(hostile_dir: Path, tmp_path: Path):
    for name in ("fifo.txt", "loop_a.txt"):
        completed = run_reader("sources", db=tmp_path / f"{name}.db", corpus=hostile_dir / name)
        assert completed.returncode != 0
        lines = completed.stderr.decode().strip().splitlines()
        reasons = ("not a regular file", "symbolic links", "corpus path not found")
        assert any(name in line and any(reason in line for reason in reasons) for line in lines), lines
        assert lines[-1].startswith("Error:") and "Traceback" not in completed.stderr.decode()


def test_a_file_rewritten_while_it_is_read_ends_with_its_final_text(tmp_path: Path):
    folder = tmp_path / "changing"
    folder.mkdir()
    path = folder / "changing.txt"
    versions = [f"Version {n} of a changing article. " * (200 + n) for n in range(40)]
    path.write_text(versions[0])
    store = open_store(tmp_path / "changing.db")
    stop = threading.Event()

    def rewrite() -> None:
        n = 0
        while not stop.is_set():
            n = (n + 1) % len(versions)
            with open(path, "w") as handle:  # truncate, then write: a reader may see it empty or partial
                handle.write(versions[n][: len(versions[n]) // 2])
                handle.flush()
                handle.write(versions[n][len(versions[n]) // 2:])

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        for _ in range(60):
            report = sync_sources(store, [folder])
            for skipped_path, reason in report.skipped:
                assert "\n" not in reason, reason
    finally:
        stop.set()
        writer.join()
    final = "The final text after the writer stopped. " * 10
    path.write_text(final)
    os.utime(path, ns=(time.time_ns(), time.time_ns()))
    sync_sources(store, [folder])
    assert store.text(store.sources()[0].id) == final
    store.close()


def test_an_unreadable_file_is_skipped_with_its_reason(tmp_path: Path):
    """chmod 000 does not stop root, so as root the command runs with the capabilities that let root
    read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) dropped, via util-linux setpriv."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv, so no way to make a file unreadable")
        prefix = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                  "--bounding-set=-dac_override,-dac_read_search"]
    (tmp_path / "secret.txt").write_text("Words nobody may read in this file.\n")
    (tmp_path / "secret.txt").chmod(0)
    (tmp_path / "open.txt").write_text("Words anyone may read in this other file.\n")
    completed = subprocess.run([*prefix, READER, "--db", str(tmp_path / "db.sqlite"), "--corpus", str(tmp_path),
                                "sources"], capture_output=True, timeout=HANG_TIMEOUT)
    stderr = completed.stderr.decode()
    assert completed.returncode == 0, stderr
    assert "secret.txt: cannot read: Permission denied" in stderr
    assert "open.txt" in completed.stdout.decode()
    assert "Traceback" not in stderr


BIG_CASE_TIMEOUT = 120.0


def test_a_50_mb_line_and_a_million_lines_load_and_work_through_the_cli(tmp_path: Path):
    """Loaded, shown, annotated and searched without a crash or a hang (timings: bench/bench_hostile.py)."""
    folder = tmp_path / "big"
    folder.mkdir()
    hostile_sources.write_big_cases(folder)
    db = tmp_path / "big.db"
    # The first load of 50 MB takes about 6 s here; a loaded CI machine gets room before "hang".
    completed = run_reader("sources", db=db, corpus=folder, timeout=BIG_CASE_TIMEOUT)
    assert completed.returncode == 0, completed.stderr
    assert b"huge_line.txt" in completed.stdout and b"million_lines.txt" in completed.stdout
    for args in (["show", "million_lines.txt"], ["search", "word"], ["search", "x"],
                 ["annotate", "huge_line.txt", "--quote", "end."], ["show", "huge_line.txt"]):
        completed = run_reader(*args, db=db, corpus=folder, timeout=BIG_CASE_TIMEOUT)
        assert completed.returncode == 0, (args, completed.stderr[-500:])
        assert b"Traceback" not in completed.stderr
    end = (folder / "huge_line.txt").stat().st_size - 1  # ASCII: bytes are code points; the final LF
    expected = f"[1] {end - 4}-{end} untagged (anchored): end.".encode()
    assert completed.stdout.rstrip().endswith(expected), completed.stdout[-200:]


def test_align_over_hostile_sources_is_terminal_safe_and_its_offsets_agree(synced, hostile_dir: Path):
    db, store, _ = synced
    texts = {s.path: store.text(s.id) for s in store.sources()}
    result = invoke(db, hostile_dir, "align")
    assert result.exit_code == 0, result.output
    assert_terminal_safe(result.stdout_bytes, "align")
    clusters = json.loads(result.stdout)["clusters"]
    for cluster in clusters:
        for member in cluster["members"]:
            assert texts[member["source_path"]][member["start"]:member["end"]] == member["text"]
    result = invoke(db, hostile_dir, "align", "--format", "csv")
    assert result.exit_code == 0, result.output
    completed = run_reader("align", "--format", "csv", db=db, corpus=hostile_dir)
    assert completed.returncode == 0 and completed.stdout.count(b"\n") > len(clusters)
