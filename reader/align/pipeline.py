"""The aligner end to end: clauses (stage 1), candidate pairs and their scores (2, 3), one-to-one (3),
clusters (4) with their word differences (5). align_claims takes the pair score as a parameter, so the
semantic backend (reader.align.semantic) reuses every rule here with embeddings in the score.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reader.align import tuning
from reader.align.clauses import ClauseSet, prepare_claims
from reader.align.clustering import build_alignment
from reader.align.matching import one_to_one, score_candidates
from reader.align.result import Alignment, SourceText
from reader.align.scoring import PairScore, claim_score
from reader.collector import paused_gc


def align_sources(docs: Sequence[SourceText], accept_score: float = tuning.ACCEPT_SCORE) -> Alignment:
    """Align the passages of docs that make the same claim; see docs/align-history.md for the method.

    Returns an Alignment: clusters (members in input order of their sources, differences against the
    first member), unique passages and repeats per source, and a lookup by (source_id, offset).
    """
    with paused_gc():
        return align_claims(prepare_claims(docs), accept_score)


def align_claims(
    claim_set: ClauseSet,
    accept_score: float = tuning.ACCEPT_SCORE,
    score: PairScore | None = None,
    extra_pairs: Iterable[tuple[int, int]] = (),
) -> Alignment:
    """Score candidate pairs of claims, keep one-to-one pairs above accept_score and cluster them.

    score (default: claim_score, the lexical evidence) judges a pair; extra_pairs (claim indices) are
    scored beside the pairs lexical blocking proposes: another backend's nearest neighbours.
    """
    score = score or claim_score
    doc_of, canonical, claim = claim_set.columns.doc, claim_set.columns.canonical, claim_set.claim
    scores = score_candidates(claim_set, score)
    for a, b in extra_pairs:
        if doc_of[a] == doc_of[b] or canonical[a] >= 0 or canonical[b] >= 0:
            continue
        pair = (a, b) if a < b else (b, a)
        if pair not in scores:
            scores[pair] = score(claim(pair[0]), claim(pair[1]))
    accepted = one_to_one(doc_of, scores, min(accept_score, tuning.CORROBORATED * accept_score), accept_score)
    return build_alignment(claim_set, accepted, accept_score, score)
