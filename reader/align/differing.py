"""Pairs whose figures changed, which the aligner's word score leaves out.

"Fined $4.2 million" and "ordered to pay $4.5 million" share little beyond the story's own words and their
figures conflict, so the aligner scores them low (the one-to-one rule and blocking never keep them) while the
pair model, which weighs more than words, is confident that they state one claim. The issue asks that such a
pair be flagged as differing, never dropped: a passage the alignment left alone joins the cluster of its most
confident counterpart whose figures differ (or the two make one), as a suggestion with its confidence.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace

from reader.align.clauses import Clause, ClauseSet
from reader.align.differences import word_differences
from reader.align.figures import key_family
from reader.align.learn import PairContext, PairModel
from reader.align.result import Alignment, Cluster, Difference, Member
from reader.align.scoring import claim_score
from reader.align.suggest import RejectedPair, SpanRef, overlaps

# Lonely passages times passages with figures looked at, at most: above it (a large library) none is looked
# for, so aligning a thousand sources costs what it did.
MAX_PAIRS = 100_000
# Claims in the set, at most: above it (a million-line source) none is looked for either, before a single
# claim is read for figures (which alone cost more than aligning the source)
MAX_CLAIMS = 20_000
SHARED_WORDS = 2  # content words a pair shares at least to be judged


def with_differing_figures(
    alignment: Alignment,
    clause_set: ClauseSet,
    model: PairModel,
    floor: float,
    rejected: Iterable[RejectedPair] = (),
) -> Alignment:
    """The alignment with the pairs whose figures differ that it left out: each passage with figures in no
    cluster joins its most confident counterpart (at least floor; figures of one kind that differ; not a pair
    the user rejected), best pairs first, never putting two passages of one source in a cluster."""
    docs = clause_set.docs
    if len(clause_set.claims) > MAX_CLAIMS:
        return alignment
    # the aligner's members are its clauses: a lookup, not a search (a million-line source has a million)
    members = {(m.source_id, m.start, m.end) for cluster in alignment.clusters for m in cluster.members}
    figured = [c for c in clause_set.claims if c.canonical < 0 and c.numbers and _families(c)]
    lonely = [c for c in figured if (docs[c.doc].source_id, c.start, c.end) not in members]
    if not lonely or len(lonely) * len(figured) > MAX_PAIRS:
        return alignment
    if model.context is None:
        model = model.within(PairContext.of(clause_set))
    refused = list(rejected)
    families = {clause.index: _families(clause) for clause in figured}
    found: list[tuple[float, Clause, Clause]] = []
    for mine in lonely:
        own = families[mine.index]
        for other in figured:
            if other.doc == mine.doc or not own & families[other.index] or not _differ(mine, other):
                continue
            if len(mine.stems & other.stems) < SHARED_WORDS:
                continue  # another story's figure, most often: the model would not be confident
            if _is_refused(refused, _ref(docs, mine), _ref(docs, other)):
                continue
            confidence = model.judge(mine, other)
            if confidence >= floor:
                found.append((confidence, mine, other))
    if not found:
        return alignment
    return _placed(alignment, clause_set, sorted(found, key=lambda item: (-item[0], item[1].index, item[2].index)))


def _placed(alignment: Alignment, clause_set: ClauseSet, pairs: list[tuple[float, Clause, Clause]]) -> Alignment:
    """Put each lonely passage (best pairs first) in its counterpart's cluster, or a new one with it."""
    docs = clause_set.docs
    groups: list[list[Member]] = [list(cluster.members) for cluster in alignment.clusters]
    group_at: dict[SpanRef, int] = {}
    for number, members in enumerate(groups):
        for member in members:
            group_at[(member.source_id, member.start, member.end)] = number
    placed: set[int] = set()
    for confidence, mine, other in pairs:
        if mine.index in placed:
            continue
        target = _group_of(group_at, docs, other)
        if target is None:
            if other.index in placed:
                continue
            target = len(groups)
            groups.append([_member(clause_set, other, confidence, mine)])
            group_at[_ref(docs, other)] = target
            placed.add(other.index)
        if docs[mine.doc].source_id in {m.source_id for m in groups[target]}:
            continue
        groups[target].append(_member(clause_set, mine, confidence, other))
        group_at[_ref(docs, mine)] = target
        placed.add(mine.index)
    taken = [(docs[c.doc].source_id, c.start, c.end) for c in clause_set.claims if c.index in placed]
    unique = {
        source_id: [part for start, end in spans for part in _without(start, end, taken, source_id)]
        for source_id, spans in alignment.unique.items()
    }
    texts = {doc.source_id: doc.text for doc in docs}
    clusters = [
        Cluster(number, tuple(members), _differences(members, texts))
        if number > len(alignment.clusters) or len(members) > len(alignment.clusters[number - 1].members)
        else replace(alignment.clusters[number - 1], id=number)
        for number, members in enumerate(groups, 1)
    ]
    return Alignment(clusters, unique, alignment.repeats)


def _differences(members: list[Member], texts: dict) -> tuple[Difference, ...]:
    """The word differences of each member against the first (a cluster that gained a member)."""
    first = members[0]
    return tuple(
        Difference(
            0,
            index,
            tuple(word_differences(texts[first.source_id], first.start, first.end, texts[m.source_id], m.start, m.end)),
        )
        for index, m in enumerate(members[1:], 1)
    )


def _member(clause_set: ClauseSet, clause: Clause, confidence: float, counterpart: Clause) -> Member:
    doc = clause_set.docs[clause.doc]
    score = round(claim_score(clause, counterpart), 3)
    return Member(
        doc.source_id,
        doc.path,
        clause.start,
        clause.end,
        doc.text[clause.start : clause.end],
        score,
        confidence=round(confidence, 3),
    )


def _group_of(group_at: dict[SpanRef, int], docs: Sequence, clause: Clause) -> int | None:
    source_id = docs[clause.doc].source_id
    return next(
        (
            number
            for (sid, start, end), number in group_at.items()
            if sid == source_id and overlaps(start, end, clause.start, clause.end)
        ),
        None,
    )


def _without(start: int, end: int, taken: list[SpanRef], source_id: Hashable) -> list[tuple[int, int]]:
    """A unique run [start, end) less the passages placed in a cluster."""
    parts = [(start, end)]
    for sid, a, b in taken:
        if sid != source_id:
            continue
        parts = [piece for s, e in parts for piece in ((s, min(e, a)), (max(s, b), e)) if piece[1] > piece[0]]
    return parts


def _differ(a: Clause, b: Clause) -> bool:
    """Whether each states a figure the other does not, of one kind (what Evidence.differs says, from the
    clauses' figure keys)."""
    only_a = {key_family(key) for key in a.numbers - b.numbers} - {"label"}
    return bool(only_a) and any(key_family(key) in only_a for key in b.numbers - a.numbers)


def _families(clause: Clause) -> frozenset[str]:
    """What the clause's figures measure (amount, time, percent, tally): names with a number in them are not figures."""
    return frozenset(family for family in map(key_family, clause.numbers) if family != "label")


def _ref(docs: Sequence, clause: Clause) -> SpanRef:
    return (docs[clause.doc].source_id, clause.start, clause.end)


def _is_refused(refused: list[RejectedPair], a: SpanRef, b: SpanRef) -> bool:
    return any(
        x[0] == a[0] and y[0] == b[0] and overlaps(x[1], x[2], a[1], a[2]) and overlaps(y[1], y[2], b[1], b[2])
        for first, second in refused
        for x, y in ((first, second), (second, first))
    )
