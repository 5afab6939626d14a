"""Alignment of claims across the bundled sources: clusters, differences, repeats, unique passages, CLI."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest

from reader import align
from reader.align import (ACCEPT_SCORE, CORROBORATED, Alignment, SourceText, align_claims, align_sources,
                          claim_score, claim_spans, prepare_claims, sentence_units, word_differences)
from reader.corpus import load_document
from reader.library import BUNDLED_CORPUS


@pytest.fixture(scope="module")
def docs() -> list[SourceText]:
    return [SourceText(path.name[:3], str(path), load_document(path).text)
            for path in sorted(Path(BUNDLED_CORPUS).glob("*.txt"))]


@pytest.fixture(scope="module")
def alignment(docs) -> Alignment:
    return align_sources(docs)


def text_of(docs, source_id: str) -> str:
    return next(doc.text for doc in docs if doc.source_id == source_id)


def cluster_with(alignment: Alignment, *needles: tuple[str, str]):
    """The cluster holding, for each (source, words) given, a member of that source containing the words."""
    for cluster in alignment.clusters:
        if all(any(m.source_id == source and words in m.text for m in cluster.members) for source, words in needles):
            return cluster
    return None


def test_the_alignment_for_msgspec_is_written_as_its_json_dicts(alignment):
    """reader align writes alignment_to_msgspec (its unique passages as Structs, not a million dicts): the same
    JSON as alignment_to_json's dicts."""
    import msgspec

    from reader.align import alignment_to_json, alignment_to_msgspec

    assert alignment.unique and any(alignment.unique.values())
    written = msgspec.json.encode(alignment_to_msgspec(alignment))
    assert written == msgspec.json.encode(alignment_to_json(alignment))
    assert json.loads(written) == alignment_to_json(alignment)


def test_thirteen_billion_pair_is_aligned_and_the_qualifier_differs(alignment):
    cluster = cluster_with(alignment, ("000", "$13 billion"), ("001", "$13 billion"))
    assert cluster is not None
    index_000 = next(i for i, m in enumerate(cluster.members) if m.source_id == "000")
    index_001 = next(i for i, m in enumerate(cluster.members) if m.source_id == "001")
    assert index_000 == 0  # members follow the order of their sources; differences are against member 0
    difference = next(d for d in cluster.differences if d.member == index_001)
    qualifier = [c for c in difference.changes if "estimated" in c.a_text]
    assert qualifier and "over" in qualifier[0].b_text
    assert "number" in qualifier[0].emphasis


def test_no_one_and_a_few_words_state_no_number_to_differ():
    """QA: "No one was hurt" / "There were no injuries" read numbers_differ: "one" there counts nothing."""
    a = "No one was hurt when a section of railing fell into the water in February."
    b = "There were no injuries when part of the railing dropped into the harbour in February."
    changes = word_differences(a, 0, len(a), b, 0, len(b))
    assert changes and not any("number" in change.emphasis for change in changes)
    a, b = "The repairs take one year, the mayor said.", "The repairs take two years, the mayor said."
    assert any("number" in change.emphasis for change in word_differences(a, 0, len(a), b, 0, len(b)))


def test_word_differences_flag_a_changed_name():
    a = "“Sebastian has decided to leave Microsoft,” a spokesperson said."
    b = "A spokesperson said Sebastien has decided to leave Microsoft."
    changes = word_differences(a, 0, len(a), b, 0, len(b))
    renamed = [c for c in changes if c.a_text == "Sebastian"]
    assert renamed and renamed[0].b_text.endswith("Sebastien")
    assert "name" in renamed[0].emphasis and "quote" in renamed[0].emphasis


def test_sebastian_statement_differs_by_name_from_its_counterparts(alignment):
    cluster = cluster_with(alignment, ("003", "Sebastian has decided"), ("001", "has decided to leave Microsoft"))
    assert cluster is not None
    reference = cluster.members[0]
    sebastian = next(i for i, m in enumerate(cluster.members) if m.source_id == "003")
    changes = next(d for d in cluster.differences if d.member == sebastian).changes
    assert reference.source_id != "003"
    assert any("Sebastian" in c.b_text and "name" in c.emphasis for c in changes)


def test_relationship_statement_shows_the_issue_example(alignment):
    cluster = cluster_with(alignment, ("001", "look[s] forward"), ("003", "looks forward"))
    assert cluster is not None
    changes = next(d for d in cluster.differences).changes
    assert any(c.a_text == "our" and c.b_text == "their" for c in changes)
    assert any("through his work" in c.a_text for c in changes)


def test_repeated_paragraphs_of_004_are_flagged(docs, alignment):
    text = text_of(docs, "004")
    repeats = alignment.repeats["004"]
    paragraph = "In 2019, Microsoft made a significant investment in OpenAI"
    first, again = text.find(paragraph), text.find(paragraph, text.find(paragraph) + 1)
    assert again > first >= 0
    covering = [r for r in repeats if r.again[0] <= again < r.again[1]]
    assert covering, "the second copy of the 2019 paragraph is not flagged"
    repeat = covering[0]
    assert repeat.first[0] <= first < repeat.first[1]
    assert repeat.text == text[repeat.again[0]:repeat.again[1]]
    # The whole paragraph, not one sentence of it.
    assert "positioning itself as a leader in the AI-driven market" in repeat.text
    # Sources that never repeat themselves get nothing flagged.
    assert alignment.repeats["002"] == []


def test_a_sentence_with_two_claims_is_cut_into_two():
    text = ("Sebastien Bubeck joined Microsoft as a researcher in 2014 and has since been instrumental in "
            "the development of the company’s Phi Small Language Models (SLMs).")
    pieces = [text[s:e] for s, e in claim_spans(text, 0, len(text))]
    assert pieces == ["Sebastien Bubeck joined Microsoft as a researcher in 2014",
                      "has since been instrumental in the development of the company’s Phi Small Language Models (SLMs)."]


def test_a_sentence_with_two_claims_links_to_both_counterparts(alignment):
    """003 states "Following the departure of CTO Mira Murati, OpenAI is bringing in Sebastien Bubeck...":
    the Murati clause and the Bubeck clause belong to two different clusters."""
    murati = cluster_with(alignment, ("003", "Following the departure of CTO Mira Murati"))
    bubeck = cluster_with(alignment, ("003", "OpenAI is bringing in Sebastien Bubeck"))
    assert murati is not None and bubeck is not None and murati is not bubeck
    assert any(m.source_id == "002" and "Mira Murati" in m.text for m in murati.members)
    assert any(m.source_id == "000" and "Bubeck" in m.text for m in bubeck.members)


def test_an_inserted_relative_clause_and_an_attribution_are_claims_of_their_own():
    text = ("Bubeck, who spent 10 years at Microsoft Research and earned the title of Distinguished Scientist, "
            "is an AGI specialist focused on how language models behave.")
    assert [text[s:e] for s, e in claim_spans(text, 0, len(text))] == [
        "Bubeck, who spent 10 years at Microsoft Research and earned the title of Distinguished Scientist",
        "is an AGI specialist focused on how language models behave."]
    text = "The company cut 300 jobs last quarter, according to a filing with the securities regulator."
    assert [text[s:e] for s, e in claim_spans(text, 0, len(text))] == [
        "The company cut 300 jobs last quarter", "according to a filing with the securities regulator."]


def test_figures_that_all_differ_count_against_a_pair(alignment):
    """000's $6.6 billion funding round and 004's additional $10 billion investment share "additional" and
    "billion" but no figure: two facts, not one claim (they were aligned before figures counted against)."""
    for cluster in alignment.clusters:
        texts = [m.text for m in cluster.members]
        assert not (any("$6.6 billion" in t for t in texts) and any("$10 billion" in t for t in texts))


def test_short_lists_of_names_are_not_cut():
    text = "The collaboration between Sam Altman, CEO of OpenAI, and Satya Nadella, CEO of Microsoft, has been a cornerstone."
    assert claim_spans(text, 0, len(text)) == [(0, len(text))]


def test_glued_sentences_and_headings():
    text = "Emerging Tensions and Diverging Paths\nOpenAI gained resources.Emerging Tensions grew between the firms.\n"
    units = [text[s:e] for s, e in sentence_units(text)]
    assert units == ["OpenAI gained resources.", "Emerging Tensions grew between the firms."]


def test_member_offsets_are_code_points_into_the_canonical_text(docs, alignment):
    texts = {doc.source_id: doc.text for doc in docs}
    assert alignment.clusters
    for cluster in alignment.clusters:
        for member in cluster.members:
            assert texts[member.source_id][member.start:member.end] == member.text
        for difference in cluster.differences:
            a, b = cluster.members[difference.reference], cluster.members[difference.member]
            for change in difference.changes:
                assert texts[a.source_id][change.a_start:change.a_end] == change.a_text
                assert texts[b.source_id][change.b_start:change.b_end] == change.b_text
                assert a.start <= change.a_start <= change.a_end <= a.end
                assert b.start <= change.b_start <= change.b_end <= b.end


def test_one_member_per_source_unless_the_source_repeats_itself(alignment):
    for cluster in alignment.clusters:
        counts = Counter(m.source_id for m in cluster.members)
        assert len(counts) >= 2
        for source_id, count in counts.items():
            if count > 1:
                assert all(m.repeat for m in cluster.members if m.source_id == source_id)


def test_unique_passages_are_neither_aligned_nor_headings(docs, alignment):
    text = text_of(docs, "000")
    unique = [text[s:e] for s, e in alignment.unique["000"]]
    assert any("Oracle in Texas" in passage for passage in unique)
    assert "Conclusion" not in unique
    for start, end in alignment.unique["000"]:
        assert alignment.at("000", start) is None


def test_lookup_by_offset_gives_cluster_and_counterparts(docs, alignment):
    cluster = cluster_with(alignment, ("000", "$13 billion"), ("001", "$13 billion"))
    member = next(m for m in cluster.members if m.source_id == "001")
    offset = member.start + member.text.index("$13")
    hit = alignment.at("001", offset)
    assert hit is not None and hit.cluster is cluster and hit.member == member
    assert {m.source_id for m in hit.counterparts} == set(cluster.source_ids) - {"001"}
    assert alignment.at("001", member.end) is None or alignment.at("001", member.end).member != member
    kinds = {kind for _, _, kind, _ in alignment.passages("004")}
    assert kinds == {"aligned", "unique", "repeat"}


def test_alignment_of_nothing_shared_is_empty():
    docs = [SourceText(1, "a.txt", "Cats sleep most of the afternoon in warm sunny windows."),
            SourceText(2, "b.txt", "Quarterly bond yields rose sharply after the central bank meeting.")]
    alignment = align_sources(docs)
    assert alignment.clusters == []
    assert alignment.unique[1] == [(0, len(docs[0].text))]


def test_paraphrase_with_different_number_aligns_and_flags_the_number():
    a = "The city council approved a budget of $40 million for the new harbour bridge on Tuesday."
    b = "On Tuesday the council approved $45 million for the harbour bridge."
    alignment = align_sources([SourceText("a", "a", a), SourceText("b", "b", b)])
    assert len(alignment.clusters) == 1
    difference = alignment.clusters[0].differences[0]
    assert difference.numbers_differ
    assert any("$40" in c.a_text and "$45" in c.b_text for c in difference.changes)


def test_weak_matches_in_two_sources_of_a_cluster_corroborate_but_one_alone_does_not():
    # Five one-sentence sources; the pair score is set by hand: b-c agree strongly, a matches both b and c
    # too weakly to count alone, d matches only b weakly, e matches only c weakly.
    docs = [SourceText(name, name, f"Source {name} reports that the harbour bridge opened to traffic on Tuesday.")
            for name in "abcde"]
    strong, weak = ACCEPT_SCORE * 1.5, ACCEPT_SCORE * (CORROBORATED + 1) / 2
    table = {frozenset("bc"): strong, frozenset("ab"): weak, frozenset("ac"): weak, frozenset("db"): weak,
             frozenset("ec"): weak * 0.99}
    claim_set = prepare_claims(docs)
    names = {claim.index: docs[claim.doc].source_id for claim in claim_set.claims}

    def score(x, y):
        return table.get(frozenset((names[x.index], names[y.index])), 0.0)

    everything = [(x, y) for x in names for y in names if x < y]
    alignment = align_claims(claim_set, ACCEPT_SCORE, score, everything)
    assert [sorted(cluster.source_ids) for cluster in alignment.clusters] == [["a", "b", "c"]]
    # Without the strong pair there is no cluster to corroborate: weak matches alone align nothing.
    table[frozenset("bc")] = weak
    assert align_claims(claim_set, ACCEPT_SCORE, score, everything).clusters == []


def test_a_claim_whose_best_match_is_taken_takes_its_next_best():
    # Source a states one claim twice (a1, a2); b states it once (b1) and once more in other words (b2).
    # a1-b1 is the best pair; a2's best is b1 too, but b1 is taken, so a2 takes its next best b2 when
    # that clears the accept score, and not when it does not.
    docs = [SourceText("a", "a", "The council approved the harbour bridge. The council backed the harbour span."),
            SourceText("b", "b", "Councillors approved the harbour bridge. Councillors backed the bridge plan.")]
    claim_set = prepare_claims(docs)
    a1, a2, b1, b2 = claim_set.claims
    table = {(a1.index, b1.index): 0.9, (a2.index, b1.index): 0.6, (a2.index, b2.index): ACCEPT_SCORE * 1.2,
             (a1.index, b2.index): 0.1}

    def score(x, y):
        return table.get((x.index, y.index), table.get((y.index, x.index), 0.0))

    pairs = list(table)
    clustered = [{m.start for m in c.members} for c in align_claims(claim_set, ACCEPT_SCORE, score, pairs).clusters]
    assert clustered == [{a1.start, b1.start}, {a2.start, b2.start}]
    table[(a2.index, b2.index)] = ACCEPT_SCORE * 0.9  # a weak next best is not taken
    assert len(align_claims(claim_set, ACCEPT_SCORE, score, pairs).clusters) == 1


def test_one_ordinary_shared_word_counts_for_half_but_a_shared_name_in_full(monkeypatch):
    docs = [SourceText("a", "a", "Many engineers have moved to competitor Northwind this spring."),
            SourceText("b", "b", "The two companies consider themselves competitors in cloud storage."),
            SourceText("c", "c", "Two senior staff took new roles at rival Northwind recently.")]
    moved, competitors, rival = prepare_claims(docs).claims
    assert moved.stems & competitors.stems == {"competitor"} and moved.stems & rival.stems == {"northwind"}
    halved, named = claim_score(moved, competitors), claim_score(moved, rival)
    monkeypatch.setattr(align, "SINGLE_WORD_SHARE", 1.0)
    assert halved == pytest.approx(0.5 * claim_score(moved, competitors))
    assert named == claim_score(moved, rival)  # "Northwind" is a name in both: it counts in full


def test_the_story_topic_does_not_count_as_a_second_shared_word():
    story = [f"Northwind reported item {word} in the quarter." for word in
             "alpha beta gamma delta epsilon zeta eta theta iota kappa".split()]
    docs = [SourceText("a", "a", " ".join(story[:5]) + " Northwind shares rose after the storage deal."),
            SourceText("b", "b", " ".join(story[5:]) + " Northwind opened an office for the storage team.")]
    claim_set = prepare_claims(docs)
    deal, office = claim_set.by_doc[0][-1], claim_set.by_doc[1][-1]
    assert deal.stems & office.stems == {"northwind", "storag"} and "northwind" in deal.topic_stems
    assert claim_score(deal, office) < claim_score(deal, office, count_topic=True)


def test_a_title_case_label_before_a_colon_is_not_a_claim():
    text = "1. Develop Efficient AI Models: Companies should prioritise models that balance cost and quality."
    claims = prepare_claims([SourceText("a", "a", text)]).claims
    assert [text[c.start:c.end] for c in claims] == [
        "Companies should prioritise models that balance cost and quality."]


# --- the command line --------------------------------------------------------------------------------


def test_cli_align_json(run_cli, corpus_dir):
    result = run_cli("align", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["clusters"]
    for cluster in data["clusters"]:
        assert isinstance(cluster["id"], int)
        for member in cluster["members"]:
            assert {"source_path", "start", "end", "text", "score"} <= member.keys()
            text = load_document(Path(member["source_path"])).text
            assert text[member["start"]:member["end"]] == member["text"]
        assert len(cluster["differences"]) == len(cluster["members"]) - 1
    assert any("$13 billion" in m["text"] for c in data["clusters"] for m in c["members"])


def test_cli_align_csv_for_two_sources(run_cli):
    result = run_cli("align", "000", "001", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and set(rows[0]) >= {"cluster", "source_path", "start", "end", "score", "text", "differences"}
    assert {Path(row["source_path"]).name[:3] for row in rows} == {"000", "001"}
    thirteen = [row for row in rows if "$13 billion" in row["text"]]
    assert len(thirteen) == 2 and thirteen[0]["cluster"] == thirteen[1]["cluster"]
    assert "[number" in thirteen[1]["differences"]
    for row in rows:
        text = load_document(Path(row["source_path"])).text
        assert text[int(row["start"]):int(row["end"])] == row["text"]


def test_cli_align_rejects_unknown_and_single_sources(run_cli):
    unknown = run_cli("align", "no-such-source")
    assert unknown.exit_code != 0 and "no source matches" in unknown.output
    single = run_cli("align", "000")
    assert single.exit_code != 0 and "at least two sources" in single.output
    assert "Traceback" not in unknown.output + single.output
