"""How sure a suggested pair is: features the scorer already computes, combined by a logistic regression.

The default weights were fitted on the labelled claims (bench/eval_align.py --fit); a database's own
decisions (pairs confirmed, rejected or linked by hand) refit them, pulled towards the defaults, so a
few decisions nudge the weights and many decisions move them (Newton's method on an L2-regularised
log-loss, a few milliseconds for thousands of decisions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reader.align import tuning
from reader.align.clauses import Clause
from reader.align.scoring import claim_score

FEATURES = (
    "score",
    "dice",
    "containment",
    "shared_figure",
    "figure_conflict",
    "shared_names",
    "quote_overlap",
    "telling_words",
    "event_clash",
    "topic_only",
    "position_gap",
)

# Event words that say opposite things about the same names: "joins" / "leaves", "confirms" / "denies".
_OPPOSITE_EVENTS = (
    (
        frozenset({"join", "hire", "arriv", "appoint", "recruit"}),
        frozenset({"leav", "depart", "exit", "quit", "resign", "fire"}),
    ),
    (frozenset({"confirm", "admit", "acknowledg"}), frozenset({"deni", "reject", "disput"})),
    (
        frozenset({"rise", "rose", "increas", "grow", "grew", "gain", "rais"}),
        frozenset({"fall", "fell", "declin", "drop", "cut", "lost", "lose", "shrink"}),
    ),
)


def pair_features(a: Clause, b: Clause) -> list[float]:
    """The scorer's evidence on a pair of clauses as numbers, in the order of FEATURES."""
    shared = a.stems & b.stems
    weight = sum(a.weights.get(s, 0.0) for s in shared)
    total = a.total + b.total
    dice = 2 * weight / total if total else 0.0
    containment = weight / min(a.total, b.total) if min(a.total, b.total) else 0.0
    telling = shared - a.topic_stems - b.topic_stems
    quote = 0.0
    if a.quote_stems and b.quote_stems:
        quote = len(a.quote_stems & b.quote_stems) / min(len(a.quote_stems), len(b.quote_stems))
    figures_a, figures_b = _true_figures(a.numbers), _true_figures(b.numbers)
    clash = any(
        (left & a.stems and right & b.stems and not right & a.stems)
        or (right & a.stems and left & b.stems and not left & a.stems)
        for left, right in _OPPOSITE_EVENTS
    )
    return [
        claim_score(a, b),
        dice,
        containment,
        1.0 if a.numbers & b.numbers else 0.0,
        1.0 if figures_a and figures_b and not figures_a & figures_b else 0.0,
        min(3, len(a.name_stems & b.name_stems & shared)) / 3,
        quote,
        min(5, len(telling)) / 5,
        1.0 if clash else 0.0,
        1.0 if shared and not telling else 0.0,
        abs(a.position - b.position),  # outlets tell a story in roughly the same order
    ]


def _true_figures(keys: frozenset[str]) -> frozenset[str]:
    return frozenset(key for key in keys if "|label:" not in key)


@dataclass(frozen=True)
class PairModel:
    """Weights of a logistic regression over FEATURES (bias first); confidence(x) is P(same claim)."""

    weights: tuple[float, ...]
    decisions: int = 0  # how many user decisions it was refitted on (0: the defaults)

    def confidence(self, features: Sequence[float]) -> float:
        z = self.weights[0] + sum(w * x for w, x in zip(self.weights[1:], features))
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


DEFAULT_MODEL = PairModel(tuning.DEFAULT_PAIR_WEIGHTS)
MAX_STEP = 2.0  # largest change of one weight in one Newton step


def fit(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    prior: Sequence[float] = tuning.DEFAULT_PAIR_WEIGHTS,
    strength: float = tuning.PRIOR_STRENGTH,
    iterations: int = 25,
) -> PairModel:
    """Weights minimising the log-loss of rows (feature vectors) against labels (1 same claim, 0 not) plus
    strength * |weights - prior|^2: with few decisions the prior dominates, with many the data."""
    import numpy

    prior_vector = numpy.asarray(prior, dtype=float)
    if not rows:
        return PairModel(tuple(float(w) for w in prior_vector), 0)
    x = numpy.hstack([numpy.ones((len(rows), 1)), numpy.asarray(rows, dtype=float)])
    y = numpy.asarray(labels, dtype=float)
    w = prior_vector.copy()
    penalty = 2 * strength * numpy.eye(len(w))
    # einsum rather than @: these matrices are small, and a multi-threaded BLAS on a busy machine spends
    # far longer starting and syncing its threads (450 ms against 20 ms measured for 5,000 rows on 2 cores).
    for _ in range(iterations):
        p = 1.0 / (1.0 + numpy.exp(-numpy.clip(numpy.einsum("nj,j->n", x, w), -30, 30)))
        gradient = numpy.einsum("nj,n->j", x, p - y) + 2 * strength * (w - prior_vector)
        hessian = numpy.einsum("ni,nj->ij", x * (p * (1 - p))[:, None], x) + penalty
        step = numpy.linalg.solve(hessian, gradient)
        largest = float(numpy.abs(step).max())
        if largest > MAX_STEP:  # damped: on (nearly) separable decisions a full Newton step overshoots
            step *= MAX_STEP / largest
        w -= step
        if float(numpy.abs(step).max()) < 1e-6:
            break
    return PairModel(tuple(float(v) for v in w), len(rows))
