"""Checks every format's records go through before anything is written: ids, spans, dates and tag names."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from reader.importing import ImportFileError
from reader.store import now
from reader.store.incoming import Incoming

# Ids as the reader writes them (uuid hex) and as other tools do (uuids, slugs): printable ASCII only,
# so an id can never carry an escape sequence, a markup tag or a CSV separator to wherever it is shown.
_VALID_ID = re.compile("[A-Za-z0-9][A-Za-z0-9._~+-]{0,127}")
# No text the reader can hold (SQLite's default limit is a billion bytes) has an offset beyond this.
MAX_OFFSET = 1_000_000_000


def _check_id(path: Path, what: str, value: str) -> None:
    if not _VALID_ID.fullmatch(value):
        raise ImportFileError(
            f"{path}: {what} id {value[:40]!r} is not a valid id (1-128 letters, digits, '.', '_', '~', '+' or '-')"
        )


def _check_date(path: Path, what: str, value: str) -> None:
    """Dates are ISO 8601 (what the reader writes); anything else breaks sorting and the statistics."""
    try:
        if value.isascii() and value[:4].isdigit():
            datetime.fromisoformat(value)
            return
    except ValueError:
        pass
    raise ImportFileError(f"{path}: {what} {value[:40]!r} is not an ISO 8601 date such as 2024-05-01T12:00:00Z")


def check(path: Path, incoming: Incoming) -> None:
    """Refuse (ImportFileError, one line) records no reader could hold; fill in missing dates, clean tag names."""
    for index, item in enumerate(incoming.annotations):
        if not item.id:
            raise ImportFileError(f"{path}: annotation {index} has no id")
        _check_id(path, f"annotation {index}:", item.id)
        where = f"{path}: annotation {index} ({item.id[:36]})"
        if not (0 <= item.start < item.end):
            raise ImportFileError(f"{where}: start {item.start} and end {item.end} do not make a span")
        if item.end > MAX_OFFSET:
            raise ImportFileError(f"{where}: end {item.end} is beyond any text the reader can hold")
        if not item.quote:
            raise ImportFileError(f"{where}: the quote is empty")
        item.tags = [name for name in (tag_name_for_import(t) for t in item.tags) if name]
        if not item.created:
            item.created = now()
        if not item.updated:
            item.updated = item.created
        _check_date(path, f"annotation {index}: created", item.created)
        _check_date(path, f"annotation {index}: updated", item.updated)
    for index, link in enumerate(incoming.links):
        for what, value in (("", link.id), (" from", link.from_id), (" to", link.to_id)):
            if value or what:
                _check_id(path, f"link {index}{what}", value)
        if link.created:
            _check_date(path, f"link {index}: created", link.created)
    for index, silence in enumerate(incoming.silences):
        _check_id(path, f"silent mark {index}: annotation", silence.annotation_id)
        if silence.marked:
            _check_date(path, f"silent mark {index}: marked", silence.marked)
    for tag in incoming.tags:
        tag.name = tag_name_for_import(tag.name)
    incoming.tags = [t for t in incoming.tags if t.name]


def tag_name_for_import(name: str) -> str:
    """A usable tag name from a file's: white space collapsed, ';' and ',' (the CSV separators) replaced."""
    cleaned = " ".join(name.replace(";", " ").replace(",", " ").split())
    return cleaned[:60].strip()
