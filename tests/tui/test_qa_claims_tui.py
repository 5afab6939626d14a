"""Defects a fact-checker met in the TUI while trying out issue 11 (qa-claims), one test each."""

from __future__ import annotations

from reader.tui.screens.compare import CompareScreen, LinkChoice
from reader.tui.screens.counterparts import CounterpartChoice

from pilot_helpers import wait_for, wait_settled
from test_compare import move_to_counterpart, open_compare


async def test_compare_labels_cut_to_fit_end_in_an_ellipsis(make_app):
    """'2 One of Microsoft's Top AI Execs Leaves' (the title goes on 'for OpenAI') read as a whole title."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        await move_to_counterpart(pilot, screen)
        await wait_settled(pilot)
        differences = screen.query_one("#compare-differences").render().plain
        assert "2 One of Microsoft's Top AI Execs Leave…" in differences, differences
        assert "Execs Leaves:" not in differences
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CounterpartChoice))
        dialog = pilot.app.screen
        prompts = [str(dialog.query_one("#counterpart-options").get_option_at_index(i).prompt) for i in range(3)]
        assert all("2 One of Microsoft's Top AI Execs Leave…" in prompt for prompt in prompts), prompts


async def test_the_link_dialog_ends_a_quote_in_an_ellipsis_only_when_it_is_cut(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen: CompareScreen = await open_compare(pilot, "000", "001")
        await move_to_counterpart(pilot, screen)
        await pilot.press("v", "1", "tab", "v", "1", "tab")  # one word in each pane
        await wait_settled(pilot, lambda: all(pane.annotations for pane in screen.panes))
        word = screen.panes[1].annotations[0].quote
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, LinkChoice))
        options = pilot.app.screen.query_one("#link-options")
        prompt = str(options.get_option_at_index(0).prompt)
        assert prompt.endswith(f": {word}"), prompt
        assert "Execs Leave…: " in prompt


async def test_the_matrix_panel_shows_evidence_gathered_before_a_verdict(make_app):
    from test_fact_checking_tui import type_text
    from test_matrix import link_claim, open_matrix, sources_ready

    from reader.tui.widgets.form_dialog import FormDialog

    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        await type_text(pilot, "https://www.sec.gov/x")
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: screen.claims and screen.claims[0].evidence)
        assert screen.claims[0].verdict is None
        detail = screen.query_one("#matrix-detail").render()
        assert "https://www.sec.gov/x" in str(detail), str(detail)


async def test_the_matrix_panel_names_the_claim_id_the_command_line_takes(make_app):
    """The panel showed no id, so `reader verdict CLAIM` could not be given the claim in front of one."""
    from test_matrix import link_claim, open_matrix, sources_ready

    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        detail = str(screen.query_one("#matrix-detail").render())
        assert f"claim {screen.claims[0].id[:12]}" in detail, detail


async def test_the_matrix_panel_cuts_a_long_evidence_list_with_an_ellipsis(make_app):
    from test_matrix import link_claim, open_matrix, sources_ready

    from reader.session import evidence_change

    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        claim = screen.claims[0]
        for n in range(4):
            evidence_change(claim.id, [m.id for m in claim.members], f"https://example.org/{n}/" + "x" * 40, "")(
                pilot.app.session.store
            )
        screen.reload()
        await wait_for(pilot, lambda: len(screen.claims[0].evidence) == 4)
        detail = str(screen.query_one("#matrix-detail").render())
        assert "(4 evidence: https://example.org/0/" in detail
        assert "…)" in detail, detail


async def test_a_status_line_too_long_for_80_columns_ends_in_an_ellipsis(make_app):
    """At 80x24 'attribution: denial vs 'precaution'' read 'attribution: denial vs', cut mid-note."""
    from pilot_helpers import open_first_source

    async with make_app().run_test(size=(80, 24)) as pilot:
        screen, view = await open_first_source(pilot)
        start, end = view.cursor
        pilot.app.session.store.add_annotation(
            screen.source_id, start, end, tags=["attribution"], note="the spokesperson's words, not Bubeck's own"
        )
        screen.reload()
        status = screen.query_one("#status")
        await wait_for(pilot, lambda: "attribution" in str(status.render()))
        shown = str(status.render())
        assert shown.endswith("…"), shown
        assert len(shown) <= status.content_size.width
        await pilot.press("escape")
    async with make_app().run_test(size=(160, 48)) as pilot:  # room enough: whole, with the help key
        screen, _ = await open_first_source(pilot)
        status = screen.query_one("#status")
        await wait_for(pilot, lambda: "attribution" in str(status.render()))
        assert str(status.render()).endswith("not Bubeck's own   ? help")


async def test_the_matrix_panel_at_80_columns_ends_a_cut_quote_in_an_ellipsis(make_app):
    """At 80x24 the panel's last line, the quote, stopped at the panel's edge: 'not £12 million as first'."""
    from test_matrix import link_claim, open_matrix, sources_ready

    async with make_app().run_test(size=(80, 24)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.pause()
        detail = screen.query_one("#matrix-detail")
        lines = str(detail.render()).split("\n")
        assert len(lines) <= 5, lines
        assert all(len(line) <= detail.content_size.width for line in lines), lines
        assert lines[-1].endswith("…"), lines  # the quote of 000 is three lines long at 78 columns
        assert lines[0].startswith("Microsoft has invested an estimated $13 billion")


async def test_a_refused_value_s_message_goes_once_the_field_is_changed(make_app):
    """The metadata dialog kept "published must be an ISO 8601 date ..., not '5 March 2025'" under a field
    that by then read 2025-03-05."""
    from test_fact_checking_tui import type_text
    from test_matrix import sources_ready

    from reader.tui.widgets.form_dialog import FormDialog

    async with make_app().run_test(size=(160, 48)) as pilot:
        await sources_ready(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        dialog = pilot.app.screen
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "5 March 2025")
        await pilot.press("enter", "enter")
        error = dialog.query_one("#form-error")
        await wait_for(pilot, lambda: "not '5 March 2025'" in str(error.render()))
        published = dialog.query_one("#field-published")
        await wait_for(pilot, lambda: published.has_focus)
        await pilot.press("ctrl+u")
        await type_text(pilot, "2025-03-05")
        await pilot.pause()
        assert str(error.render()) == ""


async def test_the_annotations_panel_shows_the_id_the_matrix_takes_as_evidence(make_app):
    """Evidence can be an annotation in another source, by id, but no screen showed an annotation's id: the
    user had to leave for `reader annotations`. The panel shows its first characters; `e` takes them."""
    import re

    from pilot_helpers import open_first_source
    from test_fact_checking_tui import type_text
    from test_matrix import link_claim, open_matrix

    from reader.tui.widgets.form_dialog import FormDialog

    async with make_app().run_test(size=(160, 48)) as pilot:
        screen, view = await open_first_source(pilot)
        store = pilot.app.session.store
        ids = {source.name[:3]: source.id for source in pilot.app.sources_screen.sources}
        link_claim(store, ids)
        backing = store.add_annotation(ids["004"], 0, 40, tags=["context"])
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is pilot.app.sources_screen)
        await pilot.press("G", "enter")  # 004, the last source
        await wait_settled(pilot, lambda: pilot.app.screen.annotations_of(ids["004"]))
        listed = str(pilot.app.screen.query_one("#panel-list").get_option_at_index(0).prompt)
        shown = re.search(r"#(\w{6,})", listed)
        assert shown and backing.id.startswith(shown[1]), listed
        await pilot.press("m")
        matrix = await open_matrix(pilot, ())
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        await type_text(pilot, shown[1])
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: matrix.claims and matrix.claims[0].evidence)
        assert [e["value"] for e in matrix.claims[0].evidence] == [backing.id]
