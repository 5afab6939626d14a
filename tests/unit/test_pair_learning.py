"""The pair model's newer evidence: figures close but not equal, what the user's confirmed pairs say (their words)
and do not say (where a counterpart stands), and decisions recorded before a feature existed."""

from __future__ import annotations

from reader.align import SourceText, prepare_claims
from reader.align.learn import (
    FEATURES,
    ConfirmedPair,
    PairContext,
    PairModel,
    UserPairs,
    fit,
    pair_features,
    refit,
    stems_of,
)
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


# One story told in a different order by two outlets: A's third sentence is B's first.
STORY_A = (
    "Councillors approved the harbour budget on Monday. Storm water flooded the northern railway line overnight. "
    "Engineers said repairs to the line would take three weeks. Ferry crews held a vote on pay. "
    "The museum reopened its west wing."
)
STORY_B = (
    "Trains stop for three weeks. Ferry workers voted on a pay offer. The west wing of the museum is open again. "
    "Crews worked on the line through the night. The harbour budget was approved by councillors on Monday. "
    "Floodwater from the storm covered the northern railway line. "
    "Engineers said the line would be inspected again in three months."
)


def _span(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def test_confirming_other_claims_of_a_reordered_story_keeps_a_counterparts_lead():
    """Confirmed pairs of two claims told late in B must not pull the expected place of another claim's
    counterpart towards them: B tells the repairs first, and its right counterpart keeps its lead over a
    late sentence sharing words (interpolating between confirmed pairs cut the lead from 0.23 to 0.02)."""
    from reader.align.learn import DEFAULT_MODEL
    from reader.align.suggest import rank_counterparts

    docs = [SourceText("a", "a.txt", STORY_A), SourceText("b", "b.txt", STORY_B)]
    clause_set = prepare_claims(docs)
    confirmed = [
        ConfirmedPair(("a", *_span(STORY_A, qa)), ("b", *_span(STORY_B, qb)), stems_of(qa), stems_of(qb))
        for qa, qb in (
            ("Councillors approved the harbour budget on Monday.", "The harbour budget was approved by councillors"),
            ("Storm water flooded the northern railway line", "Floodwater from the storm covered the northern"),
        )
    ]
    query = _span(STORY_A, "Engineers said repairs to the line would take three weeks.")
    leads = []
    for model in (DEFAULT_MODEL, PairModel(DEFAULT_MODEL.weights, known=UserPairs(confirmed))):
        first, second = rank_counterparts(clause_set, "a", *query, model)["b"][:2]
        assert first.text == "Trains stop for three weeks."
        leads.append(first.confidence - second.confidence)
    assert leads[0] > 0.1
    assert leads[1] > leads[0] - 0.05


def test_confirmed_pairs_do_not_change_how_far_apart_two_passages_stand():
    docs = [SourceText("a", "a.txt", COHORT_A), SourceText("b", "b.txt", COHORT_B)]
    clause_set = prepare_claims(docs)
    first_a = _clause(docs, clause_set, 0, "The team followed")
    second_b = _clause(docs, clause_set, 1, "A grant of")
    gap = FEATURES.index("position_gap")
    plain = PairModel(fit([], []).weights)
    known = PairModel(plain.weights, known=UserPairs([ConfirmedPair(("a", 0, 5), ("b", 50, 55), stems_of("x"))]))
    assert known.features(first_a, second_b)[gap] == plain.features(first_a, second_b)[gap]


def test_decisions_recorded_before_a_feature_existed_still_refit():
    old_row = [0.9] * (len(FEATURES) - 1)  # one feature short
    model = fit([old_row, [0.0] * len(FEATURES)], [1, 0])
    assert model.decisions == 2
    assert len(model.weights) == len(FEATURES) + 1


def test_words_a_confirmed_pair_used_for_one_another_count_for_later_pairs():
    """The story's own paraphrases: once "pace" and "cadence" were confirmed as one claim, a later pair
    using them for one another gets the learned_words evidence; an unrelated pair does not."""
    docs = [
        SourceText("a", "a.txt", "Walking pace mattered for the volunteers. The bridge reopens in May."),
        SourceText("b", "b.txt", "Cadence also made a difference. Councillors approved the budget."),
    ]
    clause_set = prepare_claims(docs)
    pace = _clause(docs, clause_set, 0, "Walking pace")
    cadence = _clause(docs, clause_set, 1, "Cadence also")
    budget = _clause(docs, clause_set, 1, "Councillors approved")
    confirmed = ConfirmedPair(
        ("a", 100, 120), ("b", 100, 120), stems_of("brisk pace helped"), stems_of("higher cadence helped")
    )
    model = PairModel(fit([], []).weights, known=UserPairs([confirmed]))
    learned = FEATURES.index("learned_words")
    assert model.features(pace, cadence)[learned] > 0.2
    assert model.features(pace, budget)[learned] == 0.0
    assert pair_features(pace, cadence)[learned] == 0.0  # nothing learnt without the user's pairs


def test_a_refit_moves_the_learned_feature_more_than_the_generic_ones():
    learned = FEATURES.index("learned_words")
    rows = [[0.0] * len(FEATURES) for _ in range(40)]
    for number, row in enumerate(rows):
        row[learned] = 1.0 if number % 2 else 0.0
        row[0] = 1.0 if number % 2 else 0.0
    labels = [number % 2 for number in range(40)]
    before = fit([], []).weights
    after = refit(rows, labels).weights
    assert after[1 + learned] - before[1 + learned] > 3 * abs(after[1] - before[1])


def test_the_databases_model_knows_the_confirmed_pairs(loaded_store, source_id):
    """pair_model reads the confirmed decisions' words (learnt words); rejections give none."""
    from reader.comparison import pair_model
    from reader.store.decisions import record_decision

    first, second = source_id("001"), source_id("003")
    record_decision(loaded_store, "confirmed", (first, 100, 180), (second, 300, 380), [0.5] * len(FEATURES))
    record_decision(loaded_store, "rejected", (first, 400, 480), (second, 50, 120), [0.1] * len(FEATURES))
    model = pair_model(loaded_store)
    assert model.decisions == 2
    only_first = stems_of(loaded_store.text(first)[100:180]) - stems_of(loaded_store.text(second)[300:380])
    assert set(model.known.words) >= only_first  # the confirmed passages' words, paired with one another
    assert not set(model.known.words) & (
        stems_of(loaded_store.text(first)[400:480]) - only_first - stems_of(loaded_store.text(second)[300:380])
    )


def test_the_library_seen_through_two_panes_keeps_their_pairs_and_calls_the_rest_unique():
    """A passage whose only counterpart is in a closed source has no counterpart in the view: unique there."""
    from reader.align.result import Alignment
    from reader.align.suggest import _rebuild, within

    texts = {sid: f"{sid} one claim here. {sid} another claim there." for sid in "abc"}
    docs = [SourceText(sid, f"{sid}.txt", text) for sid, text in texts.items()]
    by_id = {doc.source_id: doc for doc in docs}

    def member(sid: str, start: int, end: int):
        from reader.align.result import Member

        return Member(sid, f"{sid}.txt", start, end, texts[sid][start:end], 0.5, confidence=0.9)

    library = _rebuild(
        [[member("a", 0, 17), member("b", 0, 17), member("c", 0, 17)], [member("a", 18, 40), member("c", 18, 40)]],
        by_id,
        {"a": 0, "b": 1, "c": 2},
        {"b": [(18, 40)]},
        {},
    )
    assert isinstance(library, Alignment)
    seen = within(library, docs[:2])
    assert [[m.source_id for m in cluster.members] for cluster in seen.clusters] == [["a", "b"]]
    assert seen.unique == {"a": [(18, 40)], "b": [(18, 40)]}


def test_clauses_whose_neighbours_agree_get_the_context_evidence():
    """Outlets tell neighbouring claims together: a pair whose clauses just before agree gets the context
    feature; a pair whose neighbours say different things does not; without a PairContext it is absent."""
    docs = [
        SourceText(
            "a",
            "a.txt",
            "The ferry struck rocks near Holm Point in thick fog. Everyone was brought "
            "ashore safely. The harbour reopened on Monday morning.",
        ),
        SourceText(
            "b",
            "b.txt",
            "Thick fog covered Holm Point when the ferry struck rocks. All passengers "
            "reached land unhurt. Councillors approved the budget.",
        ),
    ]
    clause_set = prepare_claims(docs)
    ashore = _clause(docs, clause_set, 0, "Everyone was brought")
    unhurt = _clause(docs, clause_set, 1, "All passengers")
    budget = _clause(docs, clause_set, 1, "Councillors approved")
    context = FEATURES.index("context")
    model = PairModel(fit([], []).weights, context=PairContext.of(clause_set))
    assert model.features(ashore, unhurt)[context] > 0.3  # "struck rocks ... Holm Point ... fog" before both
    assert model.features(ashore, budget)[context] < model.features(ashore, unhurt)[context]
    assert pair_features(ashore, unhurt)[context] == 0.0
