"""Saving a file to the database in a separate process, so the interface keeps the GIL to itself.

Storing a 100 MB file (splitting it into passages, indexing them, counting words) is mostly
pure-Python work: in a thread it starved the event loop (keys took 3 s). A child Python process
(`python -m reader.saving`, arguments as JSON on stdin, the result as JSON on stdout), at a lower
CPU priority, loads the file itself, checks it read the file the reader shows (same size and
modification time, and the same length of text), and saves it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


class SaveFailed(Exception):
    """The child could not save the file (its one-line reason), or the file changed meanwhile."""


def save_file(
    db_path: str,
    path: str,
    metadata: dict[str, str] | None,
    expected: list[int],
    author: str,
    default_tags: list[list[str]],
) -> int:
    """In the child process: load path, check it is the file shown (expected: size, mtime_ns, text
    length), save it; returns the source id."""
    from reader.corpus import load_document
    from reader.store import open_store

    document = load_document(Path(path), metadata)
    if [document.size, document.mtime_ns, len(document.text)] != list(expected):
        raise SaveFailed(f"{path} changed while it was being saved; open it again")
    store = open_store(
        Path(db_path),
        actor="tui",
        author=author,
        default_tags=[(name, colour, description) for name, colour, description in default_tags],
    )
    try:
        source_id, _ = store.save_document(document)
    finally:
        store.close()
    return source_id


def save_in_process(
    db_path: str,
    path: str,
    metadata: dict[str, str] | None,
    expected: list[int],
    author: str,
    default_tags: list[tuple[str, str, str]],
) -> tuple[int, int]:
    """Run save_file in a child process and wait for it (the waiting thread holds no GIL).

    Returns (source id, the child's pid); raises SaveFailed with the child's reason."""
    request = json.dumps(
        {
            "db_path": db_path,
            "path": path,
            "metadata": metadata,
            "expected": expected,
            "author": author,
            "default_tags": [list(tag) for tag in default_tags],
        }
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "reader.saving"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = child.communicate(request)
    try:
        answer = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    except ValueError:
        answer = {}
    if "source_id" not in answer:
        reason = answer.get("error") or (err.strip().splitlines() or ["the saving process failed"])[-1]
        raise SaveFailed(reason)
    return int(answer["source_id"]), child.pid


def main() -> int:
    """The child: read the request, save, print {"source_id": N} or {"error": reason}."""
    from reader.corpus import SourceError
    from reader.store import StoreError

    request = json.loads(sys.stdin.read())
    if hasattr(os, "nice"):
        os.nice(10)  # background work: the interface's process gets the CPU first
    try:
        source_id = save_file(**request)
    except (SourceError, StoreError, SaveFailed, OSError) as error:
        print(json.dumps({"error": str(error)}))
        return 1
    print(json.dumps({"source_id": source_id}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
