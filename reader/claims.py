"""The claims matrix: one row per claim (a cluster of linked annotations), one column per source.

A cell says whether the source makes the claim (present), makes it differently (differs: a
'contradicts' link, or different numbers, names or quotations than the rest of the claim), was checked
and found silent (silent), or has not been checked (absent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from reader.model import Annotation, Link, Source

PRESENT, DIFFERS, SILENT, ABSENT = "present", "differs", "silent", "absent"

Differ = Callable[[str, str], list[str]]


@dataclass
class Cell:
    """One source's standing on one claim; annotations are that source's members of the claim."""

    status: str
    annotations: list[Annotation] = field(default_factory=list)
    differing_words: list[str] = field(default_factory=list)


@dataclass
class Claim:
    """A cluster of annotations linked as one claim; label is its first member's quote."""

    id: str
    label: str
    members: list[Annotation]
    cells: dict[int, Cell]


def cluster_annotations(annotations: list[Annotation], links: list[Link]) -> list[list[Annotation]]:
    """Connected components of the link graph (every link kind joins a claim), in reading order."""
    by_id = {a.id: a for a in annotations}
    parent = {a.id: a.id for a in annotations}

    def root(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for link in links:
        if link.from_annotation in parent and link.to_annotation in parent:
            parent[root(link.from_annotation)] = root(link.to_annotation)
    groups: dict[str, list[Annotation]] = {}
    for annotation_id in parent:
        groups.setdefault(root(annotation_id), []).append(by_id[annotation_id])
    clusters = [sorted(group, key=lambda a: (a.source_id, a.start)) for group in groups.values() if len(group) > 1]
    return sorted(clusters, key=lambda group: (group[0].source_id, group[0].start))


def emphasised_differences(a: str, b: str) -> list[str]:
    """The changes between two quotes that matter for a claim (numbers, names, quotations), as "a → b"."""
    from reader.align import word_differences

    return [f"{change.a_text or '∅'} → {change.b_text or '∅'}"
            for change in word_differences(a, 0, len(a), b, 0, len(b)) if change.emphasis]


def build_matrix(sources: list[Source], annotations: list[Annotation], links: list[Link],
                 silences: list[tuple[str, int]], differ: Differ | None = None) -> list[Claim]:
    """The claims matrix over these sources. differ(a, b) lists the emphasised words where a and b differ."""
    differ = differ or emphasised_differences
    contradicted = {end for link in links if link.kind == "contradicts"
                    for end in (link.from_annotation, link.to_annotation)}
    silent_marks: dict[str, set[int]] = {}
    for annotation_id, source_id in silences:
        silent_marks.setdefault(annotation_id, set()).add(source_id)
    claims = []
    for members in cluster_annotations(annotations, links):
        reference = members[0]
        silent_sources = set().union(*(silent_marks.get(m.id, set()) for m in members))
        cells: dict[int, Cell] = {}
        for source in sources:
            own = [m for m in members if m.source_id == source.id]
            if not own:
                cells[source.id] = Cell(SILENT if source.id in silent_sources else ABSENT)
                continue
            differing: list[str] = []
            if own[0] is not reference:
                differing = differ(reference.quote, own[0].quote)
            status = DIFFERS if differing or any(m.id in contradicted for m in own) else PRESENT
            cells[source.id] = Cell(status, own, differing)
        label = " ".join(reference.quote.split())
        claims.append(Claim(reference.id, label, members, cells))
    return claims


def matrix_for_store(store, source_ids: list[int] | None = None) -> tuple[list[Source], list[Claim]]:
    """Load what the matrix needs from a Store and build it (all sources unless source_ids is given)."""
    sources = store.sources() if source_ids is None else store.sources_by_ids(source_ids)
    wanted = {s.id for s in sources}
    annotations = [a for a in store.annotations() if a.source_id in wanted]
    return sources, build_matrix(sources, annotations, store.links(), store.silences())
