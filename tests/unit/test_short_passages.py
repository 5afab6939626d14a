"""Sentences too short to be a claim ("There were no fatalities.", a headline) are offered as counterparts: the
aligner never pairs them, but a fact-checker looking for a passage's counterpart may want one."""

from __future__ import annotations

import numpy

from reader.align import SourceText, prepare_claims, tuning
from reader.align.learn import PairContext, PairModel, pair_features, stems_of
from reader.align.short_passages import short_passages as shorts
from reader.align.short_passages import short_spans
from reader.align.suggest import query_clauses, rank_counterparts, span_clause

REPORT = "The council voted on Tuesday to close the Fenner Street bridge to traffic from March."
BRIEFING = (
    "Councillors met for three hours on Tuesday evening in the town hall. Bridge closes. "
    "Shops along the high street fear a long summer of lost trade and empty car parks."
)


def spans_of(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def embedder(clause_set):
    """A stand-in for the sentence model: a text's unit-length vector of content-stem counts over the set's words."""
    vocabulary = sorted({stem for claim in clause_set.claims for stem in claim.stems} | {"bridg", "close"})

    def embed(text: str) -> numpy.ndarray:
        counts = numpy.zeros(len(vocabulary))
        for stem in stems_of(text):
            if stem in vocabulary:
                counts[vocabulary.index(stem)] += 1
        return counts / (numpy.linalg.norm(counts) or 1.0)

    return embed


def test_a_short_sentence_is_no_clause_but_a_ranked_counterpart_with_embeddings():
    docs = [SourceText("report", "report.txt", REPORT), SourceText("briefing", "briefing.txt", BRIEFING)]
    clause_set = prepare_claims(docs)
    short = spans_of(BRIEFING, "Bridge closes.")
    assert all((c.start, c.end) != short for c in clause_set.by_doc[1])  # two content words: no claim
    assert short_spans(clause_set, 1) == [short]
    embed = embedder(clause_set)
    vectors = numpy.array([embed(clause_set.text(claim)) for claim in clause_set.claims])
    passages = {
        (doc, start, end): embed(clause_set.docs[doc].text[start:end]) for doc, start, end in shorts(clause_set)
    }
    semantic = PairModel(tuning.SEMANTIC_PAIR_WEIGHTS).within(PairContext.of(clause_set, vectors, embed, passages))
    ranked = rank_counterparts(clause_set, "report", 0, len(REPORT), semantic, top=3)["briefing"]
    assert (ranked[0].start, ranked[0].end) == short
    assert ranked[0].text == "Bridge closes."
    # by its words alone a two-word sentence is too little evidence: the lexical backend offers clauses only
    lexical = rank_counterparts(clause_set, "report", 0, len(REPORT), top=5)["briefing"]
    assert short not in [(c.start, c.end) for c in lexical]


def test_a_short_passage_is_not_contained_in_any_passage_that_shares_a_word():
    docs = [SourceText("report", "report.txt", REPORT), SourceText("briefing", "briefing.txt", BRIEFING)]
    clause_set = prepare_claims(docs)
    query = query_clauses(clause_set, 0, 0, len(REPORT))[0]
    short = span_clause(clause_set, 1, *spans_of(BRIEFING, "Bridge closes."))
    containment = pair_features(query, short)[2]
    # the share of the query's words the short sentence says, not the share of its own two words the query says
    assert 0 < containment < 0.5


def test_a_short_passage_has_the_cosine_of_its_own_embedding():
    docs = [SourceText("report", "report.txt", REPORT), SourceText("briefing", "briefing.txt", BRIEFING)]
    clause_set = prepare_claims(docs)
    short = span_clause(clause_set, 1, *spans_of(BRIEFING, "Bridge closes."))
    vectors = numpy.eye(len(clause_set.claims) + 1)[:-1]
    query = numpy.full(len(clause_set.claims) + 1, 0.5)
    around = PairContext.of(clause_set, vectors)
    assert around.cosine(clause_set.claims[0], short) == 0.0  # no embedding given for it
    with_it = PairContext(clause_set.claims, vectors, query=query, passages={(1, short.start, short.end): query})
    assert with_it.cosine(clause_set.claims[0], short) == float(query @ query)
