"""Passages that make the same claim across sources, the words that differ between them, repeats within
a source and passages found in one source only.

Pure functions over (source id, path, canonical text), in stages, one module each: `cutting` (sentences
into clauses), `clauses` (the claims, weighed), `scoring` (the pair score), `matching` (blocking and
one-to-one), `clustering`, `differences`, `result` (records, lookup and JSON); `pipeline` runs them, `tuning`
holds every tunable and `semantic` is the optional embedding backend. `learn` (the pair model), `suggest`
(confidence, ranking, the user's decisions) and `regroup` (the pair model's second look at the clusters)
judge what the aligner suggests. How the method came to be, and what was tried and reverted, is in
docs/align-history.md. Everything a caller needs is re-exported here: `from reader.align import ...`.
"""

from __future__ import annotations

import sys
import types

from reader.align import tuning
from reader.align.clauses import Clause, ClauseSet, prepare_claims
from reader.align.cutting import claim_spans, sentence_units
from reader.align.differences import word_differences
from reader.align.pipeline import align_claims, align_sources
from reader.align.result import (
    Alignment,
    AlignmentHit,
    Cluster,
    Difference,
    Member,
    Repeat,
    SourceText,
    WordChange,
    alignment_to_json,
    alignment_to_msgspec,
    cluster_to_json,
    iter_claim_sets,
)
from reader.align.scoring import PairScore, claim_score
from reader.align.tuning import *  # noqa: F403 -- the tunables, as reader.align.ACCEPT_SCORE and so on
from reader.align.words import NUMBER_WORDS, STOPWORDS, content_stems, fold_word, is_number_word, quotation_spans

__all__ = [
    "Alignment",
    "AlignmentHit",
    "Clause",
    "ClauseSet",
    "Cluster",
    "Difference",
    "Member",
    "NUMBER_WORDS",
    "PairScore",
    "Repeat",
    "STOPWORDS",
    "SourceText",
    "WordChange",
    "align_claims",
    "align_sources",
    "alignment_to_json",
    "alignment_to_msgspec",
    "claim_score",
    "claim_spans",
    "cluster_to_json",
    "content_stems",
    "fold_word",
    "is_number_word",
    "iter_claim_sets",
    "prepare_claims",
    "quotation_spans",
    "sentence_units",
    "tuning",
    "word_differences",
    *tuning.NAMES,
]


class _AlignPackage(types.ModuleType):
    """Setting a tunable on the package (reader.align.ACCEPT_SCORE = ...) sets it in the tuning table the
    stages read, as setting it on the single module did before the split."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in tuning.NAMES:
            setattr(tuning, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _AlignPackage
