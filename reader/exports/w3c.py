"""W3C Web Annotation JSON-LD: an AnnotationCollection of the annotations, and the links as linking
annotations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TextIO

from reader.exports.lossless import _dump, _generator
from reader.store import Store, now

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def annotation_iri(annotation_id: str) -> str:
    """urn:uuid: IRI for a reader annotation id (32 hex digits); other ids are IRIs already."""
    if re.fullmatch(r"[0-9a-f]{32}", annotation_id):
        h = annotation_id
        return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return annotation_id


def source_iri(path: str, url: str = "") -> str:
    """The file URI of a source (the text the offsets count in)."""
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate.as_uri()
    return url or path


def write_w3c(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """An AnnotationCollection: tags as tagging bodies, notes as commenting bodies, quote and position
    selectors on the source file; each link is an Annotation of its own with motivation "linking"."""
    urls = store.source_urls()
    described = {row[0]: _w3c_source_metadata(*row[1:]) for row in store.source_descriptions()}
    out.write("{\n" + f' "@context": {_dump(W3C_CONTEXT)},\n "type": "AnnotationCollection",\n')
    out.write(f' "label": "reader annotations",\n "generator": {_dump(_generator())},\n "generated": {_dump(now())},\n')
    out.write(' "first": {\n  "type": "AnnotationPage",\n  "startIndex": 0,\n  "items": [')
    count = 0
    for count, row in enumerate(
        store.iter_annotation_rows(source_ids=source_ids or None, tags=tags or None, authors=authors), 1
    ):
        record = _w3c_annotation(row, urls.get(row["source_id"], ""))
        record["target"].update(described.get(row["source_id"], {}))
        out.write(("\n   " if count == 1 else ",\n   ") + _dump(record))
    link_cursor = store.link_rows(store.annotation_choice(source_ids, tags, authors), with_author=False)
    total = count
    for link in link_cursor:
        total += 1
        out.write(("\n   " if total == 1 else ",\n   ") + _dump(_w3c_link(*link)))
    out.write(f'\n  ]\n }},\n "total": {total}\n}}\n')
    return count


DCTERMS = "http://purl.org/dc/terms/"


def _w3c_source_metadata(title: str, outlet: str, author: str, published: str) -> dict[str, str]:
    """The source's metadata as Dublin Core terms on the target, by full IRI (the annotation context
    has no terms for them; full IRIs expand without a context of our own)."""
    pairs = (("title", title), ("publisher", outlet), ("creator", author), ("issued", published))
    return {DCTERMS + term: value for term, value in pairs if value}


def _w3c_annotation(row: dict[str, Any], url: str) -> dict[str, Any]:
    tag_names = [t for t in (row["tags"] or "").split(";") if t]
    bodies: list[dict[str, Any]] = [{"type": "TextualBody", "purpose": "tagging", "value": name} for name in tag_names]
    if row["note"]:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": row["note"], "format": "text/plain"})
    motivation = "commenting" if row["note"] else "tagging" if tag_names else "highlighting"
    target: dict[str, Any] = {
        "type": "SpecificResource",
        "source": source_iri(row["source_path"], url),
        "selector": [
            {"type": "TextQuoteSelector", "exact": row["quote"], "prefix": row["prefix"], "suffix": row["suffix"]},
            {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
        ],
    }
    if url:
        target["scope"] = url
    record: dict[str, Any] = {
        "id": annotation_iri(row["id"]),
        "type": "Annotation",
        "motivation": motivation,
        "created": row["created"],
        "modified": row["updated"],
    }
    if row["author"]:
        record["creator"] = {"type": "Person", "name": row["author"]}
    if bodies:
        record["body"] = bodies
    record["target"] = target
    return record


def _w3c_link(link_id: str, from_annotation: str, to_annotation: str, kind: str, created: str) -> dict[str, Any]:
    """A link as an Annotation: the linked-to annotation is the body, the kind a classifying body."""
    return {
        "id": annotation_iri(link_id),
        "type": "Annotation",
        "motivation": "linking",
        "created": created,
        "body": [
            {"type": "SpecificResource", "purpose": "linking", "source": annotation_iri(to_annotation)},
            {"type": "TextualBody", "purpose": "classifying", "value": kind},
        ],
        "target": annotation_iri(from_annotation),
    }
