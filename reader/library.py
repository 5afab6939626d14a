"""Bring files into the store: find them, load the changed ones, and report what was passed over."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reader.corpus import SourceError, file_signature, find_source_files, load_document, read_metadata
from reader.store import Store

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


def sync_sources(store: Store, paths: list[Path], progress: Progress | None = None) -> SyncReport:
    """Load each file under paths whose size or modification time changed since it was last stored.

    Unchanged files are not read again, so a second start over a large corpus is quick.
    """
    files, skipped = find_source_files(paths)
    report = SyncReport(skipped=list(skipped))
    metadata_by_folder: dict[Path, dict[str, dict[str, str]]] = {}
    for index, path in enumerate(files):
        if progress:
            progress(index, len(files), path.name)
        resolved = Path(os.path.realpath(path))
        try:
            info = file_signature(resolved)
            known = store.known_signature(str(resolved))
            if known == (info.st_size, info.st_mtime_ns):
                report.source_ids.append(store.resolve_path_id(str(resolved)))
                continue
            folder = resolved.parent
            if folder not in metadata_by_folder:
                metadata_by_folder[folder] = read_metadata(folder)
            document = load_document(resolved, metadata_by_folder[folder].get(resolved.name))
        except SourceError as error:
            report.skipped.append((path, str(error)))
            continue
        except OSError as error:
            report.skipped.append((path, f"cannot read: {error.strerror or error}"))
            continue
        source_id, _ = store.save_document(document)
        report.loaded += 1
        report.source_ids.append(source_id)
    if progress:
        progress(len(files), len(files), "")
    return report
