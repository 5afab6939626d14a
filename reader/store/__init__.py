"""The annotation store: SQLite through sqlite-utils, the one owner of the schema and the undo log.

Sources and their versions (the canonical text of each, so an annotation never loses what it was made
on), annotations with W3C position and quote selectors, tags, links, reading state and an append-only
event log that undo and redo replay. Every write is one `BEGIN IMMEDIATE` transaction, committed at once.

`Store` is composed of one part per job, each a module of this package: connection (opening, migrations,
write transactions), events (the event log, undo and redo), settings (reading state, settings, blind
coding), tags, sources (versions, search, re-anchoring), annotations and links (with silent marks), and
the read queries behind the exports (exporting) and the analyses (analysis), and the local side of
syncing with a team hub (syncing: sync state, outbox, conflicts; remote: applying a hub's changes).
Claim records and pair decisions have their own modules (claims, decisions), as does the schema
(migrations).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from reader.model import DEFAULT_TAGS
from reader.store import lean_imports  # noqa: F401 -- before the parts: sqlite-utils without numpy
from reader.store.analysis import AnalysisQueries
from reader.store.connection import (
    APPLICATION_ID,
    BUSY_TIMEOUT_MS,
    READER_TABLES,
    WRITE_NOTICE_MS,
    WRITE_WAIT_LIMIT_S,
    StoreError,
    WriteBusy,
    content_hash,
    default_author,
    now,
    recovery_hint,
)
from reader.store.links import LinkStore
from reader.store.sources import (
    METADATA_FIELDS,
    PASSAGE_MAX_CHARS,
    SHORT_PARAGRAPH_CHARS,
    _fts_query,
    passage_spans,
)
from reader.store.syncing import SyncLog
from reader.store.tags import TAG_PALETTE, _check_colour, _clean_tag_name

__all__ = [
    "APPLICATION_ID",
    "BUSY_TIMEOUT_MS",
    "DEFAULT_TAGS",
    "METADATA_FIELDS",
    "PASSAGE_MAX_CHARS",
    "READER_TABLES",
    "SHORT_PARAGRAPH_CHARS",
    "TAG_PALETTE",
    "WRITE_NOTICE_MS",
    "WRITE_WAIT_LIMIT_S",
    "Store",
    "StoreError",
    "WriteBusy",
    "_check_colour",
    "_clean_tag_name",
    "_fts_query",
    "content_hash",
    "default_author",
    "now",
    "open_store",
    "passage_spans",
    "recovery_hint",
]


class Store(LinkStore, AnalysisQueries, SyncLog):
    """One connection to the annotation database; safe to share between threads (writes are serialised)."""


def open_store(
    path: str | os.PathLike[str],
    actor: str = "cli",
    author: str = "",
    default_tags: Iterable[tuple[str, str, str]] | None = None,
    blind: bool | None = None,
) -> Store:
    """Open (creating if needed) and migrate the database at path; StoreError explains any refusal.

    author is the settings' author (the one in effect is READER_AUTHOR, else it, else the login name:
    reader.authors.resolve_author); default_tags (name, colour, description) are what a new database
    starts with; blind=True makes this session blind whatever the database says (None: READER_BLIND).
    """
    return Store(Path(path), actor=actor, author=author, default_tags=default_tags, blind=blind)
