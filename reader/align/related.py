"""Words WordNet relates (synonyms, derivations, a thing and its kind), as the aligner's stems: evidence that
two passages say one thing in different words ("shut" / "close", "abstained" / "abstention", "ferry" /
"vessel") that shared words cannot give.

The table, reader/align/data/related_words.txt.gz, is built from the WordNet 3.0 database by
tools/build_related_words.py (the rule is there; WordNet's licence is data/WORDNET-LICENSE.txt). It ships
with the package and is read once, when a pair is first judged: nothing is downloaded.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

from reader.align.clauses import Clause

TABLE = "related_words.txt.gz"
_NONE: frozenset[str] = frozenset()


class RelatedWords:
    """The table: each stem's line kept as read, split the first time the stem is asked about (a comparison
    asks about a few thousand of its 46,000 stems; splitting them all would take longer than reading)."""

    def __init__(self, text: str) -> None:
        self._lines = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
        self._split: dict[str, frozenset[str]] = {}

    def __call__(self, stem: str) -> frozenset[str]:
        """The stems WordNet relates to stem (none for a word it does not know)."""
        found = self._split.get(stem)
        if found is None:
            line = self._lines.get(stem)
            found = self._split[stem] = frozenset(line.split()) if line else _NONE
        return found


@cache
def related_words() -> RelatedWords:
    """The shipped table, read once."""
    data = resources.files("reader.align.data").joinpath(TABLE).read_bytes()
    return RelatedWords(gzip.decompress(data).decode("utf-8"))


def related_weight(a: Clause, b: Clause) -> float:
    """The weight of the words of a and b that the other lacks but says with a word WordNet relates to it, on
    the scale of the weight of their shared words (the mean of the two sides)."""
    only_a, only_b = a.stems - b.stems, b.stems - a.stems
    if not only_a or not only_b:
        return 0.0
    related = related_words()
    found = sum(a.weights.get(stem, 0.0) for stem in only_a if not related(stem).isdisjoint(only_b))
    found += sum(b.weights.get(stem, 0.0) for stem in only_b if not related(stem).isdisjoint(only_a))
    return found / 2


def related_pairs(a: Clause, b: Clause) -> list[tuple[str, str]]:
    """(stem of a, stem of b) for each word of a that b lacks and says with a word WordNet relates to it, the
    weightiest first: the evidence, in the texts' words once a caller finds them."""
    only_a, only_b = a.stems - b.stems, b.stems - a.stems
    if not only_a or not only_b:
        return []
    related = related_words()
    found = [
        (stem, other)
        for stem in sorted(only_a, key=lambda s: (-a.weights.get(s, 0.0), s))
        for other in sorted(related(stem) & only_b, key=lambda s: (-b.weights.get(s, 0.0), s))
    ]
    return found
