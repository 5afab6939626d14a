"""The comparison as a fact-checker trusts it: ranked counterparts (c) confirmed with a digit in one undo step
or rejected for good (x), `L` reusing annotations that cover the passage, the user's links winning in the
differences panel and the sync, every clause of a sentence in the panel, weak suggestions on request (W)."""

from __future__ import annotations

from pilot_helpers import wait_settled, wait_for
from test_compare import move_to_counterpart, open_compare

from reader.align import tuning
from reader.store.decisions import decisions
from reader.tui.screens.compare import CONFIRMED_COLOUR, WEAK_COLOUR
from reader.tui.screens.counterparts import CounterpartChoice


async def cursor_on(pilot, screen, pane: int, words: str) -> None:
    view = screen.panes[pane].view
    view.move_cursor_to(view.text.index(words))
    await pilot.pause()


async def counterparts(pilot, screen) -> CounterpartChoice:
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CounterpartChoice))
    return pilot.app.screen


async def reject_the_first_counterpart(pilot):
    """000 beside 001, the cursor on Bubeck joining Microsoft: `x` on the first candidate, then escape (`x`
    keeps the list open); returns the screen and the candidate rejected."""
    screen = await open_compare(pilot, "000", "001")
    await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
    dialog = await counterparts(pilot, screen)
    first = dialog.choices[0][1]
    await pilot.press("x")
    await wait_settled(pilot, lambda: bool(decisions(pilot.app.session.store)))
    await pilot.press("escape")
    await wait_settled(pilot, lambda: pilot.app.screen is screen)
    return screen, first


async def test_c_ranks_counterparts_and_a_digit_confirms_them_in_one_undo_step(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        assert len(dialog.choices) == 3 and all(pane == 1 for pane, _ in dialog.choices)
        second = dialog.choices[1][1]
        await pilot.press("2")
        await wait_settled(pilot, lambda: pilot.app.screen is screen and screen.panes[1].linked)
        store = pilot.app.session.store
        own = store.annotations(source_id=screen.panes[0].source.id)
        other = store.annotations(source_id=screen.panes[1].source.id)
        assert [(a.start, a.end) for a in own] == [screen.panes[0].view.cursor]
        assert [(a.start, a.end, a.tags) for a in other] == [(second.start, second.end, ["claim"])]
        assert [(l.from_annotation, l.to_annotation, l.kind) for l in store.links()] == [(own[0].id, other[0].id, "same")]
        assert [d.decision for d in decisions(store)] == ["confirmed"]
        await pilot.press("u")
        await wait_settled(pilot, lambda: not screen.panes[1].annotations)
        assert store.annotations() == [] and store.links() == []
        assert decisions(store) == []  # what the pair model learnt from the confirmation goes with it


async def test_x_rejects_a_suggestion_for_good(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen, first = await reject_the_first_counterpart(pilot)
        assert [d.decision for d in decisions(pilot.app.session.store)] == ["rejected"]
        assert pilot.app.session.store.annotations() == []
        dialog = await counterparts(pilot, screen)
        assert all(c.start != first.start for _, c in dialog.choices)
        await pilot.press("escape")
        # Nor is it drawn as aligned any more.
        for cluster in screen.comparison.judged.clusters:
            spans = {(m.source_id, m.start) for m in cluster.members}
            assert (screen.panes[1].source.id, first.start) not in spans or \
                not any(m.source_id == screen.panes[0].source.id and m.start <= screen.panes[0].view.cursor[0] < m.end
                        for m in cluster.members)


async def test_u_brings_a_rejected_suggestion_back_and_redo_rejects_it_again(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen, first = await reject_the_first_counterpart(pilot)
        store = pilot.app.session.store
        await wait_settled(pilot, lambda: screen.comparison is not None and screen.comparison.rejected)
        said = [str(n.message) for n in pilot.app._notifications]
        assert "rejected: this pair will not be suggested again (u undoes)" in said, said
        pilot.app.clear_notifications()
        await pilot.press("u")
        await wait_settled(pilot, lambda: not decisions(store) and screen.comparison is not None
                           and not screen.comparison.rejected)
        said = [str(n.message) for n in pilot.app._notifications]
        assert any(m.startswith("undid rejecting a pair: ") for m in said), said
        dialog = await counterparts(pilot, screen)
        assert dialog.choices[0][1].start == first.start  # suggested again, first as before
        await pilot.press("escape")
        await wait_settled(pilot, lambda: pilot.app.screen is screen)
        await pilot.press("ctrl+r")
        await wait_settled(pilot, lambda: bool(decisions(store)) and screen.comparison is not None
                           and bool(screen.comparison.rejected))
        dialog = await counterparts(pilot, screen)
        assert all(c.start != first.start for _, c in dialog.choices)


async def test_L_reuses_an_annotation_that_covers_the_passage(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        hit = await move_to_counterpart(pilot, screen)
        store = pilot.app.session.store
        pane = screen.panes[0]
        # The whole sentence was annotated before (wider than the aligned clause).
        sentence = pane.view.cursor
        existing = store.add_annotation(pane.source.id, min(sentence[0], hit.member.start),
                                        max(sentence[1], hit.member.end), tags=["number"])
        screen.reload()
        await wait_settled(pilot, lambda: pane.annotations)
        await pilot.press("L")
        await wait_settled(pilot, lambda: screen.panes[1].linked)
        own = store.annotations(source_id=pane.source.id)
        assert [a.id for a in own] == [existing.id]
        assert sorted(own[0].tags) == ["claim", "number"]
        assert store.links()[0].from_annotation == existing.id


async def test_a_link_made_by_hand_wins_in_the_differences_panel_and_the_sync(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        store = pilot.app.session.store
        first, second = screen.panes
        joined = "Sebastien Bubeck joined Microsoft as a researcher in 2014"
        spent = "spent 10 years at Microsoft Research"
        a = store.add_annotation(first.source.id, first.text.index(joined), first.text.index(joined) + len(joined))
        b = store.add_annotation(second.source.id, second.text.index(spent), second.text.index(spent) + len(spent))
        store.add_link(a.id, b.id, "same")
        screen.reload()
        await wait_settled(pilot, lambda: first.linked
                       and any(c.status == "confirmed" for c in screen.alignment.clusters))
        await cursor_on(pilot, screen, 0, joined)
        plain = screen.query_one("#compare-differences").render().plain
        assert "no counterpart" not in plain
        assert "your link: same claim" in plain
        assert "differs: 2014 | 10 years" in plain  # a link is the same claim; its figures still differ
        assert (b.start, b.end) in [(h.start, h.end) for h in second.view.highlights("focus")]
        assert second.view.cursor[0] <= b.start < second.view.cursor[1] or second.view.cursor[0] == b.start


async def test_the_differences_panel_covers_every_claim_of_a_sentence(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await pilot.press("W")  # every suggestion, to find a sentence that makes two aligned claims
        await wait_settled(pilot, lambda: screen.alignment is screen.comparison.judged)
        view = screen.panes[0].view
        for _ in range(200):
            hits = screen.hits_under_cursor(0)
            if len(hits) > 1:
                break
            before = view.cursor
            await pilot.press("j")
            assert view.cursor != before, "no sentence with two aligned claims"
        plain = screen.query_one("#compare-differences").render().plain
        assert f"claim 1/{len(hits)}" in plain and f"claim {len(hits)}/{len(hits)}" in plain
        label = "2 One of Microsoft"
        assert plain.count(label) == len(hits)


async def test_W_shows_weak_suggestions_in_their_own_colour_and_confirmed_ones_differ(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        shown = len(screen.alignment.clusters)
        assert all(c.confidence >= tuning.DRAW_CONFIDENCE for c in screen.alignment.clusters)
        await pilot.press("W")
        await wait_for(pilot, lambda: len(screen.alignment.clusters) > shown)
        colours = {h.colour for h in screen.panes[0].view.highlights("alignment")}
        assert WEAK_COLOUR in colours
        await pilot.press("W")
        await wait_for(pilot, lambda: len(screen.alignment.clusters) == shown)
        await move_to_counterpart(pilot, screen)
        await pilot.press("L")
        await wait_settled(pilot, lambda: any(c.status == "confirmed"
                                                                     for c in screen.alignment.clusters))
        confirmed = next(c for c in screen.alignment.clusters if c.status == "confirmed")
        for pane in screen.panes:
            links = [(h.start, h.end) for h in pane.view.highlights("links")]
            spans = [(m.start, m.end) for m in confirmed.members if m.source_id == pane.source.id]
            assert spans and set(spans) <= set(links)  # drawn as the user's link, not as a suggestion
            assert not [h for h in pane.view.highlights("alignment")
                        if h.colour not in (CONFIRMED_COLOUR,) and any(h.start < e and h.end > s for s, e in spans)
                        and h.key.startswith("aligned")]


async def test_in_a_large_library_the_panel_says_pairs_may_change_with_other_panes(make_app, monkeypatch):
    from reader.align import tuning

    monkeypatch.setattr(tuning, "STABLE_LIBRARY", 3)  # the bundled library has 5 sources
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        assert not screen.comparison.library_weights
        assert "other panes may change these pairs" in screen.query_one("#compare-differences").render().plain


async def test_j_and_k_move_in_the_counterparts_list_so_x_rejects_the_one_chosen(make_app):
    """QA: `c`, `j` `j`, `x` rejected the first candidate, not the third: j/k did nothing in the list."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await cursor_on(pilot, screen, 0, "Sebastien Bubeck joined Microsoft")
        dialog = await counterparts(pilot, screen)
        third = dialog.choices[2][1]
        await pilot.press("j", "j", "k", "j")
        await pilot.press("x")
        await wait_settled(pilot, lambda: bool(decisions(pilot.app.session.store)))
        [decision] = decisions(pilot.app.session.store)
        assert decision.decision == "rejected"
        assert (screen.panes[1].source.id, third.start, third.end) in {decision.a, decision.b}


async def test_a_long_passage_is_cut_with_an_ellipsis_in_the_counterparts_list(make_app):
    """QA: the passage above the counterparts stopped mid-word ("... from the compa") with no sign it was
    cut."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await cursor_on(pilot, screen, 0, "In a significant move")
        dialog = await counterparts(pilot, screen)
        shown = str(dialog.query_one("#dialog-quote").render())
        assert shown.endswith("…") and shown.startswith("In a significant move")
