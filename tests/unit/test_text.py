"""Text units as code-point offsets, newline canonicalisation, and display-safe rendering."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.library import BUNDLED_CORPUS
from reader.text import (
    canonicalise_newlines,
    display_safe,
    find_quote,
    paragraph_spans,
    safe_text,
    sentence_spans,
    word_spans,
)


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


def corpus_text(prefix: str) -> str:
    (path,) = BUNDLED_CORPUS.glob(f"{prefix}_*.txt")
    return canonicalise_newlines(path.read_text(encoding="utf-8"))


# --- sentences on the real corpus -----------------------------------------------------------------

@pytest.mark.parametrize(("prefix", "whole_sentence"), [
    ("000", "OpenAI continues to strengthen its financial standing, raising an additional $6.6 billion "
            "recently, which boosted its valuation to $157 billion."),
    ("001", "OpenAI may instead put Bubeck's talents to work on its small language models (SLMs) like "
            "GPT-4o-mini and o1-mini."),
    ("000", "In an interview, a spokesperson from Microsoft noted, \"We are excited to see Sebastien join "
            "OpenAI and contribute his expertise to their efforts in developing AGI.\""),
    ("001", "He is listed as an author in this Microsoft research paper that describes Phi-3 as \"a highly "
            "capable language model locally on your phone.\""),
])
def test_corpus_sentences_are_not_broken_inside(prefix: str, whole_sentence: str) -> None:
    assert whole_sentence in sentences(corpus_text(prefix))


def test_corpus_quote_ending_in_full_stop_ends_the_sentence() -> None:
    found = sentences(corpus_text("000"))
    index = next(i for i, s in enumerate(found) if s.endswith('developing AGI (Artificial General Intelligence)."'))
    assert found[index + 1].startswith("The company expressed its enthusiasm")


# --- sentences on crafted strings -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("It cost $6.6 billion. Shares rose.", ["It cost $6.6 billion.", "Shares rose."]),
    ("The U.S. Army said so. Then it left.", ["The U.S. Army said so.", "Then it left."]),
    ("Dr. Smith arrived. He sat down.", ["Dr. Smith arrived.", "He sat down."]),
    ("Mr. and Mrs. Jones met Prof. Lee. They talked.", ["Mr. and Mrs. Jones met Prof. Lee.", "They talked."]),
    ("Models like o1-mini are small. They are cheap.", ["Models like o1-mini are small.", "They are cheap."]),
    ('He said "No." Then he left.', ['He said "No."', "Then he left."]),
    ("She wrote \u201cIt works.\u201d Nobody agreed.", ["She wrote \u201cIt works.\u201d", "Nobody agreed."]),
    ('He said "it is done." and left.', ['He said "it is done." and left.']),
    ("J. K. Rowling wrote it. Many read it.", ["J. K. Rowling wrote it.", "Many read it."]),
    ("Apples, pears, etc. are fruit. Eat them.", ["Apples, pears, etc. are fruit.", "Eat them."]),
    ("Use e.g. a pen. Or a pencil.", ["Use e.g. a pen.", "Or a pencil."]),
    ("See p. 5 for details. Then stop.", ["See p. 5 for details.", "Then stop."]),
    ("Version 2.0 shipped. Nobody noticed.", ["Version 2.0 shipped.", "Nobody noticed."]),
    ("Really? Yes! Fine.", ["Really?", "Yes!", "Fine."]),
    ("Wait... What happened?", ["Wait...", "What happened?"]),
    ("(It was late.) Everyone left.", ["(It was late.)", "Everyone left."]),
])
def test_crafted_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentences_never_cross_a_line_break() -> None:
    text = "A heading without a stop\nThe body starts here. It goes on"
    assert sentences(text) == ["A heading without a stop", "The body starts here.", "It goes on"]


def test_sentence_spans_respect_a_range() -> None:
    text = "One. Two. Three."
    assert sentence_spans(text, 5, 9) == [(5, 9)]


# --- words and paragraphs -------------------------------------------------------------------------

def test_words_keep_prices_model_names_and_possessives() -> None:
    text = "Bubeck\u2019s o1-mini cost $6.6 billion in the U.S."
    words = [text[s:e] for s, e in word_spans(text)]
    assert words == ["Bubeck\u2019s", "o1-mini", "cost", "$6.6", "billion", "in", "the", "U.S"]


def test_paragraphs_are_trimmed_non_blank_lines() -> None:
    text = "  First para. \n\n\t\nSecond.\n"
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["First para.", "Second."]


# --- property: spans tile the text ----------------------------------------------------------------

PROSE = st.lists(
    st.sampled_from(list("aAbBzZ09 .!?,;:\"'\u201c\u201d()$-\n\t\u00a0\u2029") + ["Dr", "U.S.", "e.g.", " J. "]),
    max_size=200,
).map("".join)
ANY_TEXT = st.text(max_size=200)


def check_spans_tile(text: str, spans: list[tuple[int, int]]) -> None:
    previous_end = 0
    for start, end in spans:
        assert 0 <= previous_end <= start < end <= len(text), (spans, text)
        assert "\n" not in text[start:end]
        assert not text[start].isspace() and not text[end - 1].isspace()
        previous_end = end
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    missing = [i for i, char in enumerate(text) if not char.isspace() and i not in covered]
    assert not missing, (missing, text)


@settings(max_examples=300)
@given(st.one_of(PROSE, ANY_TEXT))
def test_sentence_spans_tile_every_non_space_character(raw: str) -> None:
    text = canonicalise_newlines(raw)
    check_spans_tile(text, sentence_spans(text))


@settings(max_examples=300)
@given(st.one_of(PROSE, ANY_TEXT))
def test_paragraph_spans_tile_every_non_space_character(raw: str) -> None:
    text = canonicalise_newlines(raw)
    check_spans_tile(text, paragraph_spans(text))


@settings(max_examples=300)
@given(st.one_of(PROSE, ANY_TEXT), st.integers(0, 200), st.integers(0, 200))
def test_paragraph_spans_are_each_lines_stripped_text(raw: str, start: int, length: int) -> None:
    """One regex finds the paragraphs (a million lines in a fraction of a second): it must be exactly the
    definition, each line between start and end stripped by str.strip, blank ones left out."""
    end = min(len(raw), start + length)
    expected, line_start = [], min(start, len(raw))
    for line in raw[line_start:end].split("\n"):
        stripped = line.strip()
        if stripped:
            first = line_start + len(line) - len(line.lstrip())
            expected.append((first, first + len(stripped)))
        line_start += len(line) + 1
    assert paragraph_spans(raw, min(start, len(raw)), end) == expected


@given(st.one_of(PROSE, ANY_TEXT))
def test_sentences_nest_inside_paragraphs(raw: str) -> None:
    text = canonicalise_newlines(raw)
    paragraphs = paragraph_spans(text)
    for start, end in sentence_spans(text):
        assert any(p_start <= start and end <= p_end for p_start, p_end in paragraphs)


# --- newline canonicalisation ---------------------------------------------------------------------

LINE_SEPARATORS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_the_separator_list_is_what_splitlines_knows() -> None:
    known = {chr(c) for c in range(sys.maxunicode + 1) if len(f"a{chr(c)}b".splitlines()) == 2}
    assert known == {s for s in LINE_SEPARATORS if len(s) == 1}


@pytest.mark.parametrize("separator", LINE_SEPARATORS)
def test_every_separator_becomes_one_lf(separator: str) -> None:
    assert canonicalise_newlines(f"one{separator}two{separator}") == "one\ntwo\n"


@given(st.lists(st.sampled_from(list("ab ") + LINE_SEPARATORS), max_size=80).map("".join) | st.text(max_size=80))
def test_canonical_text_has_the_same_lines_and_only_lf(raw: str) -> None:
    text = canonicalise_newlines(raw)
    assert text.splitlines() == raw.splitlines()
    assert not any(c != "\n" and len(f"a{c}b".splitlines()) == 2 for c in text)
    assert len(text) == len(raw) - raw.count("\r\n")


# --- display safety -------------------------------------------------------------------------------

BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def is_unsafe(char: str) -> bool:
    """What must never reach the terminal: controls (bar LF), bidi controls, zero-width and format characters."""
    if char == "\n":
        return False
    return (unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")
            or char in BIDI_CONTROLS or char in ZERO_WIDTH)


HOSTILE = st.text(alphabet=st.sampled_from(
    list("ab \n\t\x1b[31m\x07\x00\x7f\x9b\x85") + sorted(BIDI_CONTROLS) + sorted(ZERO_WIDTH)), max_size=100)


@settings(max_examples=300)
@given(st.one_of(HOSTILE, st.text(max_size=100)))
def test_display_safe_is_one_for_one_and_safe(text: str) -> None:
    shown = display_safe(text)
    assert len(shown) == len(text)
    assert not any(is_unsafe(c) for c in shown), [hex(ord(c)) for c in shown if is_unsafe(c)]
    for before, after in zip(text, shown):
        if not is_unsafe(before) and before != "\t":
            assert before == after  # safe characters pass through untouched


def test_display_safe_covers_every_code_point() -> None:
    """Checks the fast-path character class against every code point this Python's Unicode knows."""
    leaked = [hex(c) for c in range(sys.maxunicode + 1) if is_unsafe(display_safe(chr(c)))]
    assert not leaked


def test_display_safe_shows_escape_as_a_visible_picture() -> None:
    assert display_safe("a\x1b[2Jb") == "a\u241b[2Jb"
    assert display_safe("\u202eevil") == "\u25ccevil"
    assert display_safe("tab\there") == "tab here"


def test_safe_text_is_never_parsed_as_markup() -> None:
    rendered = safe_text("[bold red]not markup[/] \x1b]0;title\x07")
    assert rendered.plain == "[bold red]not markup[/] \u241b]0;title\u2407"
    assert not rendered.spans


# --- finding a quote ------------------------------------------------------------------------------

def test_find_quote_exact_and_loose() -> None:
    text = "He said \u201cit\u2019s done\u201d\nand left. It\u2019s done."
    start = text.index("It\u2019s done")
    assert find_quote(text, "It\u2019s done") == [(start, start + 9)]
    # straight quotes and a single space match curly quotes and a line break
    assert [text[s:e] for s, e in find_quote(text, "said \"it's done\" and")] == ["said \u201cit\u2019s done\u201d\nand"]


def test_find_quote_of_nothing_finds_nothing() -> None:
    assert find_quote("some text", "   ") == []


def test_in_document_search_and_reader_search_fold_through_the_same_function(tmp_path):
    """fold_pattern finds "Sébastien" for "sebastien" or "SÉBASTIEN", offsets unchanged (also when the
    accent is a combining mark); the store's FTS query is folded by the same fold_text."""
    from reader.store import _fts_query
    from reader.text import fold_pattern, fold_text

    text = "Sébastien and Se\u0301bastien, not Sebastian."
    assert [m.group() for m in fold_pattern("SEBASTIEN").finditer(text)] == ["Sébastien", "Se\u0301bastien"]
    assert [m.group() for m in fold_pattern("sébastien").finditer(text)] == ["Sébastien", "Se\u0301bastien"]
    assert fold_text("Straße Sébastien") == "strasse sebastien"
    assert _fts_query("SÉBASTIEN Bubeck") == '"sebastien" "bubeck"'
    assert fold_pattern("") is None
