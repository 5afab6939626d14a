"""Read annotations back in from what reader.exports wrote: lossless JSON, W3C Web Annotations, CSV, or a
REFI-QDA project (reader.qdpx).

An import is one transaction: all of it lands or none of it. Annotation ids are kept, so importing a
file twice adds nothing. Each annotation's source is found in the database by path, then file name, then
content hash (then URL); annotations are re-anchored when the text there differs from the one they were
made on. The whole import (claims, verdicts and source metadata included) is one group in the event log
(actor "import"), so one undo takes it back.

This module tells the format, has the file parsed (reader.importing) and checked, and hands the records
to the store (reader.store.bulk), which plans and writes them.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import msgspec

from reader.exports import JSON_FORMAT_NAME, W3C_CONTEXT
from reader.importing import ImportFileError
from reader.importing.checks import MAX_OFFSET, check, tag_name_for_import
from reader.importing.csv_export import read_csv
from reader.importing.reader_json import read_reader_json
from reader.importing.w3c import annotation_id_from_iri, read_w3c
from reader.store import Store
from reader.store.bulk import IMPORT_ACTOR, import_records
from reader.store.incoming import (
    ImportRefused,
    ImportReport,
    Incoming,
    IncomingAnnotation,
    IncomingLink,
    IncomingSilence,
    IncomingSource,
    IncomingTag,
)

__all__ = [
    "IMPORT_ACTOR",
    "MAX_OFFSET",
    "ImportFileError",
    "ImportReport",
    "Incoming",
    "IncomingAnnotation",
    "IncomingLink",
    "IncomingSilence",
    "IncomingSource",
    "IncomingTag",
    "annotation_id_from_iri",
    "import_file",
    "read_incoming",
    "tag_name_for_import",
]


def import_file(store: Store, path: Path, raw_csv: bool = False) -> ImportReport:
    """Import an export file into store in one transaction; returns what happened."""
    path = Path(path)
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of new objects, no cycles: the collector would only slow this
    try:
        incoming = read_incoming(path, raw_csv)
        check(path, incoming)
        try:
            return import_records(store, incoming, path)
        except ImportRefused as refusal:
            raise ImportFileError(str(refusal)) from None
    finally:
        if collecting:
            gc.enable()


def read_incoming(path: Path, raw_csv: bool = False) -> Incoming:
    """Parse an export file (format told by its content) into Incoming records, or say why not."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not an export file") from None
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error.strerror or error}") from None
    if data[:4] == b"PK\x03\x04" or Path(path).suffix.lower() == ".qdpx":  # a zip: a REFI-QDA project
        from reader.qdpx import read_qdpx

        return read_qdpx(Path(path))
    try:
        return _parse(path, data, raw_csv)
    except RecursionError:
        raise ImportFileError(f"{path} is nested too deeply to be an export") from None


def _parse(path: Path, data: bytes, raw_csv: bool) -> Incoming:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path} is not UTF-8 text (byte {error.start}); not a reader export") from None
    stripped = text.lstrip()
    if not stripped:
        raise ImportFileError(f"{path} is empty")
    if stripped[0] in "{[":
        try:
            probe = msgspec.json.decode(data, type=_Probe | list[msgspec.Raw])
        except msgspec.ValidationError:
            raise ImportFileError(f"{path} is JSON, but neither a reader export nor W3C Web Annotations") from None
        except msgspec.DecodeError as error:
            raise ImportFileError(f"{path} is not valid JSON ({error})") from None
        if isinstance(probe, _Probe) and probe.format == JSON_FORMAT_NAME:
            return read_reader_json(path, data)
        if isinstance(probe, list) or probe.is_w3c():
            return read_w3c(path, data)
        if probe.is_schema_org():
            raise ImportFileError(
                f"{path} is schema.org ClaimReview, written for publishing, not for import; "
                "to carry verdicts and evidence to another database, import `reader export --format json`"
            )
        raise ImportFileError(f"{path} is JSON, but neither a reader export nor W3C Web Annotations")
    return read_csv(path, text, raw_csv)


class _Probe(msgspec.Struct):
    """Just enough of a JSON document to tell which format it is (the rest is skipped unparsed)."""

    format: Any = None
    type: Any = None
    context: Any = msgspec.field(name="@context", default=None)

    def is_w3c(self) -> bool:
        contexts = self.context if isinstance(self.context, list) else [self.context]
        return W3C_CONTEXT in contexts or self.type in ("AnnotationCollection", "AnnotationPage", "Annotation")

    def is_schema_org(self) -> bool:
        """A ClaimReview export (or other schema.org JSON-LD): its @context names schema.org."""
        contexts = self.context if isinstance(self.context, list) else [self.context]
        return any(isinstance(c, str) and "schema.org" in c for c in contexts)
