"""Words WordNet relates, as evidence that two passages say one thing in different words: the shipped table,
how the pair model counts them, and the tool that builds the table from the WordNet database."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

from reader.align import SourceText, prepare_claims, tuning
from reader.align.learn import DEFAULT_MODEL, FEATURES, PairContext, pair_features
from reader.align.related import RelatedWords, related_weight, related_words
from reader.align.suggest import query_clauses, rank_counterparts
from reader.align.words import content_stems

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_related_words.py"


def _stem(word: str) -> str:
    return content_stems(word)[0]


def test_the_shipped_table_relates_synonyms_derivations_and_kinds_both_ways():
    related = related_words()
    for a, b in (("shut", "close"), ("abstained", "abstention"), ("ship", "vessel"), ("rival", "competitor")):
        assert _stem(b) in related(_stem(a)), (a, b)
        assert _stem(a) in related(_stem(b)), (b, a)
    assert _stem("bridge") not in related(_stem("council"))
    assert related("zzqx") == frozenset()


def _clause(docs, clause_set, doc: int, quote: str):
    start = docs[doc].text.index(quote)
    return query_clauses(clause_set, doc, start, start + len(quote))[0]


SHUT = "The council will shut the old bridge to traffic in March."
CLOSE = "The old bridge is to close to traffic in March, officials said."


def test_a_related_word_counts_for_part_of_a_shared_word_in_the_overlap(monkeypatch):
    docs = [SourceText("a", "a.txt", SHUT), SourceText("b", "b.txt", CLOSE)]
    clause_set = prepare_claims(docs)
    a, b = _clause(docs, clause_set, 0, "The council"), _clause(docs, clause_set, 1, "The old bridge")
    assert related_weight(a, b) > 0  # "shut" / "close"
    dice, containment = FEATURES.index("dice"), FEATURES.index("containment")
    with_related = pair_features(a, b)
    monkeypatch.setattr(tuning, "RELATED_WORD_CREDIT", 0.0)
    plain = pair_features(a, b)
    assert with_related[dice] > plain[dice] and with_related[containment] > plain[containment]
    score = FEATURES.index("score")
    assert with_related[score] == plain[score]  # the aligner's own score counts shared words only


def test_with_embeddings_the_cosine_judges_the_wording_and_related_words_count_for_nothing():
    import numpy

    docs = [SourceText("a", "a.txt", SHUT), SourceText("b", "b.txt", CLOSE)]
    clause_set = prepare_claims(docs)
    a, b = _clause(docs, clause_set, 0, "The council"), _clause(docs, clause_set, 1, "The old bridge")
    dice = FEATURES.index("dice")
    lexical = DEFAULT_MODEL.within(PairContext.of(clause_set))
    semantic = DEFAULT_MODEL.within(PairContext.of(clause_set, vectors=numpy.eye(len(clause_set.claims))))
    assert lexical.features(a, b)[dice] == pair_features(a, b)[dice]
    assert semantic.features(a, b)[dice] == pair_features(a, b, related_credit=0.0)[dice]
    assert semantic.features(a, b)[dice] < lexical.features(a, b)[dice]


def test_a_related_word_makes_the_paraphrase_the_more_confident_of_two_candidates_sharing_as_much(monkeypatch):
    query = "Engineers will shut the crossing next week."
    painted = "The council says engineers will paint the crossing next week."
    closed = "Next week engineers will close the crossing, the mayor says."
    docs = [SourceText("a", "a.txt", query), SourceText("b", "b.txt", painted), SourceText("c", "c.txt", closed)]
    clause_set = prepare_claims(docs)

    def confidences() -> tuple[float, float]:
        ranked = rank_counterparts(clause_set, "a", 0, len(query), top=1)
        return ranked["b"][0].confidence, ranked["c"][0].confidence

    paint, close = confidences()
    assert close > paint + 0.01  # "shut" / "close"
    monkeypatch.setattr(tuning, "RELATED_WORD_CREDIT", 0.0)
    paint, close = confidences()
    assert abs(close - paint) < 1e-9  # without: each shares four words and has two of its own


def test_unrelated_words_add_nothing():
    docs = [SourceText("a", "a.txt", "Salvors pumped water from the hull."), SourceText("b", "b.txt", SHUT)]
    clause_set = prepare_claims(docs)
    assert related_weight(_clause(docs, clause_set, 0, "Salvors"), _clause(docs, clause_set, 1, "The council")) == 0


def _load_tool():
    spec = importlib.util.spec_from_file_location("build_related_words", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A WordNet database of four synsets, in its own file format: "shut"/"close" one verb synset, "close" (its
# second word) derived into the noun "closure", "ferry" a kind of "vessel"; a licence line opens each file.
WORDNET = {
    "data.verb": "  1 This software and database is being provided to you\n"
    "00000001 35 v 02 shut 0 close 0 001 + 00000010 n 0201 | move so that an opening is covered\n",
    "data.noun": "  1 This software and database is being provided to you\n"
    "00000010 04 n 01 closure 0 001 + 00000001 v 0102 | the act of closing\n"
    "00000020 06 n 01 ferry 0 001 @ 00000030 n 0000 | a boat that carries people\n"
    "00000030 06 n 01 vessel 0 000 | a craft for travelling on water\n",
    "data.adj": "  1 licence\n",
    "data.adv": "  1 licence\n",
    "index.verb": "  1 licence\nclose v 1 1 + 1 0 00000001\nshut v 1 1 + 1 0 00000001\n",
    "index.noun": "  1 licence\nclosure n 1 1 + 1 0 00000010\nferry n 1 1 @ 1 0 00000020\nvessel n 1 0 1 0 00000030\n",
    "index.adj": "  1 licence\n",
    "index.adv": "  1 licence\n",
}


def test_the_tool_builds_the_table_from_the_wordnet_database(tmp_path, monkeypatch):
    tool = _load_tool()
    for name, text in WORDNET.items():
        (tmp_path / name).write_text(text, encoding="latin-1")
    found = tool.related(tmp_path)
    assert found["shut"] == {"close"}  # the derivation is close's own, not shut's
    assert found["close"] == {"shut", "closur"}
    assert found["ferri"] == {"vessel"} and found["vessel"] == {"ferri"}
    monkeypatch.setattr(tool, "OUTPUT", tmp_path / "out" / "related_words.txt.gz")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    assert tool.main([str(tmp_path)]) == 0
    table = RelatedWords(gzip.decompress((tmp_path / "out" / "related_words.txt.gz").read_bytes()).decode())
    assert table("closur") == {"close"} and table("close") == {"shut", "closur"}


def test_the_evidence_names_the_related_words_in_each_texts_own_words():
    docs = [SourceText("a", "a.txt", SHUT), SourceText("b", "b.txt", CLOSE)]
    clause_set = prepare_claims(docs)
    ranked = rank_counterparts(clause_set, "a", 0, len(SHUT), top=1)["b"][0]
    assert ("shut", "close") in ranked.evidence.related_words
    assert "related: shut ~ close" in ranked.evidence.describe()
    assert ["shut", "close"] in ranked.to_json()["evidence"]["related_words"]


def test_passages_without_related_words_show_none():
    docs = [SourceText("a", "a.txt", "Salvors pumped water from the hull."), SourceText("b", "b.txt", SHUT)]
    clause_set = prepare_claims(docs)
    ranked = rank_counterparts(clause_set, "a", 0, 20, top=1)["b"][0]
    assert ranked.evidence.related_words == ()
    assert "related" not in ranked.evidence.describe()
