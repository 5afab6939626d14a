"""The aligner's whole-text shortcuts (issue 14, a million-line source) give what the per-clause definitions give."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

import pytest

from reader.align import SourceText, claim_spans, prepare_claims, sentence_units, tuning, words
from reader.align import clauses
from reader.align.clauses import Clause, _mark_exact_repeats
from reader.align.cutting import _MAY_CUT, _is_heading, may_cut_flags
from reader.text import paragraph_spans, sentence_spans

PIECES = ["and", "And", " and ", "--", "-", ",", ";", ":", "\u2014", ".", "!", "?", ")", "(", "\n", " ", "  ", "\t",
          "market", "Emerging", "In", "x.com", "Mr.", "U.S.", "Ab", "zeta", "\u201cquote\u201d", "10 years", "_"]


def hostile_texts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 30))) for _ in range(count)]


def test_glued_sentences_are_cut_as_a_search_per_sentence_would():
    for text in hostile_texts(3000):
        expected = []
        for start, end in sentence_spans(text):
            cut = start
            for match in re.finditer(r"(?<=[a-z][.!?])(?=[A-Z][a-z])|(?<=\))(?=[A-Z][a-z])", text[:end]):
                if match.start() >= start and match.start() - cut >= 2:
                    expected.append((cut, match.start()))
                    cut = match.start()
            expected.append((cut, end))
        assert sentence_units(text) == [span for span in expected if not _is_heading(text, *span)], text
    assert sentence_units("The market.Emerging ones grew (x.com)In March.") == [(0, 11), (11, 37), (37, 46)]


def test_may_cut_flags_agree_with_a_search_inside_each_unit():
    rng = random.Random(3)
    for text in hostile_texts(3000):
        points = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, 8)))
        units = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2) if points[i] < points[i + 1]]
        flags = may_cut_flags(text, units)
        assert flags == [bool(_MAY_CUT.search(text, start, end)) for start, end in units], text


def test_clauses_are_each_sentence_cut_and_trimmed_alone():
    """clause_spans trims only the sentences whose edges may need it (what it tells from their first two and
    last characters): the clauses claim_spans gives for each sentence unit alone."""
    from reader.align.cutting import clause_spans

    pieces = PIECES + ["Or", "or ", "OR\t", "But", "but\n", "Bu", "An", "and\t", "Ant", "orbit", "a", "B", "o"]
    rng = random.Random(13)
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        expected = [(s, e, number) for number, (start, end) in enumerate(sentence_units(text))
                    for s, e in claim_spans(text, start, end)]
        assert clause_spans(text) == expected, text


LINE_PIECES = ["The", "market", "grew", "and", "And", "and\t", "Or", "or", "But", "but", "an", "Bu", "a", "o", ",", ";",
               ":", "--", "-", "(x)", "'s", '"', "6.6", "Kestrel", "x.com", "U.S.", "Mr.", "_", "$13", "40%", "\t"]


def line_texts(count: int, seed: int) -> list[str]:
    """Texts of lines of words (most of them one sentence a line, some not: a heading, a blank line, two
    sentences, white space at an edge)."""
    rng = random.Random(seed)
    endings = [".", ".", ".", "!", "?", ":", "", '."', ")", ",", ". Then more.", " "]
    texts = []
    for _ in range(count):
        lines = [" ".join(rng.choice(LINE_PIECES) for _ in range(rng.randint(0, 9))) + rng.choice(endings)
                 for _ in range(rng.randint(0, 8))]
        texts.append(rng.choice(["", "", "", " ", "\n"]) + "\n".join(lines))
    return texts


def test_clauses_of_a_text_of_lines_are_those_clause_spans_gives(monkeypatch):
    """reader.align.cutting_lines: a large ASCII text (every text here) whose sentences are its lines is cut
    with numpy; the clauses are those clause_spans gives, as columns, and so for any other text."""
    from reader import byte_patterns
    from reader.align import cutting_lines
    from reader.align.cutting import clause_spans

    monkeypatch.setattr(byte_patterns, "LARGE", 0)
    taken = []
    line_clauses = cutting_lines._line_clauses
    monkeypatch.setattr(cutting_lines, "_line_clauses", lambda text: taken.append(line_clauses(text)) or taken[-1])
    for text in line_texts(4000, 14) + hostile_texts(500):
        spans = clause_spans(text)
        expected = tuple(list(column) for column in zip(*spans)) if spans else ([], [], [])
        assert cutting_lines.clause_columns(text) == expected, text
    assert sum(found is not None for found in taken) > 500  # many took the way of lines


def lower_case_words(text: str) -> frozenset[str]:
    return frozenset(word for word in re.findall(r"\w+", text) if word.islower())


@pytest.mark.parametrize(("hits", "scans"), [(64, 8), (1, 1), (2, 100)])
def test_occurs_lower_case_is_the_lower_case_words_of_the_text(monkeypatch, hits, scans):
    monkeypatch.setattr(words, "_FIND_HITS", hits)
    monkeypatch.setattr(words, "_FIND_SCANS", scans)
    words._lower_case_index.cache_clear()
    for text in hostile_texts(400, seed=hits):
        known = lower_case_words(text)
        for word in ["and", "market", "zeta", "quote", "years", "_", "10", "a", "x", "com", "emerging", "é"]:
            assert words.occurs_lower_case(text, word) == (word in known), (text, word)
    words._lower_case_index.cache_clear()


def test_weights_read_on_demand_are_the_inverse_document_frequencies():
    docs = [SourceText(i, str(i), text) for i, text in enumerate(hostile_texts(40, seed=11)[:20] + [
        "OpenAI said the model cost $13 billion to train.\nAnalysts said the model cost 13 billion dollars.\n"
        "OpenAI said the model cost $13 billion to train.\n"])]
    claim_set = prepare_claims(docs)
    n = len(claim_set.claims)
    df = Counter(stem for claim in claim_set.claims for stem in claim.stems)
    assert df == claim_set.df
    for claim in claim_set.claims:
        assert claim.weights == {stem: math.log(1 + n / df[stem]) for stem in claim.stems}
        assert claim.total == pytest.approx(sum(claim.weights.values()))
        topic = {s for s in claim.stems if df[s] > tuning.TOPIC_SHARE * n and df[s] >= tuning.MIN_TOPIC_CLAIMS}
        assert claim.topic_stems == topic
    moved = claim_set.subset([len(docs) - 1]).claims
    assert [c.weights for c in moved] == [c.weights for c in claim_set.by_doc[len(docs) - 1]]


def test_a_clause_made_alone_has_no_weights():
    clause = Clause(0, 0, 0, 5, 0, stems=frozenset({"model"}))
    assert (clause.weights, clause.total, clause.topic_stems) == ({}, 0.0, frozenset())



@pytest.mark.parametrize("sorted_from", [100_000, 0], ids=["table", "sorted"])
def test_a_source_of_common_words_marks_its_word_for_word_repeats(monkeypatch, sorted_from):
    monkeypatch.setattr(clauses, "SORTED_FROM", sorted_from)
    used = []

    def spy(keys, canonical, mine):
        used.append(len(mine))
        _mark_exact_repeats(keys, canonical, mine)

    monkeypatch.setattr(clauses, "_mark_exact_repeats", spy)
    vocabulary = "the government said on tuesday that its new policy would cut emissions by forty percent".split()
    rng = random.Random(4)
    lines = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(5, 8))).capitalize() + "." for _ in range(2000)]
    lines += lines[:40]
    claim_set = prepare_claims([SourceText("big", "big", "\n".join(lines)),
                                SourceText("a", "a", "Analysts expect the Kestrel trial to resume in March.")])
    assert used == [len(claim_set.by_doc[0])]  # the big source took the shortcut, the article did not
    first: dict[str, int] = {}
    for claim in claim_set.by_doc[0]:
        expected = first.setdefault(claim.key, claim.index)
        assert claim.canonical == (-1 if expected == claim.index else expected)
    assert sum(claim.canonical >= 0 for claim in claim_set.claims) >= 20  # of the 40 lines said twice, those that are claims


@pytest.mark.parametrize("sorted_from", [100_000, 0], ids=["table", "sorted"])
@pytest.mark.parametrize("text_hash", [hash, len, lambda text: 0], ids=["hash", "texts of one length share", "all share"])
def test_word_for_word_repeats_are_marked_whatever_the_hashes_of_the_texts(monkeypatch, text_hash, sorted_from):
    monkeypatch.setattr(clauses, "_text_hash", text_hash)
    monkeypatch.setattr(clauses, "SORTED_FROM", sorted_from)
    keys = ["x", "a b", "c d", "a b", "e f", "c d", "a b", "gh", "y"]  # the source's claims are 1 to 7
    canonical = [-1] * len(keys)
    _mark_exact_repeats(keys, canonical, range(1, 8))
    assert canonical == [-1, -1, -1, 1, -1, 2, 1, -1, -1]


def test_sentences_found_in_one_scan_are_those_a_search_per_paragraph_finds():
    from reader.text import _CANDIDATE, _sentences_in_paragraph, paragraph_spans, sentence_spans

    def per_paragraph(text: str, start: int = 0, end: int | None = None) -> list:
        spans = []
        for p_start, p_end in paragraph_spans(text, start, end):
            if _CANDIDATE.search(text, p_start, p_end) is None:
                spans.append((p_start, p_end))
            else:
                spans.extend(_sentences_in_paragraph(text, p_start, p_end))
        return spans

    rng = random.Random(8)
    pieces = list(".!?\u2026\"')]\u201d\u2019 \t\n\r\x0b\u2028\u00a0aA1") + ["Mr.", "U.S.", "e.g.", " x", "Yes"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert sentence_spans(text) == per_paragraph(text), text
        start, end = sorted(rng.sample(range(len(text) + 2), 2))
        assert sentence_spans(text, start, end) == per_paragraph(text, start, end), (text, start, end)


EVIDENCE_PIECES = PIECES + ["$13 billion", "forty percent", "2019", "Phi-3", "7-4", "Sébastien", "OpenAI", "openai",
                            "a decade", "\"the model cost 6.6 million\"", "Kestrel", "two years", "O'Neil's", "1,000"]


def reference_claims(text: str) -> list[tuple]:
    """The claims of one source by the per-clause definitions: each field worked out for each clause alone."""
    from reader.align.cutting import clause_spans, is_label
    from reader.align.figures import figure_keys
    from reader.text import word_spans

    quotes = words.quotation_spans(text)
    lower = lower_case_words(text)
    found = []
    for start, end, sentence in clause_spans(text):
        if is_label(text, start, end):
            continue
        spans = word_spans(text, start, end)
        all_stems = [stem for s, e in spans for stem in words.content_stems(text[s:e])]
        if len(all_stems) < tuning.MIN_CLAIM_WORDS:
            continue
        quoted = {stem for s, e in spans if any(qs <= s < qe for qs, qe in quotes) for stem in words.content_stems(text[s:e])}
        names = {stem for s, e in spans if text[s].isupper() and words.fold_word(text[s:e]) not in lower
                 for stem in words.content_stems(text[s:e])}
        found.append((start, end, sentence, frozenset(all_stems), " ".join(words.fold_word(text[s:e]) for s, e in spans),
                      figure_keys(text, start, end),
                      any(sum(ch.isdigit() for ch in n) > 1 for n in words.NUMBER.findall(text, start, end)),
                      frozenset(quoted), frozenset(names)))
    return found


def test_claims_and_their_evidence_are_those_of_each_clause_alone():
    rng = random.Random(5)
    texts = ["".join(rng.choice(EVIDENCE_PIECES) for _ in range(rng.randint(0, 60))) for _ in range(600)]
    for text in texts + hostile_texts(300):
        claim_set = prepare_claims([SourceText(0, "a", text)])
        got = [(c.start, c.end, c.sentence, c.stems, c.key, c.numbers, c.amounts, c.quote_stems, c.name_stems)
               for c in claim_set.claims]
        assert got == reference_claims(text), text


ASCII_PIECES = [piece for piece in EVIDENCE_PIECES if piece.isascii()] + [
    "6.6", "o1-mini", "don't", "a/b", "$", "%", "$13", "40%", "'", "-", "/", ".", ",", "x", "_", "A", "Ab.", "'s"]


@pytest.fixture(params=["small", "large"])
def byte_scans(request, monkeypatch):
    """Byte patterns found with bytes.find (a small text) or with numpy (a large one: every text here, compared
    in chunks of 5 bytes, so that patterns run across chunks)."""
    from reader import byte_patterns

    if request.param == "large":
        monkeypatch.setattr(byte_patterns, "LARGE", 0)
        monkeypatch.setattr(byte_patterns, "_CHUNK", 5)
    return request.param


def test_claims_of_an_ascii_text_are_those_of_each_clause_alone(byte_scans):
    rng = random.Random(6)
    for _ in range(1500):
        text = "".join(rng.choice(ASCII_PIECES) for _ in range(rng.randint(0, 60)))
        claim_set = prepare_claims([SourceText(0, "a", text)])
        got = [(c.start, c.end, c.sentence, c.stems, c.key, c.numbers, c.amounts, c.quote_stems, c.name_stems)
               for c in claim_set.claims]
        assert got == reference_claims(text), text


def test_a_word_of_a_spaced_ascii_text_has_at_most_one_content_stem():
    """reader.align.ascii_claims looks up one stem per word of a clause split wherever no word character is."""
    from reader.align.ascii_claims import _OUTSIDE_WORDS

    word_characters = [chr(code) for code in range(128) if code not in _OUTSIDE_WORDS]
    assert len(word_characters) == 26 + 26 + 10 + 3  # letters, digits, "_", "$" and "%"
    rng = random.Random(12)
    for _ in range(20_000):
        word = "".join(rng.choice(word_characters) for _ in range(rng.randint(1, 8))).lower()
        assert len(words.content_stems(word)) <= 1, word


def test_ascii_texts_take_the_byte_scans_and_cut_as_the_patterns_do(byte_scans):
    """ASCII texts find glued boundaries, inner sentence ends and cutting marks in their bytes: the same
    sentences, units and flags as the patterns searched per paragraph and per sentence."""
    from reader.align import cutting
    from reader.text import _CANDIDATE, _INNER_CANDIDATE, _may_have_inner_candidate, _sentences_in_paragraph

    rng = random.Random(9)
    pieces = list(".!?\"')] \t\n\x0b\x1f,;:-aAbz1") + ["Mr.", "U.S.", "e.g.", " x", "Yes", "market.Emerging", "(x.com)In",
                                                     " and ", "--", "and\t", " and\n", "In"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        assert text.isascii()
        if _INNER_CANDIDATE.search(text):
            assert _may_have_inner_candidate(text), text
        expected_sentences = []
        for p_start, p_end in paragraph_spans(text):
            if _CANDIDATE.search(text, p_start, p_end) is None:
                expected_sentences.append((p_start, p_end))
            else:
                expected_sentences.extend(_sentences_in_paragraph(text, p_start, p_end))
        assert sentence_spans(text) == expected_sentences, text
        assert cutting._glued_candidates(text) == [m.start() for m in cutting._GLUED_CANDIDATE.finditer(text)], text
        units = sentence_units(text)
        assert may_cut_flags(text, units) == [bool(_MAY_CUT.search(text, s, e)) for s, e in units], text


def test_claim_at_finds_each_claim_by_its_span_and_nothing_else():
    rng = random.Random(12)
    vocabulary = "the Kestrel trial will resume in March analysts said OpenAI cost $13 billion, forty percent".split()

    def sentence() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 14))).capitalize() + rng.choice(".;\n")

    texts = [" ".join(sentence() for _ in range(rng.randint(5, 15))) for _ in range(8)]
    claim_set = prepare_claims([SourceText(i, str(i), text) for i, text in enumerate(texts)])
    assert len(claim_set.claims) > 30
    spans = {(c.doc, c.start, c.end): c for c in claim_set.claims}
    for (doc, start, end), claim in spans.items():
        assert claim_set.claim_at(doc, start, end) is claim
        assert (doc, start, end + 1) in spans or claim_set.claim_at(doc, start, end + 1) is None
        assert (doc, start - 1, end) in spans or claim_set.claim_at(doc, start - 1, end) is None
    subset = claim_set.subset([5, 2])
    assert len(subset.by_doc[0]) and len(subset.by_doc[1])
    for claim in subset.claims:
        assert subset.claim_at(claim.doc, claim.start, claim.end) is claim


def test_claims_are_a_sequence_made_on_asking_and_kept():
    import numpy as np

    text = "Analysts said the Kestrel trial will resume in March.\nOpenAI said the model cost $13 billion to train.\n"
    claim_set = prepare_claims([SourceText(0, "a", text), SourceText(1, "b", "The Kestrel trial resumes in March.")])
    assert claim_set.made == [None, None, None]  # nothing made before a stage or a caller asks
    first = claim_set.claims[0]
    assert claim_set.claims[0] is first and claim_set.claims[np.int64(0)] is first
    assert [c.index for c in claim_set.claims] == [0, 1, 2] and claim_set.claims[-1].doc == 1
    assert [c.index for c in claim_set.claims[1:]] == [1, 2] and len(claim_set.by_doc[0]) == 2
    assert claim_set.by_doc[1][0] is claim_set.claims[2] and claim_set.text(first) == text[: first.end]
