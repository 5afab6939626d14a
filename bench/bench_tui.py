"""Benchmark the reader TUI against `less` (the limit) and toolong `tl` (a Textual peer), in one run.

    .venv/bin/python bench/bench_tui.py [--quick]

Every program runs in a real terminal (tmux, 160x48) and is measured the same way from outside:
- first paint: from just before tmux starts the process until capture-pane shows the expected text;
- repaint: from send-keys until the captured screen (with its colours, `capture-pane -e`) changes;
- peak memory: VmHWM of the process (/proc) after the run.
Goals (issue 3): bundled corpus first screen < 0.8 s; 100 MB document first screen < 1.5 s; G, pagedown,
j and search hit-to-hit repaint medians < 50 ms, also with 50,000 annotations; peak memory < 600 MB.
Inputs are cached in $READER_BENCH_DIR (default /tmp/reader-bench): the first run stores the 100 MB
document in a database once (about a minute), later runs reuse it.
$READER_BENCH_BIN names the `reader` to measure (default .venv/bin/reader; the dev venv has the
semantic extra, whose numpy sqlite-utils imports at start: a venv with only the default install is
the fair measure of start-up). toolong is looked for at $TOOLONG (default /tmp/toolong-venv/bin/tl); install it with
`python3 -m venv /tmp/toolong-venv && /tmp/toolong-venv/bin/pip install toolong`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_big_document import MARKER, write_document  # noqa: E402

WORK = Path(os.environ.get("READER_BENCH_DIR", "/tmp/reader-bench"))
# READER_BENCH_BIN measures another install (e.g. a venv with only the default dependencies).
READER = Path(os.environ.get("READER_BENCH_BIN") or ROOT / ".venv" / "bin" / "reader")
TOOLONG = Path(os.environ.get("TOOLONG", "/tmp/toolong-venv/bin/tl"))
LESS = shutil.which("less")
BIG_MB = 100
ANNOTATIONS = 50_000
CORPUS_TEXT = "Converge360"  # on the reader's sources screen
CORPUS_FILE = ROOT / "corpus" / "001_81f283cb91d94e35.txt"
CORPUS_FILE_TEXT = "One of Microsoft"
BIG_TEXT = "A generated report for benchmarking the reader"


BARE_TEXTUAL_APP = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class Bare(App):\n    def compose(self):\n        yield Static('bare textual app')\nBare().run()\n"
)


class Terminal:
    """One program in a detached tmux session on a private server; measured from outside."""

    def __init__(self) -> None:
        self.server = f"reader-bench-{uuid.uuid4().hex[:8]}"
        self.session = "bench"

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.server, *args], capture_output=True, text=True).stdout

    def start(self, command: list[str], env: dict[str, str] | None = None) -> float:
        """Start command (exec'd, so the pane's pid is the program's); returns the start time."""
        exports = " ".join(f"{key}={value}" for key, value in {"TERM": "xterm-256color", **(env or {})}.items())
        line = f"exec env {exports} " + " ".join(_quote(part) for part in command)
        started = time.perf_counter()
        self.tmux("new-session", "-d", "-x", "160", "-y", "48", "-s", self.session, line)
        return started

    def screen(self, colours: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-e"] if colours else []), "-t", self.session)

    def wait_for(self, text: str, timeout: float = 60.0) -> float:
        """Seconds (perf_counter) at which text first appeared on the screen."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if text in self.screen():
                return time.perf_counter()
            time.sleep(0.005)
        raise TimeoutError(f"{text!r} did not appear within {timeout} s")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def repaint(self, *keys: str, timeout: float = 10.0) -> float | None:
        """Milliseconds from sending keys until the screen (with colours) differs; None if it never did."""
        before = self.screen(colours=True)
        started = time.perf_counter()
        self.keys(*keys)
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.screen(colours=True) != before:
                return (time.perf_counter() - started) * 1000
            time.sleep(0.002)
        return None

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the screen stops changing (a paint in progress would count as the next repaint)."""
        deadline = time.perf_counter() + timeout
        last, since = self.screen(colours=True), time.perf_counter()
        while time.perf_counter() < deadline:
            time.sleep(0.05)
            now = self.screen(colours=True)
            if now != last:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                return

    def peak_memory_mb(self) -> float | None:
        pid = self.tmux("display-message", "-p", "-t", self.session, "#{pane_pid}").strip()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError):
            return None
        return None

    def close(self) -> None:
        self.tmux("kill-server")


def _quote(part: str) -> str:
    return "'" + part.replace("'", "'\\''") + "'" if any(c in part for c in " '\"$;&|") else part


# --- inputs --------------------------------------------------------------------------------------


def big_document() -> Path:
    path = WORK / f"big-{BIG_MB}mb.txt"
    if not path.exists():
        print(f"generating a {BIG_MB} MB document at {path} ...", flush=True)
        write_document(path, BIG_MB)
    return path


def stored_databases(document: Path) -> tuple[Path, Path]:
    """(database with the document stored, the same with 50,000 annotations), built once and cached."""
    plain = WORK / f"big-{BIG_MB}mb.db"
    annotated = WORK / f"big-{BIG_MB}mb-{ANNOTATIONS}.db"
    from reader.corpus import load_document
    from reader.store import open_store

    if not plain.exists():
        print("storing the document in a database (once; about a minute) ...", flush=True)
        store = open_store(plain.with_suffix(".tmp"))
        store.save_document(load_document(document))
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        plain.with_suffix(".tmp").rename(plain)
    if not annotated.exists():
        print(f"adding {ANNOTATIONS:,} annotations ...", flush=True)
        shutil.copy(plain, annotated.with_suffix(".tmp"))
        store = open_store(annotated.with_suffix(".tmp"))
        add_annotations_in_bulk(store, ANNOTATIONS)
        store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        store.close()
        annotated.with_suffix(".tmp").rename(annotated)
    return plain, annotated


def add_annotations_in_bulk(store, count: int) -> None:
    """Benchmark data only: spread `count` sentence annotations evenly, inserted in one transaction.

    Store.add_annotation reads the whole text per call (fine for a person, 50,000 x 100 MB here), so
    the generator writes the same rows directly, through the store's write transaction.
    """
    from reader.anchoring import make_selector
    from reader.store import now
    from reader.text import sentence_spans

    [source] = store.sources()
    text = store.text(source.id)
    tags = store.tags()
    stamp = now()
    step = len(text) // count
    annotations, links = [], []
    for index in range(count):
        offset = index * step
        spans = sentence_spans(text, offset, min(len(text), offset + 600))
        if not spans:
            continue
        start, end = spans[min(1, len(spans) - 1)]
        selector = make_selector(text, start, end)
        annotation_id = f"bench{index:06d}"
        annotations.append({
            "id": annotation_id, "source_id": source.id, "version_id": source.version_id,
            "position_start": start, "position_end": end, "quote": selector.quote, "prefix": selector.prefix,
            "suffix": selector.suffix, "note": "", "author": "bench", "created": stamp, "updated": stamp,
            "anchor_status": "anchored", "anchor_version_id": source.version_id, "anchor_start": start,
            "anchor_end": end, "anchor_score": 100.0,
        })
        links.append({"annotation_id": annotation_id, "tag_id": tags[index % len(tags)].id})
    with store.write() as db:
        db["annotations"].insert_all(annotations, batch_size=2000)
        db["annotation_tags"].insert_all(links, batch_size=2000)


# --- measurements --------------------------------------------------------------------------------


def first_paint(command: list[str], expected: str, runs: int, env: dict[str, str] | None = None,
                before_each=None) -> float:
    """Median seconds from process start to the expected text on screen."""
    times = []
    for _ in range(runs):
        if before_each:
            before_each()
        terminal = Terminal()
        try:
            started = terminal.start(command, env)
            times.append(terminal.wait_for(expected) - started)
        except TimeoutError as error:
            print(f"  {Path(command[0]).name}: {error}", flush=True)
            return None
        finally:
            terminal.close()
    return statistics.median(times)


def repaints(command: list[str], ready: str, operations: dict[str, tuple[list[str], list[str], list[str]]],
             repeats: int, env: dict[str, str] | None = None) -> tuple[dict[str, float | None], float | None]:
    """Median repaint ms per operation, and the process's peak memory in MB.

    operations: name -> (keys once before, keys measured, keys to undo between repeats).
    """
    terminal = Terminal()
    results: dict[str, float | None] = {}
    try:
        terminal.start(command, env)
        terminal.wait_for(ready)
        terminal.settle(quiet=1.0)
        for name, (setup, measured, between) in operations.items():
            if setup:
                terminal.keys(*setup)
                terminal.settle()
            samples = []
            for _ in range(repeats):
                elapsed = terminal.repaint(*measured)
                if elapsed is not None:
                    samples.append(elapsed)
                terminal.settle(quiet=0.15)
                if between:
                    terminal.keys(*between)
                    terminal.settle(quiet=0.15)
            results[name] = statistics.median(samples) if samples else None
        memory = terminal.peak_memory_mb()
    finally:
        terminal.close()
    return results, memory


def last_line(path: Path) -> str:
    """The start of a file's last non-blank line (what toolong shows first), short enough to be on screen."""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65536))
        tail = handle.read().decode("utf-8", errors="ignore")
    return [line for line in tail.splitlines() if line.strip()][-1][:60]


def fresh_db() -> Path:
    path = WORK / "fresh.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    return f"{value * 1000:.0f} ms" if unit == "s" else f"{value:.0f} {unit}"


def ratio(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:.2f}x" if ours and theirs else "n/a"


def main() -> int:
    quick = "--quick" in sys.argv
    runs, repeats = (2, 5) if quick else (5, 15)
    if shutil.which("tmux") is None:
        print("tmux is needed to measure from a real terminal", file=sys.stderr)
        return 1
    WORK.mkdir(parents=True, exist_ok=True)
    have_toolong = TOOLONG.exists()
    if not have_toolong:
        print(f"toolong not found at {TOOLONG}; its column shows n/a", flush=True)
    env = {"HOME": str(WORK), "READER_AUTHOR": "bench"}
    document = big_document()
    plain_db, annotated_db = stored_databases(document)

    print("\n== first screen, from process start (median of", runs, "runs)")
    corpus_reader = first_paint([str(READER), "--db", str(WORK / "corpus.db")], CORPUS_TEXT, runs, env,
                                before_each=lambda: [Path(f"{WORK / 'corpus.db'}{s}").unlink(missing_ok=True)
                                                     for s in ("", "-wal", "-shm")])
    corpus_less = first_paint([LESS, str(CORPUS_FILE)], CORPUS_FILE_TEXT, runs, env)
    # The floor for any Textual app on this machine: Python, Textual's import and its first frame.
    bare_textual = first_paint([sys.executable, "-c", BARE_TEXTUAL_APP], "bare textual app", runs, env)
    # toolong opens a file at its end (it tails logs): wait for the last line there.
    corpus_tl = first_paint([str(TOOLONG), str(CORPUS_FILE)], last_line(CORPUS_FILE), runs, env) if have_toolong else None
    big_new = _big_first_paint_new_db(document, max(2, runs - 2), env)
    big_stored = first_paint([str(READER), "--db", str(annotated_db), str(document)], BIG_TEXT, max(2, runs - 2), env)
    big_less = first_paint([LESS, str(document)], BIG_TEXT, max(2, runs - 2), env)
    big_tl = first_paint([str(TOOLONG), str(document)], last_line(document), max(2, runs - 2), env) \
        if have_toolong else None
    print(f"{'':44} {'reader':>9} {'less':>9} {'tl':>9}   reader/less  reader/tl  goal")
    print(f"{'bundled corpus (new database)':44} {fmt(corpus_reader, 's'):>9} {fmt(corpus_less, 's'):>9} "
          f"{fmt(corpus_tl, 's'):>9}   {ratio(corpus_reader, corpus_less):>11}  {ratio(corpus_reader, corpus_tl):>9}  < 800 ms")
    print(f"{'bare Textual app (floor for any Textual UI)':44} {fmt(bare_textual, 's'):>9}   "
          f"reader/bare {ratio(corpus_reader, bare_textual)}")
    print(f"{f'{BIG_MB} MB document, first open (new database)':44} {fmt(big_new, 's'):>9} {fmt(big_less, 's'):>9} "
          f"{fmt(big_tl, 's'):>9}   {ratio(big_new, big_less):>11}  {ratio(big_new, big_tl):>9}  < 1500 ms")
    print(f"{f'{BIG_MB} MB document, stored, {ANNOTATIONS:,} annotations':44} {fmt(big_stored, 's'):>9} "
          f"{fmt(big_less, 's'):>9} {fmt(big_tl, 's'):>9}   {ratio(big_stored, big_less):>11}  "
          f"{ratio(big_stored, big_tl):>9}  < 1500 ms")

    print(f"\n== repaint after a key on the {BIG_MB} MB document (median of {repeats}; ms)")
    search = [f"/{MARKER}", "Enter"]
    reader_ops = {"G": ([], ["G"], ["g"]), "pagedown": ([], ["NPage"], []), "j": ([], ["j"], []),
                  "search n": (["/", MARKER, "Enter"], ["n"], [])}
    less_ops = {"G": ([], ["G"], ["g"]), "pagedown": ([], ["NPage"], []), "j": ([], ["j"], []),
                "search n": (search, ["n"], [])}
    tl_ops = {"G": (["Home"], ["End"], ["Home"]), "pagedown": ([], ["NPage"], []), "j": ([], ["Down"], [])}
    ours, ours_memory = repaints([str(READER), "--db", str(plain_db), str(document)], BIG_TEXT, reader_ops, repeats, env)
    ours_annotated, annotated_memory = repaints([str(READER), "--db", str(annotated_db), str(document)], BIG_TEXT,
                                                reader_ops, repeats, env)
    theirs_less, less_memory = repaints([LESS, str(document)], BIG_TEXT, less_ops, repeats, env)
    theirs_tl, tl_memory = repaints([str(TOOLONG), str(document)], last_line(document), tl_ops, repeats, env) \
        if have_toolong else ({}, None)
    print(f"{'':12} {'reader':>8} {'+50k ann.':>10} {'less':>8} {'tl':>8}   reader/less  +ann./less  reader/tl  goal")
    for name in reader_ops:
        a, b, c, d = ours.get(name), ours_annotated.get(name), theirs_less.get(name), theirs_tl.get(name)
        print(f"{name:12} {fmt(a, 'ms'):>8} {fmt(b, 'ms'):>10} {fmt(c, 'ms'):>8} {fmt(d, 'ms'):>8}   "
              f"{ratio(a, c):>11}  {ratio(b, c):>10}  {ratio(a, d):>9}  < 50 ms")
    print(f"\n== peak memory (MB)\n{'reader':12} {fmt(ours_memory, 'MB')}   with {ANNOTATIONS:,} annotations: "
          f"{fmt(annotated_memory, 'MB')}   less: {fmt(less_memory, 'MB')}   tl: {fmt(tl_memory, 'MB')}"
          f"   reader/less {ratio(annotated_memory, less_memory)}   goal < 600 MB")
    print("\nnotes: tl has no search-next key (its find filters lines) and does not wrap paragraphs;"
          " less and tl show one file, the reader also opens its database.")
    return 0


def _big_first_paint_new_db(document: Path, runs: int, env: dict[str, str]) -> float:
    """First open of the big file: a new database each run (the reader saves the file in the background)."""
    times = []
    for _ in range(runs):
        db = fresh_db()
        terminal = Terminal()
        try:
            started = terminal.start([str(READER), "--db", str(db), str(document)], env)
            times.append(terminal.wait_for(BIG_TEXT) - started)
        finally:
            terminal.close()
        time.sleep(0.5)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
