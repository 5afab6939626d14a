"""The pair model's newer evidence: figures close but not equal, where the user's confirmed pairs say a
counterpart should stand, and decisions recorded before a feature existed."""

from __future__ import annotations

from reader.align import SourceText, prepare_claims
from reader.align.learn import FEATURES, ConfirmedPair, PairModel, UserPairs, fit, pair_features
from reader.align.suggest import query_clauses

COHORT_A = "The team followed 48,200 adults for eight years. The bridge will close in March."
COHORT_B = "Researchers tracked nearly 50,000 people. A grant of $3 million was announced."


def _clause(docs, clause_set, doc: int, quote: str):
    start = docs[doc].text.index(quote)
    return query_clauses(clause_set, doc, start, start + len(quote))[0]


def test_a_rounded_figure_of_the_same_kind_is_near_and_a_different_kind_is_not():
    docs = [SourceText("a", "a.txt", COHORT_A), SourceText("b", "b.txt", COHORT_B)]
    clause_set = prepare_claims(docs)
    cohort_a = _clause(docs, clause_set, 0, "The team followed")
    cohort_b = _clause(docs, clause_set, 1, "Researchers tracked")
    grant = _clause(docs, clause_set, 1, "A grant of")
    near = FEATURES.index("near_figure")
    assert pair_features(cohort_a, cohort_b)[near] == 1.0
    assert pair_features(cohort_a, grant)[near] == 0.0


def test_confirmed_pairs_say_where_a_counterpart_is_expected():
    known = UserPairs([ConfirmedPair(("a", 0, 10), ("b", 500, 510), 0.2, 0.6)])
    assert known.expected_position("a", 0.2, "b") == 0.6
    assert abs(known.expected_position("a", 0.1, "b") - 0.3) < 1e-9  # between the start and the anchor
    assert abs(known.expected_position("b", 0.6, "a") - 0.2) < 1e-9  # and the other way round
    assert known.expected_position("a", 0.5, "c") == 0.5  # no anchors between a and c: the same share


def test_the_position_gap_follows_the_confirmed_pairs():
    docs = [SourceText("a", "a.txt", COHORT_A), SourceText("b", "b.txt", COHORT_B)]
    clause_set = prepare_claims(docs)
    first_a = _clause(docs, clause_set, 0, "The team followed")
    second_b = _clause(docs, clause_set, 1, "A grant of")
    gap = FEATURES.index("position_gap")
    plain = PairModel(fit([], []).weights)
    anchored = PairModel(
        plain.weights, known=UserPairs([ConfirmedPair(("a", 0, 5), ("b", 50, 55), 0.0, second_b.position)])
    )
    assert plain.features(docs, first_a, second_b)[gap] > 0.4
    assert anchored.features(docs, first_a, second_b)[gap] < 0.05


def test_decisions_recorded_before_a_feature_existed_still_refit():
    old_row = [0.9] * (len(FEATURES) - 1)  # one feature short
    model = fit([old_row, [0.0] * len(FEATURES)], [1, 0])
    assert model.decisions == 2
    assert len(model.weights) == len(FEATURES) + 1
