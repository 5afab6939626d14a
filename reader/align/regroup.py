"""The pair model's second look at the aligner's clusters: clusters of one claim joined, passages left out added.

The aligner clusters by the lexical score under strict rules (one counterpart per clause and other source,
coherence of what merges), so a claim four outlets tell often ends up as two clusters, or without one
outlet's passage, when a pair of its passages shares few words. The pair model also weighs the clauses
around a pair, figures of one kind, position and (semantic backend) embeddings. With its confidence:

- two clusters merge when their passages of different sources are on average MERGE_MEAN confident and
  no pair below MERGE_FLOOR, and one of them holds at most MERGE_SOURCES sources (two clusters that more
  sources each corroborate are two claims the aligner was sure to keep apart: in 100 generated sources,
  merging those took the precision of what is drawn from 0.95 to 0.44). A source in both keeps the
  passage that agrees best with the other sources;
  its other passage stays too when it agrees on average SAME_SOURCE_MEAN with them (an outlet that states
  the claim twice, in the headline and the body), else it leaves the cluster;
- a passage in no cluster joins a cluster whose passages of other sources it agrees with on average at least
  ATTACH_MEAN, and with one of them at least ATTACH_BEST; beside a passage of its own source only at
  SAME_SOURCE_MEAN on average (restated, or the claim's other half). Best offers first: a passage joins the
  cluster it agrees with best, and a cluster takes at most one passage per source, its best there. When
  the passages next to it (before, or after) and next to a member are in one cluster, ANCHORED_MEAN and
  ANCHORED_BEST suffice: outlets tell neighbouring claims together, in one order.

The semantic backend's model (with the embeddings' cosine) has constants of its own where they differ
(tuning.SEMANTIC_MERGE_MEAN and so on): each backend's are what bench/eval_suggest.py's grid chooses for it.

Passages are compared only with passages sharing a word that is not common (at most tuning.MAX_POSTING
clauses hold it), as blocking does, so a huge source costs no more than its clauses' words.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, combinations

from reader.align import tuning
from reader.align.clauses import Clause, ClauseSet
from reader.align.result import Member
from reader.align.scoring import claim_score

Judge = Callable[[Clause, Clause], float]
Span = tuple[Hashable, int, int]  # (source id, start, end)
RULE_NAMES = (
    "MERGE_MEAN",
    "MERGE_FLOOR",
    "MERGE_SOURCES",
    "ATTACH_MEAN",
    "ATTACH_BEST",
    "ANCHORED_MEAN",
    "ANCHORED_BEST",
    "SAME_SOURCE_MEAN",
)


@dataclass(frozen=True)
class Rules:
    """The regrouping's constants for one backend (see the module), read from tuning when regroup runs."""

    merge_mean: float
    merge_floor: float
    merge_sources: int
    attach_mean: float
    attach_best: float
    anchored_mean: float
    anchored_best: float
    same_source_mean: float

    @classmethod
    def of(cls, backend: str = "lexical") -> Rules:
        """tuning's constants; for the semantic backend its SEMANTIC_ ones where tuning has them."""
        prefix = "SEMANTIC_" if backend == "semantic" else ""
        return cls(*(getattr(tuning, prefix + name, getattr(tuning, name)) for name in RULE_NAMES))


def regroup(
    groups: list[list[Member]],
    clause_set: ClauseSet,
    clause_of: Callable[[Member], Clause],
    judge: Judge,
    may_pair: Callable[[Member, Member], bool],
    taken: Callable[[Clause], bool],
    backend: str = "lexical",
) -> tuple[list[list[Member]], list[Member], list[Member]]:
    """The clusters (lists of members) merged and with passages added as the module says; also the members
    added and those taken out (for the unique passages). may_pair(a, b): False for a pair the user rejected;
    taken(clause): a passage that may not join (the user linked it); backend: whose constants (Rules.of)."""
    rules = Rules.of(backend)
    cache: dict[tuple, float] = {}

    def confidence(a: Member, b: Member) -> float:
        key = (a.source_id, a.start, a.end, b.source_id, b.start, b.end)
        found = cache.get(key)
        if found is None:
            found = cache[key] = judge(clause_of(a), clause_of(b)) if may_pair(a, b) else 0.0
        return found

    df = clause_set.df

    def words_of(group: list[Member]) -> set[str]:
        return {stem for m in group for stem in clause_of(m).stems if df.get(stem, 0) <= tuning.MAX_POSTING}

    merged, dropped = _merge(groups, words_of, confidence, rules)
    added = _attach(merged, clause_set, clause_of, confidence, may_pair, taken, rules)
    dropped = [m for m in dropped if not any(m is x for group in merged for x in group)]
    return merged, added, dropped


def _sample(members: list[Member], source_id: Hashable = None) -> list[Member]:
    """A cluster's passages a passage is compared with: the first of each source but source_id, at most
    tuning.REGROUP_SAMPLE of them (a cluster of a claim told by 200 sources is judged on a few)."""
    seen: set[Hashable] = {source_id}
    found: list[Member] = []
    for member in members:
        if member.source_id not in seen:
            seen.add(member.source_id)
            found.append(member)
            if len(found) == tuning.REGROUP_SAMPLE:
                break
    return found


def _scores(
    pairs: Iterable[tuple[Member, Member]], confidence: Callable[[Member, Member], float], mean: float, floor: float
) -> list[float]:
    """The confidences of pairs when they average at least mean with none below floor, else []: stops as soon
    as that cannot be (most pairs looked at are far from it, and each confidence costs the model's features)."""
    pairs = list(pairs)
    found: list[float] = []
    for a, b in pairs:
        value = confidence(a, b)
        if value < floor:
            return []
        found.append(value)
        if sum(found) + (len(pairs) - len(found)) < mean * len(pairs):
            return []  # even if every pair left were certain
    return found if found and _mean(found) >= mean else []


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _merge(
    groups: list[list[Member]],
    words_of: Callable[[list[Member]], set[str]],
    confidence: Callable[[Member, Member], float],
    rules: Rules,
) -> tuple[list[list[Member]], list[Member]]:
    """Join clusters of one claim, best first, until no two qualify; the members left out on the way. Only
    clusters sharing a word that is not common are compared (words_of), and a join is looked at again only
    when one of its clusters changed (a heap of offers, stale ones skipped)."""
    clusters = {number: list(group) for number, group in enumerate(groups)}
    words = {number: words_of(group) for number, group in clusters.items()}
    holding: dict[str, set[int]] = defaultdict(set)
    for number, found in words.items():
        for word in found:
            holding[word].add(number)
    version = dict.fromkeys(clusters, 0)
    offers: list[tuple[float, int, int, int, int]] = []
    dropped: list[Member] = []

    def offer(first: int, second: int) -> None:
        first, second = min(first, second), max(first, second)
        if min(len({m.source_id for m in clusters[n]}) for n in (first, second)) > rules.merge_sources:
            return  # two clusters that three or more sources each corroborate: the aligner kept them apart
        shared = {m.source_id for m in clusters[first]} & {m.source_id for m in clusters[second]}
        apart = [
            (a, b)
            for a in _sample(clusters[first])
            for b in _sample(clusters[second])
            if a.source_id not in shared and b.source_id not in shared
        ]
        if apart and not _scores(apart, confidence, 0.0, rules.merge_floor):
            return  # a pair the join would hold is below the floor: no need to work out the join
        joined = _joined(clusters[first], clusters[second], confidence, rules)
        if joined is None:
            return
        across = _scores(combinations(_sample(joined), 2), confidence, rules.merge_mean, rules.merge_floor)
        if across:
            heapq.heappush(offers, (-_mean(across), first, second, version[first], version[second]))

    def neighbours(number: int) -> set[int]:
        found = set().union(*(holding[word] for word in words[number])) if words[number] else set()
        found.discard(number)
        return found

    for number in clusters:
        for other in neighbours(number):
            if other > number:
                offer(number, other)
    while offers:
        _, first, second, seen_first, seen_second = heapq.heappop(offers)
        if (
            first not in clusters
            or second not in clusters
            or (version[first], version[second]) != (seen_first, seen_second)
        ):
            continue  # one of the two has changed since: its new offers are in the heap
        joined = _joined(clusters[first], clusters[second], confidence, rules)
        if joined is None:
            continue
        dropped.extend(m for m in clusters[first] + clusters[second] if not any(m is k for k in joined))
        clusters[first] = joined
        del clusters[second]
        version[first] += 1
        for word in words.pop(second):
            holding[word].discard(second)
            holding[word].add(first)
            words[first].add(word)
        for other in neighbours(first):
            offer(first, other)
    return list(clusters.values()), dropped


def _joined(
    first: list[Member], second: list[Member], confidence: Callable[[Member, Member], float], rules: Rules
) -> list[Member] | None:
    """The two clusters as one (see the module), or None: it would hold one source only, take out more than
    one passage, or be no larger than the larger of the two. A source's members in one cluster (a passage
    and its repeats) go together."""
    members = first + second
    sources = {m.source_id for m in members}
    if len(sources) < 2:
        return None
    in_second = {m.source_id for m in second}
    leaving: list[Member] = []
    for source_id in dict.fromkeys(m.source_id for m in first if m.source_id in in_second):
        others = _sample(members, source_id)
        units = [[m for m in group if m.source_id == source_id] for group in (first, second)]
        units.sort(key=lambda unit: -sum(confidence(unit[0], o) for o in others))
        if _mean([confidence(units[1][0], o) for o in others]) < rules.same_source_mean:
            if leaving:
                return None  # a second passage would leave
            leaving = units[1]
    kept = [m for m in members if not any(m is x for x in leaving)]
    if len({m.source_id for m in kept}) < 2 or len(kept) <= max(len(first), len(second)):
        return None
    return kept


def _attach(
    groups: list[list[Member]],
    clause_set: ClauseSet,
    clause_of: Callable[[Member], Clause],
    confidence: Callable[[Member, Member], float],
    may_pair: Callable[[Member, Member], bool],
    taken: Callable[[Clause], bool],
    rules: Rules,
) -> list[Member]:
    """Add each passage in no cluster to the cluster it agrees with best (see the module), never to one holding
    a passage the user rejected it with (the others' agreement does not overrule the user); the members added."""
    docs = clause_set.docs
    inside = {(m.source_id, m.start) for group in groups for m in group}
    repeats: dict[int, list[Clause]] = defaultdict(list)
    for index, canonical in enumerate(clause_set.columns.canonical):  # columns: no Clause for every claim
        if canonical >= 0:
            repeats[canonical].append(clause_set.claim(index))
    candidates = _candidates(groups, clause_set, clause_of, inside, taken)
    cluster_at = {clause_of(m).index: number for number, group in enumerate(groups) for m in group}

    def anchored(clause: Clause, group: list[Member]) -> bool:
        """Whether the clause next to this one (before, or after) and the one next to a member of the
        cluster (on the same side) are in one cluster: the sources tell the claims around it in one order."""
        return any(
            _beside(clause_set, clause, step, cluster_at) is not None
            and _beside(clause_set, clause, step, cluster_at) == _beside(clause_set, clause_of(m), step, cluster_at)
            for m in group
            for step in (-1, 1)
        )

    offers: list[tuple[float, int, int, Clause]] = []  # (mean, clause index, cluster number, clause)
    for clause in candidates:
        source_id = docs[clause.doc].source_id
        mine = _member(clause_set, clause, 0.0, False)
        for number in candidates[clause]:
            group = groups[number]
            if not all(may_pair(mine, m) for m in group):
                continue
            same = any(m.source_id == source_id for m in group)
            floor = rules.same_source_mean if same else rules.attach_mean
            best_floor = rules.attach_best
            if not same and anchored(clause, group):
                floor, best_floor = rules.anchored_mean, rules.anchored_best
            found = _scores(((mine, m) for m in _sample(group, source_id)), confidence, floor, 0.0)
            if found and max(found) >= best_floor:
                offers.append((_mean(found), clause.index, number, clause))
    # Best offers first: a passage joins its best cluster, and a cluster takes at most one passage per source
    # (its best there): mutual bests between passages and clusters.
    offers.sort(key=lambda offer: (-offer[0], offer[1], offer[2]))
    placed: set[int] = set()
    filled: set[tuple[int, Hashable]] = set()
    added: list[Member] = []
    for _, _, number, clause in offers:
        source_id = docs[clause.doc].source_id
        if clause.index in placed or (number, source_id) in filled:
            continue
        placed.add(clause.index)
        filled.add((number, source_id))
        others = _sample(groups[number], source_id)
        score = round(max(0.0, max(claim_score(clause, clause_of(m)) for m in others)), 3)
        joining = [_member(clause_set, clause, score, bool(repeats.get(clause.index)))]
        joining += [_member(clause_set, again, score, True) for again in repeats.get(clause.index, [])]
        groups[number].extend(joining)
        added.extend(joining)
    return added


def _beside(clause_set: ClauseSet, clause: Clause, step: int, cluster_at: dict[int, int]) -> int | None:
    """The cluster of the clause `step` away from clause in its source, if any."""
    index = clause.index + step
    if clause.index < 0 or not 0 <= index < len(clause_set.claims) or clause_set.claims[index].doc != clause.doc:
        return None
    return cluster_at.get(index)


def _candidates(
    groups: list[list[Member]],
    clause_set: ClauseSet,
    clause_of: Callable[[Member], Clause],
    inside: set[tuple[Hashable, int]],
    taken: Callable[[Clause], bool],
) -> dict[Clause, set[int]]:
    """Passages in no cluster (not repeats, not taken) -> the clusters holding a passage they share a word with
    that at most tuning.MAX_POSTING clauses hold."""
    df = clause_set.df
    cluster_of: dict[str, set[int]] = defaultdict(set)  # word -> clusters with a member holding it
    for number, group in enumerate(groups):
        for member in group:
            for stem in clause_of(member).stems:
                if df.get(stem, 0) <= tuning.MAX_POSTING:
                    cluster_of[stem].add(number)
    found: dict[Clause, set[int]] = {}
    if not cluster_of:
        return found
    words = cluster_of.keys()
    columns = clause_set.columns  # read as columns: a Clause is made only for a claim that shares a word
    held_by = zip(columns.bounds, columns.source_stems)
    for index in chain.from_iterable(bounds for bounds, held in held_by if not words.isdisjoint(held)):
        if columns.canonical[index] >= 0 or words.isdisjoint(columns.stems[index]):  # (sources holding none: passed)
            continue
        clause = clause_set.claim(index)
        if (clause_set.docs[clause.doc].source_id, clause.start) in inside or taken(clause):
            continue
        found[clause] = set().union(*(cluster_of[stem] for stem in clause.stems if stem in cluster_of))
    return found


def _member(clause_set: ClauseSet, clause: Clause, score: float, repeat: bool) -> Member:
    doc = clause_set.docs[clause.doc]
    return Member(doc.source_id, doc.path, clause.start, clause.end, doc.text[clause.start : clause.end], score, repeat)


def without_spans(
    spans: Sequence[tuple[int, int]], text: str, taken: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """A source's unique passages with the spans taken (now in a cluster) cut out; what is left of a passage
    stays when it holds a word."""
    if not taken:
        return list(spans)
    result: list[tuple[int, int]] = []
    for start, end in spans:
        pieces = [(start, end)]
        for t_start, t_end in taken:
            next_pieces = []
            for p_start, p_end in pieces:
                if t_end <= p_start or t_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                next_pieces.extend(piece for piece in ((p_start, t_start), (t_end, p_end)) if piece[1] > piece[0])
            pieces = next_pieces
        result.extend(_trimmed(text, s, e) for s, e in pieces if any(ch.isalnum() for ch in text[s:e]))
    return sorted(result)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ".!?\"'\u201d)":
        end -= 1
    return start, end
