"""Words as the aligner compares them: folded, stemmed, stop words out; numbers, names and quotations."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

from reader.text import Span

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each either even ever every few
    for from further had has have having he her here hers herself him himself his how however i if in
    into is it its itself just least less let like ll many may me might more most much must my myself
    neither no nor not now of off often on once one only or other others our ours ourselves out over own
    per quite rather re s same say said says shall she should since so some such than that the their
    theirs them themselves then there these they this those through thus to too toward towards under
    until up upon us ve very via was we were what when where whether which while who whom whose why will
    with within without would yet you your yours yourself yourselves
    according already although among amid amidst another around away become becomes became cannot
    despite else enough et etc get gets got instead itself later lot meanwhile mostly nearly new
    perhaps recently really seem seems several still therefore though thereby whereas yes
    """.split()
)

NUMBER_WORDS = frozenset(
    (
        "hundred thousand million billion trillion percent per cent dozen decade decades half quarter "
        "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty first second third"
    ).split()
)

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r"\u201c[^\u201d\n]{3,}\u201d|\"[^\"\n]{3,}\"")
_WORD_PARTS = re.compile(r"[-/]")
_POSSESSIVE = re.compile(r"['\u2019]s$")

_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """A word as compared: lower case, accents dropped, curly apostrophes straight ("Sébastien" -> "sebastien")."""
    word = word.casefold().replace("\u2019", "'")
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def content_stems(word: str) -> tuple[str, ...]:
    """The stems a word contributes to matching: possessive dropped, split at hyphens, stop words left out."""
    folded = _POSSESSIVE.sub("", fold_word(word)).strip("'$€£¥%")
    stems = []
    for part in _WORD_PARTS.split(folded):
        part = part.strip("'.,")
        if not part or part in STOPWORDS:
            continue
        if any(char.isdigit() for char in part):
            stems.append(part.replace(",", ""))
        elif len(part) > 1:
            stems.append(_stemmer.stemWord(part))
    return tuple(stems)


def is_number_word(word: str) -> bool:
    """A number, an amount ("$13", "6.6", "2019") or a word that counts ("billion", "decade")."""
    return bool(NUMBER.search(word)) or fold_word(word) in NUMBER_WORDS


def quotation_spans(text: str) -> list[Span]:
    """Spans of quoted speech ("..." or “...”) within a line."""
    if '"' not in text and "\u201c" not in text:
        return []  # two quick scans spare the pattern's slower one (a million-line source may quote nothing)
    return [m.span() for m in _QUOTED.finditer(text)]


def occurs_lower_case(text: str, folded: str) -> bool:
    """Whether text writes the folded word in lower case somewhere (a capitalised word that never is, is a name)."""
    return _lower_case_index(text).holds(folded)


_WORD_RUN = re.compile(r"\w+")
_FIND_HITS = 64  # substring hits looked through for one word before the whole set of words is built
_FIND_SCANS = 8  # full scans of the text (words not found) before the whole set of words is built


class _LowerCaseWords:
    """The words a text writes in lower case, as the \\w+ runs that are lower case. Asked about a few words of
    a large text, it looks for each (str.find, checking the characters around a hit): building the whole set
    read every word of a million-line source (a second) to answer a few dozen questions. After _FIND_SCANS
    words not found (each a full scan) or a word with many partial hits, it builds the set once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words: frozenset[str] | None = None
        self.scans = 0

    def holds(self, folded: str) -> bool:
        if self.words is not None:
            return folded in self.words
        if not folded.islower() or not _WORD_RUN.fullmatch(folded):
            return False  # never a lower-case \\w+ run
        text, size, at = self.text, len(folded), 0
        for _ in range(_FIND_HITS):
            at = text.find(folded, at)
            if at < 0:
                self.scans += 1
                if self.scans >= _FIND_SCANS:
                    self.words = _lower_case_words(text)
                return False
            after = at + size
            if (at == 0 or not _is_word_char(text[at - 1])) and (after == len(text) or not _is_word_char(text[after])):
                return True
            at += 1
        self.words = _lower_case_words(text)
        return folded in self.words


def _is_word_char(char: str) -> bool:
    """What \\w matches in a str pattern: a letter, a digit or a number of any script, or an underscore."""
    return char.isalnum() or char == "_"


@lru_cache(maxsize=256)
def _lower_case_index(text: str) -> _LowerCaseWords:
    return _LowerCaseWords(text)


def _lower_case_words(text: str) -> frozenset[str]:
    """The words a text writes in lower case (a capitalised word that never appears so is a name)."""
    return frozenset(filter(str.islower, _WORD_RUN.findall(text)))
