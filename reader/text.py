"""Text units (sentences, paragraphs, words) as code-point offsets, and display-safe rendering.

Every offset in the reader is a code-point index into a source version's canonical text. Nothing here
changes the length of a text, so offsets computed here stay valid in the store, the views and exports.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from reader.byte_patterns import holds_pattern

if TYPE_CHECKING:
    from rich.text import Text

Span = tuple[int, int]

# Every separator str.splitlines() knows, CRLF first so it becomes one LF.
_NEWLINES = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def canonicalise_newlines(text: str) -> str:
    """Turn every line separator that str.splitlines() knows into LF; the one canonicalisation at load."""
    # Fast path for big files: `in` is a C-speed scan, the regex is ten times slower on 100 MB.
    separators = "\r\x0b\x0c\x1c\x1d\x1e" if text.isascii() else "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    if not any(separator in text for separator in separators):
        return text
    return _NEWLINES.sub("\n", text)


# --- display safety -------------------------------------------------------------------------------

_PLACEHOLDER_FORMAT = "\u25cc"  # dotted circle: bidi controls, zero-width and other format characters
_PLACEHOLDER_C1 = "\ufffd"


@lru_cache(maxsize=4096)
def _display_char(char: str) -> str:
    code = ord(char)
    if char == "\n":
        return char
    if char == "\t":
        return " "
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ␛ for ESC, ␀ for NUL...
    if code == 0x7F:
        return "\u2421"
    if 0x80 <= code < 0xA0:
        return _PLACEHOLDER_C1
    category = unicodedata.category(char)
    if category in ("Cf", "Zl", "Zp", "Cs"):
        return _PLACEHOLDER_FORMAT
    return char


# Everything that may need a placeholder (a superset: _display_char decides by category). Characters
# outside it pass through the fast path untouched; a test checks every code point against it.
_UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U0001345f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001-\U000e007f\ud800-\udfff]"
)


def display_safe(text: str) -> str:
    """Map each character that could act on a terminal or hide itself to a visible placeholder.

    One character in, one character out, so display columns never drift from offsets. ESC and other
    C0 controls become control pictures (␛), C1 controls become �, bidi overrides and zero-width
    characters become ◌, tab becomes a space. Newlines are kept.
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda m: _display_char(m.group()), text)


def safe_text(text: str, style: str = "") -> Text:
    """A rich Text of untrusted text: never parsed as markup, never carrying control characters."""
    from rich.text import Text

    return Text(display_safe(text).replace("\n", " "), style=style, end="")


# --- paragraphs -----------------------------------------------------------------------------------

# A line trimmed of white space: from its first to its last character that is not white space (\s is
# exactly str.isspace for str patterns), never across a line break.
_TRIMMED_LINE = re.compile(r"\S(?:[^\n]*\S)?")


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Paragraphs are the non-blank lines of the canonical text, trimmed of surrounding white space."""
    return [match.span() for match in _TRIMMED_LINE.finditer(text, start, len(text) if end is None else end)]


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


# --- sentences ------------------------------------------------------------------------------------

# Abbreviations after which a full stop does not end a sentence (compared lower-cased, without dots).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt vs etc eg ie al inc ltd co corp no nos vol p pp fig approx dept est
    gen gov sen rep rev sgt capt col lt maj jan feb mar apr jun jul aug sep sept oct nov dec
    us uk un eu usa phd mba bsc msc ca cf
    """.split()
)

_CANDIDATE = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


# A _CANDIDATE inside a paragraph: followed by white space that more text follows on the same line (a
# paragraph is a trimmed line, so that is what a search bounded by the paragraph finds).
_INNER_CANDIDATE = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=[^\S\n]+\S)")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of text[start:end], never crossing a line break; abbreviations and decimals kept whole.

    The paragraphs that may hold more than one sentence are found by one scan of the text: a search in
    each paragraph took most of the time of a million-line source, where nearly every line is one sentence."""
    paragraphs = paragraph_spans(text, start, end)
    inner = (
        [match.start() for match in _INNER_CANDIDATE.finditer(text, start, len(text) if end is None else end)]
        if _may_have_inner_candidate(text)
        else []
    )
    if not inner:
        return paragraphs  # every paragraph one sentence: already trimmed
    spans: list[Span] = []
    count, first = len(inner), 0
    for paragraph_start, paragraph_end in paragraphs:
        while first < count and inner[first] < paragraph_start:
            first += 1
        if first < count and inner[first] < paragraph_end:
            spans.extend(_sentences_in_paragraph(text, paragraph_start, paragraph_end))
        else:
            spans.append((paragraph_start, paragraph_end))  # one sentence (most lines): already trimmed
    return spans


# An ASCII text's characters as the classes _INNER_CANDIDATE reads: [.!?] 1, a closing quote or bracket 2,
# white space other than a line break 3, others 0.
_INNER_CLASSES = bytes(
    1 if chr(code) in ".!?" else 2 if chr(code) in "\"')]" else 3 if chr(code).isspace() and code != 10 else 0
    for code in range(256)
)


_INNER_PATTERNS = (b"\x01\x02", b"\x01\x03")  # a [.!?] before a closing mark, or before white space


def _may_have_inner_candidate(text: str) -> bool:
    """False only if _INNER_CANDIDATE matches nowhere in text: in an ASCII text, no [.!?] is followed by a
    closing mark or white space on its line (the last mark of a match is). Found in the text's bytes mapped to
    classes (reader.byte_patterns; the pattern stopped at every full stop of a million lines)."""
    if not text.isascii():
        return True
    return holds_pattern(text.encode("ascii").translate(_INNER_CLASSES), _INNER_PATTERNS)


def _sentences_in_paragraph(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    sentence_start = start
    for match in _CANDIDATE.finditer(text, start, end):
        if not _is_boundary(text, match, end):
            continue
        span = _trim(text, sentence_start, match.end())
        if span:
            spans.append(span)
        sentence_start = match.end()
    span = _trim(text, sentence_start, end)
    if span:
        spans.append(span)
    return spans


def _is_boundary(text: str, match: re.Match[str], end: int) -> bool:
    following = match.end()
    while following < end and text[following].isspace():
        following += 1
    if following >= end:
        return True
    next_char = text[following]
    if next_char.islower() or next_char in ",;:)":
        return False
    punctuation = match.group()
    if punctuation[0] != "." or punctuation.rstrip(".") != "":
        # "?", "!", or a full stop closed by a quote or bracket ('He said "No." Then...') ends a sentence.
        return True
    before = _WORD_BEFORE.search(text, max(0, match.start() - 40), match.start())
    if not before:
        return True
    word = before.group(1)
    bare = word.replace(".", "").lower()
    if bare in ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper():  # an initial: "J. Smith"
        return False
    if "." in word and all(len(part) <= 2 for part in word.split(".") if part):  # "U.S", "e.g"
        return False
    return True


# --- words ----------------------------------------------------------------------------------------

_WORD = re.compile(r"[\w$€£¥%]+(?:[-'’.,/][\w%]+)*")
WORD = _WORD  # the pattern itself, for a loop over a million clauses that calls WORD.findall (no call in between)


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Words, with inner hyphens, apostrophes and decimal points kept: "o1-mini", "$6.6", "Bubeck’s"."""
    return [m.span() for m in _WORD.finditer(text, start, len(text) if end is None else end)]


def word_texts(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The words word_spans() finds, as strings (findall runs in C: for a clause, about 3x faster than
    slicing its spans)."""
    return _WORD.findall(text, start, len(text) if end is None else end)


def word_count(text: str) -> int:
    """How many words word_spans() finds (findall runs in C; about 4x faster than counting finditer)."""
    return len(_WORD.findall(text))


# --- finding a quote ------------------------------------------------------------------------------

_QUOTE_CLASSES = {
    "'": "['\u2018\u2019]",
    "\u2018": "['\u2018\u2019]",
    "\u2019": "['\u2018\u2019]",
    '"': '["\u201c\u201d]',
    "\u201c": '["\u201c\u201d]',
    "\u201d": '["\u201c\u201d]',
    "-": "[-\u2013\u2014]",
    "\u2013": "[-\u2013\u2014]",
    "\u2014": "[-\u2013\u2014]",
}


def find_quote(text: str, quote: str) -> list[Span]:
    """Every place quote occurs: exactly, or else allowing any white space and straight or curly quotes.

    People type quotes with straight apostrophes and single spaces; articles use curly ones and line breaks.
    """
    quote = quote.strip()
    if not quote:
        return []
    exact, position = [], text.find(quote)
    while position != -1:
        exact.append((position, position + len(quote)))
        position = text.find(quote, position + 1)
    if exact:
        return exact
    parts: list[str] = []
    for char in quote:
        if char.isspace():
            if not parts or parts[-1] != r"\s+":
                parts.append(r"\s+")
        else:
            parts.append(_QUOTE_CLASSES.get(char, re.escape(char)))
    return [m.span() for m in re.finditer("".join(parts), text)]


# --- accent- and case-folded search ---------------------------------------------------------------

_COMBINING = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]*"


def fold_text(text: str) -> str:
    """Text as searches compare it: accents dropped and case folded ("Sébastien" -> "sebastien").

    The one folding used by in-document search (through fold_pattern) and by `reader search`."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


@lru_cache(maxsize=1)
def _fold_classes() -> dict[str, str]:
    """For each folded character, every character that
    folds to it alone, up to U+24FF: 'e' -> 'eEéÉèÈêÊëË…'."""
    classes: dict[str, list[str]] = {}
    for code in range(0x20, 0x2500):
        char = chr(code)
        folded = fold_text(char)
        if len(folded) == 1 and folded != char:
            classes.setdefault(folded, [folded]).append(char)
    return {folded: "".join(chars) for folded, chars in classes.items()}


@lru_cache(maxsize=64)
def fold_pattern(query: str) -> re.Pattern[str] | None:
    """A regex finding query in unfolded text as fold_text would compare them (so offsets stay the
    text's own): each character matches any character folding to it, with combining accents after.
    None for a query with nothing left to search for."""
    classes = _fold_classes()
    parts = []
    for char in fold_text(query):
        members = classes.get(char)
        parts.append(f"[{re.escape(members)}]" if members else re.escape(char))
    if not parts:
        return None
    return re.compile(_COMBINING.join(parts) + _COMBINING)


def plural(count: int, noun: str) -> str:
    """ "1 claim", "2 claims", "1,000 claims": counts in messages."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
