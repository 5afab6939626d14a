"""Re-anchoring annotations on changed text: anchored, fuzzy, ambiguous or orphaned, never a wrong span."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from reader.anchoring import FUZZY_MIN_SCORE, anchor, make_selector
from reader.library import BUNDLED_CORPUS
from reader.model import ANCHOR_STATUSES, Selector

WORDS = st.sampled_from("the a claim said Microsoft OpenAI billion 6.6 Bubeck left joined research model".split())
PROSE = st.lists(st.one_of(WORDS, st.sampled_from([" ", " ", ". ", "\n", ", "])), min_size=1, max_size=120).map("".join)
TEXT = st.one_of(PROSE, st.text(min_size=1, max_size=300))


@st.composite
def text_and_span(draw):
    text = draw(TEXT)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 80)))
    return text, start, end


EDITS = st.sampled_from(["none", "insert_before", "insert_after", "delete_span", "duplicate", "typo",
                         "replace_all", "insert_inside"])


def apply_edit(text: str, start: int, end: int, edit: str, data) -> str:
    insertion = data.draw(st.text(min_size=1, max_size=40), label="insertion")
    if edit == "insert_before":
        at = data.draw(st.integers(0, start), label="at")
        return text[:at] + insertion + text[at:]
    if edit == "insert_after":
        at = data.draw(st.integers(end, len(text)), label="at")
        return text[:at] + insertion + text[at:]
    if edit == "delete_span":
        return text[:start] + text[end:]
    if edit == "duplicate":
        return text[:end] + text[start:end] + text[end:]
    if edit == "typo":
        at = data.draw(st.integers(start, end - 1), label="at")
        return text[:at] + insertion[0] + text[at + 1:]
    if edit == "insert_inside":
        at = data.draw(st.integers(start, end), label="at")
        return text[:at] + insertion + text[at:]
    if edit == "replace_all":
        return insertion
    return text


def check_anchor(new_text: str, selector: Selector) -> str:
    found = anchor(new_text, selector)
    assert found.status in ANCHOR_STATUSES
    if found.status == "orphaned":
        return found.status
    assert 0 <= found.start < found.end <= len(new_text)
    span_text = new_text[found.start:found.end]
    if found.status in ("anchored", "ambiguous"):
        assert span_text == selector.quote
    else:
        assert fuzz.ratio(selector.quote, span_text) >= FUZZY_MIN_SCORE
        assert found.score >= FUZZY_MIN_SCORE
    return found.status


@settings(max_examples=400, deadline=None)
@given(text_and_span(), EDITS, st.data())
def test_anchor_never_returns_a_span_that_does_not_match(case, edit: str, data) -> None:
    text, start, end = case
    selector = make_selector(text, start, end)
    check_anchor(apply_edit(text, start, end, edit, data), selector)


@settings(max_examples=300, deadline=None)
@given(text_and_span())
def test_unchanged_text_anchors_in_the_same_place(case) -> None:
    text, start, end = case
    selector = make_selector(text, start, end)
    found = anchor(text, selector)
    assert (found.status, found.start, found.end) in (("anchored", start, end), ("ambiguous", start, end))
    if text.count(selector.quote) == 1:
        assert found.status == "anchored"


@settings(max_examples=300, deadline=None)
@given(text_and_span())
def test_deleted_passage_is_orphaned(case) -> None:
    text, start, end = case
    selector = make_selector(text, start, end)
    new_text = text[:start] + text[end:]
    assume(selector.quote not in new_text)
    found = anchor(new_text, selector)
    if found.status == "fuzzy":  # only when something close enough to the quote is still there
        assert fuzz.ratio(selector.quote, new_text[found.start:found.end]) >= FUZZY_MIN_SCORE
    else:
        assert found.status == "orphaned"


@settings(max_examples=200, deadline=None)
@given(text_and_span(), st.text(min_size=1, max_size=30))
def test_text_inserted_before_moves_the_anchor_with_it(case, insertion: str) -> None:
    text, start, end = case
    selector = make_selector(text, start, end)
    assume(text.count(selector.quote) == 1 and (insertion + text).count(selector.quote) == 1)
    found = anchor(insertion + text, selector)
    assert (found.status, found.start, found.end) == ("anchored", start + len(insertion), end + len(insertion))


# --- on the real corpus ---------------------------------------------------------------------------

def corpus_text() -> str:
    (path,) = BUNDLED_CORPUS.glob("001_*.txt")
    return path.read_text(encoding="utf-8")


def test_typo_in_a_long_quote_anchors_fuzzily_on_the_whole_phrase() -> None:
    text = corpus_text()
    quote = "earned the title of Distinguished Scientist"
    start = text.index(quote)
    selector = make_selector(text, start, start + len(quote))
    edited = text.replace("Distinguished", "Distinguishd")
    found = anchor(edited, selector)
    assert found.status == "fuzzy"
    assert edited[found.start:found.end] == "earned the title of Distinguishd Scientist"


def test_repeated_quote_is_placed_by_its_context() -> None:
    text = corpus_text()
    occurrences = [i for i in range(len(text)) if text.startswith("OpenAI", i)]
    third = occurrences[2]
    selector = make_selector(text, third, third + len("OpenAI"))
    shifted = "A new first line.\n" + text
    found = anchor(shifted, selector)
    assert (found.status, found.start) == ("anchored", third + len("A new first line.\n"))


def test_repeated_quote_without_telling_context_is_ambiguous() -> None:
    selector = Selector(start=0, end=5, quote="claim", prefix="", suffix="")
    found = anchor("claim and claim", selector)
    assert found.status == "ambiguous" and found.start == 0


def test_short_quote_is_not_matched_fuzzily() -> None:
    selector = Selector(start=4, end=9, quote="claim", prefix="the ", suffix=" was")
    assert anchor("the clam was", selector).status == "orphaned"


def test_empty_quote_is_orphaned() -> None:
    assert anchor("some text", Selector(0, 1, "")).status == "orphaned"
