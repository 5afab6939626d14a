"""Defects a fact-checker met in the TUI on a day's loop (qa-loop3), one test each."""

from __future__ import annotations

from dataclasses import replace

from pilot_helpers import wait_for


async def matrix_given_evidence(pilot, evidence_of):
    """The matrix of the bundled corpus's $13 billion claim (annotations a and b linked), given the evidence
    evidence_of(a, b) lists as (reference, what it shows); returns the matrix panel's text and b."""
    from test_matrix import link_claim, open_matrix, sources_ready

    from reader.session import evidence_change

    ids = await sources_ready(pilot)
    store = pilot.app.session.store
    a, b = link_claim(store, ids)
    screen = await open_matrix(pilot)
    claim = screen.claims[0]
    members = [m.id for m in claim.members]
    given = evidence_of(a, b)
    for reference, shows in given:
        evidence_change(claim.id, members, reference, shows)(store)
    screen.reload()
    await wait_for(pilot, lambda: len(screen.claims[0].evidence) == len(given))
    return str(screen.query_one("#matrix-detail").render()), b


async def test_the_matrix_panel_shows_annotation_evidence_by_the_id_the_panel_shows(make_app):
    """An annotation given as evidence read '29e6f88f33b742c28c3db0f1caddc335,…': its full id took the line,
    the URL after it was cut off, and the id was not the `#29e6f88f` the annotations panel shows."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        detail, b = await matrix_given_evidence(
            pilot, lambda a, b: [(b.id, "the second outlet's figure"), ("https://example.org/filing", "")]
        )
        assert f"#{b.id[:8]}" in detail and b.id not in detail, detail
        assert "https://example.org/filing" in detail, detail


async def test_a_path_typed_into_the_export_prompt_replaces_the_offered_name(make_app, tmp_path, monkeypatch):
    """Typing /tmp/…/out.csv at 'Export annotations to' wrote to 'annotations.csv/tmp/…/out.csv': the
    typed path was appended to the name offered, so export failed with 'folder … does not exist'."""
    from test_annotation_loop import open_source

    from reader.tui.palette import Prompt

    monkeypatch.chdir(tmp_path)
    wanted = tmp_path / "out" / "strike.csv"
    wanted.parent.mkdir()
    async with make_app().run_test(size=(120, 30)) as pilot:
        await open_source(pilot, 0)
        await pilot.press("j", "1")
        pilot.app.push_screen(Prompt("Export annotations to (.csv .json .jsonld .md):", "annotations.csv"))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Prompt))
        await pilot.press(*str(wanted))
        assert pilot.app.screen.query_one("Input").value == str(wanted)
        await pilot.press("escape")
        pilot.app.push_screen(Prompt("Export annotations to (.csv .json .jsonld .md):", "annotations.csv"))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Prompt))
        await pilot.press("end", "left", "left", "left", "left", *"-day2")  # moving first keeps the name, to edit
        assert pilot.app.screen.query_one("Input").value == "annotations-day2.csv"


async def test_the_status_line_names_a_visited_annotations_tags_once(make_app):
    """`]` read 'annotation 1 of 3: claim, number · claim, number: the note': the tags twice, pushing the
    note (and '? help') off the line."""
    from test_annotation_loop import open_source, status_text

    async with make_app().run_test(size=(160, 48)) as pilot:
        screen, view = await open_source(pilot, 1)
        start = view.text.index("10 years at Microsoft")
        pilot.app.session.store.add_annotation(
            screen.source_id, start, start + 8, tags=["attribution", "number"], note="check the years"
        )
        screen.reload()
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
        await pilot.press("g", "right_square_bracket")
        shown = status_text(screen)
        assert "annotation 1 of 1: number, attribution: check the years" in shown, shown
        assert shown.count("attribution") == 1, shown


def test_help_says_which_of_two_meanings_of_a_document_key_applies_while_selecting():
    """Help listed 'j Next sentence' and 'j Extend selection by a sentence', 'b Shrink selection by a word'
    and 'b Page up' side by side, with nothing to say which one a key press does when."""
    from collections import defaultdict

    from reader.tui.widgets.document.view import DocumentView

    meanings = defaultdict(list)
    for binding in DocumentView.BINDINGS:
        for key in binding.key.split(","):
            meanings[key.strip()].append(binding.description)
    shared = {key: said for key, said in meanings.items() if len(said) > 1}
    assert {"j", "k", "b", "h", "l", "left", "right"} <= set(shared), shared
    for key, said in shared.items():
        assert sum("while selecting" in description for description in said) == 1, (key, said)


async def test_a_narrow_comparison_header_cuts_the_outlet_not_the_alignment_counts(make_app):
    """At 80x24 a pane's second line read 'City & Coast Gazette · 2026-11-24  4…': the outlet and date kept,
    the aligned and unique counts (what the line is for) cut off."""
    from test_compare import open_compare

    from reader.tui.screens.compare_parts import pane_header

    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, "000", "001")
        for index, pane in enumerate(screen.panes):
            source = replace(pane.source, outlet="The Extremely Long Name of a Regional Broadsheet",
                             published="2026-11-24")
            header = pane_header(index + 1, replace(pane, source=source), screen.alignment, 38)
            facts = header.plain.split("\n")[1]
            assert facts.endswith(" unique") or " repeated" in facts, facts
            assert "aligned" in facts and len(facts) <= 38, facts
            assert facts.startswith("The Extre") or len(facts) > 38 - 10, facts  # the outlet, when room is left


async def test_the_question_before_creating_a_new_tag_is_asked_in_the_middle_of_the_screen(make_app):
    """Enter, enter on 'claim, [red]pay' in the annotate dialog seemed to do nothing: the dialog stayed, took no
    typing, and 'Create the new tag?' was asked in the top left corner, far from where the eye was (as were the
    palette's export prompt, the choice among overlapping annotations and the search hits)."""
    from test_annotation_loop import open_source

    from reader.tui.widgets.annotate_dialog import AnnotateDialog
    from reader.tui.widgets.confirm import Confirm

    async with make_app().run_test(size=(160, 48)) as pilot:
        await open_source(pilot, 0)
        await pilot.press("j", "a")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AnnotateDialog))
        await pilot.press(*"claim, [red]pay", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Confirm))
        await pilot.pause()
        question = pilot.app.screen.query_one("#dialog").region
        middle_x, middle_y = question.x + question.width // 2, question.y + question.height // 2
        assert abs(middle_x - 80) <= 2 and abs(middle_y - 24) <= 2, question


async def test_the_export_prompt_is_asked_in_the_middle_of_the_screen(make_app):
    from reader.tui.palette import Prompt

    async with make_app().run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        pilot.app.push_screen(Prompt("Export annotations to (.csv .json .jsonld .md):", "annotations.csv"))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, Prompt))
        await pilot.pause()
        asked = pilot.app.screen.query_one("#dialog").region
        assert abs(asked.x + asked.width // 2 - 80) <= 2 and abs(asked.y + asked.height // 2 - 24) <= 2, asked


async def test_f_filters_the_panel_from_the_document_as_its_header_says(make_app):
    """The panel's header says 'f filters', but f did nothing until tab had moved into the panel."""
    from test_annotation_loop import open_source

    from reader.tui.widgets.annotation_panel import AnnotationPanel

    async with make_app().run_test(size=(120, 30)) as pilot:
        screen, view = await open_source(pilot, 0)
        await pilot.press("j", "1", "j", "2")
        await wait_for(pilot, lambda: len(screen.annotations) == 2)
        panel = screen.query_one(AnnotationPanel)
        await wait_for(pilot, lambda: len(panel.shown) == 2)
        assert view.has_focus
        await pilot.press("f")
        assert panel.tag_filter == "claim" and [a.tags for a in panel.shown] == [["claim"]]
        assert view.has_focus  # still reading
        await pilot.press("p", "f")  # with the panel hidden, f shows it filtered on
        assert panel.display and panel.tag_filter == "quote"


async def test_t_then_enter_without_a_change_leaves_the_claim_as_it_was(make_app):
    """`t`, enter (the wording offered untouched) stored the first appearance's quote as the claim's own text:
    a change to undo that the user had not made."""
    from test_matrix import link_claim, open_matrix, sources_ready

    from reader.tui.widgets.form_dialog import FormDialog

    async with make_app().run_test(size=(160, 48)) as pilot:
        ids = await sources_ready(pilot)
        store = pilot.app.session.store
        link_claim(store, ids)
        screen = await open_matrix(pilot)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FormDialog))
        await pilot.press("enter")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        await pilot.press("u")
        await wait_for(pilot, lambda: any("undid" in str(n.message) for n in pilot.app._notifications))
        said = [str(n.message) for n in pilot.app._notifications if "undid" in str(n.message)]
        assert not any("claim" in message for message in said), said


async def test_the_matrix_panel_says_what_each_evidence_shows(make_app):
    """'What it shows (optional)' was asked for each evidence and then shown nowhere in the TUI."""
    async with make_app().run_test(size=(160, 48)) as pilot:
        detail, _ = await matrix_given_evidence(pilot, lambda a, b: [("https://example.org/filing", "the [b]filing[/b]")])
        assert "https://example.org/filing (the [b]filing[/b])" in detail, detail
