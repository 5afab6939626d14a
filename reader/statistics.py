"""The counts behind the statistics screen (`%`): tags per source, claims per source by standing, annotations
per day, and agreement between coders when two or more authors annotated the same sources."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from reader.agreement import AgreementError, AgreementReport, compute_agreement
from reader.claims import matrix_for_store
from reader.model import Source
from reader.store import Store

UNTAGGED = "(untagged)"


@dataclass
class Statistics:
    """Everything the charts show, read from the store in one go."""

    sources: list[Source] = field(default_factory=list)
    tag_colours: dict[str, str] = field(default_factory=dict)  # in tag-bar order
    tags_by_source: dict[int, Counter] = field(default_factory=dict)
    coverage_by_source: dict[int, Counter] = field(default_factory=dict)
    claims: int = 0
    per_day: dict[date, int] = field(default_factory=dict)
    agreement: AgreementReport | None = None  # None: fewer than two authors coded a source in common

    @property
    def annotations(self) -> int:
        return sum(self.per_day.values())


def gather_statistics(store: Store, source_ids: list[int] | None = None) -> Statistics:
    """Read the counts behind the three charts (the sources in play, or every source in the database)."""
    sources = store.sources() if source_ids is None else store.sources_by_ids(source_ids)
    wanted = {source.id for source in sources}
    tag_colours = {tag.name: tag.colour for tag in store.tags()}
    tags_by_source: dict[int, Counter] = {source.id: Counter() for source in sources}
    for source_id, tag, count in store.tag_counts_by_source():
        if source_id in wanted:
            tags_by_source.setdefault(source_id, Counter())[tag or UNTAGGED] += count
    _, claims = matrix_for_store(store, source_ids) if source_ids != [] else ([], [])
    coverage: dict[int, Counter] = {source.id: Counter() for source in sources}
    for claim in claims:
        for source in sources:  # cells lists only sources with a standing; the rest are absent
            coverage[source.id][claim.cells[source.id].status] += 1
    per_day = {date.fromisoformat(day): count for day, count in store.annotations_per_day(source_ids)}
    agreement = statistics_agreement(store)
    return Statistics(sources, tag_colours, tags_by_source, coverage, len(claims), per_day, agreement)


def statistics_agreement(store: Store) -> AgreementReport | None:
    """Agreement among every author; failing that (no source all of them coded), between the two with
    the most annotations; None with fewer than two coders on a common source, or while blind."""
    try:
        return compute_agreement(store)
    except AgreementError:
        pass
    busiest = [
        row["author"]
        for row in store.query(
            "SELECT author, count(*) AS n FROM annotations GROUP BY author ORDER BY n DESC, author LIMIT 2"
        )
    ]
    try:
        return compute_agreement(store, authors=busiest) if len(busiest) == 2 else None
    except AgreementError:  # one author, no source in common, or blind coding: nothing to show
        return None
