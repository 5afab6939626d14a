"""Write annotations out: CSV for spreadsheets, lossless JSON, W3C Web Annotation JSON-LD, a Markdown report,
the claims matrix, ClaimReview, REFI-QDA; one module per format, and here the choice among them.

Every writer streams from the store's cursors, so an export of a million annotations runs in constant
memory. Files are written to a temporary name in the target's folder and renamed into place, so a crash
mid-export leaves the old file as it was; nothing is written anywhere but the path the user gave.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, cast

from reader.exports.annotations_csv import (
    CSV_BASE_COLUMNS,
    CSV_COLUMNS,
    SOURCE_METADATA_COLUMNS,
    VIEW_COLUMNS,
    write_csv,
)
from reader.exports.formula import FORMULA_BLANKS, FORMULA_TRIGGERS, guard_formula, guard_row, unguard_formula
from reader.exports.lossless import JSON_FORMAT_NAME, JSON_FORMAT_VERSION, write_json
from reader.exports.markdown import markdown_escape, write_markdown
from reader.exports.matrix import export_claims, matrix_cell_text, matrix_column_names, write_matrix_csv
from reader.exports.w3c import W3C_CONTEXT, annotation_iri, source_iri, write_w3c
from reader.files import atomic_output as _atomic_output
from reader.model import ReaderError
from reader.store import Store
from reader.text import display_safe

EXPORT_FORMATS = ("csv", "json", "w3c", "md", "matrix-csv", "claimreview", "qdpx", "qdc")


class ExportError(ReaderError):
    """An export that cannot be written, explained in one line."""


def write_claimreview(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """schema.org ClaimReview JSON-LD, one per claim with a verdict (reader.claimreview)."""
    from reader.claimreview import write_claimreview as write

    return write(store, out, source_ids, tags, authors)


WRITERS: dict[str, Callable[..., int]] = {
    "csv": write_csv,
    "json": write_json,
    "w3c": write_w3c,
    "md": write_markdown,
    "matrix-csv": write_matrix_csv,
    "claimreview": write_claimreview,
}
# Formats written as a zip or XML file by reader.qdpx (REFI-QDA), never to stdout.
FILE_WRITERS = ("qdpx", "qdc")
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonld": "w3c",
    ".md": "md",
    ".markdown": "md",
    ".qdpx": "qdpx",
    ".qdc": "qdc",
}


def format_for_path(path: Path | None) -> str:
    """The format a file name suggests (.csv, .json, .jsonld, .md), else csv."""
    return SUFFIX_FORMATS.get(path.suffix.lower(), "csv") if path else "csv"


def export(
    store: Store,
    export_format: str,
    output: Path | None,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    raw: bool = False,
    force: bool = False,
    authors: list[str] | None = None,
) -> int:
    """Write an export to output (atomically), or to stdout when output is None; returns the annotation count."""
    if export_format in FILE_WRITERS:
        from reader.qdpx import write_qdc_file, write_qdpx_file

        if output is None:
            raise ExportError(f"{export_format} is a file format: give one with -o FILE.{export_format}")
        write = write_qdpx_file if export_format == "qdpx" else write_qdc_file
        return write(store, Path(output), source_ids=source_ids, tags=tags, force=force, authors=authors or None)
    if export_format not in WRITERS:
        raise ExportError(f"unknown export format {export_format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    writer = WRITERS[export_format]
    options: dict[str, Any] = {"source_ids": source_ids, "tags": tags, "authors": authors or None}
    if export_format in ("csv", "matrix-csv"):
        options["raw"] = raw
    if output is None:
        with _stdout_text() as out:
            return writer(store, out, **options)
    with _atomic_output(output, force=force, error=ExportError) as out:
        return writer(store, out, **options)


class _TerminalSafe:
    """A text stream for a terminal: every write goes through display_safe (ESC shown as ␛, and so on)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(display_safe(text.replace("\r\n", "\n")))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


@contextmanager
def _stdout_text() -> Iterator[TextIO]:
    """UTF-8 text on stdout whatever the locale says, without newline translation."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        yield sys.stdout
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=False)
    try:
        # A terminal is read, not parsed: source text must not act on it (pipes and files stay exact).
        yield cast(TextIO, _TerminalSafe(stream)) if sys.stdout.isatty() else stream
    finally:
        stream.flush()
        stream.detach()


__all__ = [
    "CSV_BASE_COLUMNS",
    "CSV_COLUMNS",
    "EXPORT_FORMATS",
    "ExportError",
    "FILE_WRITERS",
    "FORMULA_BLANKS",
    "FORMULA_TRIGGERS",
    "JSON_FORMAT_NAME",
    "JSON_FORMAT_VERSION",
    "SOURCE_METADATA_COLUMNS",
    "SUFFIX_FORMATS",
    "VIEW_COLUMNS",
    "W3C_CONTEXT",
    "WRITERS",
    "annotation_iri",
    "export",
    "export_claims",
    "format_for_path",
    "guard_formula",
    "guard_row",
    "markdown_escape",
    "matrix_cell_text",
    "matrix_column_names",
    "source_iri",
    "unguard_formula",
    "write_claimreview",
    "write_csv",
    "write_json",
    "write_markdown",
    "write_matrix_csv",
    "write_w3c",
]
