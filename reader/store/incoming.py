"""What an import brings, whatever the file's format (reader JSON, W3C, CSV, REFI-QDA): the records the
store's bulk import (reader.store.bulk) takes, and the report of what it did.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.store.connection import StoreError
from reader.text import plural

# Stable ids for records that have none (W3C annotations by IRI, links by their ends and kind).
ID_NAMESPACE = uuid.UUID("6f1c2a1e-5d0b-4f6e-9a43-7d1c0c3b8e52")


class ImportRefused(StoreError):
    """Records that cannot be imported (an offset past the end of the text they were made on), explained in
    one line; nothing was written. reader.imports names the file in its ImportFileError."""


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
    # What the file states the source's metadata was (a qdpx Description, the CSV's source_* columns), not
    # saying who set it: the values that differ from the database's become the user's own.
    stated_metadata: dict[str, str] = field(default_factory=dict)

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
class IncomingDecision:
    """A decision on a suggested pair: each passage as (the file's source key, start, end, quote)."""

    decision: str
    a: tuple[str, int, int, str]
    b: tuple[str, int, int, str]
    features: list[float] = field(default_factory=list)
    author: str = ""
    decided: str = ""


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
    decisions: list[IncomingDecision] = field(default_factory=list)


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
    decisions_added: int = 0
    claims_recorded: int = 0  # claims whose verdict, evidence or own wording the import brought
    metadata_set: int = 0  # sources whose metadata the import set (as the exporting user had it)
    reanchored: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    missing_sources: int = 0  # annotations left out because their source is not in the database

    @property
    def failed(self) -> bool:
        """Nothing of the file is in the database because its sources are not: the import did not work."""
        return self.missing_sources > 0 and self.imported + self.already_present == 0

    def summary(self) -> str:
        text = f"imported {plural(self.imported, 'annotation')}"
        if self.already_present:
            text += f" ({self.already_present:,} already present)"
        text += f", {plural(self.links_added, 'link')}, {plural(self.tags_added, 'new tag')}"
        if self.silences_added:
            text += f", {plural(self.silences_added, 'silent mark')}"
        if self.decisions_added:
            text += f", {plural(self.decisions_added, 'pair decision')}"
        if self.claims_recorded:
            text += f", {plural(self.claims_recorded, 'claim record')} (verdict, evidence, wording)"
        if self.metadata_set:
            text += f", the metadata of {plural(self.metadata_set, 'source')}"
        text += f" from {self.path.name} ({self.format})"
        if self.reanchored:
            text += "; re-anchored on changed text: " + ", ".join(
                f"{count} {status}" for status, count in sorted(self.reanchored.items())
            )
        return text
