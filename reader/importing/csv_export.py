"""The reader's CSV export read back (with or without the source metadata columns, guarded or --raw)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from reader.exports import CSV_BASE_COLUMNS, CSV_COLUMNS, unguard_formula
from reader.importing import ImportFileError
from reader.model import LINK_KINDS
from reader.store.incoming import Incoming, IncomingAnnotation, IncomingLink, IncomingSource

_ASCII_DIGITS = re.compile("[0-9]{1,18}")


def read_csv(path: Path, text: str, raw: bool) -> Incoming:
    # What `export` writes, `import` reads: a note or quote may be longer than the module's 128 KiB limit.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ImportFileError(f"{path} is neither JSON nor a CSV export") from None
    columns = CSV_COLUMNS if tuple(header) == CSV_COLUMNS else CSV_BASE_COLUMNS  # with or without source metadata
    if tuple(header) != columns:
        missing = [c for c in CSV_COLUMNS if c not in header]
        if len(missing) == len(CSV_COLUMNS):
            raise ImportFileError(f"{path} is not a reader export (json, w3c or csv)")
        detail = f"missing columns: {', '.join(missing)}" if missing else "its columns are in another order"
        raise ImportFileError(f"{path} is not a reader CSV export: {detail}")
    incoming = Incoming("csv")
    clean = (lambda cell: cell) if raw else unguard_formula
    try:
        for line_number, cells in enumerate(reader, 2):
            if not cells:
                continue
            if len(cells) != len(columns):
                raise ImportFileError(f"{path}: record {line_number} has {len(cells)} cells, not {len(columns)}")
            row = dict(zip(columns, map(clean, cells)))
            if not (_ASCII_DIGITS.fullmatch(row["start"]) and _ASCII_DIGITS.fullmatch(row["end"])):
                raise ImportFileError(
                    f"{path}: record {line_number}: start and end must be whole numbers in the digits 0-9"
                )
            start, end = int(row["start"]), int(row["end"])
            key = row["source_path"]
            if key not in incoming.sources:
                stated = {name: row.get(f"source_{name}", "") for name in ("url", "outlet", "published")}
                incoming.sources[key] = IncomingSource(
                    key=key, path=key, title=row["source_title"], stated_metadata={k: v for k, v in stated.items() if v}
                )
            incoming.annotations.append(
                IncomingAnnotation(
                    id=row["annotation_id"],
                    source_key=key,
                    start=start,
                    end=end,
                    quote=row["quote"],
                    prefix=row["prefix"],
                    suffix=row["suffix"],
                    note=row["note"],
                    author=row["author"],
                    created=row["created"],
                    updated=row["updated"],
                    tags=[t for t in row["tags"].split(";") if t],
                )
            )
            for entry in filter(None, row["links"].split(";")):
                kind, _, other = entry.partition(":")
                if kind not in LINK_KINDS or not other:
                    raise ImportFileError(f"{path}: record {line_number}: cannot read link {entry[:40]!r}")
                incoming.links.append(IncomingLink(row["annotation_id"], other, kind, directed=False))
    except csv.Error as error:
        raise ImportFileError(f"{path} is not readable CSV: {error}") from None
    return incoming
