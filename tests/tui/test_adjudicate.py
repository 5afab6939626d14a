"""Comparing coders and adjudicating (issue 12, item 4), blind coding in the status line (item 2) and
agreement on the statistics screen (item 3)."""

from __future__ import annotations

import pytest

from reader.adjudication import A_ONLY, AGREE, B_ONLY, EXTENT, TAGS, compare_coders
from reader.store import open_store
from reader.tui.screens.adjudicate import AdjudicateScreen, PickCodersScreen
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.stats import StatsScreen

from pilot_helpers import wait_settled, open_first_source, wait_for


@pytest.fixture
def coded(loaded_store, source_id):
    """On 000 (the first source listed): alice and bob agree once, differ in tags once, in extent
    once, and each has one the other has not."""
    first = source_id("000")
    add = loaded_store.add_annotation
    made = {
        "agree": (add(first, 0, 20, tags=["claim"], author="alice"), add(first, 0, 20, tags=["claim"], author="bob")),
        "tags": (add(first, 40, 60, tags=["claim"], author="alice"), add(first, 40, 60, tags=["opinion"], author="bob")),
        "extent": (add(first, 100, 140, tags=["quote"], author="alice"), add(first, 110, 150, tags=["quote"], author="bob")),
        "a_only": add(first, 200, 230, tags=["number"], author="alice"),
        "b_only": add(first, 300, 320, tags=["claim"], author="bob"),
    }
    return first, made


def test_pairs_and_their_kinds(coded, loaded_store) -> None:
    first, _ = coded
    kinds = [item.kind for item in compare_coders(loaded_store, first, "alice", "bob")]
    assert kinds == [AGREE, TAGS, EXTENT, A_ONLY, B_ONLY]


async def open_adjudication(pilot) -> AdjudicateScreen:
    await open_first_source(pilot)
    await pilot.press("A")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, AdjudicateScreen))
    return pilot.app.screen


def adjudicated_set(db_path, author="tester"):
    store = open_store(db_path)
    try:
        return sorted((a.start, a.end, tuple(a.tags), a.author) for a in store.annotations(authors=[author]))
    finally:
        store.close()


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_accept_a_b_both_and_undo(make_app, coded, db_path, size) -> None:
    async with make_app().run_test(size=size) as pilot:
        screen = await open_adjudication(pilot)
        # the agreement is hidden: the first item shown is the tag difference
        assert screen.current_item().kind == TAGS
        detail = str(screen.query_one("#adjudicate-detail").render())
        assert "different tags" in detail and "claim" in detail and "opinion" in detail
        await pilot.press("a")                       # keep alice's tags; moves on to the extent difference
        await wait_for(pilot, lambda: screen.current_item().kind == EXTENT)
        await pilot.press("b")                       # bob's extent
        await wait_for(pilot, lambda: screen.current_item().kind == A_ONLY)
        await pilot.press("o")                       # both (only A has one): on to B only
        await wait_for(pilot, lambda: screen.current_item().kind == B_ONLY)
        await pilot.press("n")                       # the last one: n wraps round to the first
        await wait_for(pilot, lambda: screen.current_item().kind == TAGS)
        await pilot.press("g")                       # every agreement at once
        await wait_settled(pilot)
        assert adjudicated_set(db_path) == [(0, 20, ("claim",), "tester"), (40, 60, ("claim",), "tester"),
                                            (110, 150, ("quote",), "tester"), (200, 230, ("number",), "tester")]
        await pilot.press("u", "u")                  # undo the agreements, then 'both'
        await wait_settled(pilot)
        assert adjudicated_set(db_path) == [(40, 60, ("claim",), "tester"), (110, 150, ("quote",), "tester")]
        assert "1 decided" not in str(screen.query_one("#adjudicate-status").render())
        # the coders' own annotations are never touched
        assert len(adjudicated_set(db_path, "alice")) == 4 and len(adjudicated_set(db_path, "bob")) == 4


async def test_changing_a_decision_replaces_it(make_app, coded, db_path) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_adjudication(pilot)
        await pilot.press("a", "p", "b")  # A's tags, back, then B's instead
        await wait_settled(pilot)
        assert adjudicated_set(db_path) == [(40, 60, ("opinion",), "tester")]
        await pilot.press("p", "x")       # neither
        await wait_settled(pilot)
        assert adjudicated_set(db_path) == []
        assert isinstance(pilot.app.screen, AdjudicateScreen)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, ReadingScreen)


async def test_adjudication_needs_two_coders_and_a_third_name(make_app, loaded_store, source_id, monkeypatch) -> None:
    first = source_id("000")
    loaded_store.add_annotation(first, 0, 20, tags=["claim"], author="alice")
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_first_source(pilot)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReadingScreen)
        assert any("two authors" in str(n.message) for n in pilot.app._notifications)


async def test_more_than_two_coders_asks_which(make_app, coded, loaded_store) -> None:
    first, _ = coded
    loaded_store.add_annotation(first, 500, 520, tags=["claim"], author="carol")
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_first_source(pilot)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PickCodersScreen))
        assert pilot.app.screen.pairs[0] == ("alice", "bob")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AdjudicateScreen))
        assert (pilot.app.screen.author_a, pilot.app.screen.author_b) == ("alice", "bob")


async def test_odd_author_names_are_shown_as_text(make_app, loaded_store, source_id) -> None:
    first = source_id("000")
    odd_a, odd_b = "[bold]eve\x1b[2J\nnew line", 'bob "quoted" \x07'
    loaded_store.add_annotation(first, 0, 20, tags=["claim"], author=odd_a)
    loaded_store.add_annotation(first, 0, 20, tags=["quote"], author=odd_b)
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_adjudication(pilot)
        labels = {screen.query_one(f"#adjudicate-label-{side}").render().plain for side in "ab"}
        assert any("[bold]eve␛[2J␤new line" in label for label in labels)
        assert all("\x1b" not in label and "\x07" not in label for label in labels)


async def test_palette_offers_compare_coders(make_app, coded) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_first_source(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"compare coders")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AdjudicateScreen))


async def test_blind_coding_is_in_the_status_line_and_hides_others(make_app, coded, loaded_store) -> None:
    loaded_store.add_annotation(coded[0], 600, 620, tags=["claim"], author="tester")
    loaded_store.set_blind(True)
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen, _ = await open_first_source(pilot)
        await wait_for(pilot, lambda: len(screen.annotations) == 1)
        assert {a.author for a in screen.annotations} == {"tester"}
        status = str(screen.query_one("#status").render())
        assert "BLIND" in status and "tester" in status
        await pilot.press("A")  # no comparing while blind
        await pilot.pause()
        assert isinstance(pilot.app.screen, ReadingScreen)
        loaded_store.set_blind(False)  # lifted by another connection: the reader follows
        await wait_for(pilot, lambda: len(screen.annotations) == 9)
        assert "BLIND" not in str(screen.query_one("#status").render())


async def test_statistics_show_agreement(make_app, coded) -> None:
    async with make_app().run_test(size=(120, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        await pilot.press("percent_sign")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen) and pilot.app.screen.loaded)
        text = str(pilot.app.screen.query_one("#stats-agreement").render())
        assert "Agreement between coders" in text and "alice, bob" in text
        overall = [line for line in text.splitlines() if line.startswith("overall")][0]
        assert len(overall.split()) == 9  # units, kappa, alpha, agree; coded, kappa, alpha, agree


async def test_statistics_fall_back_to_the_two_busiest_coders(make_app, coded, loaded_store, source_id) -> None:
    loaded_store.add_annotation(source_id("003"), 0, 20, tags=["claim"], author="dave")  # shares no source
    async with make_app().run_test(size=(120, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        await pilot.press("percent_sign")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen) and pilot.app.screen.loaded)
        text = str(pilot.app.screen.query_one("#stats-agreement").render())
        assert "alice, bob" in text and "dave" not in text


async def test_reader_adjudicate_opens_straight_on_the_screen(db_path, corpus_dir, coded) -> None:
    from reader.tui.app import ReaderApp
    from reader.tui.screens.help import HelpScreen

    first, _ = coded
    app = ReaderApp(db_path=db_path, paths=[corpus_dir], whole_library=True, adjudicate=(first, "alice", "bob"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AdjudicateScreen))
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, AdjudicateScreen)  # not replaced by the last source read
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        owners = [name for name, _ in pilot.app.screen.owners]
        assert "document" not in owners  # the side-by-side views take no keys of their own here
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AdjudicateScreen))


def test_taking_the_view_of_the_coder_who_left_it_uncoded_keeps_nothing(coded, loaded_store) -> None:
    from reader.adjudication import accept, adjudicated

    first, _ = coded
    items = {item.kind: item for item in compare_coders(loaded_store, first, "alice", "bob")}
    accept(loaded_store, first, items[A_ONLY], "a")
    assert [(a.start, a.end) for a in adjudicated(loaded_store, first)] == [(200, 230)]
    accept(loaded_store, first, items[A_ONLY], "b")  # bob left it uncoded: it goes
    assert adjudicated(loaded_store, first) == []


def test_statistics_agreement_rows_fit_80_columns(coded, loaded_store) -> None:
    from rich.cells import cell_len

    from reader.agreement import compute_agreement
    from reader.tui.screens.stats import agreement_table

    rows = agreement_table(compute_agreement(loaded_store)).plain.splitlines()[2:]
    assert rows and max(cell_len(row) for row in rows) <= 80 - 4 - 2  # padding and the scroll bar


async def test_the_status_says_a_decision_moved_on_and_n_wrapped(make_app, coded) -> None:
    """QA: `a` then `n` (meaning "next") wrapped silently back to the item just decided, and the `b` that
    followed replaced alice's kept annotation: say that a decision moved on and that n/p wrapped."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_adjudication(pilot)
        status = lambda: str(screen.query_one("#adjudicate-status").render())  # noqa: E731
        await pilot.press("a")
        await wait_for(pilot, lambda: screen.current_item().kind == EXTENT)
        assert status().startswith("kept A's on 1/4, now on 2/4")  # first, so 80 columns show it
        await pilot.press("n", "n", "n")
        await wait_for(pilot, lambda: screen.current_item().kind == TAGS)
        assert "wrapped to the first" in status()
        await pilot.press("p")
        assert "wrapped to the last" in status()


async def test_heading_and_key_help_fit_80_columns(make_app, coded) -> None:
    """QA at 80x24: the heading's long title pushed "decisions made as ..." off its one line (only
    "decisions" showed), and the key help wrapped "u undo" onto a line of its own."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_adjudication(pilot)
        heading = screen.query_one("#adjudicate-heading")
        text = heading.render()
        assert "decisions made as tester" in str(text)
        assert text.cell_length <= heading.content_region.width
        detail = screen.query_one("#adjudicate-detail")
        help_line = str(detail.render()).splitlines()[-1]
        assert help_line.endswith("u undo") and len(help_line) <= detail.content_region.width
