"""Re-anchoring after edits: through the store end to end, a small run of bench/bench_reanchor.py, and
property tests of anchoring through a diff (never a span that does not match, always a status)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from reader.anchoring import FUZZY_MIN_SCORE, TextChange, anchor, make_selector
from reader.library import sync_sources
from reader.model import ANCHOR_STATUSES

sys.path.insert(0, str(REPO / "bench"))
import bench_reanchor  # noqa: E402


@pytest.mark.parametrize("kind", list(bench_reanchor.EDITS))
def test_each_kind_of_edit_meets_its_goal_on_the_corpus(kind: str):
    outcomes, examples = bench_reanchor.measure(kind, count=120, seed=5)
    assert outcomes["misanchored"] == 0, examples
    if kind == "passage deleted":
        assert outcomes["orphaned"] == 120
    elif kind == "paragraph duplicated":
        assert outcomes["ambiguous"] == 120
    else:
        assert outcomes["correct"] + outcomes["correct fuzzy"] >= 0.8 * 120


def _rewrite(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 1_000_000_000
    os.utime(path, ns=(later, later))


def test_editing_a_source_file_reanchors_its_annotations_in_the_store(loaded_store, corpus_dir: Path, source_id):
    store = loaded_store
    sid = source_id("001")
    text = store.text(sid)
    sentences = [(s, e) for s, e in bench_reanchor.sentence_spans(text) if e - s > 40]
    to_delete, to_keep, to_duplicate = sentences[2], sentences[5], sentences[8]
    deleted = store.add_annotation(sid, *to_delete, tags=["claim"])
    kept = store.add_annotation(sid, *to_keep)
    path = next(corpus_dir.glob("001_*.txt"))

    # 1. text inserted at the top and a passage deleted
    edited = "An editor's note added at the top.\n" + text[:to_delete[0]] + text[to_delete[1]:]
    _rewrite(path, edited)
    sync_sources(store, [corpus_dir])
    new_text = store.text(sid)
    moved = store.annotation(kept.id)
    assert moved.anchor_status == "anchored" and new_text[moved.start:moved.end] == kept.quote
    gone = store.annotation(deleted.id)
    assert gone.anchor_status == "orphaned" and gone.tags == ["claim"], "an orphan is kept, with its tags"

    # 2. the paragraph holding an annotated passage duplicated
    passage = text[to_duplicate[0]:to_duplicate[1]]
    assert new_text.count(passage) == 1
    at = new_text.index(passage)
    duplicated = store.add_annotation(sid, at, at + len(passage))
    paragraph = next((s, e) for s, e in bench_reanchor.paragraph_spans(new_text)
                     if s <= duplicated.start and duplicated.end <= e)
    _rewrite(path, new_text[:paragraph[1]] + "\n" + new_text[paragraph[0]:paragraph[1]] + new_text[paragraph[1]:])
    sync_sources(store, [corpus_dir])
    assert store.annotation(duplicated.id).anchor_status == "ambiguous"
    assert store.annotation(kept.id).anchor_status == "anchored"


# --- properties -----------------------------------------------------------------------------------

WORDS = st.sampled_from("the a claim said Microsoft OpenAI billion Bubeck left joined model".split())
PROSE = st.lists(st.one_of(WORDS, st.sampled_from([" ", " ", ". ", "\n", ", "])), min_size=1, max_size=80).map("".join)
TEXT = st.one_of(PROSE, st.text(min_size=1, max_size=200))


@st.composite
def edited_text(draw):
    """A text, a span on it, and the text after a random mix of inserts, deletes and duplications."""
    text = draw(TEXT)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 60)))
    new = text
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "replace"]))
        a = draw(st.integers(0, len(new)))
        b = draw(st.integers(a, min(len(new), a + 40)))
        if kind == "insert":
            new = new[:a] + draw(st.one_of(PROSE, st.text(max_size=20))) + new[a:]
        elif kind == "delete":
            new = new[:a] + new[b:]
        elif kind == "duplicate":
            new = new[:b] + new[a:b] + new[b:]
        else:
            new = new[:a] + draw(st.text(max_size=10)) + new[b:]
    return text, start, end, new


@settings(max_examples=400, deadline=None)
@given(edited_text())
def test_anchoring_through_a_diff_never_lands_on_text_that_does_not_match(case):
    old, start, end, new = case
    selector = make_selector(old, start, end)
    found = anchor(new, selector, TextChange(old, new))
    assert found.status in ANCHOR_STATUSES
    if found.status == "orphaned":
        return
    assert 0 <= found.start < found.end <= len(new)
    placed = new[found.start:found.end]
    if found.status in ("anchored", "ambiguous"):
        assert placed == selector.quote
    else:
        assert fuzz.ratio(selector.quote, placed) >= FUZZY_MIN_SCORE


@settings(max_examples=200, deadline=None)
@given(edited_text())
def test_a_diff_maps_every_offset_into_the_new_text_in_order(case):
    old, _, _, new = case
    change = TextChange(old, new)
    previous = 0
    for offset in range(len(old) + 1):
        mapped, _ = change.map_offset(offset, "start")
        assert 0 <= mapped <= len(new)
        assert mapped >= previous
        previous = mapped


@settings(max_examples=200, deadline=None)
@given(TEXT, st.data())
def test_an_unchanged_text_keeps_every_annotation_where_it_was(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    found = anchor(text, make_selector(text, start, end), TextChange(text, text))
    assert (found.status, found.start, found.end) == ("anchored", start, end)
