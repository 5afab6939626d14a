"""W3C Web Annotations read back: a collection (with embedded pages), a page, one annotation or a list,
the subset the reader writes and common tools do (quote and position selectors, tagging and commenting
bodies, linking annotations)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import msgspec

from reader.importing import ImportFileError
from reader.model import LINK_KINDS, LinkKind
from reader.store import now
from reader.store.incoming import ID_NAMESPACE, Incoming, IncomingAnnotation, IncomingLink, IncomingSource


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
    # the source's metadata as the export writes it on a target (Dublin Core terms by full IRI; another
    # tool's non-string values are left out, not refused)
    dc_title: Any = msgspec.field(default="", name="http://purl.org/dc/terms/title")
    dc_publisher: Any = msgspec.field(default="", name="http://purl.org/dc/terms/publisher")
    dc_creator: Any = msgspec.field(default="", name="http://purl.org/dc/terms/creator")
    dc_issued: Any = msgspec.field(default="", name="http://purl.org/dc/terms/issued")


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
    return uuid.uuid5(ID_NAMESPACE, iri).hex


def _path_from_iri(iri: str) -> str:
    parsed = urlparse(iri)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    return "" if parsed.scheme else iri


def read_w3c(path: Path, data: bytes) -> Incoming:
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
            stated = {
                "title": target.dc_title,
                "outlet": target.dc_publisher,
                "author": target.dc_creator,
                "published": target.dc_issued,
                "url": target.scope or "",
            }
            incoming.sources[source_iri] = IncomingSource(
                key=source_iri,
                path=_path_from_iri(source_iri),
                url=target.scope or (source_iri if urlparse(source_iri).scheme in ("http", "https") else ""),
                stated_metadata={key: value for key, value in stated.items() if value and isinstance(value, str)},
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
        LinkKind.SAME,
    )
    link_id = annotation_id_from_iri(item.id) if item.id else ""
    return IncomingLink(
        annotation_id_from_iri(target), annotation_id_from_iri(linked), kind, link_id, item.created or now()
    )
