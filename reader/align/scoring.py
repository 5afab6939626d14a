"""Stage 2: how surely two clauses say the same thing (the lexical pair score).

IDF-weighted overlap (Dice and containment), near-identical words (rapidfuzz: "Sebastien" / "Sebastian")
for part of their weight, plus bonuses for shared numbers and quotations. A pair with a single word in
common besides the story's topic words keeps only SINGLE_WORD_SHARE of its score, unless that word is a
name both write capitalised or they share a number. Figures on both sides that all differ take a little
off. Every constant is in reader.align.tuning.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz import fuzz, process

from reader.align import tuning
from reader.align.clauses import Clause

PairScore = Callable[["Clause", "Clause"], float]


def claim_score(a: Clause, b: Clause, count_topic: bool = False) -> float:
    """How surely two claims say the same thing: IDF-weighted overlap, near-identical words, evidence.

    Shared words that are the story's topic do not count towards the two words a pair needs to keep its
    full score, unless count_topic."""
    shared = a.stems & b.stems
    weight = sum(a.weights[s] for s in shared)
    # Near-identical words only matter for pairs already close: skip the fuzzy pass for the rest.
    if 2 * weight / (a.total + b.total) >= tuning.FUZZY_FLOOR:
        weight += _fuzzy_weight(a, b, shared)
    if weight <= 0:
        return 0.0
    dice = 2 * weight / (a.total + b.total)
    containment = weight / min(a.total, b.total)
    score = tuning.DICE_SHARE * dice + (1 - tuning.DICE_SHARE) * containment
    telling = shared if count_topic else shared - a.topic_stems  # not the story's own topic words
    if len(telling) <= 1 and not a.name_stems & b.name_stems & telling and not a.numbers & b.numbers:
        score *= (
            tuning.SINGLE_WORD_SHARE
        )  # one word in common besides the topic is a coincidence more often than a claim
    if a.numbers & b.numbers:
        score += tuning.NUMBER_BONUS
    elif a.amounts and b.amounts:
        score -= tuning.AMOUNT_CONFLICT  # both state figures, none the same: more likely two facts than one
    if a.quote_stems and b.quote_stems:
        overlap = len(a.quote_stems & b.quote_stems) / min(len(a.quote_stems), len(b.quote_stems))
        if overlap >= tuning.QUOTE_OVERLAP:
            score += tuning.QUOTE_BONUS * overlap
    return score


def _fuzzy_weight(a: Clause, b: Clause, shared: frozenset[str]) -> float:
    """Weight earned by words of a that are near-identical to words of b ("sebastien" / "sebastian")."""
    only_a = [s for s in a.stems - shared if len(s) >= tuning.FUZZY_MIN_STEM and s.isalpha()]
    only_b = [s for s in b.stems - shared if len(s) >= tuning.FUZZY_MIN_STEM and s.isalpha()]
    weight = 0.0
    if only_a and only_b:
        for stem in only_a:
            found = process.extractOne(stem, only_b, scorer=fuzz.ratio, score_cutoff=tuning.FUZZY_WORD_RATIO)
            if found:
                weight += tuning.FUZZY_WORD_CREDIT * min(a.weights[stem], b.weights[found[0]])
    return weight
