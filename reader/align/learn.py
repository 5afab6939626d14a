"""How sure a suggested pair is: features the scorer already computes, combined by a logistic regression.

The default weights were fitted on the labelled claims (bench/eval_align.py --fit); a database's own
decisions (pairs confirmed, rejected or linked by hand) refit them, pulled towards the defaults, so a
few decisions nudge the weights and many decisions move them (Newton's method on an L2-regularised
log-loss, a few milliseconds for thousands of decisions).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reader.align import tuning
from reader.align.clauses import Clause, ClauseSet
from reader.align.related import related_weight
from reader.align.scoring import claim_score
from reader.align.words import content_stems
from reader.text import _WORD

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
    "near_figure",
    "learned_words",
    "context",
    "cosine",
    "taken",
)

# Event words that say opposite things about the same names: "joins" / "leaves", "confirms" / "denies".
_OPPOSITE_EVENTS = (
    (
        frozenset({"join", "hire", "arriv", "appoint", "recruit"}),
        frozenset({"leav", "depart", "departur", "exit", "quit", "resign", "fire"}),
    ),
    (frozenset({"confirm", "admit", "acknowledg"}), frozenset({"deni", "reject", "disput"})),
    (
        frozenset({"rise", "rose", "increas", "grow", "grew", "gain", "rais"}),
        frozenset({"fall", "fell", "declin", "drop", "cut", "lost", "lose", "shrink"}),
    ),
)


def pair_features(
    a: Clause,
    b: Clause,
    learned_words: float = 0.0,
    context: float = 0.0,
    cosine: float = 0.0,
    related_credit: float | None = None,
    taken: float = 0.0,
) -> list[float]:
    """The scorer's evidence on a pair of clauses as numbers, in the order of FEATURES.

    learned_words: the share of the words of a not in b that confirmed pairs have paired with a word of b
    (UserPairs.learned_words).
    context and cosine come from PairContext (the clauses around the two; the semantic backend's embeddings).
    related_credit: what a word of one that the other says with a word WordNet relates to it ("shut" / "close")
    counts for in dice and containment, as a share of a shared word (tuning.RELATED_WORD_CREDIT when not given;
    the aligner's own score, claim_score, counts shared words only)."""
    shared = a.stems & b.stems
    credit = tuning.RELATED_WORD_CREDIT if related_credit is None else related_credit
    weight = sum(a.weights.get(s, 0.0) for s in shared)
    if credit:
        weight += credit * related_weight(a, b)
    total = a.total + b.total
    dice = 2 * weight / total if total else 0.0
    # how much of the shorter the other says; a passage too short to be a claim (a two-word sentence a ranking
    # offers: reader.align.short_passages) is said by any passage that shares a word: then a's share counts
    inner = a.total if b.index < 0 and len(b.stems) < tuning.MIN_CLAIM_WORDS else min(a.total, b.total)
    containment = weight / inner if inner else 0.0
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
        # outlets tell a story in roughly the same order. Not measured from the user's confirmed pairs: placed
        # between them, a counterpart was as often further off as nearer (outlets reorder; bench/eval_suggest.py)
        abs(a.position - b.position),
        1.0 if _near_figures(figures_a, figures_b) else 0.0,
        learned_words,
        context,
        cosine,
        taken,
    ]


def _true_figures(keys: frozenset[str]) -> frozenset[str]:
    return frozenset(key for key in keys if "|label:" not in key)


def _near_figures(keys_a: frozenset[str], keys_b: frozenset[str]) -> bool:
    """A figure of a and one of b of the same kind within NEAR_FIGURE of each other, none the same: one claim
    told with a rounded or changed figure ("48,200" / "nearly 50,000"; "3,100" / "3,140"; "8.5 years" /
    "nine years") more often than two facts."""
    if not keys_a or not keys_b or keys_a & keys_b:
        return False
    parsed_b = [_parse_key(key) for key in keys_b]
    for value_a, kind_a in map(_parse_key, keys_a):
        for value_b, kind_b in parsed_b:
            if (
                kind_a == kind_b
                and value_a
                and abs(value_a - value_b) <= tuning.NEAR_FIGURE * max(abs(value_a), abs(value_b))
            ):
                return True
    return False


def _parse_key(key: str) -> tuple[float, str]:
    value, _, kind = key.partition("|")
    return float(value), kind


SpanAt = tuple[Hashable, int, int]  # (source id, start, end)


@dataclass(frozen=True)
class ConfirmedPair:
    """A pair the user confirmed: two spans and the words of each."""

    a: SpanAt
    b: SpanAt
    stems_a: frozenset[str] = frozenset()  # content stems of each passage (stems_of)
    stems_b: frozenset[str] = frozenset()


class UserPairs:
    """What the pairs a user confirmed say about other pairs: the words the story's outlets use for one another
    (learned_words), and which passages already are the counterpart of another claim (taken).

    Not where a counterpart stands: placed between the confirmed pairs of two outlets (interpolated), a held-out
    counterpart was as often further off as nearer, and ranking lost counterparts (outlets reorder a story;
    bench/eval_suggest.py, learn from half)."""

    def __init__(self, pairs: Iterable[ConfirmedPair] = ()) -> None:
        self.words: dict[str, set[str]] = {}  # a word -> words the other side of a confirmed pair used instead
        # (source of a passage, source of its counterpart) -> [(start, end of the passage, of the counterpart)],
        # sorted by the passage's start, and the longest passage: a lookup by bisection (UserPairs.taken)
        self.partners: dict[tuple[Hashable, Hashable], list[tuple[int, int, int, int]]] = {}
        self._longest: dict[tuple[Hashable, Hashable], int] = {}
        for pair in pairs:
            if pair.a[0] == pair.b[0]:
                continue
            for here, there in ((pair.a, pair.b), (pair.b, pair.a)):
                key = (here[0], there[0])
                self.partners.setdefault(key, []).append((here[1], here[2], there[1], there[2]))
                self._longest[key] = max(self._longest.get(key, 0), here[2] - here[1])
            only_a, only_b = pair.stems_a - pair.stems_b, pair.stems_b - pair.stems_a
            for mine, theirs in ((only_a, only_b), (only_b, only_a)):
                for stem in mine:
                    self.words.setdefault(stem, set()).update(theirs)
        for spans in self.partners.values():
            spans.sort()

    def __bool__(self) -> bool:
        return bool(self.words or self.partners)

    def taken(self, a: SpanAt, b: SpanAt) -> float:
        """The largest share of passage b the user confirmed as the counterpart of a passage of a's source that is
        not a: one claim's counterpart is seldom another's (outlets tell each claim once)."""
        length = b[2] - b[1]
        if length <= 0:
            return 0.0
        key = (b[0], a[0])
        spans = self.partners.get(key)
        if not spans:
            return 0.0
        best = 0
        first = bisect.bisect_left(spans, (b[1] - self._longest[key],))
        for start, end, other_start, other_end in spans[first : bisect.bisect_left(spans, (b[2],))]:
            shared = min(end, b[2]) - max(start, b[1])
            if shared > best and min(other_end, a[2]) <= max(other_start, a[1]):  # paired with a passage apart from a
                best = shared
        return best / length

    def learned_words(self, a: Clause, b: Clause) -> float:
        """The weighted share of a's words missing from b that a confirmed pair paired with a word b has: the
        story's own paraphrases ("cadence" / "pace"), learnt from the user."""
        if not self.words or not a.total:
            return 0.0
        only_b = b.stems - a.stems
        found = sum(
            a.weights.get(stem, 0.0)
            for stem in a.stems - b.stems
            if stem in self.words and not self.words[stem].isdisjoint(only_b)
        )
        return found / a.total


def stems_of(text: str) -> frozenset[str]:
    """The content stems of a passage, as clauses hold them (words as reader.text.word_spans finds them)."""
    return frozenset(stem for word in _WORD.findall(text) for stem in content_stems(word))


@dataclass(frozen=True, eq=False)
class PairContext:
    """What lies around a pair of clauses of one ClauseSet: its claims (index order, so a clause's neighbours
    in its source are the claims next to it) and, for the semantic backend, unit-length embeddings of them
    (one row per claim) and of the passage a ranking asks about (`query`, used for the first clause)."""

    claims: Sequence[Clause] = ()
    vectors: Any = None
    query: Any = None
    embed_query: Any = None  # text -> its unit-length embedding (how a ranking gets `query`)
    passages: Any = None  # (doc, start, end) -> embedding of a passage that is no claim (a short sentence)
    sources: Sequence[Hashable] = ()  # the source id of each of the set's docs (by Clause.doc)

    @classmethod
    def of(
        cls, clause_set: ClauseSet, vectors: Any = None, embed_query: Any = None, passages: Any = None
    ) -> PairContext:
        """The context of clause_set's pairs: its claims and its sources (and embeddings, if given)."""
        sources = [doc.source_id for doc in clause_set.docs]
        return cls(clause_set.claims, vectors, embed_query=embed_query, passages=passages, sources=sources)

    def spans(self, a: Clause, b: Clause) -> tuple[SpanAt, SpanAt] | None:
        """The two clauses as (source id, start, end), when the context knows their sources."""
        if a.doc >= len(self.sources) or b.doc >= len(self.sources):
            return None
        return (self.sources[a.doc], a.start, a.end), (self.sources[b.doc], b.start, b.end)

    def context(self, a: Clause, b: Clause) -> float:
        """How well the clauses just before (or just after) a and b agree: outlets that tell one claim often
        tell its neighbours too, in the same order (the better of the two sides, claim_score)."""
        best = 0.0
        for step in (-1, 1):
            x, y = self._neighbour(a, step), self._neighbour(b, step)
            if x is not None and y is not None:
                best = max(best, claim_score(x, y))
        return best

    def cosine(self, a: Clause, b: Clause) -> float:
        """Cosine similarity of the embeddings of a (or of the query passage) and b; 0 without embeddings."""
        if self.vectors is None:
            return 0.0
        vector = self.vectors[b.index] if b.index >= 0 else (self.passages or {}).get((b.doc, b.start, b.end))
        if vector is None:
            return 0.0
        if self.query is not None:
            return float(self.query @ vector)
        return float(self.vectors[a.index] @ vector) if a.index >= 0 else 0.0

    def _neighbour(self, clause: Clause, step: int) -> Clause | None:
        index = clause.index + step
        if clause.index < 0 or not 0 <= index < len(self.claims):
            return None
        found = self.claims[index]
        return found if found.doc == clause.doc else None


@dataclass(frozen=True)
class PairModel:
    """Weights of a logistic regression over FEATURES (bias first); confidence(x) is P(same claim).

    known: what the pairs the user confirmed say (UserPairs: the words the story's outlets use for one
    another, the passages already paired; the learned_words and taken features). context: the clause set the
    pairs come from (PairContext: neighbours, embeddings, source ids), for the context, cosine and taken features."""

    weights: tuple[float, ...]
    decisions: int = 0  # how many user decisions it was refitted on (0: the defaults)
    known: UserPairs = field(default_factory=UserPairs, compare=False, hash=False)
    context: PairContext | None = field(default=None, compare=False, hash=False)

    def within(self, context: PairContext | None) -> PairModel:
        """This model judging the pairs of one clause set (see PairContext)."""
        return replace(self, context=context)

    def confidence(self, features: Sequence[float]) -> float:
        z = self.weights[0] + sum(w * x for w, x in zip(self.weights[1:], features))
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def features(self, a: Clause, b: Clause) -> list[float]:
        """pair_features of clauses a and b, with what the user's confirmed pairs say about them."""
        around = self.context
        context = around.context(a, b) if around is not None else 0.0
        cosine = around.cosine(a, b) if around is not None else 0.0
        # with embeddings (the semantic backend) the cosine already says how close the wording is: WordNet's
        # related words count in the lexical backend only
        credit = 0.0 if around is not None and around.vectors is not None else None
        learned = self.known.learned_words(a, b) if self.known else 0.0
        spans = around.spans(a, b) if self.known and around is not None else None
        taken = self.known.taken(*spans) if spans is not None else 0.0
        return pair_features(a, b, learned, context, cosine, credit, taken)

    def judge(self, a: Clause, b: Clause) -> float:
        """The confidence that clauses a and b state one claim."""
        return self.confidence(self.features(a, b))


DEFAULT_MODEL = PairModel(tuning.DEFAULT_PAIR_WEIGHTS)
MAX_STEP = 2.0  # largest change of one weight in one Newton step


def fit(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    prior: Sequence[float] = tuning.DEFAULT_PAIR_WEIGHTS,
    strength: float | Sequence[float] = tuning.PRIOR_STRENGTH,
    iterations: int = 25,
    known: UserPairs | None = None,
) -> PairModel:
    """Weights minimising the log-loss of rows (feature vectors) against labels (1 same claim, 0 not) plus
    strength * |weights - prior|^2: with few decisions the prior dominates, with many the data."""
    import numpy

    prior_vector = numpy.asarray(prior, dtype=float)
    if not rows:
        return PairModel(tuple(float(w) for w in prior_vector), 0, known or UserPairs())
    width = len(prior_vector) - 1
    # Decisions recorded before a feature was added lack it: counted as 0 (absent) for them.
    padded = [list(row) + [0.0] * (width - len(row)) if len(row) < width else row for row in rows]
    x = numpy.hstack([numpy.ones((len(rows), 1)), numpy.asarray(padded, dtype=float)])
    y = numpy.asarray(labels, dtype=float)
    w = prior_vector.copy()
    pull = numpy.broadcast_to(numpy.asarray(strength, dtype=float), w.shape)  # one strength, or one per weight
    penalty = 2 * numpy.diag(pull)
    # einsum rather than @: these matrices are small, and a multi-threaded BLAS on a busy machine spends
    # far longer starting and syncing its threads (450 ms against 20 ms measured for 5,000 rows on 2 cores).
    for _ in range(iterations):
        p = 1.0 / (1.0 + numpy.exp(-numpy.clip(numpy.einsum("nj,j->n", x, w), -30, 30)))
        gradient = numpy.einsum("nj,n->j", x, p - y) + 2 * pull * (w - prior_vector)
        hessian = numpy.einsum("ni,nj->ij", x * (p * (1 - p))[:, None], x) + penalty
        step = numpy.linalg.solve(hessian, gradient)
        largest = float(numpy.abs(step).max())
        if largest > MAX_STEP:  # damped: on (nearly) separable decisions a full Newton step overshoots
            step *= MAX_STEP / largest
        w -= step
        if float(numpy.abs(step).max()) < 1e-6:
            break
    return PairModel(tuple(float(v) for v in w), len(rows), known or UserPairs())


LEARNED_FEATURES = ("learned_words",)  # features only a database's own decisions give a value


def refit(
    rows: Sequence[Sequence[float]],
    labels: Sequence[int],
    prior: Sequence[float] = tuning.DEFAULT_PAIR_WEIGHTS,
    known: UserPairs | None = None,
) -> PairModel:
    """The pair model refitted on a database's decisions: the generic features pulled hard towards the prior
    (they were fitted on thousands of labelled pairs; a few hundred decisions on one story mostly add noise
    to them), the features learnt from the user (LEARNED_FEATURES) free to move."""
    strength = [tuning.REFIT_STRENGTH] * len(prior)
    for name in LEARNED_FEATURES:
        strength[1 + FEATURES.index(name)] = tuning.LEARNED_STRENGTH
    return fit(rows, labels, prior=prior, strength=strength, known=known)
