"""Stage 3: which pairs of clauses are scored (blocking) and which are kept (one-to-one between sources).

Blocking: each clause is indexed under its rarest content words (at most BLOCKING_KEYS, words in more than
MAX_POSTING clauses never index) and scored only against clauses sharing a key, best MAX_CANDIDATES first,
so the work grows with the corpus, not its square; clauses with exactly the same words in several sources
are paired by their text. One-to-one: between each pair of sources a clause keeps at most one counterpart,
mutual bests first, then a clause's next best when a better pair took its best.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import compress
from operator import not_

from reader.align import tuning
from reader.align.clauses import ClauseSet, rarity_ranks
from reader.align.scoring import PairScore


def score_candidates(claim_set: ClauseSet, score: PairScore) -> dict[tuple[int, int], float]:
    """Score each claim against the claims of other sources that share one of its rarest words. Read from the
    set's columns: a Clause is made only for the claims of a pair scored."""
    columns, clause, df = claim_set.columns, claim_set.claim, claim_set.df  # clause(i): claim i as a Clause
    made = claim_set.made  # the Clauses made so far (None for the others): read first, without a call
    stems, doc_of, key_of = columns.stems, columns.doc, columns.key
    active = list(compress(range(len(doc_of)), map((0).__gt__, columns.canonical)))  # not repeating another
    rank = rarity_ranks(df)
    postings: dict[str, list[int]] = defaultdict(list)
    keys_of: dict[int, list[str]] = {}  # the claims that have keys, in claim order
    indexing = {stem for stem, count in df.items() if 1 < count <= tuning.MAX_POSTING}  # words that may be keys
    if indexing:
        # Only the claims with a word that may be a key (found in C), of the sources that hold one: most clauses
        # of a huge source have none, all their words being too common.
        searched = [
            claim
            for bounds, held in zip(columns.bounds, columns.source_stems)
            if not indexing.isdisjoint(held)
            for claim in active[bisect_left(active, bounds.start) : bisect_left(active, bounds.stop)]
        ]
        for claim in compress(searched, map(not_, map(indexing.isdisjoint, map(stems.__getitem__, searched)))):
            keys = sorted(indexing.intersection(stems[claim]), key=rank.__getitem__)[: tuning.BLOCKING_KEYS]
            keys_of[claim] = keys
            for key in keys:
                postings[key].append(claim)
    scores: dict[tuple[int, int], float] = {}
    # Word-for-word the same claim in several sources (boilerplate, wire copy): found by its text, however
    # common its words, and linked to the first source that states it. Only texts that two sources state are
    # grouped (found by sets of texts: grouping a million clauses one by one took most of this stage's time).
    same_text: dict[str, list[int]] = defaultdict(list)
    for claim in _stated_in_two_sources(active, columns.bounds, key_of):
        same_text[key_of[claim]].append(claim)
    for group in same_text.values():
        first, seen_docs = group[0], {doc_of[group[0]]}
        for other in group[1:]:
            if doc_of[other] not in seen_docs:
                seen_docs.add(doc_of[other])
                scores[(first, other)] = score(clause(first), clause(other))
    for index, keys in keys_of.items():
        shared_keys: Counter[int] = Counter()
        for key in keys:
            shared_keys.update(postings[key])
        ranked = [
            other
            for other, _ in shared_keys.most_common(tuning.CANDIDATE_POOL * tuning.MAX_CANDIDATES)
            if doc_of[other] != doc_of[index]
        ][: tuning.MAX_CANDIDATES]
        for other_index in ranked:
            pair = (index, other_index) if index < other_index else (other_index, index)
            if pair not in scores:
                scores[pair] = score(made[pair[0]] or clause(pair[0]), made[pair[1]] or clause(pair[1]))
    return scores


def _stated_in_two_sources(active: list[int], bounds: list[range], key_of: list[str]) -> list[int]:
    """The claims (in order) whose text, word for word, is also that of a claim of another source (each source's
    claims a range of indices: bounds). The texts of the source with most claims are only looked up in those
    of the others, never gathered in a set."""
    by_doc = [
        group for group in (active[bisect_left(active, r.start) : bisect_left(active, r.stop)] for r in bounds) if group
    ]
    if len(by_doc) < 2:
        return []
    largest = max(range(len(by_doc)), key=lambda number: len(by_doc[number]))
    seen: set[str] = set()
    shared: set[str] = set()
    for number, group in enumerate(by_doc):
        if number != largest:
            texts = set(map(key_of.__getitem__, group))
            shared |= seen & texts
            seen |= texts
    shared |= seen.intersection(map(key_of.__getitem__, by_doc[largest]))
    return list(compress(active, map(shared.__contains__, map(key_of.__getitem__, active)))) if shared else []


def one_to_one(
    doc_of: Sequence[int], scores: dict[tuple[int, int], float], weak_floor: float, accept_score: float
) -> list[tuple[float, int, int]]:
    """Pairs of claims, at most one per claim and other source, best first: every pair that is each
    other's best match between their two sources and clears weak_floor (mutual best), and, for a claim
    whose best match was taken by a better pair, its next best that clears accept_score (second choice)."""
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for (a, b), score in scores.items():
        if score < weak_floor:
            continue
        for mine, other in ((a, b), (b, a)):
            slot = (mine, doc_of[other])
            if slot not in best or score > best[slot][0]:
                best[slot] = (score, other)

    def has_mutual_best(mine: int, other_doc: int) -> bool:
        found = best.get((mine, other_doc))
        return found is not None and best[(found[1], doc_of[mine])][1] == mine

    accepted = []
    for (a, b), score in scores.items():
        if score >= weak_floor and best[(a, doc_of[b])][1] == b and best[(b, doc_of[a])][1] == a:
            accepted.append((score, a, b))
    # Second choices, greedily by score: only claims without a mutual best in that source can have one
    # (a mutual best outscores every other pair of its two claims), which keeps this list short.
    second = sorted(
        (
            (score, a, b)
            for (a, b), score in scores.items()
            if score >= accept_score and not has_mutual_best(a, doc_of[b]) and not has_mutual_best(b, doc_of[a])
        ),
        key=lambda item: (-item[0], item[1], item[2]),
    )
    taken: set[tuple[int, int]] = set()
    for score, a, b in second:
        slot_a, slot_b = (a, doc_of[b]), (b, doc_of[a])
        if slot_a not in taken and slot_b not in taken:
            taken.update((slot_a, slot_b))
            accepted.append((score, a, b))
    accepted.sort(key=lambda item: (-item[0], item[1], item[2]))
    return accepted
