"""Inter-coder agreement: Cohen's kappa (two authors), Krippendorff's alpha (nominal, any number of
authors, missing values allowed) and percent agreement, per tag and overall.

Units are the sentences (or characters) of the sources every compared author annotated at least once.
A unit counts as coded with tag T by an author when one of that author's annotations with T overlaps it.
Per tag, an author's value for a unit is "coded with T or not"; overall it is the set of chosen tags the
author coded it with (the empty set when none). Figures on coded units only (units at least one author
coded) are reported next to the whole-text ones, which uncoded text inflates.

Units with the same values are counted together (a Counter of value tuples with weights), so the
figures cost one pass over the annotations and the units, whatever the number of characters.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from reader.model import ReaderError
from reader.text import sentence_spans

if TYPE_CHECKING:
    from reader.store import Store

UNITS = ("sentence", "character")

# A unit's values, one per compared author (None: that author gave no value, a missing value).
Values = tuple[Hashable | None, ...]


class AgreementError(ReaderError):
    """Agreement that cannot be computed as asked (fewer than two authors, blind coding on...)."""


@dataclass(frozen=True)
class Figures:
    """Agreement over one set of units; a figure is None where it is undefined (one value only, or
    kappa for other than two authors)."""

    kappa: float | None
    alpha: float | None
    percent: float | None
    units: int


@dataclass(frozen=True)
class TagAgreement:
    """Figures on all units and on the coded units only."""

    all_units: Figures
    coded_only: Figures

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self.all_units), "coded_only": asdict(self.coded_only)}


@dataclass
class AgreementReport:
    """Everything `reader agreement` prints."""

    authors: list[str]
    unit: str
    sources: list[int]
    overall: TagAgreement
    tags: dict[str, TagAgreement] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "authors": self.authors,
            "unit": self.unit,
            "sources": len(self.sources),
            "overall": self.overall.as_json(),
            "tags": {name: figures.as_json() for name, figures in self.tags.items()},
        }


# --- the measures, on weighted value tuples ------------------------------------------------------


def figures(profiles: Counter[Values], with_kappa: bool = True) -> Figures:
    """Kappa, alpha and percent agreement for units given as {values tuple: how many units have it}."""
    units = sum(profiles.values())
    return Figures(
        cohen_kappa(profiles) if with_kappa else None, krippendorff_alpha(profiles), percent_agreement(profiles), units
    )


def cohen_kappa(profiles: Counter[Values]) -> float | None:
    """Cohen's kappa for two coders (units where either value is missing are left out)."""
    total = 0
    agreed = 0
    first: Counter[Hashable] = Counter()
    second: Counter[Hashable] = Counter()
    for values, weight in profiles.items():
        if len(values) != 2 or values[0] is None or values[1] is None:
            continue
        total += weight
        agreed += weight if values[0] == values[1] else 0
        first[values[0]] += weight
        second[values[1]] += weight
    if not total:
        return None
    observed = agreed / total
    expected = sum(first[value] * second[value] for value in first) / (total * total)
    if expected >= 1:
        return None  # both coders used one and the same value throughout: kappa is undefined
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(profiles: Counter[Values]) -> float | None:
    """Krippendorff's alpha for nominal data, from the coincidence matrix; missing values (None) allowed.

    alpha = 1 - (n - 1) * sum(o_ck, c != k) / sum(n_c * n_k, c != k), n counting pairable values only.
    """
    disagreeing = 0.0
    totals: Counter[Hashable] = Counter()  # n_c: pairable values of each category
    for values, weight in profiles.items():
        present = Counter(value for value in values if value is not None)
        pairable = sum(present.values())
        if pairable < 2:
            continue
        for value, count in present.items():
            totals[value] += weight * count
        # Ordered pairs of values from different coders that differ, each weighted 1 / (m_u - 1).
        differing_pairs = pairable * pairable - sum(count * count for count in present.values())
        disagreeing += weight * differing_pairs / (pairable - 1)
    n = sum(totals.values())
    expected = n * n - sum(count * count for count in totals.values())
    if n < 2 or expected <= 0:
        return None  # one value in the whole domain: alpha is undefined
    return 1 - (n - 1) * disagreeing / expected


def percent_agreement(profiles: Counter[Values]) -> float | None:
    """Share of agreeing coder pairs, averaged over units with at least two values (0-100)."""
    total = 0.0
    agreeing = 0.0
    for values, weight in profiles.items():
        present = Counter(value for value in values if value is not None)
        pairable = sum(present.values())
        if pairable < 2:
            continue
        pairs = pairable * (pairable - 1)
        total += weight
        agreeing += weight * sum(count * (count - 1) for count in present.values()) / pairs
    return 100 * agreeing / total if total else None


# --- from the store to unit profiles -------------------------------------------------------------


@dataclass
class _Coding:
    """One author's tagged span on a source."""

    start: int
    end: int
    author: int  # index into the compared authors
    tags: frozenset[str]


def unit_profiles(
    text: str, codings: Sequence[_Coding], authors: int, unit: str
) -> Counter[tuple[frozenset[str], ...]]:
    """{(tags author 0 coded, tags author 1 coded, ...): number of units} for one source's text."""
    profiles: Counter[tuple[frozenset[str], ...]] = Counter()
    empty: tuple[frozenset[str], ...] = tuple(frozenset() for _ in range(authors))
    if unit == "sentence":
        spans = sentence_spans(text)
        starts = [start for start, _ in spans]
        ends = [end for _, end in spans]
        coded: dict[int, list[set[str]]] = {}
        for coding in codings:
            if not coding.tags:
                continue
            first = bisect_right(ends, coding.start)  # first sentence ending after the annotation starts
            last = bisect_left(starts, coding.end)  # sentences starting before it ends
            for index in range(first, last):
                tags_by_author = coded.get(index)
                if tags_by_author is None:
                    tags_by_author = coded[index] = [set() for _ in range(authors)]
                tags_by_author[coding.author] |= coding.tags
        profiles[empty] += len(spans) - len(coded)
        for tags_by_author in coded.values():
            profiles[tuple(frozenset(s) for s in tags_by_author)] += 1
        return +profiles
    # Characters: between consecutive annotation boundaries every character has the same values.
    events: dict[int, list[tuple[int, _Coding]]] = defaultdict(list)
    for coding in codings:
        start, end = max(0, coding.start), min(len(text), coding.end)
        if coding.tags and start < end:
            events[start].append((1, coding))
            events[end].append((-1, coding))
    active: Counter[tuple[int, str]] = Counter()
    position = 0
    for boundary in sorted(events) + [len(text)]:
        if boundary > position:
            sets: list[set[str]] = [set() for _ in range(authors)]
            for (author, tag), count in active.items():
                if count > 0:
                    sets[author].add(tag)
            profiles[tuple(frozenset(s) for s in sets)] += boundary - position
            position = boundary
        for change, coding in events.get(boundary, ()):
            for tag in coding.tags:
                active[(coding.author, tag)] += change
    return +profiles


def compute_agreement(
    store: Store,
    tags: Iterable[str] = (),
    source_ids: Iterable[int] = (),
    authors: Iterable[str] = (),
    unit: str = "sentence",
) -> AgreementReport:
    """The agreement report for the chosen tags (default: all used), sources (default: all) and
    authors (default: everyone who annotated); AgreementError says why it cannot be computed."""
    if unit not in UNITS:
        raise AgreementError(f"unknown unit {unit!r}; use sentence or character")
    if store.is_blind():
        raise AgreementError(
            "blind coding is on: agreement would show each author the others' coding; "
            "lift it with `reader blind off` first"
        )
    source_ids, wanted_authors = list(dict.fromkeys(source_ids)), list(dict.fromkeys(authors))
    rows, tag_order = store.coding_rows(source_ids, wanted_authors)
    found_authors = sorted({row[3] for row in rows})
    compared = wanted_authors or found_authors
    missing = [author for author in compared if author not in found_authors]
    if missing:
        raise AgreementError(f"no annotations by {missing[0]!r} in the chosen sources")
    if len(compared) < 2:
        raise AgreementError(
            "agreement needs annotations by at least two authors "
            f"(found {len(compared)}; `reader annotations --json` shows who made what)"
        )
    author_index = {author: index for index, author in enumerate(compared)}
    annotated: dict[int, set[str]] = defaultdict(set)
    used_tags: set[str] = set()
    for source_id, _, _, author, names in rows:
        annotated[source_id].add(author)
        if names:
            used_tags.update(names.split("\x1f"))
    sources = sorted(source for source, who in annotated.items() if len(who) == len(compared))
    if not sources:
        names = ", ".join(repr(author) for author in compared[:5]) + (", …" if len(compared) > 5 else "")
        raise AgreementError(
            f"no source was annotated by every compared author ({names}); "
            "choose authors with --author, sources with --source"
        )
    chosen_tags = list(dict.fromkeys(tags)) or [name for name in tag_order if name in used_tags]
    chosen = frozenset(chosen_tags)
    by_source: dict[int, list[_Coding]] = defaultdict(list)
    for source_id, start, end, author, names in rows:
        if names:
            by_source[source_id].append(
                _Coding(start, end, author_index[author], frozenset(names.split("\x1f")) & chosen)
            )
    profiles: Counter[tuple[frozenset[str], ...]] = Counter()
    for source_id, text in source_texts(store, sources):
        profiles.update(unit_profiles(text, by_source[source_id], len(compared), unit))
    two = len(compared) == 2
    overall = _tag_agreement(profiles, lambda values: values, two)
    per_tag = {
        name: _tag_agreement(profiles, lambda values, name=name: tuple(name in v for v in values), two)
        for name in chosen_tags
    }
    return AgreementReport(compared, unit, sources, overall, per_tag)


def source_texts(store: Store, source_ids: list[int]) -> Iterator[tuple[int, str]]:
    """(source id, current text) for each source, read in batches rather than a query a source."""
    for first in range(0, len(source_ids), 500):
        batch = source_ids[first : first + 500]
        found = store.current_texts(batch)
        yield from found


def _tag_agreement(profiles: Counter[tuple[frozenset[str], ...]], value_of, with_kappa: bool) -> TagAgreement:
    """Figures after mapping each unit's values through value_of, on all units and on coded ones."""
    mapped: Counter[Values] = Counter()
    for values, weight in profiles.items():
        mapped[value_of(values)] += weight
    coded = Counter({values: weight for values, weight in mapped.items() if any(values)})
    return TagAgreement(figures(mapped, with_kappa), figures(coded, with_kappa))
