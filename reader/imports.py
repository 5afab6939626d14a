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
import os
import uuid
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

import msgspec

from reader.anchoring import anchor
from reader.exports import CSV_BASE_COLUMNS, CSV_COLUMNS, JSON_FORMAT_NAME, JSON_FORMAT_VERSION, W3C_CONTEXT, unguard_formula
from reader.model import LINK_KINDS, Selector
from reader.store import TAG_PALETTE, Store, content_hash, now

IMPORT_ACTOR = "import"
_encode_json = msgspec.json.Encoder().encode
_ID_NAMESPACE = uuid.UUID("6f1c2a1e-5d0b-4f6e-9a43-7d1c0c3b8e52")  # stable ids for records that have none


class ImportFileError(Exception):
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
                f"{count} {status}" for status, count in sorted(self.reanchored.items()))
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
            key=key, path=source.path, url=source.url, content_hash=source.content_hash, title=source.title,
            versions={v.content_hash: v.text for v in source.versions if v.text is not None})
    incoming.tags = [IncomingTag(t.name, t.colour, t.description) for t in export.tags]
    for index, item in enumerate(export.annotations):
        if str(item.source) not in incoming.sources:
            raise ImportFileError(f"{path}: annotation {index} refers to source {item.source}, which the file does not list")
        incoming.annotations.append(IncomingAnnotation(
            id=item.id, source_key=str(item.source), start=item.start, end=item.end, quote=item.quote,
            prefix=item.prefix, suffix=item.suffix, note=item.note, author=item.author, created=item.created,
            updated=item.updated, tags=list(item.tags), version_hash=item.version_hash))
    incoming.links = [IncomingLink(link.from_id, link.to_id, link.kind, link.id, link.created)
                      for link in export.links]
    for silence in export.silences:
        if str(silence.source) not in incoming.sources:
            raise ImportFileError(f"{path}: a silent mark refers to source {silence.source}, which the file does not list")
        incoming.silences.append(IncomingSilence(silence.annotation, str(silence.source), silence.marked,
                                                 silence.author))
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
            raise ImportFileError(f"{path}: the collection's pages are not in the file (only embedded pages can be imported)")
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
        position = next((s for s in selectors if s.type == "TextPositionSelector"
                         and s.start is not None and s.end is not None), None)
        if quote is None or not quote.exact:
            raise ImportFileError(f"{path}: annotation {index} has no TextQuoteSelector with the quoted text")
        source_iri = target.source or target.id
        if source_iri not in incoming.sources:
            incoming.sources[source_iri] = IncomingSource(
                key=source_iri, path=_path_from_iri(source_iri), url=target.scope or (
                    source_iri if urlparse(source_iri).scheme in ("http", "https") else ""))
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
        incoming.annotations.append(IncomingAnnotation(
            id=annotation_id_from_iri(identity), source_key=source_iri, start=start, end=end, quote=quote.exact,
            prefix=quote.prefix, suffix=quote.suffix, note="\n\n".join(notes), author=author, created=stamp,
            updated=item.modified or stamp, tags=tags))
    return incoming


def _w3c_link(item: _W3CAnnotation, bodies: list[Any], targets: list[Any]) -> IncomingLink | None:
    target = next((t if isinstance(t, str) else (t.id or t.source) for t in targets), None)
    linked = next((b.source or b.id for b in bodies if isinstance(b, _W3CResource)
                   and (b.source or b.id) and "classifying" not in _as_list(b.purpose)), None)
    if not target or not linked:
        return None
    kind = next((b.value for b in bodies if isinstance(b, _W3CResource)
                 and "classifying" in _as_list(b.purpose) and b.value in LINK_KINDS), "same")
    link_id = annotation_id_from_iri(item.id) if item.id else ""
    return IncomingLink(annotation_id_from_iri(target), annotation_id_from_iri(linked), kind, link_id,
                        item.created or now())


def _read_csv(path: Path, text: str, raw: bool) -> Incoming:
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
            try:
                start, end = int(row["start"]), int(row["end"])
            except ValueError:
                raise ImportFileError(f"{path}: record {line_number}: start and end must be whole numbers") from None
            key = row["source_path"]
            if key not in incoming.sources:
                incoming.sources[key] = IncomingSource(key=key, path=key, title=row["source_title"])
            incoming.annotations.append(IncomingAnnotation(
                id=row["annotation_id"], source_key=key, start=start, end=end, quote=row["quote"],
                prefix=row["prefix"], suffix=row["suffix"], note=row["note"], author=row["author"],
                created=row["created"], updated=row["updated"],
                tags=[t for t in row["tags"].split(";") if t]))
            for entry in filter(None, row["links"].split(";")):
                kind, _, other = entry.partition(":")
                if kind not in LINK_KINDS or not other:
                    raise ImportFileError(f"{path}: record {line_number}: cannot read link {entry[:40]!r}")
                incoming.links.append(IncomingLink(row["annotation_id"], other, kind, directed=False))
    except csv.Error as error:
        raise ImportFileError(f"{path} is not readable CSV: {error}") from None
    return incoming


# --- validation shared by every format -----------------------------------------------------------------

def _check(path: Path, incoming: Incoming) -> None:
    for index, item in enumerate(incoming.annotations):
        where = f"{path}: annotation {index} ({item.id[:36]})"
        if not item.id:
            raise ImportFileError(f"{path}: annotation {index} has no id")
        if not (0 <= item.start < item.end):
            raise ImportFileError(f"{where}: start {item.start} and end {item.end} do not make a span")
        if not item.quote:
            raise ImportFileError(f"{where}: the quote is empty")
        item.tags = [name for name in (tag_name_for_import(t) for t in item.tags) if name]
        if not item.created:
            item.created = now()
        if not item.updated:
            item.updated = item.created
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
        return import_incoming(store, incoming, path)
    finally:
        if collecting:
            gc.enable()


def import_incoming(store: Store, incoming: Incoming, path: Path) -> ImportReport:
    report = ImportReport(path=path, format=incoming.format)
    with store.write() as db:
        conn = db.conn
        matched = _match_sources(conn, incoming.sources)
        for key, source in incoming.sources.items():
            if matched.get(key) is None:
                count = sum(1 for a in incoming.annotations if a.source_key == key)
                if count:
                    report.missing_sources += count
                    report.problems.append(
                        f"{count} annotations not imported: their source {source.label!r} is not in the database "
                        "(load it with --corpus, then import again)")
        candidates = [a for a in incoming.annotations if matched.get(a.source_key) is not None]
        present = _existing_ids(conn, "annotations", [a.id for a in candidates])
        report.already_present = sum(1 for a in candidates if a.id in present)
        new_items, seen = [], set(present)
        for item in candidates:
            if item.id not in seen:
                seen.add(item.id)
                new_items.append(item)

        events: list[tuple[str, str, Any, Any, Any]] = []
        tag_ids = _ensure_tags(conn, incoming.tags, new_items, events, report)
        rows, tag_rows = [], []
        placer = _Placer(conn, incoming.sources, matched)
        for item in new_items:
            row = placer.place(item)
            if row["anchor_status"] != "anchored" or (row["anchor_start"], row["anchor_end"]) != (
                    row["position_start"], row["position_end"]):
                report.reanchored[row["anchor_status"]] = report.reanchored.get(row["anchor_status"], 0) + 1
            rows.append(row)
            names = list(dict.fromkeys(name.casefold() for name in item.tags)) if item.tags else []
            tag_rows.extend((item.id, tag_ids[name][0]) for name in names)
            row["tags"], row["links"] = [tag_ids[name][1] for name in names], []
            # The event log keeps a snapshot (the row, its tags and links) for undo; encoded here, fast.
            events.append(("create", "annotation", item.id, None, _encode_json(row).decode("utf-8")))
        if rows:
            columns = list(_Placer.COLUMNS)
            conn.executemany(
                f"INSERT INTO annotations ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                map(itemgetter(*columns), rows))
            conn.executemany("INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)", tag_rows)
        report.imported = len(rows)
        _add_links(conn, incoming.links, events, report)
        _add_silences(conn, incoming.silences, matched, events, report)
        if events:
            store.log_events(events, actor=IMPORT_ACTOR)
    return report


def _existing_ids(conn, table: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for offset in range(0, len(ids), 500):
        chunk = ids[offset:offset + 500]
        found.update(row[0] for row in conn.execute(
            f"SELECT id FROM {table} WHERE id IN ({','.join('?' * len(chunk))})", chunk))
    return found


def _match_sources(conn, sources: dict[str, IncomingSource]) -> dict[str, int | None]:
    """The database source for each of the file's: same path, else same file name, else same text, else URL."""
    stored = conn.execute(
        "SELECT s.id, s.path, s.url, v.content_hash FROM sources s "
        "LEFT JOIN source_versions v ON v.id = s.current_version_id").fetchall()
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
                c for c in candidates if c in by_hash.get(digest, [])]
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


def _ensure_tags(conn, defined: list[IncomingTag], items: list[IncomingAnnotation],
                 events: list, report: ImportReport) -> dict[str, tuple[int, str]]:
    """(id, stored name) by folded name for every tag the file defines or uses, creating the missing ones."""
    known = {name.casefold(): (tag_id, name) for tag_id, name in conn.execute("SELECT id, name FROM tags")}
    definitions = {tag.name.casefold(): tag for tag in defined}
    wanted = dict.fromkeys(list(definitions) + [n.casefold() for item in items for n in item.tags])
    position = conn.execute("SELECT coalesce(max(position), -1) FROM tags").fetchone()[0]
    for folded in wanted:
        if folded in known:
            continue
        definition = definitions.get(folded)
        name = definition.name if definition else next(
            n for item in items for n in item.tags if n.casefold() == folded)
        position += 1
        row = {"name": name, "colour": _colour(definition.colour if definition else "", len(known)),
               "description": definition.description if definition else "", "position": position,
               "created": now()}
        tag_id = conn.execute(
            "INSERT INTO tags (name, colour, description, position, created) VALUES (?, ?, ?, ?, ?)",
            [row["name"], row["colour"], row["description"], row["position"], row["created"]]).lastrowid
        known[folded] = (tag_id, name)
        report.tags_added += 1
        events.append(("create", "tag", tag_id, None, {"id": tag_id, **row, "annotation_ids": []}))
    return known


def _colour(colour: str, index: int) -> str:
    from rich.color import Color, ColorParseError

    try:
        return Color.parse(colour.strip()).get_truecolor().hex if colour.strip() else TAG_PALETTE[index % len(TAG_PALETTE)]
    except ColorParseError:
        return TAG_PALETTE[index % len(TAG_PALETTE)]


class _Placer:
    """Turns an incoming annotation into a row: which stored text it was made on, where it sits now."""

    COLUMNS = ("id", "source_id", "version_id", "position_start", "position_end", "quote", "prefix", "suffix",
               "note", "author", "created", "updated", "anchor_status", "anchor_version_id", "anchor_start",
               "anchor_end", "anchor_score")

    def __init__(self, conn, sources: dict[str, IncomingSource], matched: dict[str, int | None]) -> None:
        self.conn = conn
        self.sources = sources
        self.matched = matched
        self._current: dict[int, tuple[int, str]] = {}
        self._versions: dict[int, dict[str, int]] = {}

    def current(self, source_id: int) -> tuple[int, str]:
        if source_id not in self._current:
            self._current[source_id] = self.conn.execute(
                "SELECT v.id, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
                "WHERE s.id = ?", [source_id]).fetchone()
        return self._current[source_id]

    def version_for(self, source_id: int, item: IncomingAnnotation) -> int | None:
        """The stored version with the text item was made on, storing it from the file if need be."""
        if not item.version_hash:
            return None
        versions = self._versions.get(source_id)
        if versions is None:
            versions = self._versions[source_id] = {digest: version_id for version_id, digest in self.conn.execute(
                "SELECT id, content_hash FROM source_versions WHERE source_id = ?", [source_id])}
        if item.version_hash in versions:
            return versions[item.version_hash]
        text = self.sources[item.source_key].versions.get(item.version_hash)
        if text is None or content_hash(text) != item.version_hash:
            return None
        version_id = self.conn.execute(
            "INSERT INTO source_versions (source_id, content_hash, text, length, loaded) VALUES (?, ?, ?, ?, ?)",
            [source_id, item.version_hash, text, len(text), now()]).lastrowid
        versions[item.version_hash] = version_id
        return version_id

    def place(self, item: IncomingAnnotation) -> dict[str, Any]:
        source_id = self.matched[item.source_key]
        current_id, text = self.current(source_id)
        version_id = self.version_for(source_id, item)
        made_on_current = version_id is None or version_id == current_id
        if made_on_current and text[item.start:item.end] == item.quote:
            status, start, end, score = "anchored", item.start, item.end, 100.0
        else:
            found = anchor(text, Selector(item.start, item.end, item.quote, item.prefix, item.suffix))
            status, start, end, score = found.status, found.start, found.end, found.score
        return {
            "id": item.id, "source_id": source_id, "version_id": version_id or current_id,
            "position_start": item.start, "position_end": item.end, "quote": item.quote, "prefix": item.prefix,
            "suffix": item.suffix, "note": item.note, "author": item.author, "created": item.created,
            "updated": item.updated, "anchor_status": status, "anchor_version_id": current_id,
            "anchor_start": start, "anchor_end": end, "anchor_score": score,
        }


def _add_links(conn, links: list[IncomingLink], events: list, report: ImportReport) -> None:
    """Links whose two ends are in the database and that it does not have yet (in either direction for csv)."""
    ends = _existing_ids(conn, "annotations", list({i for link in links for i in (link.from_id, link.to_id)}))
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
            [link.id, *key, int(not link.directed), *reverse]).fetchone()
        if clash:
            continue
        row = {"id": link.id or uuid.uuid5(_ID_NAMESPACE, ":".join(sorted(key[:2])) + ":" + link.kind).hex,
               "from_annotation": link.from_id, "to_annotation": link.to_id, "kind": link.kind,
               "created": link.created or now()}
        conn.execute("INSERT INTO links (id, from_annotation, to_annotation, kind, created) "
                     "VALUES (:id, :from_annotation, :to_annotation, :kind, :created)", row)
        events.append(("create", "link", row["id"], None, row))
        report.links_added += 1
    if missing:
        report.problems.append(f"{missing} links not imported: an annotation they join is not in the database")


def _add_silences(conn, silences: list[IncomingSilence], matched: dict[str, int | None], events: list,
                  report: ImportReport) -> None:
    """Silent marks whose annotation and source are both in the database and that it does not have yet."""
    present = _existing_ids(conn, "annotations", list({s.annotation_id for s in silences}))
    for silence in silences:
        source_id = matched.get(silence.source_key)
        if source_id is None or silence.annotation_id not in present:
            continue
        row = {"annotation_id": silence.annotation_id, "source_id": source_id,
               "marked": silence.marked or now(), "author": silence.author}
        cursor = conn.execute("INSERT OR IGNORE INTO silences (annotation_id, source_id, marked, author) "
                              "VALUES (:annotation_id, :source_id, :marked, :author)", row)
        if cursor.rowcount == 1:
            events.append(("create", "silence", f"{silence.annotation_id}:{source_id}", None, row))
            report.silences_added += 1
