"""Plain records passed between the layers: sources, annotations, tags, links."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class AnchorStatus(StrEnum):
    """How an annotation's quote was placed on its source's current text (reader.anchoring)."""

    ANCHORED = "anchored"  # found where it was, or exactly once
    FUZZY = "fuzzy"  # found with a few words changed
    AMBIGUOUS = "ambiguous"  # found more than once; the copy nearest the old position is taken
    ORPHANED = "orphaned"  # not found: kept at its old offsets, which point into an older text


class LinkKind(StrEnum):
    """What a link between two annotations says: the same claim, or one supporting or contradicting the other."""

    SAME = "same"
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"


class ClaimStatus(StrEnum):
    """A source's standing on a claim, read relative to the claim's first appearance (reader.claims)."""

    PRESENT = "present"  # the same claim
    DIFFERS = "differs"  # the same claim with a different figure, name or quotation
    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    SILENT = "silent"  # checked, and not there
    ABSENT = "absent"  # not found yet


class SuggestionStatus(StrEnum):
    """Who put a passage in an alignment cluster: the user's own links, or the aligner."""

    CONFIRMED = "confirmed"
    SUGGESTED = "suggested"


class EvidenceKind(StrEnum):
    """What a piece of a verdict's evidence is: a web address, or an annotation in the database."""

    URL = "url"
    ANNOTATION = "annotation"


class Decision(StrEnum):
    """A user's decision on a suggested pair, which the pair model learns from (reader.store.decisions)."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"


# The values as plain strings, for click.Choice (which shows an enum member by its name) and messages.
ANCHOR_STATUSES = tuple(status.value for status in AnchorStatus)
LINK_KINDS = tuple(kind.value for kind in LinkKind)


# A new database starts with these, in this order (keys 1-9 in the reader).
DEFAULT_TAGS = (
    ("claim", "#e5c07b", "A statement of fact the source makes"),
    ("quote", "#61afef", "Words attributed to someone"),
    ("number", "#d19a66", "A figure, amount or date"),
    ("attribution", "#56b6c2", "Who says so: a named or anonymous source"),
    ("opinion", "#c678dd", "A judgement rather than a fact"),
    ("error", "#e06c75", "Wrong, or contradicted by another source"),
    ("context", "#98c379", "Background the claim depends on"),
    ("question", "#abb2bf", "Needs checking"),
)


class ReaderError(Exception):
    """A problem the user can act on, explained in one line (StoreError, SourceError and kin derive from it)."""


@dataclass(frozen=True)
class Source:
    """One source file as the store knows it, with its current version's summary."""

    id: int
    path: str
    title: str
    outlet: str = ""
    author: str = ""
    published: str = ""
    url: str = ""
    words: int = 0
    annotations: int = 0
    version_id: int = 0
    warnings: tuple[str, ...] = ()
    read_fraction: float = 0.0

    @property
    def name(self) -> str:
        """The file name, the shortest way a user refers to a source."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Selector:
    """Where an annotation sits: W3C TextPositionSelector and TextQuoteSelector in one."""

    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""


@dataclass(slots=True)
class Annotation:
    """An annotation as it stands on its source's current text (start/end are the current anchor). Slotted:
    a claims list holds 100,000 of them, a third the memory and quicker to read and to free."""

    id: str
    source_id: int
    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    note: str = ""
    author: str = ""
    created: str = ""
    updated: str = ""
    anchor_status: AnchorStatus = AnchorStatus.ANCHORED
    tags: list[str] = field(default_factory=list)
    version_id: int = 0


@dataclass(frozen=True)
class Tag:
    """A tag with its display colour; position orders the tag bar and the 1-9 keys."""

    id: int
    name: str
    colour: str
    description: str = ""
    position: int = 0
    uses: int = 0


@dataclass(frozen=True)
class Link:
    """A directed link between two annotations: the same claim, or one supporting or contradicting the other."""

    id: str
    from_annotation: str
    to_annotation: str
    kind: LinkKind
    created: str = ""
    author: str = ""
