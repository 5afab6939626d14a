"""The pair model's second look at the aligner's clusters (reader.align.regroup): merging clusters of one
claim, adding passages the aligner left out, never against the user's rejections or links."""

from __future__ import annotations

from reader.align import SourceText, prepare_claims, tuning
from reader.align.regroup import Rules, regroup, without_spans
from reader.align.result import Member

TEXTS = {
    "a": "The bridge will close for repairs in March. Tolls rise to four pounds next year.",
    "b": "Repairs will shut the bridge from March. The toll is going up to four pounds.",
    "c": "Engineers found cracks in the main span. From March the bridge is closed for repair work.",
}


def setup():
    docs = [SourceText(name, f"{name}.txt", text) for name, text in TEXTS.items()]
    clause_set = prepare_claims(docs)
    at = {(clause_set.docs[c.doc].source_id, clause_set.text(c)[:12]): c for c in clause_set.claims}

    def member(source: str, opening: str) -> Member:
        clause = at[(source, opening[:12])]
        return Member(source, f"{source}.txt", clause.start, clause.end, clause_set.text(clause), 0.3)

    def clause_of(m: Member):
        return next(
            c for c in clause_set.claims if clause_set.docs[c.doc].source_id == m.source_id and c.start == m.start
        )

    return clause_set, member, clause_of


def same_claim(clause_set, pairs_of_openings: set[frozenset[str]]):
    """A judge: 0.9 for the pairs named by their openings, 0.05 otherwise."""

    def judge(a, b) -> float:
        return 0.9 if frozenset({clause_set.text(a)[:12], clause_set.text(b)[:12]}) in pairs_of_openings else 0.05

    return judge


CLOSING = ("The bridge w", "Repairs will", "From March t")


def closing_pairs() -> set[frozenset[str]]:
    return {frozenset({x, y}) for x in CLOSING for y in CLOSING if x != y}


def test_two_clusters_of_one_claim_merge_and_a_passage_left_out_joins():
    clause_set, member, clause_of = setup()
    groups = [[member("a", "The bridge w"), member("b", "Repairs will")]]
    judge = same_claim(clause_set, closing_pairs())
    merged, added, dropped = regroup(groups, clause_set, clause_of, judge, lambda a, b: True, lambda c: False)
    assert [sorted((m.source_id, m.text[:12]) for m in group) for group in merged] == [
        [("a", "The bridge w"), ("b", "Repairs will"), ("c", "From March t")]
    ]
    assert [m.source_id for m in added] == ["c"] and dropped == []
    # the toll clauses share no claim with these: they stay out
    assert not any("toll" in m.text.lower() for m in merged[0])


def test_a_rejected_pair_or_a_linked_passage_never_joins():
    clause_set, member, clause_of = setup()
    groups = [[member("a", "The bridge w"), member("b", "Repairs will")]]
    judge = same_claim(clause_set, closing_pairs())

    def rejected_with_c(a, b):
        return "c" not in (a.source_id, b.source_id)

    merged, added, _ = regroup(groups, clause_set, clause_of, judge, rejected_with_c, lambda c: False)
    assert added == [] and len(merged[0]) == 2
    merged, added, _ = regroup(groups, clause_set, clause_of, judge, lambda a, b: True, lambda c: c.doc == 2)
    assert added == [] and len(merged[0]) == 2


def test_a_passage_rejected_with_one_member_never_joins_on_the_others_agreement(monkeypatch):
    """A user who said c's passage is not a's claim must not see it in a's cluster because b's agrees with it:
    with weaker joins (the grid's lexical choice once related words counted) the rejected passage came back."""
    monkeypatch.setattr(tuning, "ATTACH_MEAN", 0.4)
    clause_set, member, clause_of = setup()
    groups = [[member("a", "The bridge w"), member("b", "Repairs will")]]
    judge = same_claim(clause_set, closing_pairs())
    merged, added, _ = regroup(groups, clause_set, clause_of, judge, lambda a, b: True, lambda c: False)
    assert [m.source_id for m in added] == ["c"]  # with nothing rejected it joins at these constants

    def rejected_a_with_c(x, y):
        return {x.source_id, y.source_id} != {"a", "c"}

    merged, added, _ = regroup(groups, clause_set, clause_of, judge, rejected_a_with_c, lambda c: False)
    assert added == [] and len(merged[0]) == 2


def test_clusters_merge_keeping_the_passage_that_agrees_with_the_rest():
    """A source in both clusters keeps its passage that agrees with the other sources; the other leaves."""
    clause_set, member, clause_of = setup()
    groups = [
        [member("a", "The bridge w"), member("c", "Engineers fo")],  # c's wrong passage
        [member("b", "Repairs will"), member("c", "From March t")],
    ]
    judge = same_claim(clause_set, closing_pairs())
    merged, _, dropped = regroup(groups, clause_set, clause_of, judge, lambda a, b: True, lambda c: False)
    assert len(merged) == 1
    assert sorted(m.text[:12] for m in merged[0]) == ["From March t", "Repairs will", "The bridge w"]
    assert [m.text[:12] for m in dropped] == ["Engineers fo"]


def test_clusters_of_different_claims_stay_apart():
    clause_set, member, clause_of = setup()
    groups = [
        [member("a", "The bridge w"), member("b", "Repairs will")],
        [member("a", "Tolls rise t"), member("b", "The toll is ")],
    ]
    judge = same_claim(clause_set, closing_pairs() | {frozenset({"Tolls rise t", "The toll is "})})
    merged, _, _ = regroup(groups, clause_set, clause_of, judge, lambda a, b: True, lambda c: False)
    assert len(merged) == 2


def test_a_unique_passage_loses_what_joined_a_cluster():
    text = "First part, joined part, last part."
    start = text.index("joined")
    assert without_spans([(0, len(text))], text, [(start, start + len("joined part"))]) == [
        (0, len("First part")),
        (text.index("last"), len(text)),
    ]
    assert without_spans([(0, 5)], text, []) == [(0, 5)]


def test_a_cluster_takes_one_passage_per_source_its_best():
    clause_set, member, clause_of = setup()
    groups = [[member("a", "The bridge w"), member("b", "Repairs will")]]
    strong = closing_pairs()
    fair = {frozenset({"Engineers fo", x}) for x in ("The bridge w", "Repairs will")}

    def judge(a, b) -> float:
        pair = frozenset({clause_set.text(a)[:12], clause_set.text(b)[:12]})
        return 0.9 if pair in strong else 0.8 if pair in fair else 0.05

    merged, added, _ = regroup(groups, clause_set, clause_of, judge, lambda a, b: True, lambda c: False)
    assert [m.text[:12] for m in added] == ["From March t"]


def test_a_passage_whose_neighbours_are_aligned_joins_on_weaker_evidence():
    """The toll sentences follow the closing sentences in a and b: with the closing sentences in one cluster,
    a's toll sentence joins b's at a confidence that would not do without that anchor."""
    clause_set, member, clause_of = setup()
    weak = {frozenset({"Tolls rise t", "The toll is "}): 0.55, frozenset({"Tolls rise t", "Engineers fo"}): 0.45}

    def judge(a, b) -> float:
        return weak.get(frozenset({clause_set.text(a)[:12], clause_set.text(b)[:12]}), 0.05)

    tolls = [member("b", "The toll is "), member("c", "Engineers fo")]
    _, added, _ = regroup([list(tolls)], clause_set, clause_of, judge, lambda a, b: True, lambda c: False)
    assert added == []
    closing = [member("a", "The bridge w"), member("b", "Repairs will")]
    _, added, _ = regroup([closing, list(tolls)], clause_set, clause_of, judge, lambda a, b: True, lambda c: False)
    assert [(m.source_id, m.text[:12]) for m in added] == [("a", "Tolls rise t")]


def test_each_backend_regroups_with_its_own_constants():
    """The semantic backend's anchored join is weaker (SEMANTIC_ANCHORED_MEAN / _BEST, chosen for it by
    bench/eval_suggest.py's grid): a's toll sentence, at 0.45 and 0.3 with the toll cluster, joins it with the
    semantic constants only."""
    clause_set, member, clause_of = setup()
    weak = {frozenset({"Tolls rise t", "The toll is "}): 0.45, frozenset({"Tolls rise t", "Engineers fo"}): 0.3}

    def judge(a, b) -> float:
        return weak.get(frozenset({clause_set.text(a)[:12], clause_set.text(b)[:12]}), 0.05)

    def added_with(backend: str) -> list[tuple[str, str]]:
        closing = [member("a", "The bridge w"), member("b", "Repairs will")]
        tolls = [member("b", "The toll is "), member("c", "Engineers fo")]
        _, added, _ = regroup(
            [closing, tolls], clause_set, clause_of, judge, lambda a, b: True, lambda c: False, backend
        )
        return [(m.source_id, m.text[:12]) for m in added]

    assert added_with("lexical") == []
    assert added_with("semantic") == [("a", "Tolls rise t")]


def test_the_semantic_rules_fall_back_on_the_shared_constants(monkeypatch):
    monkeypatch.setattr(tuning, "SEMANTIC_MERGE_MEAN", 0.77)
    monkeypatch.setattr(tuning, "ATTACH_MEAN", 0.66)
    semantic, lexical = Rules.of("semantic"), Rules.of("lexical")
    assert (semantic.merge_mean, lexical.merge_mean) == (0.77, tuning.MERGE_MEAN)
    assert semantic.attach_mean == lexical.attach_mean == 0.66  # no SEMANTIC_ATTACH_MEAN: one constant for both
