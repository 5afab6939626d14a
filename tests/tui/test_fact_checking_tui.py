"""Fact-checking in the TUI: source metadata from the sources screen, verdicts, evidence, claim text and
the first-appearance order in the claims matrix (issue 11)."""

from __future__ import annotations

from pilot_helpers import wait_for
from test_matrix import link_claim, open_matrix, sources_ready
from textual.coordinate import Coordinate

from reader.claims import evidence_json, matrix_for_store
from reader.tui.widgets.form_dialog import FormDialog


async def type_text(pilot, text: str) -> None:
    for character in text:
        await pilot.press("space" if character == " " else character)


async def test_i_on_the_sources_screen_edits_metadata_and_shows_the_date(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        await pilot.press("j", "i")  # 001
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        await pilot.press("tab", "tab", "tab")  # title, outlet, author -> published
        await type_text(pilot, "2024-13-40")
        await pilot.press("enter", "enter")  # to url, then save: refused, the dialog stays
        await pilot.pause()
        assert isinstance(pilot.app.screen, FormDialog)
        assert pilot.app.session.store.source(ids["001"]).published == ""
        published = pilot.app.screen.query_one("#field-published")
        await wait_for(pilot, lambda: published.has_focus)  # the cursor is back on the field at fault
        published.value = ""
        await type_text(pilot, "2024-10-14")
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FormDialog))
        source = pilot.app.session.store.source(ids["001"])
        assert (source.published, source.outlet) == ("2024-10-14", "Converge360")
        table = pilot.app.sources_screen.query_one("#sources-table")
        await wait_for(pilot, lambda: "published" in [str(key.value) for key in table.columns])
        assert str(table.get_cell_at(Coordinate(1, 3))) == "2024-10-14"


async def test_v_sets_a_verdict_e_adds_evidence_and_u_undoes(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        await type_text(pilot, "nonsense")
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, FormDialog)  # not on the scale: refused in the dialog
        pilot.app.screen.query_one("#field-rating").value = ""
        pilot.app.screen.query_one("#field-rating").focus()
        await type_text(pilot, "mostly true")
        await pilot.press("enter")
        await type_text(pilot, "Filings agree")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FormDialog))
        await wait_for(pilot, lambda: screen.claims and screen.claims[0].verdict is not None)
        assert screen.claims[0].verdict["rating"] == "mostly true"
        assert screen.claims[0].verdict["note"] == "Filings agree"
        assert "[mostly true]" in str(screen.query_one("#matrix-table").get_cell_at(Coordinate(0, 0)))

        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        await type_text(pilot, "https://www.sec.gov/x")
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FormDialog))
        await wait_for(pilot, lambda: len(screen.claims[0].verdict["evidence"]) == 1)

        await pilot.press("u")
        await wait_for(pilot, lambda: not screen.claims[0].verdict["evidence"])
        await pilot.press("u")
        await wait_for(pilot, lambda: screen.claims[0].verdict is None)


async def test_o_sorts_the_matrix_by_first_appearance(make_app):
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        store = pilot.app.session.store
        link_claim(store, ids)
        text_a, text_b = store.text(ids["002"]), store.text(ids["003"])
        a = store.add_annotation(ids["002"], 0, text_a.index("\n"))
        b = store.add_annotation(ids["003"], 0, text_b.index("\n"))
        store.add_link(a.id, b.id, "same")
        from reader.store.claims import set_source_metadata

        set_source_metadata(store, ids["002"], {"published": "2024-10-01"})
        set_source_metadata(store, ids["000"], {"published": "2024-10-20"})
        screen = await open_matrix(pilot)
        reading_order = [claim.id for claim in screen.claims]
        await pilot.press("o")
        await wait_for(pilot, lambda: [c.id for c in screen.claims] == reading_order[::-1])
        assert screen.claims[0].first_appearance.published == "2024-10-01"
        _, claims = matrix_for_store(store)
        assert [c.id for c in claims] == reading_order


async def test_enter_in_the_verdict_rating_takes_the_grey_completion_and_goes_on(make_app):
    """QA: `v`, `mo`, enter, a note, enter was refused ("'mo' is not on the rating scale"): enter moved on
    without taking the completion the field showed. Then enter took it but stayed, and the note typed
    next landed in the rating ("mostly trueFilings disagree"): like the annotate dialog's tags, enter
    takes the completion and goes on."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        await type_text(pilot, "mo")  # the field shows "mostly true" in grey
        await pilot.pause()
        await pilot.press("enter")  # takes it and goes on to the note
        assert pilot.app.screen.query_one("#field-rating").value == "mostly true"
        await type_text(pilot, "Filings disagree")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FormDialog))
        await wait_for(pilot, lambda: screen.claims and screen.claims[0].verdict is not None)
        assert screen.claims[0].verdict["rating"] == "mostly true"
        assert screen.claims[0].verdict["note"] == "Filings disagree"


async def test_a_refused_evidence_reference_puts_the_cursor_back_on_it(make_app):
    """QA: `e`, a javascript: URL, enter, enter was refused with the cursor left in "What it shows", so
    the corrected URL typed next went into the note."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        ids = await sources_ready(pilot)
        link_claim(pilot.app.session.store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        dialog = pilot.app.screen
        await type_text(pilot, "javascript:alert(1)")
        await pilot.press("enter", "enter")
        reference = dialog.query_one("#field-reference")
        await wait_for(pilot, lambda: "javascript" in str(dialog.query_one("#form-error").render()))
        await wait_for(pilot, lambda: reference.has_focus)
        await pilot.press("ctrl+u")
        await type_text(pilot, "https://example.org/filing")
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, FormDialog))
        await wait_for(pilot, lambda: screen.claims and evidence_json(screen.claims[0].record))
        [evidence] = evidence_json(screen.claims[0].record)
        assert (evidence["kind"], evidence["value"], evidence["note"]) == ("url", "https://example.org/filing", "")
