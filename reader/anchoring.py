"""Place a stored annotation on a source's current text: anchored, fuzzy, ambiguous or orphaned.

The order is the one Hypothesis' client uses: the stored position if the quote is still there, then
the exact quote (disambiguated by its prefix and suffix, nearest to the old position), then a fuzzy
match with a minimum score. An annotation is never dropped: what cannot be placed is an orphan.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from reader.model import Selector

CONTEXT_CHARS = 32
FUZZY_MIN_SCORE = 85.0
FUZZY_MIN_QUOTE = 12
FUZZY_WINDOW = 4000
# Past this, an exact search for every occurrence is still fine, a fuzzy scan of the whole text is not.
FUZZY_WHOLE_TEXT_LIMIT = 2_000_000


@dataclass(frozen=True)
class Anchor:
    """Where an annotation now sits (start/end on the new text) and how sure that is."""

    status: str
    start: int
    end: int
    score: float = 100.0


def make_selector(text: str, start: int, end: int) -> Selector:
    """The position and quote selectors for text[start:end], with context for re-anchoring."""
    return Selector(
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT_CHARS):start],
        suffix=text[end:end + CONTEXT_CHARS],
    )


def anchor(text: str, selector: Selector) -> Anchor:
    """Find selector on text. Never returns a span whose text does not match the quote (exactly or fuzzily)."""
    quote = selector.quote
    if not quote:
        return Anchor("orphaned", selector.start, selector.end, 0.0)
    occurrences = _occurrences(text, quote)
    if occurrences:
        return _choose_occurrence(text, selector, occurrences)
    return _fuzzy(text, selector)


def _occurrences(text: str, quote: str, limit: int = 10_000) -> list[int]:
    found = []
    position = text.find(quote)
    while position != -1 and len(found) < limit:
        found.append(position)
        position = text.find(quote, position + 1)
    return found


def _context_score(text: str, selector: Selector, position: int) -> int:
    """How many characters of the stored prefix and suffix still stand beside this occurrence."""
    prefix = selector.prefix
    before = text[max(0, position - len(prefix)):position]
    matched_before = _common_suffix(prefix, before)
    end = position + len(selector.quote)
    after = text[end:end + len(selector.suffix)]
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
    scored = [(_context_score(text, selector, position), position) for position in occurrences]
    best = max(score for score, _ in scored)
    leaders = [position for score, position in scored if score == best]
    nearest = min(leaders, key=lambda position: abs(position - selector.start))
    if len(leaders) > 1:
        # Several places fit the quote and its context equally well: say so rather than guess silently.
        return Anchor("ambiguous", nearest, nearest + length, 100.0)
    if best < full_context and len(occurrences) > 1 and best < max(8, full_context // 4):
        # Context mostly gone and the quote appears more than once: the choice is a guess.
        return Anchor("ambiguous", nearest, nearest + length, 100.0)
    return Anchor("anchored", nearest, nearest + length, 100.0)


def _fuzzy(text: str, selector: Selector) -> Anchor:
    quote = selector.quote
    if len(quote) < FUZZY_MIN_QUOTE:
        return Anchor("orphaned", selector.start, selector.end, 0.0)
    windows = [(max(0, selector.start - FUZZY_WINDOW), min(len(text), selector.end + FUZZY_WINDOW))]
    if len(text) <= FUZZY_WHOLE_TEXT_LIMIT:
        windows.append((0, len(text)))
    for window_start, window_end in windows:
        found = _best_fuzzy(text, window_start, window_end, quote)
        if found:
            return found
    return Anchor("orphaned", selector.start, selector.end, 0.0)


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
    return Anchor("fuzzy", start, end, round(whole, 1))


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
