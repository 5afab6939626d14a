"""Which files a command works on, and seeing them as they are now.

The corpus a command was given (--corpus, READER_CORPUS) is what it loads. Without one, a database that
holds sources is a project of its own: its commands work on those sources (their files checked for
changes) and never pull in the bundled corpus, which is only for a database with no sources yet.
A path to a readable file that is not in the database yet is added on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from reader.library import SyncReport, default_corpus, sync_sources
from reader.model import Source
from reader.store import Store, StoreError


def stored_files(store: Store, exclude: set[int] | frozenset[int] = frozenset()) -> list[Path]:
    """The files behind the database's sources that are still there (a vanished one keeps its stored text)."""
    return [
        Path(path)
        for path, (_, _, source_id, _) in store.known_signatures().items()
        if source_id not in exclude and os.path.isfile(path)
    ]


def files_in_play(store: Store, corpus: list[Path] | None) -> list[Path]:
    """What to load: the corpus given; else the database's own files; else (no sources yet) the bundled corpus."""
    if corpus:
        return list(corpus)
    if store.has_sources():
        return stored_files(store)
    return [default_corpus()]


def refresh_stored(store: Store, already_checked: set[int] | frozenset[int] = frozenset()) -> SyncReport:
    """Stat every stored source's file (but those already checked) and re-read and re-anchor changed ones.

    A stat a file: cheap enough for every command that reports offsets, so an edit made in another
    program shows at once with the right offsets and statuses.
    """
    return sync_sources(store, stored_files(store, set(already_checked)))


def source_for(store: Store, reference: str, added: Callable[[Source], None] | None = None) -> Source:
    """The source a SOURCE argument names; a path to a readable file not in the database yet is added
    (added(source) is told, so a command can say so in one line). StoreError explains a refusal."""
    path = Path(reference).expanduser()
    if reference.isdigit() or not path.is_file():  # an id, a file name, a title: the store's lookup
        return store.resolve_source(reference)
    known = store.known_signatures().get(os.path.realpath(path))
    if known is not None:
        return store.source(known[2])
    report = sync_sources(store, [path])
    if not report.source_ids:
        reason = report.skipped[0][1] if report.skipped else "not a readable source"
        raise StoreError(f"cannot add {reference}: {reason}")
    source = store.source(report.source_ids[0])
    if added is not None:
        added(source)
    return source
