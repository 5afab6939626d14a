"""The comparison screen, driven through Pilot: opening it, panes, the synchronised cursor, differences,
repeats and unique passages, annotating and linking. One behaviour per test."""

from __future__ import annotations

from reader.align import word_differences
from reader.store import open_store
from reader.tui.screens.compare import (
    FOCUS_COLOUR, REPEAT_COLOUR, UNIQUE_COLOUR, CompareScreen, LinkChoice, passage_highlights, subtract_spans)
from reader.tui.screens.pick_source import PickSourceScreen
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen

from pilot_helpers import wait_settled, open_first_source, wait_for


def ids_by_prefix(app) -> dict[str, int]:
    return {source.name[:3]: source.id for source in app.sources_screen.sources}


async def open_compare(pilot, *prefixes: str, sources: int = 5) -> CompareScreen:
    """Open the comparison of the sources whose file names start with prefixes (once the list shows all
    `sources` of the library), aligned and loaded."""
    app = pilot.app
    await wait_for(pilot, lambda: len(app.sources_screen.sources) == sources)
    listed = app.sources_screen.sources
    app.open_compare([next(source.id for source in listed if source.name.startswith(p)) for p in prefixes])
    await wait_settled(pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen.alignment is not None)
    return app.screen


async def move_to_unaligned(pilot, screen: CompareScreen, pane: int = 0) -> tuple[int, int]:
    """Put pane's cursor on a unique passage whose sentence holds no aligned passage; its span."""
    for start, end in screen.alignment.unique[screen.panes[pane].source.id]:
        screen.panes[pane].view.move_cursor_to(start)
        await pilot.pause()
        if screen.hit_under_cursor(pane) is None:
            return start, end
    raise AssertionError("no sentence without an aligned passage")


async def move_to_counterpart(pilot, screen: CompareScreen, pane: int = 0, other: int = 1, skip: int = 0):
    """Press j in pane until the passage under its cursor has a counterpart in pane `other`; the hit."""
    other_id = screen.panes[other].source.id
    found = 0
    for _ in range(200):
        hit = screen.hit_under_cursor(pane)
        if hit and any(m.source_id == other_id for m in hit.counterparts):
            if found == skip:
                return hit
            found += 1
        before = screen.panes[pane].view.cursor
        await pilot.press("j")
        if screen.panes[pane].view.cursor == before:
            break
    raise AssertionError("no aligned passage with a counterpart in the other pane")


def focus_spans(screen: CompareScreen, index: int) -> list[tuple[int, int]]:
    return [(h.start, h.end) for h in screen.panes[index].view.highlights("focus")]


# --- pure helpers --------------------------------------------------------------------------------

def test_subtract_spans_leaves_the_uncovered_parts():
    assert subtract_spans(0, 10, []) == [(0, 10)]
    assert subtract_spans(0, 10, [(2, 4), (3, 6), (8, 12)]) == [(0, 2), (6, 8)]
    assert subtract_spans(5, 10, [(0, 20)]) == []


def test_passage_highlights_leave_annotated_text_to_the_annotation():
    highlights = passage_highlights([(0, 10, "aligned", 1), (20, 30, "unique", None)], [(5, 25)])
    assert [(h.start, h.end, h.colour == UNIQUE_COLOUR) for h in highlights] == [(0, 5, False), (25, 30, True)]


# --- opening -------------------------------------------------------------------------------------

async def test_c_with_two_marked_sources_opens_them_side_by_side(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
        await pilot.press("space", "j", "j", "space", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        ids = ids_by_prefix(app)
        assert app.screen.source_ids == [ids["000"], ids["002"]]
        assert [pane.view.text[:20] for pane in app.screen.panes] == [
            app.session.store.text(ids["000"])[:20], app.session.store.text(ids["002"])[:20]]


async def test_c_with_one_marked_source_explains_and_stays(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
        await pilot.press("space", "c")
        await pilot.pause()
        assert isinstance(app.screen, SourcesScreen)
        assert any("mark 2 to 4" in str(n.message) for n in app._notifications)


async def test_c_with_five_marked_sources_is_refused(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = pilot.app
        await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
        await pilot.press("space", "j", "space", "j", "space", "j", "space", "j", "space", "c")
        await pilot.pause()
        assert isinstance(app.screen, SourcesScreen)


async def test_c_from_reading_asks_for_another_source(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        app = pilot.app
        reading, _ = await open_first_source(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, PickSourceScreen))
        offered = [source.id for source in app.screen.sources]
        assert reading.source_id not in offered and len(offered) == 4
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        assert app.screen.source_ids == [reading.source_id, offered[1]]
        await pilot.press("escape")
        assert app.screen is reading


async def test_four_panes_each_with_a_header(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001", "002", "003")
        assert len(screen.panes) == 4
        header = str(screen.query_one("#pane-header-1").render())
        assert header.startswith("2 One of Microsoft")
        assert "aligned" in header


# --- panes and sync ------------------------------------------------------------------------------

async def test_tab_moves_between_panes_and_wraps(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001", "002")
        assert screen.panes[0].view.has_focus
        await pilot.press("tab")
        assert screen.panes[1].view.has_focus and screen.active == 1
        await pilot.press("tab", "tab")
        assert screen.panes[0].view.has_focus and screen.active == 0
        await pilot.press("shift+tab")
        assert screen.panes[2].view.has_focus and screen.active == 2


async def test_each_pane_keeps_its_own_cursor(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await pilot.press("s")  # sync off: the other pane must not follow
        await pilot.press("j", "j")
        first = screen.panes[0].view.cursor
        other = screen.panes[1].view.cursor
        await pilot.press("tab", "j")
        assert screen.panes[0].view.cursor == first
        assert screen.panes[1].view.cursor != other


async def test_cursor_on_a_passage_highlights_and_scrolls_to_its_counterpart(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        hit = await move_to_counterpart(pilot, screen)
        counterpart = next(m for m in hit.counterparts if m.source_id == screen.panes[1].source.id)
        other = screen.panes[1].view
        assert (counterpart.start, counterpart.end) in focus_spans(screen, 1)
        assert other.cursor[0] <= counterpart.start < other.cursor[1]
        top, bottom = int(other.scroll_y), int(other.scroll_y) + other.size.height
        assert top <= other.document_layout.row_of_offset(counterpart.start) < bottom
        assert top <= other.document_layout.row_of_offset(counterpart.end - 1) < bottom
        assert (hit.member.start, hit.member.end) in focus_spans(screen, 0)


async def test_a_counterpart_far_down_scrolls_the_other_pane(make_app):
    async with make_app().run_test(size=(160, 30)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        other = screen.panes[1].view
        for _ in range(12):
            hit = await move_to_counterpart(pilot, screen)
            counterpart = next(m for m in hit.counterparts if m.source_id == screen.panes[1].source.id)
            if other.document_layout.row_of_offset(counterpart.start) >= other.size.height:
                break
            await pilot.press("j")
        else:
            raise AssertionError("no counterpart below the first screen")
        assert other.scroll_y > 0
        assert int(other.scroll_y) <= other.document_layout.row_of_offset(counterpart.start) < int(other.scroll_y) + other.size.height


async def test_s_toggles_sync(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await pilot.press("s")
        assert screen.sync is False
        other_cursor = screen.panes[1].view.cursor
        hit = await move_to_counterpart(pilot, screen)
        assert focus_spans(screen, 1) == []
        assert screen.panes[1].view.cursor == other_cursor
        await pilot.press("s")
        assert screen.sync is True
        counterpart = next(m for m in hit.counterparts if m.source_id == screen.panes[1].source.id)
        assert (counterpart.start, counterpart.end) in focus_spans(screen, 1)


async def test_sync_follows_the_pane_with_the_cursor(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await pilot.press("tab")
        hit = await move_to_counterpart(pilot, screen, pane=1, other=0)
        counterpart = next(m for m in hit.counterparts if m.source_id == screen.panes[0].source.id)
        assert (counterpart.start, counterpart.end) in focus_spans(screen, 0)


# --- differences, unique passages, repeats -------------------------------------------------------

async def test_differences_panel_shows_the_words_that_differ(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        hit = await move_to_counterpart(pilot, screen)
        counterpart = next(m for m in hit.counterparts if m.source_id == screen.panes[1].source.id)
        changes = word_differences(screen.panes[0].text, hit.member.start, hit.member.end,
                                   screen.panes[1].text, counterpart.start, counterpart.end)
        shown = screen.query_one("#compare-differences").render()
        plain = shown.plain
        assert "One of Microsoft" in plain
        first = sorted(changes, key=lambda c: not c.emphasis)[0]
        assert " ".join((first.a_text or first.b_text).split()) in plain
        if first.emphasis:  # numbers, names and quotations are drawn bold
            words = " ".join((first.b_text or first.a_text).split())
            start = plain.index(words)
            assert any(span.start <= start < span.end and "bold" in str(span.style) for span in shown.spans)


async def test_numbers_that_differ_are_emphasised(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        text = screen.panes[0].text
        screen.panes[0].view.move_cursor_to(text.index("$13 billion"))
        await pilot.pause()
        plain = screen.query_one("#compare-differences").render().plain
        hit = screen.hit_under_cursor(0)
        assert hit is not None, "the $13 billion sentence should be aligned"
        assert "$13 billion" in screen.panes[1].text[hit.counterparts[0].start:hit.counterparts[0].end]
        assert "estimated" in plain or "over" in plain


async def test_unique_passages_are_marked(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        unique = screen.alignment.unique[screen.panes[0].source.id]
        assert unique
        colours = {(h.start, h.end): h.colour for h in screen.panes[0].view.highlights("alignment")}
        assert colours[unique[0]] == UNIQUE_COLOUR
        await move_to_unaligned(pilot, screen)
        assert "unique" in screen.query_one("#compare-differences").render().plain


async def test_repeated_passages_are_flagged_in_their_pane(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "004", "002")
        repeats = screen.alignment.repeats[screen.panes[0].source.id]
        assert repeats, "004 repeats whole paragraphs"
        assert "repeated" in str(screen.query_one("#pane-header-0").render())
        layer = screen.panes[0].view.highlights("alignment")
        again = repeats[0].again
        assert any(h.colour == REPEAT_COLOUR and h.start < again[1] and h.end > again[0] for h in layer)
        screen.panes[0].view.move_cursor_to(again[0])
        await pilot.pause()
        assert "repeated" in screen.query_one("#compare-differences").render().plain
        assert repeats[0].first in focus_spans(screen, 0)


# --- annotating and linking ----------------------------------------------------------------------

async def test_tag_key_annotates_in_the_active_pane_and_u_undoes(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await pilot.press("tab", "j", "1")
        await wait_settled(pilot)
        pane = screen.panes[1]
        assert [(a.start, a.end, a.tags) for a in pane.annotations] == [(*pane.view.cursor, ["claim"])]
        assert len(pilot.app.session.store.annotations(source_id=pane.source.id)) == 1
        await pilot.press("u")
        await wait_settled(pilot, lambda: not pane.annotations)
        assert pilot.app.session.store.annotations(source_id=pane.source.id) == []
        await pilot.press("ctrl+r")
        await wait_settled(pilot, lambda: len(pane.annotations) == 1)


async def test_a_opens_the_annotate_dialog_for_the_pane(make_app):
    from reader.tui.widgets.annotate_dialog import AnnotateDialog

    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await pilot.press("j", "a")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        await pilot.press(*"number", "enter", "enter")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert screen.panes[0].annotations[0].tags == ["number"]


async def test_L_links_the_aligned_passages_as_one_claim(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        hit = await move_to_counterpart(pilot, screen)
        counterpart = next(m for m in hit.counterparts if m.source_id == screen.panes[1].source.id)
        await pilot.press("L")
        await wait_settled(pilot, lambda: screen.panes[1].linked)
        store = pilot.app.session.store
        own = store.annotations(source_id=screen.panes[0].source.id)
        other = store.annotations(source_id=screen.panes[1].source.id)
        assert [(a.start, a.end, a.tags) for a in own] == [(hit.member.start, hit.member.end, ["claim"])]
        assert [(a.start, a.end, a.tags) for a in other] == [(counterpart.start, counterpart.end, ["claim"])]
        links = store.links()
        assert [(l.from_annotation, l.to_annotation, l.kind) for l in links] == [(own[0].id, other[0].id, "same")]
        # Shown in both panes: a link overlay on each annotation.
        for pane, annotation in ((screen.panes[0], own[0]), (screen.panes[1], other[0])):
            assert [(h.start, h.end) for h in pane.view.highlights("links")] == [(annotation.start, annotation.end)]


async def test_L_reuses_an_annotation_on_the_same_span(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        hit = await move_to_counterpart(pilot, screen)
        store = pilot.app.session.store
        existing = store.add_annotation(screen.panes[0].source.id, hit.member.start, hit.member.end, tags=["number"])
        screen.reload()
        await wait_settled(pilot, lambda: screen.panes[0].annotations)
        await pilot.press("L")
        await wait_settled(pilot, lambda: screen.panes[1].linked)
        own = store.annotations(source_id=screen.panes[0].source.id)
        assert [a.id for a in own] == [existing.id]
        assert sorted(own[0].tags) == ["claim", "number"]


async def test_L_without_an_aligned_passage_explains(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await move_to_unaligned(pilot, screen)
        await pilot.press("L")
        await wait_settled(pilot)
        assert pilot.app.session.store.links() == []
        assert any("no aligned passage" in str(n.message) for n in pilot.app._notifications)


async def test_l_links_the_annotations_under_both_cursors_with_a_chosen_kind(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await move_to_counterpart(pilot, screen)  # sync puts pane 2's cursor on the counterpart
        await pilot.press("1", "tab", "1", "tab")
        await wait_settled(pilot)
        assert screen.active == 0
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LinkChoice))
        await pilot.press("down", "enter")  # same claim, *supports*, contradicts
        await wait_settled(pilot, lambda: screen.panes[0].linked)
        links = pilot.app.session.store.links()
        own = screen.panes[0].annotations[0]
        other = screen.panes[1].annotations[0]
        assert [(l.from_annotation, l.to_annotation, l.kind) for l in links] == [(own.id, other.id, "supports")]
        assert "linked" in str(screen.query_one("#compare-status").render())


async def test_the_panes_leave_l_to_the_screen_unless_the_keymap_moves_the_link_elsewhere(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        view = screen.panes[0].view
        assert screen.binds_key("l") and not screen.binds_key("h")
        assert view.check_action("move_word", (1, True)) is False
        assert view.check_action("move_word", (-1, True)) is True
        pilot.app.session.settings.keys["compare.link"] = "ctrl+l"
        assert not screen.binds_key("l") and screen.binds_key("ctrl+l")
        assert view.check_action("move_word", (1, True)) is True


async def test_l_without_an_annotation_explains(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        await open_compare(pilot, "000", "001")
        await pilot.press("l")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, LinkChoice)
        assert any("no annotation under the cursor" in str(n.message) for n in pilot.app._notifications)


async def test_escape_returns_to_the_sources(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        await open_compare(pilot, "000", "001")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, SourcesScreen)


async def test_help_lists_the_compare_keys(make_app):
    from reader.tui.screens.help import HelpScreen

    async with make_app().run_test(size=(160, 48)) as pilot:
        await open_compare(pilot, "000", "001")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        described = [row[2] for row in pilot.app.screen.rows if row[0] == "compare"]
        assert any("Link the aligned passages" in d for d in described)
        assert any("Sync" in d for d in described)
        # a key the screen binds is listed once, as the screen's: the app's own use of it never runs there
        tab_rows = [row for row in pilot.app.screen.rows if row[1] == "tab"]
        assert [row[0] for row in tab_rows] == ["compare"], tab_rows


async def test_the_focus_layer_uses_the_counterpart_colour(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await move_to_counterpart(pilot, screen)
        assert {h.colour for h in screen.panes[1].view.highlights("focus")} == {FOCUS_COLOUR}


async def test_escape_in_the_source_picker_goes_back_to_reading(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        reading, _ = await open_first_source(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PickSourceScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ReadingScreen))  # dismissing is async
        assert pilot.app.screen is reading


async def test_a_change_from_another_process_seen_while_quitting_is_ignored(make_app, db_path):
    """Textual empties the screens before it stops the poll timer: a poll in between must not
    reload a screen whose widgets are gone (it crashed with NoMatches on quit)."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await open_compare(pilot, "000", "001")
        other = open_store(db_path)
        other.add_tag("seen-while-quitting")  # another connection commits: the next poll reloads
        other.close()
        prune = app._prune

        def prune_then_poll(*nodes, parent=None):
            removal = prune(*nodes, parent=parent)

            async def then_poll():
                await removal
                app.poll_changes()

            return then_poll()

        app._prune = prune_then_poll
    assert app.return_code in (0, None)


async def test_a_tag_that_lands_after_tab_is_painted_in_the_pane_it_was_made_in(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await pilot.press("j", "1", "tab")  # the change lands off the event loop, maybe after the tab
        await wait_settled(pilot)
        assert screen.active == 1
        assert [a.tags for a in screen.panes[0].annotations] == [["claim"]]
        assert screen.panes[1].annotations == []
