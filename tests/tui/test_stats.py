"""The statistics screen (`%`): its three charts show what the store holds, and follow its changes."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from reader.claims import matrix_for_store
from reader.store import Store
from reader.tui.screens.reading import ReadingScreen
from reader.tui.screens.sources import SourcesScreen
from reader.statistics import gather_statistics
from reader.tui.screens.stats import StatsScreen
from reader.tui.widgets.charts import bar_cells

from pilot_helpers import open_first_source, wait_for

DAYS = {"2024-03-01": 2, "2024-03-04": 1, "2024-03-05": 3}


def annotate_corpus(store: Store, source_id) -> dict[str, object]:
    """Six annotations over three sources (two linked as a claim, one contradicting), dated as DAYS says."""
    first, second, third = source_id("000"), source_id("001"), source_id("002")
    made = [
        store.add_annotation(first, 0, 30, tags=["claim"]),
        store.add_annotation(first, 40, 80, tags=["claim", "figure"]),
        store.add_annotation(first, 100, 140),
        store.add_annotation(second, 0, 30, tags=["claim"]),
        store.add_annotation(second, 50, 90, tags=["quote"]),
        store.add_annotation(third, 10, 60, tags=["claim"]),
    ]
    store.add_link(made[0].id, made[3].id, "same")
    store.add_link(made[0].id, made[5].id, "contradicts")
    days = [day for day, count in DAYS.items() for _ in range(count)]
    with store.write() as db:
        for annotation, day in zip(made, days):
            db.execute("UPDATE annotations SET created = ? WHERE id = ?", [f"{day}T10:00:00.000Z", annotation.id])
    return {"ids": (first, second, third), "annotations": made}


async def open_stats(pilot) -> StatsScreen:
    app = pilot.app
    await wait_for(pilot, lambda: len(app.sources_screen.sources) == 5)
    await pilot.press("percent_sign")
    await wait_for(pilot, lambda: isinstance(app.screen, StatsScreen) and app.screen.loaded)
    return app.screen


def shown(screen: StatsScreen, part: str) -> str:
    return str(screen.query_one(f"#stats-{part}").render())


def line_for(text: str, title_start: str) -> str:
    [line] = [line for line in text.splitlines() if line.startswith(title_start)]
    return line


def test_bar_cells_keep_scale_and_show_every_non_zero_part():
    assert bar_cells([2, 1, 1], largest=4, width=40) == [20, 10, 10]
    assert sum(bar_cells([1, 1], largest=8, width=40)) == 10      # a quarter of the largest: a quarter of the width
    assert bar_cells([100, 1, 0], largest=101, width=10) == [9, 1, 0]  # the tiny part still shows
    assert bar_cells([0, 0], largest=5, width=10) == [0, 0]


async def test_percent_opens_the_statistics_and_escape_goes_back(make_app, loaded_store):
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_stats(pilot)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, SourcesScreen)
        await open_first_source(pilot)
        await pilot.press("percent_sign")  # an app binding: works on the reading screen too
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen))
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, ReadingScreen)


async def test_the_three_charts_show_the_stores_counts(make_app, loaded_store, source_id):
    annotate_corpus(loaded_store, source_id)
    expected_tags: dict[int, Counter] = {}
    for annotation in loaded_store.annotations():
        expected_tags.setdefault(annotation.source_id, Counter()).update(annotation.tags or ["(untagged)"])
    sources, claims = matrix_for_store(loaded_store)
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_stats(pilot)
        stats = screen.statistics
        assert {sid: counts for sid, counts in stats.tags_by_source.items() if counts} == expected_tags
        titles = {s.id: s.title for s in sources}
        first, second, third = (source_id(p) for p in ("000", "001", "002"))
        tags_text = shown(screen, "tags")
        assert line_for(tags_text, titles[first][:20]).split("█")[-1].split() == \
            ["4", "claim", "2", "·", "figure", "1", "·", "(untagged)", "1"]
        assert line_for(tags_text, titles[second][:20]).split("█")[-1].split() == ["2", "claim", "1", "·", "quote", "1"]

        [claim] = claims
        assert claim.cells[third].status == "contradicts"  # the contradicting source
        claims_text = shown(screen, "claims")
        for source in sources:
            statuses = Counter(claim.cells[source.id].status for claim in claims)
            breakdown = " · ".join(f"{status} {statuses[status]}"
                                   for status in ("present", "differs", "supports", "contradicts", "silent", "absent")
                                   if statuses[status])
            assert line_for(claims_text, titles[source.id][:20]).endswith(breakdown)
        assert line_for(claims_text, titles[source_id("003")][:20]).endswith("absent 1")

        assert stats.per_day == {date.fromisoformat(day): n for day, n in DAYS.items()}
        activity = shown(screen, "activity")
        assert "6 annotations" in activity and "busiest day 2024-03-05 (3)" in activity
        assert "1 claim " in shown(screen, "heading") and "6 annotations" in shown(screen, "heading")


async def test_activity_columns_follow_the_days(make_app, loaded_store, source_id):
    """Pinned to a 'today': one column per day from the first annotation (a 28-day window at least)."""
    annotate_corpus(loaded_store, source_id)
    async with make_app().run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: len(pilot.app.sources_screen.sources) == 5)
        screen = StatsScreen(today=date(2024, 3, 10))
        await pilot.app.push_screen(screen)
        await wait_for(pilot, lambda: screen.loaded)
        lines = shown(screen, "activity").splitlines()
        chart = lines[1:9]
        assert chart[0].lstrip().startswith("3 ┤") and chart[-1].lstrip().startswith("0 ┤")
        columns = [row[6::2] for row in chart]  # after the axis, a column and a gap per day
        heights = [sum(8 if row[i] == "█" else (0 if row[i] == " " else 1) for row in columns) // 8
                   for i in range(len(columns[0]))]
        assert len(heights) == 28  # 2024-02-12 .. 2024-03-10
        assert lines[9].split() == ["2024-02-12", "2024-03-10"]
        by_day = dict(zip(range(28), heights))
        assert (by_day[18], by_day[21], by_day[22]) == (5, 2, 8)  # 2, 1 and 3 of a peak of 3, in eighths of 8 rows
        assert sum(heights) == 5 + 2 + 8


async def test_the_screen_reloads_when_another_connection_annotates(make_app, loaded_store, source_id):
    annotate_corpus(loaded_store, source_id)
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_stats(pilot)
        assert screen.statistics.annotations == 6
        loaded_store.add_annotation(source_id("004"), 0, 25, tags=["error"])  # another connection
        await wait_for(pilot, lambda: screen.statistics.annotations == 7 and screen.loaded, timeout=6)
        title = next(s.title for s in loaded_store.sources() if s.id == source_id("004"))
        assert line_for(shown(screen, "tags"), title[:20]).split()[-3:] == ["1", "error", "1"]
        assert "7 annotations" in shown(screen, "heading")


async def test_no_annotations_gives_a_calm_message_not_an_empty_chart(make_app, loaded_store):
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_stats(pilot)
        assert shown(screen, "tags").startswith("No annotations yet")
        assert "█" not in shown(screen, "tags") + shown(screen, "claims") + shown(screen, "activity")


async def test_no_sources_at_all_says_so(make_app, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    async with make_app(paths=[empty]).run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: pilot.app.source_ids == [] and pilot.app._restored)
        await pilot.press("percent_sign")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, StatsScreen) and pilot.app.screen.loaded)
        assert "no sources" in shown(pilot.app.screen, "tags")


async def test_hostile_tag_names_and_titles_are_shown_as_text(make_app, loaded_store, source_id, corpus_dir):
    """A tag named like markup and a title with an escape sequence reach the screen as plain, visible text."""
    loaded_store.add_tag("[bold red]x[/]", "#ff0000")
    loaded_store.add_annotation(source_id("000"), 0, 30, tags=["[bold red]x[/]"])
    metadata = corpus_dir / "sources.toml"
    metadata.write_text(metadata.read_text().replace("Microsoft s GenAI VP", "Evil\\u001b[31m title"))
    stats = gather_statistics(loaded_store)
    assert stats.tags_by_source[source_id("000")] == Counter({"[bold red]x[/]": 1})
    async with make_app().run_test(size=(160, 48)) as pilot:
        screen = await open_stats(pilot)
        text = shown(screen, "tags")
        assert "[bold red]x[/] 1" in text
        assert "\x1b" not in text and "Evil" in text


@pytest.mark.parametrize("width", [80, 200])
async def test_charts_fit_the_terminal(make_app, loaded_store, source_id, width):
    annotate_corpus(loaded_store, source_id)
    async with make_app().run_test(size=(width, 40)) as pilot:
        screen = await open_stats(pilot)
        from rich.cells import cell_len

        for part in ("tags", "claims", "activity"):
            assert max(cell_len(line) for line in shown(screen, part).splitlines()) <= width - 4


async def test_charts_do_not_wrap_when_the_screen_scrolls_at_80x24(make_app, loaded_store, source_id):
    """QA: at 80x24 the vertical scrollbar takes two columns, and every bar row wrapped onto a second
    line ("number 1 · attribution" / "1")."""
    annotate_corpus(loaded_store, source_id)
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_stats(pilot)
        await pilot.pause()
        from rich.cells import cell_len

        for part in ("tags", "claims", "activity"):
            room = screen.query_one(f"#stats-{part}").content_size.width
            assert max(cell_len(line) for line in shown(screen, part).splitlines()) <= room, part
