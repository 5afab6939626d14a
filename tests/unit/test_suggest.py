"""Suggestions a fact-checker can trust: figures with units, ranked counterparts with evidence, status and
confidence, rejected pairs remembered, the user's links winning, the pair model learning from decisions."""

from __future__ import annotations

import json

import pytest

from reader.align import SourceText, align_claims, prepare_claims, tuning
from reader.align.figures import figure_keys
from reader.align.learn import DEFAULT_MODEL, fit, pair_features
from reader.align.suggest import evidence, query_clauses, rank_counterparts
from reader.store import open_store
from reader.store.decisions import decisions

TENURE_A = (
    "Sebastien Bubeck joined Microsoft as a researcher in 2014. Microsoft invested an additional $10 billion in OpenAI."
)
TENURE_B = "Bubeck spent 10 years at Microsoft Research. For over a decade, Bubeck led the Phi models at Microsoft."


def clauses(text: str, quote: str, clause_set, doc: int):
    start = text.index(quote)
    return query_clauses(clause_set, doc, start, start + len(quote))[0]


@pytest.fixture()
def tenure():
    docs = [SourceText("a", "a.txt", TENURE_A), SourceText("b", "b.txt", TENURE_B)]
    return docs, prepare_claims(docs)


def test_ten_years_and_ten_billion_share_no_figure(tenure):
    _, clause_set = tenure
    years = clauses(TENURE_B, "spent 10 years", clause_set, 1)
    billions = clauses(TENURE_A, "invested an additional $10 billion", clause_set, 0)
    assert not years.numbers & billions.numbers
    assert figure_keys("over a decade", 0, 13) == figure_keys("10 years", 0, 8)


def keys(text: str) -> frozenset[str]:
    return figure_keys(text, 0, len(text))


def test_a_count_in_words_and_in_digits_is_one_figure_and_so_is_a_tally():
    assert keys("Seventeen people were taken to hospital") == keys("injuring 17, the coastguard said")
    assert keys("The vote was 7\u20134, with one abstention.") == keys("approved by seven votes to four")
    assert keys("voted seven to four this week") == keys("the 7-4 vote")
    assert keys("voted seven to four") != keys("voted four to seven")  # who won matters
    assert not keys("one of the two engineers")  # "one" and "two" are rarely counts
    assert keys("a 7-4 vote") != keys("7 or 4 votes")
    # in digits too: "6 to 1" was two amounts, so a fine of "$4.2 million" and "6 to 1" differed as figures
    assert keys("the board voted 6 to 1") == keys("a 6-1 vote") == keys("by six votes to one")
    assert keys("by 6 votes to 1") == keys("a 6-1 vote")
    assert not any("tally" in key for key in keys("from 6 to 10 years"))  # a range of years, not a vote
    assert not any("tally" in key for key in keys("rose from 6 to 9 percent"))


def test_a_number_spelled_out_with_a_point_or_a_magnitude_is_the_figure_in_digits():
    # a transcript spells its figures: "one point two million" is "1.2 million" (it was no figure at all)
    assert keys("roughly one point two million customers") == keys("around 1.2 million people")
    assert keys("two point five per cent") == keys("2.5 per cent")  # was the amount 5
    assert keys("three point five years") == keys("3.5 years")
    assert keys("two million") == keys("2 million") and keys("a million people") == keys("1 million")
    assert not keys("At one point two engineers left")  # a decimal with nothing after it: no figure


def test_hours_are_a_duration_not_a_head_count():
    """My session: "more than four hours" and "Four people were treated" were offered as "same figure: four"."""
    assert not keys("Rescue crews needed more than four hours") & keys("Four people were treated")
    assert keys("within three hours") == keys("within 3 hours")
    assert keys("for 90 minutes") != keys("90 people")


def test_a_rate_after_a_figure_is_not_a_duration():
    """My session: "30,000 vehicles a day" listed "a day" among its figures, a duration of one day."""
    assert keys("The bridge carries roughly 30,000 vehicles a day.") == keys("about 30,000 vehicles cross it")
    assert keys("paid $5 an hour") == keys("paid $5")
    assert not keys("Ferries run twice a week")
    assert keys("It closed for a day") == keys("It closed for one day") != frozenset()  # how long: a duration
    assert keys("a day later") and keys("took a year")
    assert keys("over 3 years, a decade of work") == keys("3 years") | keys("a decade")  # another clause's figure
    assert keys("in 2019 a year of talks began") == keys("2019") | keys("a year")  # a date is not a count


def test_a_number_joined_to_its_unit_is_a_figure_not_a_name():
    """"40-centimetre" and "10-year" were read as names with a number in them (as "Phi-3" is)."""
    assert keys("a 10-year tenure") == keys("for 10 years")
    assert keys("a 40-centimetre crack") == keys("a crack of 40")
    assert keys("a 40-centimetre crack") != keys("a crack of 45")
    assert keys("Phi-3") == keys("the Phi-3 model")  # still a name


def test_tenure_figures_differ_side_by_side(tenure):
    _, clause_set = tenure
    joined = clauses(TENURE_A, "joined Microsoft", clause_set, 0)
    spent = clauses(TENURE_B, "spent 10 years", clause_set, 1)
    found = evidence(clause_set, joined, spent)
    assert found.differs
    assert found.figures_a == ("2014",) and found.figures_b == ("10 years",)
    assert "2014 | 10 years" in found.describe()
    decade = clauses(TENURE_B, "For over a decade", clause_set, 1)
    assert evidence(clause_set, spent, decade).shared_figures == ("10 years = a decade",)


def test_ranked_counterparts_carry_evidence_and_leave_out_rejected(tenure):
    docs, clause_set = tenure
    start = TENURE_B.index("spent 10 years")
    ranked = rank_counterparts(clause_set, "b", start, start + 40, top=2)
    assert set(ranked) == {"a"} and len(ranked["a"]) == 2
    best = ranked["a"][0]
    assert "2014" in best.text and best.evidence.differs
    assert ranked["a"][0].confidence >= ranked["a"][1].confidence
    refused = [(("b", start, start + 40), ("a", best.start, best.end))]
    again = rank_counterparts(clause_set, "b", start, start + 40, top=2, rejected=refused)
    assert all(c.start != best.start for c in again["a"])


def test_refit_moves_confidence_towards_the_users_decisions(tenure):
    _, clause_set = tenure
    joined = clauses(TENURE_A, "joined Microsoft", clause_set, 0)
    spent = clauses(TENURE_B, "spent 10 years", clause_set, 1)
    features = pair_features(joined, spent)
    before = DEFAULT_MODEL.confidence(features)
    learned = fit([features] * 40, [1] * 40)
    assert learned.confidence(features) > before + 0.1
    rejected = fit([features] * 40, [0] * 40)
    assert rejected.confidence(features) < before


# --- the command line ----------------------------------------------------------------------------------


def test_suggest_json_ranks_the_tenure_counterpart_first(run_cli):
    result = run_cli("suggest", "001", "--quote", "spent 10 years at Microsoft Research", "--with", "003", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["query"]["text"] == "spent 10 years at Microsoft Research"
    first = data["candidates"][0]
    assert "For over a decade" in first["text"]
    assert {"source_path", "start", "end", "text", "score", "confidence", "evidence"} <= first.keys()
    assert first["evidence"]["shared_figures"] == ["10 years = a decade"]


def test_reject_is_remembered_and_never_suggested_again(run_cli):
    data = json.loads(
        run_cli("suggest", "001", "--quote", "spent 10 years at Microsoft Research", "--with", "003", "--json").output
    )
    query, first = data["query"], data["candidates"][0]
    result = run_cli("reject", f"001:{query['start']}-{query['end']}", f"003:{first['start']}-{first['end']}")
    assert result.exit_code == 0, result.output
    again = json.loads(
        run_cli("suggest", "001", "--quote", "spent 10 years at Microsoft Research", "--with", "003", "--json").output
    )
    assert all(c["start"] != first["start"] for c in again["candidates"])


def test_reject_bad_input_is_one_line(run_cli):
    for args in (
        ("reject", "001:0-10", "001:20-30"),
        ("reject", "nonsense", "003:1-2"),
        ("reject", "001:50-10", "003:1-2"),
    ):
        result = run_cli(*args)
        assert result.exit_code != 0
        assert "Traceback" not in result.output and result.output.strip().count("\n") == 0, result.output


def test_align_members_carry_status_and_confidence_and_all_shows_weak_ones(run_cli):
    shown = json.loads(run_cli("align", "--format", "json").output)
    everything = json.loads(run_cli("align", "--format", "json", "--all").output)
    members = [m for c in everything["clusters"] for m in c["members"]]
    assert all(m["status"] == "suggested" and 0 <= m["confidence"] <= 1 for m in members)
    assert all(c["status"] == "suggested" and c["confidence"] is not None for c in everything["clusters"])
    assert len(shown["clusters"]) < len(everything["clusters"])
    weakest = min(m["confidence"] for c in shown["clusters"] for m in c["members"])
    assert weakest >= tuning.DRAW_CONFIDENCE  # the default drawing threshold


def test_a_users_link_wins_over_the_aligner(run_cli, db_path):
    joined = run_cli(
        "annotate", "000", "--quote", "Sebastien Bubeck joined Microsoft as a researcher in 2014", "--tag", "claim"
    ).output.strip()
    spent = run_cli(
        "annotate", "001", "--quote", "spent 10 years at Microsoft Research", "--tag", "claim"
    ).output.strip()
    assert run_cli("link", joined, spent).exit_code == 0
    store = open_store(db_path)
    assert [d.decision for d in decisions(store)] == ["confirmed"]  # the model learns from links made by hand
    store.close()
    data = json.loads(run_cli("align", "000", "001", "--format", "json").output)
    confirmed = [c for c in data["clusters"] if c["status"] == "confirmed"]
    assert len(confirmed) == 1
    texts = sorted(m["text"] for m in confirmed[0]["members"])
    assert texts == [
        "Sebastien Bubeck joined Microsoft as a researcher in 2014",
        "spent 10 years at Microsoft Research",
    ]
    assert confirmed[0]["confidence"] == 1.0
    difference = confirmed[0]["differences"][0]
    assert difference["differs"] and difference["figures"] == {"a": ["2014"], "b": ["10 years"]}
    spans = [(m["source_path"], m["start"], m["end"]) for m in confirmed[0]["members"]]
    for cluster in data["clusters"]:
        if cluster["status"] == "suggested":
            for m in cluster["members"]:
                for path, start, end in spans:
                    assert not (m["source_path"] == path and m["start"] < end and m["end"] > start)


def drawn_pairs(run_cli, *sources: str) -> set[tuple[str, int, str, int]]:
    data = json.loads(run_cli("align", *sources, "--format", "json").output)
    first, second = sources[:2]
    found = set()
    for cluster in data["clusters"]:
        for a in cluster["members"]:
            for b in cluster["members"]:
                if f"/{first}_" in a["source_path"] and f"/{second}_" in b["source_path"]:
                    found.add((first, a["start"], second, b["start"]))
    return found


def test_two_sources_align_the_same_way_with_two_or_four_open(run_cli):
    """Words are weighed over the (small) library, not over the open sources."""
    assert drawn_pairs(run_cli, "001", "003") == drawn_pairs(run_cli, "001", "003", "000", "002")
    assert drawn_pairs(run_cli, "002", "004") == drawn_pairs(run_cli, "002", "004", "000", "001")


def test_evidence_names_a_shared_hyphenated_word_once():
    """QA: 'cost-efficient' against 'cost-efficient' was listed as 'words: cost-efficient, cost-efficient'
    (one word per shared stem)."""
    a = "Typically, SLMs are more cost-efficient and consume fewer resources than LLMs on edge devices."
    b = "The new model is cost-efficient, and it runs on phones and other small devices."
    docs = [SourceText("a", "a.txt", a), SourceText("b", "b.txt", b)]
    clause_set = prepare_claims(docs)
    found = evidence(clause_set, clauses(a, "Typically", clause_set, 0), clauses(b, "The new model", clause_set, 1))
    assert "cost-efficient" in found.shared_words
    assert len(found.shared_words) == len(set(found.shared_words))


def test_a_departure_to_join_is_not_the_opposite_of_an_exit():
    """QA: a sentence on Bubeck's "departure from the company to join OpenAI" was flagged as stating the
    opposite event of "announced his exit from Microsoft": "departure" stems to "departur", which the
    leaving words did not hold, so only "join" was seen. A plain join / leave pair still clashes."""
    a = "Sebastien Bubeck has announced his departure from the company to join OpenAI."
    b = "Sebastien Bubeck announced his exit from Microsoft on Monday."
    c = "Sebastien Bubeck joins OpenAI as a researcher."
    docs = [SourceText("a", "a.txt", a), SourceText("b", "b.txt", b), SourceText("c", "c.txt", c)]
    clause_set = prepare_claims(docs)
    departure, exit_, joins = (
        clauses(a, "Sebastien", clause_set, 0),
        clauses(b, "Sebastien", clause_set, 1),
        clauses(c, "Sebastien", clause_set, 2),
    )
    assert not evidence(clause_set, departure, exit_).event_clash
    assert "opposite events" not in evidence(clause_set, departure, exit_).describe()
    assert evidence(clause_set, joins, exit_).event_clash


def test_a_shared_model_name_is_named_evidence_not_a_figure():
    """QA: two passages on "Phi-3" listed it as "same figure: Phi-3"; a name with a number in it is a
    shared name (it still never counts as a differing figure)."""
    a = "Microsoft released Phi-3, a small language model, in April."
    b = "The Phi-3 family of small models runs on phones."
    docs = [SourceText("a", "a.txt", a), SourceText("b", "b.txt", b)]
    clause_set = prepare_claims(docs)
    found = evidence(clause_set, clauses(a, "Microsoft", clause_set, 0), clauses(b, "The Phi-3", clause_set, 1))
    assert found.shared_figures == ()
    assert "Phi-3" in found.shared_names
    assert "same figure" not in found.describe()


def test_ranking_a_claim_with_embeddings_reuses_its_vector_and_embeds_only_a_selection():
    """The semantic backend embedded the passage asked about on every `c`, though a claim of the set is embedded
    with the set already (most of the ranking's time: median 30 ms on the bundled corpus)."""
    import numpy

    from reader.align.learn import PairContext, PairModel

    docs = [
        SourceText("a", "a.txt", "The council approved the bridge repairs on Tuesday. The work takes eight months."),
        SourceText("b", "b.txt", "Repairs to the bridge were approved by the council. Work lasts eight months."),
    ]
    clause_set = prepare_claims(docs)
    asked: list[str] = []

    def embed(text: str):
        asked.append(text)
        return numpy.ones(len(clause_set.claims)) / len(clause_set.claims) ** 0.5

    vectors = numpy.eye(len(clause_set.claims))
    model = PairModel(tuning.SEMANTIC_PAIR_WEIGHTS).within(PairContext.of(clause_set, vectors, embed_query=embed))
    claim = clause_set.by_doc[0][0]
    asked.clear()
    rank_counterparts(clause_set, "a", claim.start, claim.end, model)
    assert asked == []  # its row of the set's vectors
    rank_counterparts(clause_set, "a", claim.start, claim.start + 11, model)
    assert asked == ["The council"]  # a selection is embedded
