"""Stage 1, the cutting, for a large ASCII text whose sentences are its lines (a million-line source, one
sentence a line): the clauses reader.align.cutting.clause_spans gives, as columns, found with numpy over the
text's bytes rather than with a tuple and a test per line. Only the few lines a mark may cut or an edge trim
are worked out one by one (claim_spans, _trim_edges).

A text that is not so, where a line may hold more than one sentence (an inner sentence end, a glued one:
"market.Emerging") or where white space opens or closes a line, is cut by clause_spans itself.
"""

from __future__ import annotations

from reader import byte_patterns
from reader.align.cutting import (
    _EDGE_PUNCTUATION,
    _GLUED_CLASSES,
    _GLUED_PATTERNS,
    _JOINING_SECOND,
    _MAY_TRIM_START,
    _SENTENCE_END,
    _trim_edges,
    claim_spans,
    clause_spans,
    cut_marks,
)
from reader.byte_patterns import holds_pattern, pattern_starts
from reader.text import _INNER_CLASSES, _INNER_PATTERNS

Columns = tuple[list[int], list[int], list[int]]

# An ASCII text's characters as the classes the edges of its lines read: a line break 1, other white space 2.
_LINE_CLASSES = bytes(1 if code == 10 else 2 if chr(code).isspace() else 0 for code in range(256))


def clause_columns(text: str) -> Columns:
    """(starts, ends, sentence numbers) of the clauses clause_spans(text) gives, in order."""
    if len(text) >= byte_patterns.LARGE and text.isascii():
        found = _line_clauses(text)
        if found is not None:
            return found
    spans = clause_spans(text)
    if not spans:
        return [], [], []
    starts, ends, sentences = (list(column) for column in zip(*spans))
    return starts, ends, sentences


def _line_clauses(text: str) -> Columns | None:
    """The clauses of an ASCII text whose sentences are its lines, or None if it is not such a text. Its
    paragraphs are then its non-blank lines (none needs trimming), its sentences those paragraphs, and a
    sentence unit each that ends as a sentence does (any other is a line that does not: a heading)."""
    import numpy as np

    data = text.encode("ascii")
    edges = data.translate(_LINE_CLASSES)
    if edges[:1] == b"\x02" or edges[-1:] == b"\x02" or holds_pattern(edges, (b"\x01\x02", b"\x02\x01")):
        return None  # white space opens or closes a line (or a line is only white space)
    if holds_pattern(data.translate(_INNER_CLASSES), _INNER_PATTERNS) or pattern_starts(
        data.translate(_GLUED_CLASSES), _GLUED_PATTERNS
    ):
        return None  # a line may hold more than one sentence (as _may_have_inner_candidate, _glued_candidates say)
    codes = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(codes == 10)
    line_starts = np.concatenate((np.zeros(1, dtype=np.int64), breaks + 1))
    line_ends = np.concatenate((breaks, np.full(1, len(codes), dtype=np.int64)))
    kept = line_ends > line_starts  # a blank line holds no paragraph
    starts, ends = line_starts[kept], line_ends[kept]
    kept = _table(np, "".join(end for end in _SENTENCE_END if len(end) == 1))[codes[ends - 1]]
    starts, ends = starts[kept], ends[kept]
    # Cut: a unit with a mark inside it (a mark lies inside the unit that starts last before it, if any).
    cuttable = np.zeros(len(starts), dtype=bool)
    marks = cut_marks(text)
    if marks and len(starts):
        mark = np.array(marks, dtype=np.int64).reshape(-1, 2)
        unit = np.searchsorted(starts, mark[:, 0], side="right") - 1
        unit_end = ends[np.maximum(unit, 0)]
        inside = (unit >= 0) & (mark[:, 0] < unit_end) & (mark[:, 1] <= unit_end)
        cuttable[unit[inside]] = True
    # Trimmed: as clause_spans tells from a unit's last character and its first two.
    edge = _table(np, _EDGE_PUNCTUATION)
    first = codes[starts]
    second = np.zeros(len(starts), dtype=np.uint8)
    has_second = starts + 1 < len(codes)
    second[has_second] = codes[starts[has_second] + 1]
    joining = _table(np, "".join(_MAY_TRIM_START))[first] & _table(np, "".join(_JOINING_SECOND))[second]
    trimmed = edge[codes[ends - 1]] | edge[first] | joining
    return _with_worked_out(text, starts.tolist(), ends.tolist(), np.flatnonzero(cuttable | trimmed).tolist(), cuttable)


def _with_worked_out(text: str, starts: list[int], ends: list[int], special: list[int], cuttable) -> Columns:
    """The clauses of the sentence units (starts, ends): each one clause as it is, but the special ones (their
    numbers, in order), cut (claim_spans) if cuttable[number], else trimmed (_trim_edges). A special unit
    that stays one clause is written in place; the lists are built again only around those that do not."""
    sentences = list(range(len(starts)))
    other: dict[int, list[tuple[int, int]]] = {}  # the units that are not one clause -> their clauses
    for number in special:
        if cuttable[number]:
            pieces = claim_spans(text, starts[number], ends[number])
        else:
            span = _trim_edges(text, starts[number], ends[number])
            pieces = [span] if span else []
        if len(pieces) == 1:
            starts[number], ends[number] = pieces[0]
        else:
            other[number] = pieces
    if not other:
        return starts, ends, sentences
    clause_starts: list[int] = []
    clause_ends: list[int] = []
    clause_sentences: list[int] = []
    done = 0
    for number, pieces in other.items():
        clause_starts.extend(starts[done:number])
        clause_ends.extend(ends[done:number])
        clause_sentences.extend(sentences[done:number])
        clause_starts.extend(start for start, _ in pieces)
        clause_ends.extend(end for _, end in pieces)
        clause_sentences.extend(number for _ in pieces)
        done = number + 1
    clause_starts.extend(starts[done:])
    clause_ends.extend(ends[done:])
    clause_sentences.extend(sentences[done:])
    return clause_starts, clause_ends, clause_sentences


def _table(np, characters: str):
    """A numpy array of 256 booleans: which bytes are (ASCII) characters of characters."""
    table = np.zeros(256, dtype=bool)
    table[[ord(char) for char in characters if ord(char) < 128]] = True
    return table
