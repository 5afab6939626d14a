"""Bring files into the store: find them, load the changed ones, and report what was passed over."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from reader.corpus import (
    METADATA_FILE,
    Document,
    SourceError,
    file_signature,
    find_source_files,
    load_document,
    read_metadata,
)
from reader.store import METADATA_FIELDS, Store

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"

Progress = Callable[[int, int, str], None]


@dataclass
class SyncReport:
    """What a sync did: the sources now in play (in order), how many were (re)read, and what was skipped."""

    source_ids: list[int] = field(default_factory=list)
    loaded: int = 0
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def default_corpus() -> Path:
    """READER_CORPUS if set, else the corpus/ folder bundled beside the package."""
    return Path(os.environ.get("READER_CORPUS") or BUNDLED_CORPUS)


# A first load commits every quarter second rather than after every file: FTS5 indexes a transaction's
# words in one go, which made a 10,000-file first load about 40% faster. Writers wait at most this long.
BATCH_SECONDS = 0.25


def sync_sources(store: Store, paths: list[Path], progress: Progress | None = None) -> SyncReport:
    """Load each file under paths whose size or modification time changed since it was last stored.

    Unchanged files are not read again, so a second start over a large corpus is quick. New and changed
    files are stored in short batched transactions; an interrupted load keeps every finished batch.
    """
    files, skipped = find_source_files(paths)
    report = SyncReport(skipped=list(skipped))
    metadata_by_folder: dict[str, dict[str, dict[str, str]]] = {}
    known_signatures = store.known_signatures()  # one query, not one per file
    real_folders: dict[str, str] = {}
    if progress:
        progress(0, len(files), "")
    with ExitStack() as batch:
        batch_started: float | None = None
        for index, path in enumerate(files, 1):
            try:
                document = _changed_document(path, report, known_signatures, real_folders, metadata_by_folder)
                if document is not None:
                    if batch_started is None:
                        batch.enter_context(store.write())
                        batch_started = time.monotonic()
                    source_id, _ = store.save_document(document)
                    report.loaded += 1
                    report.source_ids.append(source_id)
                    if time.monotonic() - batch_started >= BATCH_SECONDS:
                        batch.close()  # commit
                        batch_started = None
            finally:
                if progress:
                    progress(index, len(files), path.name)  # files finished, whatever became of them
    return report


def _changed_document(
    path: Path,
    report: SyncReport,
    known_signatures: dict[str, tuple[int, int, int, dict]],
    real_folders: dict[str, str],
    metadata_by_folder: dict[str, dict[str, dict[str, str]]],
) -> Document | None:
    """The loaded file if it is new or changed (by size and mtime); else None, noting its id or why it was skipped.

    Paths stay strings until a file must be read: on a cached run this is called 10,000 times a second.
    """
    try:
        resolved = _real_path(path, real_folders)
        info = file_signature(resolved)
        folder, name = os.path.split(resolved)
        if folder not in metadata_by_folder:
            try:
                metadata_by_folder[folder] = read_metadata(Path(folder))
            except SourceError as error:  # said once; the folder's files still load, titles from their text
                metadata_by_folder[folder] = {}
                report.skipped.append((Path(folder) / METADATA_FILE, str(error)))
        stated = metadata_by_folder[folder].get(name) or {}
        known = known_signatures.get(resolved)
        if (
            known is not None
            and known[:2] == (info.st_size, info.st_mtime_ns)
            and all(known[3].get(key) == value for key, value in stated.items() if key in METADATA_FIELDS)
        ):
            report.source_ids.append(known[2])  # unchanged, and sources.toml says nothing new about it
            return None
        return load_document(Path(resolved), stated)
    except SourceError as error:
        report.skipped.append((path, str(error)))
    except OSError as error:
        report.skipped.append((path, f"cannot read: {error.strerror or error}"))
    return None


def _real_path(path: Path, real_folders: dict[str, str]) -> str:
    """os.path.realpath(path), resolving each folder once: it costs an lstat per path component."""
    folder, name = os.path.split(os.fspath(path))
    real_folder = real_folders.get(folder)
    if real_folder is None:
        real_folder = real_folders[folder] = os.path.realpath(folder or ".")
    candidate = os.path.join(real_folder, name)
    return os.path.realpath(candidate) if os.path.islink(candidate) else candidate
