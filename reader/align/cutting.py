"""Stage 1, the cutting: sources into sentences and sentences into clauses that each carry one claim.

Each sentence (reader.text.sentence_spans, plus boundaries a missing space hid, as in "market.Emerging") is
cut into clauses at semicolons, dashes, colons, "and has/was/...", ", while/which/but", participle clauses,
attributions, the close of an inserted relative clause and a leading subordinate clause, whenever both
sides keep at least MIN_CLAIM_WORDS content words, so a sentence that carries two claims can link to two
counterparts. Headings and Title Case labels before a colon name a topic and are left out.

What a search per sentence would find (a glued boundary, a mark that may cut) is found once over the whole
text and matched to the sentences: a million-line source has a million sentences.
"""

from __future__ import annotations

import bisect
import re
from itertools import count, repeat
from operator import itemgetter

from reader.align import tuning
from reader.align.words import content_stems
from reader.byte_patterns import pattern_starts
from reader.text import Span, sentence_spans, word_spans

# Words that open a leading subordinate clause: "Following the departure of X, OpenAI is ..."
_LEADING_CLAUSE = re.compile(
    r"(?:while|although|though|despite|following|after|before|as|when|because|amid|amidst|if|unlike|"
    r"given|combined with|in addition to|in response to)\b",
    re.IGNORECASE,
)
_CUTS = re.compile(
    r"\s*;\s+"  # semicolon
    r"|\s+(?:--|[\u2013\u2014])\s+"  # dash between spaces
    r"|:\s+(?=[A-Z\"\u201c])"  # colon before a new statement
    r"|\s*,\s+(?=(?:and|but)\s+[a-z])"  # ", and some have": not a list of names ", and Satya Nadella"
    r"|\s*,\s+(?=(?:while|whereas|although|though|thereby|which|who)\s)"  # , while / , which
    r"|\s*,\s+(?=[a-z]+ing\s)"  # participle clause: , adding that / , leading to
    r"|\s*,\s+(?=according\s+to\s)"  # attribution: , according to a report by X
    r"|\s+(?=and\s+(?:has|have|had|is|was|were|will|would|can|could|may|might|should|also|then|later|"
    r"since|now|still)\s)"  # "and has since been"
)
# "Bubeck, who spent 10 years at Microsoft, is an AGI specialist": the inserted relative clause is one
# claim, the main predicate after its closing comma another.
_APPOSITIVE_END = re.compile(
    r",\s+(?:who|which)\s[^,;]*?(,)\s+(?=(?:is|are|was|were|has|have|had|will|would|remains?|became|becomes)\s)"
)
# A full stop after a lower-case letter, or a closing bracket, glued to the next sentence: "market.Emerging",
# "(x.com)In". Found from the punctuation mark, the letter before a full stop checked apart: a pattern that
# opens with a lookbehind is tried at every offset of the text (8x slower over a million lines).
_GLUED_CANDIDATE = re.compile(r"[.!?)](?=[A-Z][a-z])")
_EDGE_PUNCTUATION = ",;:-\u2013\u2014 \t\n"


def sentence_units(text: str) -> list[Span]:
    """Sentences, also split where a missing space glued two together ("market.Emerging"); headings
    (a line that does not end as a sentence does: "Conclusion", "High-Profile Departures at OpenAI")
    and list bullets are left out, since they name a topic rather than make a claim.

    The glued boundaries are looked for once over the whole text, not once per sentence (a million-line
    source has a million sentences and hardly any glued ones): a boundary at p belongs to the sentence
    (start, end) with start <= p and p + 2 <= end, where a search bounded by the sentence finds it too."""
    spans = sentence_spans(text)
    glued = [at + 1 for at in _glued_candidates(text) if text[at] == ")" or at > 0 and "a" <= text[at - 1] <= "z"]
    if glued:
        spans = _cut_glued(spans, glued)
    # Whether each ends as a sentence does, found through map (a loop in C over a million sentences).
    starts, ends = map(itemgetter(0), spans), map(itemgetter(1), spans)
    ends_sentence = list(map(text.endswith, repeat(_SENTENCE_END), starts, ends))
    if all(ends_sentence):
        return spans
    return [span for span, ends in zip(spans, ends_sentence) if ends or not _is_heading(text, *span)]


# An ASCII text's characters as the classes _GLUED_CANDIDATE reads: [.!?)] 1, [A-Z] 2, [a-z] 3, others 0.
_GLUED_CLASSES = bytes(
    1 if chr(code) in ".!?)" else 2 if "A" <= chr(code) <= "Z" else 3 if "a" <= chr(code) <= "z" else 0
    for code in range(256)
)


_GLUED_PATTERNS = (b"\x01\x02\x03",)  # a [.!?)] before a capital and a small letter


def _glued_candidates(text: str) -> list[int]:
    """Where _GLUED_CANDIDATE matches (the offsets of its punctuation mark). In an ASCII text, found as the
    class sequence 1 2 3 in the text's bytes mapped to classes (reader.byte_patterns; the pattern stopped
    at every full stop of a million lines)."""
    if not text.isascii():
        return [match.start() for match in _GLUED_CANDIDATE.finditer(text)]
    return pattern_starts(text.encode("ascii").translate(_GLUED_CLASSES), _GLUED_PATTERNS)


def _cut_glued(spans: list[Span], glued: list[int]) -> list[Span]:
    """spans cut at the glued boundaries inside them (sorted offsets), as sentence_units says."""
    cut_spans: list[Span] = []
    for start, end in spans:
        first = bisect.bisect_left(glued, start)
        if first == len(glued) or glued[first] + 2 > end:
            cut_spans.append((start, end))
            continue
        cut = start
        for at in glued[first:]:
            if at + 2 > end:
                break
            if at - cut >= 2:
                cut_spans.append((cut, at))
                cut = at
        cut_spans.append((cut, end))
    return cut_spans


_SENTENCE_END = (".", "!", "?", '"', "\u201d", "'", "\u2019", ")", "\u2026", ":")


def _is_heading(text: str, start: int, end: int) -> bool:
    """A unit that closes its line without closing as a sentence does: a heading, a label, a bullet."""
    if text.endswith(_SENTENCE_END, start, end):
        return False
    line_end = text.find("\n", end)
    return not text[end : len(text) if line_end < 0 else line_end].strip()


def is_label(text: str, start: int, end: int) -> bool:
    """A Title Case lead-in before a colon ("Develop Efficient AI Models: With the increasing ..."): it
    names a topic, like a heading, rather than making a claim."""
    if not text.startswith(":", end):
        return False
    words = [text[s:e] for s, e in word_spans(text, start, end)]
    long_words = [word for word in words if len(word) > tuning.LABEL_WORD_CHARS]
    return bool(long_words) and all(word[:1].isupper() for word in long_words)


def claim_spans(text: str, start: int, end: int) -> list[Span]:
    """Cut one sentence text[start:end] into clauses that each carry one claim (see the module doc)."""
    if not _MAY_CUT.search(text, start, end):  # no comma, colon, semicolon, dash or "and": one clause
        return [span for span in (_trim_edges(text, start, end),) if span]
    cuts: list[tuple[int, int]] = []  # (end of the left part, start of the right part)
    lead = _LEADING_CLAUSE.match(text, start + _leading_quote(text, start, end), end)
    if lead:
        comma = text.find(", ", lead.end(), end)
        if comma != -1:
            cuts.append((comma, comma + 2))
    cuts.extend((m.start(), m.end()) for m in _CUTS.finditer(text, start, end))
    cuts.extend((m.start(1), m.end()) for m in _APPOSITIVE_END.finditer(text, start, end))
    cuts.sort()
    pieces: list[Span] = []
    piece_start = start
    for left_end, right_start in cuts:
        if left_end <= piece_start:
            continue
        if (
            _content_count(text, piece_start, left_end) >= tuning.MIN_CLAIM_WORDS
            and _content_count(text, right_start, end) >= tuning.MIN_CLAIM_WORDS
        ):
            pieces.append((piece_start, left_end))
            piece_start = right_start
    pieces.append((piece_start, end))
    return [span for span in (_trim_edges(text, s, e) for s, e in pieces) if span]


_JOINING_WORD = re.compile(r"(?:and|but|or)\s+", re.IGNORECASE)
# Every cut above needs one of these (a cheap test that spares the three patterns most short sentences).
_MAY_CUT = re.compile(r"[;:,\u2013\u2014]|--|\sand\s")
_CUT_MARK = re.compile(r"[;:,\u2013\u2014]")  # _MAY_CUT's three parts, each found fast over a whole text
_AND_AFTER_SPACE = re.compile(r"and\s")  # ... (the space before "and" is checked apart)
_CUT_CHARS = ";:,\u2013\u2014"  # what _CUT_MARK finds


def may_cut_flags(text: str, units: list[Span]) -> list[bool]:
    """For each unit (in text order, not overlapping), whether _MAY_CUT matches inside it: what claim_spans
    tests first. The marks are found once over the whole text (a comma, colon, semicolon or dash; "--"; " and ")
    rather than by a search per sentence, which read every character of a million-line source in a million calls."""
    marks = cut_marks(text)
    if not marks:
        return [False] * len(units)
    flags: list[bool] = []
    count, first = len(marks), 0
    for start, end in units:
        while first < count and marks[first][0] < start:
            first += 1
        found, at = False, first
        while at < count and marks[at][0] < end:
            if marks[at][1] <= end:
                found = True
                break
            at += 1
        flags.append(found)
    return flags


def cut_marks(text: str) -> list[Span]:
    """Every mark that may cut a sentence (a comma, colon, semicolon or dash; "--"; " and "), in order: a unit
    may be cut if one lies inside it (_MAY_CUT matches there)."""
    # A pattern scan reads every character (0.2 s of a million lines); most long texts of one kind lack a
    # mark altogether, and `in` finds that out at memory speed.
    marks = [(m.start(), m.end()) for m in _CUT_MARK.finditer(text)] if any(c in text for c in _CUT_CHARS) else []
    at = text.find("--")
    while at >= 0:
        marks.append((at, at + 2))
        at = text.find("--", at + 1)
    marks.extend(
        (m.start() - 1, m.end())
        for m in _AND_AFTER_SPACE.finditer(text)
        if m.start() > 0 and text[m.start() - 1].isspace()  # \s is exactly str.isspace
    )
    marks.sort()
    return marks


def _leading_quote(text: str, start: int, end: int) -> int:
    return 1 if start < end and text[start] in "\"\u201c'\u2018" else 0


def _content_count(text: str, start: int, end: int) -> int:
    return sum(len(content_stems(text[s:e])) for s, e in word_spans(text, start, end))


def _trim_edges(text: str, start: int, end: int) -> Span | None:
    """Drop edge punctuation and a joining word a cut left at the start ("and has since been ...")."""
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    joining = _JOINING_WORD.match(text, start, end)
    if joining:
        start = joining.end()
    while end > start and text[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    return (start, end) if start < end else None


def clause_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, sentence number) of every clause of text, in order (before labels and short ones are left
    out): a sentence without a mark that may cut it is one clause, trimmed only if its edges need it."""
    found: list[tuple[int, int, int]] = []
    units = sentence_units(text)
    for sentence_index, (start, end), cuttable in zip(count(), units, may_cut_flags(text, units)):
        if cuttable:
            found.extend((s, e, sentence_index) for s, e in claim_spans(text, start, end))
        elif text[end - 1] in _EDGE_PUNCTUATION or (
            text[start] in _MAY_TRIM_START
            and (text[start] in _EDGE_PUNCTUATION or text[start + 1 : start + 2] in _JOINING_SECOND)
        ):
            span = _trim_edges(text, start, end)
            if span:
                found.append((*span, sentence_index))
        else:
            found.append((start, end, sentence_index))  # as _trim_edges leaves it
    return found


# A first character _trim_edges may take off: edge punctuation, or that of a joining word ("and", "but", "or");
# the second character of a joining word (most sentences that open with a, b or o open with another word).
_MAY_TRIM_START = frozenset(_EDGE_PUNCTUATION + "aAbBoO")
_JOINING_SECOND = frozenset("nNuUrR")
