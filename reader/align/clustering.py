"""Stage 4: clusters of accepted pairs, corroboration, and the Alignment they make.

Clusters are connected components of accepted pairs, taken best first, never holding two passages of one
source, except passages a source repeats. Two clusters merge only if their passages score on average
COHERENCE * accept score against each other and no sampled pair falls below CORROBORATED * accept score
(one member matching well and another not at all is a chain through shared words, not one claim). A
passage left alone whose weaker mutual-best matches in CORROBORATION or more sources of one cluster score
at least CORROBORATED * accept score joins that cluster, repeatedly, so it can corroborate the next.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import compress
from operator import eq

from reader.align import tuning
from reader.align.clauses import Clause, ClauseSet, Columns
from reader.align.differences import word_differences
from reader.align.result import Alignment, Cluster, Difference, Member, Repeat, SourceText
from reader.align.scoring import PairScore
from reader.text import Span

Pair = tuple[float, int, int]  # (score, clause index, clause index)


class _Components:
    """Union-find over the clauses in some accepted pair (in clause order), with each component's sources and
    members; every other clause is a component of its own and never in a cluster, so it is left out (a
    million-line source has a million of them)."""

    def __init__(self, columns: Columns, accepted: list[Pair]) -> None:
        involved = sorted({index for _, a, b in accepted for index in (a, b)})
        self.parent = {index: index for index in involved if columns.canonical[index] < 0}
        self.docs_in: dict[int, set[int]] = {index: {columns.doc[index]} for index in self.parent}
        self.members_of: dict[int, list[int]] = {index: [index] for index in self.parent}

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, root: int, other: int) -> None:
        """Put the component rooted at other into the one rooted at root."""
        self.parent[other] = root
        self.docs_in[root] |= self.docs_in.pop(other)
        self.members_of[root].extend(self.members_of.pop(other))


def build_alignment(
    claim_set: ClauseSet, accepted: list[Pair], accept_score: float, pair_score: PairScore
) -> Alignment:
    """Cluster the accepted pairs (best first; those below accept_score only corroborate) into an Alignment."""
    docs, columns = claim_set.docs, claim_set.columns
    # The claims of accepted pairs, the only ones the clustering reads, as Clauses in a table (looked up in C).
    claims = {index: claim_set.claim(index) for _, a, b in accepted for index in (a, b)}
    components = _Components(columns, accepted)
    best_score: dict[int, float] = defaultdict(float)
    weak = [item for item in accepted if item[0] < accept_score]
    strong = [item for item in accepted if item[0] >= accept_score]
    _merge_pairs(components, claims, strong, accept_score, pair_score, best_score)
    _corroborate(components, claims, weak, accept_score, pair_score, best_score)
    clusters, clustered = _clusters(docs, claim_set, claims, components, best_score)
    unique = {doc.source_id: _unique_spans(columns, mine, clustered) for doc, mine in zip(docs, columns.bounds)}
    repeats = {doc.source_id: repeat_runs(doc, columns, mine) for doc, mine in zip(docs, columns.bounds)}
    return Alignment(clusters, unique, repeats)


def _merge_pairs(
    components: _Components,
    claims: Mapping[int, Clause],
    accepted: list[Pair],
    accept_score: float,
    pair_score: PairScore,
    best_score: dict[int, float],
) -> None:
    """Join the components of each accepted pair, best first, unless that puts two passages of one source in
    one cluster or the two clusters are not about one claim."""
    find, docs_in, members_of = components.find, components.docs_in, components.members_of
    for score, a, b in accepted:
        root_a, root_b = find(a), find(b)
        if root_a == root_b:
            best_score[a] = max(best_score[a], score)
            best_score[b] = max(best_score[b], score)
            continue
        if docs_in[root_a] & docs_in[root_b]:
            continue  # would put two passages of one source in one cluster
        if not coherent(
            claims,
            members_of[root_a],
            members_of[root_b],
            tuning.COHERENCE * accept_score,
            tuning.CORROBORATED * accept_score,
            pair_score,
        ):
            continue  # a chain through one shared word, not one claim
        if len(members_of[root_a]) < len(members_of[root_b]):
            root_a, root_b = root_b, root_a  # merge the smaller cluster into the larger: linear overall
        components.join(root_a, root_b)
        best_score[a] = max(best_score[a], score)
        best_score[b] = max(best_score[b], score)


def _corroborate(
    components: _Components,
    claims: Mapping[int, Clause],
    weak: list[Pair],
    accept_score: float,
    pair_score: PairScore,
    best_score: dict[int, float],
) -> None:
    """A passage with weaker mutual-best links to members of several sources of one cluster joins it
    (repeated until nothing joins, so a passage that joined can corroborate the next)."""
    find, docs_in, members_of = components.find, components.docs_in, components.members_of
    links: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for score, a, b in weak:
        links[a].append((score, b))
        links[b].append((score, a))
    floor = tuning.CORROBORATED * accept_score
    changed = bool(links)
    while changed:
        changed = False
        for x in sorted(links):
            if len(members_of.get(find(x), ())) != 1:
                continue
            support: dict[int, list[tuple[float, int]]] = defaultdict(list)
            for score, y in links[x]:
                root = find(y)
                if len(members_of[root]) > 1 and claims[x].doc not in docs_in[root]:
                    support[root].append((score, y))
            for root, found in sorted(support.items(), key=lambda item: -sum(s for s, _ in item[1])):
                if len({claims[y].doc for _, y in found}) < tuning.CORROBORATION or not coherent(
                    claims, [x], members_of[root], floor, 0.0, pair_score
                ):
                    continue
                components.join(root, find(x))
                for score, y in found:
                    best_score[x] = max(best_score[x], score)
                    best_score[y] = max(best_score[y], score)
                changed = True
                break


def _clusters(
    docs: Sequence[SourceText],
    claim_set: ClauseSet,
    claims: Mapping[int, Clause],
    components: _Components,
    best_score: dict[int, float],
) -> tuple[list[Cluster], set[int]]:
    """The components of two or more passages as Clusters (with each member's repeats and the differences
    against the first member), in text order of their first member; and the clause indices clustered."""
    repeats_of: dict[int, list[Clause]] = defaultdict(list)
    if components.parent:
        canonical = claim_set.columns.canonical
        for index in compress(range(len(canonical)), map((0).__le__, canonical)):
            repeats_of[canonical[index]].append(claim_set.claim(index))
    groups: dict[int, list[Clause]] = defaultdict(list)
    for index in components.parent:
        groups[components.find(index)].append(claims[index])
    ordered = sorted(
        (sorted(g, key=lambda c: (c.doc, c.start)) for g in groups.values() if len(g) > 1),
        key=lambda g: (g[0].doc, g[0].start),
    )
    texts = {doc.source_id: doc.text for doc in docs}
    clusters: list[Cluster] = []
    clustered: set[int] = set()
    for number, group in enumerate(ordered, 1):
        members: list[Member] = []
        for claim in group:
            doc = docs[claim.doc]
            repeated = repeats_of.get(claim.index, [])
            for item in [claim, *repeated]:
                clustered.add(item.index)
                members.append(
                    Member(
                        doc.source_id,
                        doc.path,
                        item.start,
                        item.end,
                        doc.text[item.start : item.end],
                        round(best_score[claim.index], 3),
                        repeat=bool(repeated),
                    )
                )
        reference = members[0]
        differences = tuple(
            Difference(
                0,
                index,
                tuple(
                    word_differences(
                        texts[reference.source_id],
                        reference.start,
                        reference.end,
                        texts[member.source_id],
                        member.start,
                        member.end,
                    )
                ),
            )
            for index, member in enumerate(members[1:], 1)
        )
        clusters.append(Cluster(number, tuple(members), differences))
    return clusters, clustered


def _unique_spans(columns: Columns, mine: range, clustered: set[int]) -> list[Span]:
    """A source's passages (claims with indices in mine) in no cluster, consecutive unaligned clauses of one
    sentence as one run.

    Worked out over the columns (map, compress: loops in C) and once per run, not once per clause: a
    million-line source has a million clauses and, mostly, as many runs."""
    count = len(mine)
    starts = columns.start[mine.start : mine.stop]
    ends = columns.end[mine.start : mine.stop]
    sentences = columns.sentence[mine.start : mine.stop]
    # Left out: the clauses clustered and those repeating one.
    left_out: set[int] = set()
    if clustered:
        left_out.update(compress(range(count), map(clustered.__contains__, mine)))
        canonical = columns.canonical[mine.start : mine.stop]
        left_out.update(compress(range(count), map(clustered.__contains__, canonical)))
    # A clause continues the run of the clause before it if both are of one sentence and that one was kept.
    continuing = set(compress(range(1, count), map(eq, sentences[1:], sentences)))
    if not left_out and not continuing:
        return list(zip(starts, ends))
    continuing -= {at + 1 for at in left_out}
    cuts = sorted(left_out.union(at for at in range(count) if at not in left_out and at not in continuing))
    cuts.append(count)
    return [(starts[at], ends[cuts[number + 1] - 1]) for number, at in enumerate(cuts[:-1]) if at not in left_out]


def coherent(
    claims: Mapping[int, Clause], group_a: list[int], group_b: list[int], floor: float, weakest: float, score: PairScore
) -> bool:
    """Whether two clusters about to merge are about one claim: their passages score, on average, at
    least floor against each other, and no pair below weakest (a sample of at most tuning.COHERENCE_SAMPLE from
    each side): a passage that matches one member well and another not at all is about something else."""
    if len(group_a) == 1 and len(group_b) == 1:
        return True
    sample_a, sample_b = group_a[: tuning.COHERENCE_SAMPLE], group_b[: tuning.COHERENCE_SAMPLE]
    scores = [score(claims[a], claims[b]) for a in sample_a for b in sample_b]
    return sum(scores) / len(scores) >= floor and min(scores) >= weakest


def repeat_runs(doc: SourceText, columns: Columns, mine: range) -> list[Repeat]:
    """Repeated claims (of the claims with indices in mine), merged into runs where consecutive claims repeat
    consecutive claims (paragraphs)."""
    canonical = columns.canonical
    again = [mine.start + at for at in compress(range(len(mine)), map((0).__le__, canonical[mine.start : mine.stop]))]
    if not again:
        return []
    runs: list[list[tuple[int, int]]] = []
    for claim in again:
        first = canonical[claim]
        if runs:
            last_first, last_again = runs[-1][-1]
            if claim == last_again + 1 and first == last_first + 1:
                runs[-1].append((first, claim))
                continue
        runs.append([(first, claim)])
    repeats = []
    starts, ends = columns.start, columns.end
    for run in runs:
        first_span = (starts[run[0][0]], ends[run[-1][0]])
        again_span = (starts[run[0][1]], ends[run[-1][1]])
        repeats.append(Repeat(doc.source_id, doc.path, first_span, again_span, doc.text[again_span[0] : again_span[1]]))
    return repeats
