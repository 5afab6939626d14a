"""Exports of hostile annotations: offsets agree with the text in every format, a terminal receives no
escape sequence, a crash mid-export leaves the old file intact, and `reader import` can run while
another process writes."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import HANG_TIMEOUT, READER, REPO, assert_terminal_safe, run_reader, unsafe_characters

from reader.library import sync_sources
from reader.store import open_store
from reader.text import sentence_spans

sys.path.insert(0, str(REPO / "bench"))
from ack_writer import verify  # noqa: E402

NOTE = "=HYPERLINK(\"http://evil.example\") \x1b]0;NOTETITLE\x07 \u009b2J \u202eevil"


@pytest.fixture(scope="module")
def hostile_db(hostile_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hostile folder loaded, with the first sentence of every source annotated (hostile note)."""
    db = tmp_path_factory.mktemp("exports") / "hostile.db"
    store = open_store(db)
    sync_sources(store, [hostile_dir])
    for source in store.sources():
        text = store.text(source.id)
        for start, end in sentence_spans(text)[:2]:
            store.add_annotation(source.id, start, end, tags=["claim"], note=NOTE)
    store.close()
    return db


def _texts(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(str(db))
    rows = conn.execute("SELECT s.path, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id")
    texts = dict(rows.fetchall())
    conn.close()
    return texts


def test_every_export_format_keeps_offsets_consistent_with_the_text(hostile_db: Path, hostile_dir: Path, tmp_path: Path):
    texts = _texts(hostile_db)
    total = sum(1 for _ in texts) * 2
    outputs = {}
    for export_format, extra in (("csv", ["--raw"]), ("json", []), ("w3c", []), ("md", [])):
        out = tmp_path / f"export.{export_format}"
        completed = run_reader("export", "--format", export_format, "-o", str(out), *extra, db=hostile_db,
                               corpus=hostile_dir)
        assert completed.returncode == 0, completed.stderr
        outputs[export_format] = out.read_text(encoding="utf-8")

    rows = list(csv.DictReader(io.StringIO(outputs["csv"], newline="")))
    assert len(rows) >= total - 4  # a source may have a single sentence
    for row in rows:
        text = texts[row["source_path"]]
        assert text[int(row["start"]):int(row["end"])] == row["quote"], row["source_path"]
        assert row["note"] == NOTE, "--raw keeps every character of a note"

    exported = json.loads(outputs["json"])
    annotations = exported["annotations"] if isinstance(exported, dict) else exported
    assert len(annotations) == len(rows)

    collection = json.loads(outputs["w3c"])
    items = collection.get("first", {}).get("items") or collection.get("items") or []
    assert len(items) == len(rows)
    for item in items:
        target = item["target"]
        selectors = {s["type"]: s for s in target["selector"]}
        path = target["source"].removeprefix("file://")
        text = texts.get(path) or next(t for p, t in texts.items() if Path(p).as_uri() == target["source"])
        position, quote = selectors["TextPositionSelector"], selectors["TextQuoteSelector"]
        assert text[position["start"]:position["end"]] == quote["exact"]

    assert not unsafe_characters(outputs["md"]), "Markdown shows source text without control characters"


def test_csv_guards_formulas_unless_raw(hostile_db: Path, hostile_dir: Path):
    guarded = run_reader("export", "--format", "csv", db=hostile_db, corpus=hostile_dir)
    notes = {row["note"] for row in csv.DictReader(io.StringIO(guarded.stdout.decode(), newline=""))}
    assert notes == {"'" + NOTE}


@pytest.mark.parametrize("command", [["export", "--format", f] for f in ("csv", "json", "w3c", "md")]
                         + [["align", "--format", "csv"], ["align", "--format", "json"]], ids=" ".join)
def test_export_and_align_to_a_terminal_send_no_escape_sequence(hostile_db: Path, hostile_dir: Path, command):
    controller, terminal = pty.openpty()
    process = subprocess.Popen([READER, "--db", str(hostile_db), "--corpus", str(hostile_dir), *command],
                               stdout=terminal, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(terminal)
    received = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the program finished and closed the terminal
            break
        if not chunk:
            break
        received += chunk
    process.wait(timeout=HANG_TIMEOUT)
    os.close(controller)
    assert process.returncode == 0
    assert b"Escape test headline" in received or b"escapes.txt" in received or b"C1" in received
    assert_terminal_safe(received.replace(b"\r\n", b"\n"), f"{' '.join(command)} to a terminal")


def _grow(db: Path, copies: int) -> int:
    """Multiply the annotations already in db by copying rows with new ids (fast, straight SQL)."""
    conn = sqlite3.connect(str(db))
    with conn:
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO annotations (id, source_id, version_id, position_start, position_end, quote, prefix, suffix, "
            "note, author, created, updated, anchor_status, anchor_start, anchor_end, anchor_version_id, anchor_score) "
            "SELECT a.id || '-' || n.i, source_id, version_id, position_start, position_end, quote, prefix, suffix, "
            "note, author, created, updated, anchor_status, anchor_start, anchor_end, anchor_version_id, anchor_score "
            "FROM annotations a, n", [copies])
    count = conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    conn.close()
    return count


def test_a_crash_mid_export_leaves_the_old_file_intact(corpus_dir: Path, tmp_path: Path):
    db = tmp_path / "big.db"
    store = open_store(db)
    sync_sources(store, [corpus_dir])
    for source in store.sources():
        for start, end in sentence_spans(store.text(source.id))[:20]:
            store.add_annotation(source.id, start, end, tags=["claim"])
    store.close()
    count = _grow(db, 500)
    target = tmp_path / "existing.csv"
    old = b"the old export, which must survive\r\n"
    target.write_bytes(old)
    command = [READER, "--db", str(db), "--corpus", str(corpus_dir), "export", "--format", "csv", "-o", str(target),
               "--force"]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    full = time.monotonic() - started
    complete = target.read_bytes()
    assert complete.count(b"\r\n") == count + 1  # rows end in CRLF; newlines inside cells are bare LF
    rng = random.Random(11)
    for _ in range(4):
        target.write_bytes(old)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 0.9) * full)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert target.read_bytes() in (old, complete), "the file is the old one or the whole new one, never a part"


def test_reader_import_alongside_another_writer_loses_nothing(corpus_dir: Path, tmp_path: Path):
    source_db = tmp_path / "source.db"
    store = open_store(source_db)
    sync_sources(store, [corpus_dir])
    for source in store.sources():
        for start, end in sentence_spans(store.text(source.id))[:40]:
            store.add_annotation(source.id, start, end, tags=["quote"], note="imported")
    imported_ids = {a.id for a in store.annotations()}
    store.close()
    export = tmp_path / "export.json"
    run_reader("export", "--format", "json", "-o", str(export), db=source_db, corpus=corpus_dir)

    db = tmp_path / "shared.db"
    run_reader("sources", db=db, corpus=corpus_dir)
    writer = subprocess.Popen([sys.executable, str(REPO / "bench" / "ack_writer.py"), str(db), str(corpus_dir),
                               "--count", "400", "--seed", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    imported = run_reader("import", str(export), db=db, corpus=corpus_dir)
    out, err = writer.communicate(timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert b"locked" not in imported.stderr and "locked" not in out + err  # "database is locked" never shown
    assert writer.returncode == 0 and "Traceback" not in err
    verdict = verify(db, out.splitlines())
    assert verdict.ok, verdict.problems[:5]
    conn = sqlite3.connect(str(db))
    present = {row[0] for row in conn.execute("SELECT id FROM annotations")}
    conn.close()
    assert imported_ids <= present
