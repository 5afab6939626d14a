"""Place a stored annotation on a source's current text: anchored, fuzzy, ambiguous or orphaned.

When the text the annotation was made on is known (the store keeps every version), the old and new
texts are diffed once and the annotation's span is carried through the diff: that tells a moved
passage from a deleted one and a duplicated one from a repeated one, which quote and context alone
cannot. Without it (or past the size where a diff is cheap), the order is the one Hypothesis' client
uses: the stored position if the quote and its context are still there, then the exact quote
(disambiguated by its prefix and suffix, nearest to the old position), then a fuzzy match with a
minimum score. An annotation is never dropped: what cannot be placed is an orphan.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from reader.model import AnchorStatus, Selector

CONTEXT_CHARS = 32
FUZZY_MIN_SCORE = 85.0
FUZZY_MIN_QUOTE = 12
FUZZY_WINDOW = 4000
# Past this, an exact search for every occurrence is still fine, a fuzzy scan of the whole text is not.
FUZZY_WHOLE_TEXT_LIMIT = 2_000_000
# The changed middle of two versions (after their common start and end) is diffed up to this size
# each (about 0.1 s); beyond it only offsets in the common start and end are carried over.
DIFF_LIMIT = 150_000


@dataclass(frozen=True)
class Anchor:
    """Where an annotation now sits (start/end on the new text) and how sure that is."""

    status: AnchorStatus
    start: int
    end: int
    score: float = 100.0


class TextChange:
    """How one version of a text became another, as a character diff that maps old offsets to new ones."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        limit = min(len(old), len(new))
        prefix = 0
        step = 4096
        while prefix < limit:  # the common start, found a block at a time
            size = min(step, limit - prefix)
            if old[prefix : prefix + size] == new[prefix : prefix + size]:
                prefix += size
            elif size == 1:
                break
            else:
                step = max(1, size // 2)
        suffix = 0
        while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
            suffix += 1
        self.prefix, self.suffix = prefix, suffix
        old_middle, new_middle = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
        self.diffed = len(old_middle) <= DIFF_LIMIT and len(new_middle) <= DIFF_LIMIT
        self.blocks: list[tuple[str, int, int, int, int]] = []
        if self.diffed and (old_middle or new_middle):
            for op in Indel.opcodes(old_middle, new_middle):
                self.blocks.append(
                    (op.tag, op.src_start + prefix, op.src_end + prefix, op.dest_start + prefix, op.dest_end + prefix)
                )
        self._starts = [block[1] for block in self.blocks]

    def map_offset(self, offset: int, side: str) -> tuple[int, bool] | None:
        """The new offset of an old one, and whether it sits in unchanged text (exact); inside a changed
        stretch, the stretch's start (side="start") or end. None past the diff limit."""
        if offset <= self.prefix:
            return offset, True
        if offset >= len(self.old) - self.suffix:
            return offset + len(self.new) - len(self.old), True
        if not self.diffed:
            return None
        index = max(0, bisect_right(self._starts, offset) - 1)
        tag, old_start, old_end, new_start, new_end = self.blocks[index]
        if tag == "equal" or offset == old_start:
            return new_start + (offset - old_start), True
        return (new_start if side == "start" else new_end), False

    def map_span(self, start: int, end: int) -> tuple[int, int, bool] | None:
        """The new (start, end) of an old span, and whether both ends sit in unchanged text."""
        mapped_start, mapped_end = self.map_offset(start, "start"), self.map_offset(end, "end")
        if mapped_start is None or mapped_end is None:
            return None
        return mapped_start[0], max(mapped_start[0], mapped_end[0]), mapped_start[1] and mapped_end[1]


def make_selector(text: str, start: int, end: int) -> Selector:
    """The position and quote selectors for text[start:end], with context for re-anchoring."""
    return Selector(
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
    )


def anchor(text: str, selector: Selector, change: TextChange | None = None) -> Anchor:
    """Find selector on text. Never returns a span whose text does not match the quote (exactly or fuzzily).

    change, when given, is TextChange(text the annotation was made on, text); selector.start/end are
    offsets in that older text.
    """
    quote = selector.quote
    if not quote:
        return Anchor(AnchorStatus.ORPHANED, selector.start, selector.end, 0.0)
    occurrences = _occurrences(text, quote)
    if change is not None and (change.diffed or change.map_span(selector.start, selector.end)):
        return _through_change(text, selector, change, occurrences)
    if occurrences:
        return _choose_occurrence(text, selector, occurrences)
    return _fuzzy(text, selector)


def _through_change(text: str, selector: Selector, change: TextChange, occurrences: list[int]) -> Anchor:
    quote = selector.quote
    before = len(_occurrences(change.old, quote))
    more_copies = len(occurrences) > before  # the diff's pick among them is then a guess
    mapped = change.map_span(selector.start, selector.end)
    if mapped is not None:
        start, end, exact = mapped
        if text[start:end] == quote:
            return Anchor(AnchorStatus.AMBIGUOUS if more_copies else AnchorStatus.ANCHORED, start, end, 100.0)
        slack = max(8, len(quote) // 4)
        nearby = [p for p in occurrences if start - slack <= p and p + len(quote) <= end + slack]
        if nearby and not more_copies:  # the diff aligned the edge of an insertion oddly; the words are here
            position = min(nearby, key=lambda p: abs(p - start))
            return Anchor(AnchorStatus.ANCHORED, position, position + len(quote), 100.0)
        if exact and end > start:
            # Both ends in unchanged text: the passage was edited in place, and this is all of it.
            score = fuzz.ratio(quote, text[start:end])
            if score >= FUZZY_MIN_SCORE and len(quote) >= FUZZY_MIN_QUOTE:
                return Anchor(AnchorStatus.FUZZY, start, end, round(score, 1))
        elif end > start:
            found = _fuzzy_near(text, quote, (start, end))
            if found:
                return found
    if occurrences and len(occurrences) >= before:
        # Not where the diff puts it, yet as many copies as before: the passage moved.
        return _choose_occurrence(text, selector, occurrences)
    return Anchor(AnchorStatus.ORPHANED, selector.start, selector.end, 0.0)


def _fuzzy_near(text: str, quote: str, mapped: tuple[int, int]) -> Anchor | None:
    """The passage edited at its edges: the best fuzzy match around where the diff carried it."""
    if len(quote) < FUZZY_MIN_QUOTE:
        return None
    slack = max(8, len(quote) // 4)
    return _best_fuzzy(text, max(0, mapped[0] - slack), min(len(text), mapped[1] + slack), quote)


def _occurrences(text: str, quote: str, limit: int = 10_000) -> list[int]:
    found: list[int] = []
    position = text.find(quote)
    while position != -1 and len(found) < limit:
        found.append(position)
        position = text.find(quote, position + 1)
    return found


def _context_score(text: str, selector: Selector, position: int, length: int | None = None) -> int:
    """How many characters of the stored prefix and suffix still stand beside this occurrence."""
    prefix = selector.prefix
    before = text[max(0, position - len(prefix)) : position]
    matched_before = _common_suffix(prefix, before)
    end = position + (len(selector.quote) if length is None else length)
    after = text[end : end + len(selector.suffix)]
    matched_after = _common_prefix(selector.suffix, after)
    return matched_before + matched_after


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b):
        if x != y:
            break
        count += 1
    return count


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


def _choose_occurrence(text: str, selector: Selector, occurrences: list[int]) -> Anchor:
    length = len(selector.quote)
    full_context = len(selector.prefix) + len(selector.suffix)
    if (
        full_context
        and selector.start in occurrences
        and _context_score(text, selector, selector.start) == full_context
    ):
        return Anchor(AnchorStatus.ANCHORED, selector.start, selector.end, 100.0)  # nothing moved
    scored = [(_context_score(text, selector, position), position) for position in occurrences]
    best = max(score for score, _ in scored)
    leaders = [position for score, position in scored if score == best]
    nearest = min(leaders, key=lambda position: abs(position - selector.start))
    if len(leaders) > 1:
        # Several places fit the quote and its context equally well: say so rather than guess silently.
        return Anchor(AnchorStatus.AMBIGUOUS, nearest, nearest + length, 100.0)
    if best < full_context and len(occurrences) > 1 and best < max(8, full_context // 4):
        # Context mostly gone and the quote appears more than once: the choice is a guess.
        return Anchor(AnchorStatus.AMBIGUOUS, nearest, nearest + length, 100.0)
    if best < max(4, full_context // 4):
        # The one exact copy stands among unrelated text: if the passage itself survived with only its
        # white space changed (re-wrapped lines), that is where it is.
        respaced = _respaced(text, selector)
        if respaced:
            return respaced
    return Anchor(AnchorStatus.ANCHORED, nearest, nearest + length, 100.0)


def _respaced(text: str, selector: Selector) -> Anchor | None:
    """The quote with its white space changed (line breaks moved), where its context also still fits."""
    words = selector.quote.split()
    if len(words) < 2:
        return None
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
    best: tuple[int, int, int] | None = None
    for match in pattern.finditer(text):
        if match.group() == selector.quote:
            continue
        score = _context_score(text, selector, match.start(), match.end() - match.start())
        if best is None or score > best[0]:
            best = (score, match.start(), match.end())
    if best is None or best[0] < max(4, (len(selector.prefix) + len(selector.suffix)) // 4):
        return None
    ratio = fuzz.ratio(selector.quote, text[best[1] : best[2]])
    if ratio < FUZZY_MIN_SCORE:
        return None
    return Anchor(AnchorStatus.FUZZY, best[1], best[2], round(ratio, 1))


def _fuzzy(text: str, selector: Selector) -> Anchor:
    quote = selector.quote
    if len(quote) < FUZZY_MIN_QUOTE:
        return Anchor(AnchorStatus.ORPHANED, selector.start, selector.end, 0.0)
    windows = [(max(0, selector.start - FUZZY_WINDOW), min(len(text), selector.end + FUZZY_WINDOW))]
    if len(text) <= FUZZY_WHOLE_TEXT_LIMIT:
        windows.append((0, len(text)))
    for window_start, window_end in windows:
        found = _best_fuzzy(text, window_start, window_end, quote)
        if found:
            return found
    return Anchor(AnchorStatus.ORPHANED, selector.start, selector.end, 0.0)


def _best_fuzzy(text: str, window_start: int, window_end: int, quote: str) -> Anchor | None:
    window = text[window_start:window_end]
    if not window:
        return None
    alignment = fuzz.partial_ratio_alignment(quote, window, score_cutoff=FUZZY_MIN_SCORE)
    if alignment is None:
        return None
    start = window_start + alignment.dest_start
    end = window_start + alignment.dest_end
    # The aligned span must be about as long as the quote and match it as a whole, not just in part.
    if not (0.75 * len(quote) <= end - start <= 1.25 * len(quote)):
        return None
    whole, start, end = _refine_edges(text, start, end, quote)
    if whole < FUZZY_MIN_SCORE:
        return None
    return Anchor(AnchorStatus.FUZZY, start, end, round(whole, 1))


def _refine_edges(text: str, start: int, end: int, quote: str, reach: int = 6) -> tuple[float, int, int]:
    """Nudge each end of an aligned span a few characters to where the whole span best matches the quote.

    partial_ratio's alignment can take in a neighbouring space or drop a last letter; this fixes that.
    """
    best = (fuzz.ratio(quote, text[start:end]), start, end)
    for new_start in range(max(0, start - reach), min(end - 1, start + reach) + 1):
        for new_end in range(max(new_start + 1, end - reach), min(len(text), end + reach) + 1):
            score = fuzz.ratio(quote, text[new_start:new_end], score_cutoff=best[0])
            if score > best[0]:
                best = (score, new_start, new_end)
    return best
