"""REFI-QDA: the exchange format of ATLAS.ti, MAXQDA, NVivo, QualCoder and other qualitative-analysis tools.

A .qdpx file is a zip: `project.qde` (QDA-XML, schema Project-mrt2019.xsd) and the sources as plain
UTF-8 text in `sources/`. The export writes users (annotation authors), the codebook (tags with colours
and descriptions), a TextSource per source with a PlainTextSelection per annotation (character offsets
on the current text) carrying its codings (tags) and a NoteRef to its note, and links as REFI Links
between selections. It streams: each text is read, written and dropped, and the XML goes out element by
element (lxml's xmlfile), so a thousand sources with a hundred thousand annotations fit in constant
memory. `.qdc` is the codebook alone. Import reads a project back into reader.imports' Incoming records
(ids kept, so importing twice adds nothing), after checking it against the schema.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from reader.files import atomic_output
from reader.metadata import METADATA_FIELDS
from reader.model import LINK_KINDS, LinkKind
from reader.store import Store, content_hash, now
from reader.store.exporting import AnnotationChoice

T = TypeVar("T")

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMA_FILE = Path(__file__).resolve().parent / "schemas" / "Project-mrt2019.xsd"
_NAMESPACE = uuid.UUID("b3f4a1d2-7c55-4e2b-9f0e-2a6d8c1e4b70")  # GUIDs for what has no uuid of its own
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HEX_ID = re.compile(r"[0-9a-f]{32}")
_GUID = re.compile(r"\{?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}?")
MAX_PROJECT_BYTES = 2 * 1024**3
LINK_DIRECTIONS = {LinkKind.SAME: "Bidirectional", LinkKind.SUPPORTS: "OneWay", LinkKind.CONTRADICTS: "OneWay"}


def xml_text(value: str) -> str:
    """Text XML 1.0 can hold: characters it forbids (most C0 controls, lone surrogates) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", value or "")


def guid_for(reader_id: str, kind: str = "") -> str:
    """A REFI GUID for a reader id: a uuid's own (32 hex digits), else a stable uuid5 of kind and id."""
    if not kind and _HEX_ID.fullmatch(reader_id):
        return str(uuid.UUID(reader_id))
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{reader_id}"))


def id_from_guid(guid: str) -> str:
    """The reader id for a REFI GUID: its 32 hex digits (what guid_for made of a reader id)."""
    match = _GUID.fullmatch(guid.strip())
    return "".join(match.groups()).lower() if match else guid


def _q(name: str) -> str:
    return f"{{{PROJECT_NS}}}{name}"


def _stamp(value: str) -> str:
    """An xsd:dateTime from a stored timestamp (already ISO 8601 UTC); now() if empty."""
    return value or now()


# --- export ------------------------------------------------------------------------------------------


def _tags(store: Store) -> list[dict[str, Any]]:
    return store.codebook()


def _code_element(tag: dict[str, Any], namespace: str):
    from lxml import etree

    attributes = {"guid": guid_for(tag["name"].casefold(), "tag"), "name": xml_text(tag["name"]), "isCodable": "true"}
    if re.fullmatch(r"#[0-9a-fA-F]{6}", tag["colour"] or ""):
        attributes["color"] = tag["colour"]
    code = etree.Element(f"{{{namespace}}}Code", attributes)
    if tag["description"]:
        etree.SubElement(code, f"{{{namespace}}}Description").text = xml_text(tag["description"])
    return code


def write_qdpx(
    store: Store,
    stream,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """Write a .qdpx archive to a binary stream (seekable); returns the number of annotations (selections)."""
    from lxml import etree

    choice = store.annotation_choice(source_ids, tags, authors)
    sources = store.current_sources(source_ids)
    author_names = store.annotation_authors(choice)
    count = 0
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for source in sources:  # one text in memory at a time
            text = store.text(source["id"])
            archive.writestr(f"sources/{guid_for(source['path'], 'source')}.txt", text.encode("utf-8", "surrogatepass"))
            del text
        with archive.open("project.qde", "w", force_zip64=True) as raw, etree.xmlfile(raw, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element(
                _q("Project"),
                nsmap={None: PROJECT_NS},
                attrib={"name": "reader export", "origin": "reader", "creationDateTime": now()},
            ):
                if author_names:
                    users = etree.Element(_q("Users"))
                    for author in author_names:
                        etree.SubElement(users, _q("User"), guid=guid_for(author, "user"), name=xml_text(author))
                    xf.write(users)
                codebook_tags = _tags(store)
                if codebook_tags:
                    codebook = etree.Element(_q("CodeBook"))
                    codes = etree.SubElement(codebook, _q("Codes"))
                    for tag in codebook_tags:
                        codes.append(_code_element(tag, PROJECT_NS))
                    xf.write(codebook)
                if sources:
                    with xf.element(_q("Sources")):
                        for source in sources:
                            count += _write_text_source(xf, store, source, choice)
                _write_notes(xf, store, choice)
                _write_links(xf, store, choice)
    return count


def _write_text_source(xf, store: Store, source: dict[str, Any], choice: AnnotationChoice) -> int:
    from lxml import etree

    guid = guid_for(source["path"], "source")
    attributes = {
        "guid": guid,
        "name": xml_text(Path(source["path"]).name),
        "plainTextPath": f"internal://{guid}.txt",
        "creationDateTime": _stamp(source["added"]),
    }
    count = 0
    with xf.element(_q("TextSource"), attrib=attributes):
        described = "\n".join(
            f"{key}: {source[key]}" for key in ("title", "outlet", "author", "published", "url") if source[key]
        )
        if described:
            element = etree.Element(_q("Description"))
            element.text = xml_text(described)
            xf.write(element)
        cursor = store.placed_annotation_rows(source["id"], choice)
        for annotation_id, start, end, quote, note, author, created, updated, tag_names in cursor:
            selection = etree.Element(
                _q("PlainTextSelection"),
                {
                    "guid": guid_for(annotation_id),
                    "name": xml_text(" ".join(quote.split())[:200]),
                    "startPosition": str(start),
                    "endPosition": str(end),
                    "creationDateTime": _stamp(created),
                    "modifiedDateTime": _stamp(updated),
                },
            )
            if author:
                selection.set("creatingUser", guid_for(author, "user"))
            for name in filter(None, (tag_names or "").split(";")):
                coding = etree.SubElement(
                    selection,
                    _q("Coding"),
                    guid=guid_for(f"{annotation_id}:{name.casefold()}", "coding"),
                    creationDateTime=_stamp(created),
                )
                if author:
                    coding.set("creatingUser", guid_for(author, "user"))
                etree.SubElement(coding, _q("CodeRef"), targetGUID=guid_for(name.casefold(), "tag"))
            if note:
                etree.SubElement(selection, _q("NoteRef"), targetGUID=guid_for(annotation_id, "note"))
            xf.write(selection)
            count += 1
    return count


def _write_notes(xf, store: Store, choice: AnnotationChoice) -> None:
    from lxml import etree

    rows = _rows_if_any(store.placed_note_rows(choice))
    if rows is None:
        return
    with xf.element(_q("Notes")):
        for annotation_id, note, author, created in rows:
            element = etree.Element(
                _q("Note"), guid=guid_for(annotation_id, "note"), name="note", creationDateTime=_stamp(created)
            )
            if author:
                element.set("creatingUser", guid_for(author, "user"))
            etree.SubElement(element, _q("PlainTextContent")).text = xml_text(note)
            xf.write(element)


def _write_links(xf, store: Store, choice: AnnotationChoice) -> None:
    from lxml import etree

    rows = _rows_if_any(store.placed_link_rows(choice))
    if rows is None:
        return
    with xf.element(_q("Links")):
        for link_id, from_id, to_id, kind in rows:
            xf.write(
                etree.Element(
                    _q("Link"),
                    guid=guid_for(link_id),
                    name=kind,
                    direction=LINK_DIRECTIONS.get(kind, "Associative"),
                    originGUID=guid_for(from_id),
                    targetGUID=guid_for(to_id),
                )
            )


def _rows_if_any(rows: Iterator[T]) -> Iterator[T] | None:
    """rows, or None when there are none (so no empty Notes or Links element is written)."""
    first = next(rows, None)
    return None if first is None else chain([first], rows)


def write_qdc(store: Store, stream) -> int:
    """The codebook alone (.qdc): every tag as a Code with its colour and description; returns the count."""
    from lxml import etree

    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin="reader")
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    tags = _tags(store)
    for tag in tags:
        codes.append(_code_element(tag, CODEBOOK_NS))
    stream.write(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
    return len(tags)


def _atomic_binary(path: Path, force: bool, write) -> int:
    """Run write(stream) on a temporary file beside path, then move it into place (never half a file)."""
    from reader.exports import ExportError

    with atomic_output(path, force=force, error=ExportError, binary=True) as stream:
        return write(stream)


def write_qdpx_file(
    store: Store,
    path: Path,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    force: bool = False,
    authors: list[str] | None = None,
) -> int:
    return _atomic_binary(path, force, lambda stream: write_qdpx(store, stream, source_ids, tags, authors))


def write_qdc_file(
    store: Store,
    path: Path,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    force: bool = False,
    authors: list[str] | None = None,
) -> int:
    return _atomic_binary(path, force, lambda stream: write_qdc(store, stream))


# --- import ------------------------------------------------------------------------------------------


def project_schema():
    """The REFI-QDA project schema (Project-mrt2019.xsd, MIT licence, shipped in reader/schemas)."""
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(SCHEMA_FILE)))


def read_qdpx(path: Path):
    """A .qdpx file as reader.imports.Incoming records; ImportFileError (one line) if it is not a zip, has no
    project.qde, fails the schema, or points outside its texts."""
    from lxml import etree

    from reader.anchoring import make_selector
    from reader.imports import (
        ImportFileError,
        Incoming,
        IncomingAnnotation,
        IncomingLink,
        IncomingSource,
        IncomingTag,
    )

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ImportFileError(f"{path} is not a REFI-QDA project: not a zip file") from None
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error.strerror or error}") from None
    with archive:
        names = set(archive.namelist())
        if "project.qde" not in names:
            raise ImportFileError(f"{path} is a zip but not a REFI-QDA project: it has no project.qde")
        if archive.getinfo("project.qde").file_size > MAX_PROJECT_BYTES:
            raise ImportFileError(f"{path}: project.qde is larger than 2 GB")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=True)
        try:
            with archive.open("project.qde") as raw:
                document = etree.parse(raw, parser)
        except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError) as error:
            raise ImportFileError(f"{path}: project.qde is not readable XML ({str(error)[:100]})") from None
        schema = project_schema()
        if not schema.validate(document):
            problem = schema.error_log.last_error
            raise ImportFileError(
                f"{path}: project.qde does not match the REFI-QDA schema (line {problem.line}: {problem.message[:120]})"
            )
        root = document.getroot()
        ns = {"q": PROJECT_NS}
        users = {user.get("guid"): user.get("name") or "" for user in root.iterfind("q:Users/q:User", ns)}
        codes: dict[str, str] = {}
        incoming = Incoming("qdpx")
        for code in root.iter(_q("Code")):
            codes[code.get("guid")] = code.get("name")
            description = code.findtext("q:Description", default="", namespaces=ns)
            colour = code.get("color") or ""
            incoming.tags.append(IncomingTag(code.get("name"), colour if len(colour) == 7 else "", description))
        notes = {
            note.get("guid"): note.findtext("q:PlainTextContent", default="", namespaces=ns)
            for note in root.iterfind("q:Notes/q:Note", ns)
        }
        for source in root.iterfind("q:Sources/q:TextSource", ns):
            text = _source_text(archive, names, source, path, ns)
            guid = source.get("guid")
            digest = content_hash(text)
            name = source.get("name") or guid
            incoming.sources[guid] = IncomingSource(
                key=guid,
                path=name,
                content_hash=digest,
                title=name,
                versions={digest: text},
                stated_metadata=_described_metadata(source.findtext("q:Description", default="", namespaces=ns)),
            )
            for selection in source.iterfind("q:PlainTextSelection", ns):
                start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
                if not 0 <= start < end <= len(text):
                    raise ImportFileError(
                        f"{path}: selection {selection.get('guid')} ({start}-{end}) is outside "
                        f"the text of {name} (0-{len(text)})"
                    )
                selector = make_selector(text, start, end)
                tag_names = [
                    codes[ref.get("targetGUID")]
                    for ref in selection.iterfind("q:Coding/q:CodeRef", ns)
                    if ref.get("targetGUID") in codes
                ]
                note = "\n\n".join(
                    notes[ref.get("targetGUID")]
                    for ref in selection.iterfind("q:NoteRef", ns)
                    if ref.get("targetGUID") in notes
                )
                created = selection.get("creationDateTime") or now()
                incoming.annotations.append(
                    IncomingAnnotation(
                        id=id_from_guid(selection.get("guid")),
                        source_key=guid,
                        start=start,
                        end=end,
                        quote=selector.quote,
                        prefix=selector.prefix,
                        suffix=selector.suffix,
                        note=note,
                        author=users.get(selection.get("creatingUser"), ""),
                        created=created,
                        updated=selection.get("modifiedDateTime") or created,
                        tags=list(dict.fromkeys(tag_names)),
                        version_hash=digest,
                    )
                )
        for link in root.iterfind("q:Links/q:Link", ns):
            origin, target = link.get("originGUID"), link.get("targetGUID")
            if origin and target:
                kind = link.get("name") if link.get("name") in LINK_KINDS else LinkKind.SAME
                incoming.links.append(
                    IncomingLink(
                        id_from_guid(origin), id_from_guid(target), kind, id_from_guid(link.get("guid")), now()
                    )
                )
    return incoming


def _described_metadata(description: str) -> dict[str, str]:
    """The metadata a TextSource's Description states as the export writes it ('outlet: Reuters' a line);
    other lines (another tool's description) are left alone."""
    stated = {}
    for line in description.splitlines():
        key, colon, value = line.partition(": ")
        if colon and key in METADATA_FIELDS and value.strip():
            stated[key] = value.strip()
    return stated


def _source_text(archive: zipfile.ZipFile, names: set[str], source, path: Path, ns: dict[str, str]) -> str:
    from reader.imports import ImportFileError

    content = source.findtext("q:PlainTextContent", default=None, namespaces=ns)
    if content is not None:
        return content
    where = source.get("plainTextPath") or ""
    if where.startswith("internal://"):
        member = "sources/" + where.removeprefix("internal://")
        if member in names:
            try:
                return archive.read(member).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ImportFileError(f"{path}: {member} is not UTF-8 text") from None
    raise ImportFileError(
        f"{path}: the text of source {source.get('name') or source.get('guid')!r} is not in the "
        f"project ({where[:80] or 'no plainTextPath'})"
    )
