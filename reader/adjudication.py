"""Comparing two coders on one source, and adjudicating: the pairs of their annotations, what differs
(coded by one only, different tags, different extent), and accepting A's, B's or both into the
adjudicated set, which is made under the adjudicator's name (one undoable step per decision).

Pairing: annotations of A and B that overlap are paired one to one, identical extents first, then by
the largest overlap; what is left is "A only" or "B only".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from reader.model import AnchorStatus, Annotation, ReaderError

if TYPE_CHECKING:
    from reader.store import Store


class Difference(StrEnum):
    """How the two coders' work differs at one item (its words are what the adjudication screen shows)."""

    AGREE = "agree"
    TAGS = "different tags"
    EXTENT = "different extent"
    EXTENT_AND_TAGS = "different extent and tags"
    A_ONLY = "A only"
    B_ONLY = "B only"


class Choice(StrEnum):
    """What the adjudicator keeps for an item."""

    A = "a"
    B = "b"
    BOTH = "both"
    NEITHER = "neither"


class Held(StrEnum):
    """What the adjudicated set holds for an item; NOTHING (false) when not decided yet, or decided to keep neither."""

    NOTHING = ""
    A = "a"
    B = "b"
    BOTH = "both"
    OTHER = "other"  # something else: changed by hand


# By their short names, as the adjudication screen and its tests import them.
AGREE = Difference.AGREE
TAGS = Difference.TAGS
EXTENT = Difference.EXTENT
EXTENT_AND_TAGS = Difference.EXTENT_AND_TAGS
A_ONLY = Difference.A_ONLY
B_ONLY = Difference.B_ONLY
CHOICES = tuple(Choice)


class AdjudicationError(ReaderError):
    """Adjudication that cannot start or go on, explained in one line."""


@dataclass(frozen=True)
class Item:
    """One place where the two coders' work is compared: a pair, or one coder's annotation alone."""

    a: Annotation | None
    b: Annotation | None

    @property
    def start(self) -> int:
        return min(x.start for x in (self.a, self.b) if x is not None)

    @property
    def end(self) -> int:
        return max(x.end for x in (self.a, self.b) if x is not None)

    @property
    def kind(self) -> Difference:
        if self.b is None:
            return A_ONLY
        if self.a is None:
            return B_ONLY
        same_extent = (self.a.start, self.a.end) == (self.b.start, self.b.end)
        same_tags = sorted(self.a.tags) == sorted(self.b.tags)
        if same_extent:
            return AGREE if same_tags else TAGS
        return EXTENT if same_tags else EXTENT_AND_TAGS

    @property
    def disagrees(self) -> bool:
        return self.kind != AGREE


def check_adjudication(store: Store, source_id: int, author_a: str, author_b: str) -> None:
    """Refuse (AdjudicationError) what cannot be adjudicated: blind coding, one author twice, an author
    with no annotations on the source, or an adjudicator who is one of the two coders."""
    if store.is_blind():
        raise AdjudicationError("blind coding is on; lift it with `reader blind off` before comparing coders")
    if author_a == author_b:
        raise AdjudicationError("choose two different authors to compare")
    if store.author in (author_a, author_b):
        raise AdjudicationError(
            f"the adjudicated set is made under your name ({store.author!r}), which is one of the coders'; "
            "adjudicate under another name, e.g. READER_AUTHOR='... (adjudicated)'"
        )
    for author in (author_a, author_b):
        if not store.annotations(source_id=source_id, authors=[author]):
            raise AdjudicationError(f"{author!r} has no annotations on this source")


def pair_annotations(a_side: list[Annotation], b_side: list[Annotation]) -> list[Item]:
    """A's and B's annotations paired one to one where they overlap; the rest alone. Document order."""
    placed_a = [x for x in a_side if x.anchor_status != AnchorStatus.ORPHANED]
    placed_b = [x for x in b_side if x.anchor_status != AnchorStatus.ORPHANED]
    candidates = []
    for i, x in enumerate(placed_a):
        for j, y in enumerate(placed_b):
            overlap = min(x.end, y.end) - max(x.start, y.start)
            if overlap > 0:
                exact = (x.start, x.end) == (y.start, y.end)
                candidates.append((not exact, -overlap, i, j))
    candidates.sort()
    used_a: set[int] = set()
    used_b: set[int] = set()
    items = []
    for _, _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            items.append(Item(placed_a[i], placed_b[j]))
    items += [Item(x, None) for i, x in enumerate(placed_a) if i not in used_a]
    items += [Item(None, y) for j, y in enumerate(placed_b) if j not in used_b]
    return sorted(items, key=lambda item: (item.start, item.end))


def compare_coders(store: Store, source_id: int, author_a: str, author_b: str) -> list[Item]:
    """The items to adjudicate on one source, in document order."""
    return pair_annotations(
        store.annotations(source_id=source_id, authors=[author_a]),
        store.annotations(source_id=source_id, authors=[author_b]),
    )


def adjudicated(store: Store, source_id: int) -> list[Annotation]:
    """The adjudicator's annotations on the source: the adjudicated set so far."""
    return store.annotations(source_id=source_id, authors=[store.author])


def _key(annotation: Annotation) -> tuple[int, int, tuple[str, ...]]:
    return annotation.start, annotation.end, tuple(sorted(annotation.tags))


def decision_for(item: Item, decided: list[Annotation]) -> Held:
    """What the adjudicated set holds for an item: A's, B's, both, something else, or nothing (not decided
    yet, or decided to keep neither). Identical A and B read as A's."""
    mine = {_key(d) for d in decided if d.start < item.end and item.start < d.end}
    if not mine:
        return Held.NOTHING
    a_key = _key(item.a) if item.a is not None else None
    b_key = _key(item.b) if item.b is not None else None
    if mine == {a_key}:
        return Held.A
    if mine == {b_key}:
        return Held.B
    if mine == {a_key, b_key}:
        return Held.BOTH
    return Held.OTHER


def accept(store: Store, source_id: int, item: Item, choice: str) -> list[Annotation]:
    """Make the adjudicated set hold A's, B's, both or neither for this item, replacing what the
    adjudicator had there (A's view of an item only B coded is that nothing belongs there); one write,
    so one undo takes the decision back. Returns what was made."""
    if choice not in CHOICES:
        raise AdjudicationError(f"unknown choice {choice!r}; use one of {', '.join(CHOICES)}")
    sides = {Choice.A: [item.a], Choice.B: [item.b], Choice.BOTH: [item.a, item.b], Choice.NEITHER: []}[Choice(choice)]
    chosen = [x for x in sides if x is not None]  # A's view of an item only B coded is: nothing here
    if len(chosen) == 2 and _key(chosen[0]) == _key(chosen[1]):
        chosen = chosen[:1]  # both the same: one copy
    made = []
    with store.write():
        for existing in adjudicated(store, source_id):
            if existing.start < item.end and item.start < existing.end:
                store.delete_annotation(existing.id)
        for original in chosen:
            made.append(
                store.add_annotation(
                    source_id, original.start, original.end, tags=original.tags, note=original.note, author=store.author
                )
            )
    return made


def accept_agreements(store: Store, source_id: int, items: list[Item]) -> int:
    """Copy every pair the coders agree on (same extent, same tags) and not yet decided into the
    adjudicated set, in one undoable step; returns how many."""
    decided = adjudicated(store, source_id)
    todo = [item.a for item in items if item.kind == AGREE and item.a is not None and not decision_for(item, decided)]
    with store.write():
        for agreed in todo:
            store.add_annotation(
                source_id, agreed.start, agreed.end, tags=agreed.tags, note=agreed.note, author=store.author
            )
    return len(todo)
