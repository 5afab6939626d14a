"""The reader's own JSON export read back: its schema, validated by msgspec (which names the offending field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import msgspec

from reader.exports import JSON_FORMAT_VERSION
from reader.importing import ImportFileError
from reader.store.incoming import (
    Incoming,
    IncomingAnnotation,
    IncomingDecision,
    IncomingLink,
    IncomingSilence,
    IncomingSource,
    IncomingTag,
)


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


class _JsonPassage(msgspec.Struct):
    source: int
    start: int
    end: int
    quote: str
    text_hash: str = ""


class _JsonDecision(msgspec.Struct):
    decision: Literal["confirmed", "rejected"]
    a: _JsonPassage
    b: _JsonPassage
    features: list[float] = []
    author: str = ""
    decided: str = ""


class _JsonExport(msgspec.Struct):
    format: str
    format_version: int
    sources: list[_JsonSource]
    annotations: list[_JsonAnnotation]
    tags: list[_JsonTag] = []
    links: list[_JsonLink] = []
    silences: list[_JsonSilence] = []
    claims: list[Any] = []  # claims with their text and verdict (reader.store.bulk.import_claims checks them)
    decisions: list[_JsonDecision] = []  # decisions on suggested pairs (reader.store.decisions places them)


def _invalid(path: Path, error: msgspec.ValidationError) -> ImportFileError:
    return ImportFileError(f"{path} does not match the export format: {error}")


def read_reader_json(path: Path, data: bytes) -> Incoming:
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
    for decision in export.decisions:
        for passage in (decision.a, decision.b):
            if str(passage.source) not in incoming.sources:
                raise ImportFileError(
                    f"{path}: a pair decision refers to source {passage.source}, which the file does not list"
                )
        incoming.decisions.append(
            IncomingDecision(
                decision.decision,
                (str(decision.a.source), decision.a.start, decision.a.end, decision.a.quote),
                (str(decision.b.source), decision.b.start, decision.b.end, decision.b.quote),
                list(decision.features),
                decision.author,
                decision.decided,
            )
        )
    return incoming
