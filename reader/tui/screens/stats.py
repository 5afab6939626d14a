"""The statistics screen (`%`): tags per source, claims per source by standing, annotations per day, and
agreement between coders when two or more authors annotated the same sources.

The counts are read in a thread worker (the claims matrix can take a moment on a big library) and drawn
with reader.tui.widgets.charts; the screen reloads when another connection changes the database.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from reader.agreement import AgreementReport
from reader.claims import ABSENT, CONTRADICTS, DIFFERS, PRESENT, SILENT, SUPPORTS
from reader.model import Source
from reader.presentation import UNTAGGED_COLOUR
from reader.session import StoreError
from reader.statistics import UNTAGGED, Statistics, gather_statistics
from reader.text import display_safe, plural
from reader.tui.base import ReaderScreen
from reader.tui.widgets.charts import activity_chart, legend, stacked_bar_rows

COVERAGE_COLOURS = {
    PRESENT: "#98c379",
    DIFFERS: "#e5c07b",
    SUPPORTS: "#56b6c2",
    CONTRADICTS: "#e06c75",
    SILENT: "#61afef",
    ABSENT: "#3e4451",
}
LABEL_WIDTH = 30


def _figure(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}%" if percent else f"{value:.2f}"


def agreement_table(report: AgreementReport) -> Text:
    """Agreement per tag and overall as aligned text: all units, then coded units only."""
    authors = ", ".join(display_safe(author).replace("\n", "␤") for author in report.authors)
    lines = [
        Text("Agreement between coders", style="bold"),
        Text(
            f"  {authors} · {plural(len(report.sources), 'source')} all coded · units: sentences "
            "(`reader agreement` for more)\n",
            style="dim",
        ),
    ]
    kappa = len(report.authors) == 2
    # 64 cells at most: fits an 80-column terminal beside the padding and the scroll bar.
    header = (
        f"{'':<12}{'units':>7}{'kappa' if kappa else '':>6}{'alpha':>6}{'agree':>6}  "
        f"{'coded':>7}{'kappa' if kappa else '':>6}{'alpha':>6}{'agree':>6}"
    )
    lines.append(Text(header + "\n", style="dim"))
    for name, figures in [("overall", report.overall), *report.tags.items()]:
        every, coded = figures.all_units, figures.coded_only
        label = display_safe(name).replace("\n", "␤")[:11]
        lines.append(
            Text(
                f"{label:<12}{every.units:>7,}{_figure(every.kappa) if kappa else '':>6}{_figure(every.alpha):>6}"
                f"{_figure(every.percent, True):>6}  {coded.units:>7,}{_figure(coded.kappa) if kappa else '':>6}"
                f"{_figure(coded.alpha):>6}{_figure(coded.percent, True):>6}\n"
            )
        )
    return Text.assemble(*lines)


class StatsScreen(ReaderScreen):
    """Charts of the work so far; escape goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="stats.back"),
        Binding("j", "scroll(1)", "Scroll down", show=False, id="stats.down"),
        Binding("k", "scroll(-1)", "Scroll up", show=False, id="stats.up"),
    ]

    class StatisticsReady(Message):
        def __init__(self, statistics: Statistics) -> None:
            super().__init__()
            self.statistics = statistics

    def __init__(self, today: date | None = None, source_ids: list[int] | None = None) -> None:
        """today ends the activity chart (default: the day it is drawn; tests pin it); source_ids are
        the sources in play (None: every source in the database)."""
        super().__init__()
        self.today = today
        self.source_ids = source_ids
        self.statistics: Statistics | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="stats"):
            yield Static(Text("Statistics  loading…", style="bold"), id="stats-heading")
            yield Static(id="stats-tags", classes="stats-section")
            yield Static(id="stats-claims", classes="stats-section")
            yield Static(id="stats-activity", classes="stats-section")
            yield Static(id="stats-agreement", classes="stats-section")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()
        self.load_statistics()

    @property
    def loaded(self) -> bool:
        """The charts are drawn (a reload in progress redraws them when it arrives)."""
        return self.statistics is not None

    @work(thread=True, exclusive=True, group="stats")
    def load_statistics(self) -> None:
        try:
            statistics = gather_statistics(self.session.store, self.source_ids)
        except StoreError as error:
            self.app.call_from_thread(self.notify_error, str(error))
            return
        self.post_message(self.StatisticsReady(statistics))

    def on_stats_screen_statistics_ready(self, message: StatisticsReady) -> None:
        self.statistics = message.statistics
        self.draw()

    def reload(self) -> None:
        """The database changed: count again."""
        if self.is_mounted:
            self.load_statistics()

    def on_resize(self) -> None:
        if self.statistics is not None:
            self.draw()

    # --- drawing ---------------------------------------------------------------------------------

    def draw(self) -> None:
        stats = self.statistics
        if stats is None:
            return
        # the padding, and room for the scrollbar the charts bring on a small terminal (else every row wraps)
        width = max(40, self.size.width - 4 - self.query_one(VerticalScroll).styles.scrollbar_size_vertical)
        heading, tags, claims, activity = (
            self.query_one(f"#stats-{part}", Static) for part in ("heading", "tags", "claims", "activity")
        )
        summary = (
            f"{plural(len(stats.sources), 'source')} · {plural(stats.annotations, 'annotation')} · "
            f"{plural(stats.claims, 'claim')}   escape goes back"
        )
        heading.update(Text.assemble(("Statistics  ", "bold"), (summary, "dim")))
        agreement = self.query_one("#stats-agreement", Static)
        agreement.display = stats.agreement is not None  # shown only when two coders share a source
        if stats.agreement is not None:
            agreement.update(agreement_table(stats.agreement))
        if not stats.sources:
            tags.update(
                Text("Nothing to chart yet: there are no sources. `reader add PATH` brings some in.", style="italic")
            )
            claims.update("")
            activity.update("")
            return
        if not stats.annotations:
            tags.update(
                Text(
                    "No annotations yet. Select a passage in a source and tag it (1-9); "
                    "the charts fill in as you work.",
                    style="italic",
                )
            )
            claims.update("")
            activity.update("")
            return
        label_width = min(LABEL_WIDTH, width // 4)
        bar_width = max(10, min(60, (width - label_width - 8) // 2))
        tags.update(self._tags_chart(stats, label_width, bar_width, width))
        claims.update(self._claims_chart(stats, label_width, bar_width, width))
        today = self.today or date.today()
        activity.update(
            Text.assemble(
                Text("Annotations per day\n", style="bold"), activity_chart(stats.per_day, today, min(width, 160))
            )
        )

    @staticmethod
    def _source_label(source: Source) -> str:
        return source.title or source.name

    def _tags_chart(self, stats: Statistics, label_width: int, bar_width: int, width: int) -> Text:
        colours = dict(stats.tag_colours)
        if any(counts[UNTAGGED] for counts in stats.tags_by_source.values()):
            colours[UNTAGGED] = UNTAGGED_COLOUR
        used = [name for name in colours if any(c[name] for c in stats.tags_by_source.values())]
        rows = [
            (
                self._source_label(source),
                [(name, stats.tags_by_source.get(source.id, Counter())[name], colours[name]) for name in used],
            )
            for source in stats.sources
        ]
        return Text.assemble(
            Text("Tags per source", style="bold"),
            Text("  (an annotation with two tags counts for both)\n", style="dim"),
            stacked_bar_rows(rows, label_width, bar_width, width),
            "\n",
            legend([(name, colours[name]) for name in used], width),
        )

    def _claims_chart(self, stats: Statistics, label_width: int, bar_width: int, width: int) -> Text:
        title = Text("Claims per source, by standing\n", style="bold")  # absent ones too: not "covered"
        if not stats.claims:
            return title + Text(
                "No claims yet: link annotations across sources (L in the comparison, "
                "or `reader link`) and each linked group becomes a claim.",
                style="italic",
            )
        statuses = [PRESENT, DIFFERS, SUPPORTS, CONTRADICTS, SILENT, ABSENT]
        rows = [
            (
                self._source_label(source),
                [
                    (status, stats.coverage_by_source.get(source.id, Counter())[status], COVERAGE_COLOURS[status])
                    for status in statuses
                ],
            )
            for source in stats.sources
        ]
        return Text.assemble(
            title,
            stacked_bar_rows(rows, label_width, bar_width, width),
            "\n",
            legend([(status, COVERAGE_COLOURS[status]) for status in statuses], width),
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll(self, step: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=step * 3, animate=False)
