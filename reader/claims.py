"""Claims: clusters of linked annotations, each source's standing on each, and who said it first.

A claim is a connected group of linked annotations. Its reference member is its first appearance (the
member in the source published earliest; undated sources come after dated ones, then path order), and
every other member's standing is read relative to it, following the links: `present` (the same claim),
`differs` (the same claim with a different figure, name or quotation: a paraphrase is still present),
`supports` or `contradicts` (as linked; a contradiction of a contradiction agrees), `silent` (checked
and not there) or `absent` (not found yet).

A claim's id is the id of the member that founded it (the earliest created), and once anything is
stored about the claim (its text, a verdict, evidence) the stored record keeps that id even when
members are added, removed or linked in later (reader.store.claims).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from reader.collector import paused_gc
from reader.metadata import parse_published, published_sort_key
from reader.model import AnchorStatus, Annotation, ClaimStatus, Link, LinkKind, Source

# The statuses by their short names, as the matrix and stats screens import them.
PRESENT = ClaimStatus.PRESENT
DIFFERS = ClaimStatus.DIFFERS
SUPPORTS = ClaimStatus.SUPPORTS
CONTRADICTS = ClaimStatus.CONTRADICTS
SILENT = ClaimStatus.SILENT
ABSENT = ClaimStatus.ABSENT
STATUSES = tuple(ClaimStatus)

Differ = Callable[[str, str], list[str]]


@dataclass
class Cell:
    """One source's standing on one claim; annotations are that source's members of the claim. A cell
    that differs may hold the two wordings instead of its differing words: they are found when first read
    (a claims list needs only the status, the matrix shows the words of the cells on screen)."""

    status: ClaimStatus
    annotations: list[Annotation] = field(default_factory=list)
    found_words: list[str] | None = field(default_factory=list)
    wordings: tuple[str, str] | None = None  # (the reference's, this source's), while found_words is None

    @property
    def differing_words(self) -> list[str]:
        """The figures, names or quotations this source gives otherwise than the reference, as "a → b"."""
        if self.found_words is None:
            from reader.claim_wording import emphasised_differences

            reference, own = self.wordings or ("", "")
            self.found_words = emphasised_differences(reference, own)
        return self.found_words


class Cells(dict):
    """A claim's cells by source id; a source that has none (neither a member nor a silent mark) is absent."""

    def __missing__(self, source_id: int) -> Cell:
        return Cell(ClaimStatus.ABSENT)


@dataclass
class Appearance:
    """Where a claim appeared: a member, its source, and the source's date and outlet."""

    annotation: Annotation
    source: Source
    published: str


@dataclass
class Claim:
    """A cluster of annotations linked as one claim; label is its text (the user's, else the first
    appearance's quote)."""

    id: str
    label: str
    members: list[Annotation]
    cells: dict[int, Cell]
    reference: Annotation | None = None
    first_appearance: Appearance | None = None
    record: dict[str, Any] | None = None  # the stored claim row with its evidence (reader.store.claims)

    @property
    def verdict(self) -> dict[str, Any] | None:
        """The verdict as stored: rating, value, note, evidence; None if the claim has none."""
        if not self.record or self.record.get("rating") is None:
            return None
        return {
            "rating": self.record["rating"],
            "value": self.record["rating_value"],
            "note": self.record["verdict_note"],
            "author": self.record["verdict_author"],
            "at": self.record["verdict_at"],
            "url": self.record.get("review_url", ""),
            "evidence": self.evidence,
        }

    @property
    def evidence(self) -> list[dict[str, Any]]:
        """The evidence gathered for the claim, with or without a verdict yet (oldest first)."""
        return evidence_json(self.record)


def evidence_json(record: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A claim record's evidence as plain objects: kind (url or annotation), value, note, added."""
    return [
        {"kind": e["kind"], "value": e["value"], "note": e["note"], "added": e["added"]}
        for e in (record or {}).get("evidence", [])
    ]


def cluster_annotations(
    annotations: list[Annotation], links: list[Link], neighbours: dict[str, list[tuple[str, str]]] | None = None
) -> list[list[Annotation]]:
    """Connected components of the link graph (every link kind joins a claim), in reading order.
    neighbours: the link graph (_link_graph(links)) if the caller has built it already."""
    neighbours = _link_graph(links) if neighbours is None else neighbours
    by_id = {a.id: a for a in annotations}
    component: dict[str, int] = {}
    groups: list[list[Annotation]] = []
    for annotation_id in by_id:  # groups in the order of their first annotation, members in annotation order
        if annotation_id in component:
            continue
        number = len(groups)
        component[annotation_id] = number
        found = [annotation_id]
        for node in found:  # breadth first over links between annotations both given
            for other, _ in neighbours.get(node, ()):
                if other not in component and other in by_id:
                    component[other] = number
                    found.append(other)
        groups.append([])
    for annotation_id, annotation in by_id.items():
        groups[component[annotation_id]].append(annotation)
    clusters = [sorted(group, key=_reading_order) for group in groups if len(group) > 1]
    return sorted(clusters, key=lambda group: _reading_order(group[0]))


def _clusters_of_pairs(annotations: list[Annotation], pairs: list[tuple[str, str, str]]) -> list[list[Annotation]]:
    """What cluster_annotations returns (the same groups in the same order), from (from, to, kind) link
    rows: a union-find over the annotations' positions, a third of the time of a search over ids."""
    position_of = {annotation.id: position for position, annotation in enumerate(annotations)}
    if len(position_of) < len(annotations):  # an id given twice: its last annotation, in its first one's place
        by_id = {a.id: a for a in annotations}
        annotations = list(by_id.values())
        position_of = {annotation_id: position for position, annotation_id in enumerate(by_id)}
    find = position_of.get
    parent = list(range(len(annotations)))
    for from_id, to_id, _ in pairs:
        a, b = find(from_id), find(to_id)
        if a is None or b is None:
            continue  # a link to an annotation not given
        while parent[a] != a:
            parent[a] = a = parent[parent[a]]
        while parent[b] != b:
            parent[b] = b = parent[parent[b]]
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b
    # A parent never comes after its child (roots join under the earlier one, halving keeps that), so in
    # one pass forward each position's parent becomes its root: the first position of its group.
    for position, up in enumerate(parent):
        parent[position] = parent[up]
    groups: dict[int, list[Annotation]] = {}  # by root, in the order of their first annotation
    for annotation, root in zip(annotations, parent):
        found = groups.get(root)
        if found is None:
            groups[root] = [annotation]
        else:
            found.append(annotation)
    clusters = [sorted(group, key=_reading_order) for group in groups.values() if len(group) > 1]
    return sorted(clusters, key=lambda group: _reading_order(group[0]))


_reading_order = attrgetter("source_id", "start")  # (source id, start): in C, for 100,000 members


def _link_graph(links: list[Link]) -> dict[str, list[tuple[str, str]]]:
    """Each annotation's linked annotations, with the link's kind (built once for every claim)."""
    return _graph_of_pairs([(link.from_annotation, link.to_annotation, link.kind) for link in links])


def _graph_of_pairs(pairs: list[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    """The link graph of (from, to, kind) rows, as _link_graph builds it from links (in the same order)."""
    neighbours: dict[str, list[tuple[str, str]]] = {}
    for from_id, to_id, kind in pairs:
        linked = neighbours.get(from_id)
        if linked is None:
            neighbours[from_id] = [(to_id, kind)]
        else:
            linked.append((to_id, kind))
        linked = neighbours.get(to_id)
        if linked is None:
            neighbours[to_id] = [(from_id, kind)]
        else:
            linked.append((from_id, kind))
    for linked in neighbours.values():
        if len(linked) > 1:  # most members have one link
            _sort_same_first(linked)  # the order _relations follows them in, sorted once
    return neighbours


def _sort_same_first(linked: list[tuple[str, str]]) -> None:
    """Sort neighbours (annotation id, link kind): links of kind "same" first, then by id, ties as they
    came (each part sorted by id in C, not by a key function called on every neighbour)."""
    same = [pair for pair in linked if pair[1] == LinkKind.SAME]
    if len(same) == len(linked) or not same:
        linked.sort(key=_BY_ID)
        return
    other = [pair for pair in linked if pair[1] != LinkKind.SAME]
    same.sort(key=_BY_ID)
    other.sort(key=_BY_ID)
    linked[:] = same + other


_BY_ID = itemgetter(0)


def _relations(
    ids: set[str], neighbours: dict[str, list[tuple[str, str]]], reference: Annotation
) -> dict[str, LinkKind]:
    """Each member's relation to the reference by the shortest chain of links: same, supports or
    contradicts (a contradiction flips, a support on an agreeing chain makes it supports)."""
    relation = {reference.id: LinkKind.SAME}
    queue = [reference.id]
    for node in queue:  # breadth first: the list is read as it grows
        if len(relation) == len(ids):
            break  # every member placed: the rest of the queue would place nobody
        mine = relation[node]
        for other, kind in neighbours.get(node, ()):  # sorted by _link_graph: "same" first, then by id
            if other in relation or other not in ids:
                continue
            if kind == "contradicts":
                relation[other] = LinkKind.SAME if mine == "contradicts" else LinkKind.CONTRADICTS
            elif kind == "supports":
                relation[other] = LinkKind.CONTRADICTS if mine == "contradicts" else LinkKind.SUPPORTS
            else:
                relation[other] = mine
            queue.append(other)
    return relation


def appearance_order(sources: dict[int, Source]) -> Callable[[Annotation], tuple]:
    """Sort key for members: earliest published source first (undated last), then path, then position."""
    by_source = {
        source_id: (published_sort_key(source.published), source.path) for source_id, source in sources.items()
    }

    def key(annotation: Annotation) -> tuple:
        return (*by_source.get(annotation.source_id, ((1, 0.0), "")), annotation.start, annotation.id)

    return key


def _source_ranks(sources: dict[int, Source]) -> dict[int, int]:
    """Each source's place in appearance_order (earliest published first, undated last, then path): equal
    places for equal keys, so comparing ranks is comparing appearance_order's first two parts."""
    keys = {source_id: (published_sort_key(source.published), source.path) for source_id, source in sources.items()}
    places = {key: place for place, key in enumerate(sorted(set(keys.values())))}
    return {source_id: places[key] for source_id, key in keys.items()}


_PLACE_IN_SOURCE = attrgetter("start", "id")


def _first_member(members: list[Annotation], ranks: dict[int, int], order: Callable[[Annotation], tuple]) -> Annotation:
    """min(members, key=order) (appearance_order), found by comparing source ranks (ints) before positions."""
    try:
        places = [ranks[member.source_id] for member in members]
    except KeyError:  # a member outside the given sources: the full key
        return min(members, key=order)
    best = min(places)
    earliest = [member for member, place in zip(members, places) if place == best]
    return earliest[0] if len(earliest) == 1 else min(earliest, key=_PLACE_IN_SOURCE)


def claim_id_for(
    members: list[Annotation],
    records: dict[str, dict[str, Any]],
    record_of_member: dict[str, str],
    ids: set[str] | None = None,
) -> str:
    """The claim's id: a stored record's founded by one of the members (the one with a verdict, else the
    oldest), else one whose stored members overlap most; else the earliest created member's id. ids: the
    members' ids, if the caller has them."""
    ids = {m.id for m in members} if ids is None else ids
    own = [records[m] for m in ids if m in records]
    if own:
        own.sort(key=lambda r: (r.get("rating") is None, r["created"], r["id"]))
        return own[0]["id"]
    overlap: dict[str, int] = {}
    for member in ids:
        if member in record_of_member:
            overlap[record_of_member[member]] = overlap.get(record_of_member[member], 0) + 1
    if overlap:
        return max(sorted(overlap), key=lambda claim_id: overlap[claim_id])
    return min(enumerate(members), key=lambda pair: (pair[1].created, pair[0]))[1].id  # same ms: reading order


def build_matrix(
    sources: list[Source],
    annotations: list[Annotation],
    links: list[Link],
    silences: list[tuple[str, int]],
    differ: Differ | None = None,
    records: dict[str, dict[str, Any]] | None = None,
    statuses: bool = True,
    pairs: list[tuple[str, str, str]] | None = None,
) -> list[Claim]:
    """The claims over these sources, in reading order. differ(a, b) lists the differing figures, names
    and quotations; records are the stored claim rows by id (reader.store.claims.claim_records). Without
    statuses, cells are left out (every source reads absent): for callers that need only the members,
    first appearance and verdict (ClaimReview), a third of the time. pairs: the links as (from, to, kind)
    rows, oldest first, read instead of links (no Link objects: clusters found over positions)."""
    records = records or {}
    record_of_member = {
        member: claim_id for claim_id, record in records.items() for member in record.get("member_ids", ())
    }
    by_id = {source.id: source for source in sources}
    order = appearance_order(by_id)
    ranks = _source_ranks(by_id)
    silent_marks: dict[str, set[int]] = {}
    for annotation_id, source_id in silences:
        silent_marks.setdefault(annotation_id, set()).add(source_id)
    if pairs is None:
        neighbours = _link_graph(links)
        clusters = cluster_annotations(annotations, links, neighbours)
    else:
        neighbours = _graph_of_pairs(pairs) if statuses else {}
        clusters = _clusters_of_pairs(annotations, pairs)
    compared = _Comparisons(differ)
    claims = []
    dated = {source_id for source_id, source in by_id.items() if parse_published(source.published) is not None}
    for members in clusters:
        reference = _first_member(members, ranks, order)
        ids = {m.id for m in members}
        cells = Cells()
        if statuses:
            _fill_cells(cells, members, reference, by_id, neighbours, silent_marks, compared, ids)
        claim_id = claim_id_for(members, records, record_of_member, ids)
        record = records.get(claim_id)
        first = None
        if reference.source_id in dated:
            first_source = by_id[reference.source_id]
            first = Appearance(reference, first_source, first_source.published)
        text = (record or {}).get("text") or " ".join(reference.quote.split())
        claims.append(Claim(claim_id, text, members, cells, reference, first, record))
    return claims


def _fill_cells(
    cells: Cells,
    members: list[Annotation],
    reference: Annotation,
    by_id: dict[int, Source],
    neighbours: dict[str, list[tuple[str, str]]],
    silent_marks: dict[str, set[int]],
    compared: _Comparisons,
    ids: set[str] | None = None,
) -> None:
    """Each source's standing on one claim (see the module doc), read relative to its reference member.
    ids: the members' ids, if the caller has them."""
    relation = _relations({m.id for m in members} if ids is None else ids, neighbours, reference)
    by_source: dict[int, list[Annotation]] = {}
    for member in members:
        own = by_source.get(member.source_id)
        if own is None:
            by_source[member.source_id] = [member]
        else:
            own.append(member)
    if silent_marks:
        silent_sources = set().union(*(silent_marks[m.id] for m in members if m.id in silent_marks))
        for source_id in sorted(silent_sources - set(by_source)):
            if source_id in by_id:
                cells[source_id] = Cell(SILENT)
    quote = reference.quote
    for source_id, own in by_source.items():
        if source_id not in by_id:
            continue
        if len(own) == 1:  # most sources state a claim once
            kind = relation.get(own[0].id, "same")
            contradicts, supports, has_reference = kind == "contradicts", kind == "supports", own[0] is reference
        else:
            kinds = {relation.get(m.id, "same") for m in own}
            contradicts, supports = "contradicts" in kinds, "supports" in kinds
            has_reference = any(member is reference for member in own)  # not `in`: == compares every field
        if contradicts:
            cells[source_id] = Cell(CONTRADICTS, own)
        elif supports:
            cells[source_id] = Cell(SUPPORTS, own)
        elif has_reference:
            cells[source_id] = Cell(PRESENT, own)
        else:
            cells[source_id] = compared.cell(own, quote)


class _Comparisons:
    """Each agreeing source's cell, its first member's wording compared with the reference's, each pair of
    wordings once (a claim's members often share one). With a differ, its words; by default only whether
    the wordings differ, their words found when the cell's are first read (Cell.differing_words)."""

    def __init__(self, differ: Differ | None) -> None:
        self.differ = differ
        self.seen: dict[tuple[str, str], Any] = {}
        if differ is None:
            from reader.claim_wording import wording_differs  # here: ClaimReview needs no statuses, nor the aligner

            self.differs = wording_differs

    def cell(self, own: list[Annotation], reference_quote: str) -> Cell:
        key = (reference_quote, own[0].quote)
        found = self.seen.get(key)
        if self.differ is None:
            if found is None:
                found = self.seen[key] = self.differs(*key)
            return Cell(DIFFERS, own, None, key) if found else Cell(PRESENT, own)
        if found is None:
            found = self.seen[key] = tuple(self.differ(*key))
        return Cell(DIFFERS if found else PRESENT, own, list(found))


def sort_by_first_appearance(claims: list[Claim]) -> list[Claim]:
    """A timeline: claims whose first appearance is dated, oldest first; then the undated, in reading order."""

    parsed: dict[str, tuple[int, float]] = {}  # each date parsed once: claims share their sources' dates

    def key(item: tuple[int, Claim]) -> tuple:
        index, claim = item
        published = claim.first_appearance.published if claim.first_appearance else ""
        found = parsed.get(published)
        if found is None:
            found = parsed[published] = published_sort_key(published)
        return (found, index)

    return [claim for _, claim in sorted(enumerate(claims), key=key)]


def linked_annotations(
    store, source_ids: list[int] | None = None, tags: list[str] | None = None, authors: list[str] | None = None
) -> list[Annotation]:
    """The annotations that can belong to a claim (those with a link, and when no two share a place, maybe
    some without, which make no claim), placed on their current text, in one lean query (no tags or links
    per row: a claims list of 100,000 members reads in a fraction of a second); only those of source_ids
    and, if given, with one of tags."""
    # Rows in any order (those with no link among them) when no two annotations share a place: members and
    # claims are sorted by (source, start) and a claim needs a link, so only ties could show the order.
    rows = store.linked_annotation_rows(source_ids, tags, authors, any_order_if_placed_apart=True)
    anchor_status = {status.value: status for status in AnchorStatus}  # a dict lookup, not an enum call a row
    # Arguments by position (a third faster than by name for 100,000 rows): id, source, start, end, quote,
    # prefix, suffix, note, author, created, updated, anchor status, tags, version.
    return [
        Annotation(
            row[0], row[1], row[2], row[3], row[4], "", "", "", "", row[5], row[5], anchor_status[row[6]], [], row[7]
        )
        for row in rows
    ]


def all_links(store) -> list[Link]:
    kinds = {kind.value: kind for kind in LinkKind}
    return [
        Link(link_id, from_id, to_id, kinds[kind], created)
        for link_id, from_id, to_id, kind, created in store.link_rows_by_created()
    ]


def no_differences(a: str, b: str) -> list[str]:
    """A differ for callers that need the claims but not which wordings differ (ClaimReview)."""
    return []


def claims_for_store(
    store,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
    differ: Differ | None = None,
    statuses: bool = True,
) -> tuple[list[Source], list[Claim]]:
    """(sources, claims) over the chosen sources (all by default) and annotations (with one of tags and
    by one of authors, if given; only this author's while blind); differ and statuses as in build_matrix."""
    from reader.store.claims import claim_records

    sources = store.sources() if not source_ids else store.sources_by_ids(source_ids)
    wanted = [s.id for s in sources]
    with paused_gc():  # 100,000 annotations and their claims: about a third of the time was the collector's
        annotations = linked_annotations(store, wanted if source_ids else None, tags, authors)
        return sources, build_matrix(
            sources,
            annotations,
            [],
            store.silences() if statuses else [],
            differ=differ,
            records=claim_records(store),
            statuses=statuses,
            pairs=store.link_pairs_by_created(),
        )


def matrix_for_store(store, source_ids: list[int] | None = None) -> tuple[list[Source], list[Claim]]:
    """Load what the matrix needs from a Store and build it (all sources unless source_ids is given).

    The claims are built over every source, then narrowed to those with a member or a silent mark in
    source_ids: a claim's id, first appearance and reference member are the ones `reader claims` gives,
    not the earliest among the sources on screen."""
    sources, claims = claims_for_store(store)
    if not source_ids:
        return sources, claims
    wanted = set(source_ids)
    return [s for s in sources if s.id in wanted], [c for c in claims if not wanted.isdisjoint(c.cells)]


def claim_json(
    claim: Claim, sources: list[Source] | dict[int, Source], names: dict[int, str] | None = None
) -> dict[str, Any]:
    """A claim as `reader claims --json` prints it (and the JSON export stores it); sources as a list, or
    by id (built once by a caller that converts many claims), names their file names by id (the same)."""
    by_id = sources if isinstance(sources, dict) else {source.id: source for source in sources}
    names = {source_id: source.name for source_id, source in by_id.items()} if names is None else names
    name_of = names.get
    first = None
    if claim.first_appearance is not None:
        appearance = claim.first_appearance
        first = {
            "annotation": appearance.annotation.id,
            "source_id": appearance.source.id,
            "source": appearance.source.name,
            "title": appearance.source.title,
            "date": appearance.published,
            "outlet": appearance.source.outlet,
            "url": appearance.source.url,
            "quote": appearance.annotation.quote,
        }
    return {
        "id": claim.id,
        "text": claim.label,
        "members": [
            {
                "annotation": m.id,
                "source_id": m.source_id,
                "source": name_of(m.source_id, ""),
                "start": m.start,
                "end": m.end,
                "quote": m.quote,
            }
            for m in claim.members
        ],
        # Every source with a standing on the claim (a member or a silent mark); any other source is absent.
        "statuses": {names[sid]: cell.status for sid, cell in sorted(claim.cells.items()) if sid in names},
        "first_appearance": first,
        "verdict": claim.verdict,
        "evidence": claim.evidence,  # also gathered before a verdict (the verdict repeats it)
    }


def resolve_claim(claims: list[Claim], reference: str) -> Claim:
    """The claim whose id is reference or starts with it (at least 4 characters), or whose member it is."""
    from reader.model import ReaderError

    reference = reference.strip()
    exact = [c for c in claims if c.id == reference]
    if exact:
        return exact[0]
    if len(reference) >= 4:
        found = [c for c in claims if c.id.startswith(reference)]
        if not found:
            found = [c for c in claims if any(m.id.startswith(reference) for m in c.members)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ReaderError(f"{reference!r} matches {len(found)} claims; give more of the id")
    elif reference and any(c.id.startswith(reference) for c in claims):
        raise ReaderError(f"{reference!r} is too short: give at least 4 characters of the claim's id")
    raise ReaderError(f"no claim with id {reference!r} (try `reader claims`)")
