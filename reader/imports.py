"""Read annotations back in from what reader.exports wrote: lossless JSON, W3C Web Annotations, or CSV.

An import is one transaction: all of it lands or none of it. Annotation ids are kept, so importing a
file twice adds nothing. Each annotation's source is found in the database by path, then file name, then
content hash (then URL); annotations are re-anchored when the text there differs from the one they were
made on. The whole import is one group in the event log (actor "import"), so one undo takes it back.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

import msgspec

from reader.anchoring import anchor
from reader.exports import (
    CSV_BASE_COLUMNS,
    CSV_COLUMNS,
    JSON_FORMAT_NAME,
    JSON_FORMAT_VERSION,
    W3C_CONTEXT,
    unguard_formula,
)
from reader.model import LINK_KINDS, ReaderError, Selector
from reader.store import TAG_PALETTE, Store, content_hash, now

IMPORT_ACTOR = "import"
_encode_json = msgspec.json.Encoder().encode
_ID_NAMESPACE = uuid.UUID("6f1c2a1e-5d0b-4f6e-9a43-7d1c0c3b8e52")  # stable ids for records that have none


class ImportFileError(ReaderError):
    """A file that cannot be imported, explained in one line; nothing was written."""


# --- what a file brings, whatever its format -----------------------------------------------------------


@dataclass(slots=True)
class IncomingSource:
    """How the file names a source, for finding it in the database."""

    key: str
    path: str
    url: str = ""
    content_hash: str = ""
    title: str = ""
    versions: dict[str, str] = field(default_factory=dict)  # content hash -> text an annotation was made on
    user_metadata: dict[str, str] = field(default_factory=dict)  # what the exporting user set (reader meta)

    @property
    def name(self) -> str:
        return self.path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        return self.name or self.url or self.key


@dataclass(slots=True)
class IncomingAnnotation:
    id: str
    source_key: str
    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    author: str = ""
    created: str = ""
    updated: str = ""
    tags: list[str] = field(default_factory=list)
    version_hash: str = ""  # the text it was made on; "" when the file does not say (csv, w3c)


@dataclass(slots=True)
class IncomingLink:
    from_id: str
    to_id: str
    kind: str
    id: str = ""
    created: str = ""
    directed: bool = True  # csv lists each link under both ends and cannot say which way it points
    author: str = ""


@dataclass(slots=True)
class IncomingSilence:
    """A source checked and found silent on the claim an annotation marks."""

    annotation_id: str
    source_key: str
    marked: str = ""
    author: str = ""


@dataclass(slots=True)
class IncomingTag:
    name: str
    colour: str = ""
    description: str = ""


@dataclass
class Incoming:
    format: str
    sources: dict[str, IncomingSource] = field(default_factory=dict)
    tags: list[IncomingTag] = field(default_factory=list)
    annotations: list[IncomingAnnotation] = field(default_factory=list)
    links: list[IncomingLink] = field(default_factory=list)
    silences: list[IncomingSilence] = field(default_factory=list)
    claims: list[Any] = field(default_factory=list)  # as the JSON export writes them


@dataclass
class ImportReport:
    """What an import did, for a summary line and one line per problem."""

    path: Path
    format: str
    imported: int = 0
    already_present: int = 0
    links_added: int = 0
    tags_added: int = 0
    silences_added: int = 0
    reanchored: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    missing_sources: int = 0  # annotations left out because their source is not in the database

    @property
    def failed(self) -> bool:
        """Nothing of the file is in the database because its sources are not: the import did not work."""
        return self.missing_sources > 0 and self.imported + self.already_present == 0

    def summary(self) -> str:
        text = f"imported {self.imported} annotations"
        if self.already_present:
            text += f" ({self.already_present} already present)"
        text += f", {self.links_added} links, {self.tags_added} new tags"
        if self.silences_added:
            text += f", {self.silences_added} silent marks"
        text += f" from {self.path.name} ({self.format})"
        if self.reanchored:
            text += "; re-anchored on changed text: " + ", ".join(
                f"{count} {status}" for status, count in sorted(self.reanchored.items())
            )
        return text


# --- the JSON export's schema (validated by msgspec, which names the offending field) ------------------


class _JsonVersion(msgspec.Struct):
    content_hash: str
    text: str | None = None


class _JsonSource(msgspec.Struct):
    id: int
    path: str
    title: str = ""
    url: str = ""
    content_hash: str = ""
    user_metadata: dict[str, str] = {}
    versions: list[_JsonVersion] = []


class _JsonTag(msgspec.Struct):
    name: str
    colour: str = ""
    description: str = ""


class _JsonAnnotation(msgspec.Struct):
    id: str
    source: int
    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    author: str = ""
    created: str = ""
    updated: str = ""
    tags: list[str] = []
    version_hash: str = ""


class _JsonLink(msgspec.Struct):
    id: str
    from_id: str = msgspec.field(name="from")
    to_id: str = msgspec.field(name="to")
    kind: Literal["same", "supports", "contradicts"]
    created: str = ""
    author: str = ""


class _JsonSilence(msgspec.Struct):
    annotation: str
    source: int
    marked: str = ""
    author: str = ""


class _JsonExport(msgspec.Struct):
    format: str
    format_version: int
    sources: list[_JsonSource]
    annotations: list[_JsonAnnotation]
    tags: list[_JsonTag] = []
    links: list[_JsonLink] = []
    silences: list[_JsonSilence] = []
    claims: list[Any] = []  # claims with their text and verdict (reader.store.claims.import_claims checks them)


# --- the W3C Web Annotation subset we read -------------------------------------------------------------


class _W3CSelector(msgspec.Struct):
    type: str = ""
    exact: str | None = None
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None


class _W3CResource(msgspec.Struct):
    id: str = ""
    type: str | list[str] = ""
    source: str | None = None
    selector: _W3CSelector | list[_W3CSelector] | None = None
    scope: str | None = None
    purpose: str | list[str] = ""
    value: str | None = None


class _W3CAgent(msgspec.Struct):
    name: str = ""
    nickname: str = ""


class _W3CAnnotation(msgspec.Struct):
    id: str = ""
    type: str | list[str] = ""
    motivation: str | list[str] = ""
    body: _W3CResource | list[_W3CResource | str] | str | None = None
    target: _W3CResource | list[_W3CResource | str] | str | None = None
    creator: _W3CAgent | str | None = None
    created: str = ""
    modified: str = ""


class _W3CPage(msgspec.Struct):
    items: list[_W3CAnnotation] = []
    next: _W3CPage | str | None = None


class _W3CDocument(_W3CAnnotation):
    """A collection, a page or a single annotation: whichever the file's top level is."""

    items: list[_W3CAnnotation] = []
    first: _W3CPage | str | None = None


# --- reading a file ------------------------------------------------------------------------------------


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
            return _read_reader_json(path, data)
        if isinstance(probe, list) or probe.is_w3c():
            return _read_w3c(path, data)
        raise ImportFileError(f"{path} is JSON, but neither a reader export nor W3C Web Annotations")
    return _read_csv(path, text, raw_csv)


class _Probe(msgspec.Struct):
    """Just enough of a JSON document to tell which format it is (the rest is skipped unparsed)."""

    format: Any = None
    type: Any = None
    context: Any = msgspec.field(name="@context", default=None)

    def is_w3c(self) -> bool:
        contexts = self.context if isinstance(self.context, list) else [self.context]
        return W3C_CONTEXT in contexts or self.type in ("AnnotationCollection", "AnnotationPage", "Annotation")


def _invalid(path: Path, error: msgspec.ValidationError) -> ImportFileError:
    return ImportFileError(f"{path} does not match the export format: {error}")


def _read_reader_json(path: Path, data: bytes) -> Incoming:
    try:
        export = msgspec.json.decode(data, type=_JsonExport)
    except msgspec.ValidationError as error:
        raise _invalid(path, error) from None
    if export.format_version > JSON_FORMAT_VERSION:
        raise ImportFileError(f"{path} was written by a newer reader (format {export.format_version}); upgrade reader")
    incoming = Incoming("json")
    for source in export.sources:
        key = str(source.id)
        incoming.sources[key] = IncomingSource(
            key=key,
            path=source.path,
            url=source.url,
            content_hash=source.content_hash,
            title=source.title,
            versions={v.content_hash: v.text for v in source.versions if v.text is not None},
            user_metadata=dict(source.user_metadata),
        )
    incoming.tags = [IncomingTag(t.name, t.colour, t.description) for t in export.tags]
    for index, item in enumerate(export.annotations):
        if str(item.source) not in incoming.sources:
            raise ImportFileError(
                f"{path}: annotation {index} refers to source {item.source}, which the file does not list"
            )
        incoming.annotations.append(
            IncomingAnnotation(
                id=item.id,
                source_key=str(item.source),
                start=item.start,
                end=item.end,
                quote=item.quote,
                prefix=item.prefix,
                suffix=item.suffix,
                note=item.note,
                author=item.author,
                created=item.created,
                updated=item.updated,
                tags=list(item.tags),
                version_hash=item.version_hash,
            )
        )
    incoming.links = [
        IncomingLink(link.from_id, link.to_id, link.kind, link.id, link.created, author=link.author)
        for link in export.links
    ]
    for silence in export.silences:
        if str(silence.source) not in incoming.sources:
            raise ImportFileError(
                f"{path}: a silent mark refers to source {silence.source}, which the file does not list"
            )
        incoming.silences.append(
            IncomingSilence(silence.annotation, str(silence.source), silence.marked, silence.author)
        )
    incoming.claims = list(export.claims)
    return incoming


def _w3c_items(path: Path, document: _W3CDocument | list[_W3CAnnotation]) -> list[_W3CAnnotation]:
    """The annotations of a collection (with embedded pages), a page, a single annotation or a list."""
    if isinstance(document, list):
        return document
    if document.type == "Annotation" or "Annotation" in _as_list(document.type):
        return [document]
    items: list[_W3CAnnotation] = list(document.items)
    page = document.first
    while page is not None:
        if isinstance(page, str):
            raise ImportFileError(
                f"{path}: the collection's pages are not in the file (only embedded pages can be imported)"
            )
        items.extend(page.items)
        page = page.next
    return items


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def annotation_id_from_iri(iri: str) -> str:
    """Our id for a W3C annotation id: the uuid of a urn:uuid IRI, else a stable uuid derived from the IRI."""
    if iri.lower().startswith("urn:uuid:"):
        try:
            return uuid.UUID(iri[9:]).hex
        except ValueError:
            pass
    return uuid.uuid5(_ID_NAMESPACE, iri).hex


def _path_from_iri(iri: str) -> str:
    parsed = urlparse(iri)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    return "" if parsed.scheme else iri


def _read_w3c(path: Path, data: bytes) -> Incoming:
    try:
        document = msgspec.json.decode(data, type=_W3CDocument | list[_W3CAnnotation])
    except msgspec.ValidationError as error:
        raise ImportFileError(f"{path} does not match the W3C Web Annotation format: {error}") from None
    items = _w3c_items(path, document)
    incoming = Incoming("w3c")
    for index, item in enumerate(items):
        motivations = _as_list(item.motivation)
        bodies = [b for b in _as_list(item.body)]
        targets = _as_list(item.target)
        if "linking" in motivations:
            link = _w3c_link(item, bodies, targets)
            if link is None:
                raise ImportFileError(f"{path}: linking annotation {index} needs a target and a linked body")
            incoming.links.append(link)
            continue
        target = next((t for t in targets if isinstance(t, _W3CResource) and (t.source or t.id)), None)
        if target is None:
            raise ImportFileError(f"{path}: annotation {index} has no target with a source")
        selectors = _as_list(target.selector)
        quote = next((s for s in selectors if s.type == "TextQuoteSelector" and s.exact is not None), None)
        position = next(
            (s for s in selectors if s.type == "TextPositionSelector" and s.start is not None and s.end is not None),
            None,
        )
        if quote is None or not quote.exact:
            raise ImportFileError(f"{path}: annotation {index} has no TextQuoteSelector with the quoted text")
        source_iri = target.source or target.id
        if source_iri not in incoming.sources:
            incoming.sources[source_iri] = IncomingSource(
                key=source_iri,
                path=_path_from_iri(source_iri),
                url=target.scope or (source_iri if urlparse(source_iri).scheme in ("http", "https") else ""),
            )
        start, end = (position.start, position.end) if position else (0, len(quote.exact))
        tags, notes = [], []
        for body in bodies:
            if isinstance(body, str):
                notes.append(body)
                continue
            purposes = _as_list(body.purpose)
            if body.value is None:
                continue
            if "tagging" in purposes:
                tags.append(body.value)
            elif "commenting" in purposes or not purposes:
                notes.append(body.value)
        creator = item.creator
        author = creator if isinstance(creator, str) else (creator.name or creator.nickname) if creator else ""
        stamp = item.created or now()
        identity = item.id or f"{source_iri}#{start}-{end}:{quote.exact}"
        incoming.annotations.append(
            IncomingAnnotation(
                id=annotation_id_from_iri(identity),
                source_key=source_iri,
                start=start,
                end=end,
                quote=quote.exact,
                prefix=quote.prefix,
                suffix=quote.suffix,
                note="\n\n".join(notes),
                author=author,
                created=stamp,
                updated=item.modified or stamp,
                tags=tags,
            )
        )
    return incoming


def _w3c_link(item: _W3CAnnotation, bodies: list[Any], targets: list[Any]) -> IncomingLink | None:
    target = next((t if isinstance(t, str) else (t.id or t.source) for t in targets), None)
    linked = next(
        (
            b.source or b.id
            for b in bodies
            if isinstance(b, _W3CResource) and (b.source or b.id) and "classifying" not in _as_list(b.purpose)
        ),
        None,
    )
    if not target or not linked:
        return None
    kind = next(
        (
            b.value
            for b in bodies
            if isinstance(b, _W3CResource) and "classifying" in _as_list(b.purpose) and b.value in LINK_KINDS
        ),
        "same",
    )
    link_id = annotation_id_from_iri(item.id) if item.id else ""
    return IncomingLink(
        annotation_id_from_iri(target), annotation_id_from_iri(linked), kind, link_id, item.created or now()
    )


_ASCII_DIGITS = re.compile("[0-9]{1,18}")


def _read_csv(path: Path, text: str, raw: bool) -> Incoming:
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
                incoming.sources[key] = IncomingSource(key=key, path=key, title=row["source_title"])
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


# --- validation shared by every format -----------------------------------------------------------------

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


def _check(path: Path, incoming: Incoming) -> None:
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


# --- writing -------------------------------------------------------------------------------------------


def import_file(store: Store, path: Path, raw_csv: bool = False) -> ImportReport:
    """Import an export file into store in one transaction; returns what happened."""
    path = Path(path)
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of new objects, no cycles: the collector would only slow this
    try:
        incoming = read_incoming(path, raw_csv)
        _check(path, incoming)
        report = import_incoming(store, incoming, path)
        if incoming.claims:  # the claims' text and verdicts, once their members are in (reader.store.claims)
            from reader.store.claims import import_claims

            report.problems.extend(import_claims(store, incoming.claims))
        if any(source.user_metadata for source in incoming.sources.values()):
            report.problems.extend(_import_source_metadata(store, incoming.sources))
        return report
    finally:
        if collecting:
            gc.enable()


@dataclass
class _Plan:
    """Every row an import will write, worked out from a read snapshot without the write lock.

    New tags and source versions get the ids SQLite would give them (max + 1...), which stay right only
    if nothing else was committed in between: publishing checks that (PRAGMA data_version)."""

    report: ImportReport
    tags: list[tuple] = field(default_factory=list)
    versions: list[tuple] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    tag_rows: list[tuple[str, int]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    silences: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, str, Any, Any, Any]] = field(default_factory=list)


class _Stale(Exception):
    """Another program committed between planning and publishing: plan again."""


_PLAN_ATTEMPTS = 3  # plans made again when another program commits meanwhile, before planning under the lock


def import_incoming(store: Store, incoming: Incoming, path: Path) -> ImportReport:
    """Plan the import from a read snapshot (parsing, matching, anchoring: the slow part, no write lock),
    then publish the planned rows in one short write transaction: all of it lands or none of it.

    Another program committing in between makes the plan stale: it is made again (a few times, then
    under the write lock, as before)."""
    conn = store.db.conn
    with store._lock:  # this process's other threads share the connection: they wait for the import
        for _ in range(_PLAN_ATTEMPTS):
            conn.execute("BEGIN")  # deferred: a read snapshot, no write lock
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                seen = conn.execute("PRAGMA data_version").fetchone()[0]
                plan = _plan(conn, incoming, path)
            finally:
                conn.execute("COMMIT")
            group = uuid.uuid4().hex
            _stage(conn, plan, group, IMPORT_ACTOR)
            # Every row the plan references exists in its snapshot or in the plan itself, and data_version
            # proves the snapshot is still the database: the per-row foreign key lookups (half the
            # publish, so half the time the lock is held) would find nothing new. Set outside the
            # transaction (the pragma is a no-op inside one), under store._lock (no other thread writes).
            conn.execute("PRAGMA foreign_keys = OFF")
            try:
                with store.write() as db:
                    if db.conn.execute("PRAGMA data_version").fetchone()[0] != seen:
                        raise _Stale
                    _publish(store, db.conn, plan)
                return plan.report
            except _Stale:
                continue
            finally:
                conn.execute("PRAGMA foreign_keys = ON")
                _unstage(conn)
        with store.write() as db:  # other programs kept committing: plan and stage under the lock
            plan = _plan(db.conn, incoming, path)
            _stage(conn, plan, uuid.uuid4().hex, IMPORT_ACTOR, own_transaction=False)
            try:
                _publish(store, db.conn, plan)
            finally:
                _unstage(conn)
        return plan.report


def _plan(conn, incoming: Incoming, path: Path) -> _Plan:
    report = ImportReport(path=path, format=incoming.format)
    plan = _Plan(report)
    matched = _match_sources(conn, incoming.sources)
    for key, source in incoming.sources.items():
        if matched.get(key) is None:
            count = sum(1 for a in incoming.annotations if a.source_key == key)
            if count:
                report.missing_sources += count
                report.problems.append(
                    f"{count} annotations not imported: their source {source.label!r} is not in the database "
                    "(load it with --corpus, then import again)"
                )
    candidates = [a for a in incoming.annotations if matched.get(a.source_key) is not None]
    present = _existing_ids(conn, "annotations", [a.id for a in candidates])
    report.already_present = sum(1 for a in candidates if a.id in present)
    new_items, seen = [], set(present)
    for item in candidates:
        if item.id not in seen:
            seen.add(item.id)
            new_items.append(item)

    tag_ids = _ensure_tags(conn, incoming.tags, new_items, plan, report)
    placer = _Placer(conn, incoming.sources, matched, plan)
    for item in new_items:
        row = placer.place(item)
        if row["anchor_status"] != "anchored" or (row["anchor_start"], row["anchor_end"]) != (
            row["position_start"],
            row["position_end"],
        ):
            report.reanchored[row["anchor_status"]] = report.reanchored.get(row["anchor_status"], 0) + 1
        plan.rows.append(row)
        names = list(dict.fromkeys(name.casefold() for name in item.tags)) if item.tags else []
        plan.tag_rows.extend((item.id, tag_ids[name][0]) for name in names)
        row["tags"], row["links"] = [tag_ids[name][1] for name in names], []
        # The event log keeps a snapshot (the row, its tags and links) for undo; encoded here, fast.
        plan.events.append(("create", "annotation", item.id, None, _encode_json(row).decode("utf-8")))
    report.imported = len(plan.rows)
    new_ids = {row["id"] for row in plan.rows}
    _add_links(conn, incoming.links, new_ids, plan, report)
    _add_silences(conn, incoming.silences, matched, new_ids, plan, report)
    return plan


# Staging: the plan's rows go into TEMP tables first (this connection's own temporary database, so no
# lock on the reader's file), sorted by key; publishing is then one INSERT ... SELECT a table, in C.
_ANNOTATION_COLUMNS = (
    "id",
    "source_id",
    "version_id",
    "position_start",
    "position_end",
    "quote",
    "prefix",
    "suffix",
    "note",
    "author",
    "created",
    "updated",
    "anchor_status",
    "anchor_version_id",
    "anchor_start",
    "anchor_end",
    "anchor_score",
)
_STAGED = {
    "annotations": list(_ANNOTATION_COLUMNS),
    "annotation_tags": ["annotation_id", "tag_id"],
    "events": ["group_id", "at", "actor", "action", "entity", "entity_id", "before", "after"],
}


def _stage(conn, plan: _Plan, group: str, actor: str, own_transaction: bool = True) -> None:
    """Copy the plan's bulk rows into TEMP tables (no write lock on the database is taken)."""
    for table, columns in _STAGED.items():
        conn.execute(f"DROP TABLE IF EXISTS temp.staged_{table}")
        conn.execute(f"CREATE TEMP TABLE staged_{table} ({', '.join(columns)})")
    if own_transaction:
        conn.execute("BEGIN")
    try:
        conn.executemany(
            f"INSERT INTO temp.staged_annotations VALUES ({', '.join('?' * len(_ANNOTATION_COLUMNS))})",
            map(itemgetter(*_ANNOTATION_COLUMNS), plan.rows),
        )
        conn.executemany("INSERT INTO temp.staged_annotation_tags VALUES (?, ?)", plan.tag_rows)
        stamp = now()
        conn.executemany(
            "INSERT INTO temp.staged_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (group, stamp, actor, action, entity, str(entity_id), _snapshot(before), _snapshot(after))
                for action, entity, entity_id, before, after in plan.events
            ),
        )
        if own_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if own_transaction:
            conn.execute("ROLLBACK")
        _unstage(conn)
        raise


def _unstage(conn) -> None:
    for table in _STAGED:
        conn.execute(f"DROP TABLE IF EXISTS temp.staged_{table}")


def _snapshot(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _publish(store: Store, conn, plan: _Plan) -> None:
    """Write a staged plan inside the caller's write transaction: a few statements, no Python work a row."""
    if plan.tags:
        conn.executemany(
            "INSERT INTO tags (id, name, colour, description, position, created) VALUES (?, ?, ?, ?, ?, ?)", plan.tags
        )
    if plan.versions:
        conn.executemany(
            "INSERT INTO source_versions (id, source_id, content_hash, text, length, loaded) VALUES (?, ?, ?, ?, ?, ?)",
            plan.versions,
        )
    columns = ", ".join(_ANNOTATION_COLUMNS)
    conn.execute(f"INSERT INTO annotations ({columns}) SELECT {columns} FROM temp.staged_annotations ORDER BY id")
    conn.execute(
        "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) "
        "SELECT annotation_id, tag_id FROM temp.staged_annotation_tags ORDER BY annotation_id, tag_id"
    )
    if plan.links:
        conn.executemany(
            "INSERT INTO links (id, from_annotation, to_annotation, kind, created, author) "
            "VALUES (:id, :from_annotation, :to_annotation, :kind, :created, :author)",
            plan.links,
        )
    if plan.silences:
        conn.executemany(
            "INSERT INTO silences (annotation_id, source_id, marked, author) "
            "VALUES (:annotation_id, :source_id, :marked, :author)",
            plan.silences,
        )
    if plan.events:
        store.log_staged_events("temp.staged_events")


def _next_id(conn, table: str) -> int:
    return conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]


def _existing_ids(conn, table: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for offset in range(0, len(ids), 500):
        chunk = ids[offset : offset + 500]
        found.update(
            row[0] for row in conn.execute(f"SELECT id FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        )
    return found


def _import_source_metadata(store: Store, sources: dict[str, IncomingSource]) -> list[str]:
    """The metadata the exporting user set on each source (url, outlet, ...), set here the same way
    (reader meta: undoable, and a second import changes nothing); a line per value left out."""
    from reader.store.claims import ClaimError, set_source_metadata

    with store._lock:
        local = _match_sources(store.db.conn, sources)
    problems = []
    for key, source in sources.items():
        if not source.user_metadata or local.get(key) is None:
            continue
        try:
            set_source_metadata(store, local[key], {k: str(v) for k, v in source.user_metadata.items()})
        except ClaimError as error:
            problems.append(f"metadata of {source.name} left out: {error}")
    return problems


def _match_sources(conn, sources: dict[str, IncomingSource]) -> dict[str, int | None]:
    """The database source for each of the file's: same path, else same file name, else same text, else URL."""
    stored = conn.execute(
        "SELECT s.id, s.path, s.url, v.content_hash FROM sources s "
        "LEFT JOIN source_versions v ON v.id = s.current_version_id"
    ).fetchall()
    by_path = {path: source_id for source_id, path, _, _ in stored}
    by_name: dict[str, list[int]] = {}
    by_url: dict[str, list[int]] = {}
    current_hash = {source_id: digest for source_id, _, _, digest in stored}
    for source_id, path, url, _ in stored:
        by_name.setdefault(os.path.basename(path), []).append(source_id)
        if url:
            by_url.setdefault(url, []).append(source_id)
    by_hash: dict[str, list[int]] = {}
    for source_id, digest in conn.execute("SELECT source_id, content_hash FROM source_versions"):
        by_hash.setdefault(digest, []).append(source_id)

    def one(candidates: list[int], digest: str) -> int | None:
        candidates = list(dict.fromkeys(candidates))
        if len(candidates) > 1 and digest:
            candidates = [c for c in candidates if current_hash.get(c) == digest] or [
                c for c in candidates if c in by_hash.get(digest, [])
            ]
        return candidates[0] if len(candidates) == 1 else None

    matched: dict[str, int | None] = {}
    for key, source in sources.items():
        found = by_path.get(source.path) if source.path else None
        if found is None and source.name:
            found = one(by_name.get(source.name, []), source.content_hash)
        if found is None and source.content_hash:
            found = one(by_hash.get(source.content_hash, []), source.content_hash)
        if found is None and source.url:
            found = one(by_url.get(source.url, []), source.content_hash)
        matched[key] = found
    return matched


def _ensure_tags(
    conn, defined: list[IncomingTag], items: list[IncomingAnnotation], plan: _Plan, report: ImportReport
) -> dict[str, tuple[int, str]]:
    """(id, stored name) by folded name for every tag the file defines or uses, creating the missing ones."""
    known = {name.casefold(): (tag_id, name) for tag_id, name in conn.execute("SELECT id, name FROM tags")}
    definitions = {tag.name.casefold(): tag for tag in defined}
    first_spelling: dict[str, str] = {}  # folded name -> the first spelling the file uses (one pass, not one a tag)
    for item in items:
        for name in item.tags:
            first_spelling.setdefault(name.casefold(), name)
    wanted = dict.fromkeys(list(definitions) + list(first_spelling))
    position = conn.execute("SELECT coalesce(max(position), -1) FROM tags").fetchone()[0]
    tag_id = _next_id(conn, "tags") - 1
    for folded in wanted:
        if folded in known:
            continue
        definition = definitions.get(folded)
        name = definition.name if definition else first_spelling[folded]
        position += 1
        row = {
            "name": name,
            "colour": _colour(definition.colour if definition else "", len(known)),
            "description": definition.description if definition else "",
            "position": position,
            "created": now(),
        }
        tag_id += 1
        plan.tags.append((tag_id, row["name"], row["colour"], row["description"], row["position"], row["created"]))
        known[folded] = (tag_id, name)
        report.tags_added += 1
        plan.events.append(("create", "tag", tag_id, None, {"id": tag_id, **row, "annotation_ids": []}))
    return known


def _colour(colour: str, index: int) -> str:
    from rich.color import Color, ColorParseError

    try:
        return (
            Color.parse(colour.strip()).get_truecolor().hex if colour.strip() else TAG_PALETTE[index % len(TAG_PALETTE)]
        )
    except ColorParseError:
        return TAG_PALETTE[index % len(TAG_PALETTE)]


class _Placer:
    """Turns an incoming annotation into a row: which stored text it was made on, where it sits now."""

    COLUMNS = _ANNOTATION_COLUMNS

    def __init__(self, conn, sources: dict[str, IncomingSource], matched: dict[str, int | None], plan: _Plan) -> None:
        self.conn = conn
        self.sources = sources
        self.matched = matched
        self.plan = plan
        self._next_version_id = _next_id(conn, "source_versions")
        self._lengths: dict[int, int] = {}
        self._current: dict[int, tuple[int, str]] = {}
        self._versions: dict[int, dict[str, int]] = {}

    def current(self, source_id: int) -> tuple[int, str]:
        if source_id not in self._current:
            self._current[source_id] = self.conn.execute(
                "SELECT v.id, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
                "WHERE s.id = ?",
                [source_id],
            ).fetchone()
        return self._current[source_id]

    def version_for(self, source_id: int, item: IncomingAnnotation) -> int | None:
        """The stored version with the text item was made on, storing it from the file if need be."""
        if not item.version_hash:
            return None
        versions = self._versions.get(source_id)
        if versions is None:
            versions = self._versions[source_id] = {
                digest: version_id
                for version_id, digest in self.conn.execute(
                    "SELECT id, content_hash FROM source_versions WHERE source_id = ?", [source_id]
                )
            }
        if item.version_hash in versions:
            return versions[item.version_hash]
        text = self.sources[item.source_key].versions.get(item.version_hash)
        if text is None or content_hash(text) != item.version_hash:
            return None
        version_id = self._next_version_id
        self._next_version_id += 1
        self.plan.versions.append((version_id, source_id, item.version_hash, text, len(text), now()))
        self._lengths[version_id] = len(text)
        versions[item.version_hash] = version_id
        return version_id

    def length(self, version_id: int, current_id: int, current_text: str) -> int:
        """The length of a stored version's text (offsets made on it must fall inside it)."""
        if version_id == current_id:
            return len(current_text)
        if version_id in self._lengths:  # planned from the file, not stored yet
            return self._lengths[version_id]
        return self.conn.execute("SELECT length FROM source_versions WHERE id = ?", [version_id]).fetchone()[0]

    def place(self, item: IncomingAnnotation) -> dict[str, Any]:
        source_id = self.matched[item.source_key]
        current_id, text = self.current(source_id)
        version_id = self.version_for(source_id, item)
        made_on_current = version_id is None or version_id == current_id
        if version_id is not None and item.end > self.length(version_id, current_id, text):
            raise ImportFileError(
                f"annotation {item.id}: end {item.end} is past the end of the text it was made "
                f"on ({self.length(version_id, current_id, text)} characters)"
            )
        exact = item.end <= len(text) and item.end - item.start == len(item.quote)
        if made_on_current and exact and text[item.start : item.end] == item.quote:
            status, start, end, score = "anchored", item.start, item.end, 100.0
        else:
            found = anchor(text, Selector(item.start, item.end, item.quote, item.prefix, item.suffix))
            status, start, end, score = found.status, found.start, found.end, found.score
        return {
            "id": item.id,
            "source_id": source_id,
            "version_id": version_id or current_id,
            "position_start": item.start,
            "position_end": item.end,
            "quote": item.quote,
            "prefix": item.prefix,
            "suffix": item.suffix,
            "note": item.note,
            "author": item.author,
            "created": item.created,
            "updated": item.updated,
            "anchor_status": status,
            "anchor_version_id": current_id,
            "anchor_start": start,
            "anchor_end": end,
            "anchor_score": score,
        }


def _add_links(conn, links: list[IncomingLink], new_ids: set[str], plan: _Plan, report: ImportReport) -> None:
    """Links whose two ends are in the database (or the plan) and that it does not have yet (in either
    direction for csv)."""
    ends = _existing_ids(conn, "annotations", list({i for link in links for i in (link.from_id, link.to_id)}))
    ends |= new_ids
    planned_ids: set[str] = set()
    missing = 0
    done: set[tuple[str, str, str]] = set()
    for link in links:
        if link.from_id not in ends or link.to_id not in ends or link.from_id == link.to_id:
            missing += 1
            continue
        key = (link.from_id, link.to_id, link.kind)
        reverse = (link.to_id, link.from_id, link.kind)
        if key in done or (not link.directed and reverse in done):
            continue
        done.add(key)
        clash = conn.execute(
            "SELECT 1 FROM links WHERE id = ? OR (from_annotation = ? AND to_annotation = ? AND kind = ?) "
            "OR (? AND from_annotation = ? AND to_annotation = ? AND kind = ?)",
            [link.id, *key, int(not link.directed), *reverse],
        ).fetchone()
        row = {
            "id": link.id or uuid.uuid5(_ID_NAMESPACE, ":".join(sorted(key[:2])) + ":" + link.kind).hex,
            "from_annotation": link.from_id,
            "to_annotation": link.to_id,
            "kind": link.kind,
            "created": link.created or now(),
            "author": link.author,
        }
        if clash or row["id"] in planned_ids:
            continue
        planned_ids.add(row["id"])
        plan.links.append(row)
        plan.events.append(("create", "link", row["id"], None, row))
        report.links_added += 1
    if missing:
        report.problems.append(f"{missing} links not imported: an annotation they join is not in the database")


def _add_silences(
    conn,
    silences: list[IncomingSilence],
    matched: dict[str, int | None],
    new_ids: set[str],
    plan: _Plan,
    report: ImportReport,
) -> None:
    """Silent marks whose annotation and source are both in the database (or the plan) and that it does
    not have yet."""
    present = _existing_ids(conn, "annotations", list({s.annotation_id for s in silences})) | new_ids
    planned: set[tuple[str, int]] = set()
    for silence in silences:
        source_id = matched.get(silence.source_key)
        if source_id is None or silence.annotation_id not in present:
            continue
        key = (silence.annotation_id, source_id)
        if (
            key in planned
            or conn.execute("SELECT 1 FROM silences WHERE annotation_id = ? AND source_id = ?", key).fetchone()
        ):
            continue
        planned.add(key)
        row = {
            "annotation_id": silence.annotation_id,
            "source_id": source_id,
            "marked": silence.marked or now(),
            "author": silence.author,
        }
        plan.silences.append(row)
        plan.events.append(("create", "silence", f"{silence.annotation_id}:{source_id}", None, row))
        report.silences_added += 1
