"""The lossless JSON export: sources (with the texts annotations were made on), tags, annotations, links,
silent marks, claims and pair decisions, one record a line, streamed from the store."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, TextIO

from reader.exports.matrix import export_claims
from reader.store import Store, now

JSON_FORMAT_NAME = "reader-annotations"
JSON_FORMAT_VERSION = 1


def write_json(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """Everything needed to rebuild the annotations elsewhere: sources (with the texts annotations were
    made on), tags, annotations with both selectors and both positions, and links. One record a line."""
    choice = store.annotation_choice(source_ids, tags, authors)
    out.write("{\n" + f' "format": {_dump(JSON_FORMAT_NAME)},\n "format_version": {JSON_FORMAT_VERSION},\n')
    out.write(f' "exported": {_dump(now())},\n "generator": {_dump(_generator())},\n')

    hashes: dict[int, str] = {}
    out.write(' "sources": [')
    for index, source_id in enumerate(sorted(store.exported_source_ids(choice))):
        record = _source_record(store, source_id, hashes)
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    out.write(' "tags": [')
    for index, row in enumerate(store.tag_rows()):
        record = {"name": row[0], "colour": row[1], "description": row[2], "position": row[3]}
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    out.write(' "annotations": [')
    cursor = store.annotation_export_rows(choice)
    count = 0
    for count, row in enumerate(cursor, 1):
        record = {
            "id": row[0],
            "source": row[1],
            "version_hash": hashes.get(row[2], ""),
            "start": row[3],
            "end": row[4],
            "quote": row[5],
            "prefix": row[6],
            "suffix": row[7],
            "note": row[8],
            "author": row[9],
            "created": row[10],
            "updated": row[11],
            "tags": [t for t in (row[17] or "").split(";") if t],
            "anchor": {
                "status": row[12],
                "version_hash": hashes.get(row[13], ""),
                "start": row[14],
                "end": row[15],
                "score": row[16],
            },
        }
        out.write(("\n  " if count == 1 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    out.write(' "links": [')
    link_cursor = store.link_rows(choice)
    for index, row in enumerate(link_cursor):
        record = {"id": row[0], "from": row[1], "to": row[2], "kind": row[3], "created": row[4], "author": row[5]}
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    # Sources checked and found silent on a claim (the claims matrix), for the exported annotations.
    out.write(' "silences": [')
    for index, row in enumerate(store.silence_rows(choice)):
        record = {"annotation": row[0], "source": row[1], "marked": row[2], "author": row[3]}
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")
    # The claims among the exported annotations, with their text, statuses, first appearance and verdict.
    out.write(' "claims": [')
    for index, record in enumerate(_claims_json(store, source_ids, tags)):
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")
    # The user's decisions on suggested pairs (confirmed or rejected), each passage on its source's current text.
    out.write(' "decisions": [')
    for index, row in enumerate(store.decision_rows(choice)):
        record = {
            "decision": row[0],
            "a": _passage(row[1:6]),
            "b": _passage(row[6:11]),
            "features": json.loads(row[11] or "[]"),
            "author": row[12],
            "decided": row[13],
        }
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ]\n}\n")
    return count


def _passage(row: tuple[Any, ...]) -> dict[str, Any]:
    """One passage of a pair decision: the source (its id in the export's list), offsets, quote, text hash."""
    source, start, end, quote, text_hash = row
    return {"source": source, "start": start, "end": end, "quote": quote, "text_hash": text_hash or ""}


def _claims_json(store: Store, source_ids: list[int] | None, tags: list[str] | None) -> list[dict[str, Any]]:
    from reader.claims import claim_json

    sources, claims = export_claims(store, source_ids, tags)
    by_id = {source.id: source for source in sources}
    names = {source.id: source.name for source in sources}  # once, not once a claim
    return [claim_json(claim, by_id, names) for claim in claims]


def _source_record(store: Store, source_id: int, hashes: dict[int, str]) -> dict[str, Any]:
    """A source's metadata, its current text's hash, and the texts its annotations were made on."""
    row = store.source_export_row(source_id)
    versions = []
    for version_id, digest, text in store.annotated_versions(source_id):
        hashes[version_id] = digest
        versions.append({"content_hash": digest, "text": text})
    for version_id, digest in store.version_hashes(source_id):
        hashes.setdefault(version_id, digest)
    return {
        "id": source_id,
        "path": row[0],
        "name": Path(row[0]).name,
        "title": row[1],
        "outlet": row[2],
        "author": row[3],
        "published": row[4],
        "url": row[5],
        "format": row[6],
        "encoding": row[7],
        "words": row[8],
        "content_hash": row[9] or "",
        "length": row[10] or 0,
        "user_metadata": json.loads(row[11] or "{}"),  # what the user set (reader meta), over the file's own
        "versions": versions,
    }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _generator() -> str:
    try:
        return f"reader {package_version('reader')}"
    except PackageNotFoundError:
        return "reader"
