"""What alignment returns: the records (sources, members, clusters, differences, repeats), the Alignment with
its lookup by offset, and their plain-data (JSON) form for the command line and exports.

Every offset is a code point into the source's canonical text, the same offset space as the store, the
anchors and the views.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from reader.align import tuning
from reader.align.figures import figures, figures_differ
from reader.collector import paused_gc
from reader.model import SuggestionStatus
from reader.text import Span


@dataclass(frozen=True)
class SourceText:
    """One input to the aligner: a source's id, path and canonical text."""

    source_id: Hashable
    path: str
    text: str


@dataclass(frozen=True)
class Member:
    """A passage in a cluster: text == source text[start:end]; score is its best accepted link (0..1+)."""

    source_id: Hashable
    source_path: str
    start: int
    end: int
    text: str
    score: float
    repeat: bool = False  # the source states this passage again elsewhere (another member of its source)
    status: str = SuggestionStatus.SUGGESTED  # "confirmed": joined by the user's own links; "suggested": by the aligner
    confidence: float | None = (
        None  # P(same claim) of its best pair in the cluster (reader.align.learn); None: not assessed
    )
    link_kind: str = ""  # for a confirmed member: the kind of the user's link ("same", "supports", "contradicts")


@dataclass(frozen=True)
class WordChange:
    """Words that differ between two aligned passages, as offsets into each source's text.

    op is "replace", "insert" (words only in b) or "delete" (words only in a); emphasis names what makes
    the change matter: "number", "name" and/or "quote".
    """

    op: str
    a_start: int
    a_end: int
    a_text: str
    b_start: int
    b_end: int
    b_text: str
    emphasis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Difference:
    """The word-level differences of cluster member `member` against member `reference` (indices)."""

    reference: int
    member: int
    changes: tuple[WordChange, ...]

    @property
    def numbers_differ(self) -> bool:
        """True when a number or amount differs: the passages agree on the claim but not on its figures."""
        return any("number" in change.emphasis for change in self.changes)


@dataclass(frozen=True)
class Cluster:
    """Passages of different sources that make the same claim, with the differences against member 0."""

    id: int
    members: tuple[Member, ...]
    differences: tuple[Difference, ...]

    @property
    def source_ids(self) -> list[Hashable]:
        return list(dict.fromkeys(member.source_id for member in self.members))

    @property
    def status(self) -> str:
        """ "confirmed" when the user linked its passages, else "suggested"."""
        if all(member.status == SuggestionStatus.CONFIRMED for member in self.members):
            return SuggestionStatus.CONFIRMED
        return SuggestionStatus.SUGGESTED

    @property
    def confidence(self) -> float | None:
        """The weakest member's confidence (1.0 for a confirmed cluster); None if not assessed."""
        values = [1.0 if m.status == SuggestionStatus.CONFIRMED else m.confidence for m in self.members]
        assessed = [value for value in values if value is not None]
        return round(min(assessed), 3) if len(assessed) == len(values) else None


@dataclass(frozen=True)
class Repeat:
    """A passage a source states again: `again` repeats `first` (both spans in the same text)."""

    source_id: Hashable
    source_path: str
    first: Span
    again: Span
    text: str


@dataclass(frozen=True)
class AlignmentHit:
    """What sits under an offset: the cluster, which member holds it, and the counterpart members."""

    cluster: Cluster
    member: Member
    counterparts: tuple[Member, ...]


@dataclass
class Alignment:
    """The result of align_sources: clusters, unique passages and repeats per source, and a lookup.

    `at(source_id, offset)` answers "which cluster and counterparts are under this cursor" in O(log n),
    for a synchronised cursor.
    """

    clusters: list[Cluster]
    unique: dict[Hashable, list[Span]]
    repeats: dict[Hashable, list[Repeat]]
    _index: dict[Hashable, tuple[list[int], list[tuple[int, int, int]]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_source: dict[Hashable, list[tuple[int, int, int, int]]] = defaultdict(list)
        for cluster_index, cluster in enumerate(self.clusters):
            for member_index, member in enumerate(cluster.members):
                by_source[member.source_id].append((member.start, member.end, cluster_index, member_index))
        for source_id, rows in by_source.items():
            rows.sort()
            self._index[source_id] = ([row[0] for row in rows], [row[1:] for row in rows])

    def at(self, source_id: Hashable, offset: int) -> AlignmentHit | None:
        """The aligned passage of source_id that contains offset, with its counterparts; None if unaligned."""
        starts, rows = self._index.get(source_id, ([], []))
        position = bisect.bisect_right(starts, offset) - 1
        # Members of one source never overlap, but look back a little in case a clause ends before offset.
        for index in range(position, max(-1, position - tuning.LOOKUP_LOOKBACK), -1):
            end, cluster_index, member_index = rows[index]
            if starts[index] <= offset < end:
                cluster = self.clusters[cluster_index]
                member = cluster.members[member_index]
                counterparts = tuple(m for m in cluster.members if m.source_id != source_id)
                return AlignmentHit(cluster, member, counterparts)
        return None

    def cluster(self, cluster_id: int) -> Cluster:
        """The cluster with this id."""
        return self.clusters[cluster_id - 1]

    def passages(self, source_id: Hashable) -> list[tuple[int, int, str, int | None]]:
        """Every marked span of one source in text order, as (start, end, kind, cluster id) with kind
        "aligned", "unique" or "repeat": the overlay a document view draws."""
        spans: list[tuple[int, int, str, int | None]] = []
        starts, rows = self._index.get(source_id, ([], []))
        for start, (end, cluster_index, _) in zip(starts, rows):
            spans.append((start, end, "aligned", self.clusters[cluster_index].id))
        spans.extend((start, end, "unique", None) for start, end in self.unique.get(source_id, []))
        spans.extend((r.again[0], r.again[1], "repeat", None) for r in self.repeats.get(source_id, []))
        return sorted(spans, key=lambda span: (span[0], span[1]))


# --- plain data for the command line and exports --------------------------------------------------------


def alignment_to_json(alignment: Alignment) -> dict:
    """Clusters (id, members, differences), unique passages and repeats as JSON-ready dicts."""
    with paused_gc():  # a million small dicts, none in a cycle: the collector would rescan the clauses held
        return _alignment_dicts(alignment, _unique_dicts)


def alignment_to_msgspec(alignment: Alignment) -> dict:
    """What alignment_to_json gives, for msgspec to encode: each unique passage a UniqueSpan, which it writes as
    that dict (a million-line source has a million unique passages: as dicts, 0.1 s and 200 MB more)."""
    with paused_gc():
        return _alignment_dicts(alignment, _unique_structs)


def _alignment_dicts(alignment: Alignment, unique: Callable[[Hashable, list[Span]], list]) -> dict:
    return {
        "clusters": [cluster_to_json(cluster) for cluster in alignment.clusters],
        "unique": [span for source_id, spans in alignment.unique.items() for span in unique(source_id, spans)],
        "repeats": [
            {
                "source_id": r.source_id,
                "source_path": r.source_path,
                "first": list(r.first),
                "again": list(r.again),
                "text": r.text,
            }
            for repeats in alignment.repeats.values()
            for r in repeats
        ],
    }


def _unique_dicts(source_id: Hashable, spans: list[Span]) -> list[dict]:
    return [{"source_id": source_id, "start": s, "end": e} for s, e in spans]


class UniqueSpan(msgspec.Struct, gc=False):
    """A unique passage as msgspec writes it: {"source_id": ..., "start": ..., "end": ...} (gc=False: it holds
    no other object that could make a cycle)."""

    source_id: Any
    start: int
    end: int


def _unique_structs(source_id: Hashable, spans: list[Span]) -> list[UniqueSpan]:
    return [UniqueSpan(source_id, s, e) for s, e in spans]


def cluster_to_json(cluster: Cluster) -> dict:
    """One cluster as a dict: id, members {source_path, source_id, start, end, text, score}, differences."""
    return {
        "id": cluster.id,
        "status": cluster.status,
        "confidence": cluster.confidence,
        "members": [
            {
                "source_id": m.source_id,
                "source_path": m.source_path,
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "score": m.score,
                "repeat": m.repeat,
                "status": m.status,
                "confidence": 1.0 if m.status == SuggestionStatus.CONFIRMED else m.confidence,
                **({"link_kind": m.link_kind} if m.link_kind else {}),
            }
            for m in cluster.members
        ],
        "differences": [
            {
                "reference": d.reference,
                "member": d.member,
                "numbers_differ": d.numbers_differ,
                **figures_side_by_side(cluster.members[d.reference].text, cluster.members[d.member].text),
                "changes": [
                    {
                        "op": c.op,
                        "a": {"start": c.a_start, "end": c.a_end, "text": c.a_text},
                        "b": {"start": c.b_start, "end": c.b_end, "text": c.b_text},
                        "emphasis": list(c.emphasis),
                    }
                    for c in d.changes
                ],
            }
            for d in cluster.differences
        ],
    }


def figures_side_by_side(text_a: str, text_b: str) -> dict:
    """{"differs": both state figures of one kind the other does not, "figures": {"a": [...], "b": [...]}}: the figures
    of each passage that the other does not state ("2014" | "10 years"), compared with their units."""
    found_a = [f for f in figures(text_a, 0, len(text_a)) if not f.kind.startswith("label")]
    found_b = [f for f in figures(text_b, 0, len(text_b)) if not f.kind.startswith("label")]
    keys_a, keys_b = {f.key for f in found_a}, {f.key for f in found_b}
    only_a = [f for f in found_a if f.key not in keys_b]
    only_b = [f for f in found_b if f.key not in keys_a]
    figures_of = {"a": [f.text for f in only_a], "b": [f.text for f in only_b]}
    return {"differs": figures_differ(only_a, only_b), "figures": figures_of}


def iter_claim_sets(alignment: Alignment) -> Iterable[tuple[int, Member, Member]]:
    """Every cross-source pair of members of every cluster: (cluster id, member a, member b)."""
    for cluster in alignment.clusters:
        for i, a in enumerate(cluster.members):
            for b in cluster.members[i + 1 :]:
                if a.source_id != b.source_id:
                    yield cluster.id, a, b
