"""Passages a ranking may offer beyond the aligner's clauses: sentences too short to be a claim.

A sentence with fewer than MIN_CLAIM_WORDS content words ("There were no fatalities.", a headline) is no clause
of the set, so the aligner never pairs it; as a counterpart a fact-checker looks for, it is a passage like any
other. Found once per source of a set (weighed like its clauses: reader.align.suggest.span_clause)."""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from reader.align import tuning
from reader.align.clauses import Clause, ClauseSet
from reader.align.cutting import clause_spans, is_label
from reader.align.words import content_stems
from reader.text import WORD

_FOUND: WeakKeyDictionary[ClauseSet, dict[int, list[tuple[int, int]]]] = WeakKeyDictionary()


def short_spans(clause_set: ClauseSet, doc: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of docs[doc] with some content word but fewer than MIN_CLAIM_WORDS, that
    no clause of the set covers (labels left out, as the set leaves them out)."""
    per_doc = _FOUND.setdefault(clause_set, {})
    if doc not in per_doc:
        text = clause_set.docs[doc].text
        claimed = [(c.start, c.end) for c in clause_set.by_doc[doc]]
        found = []
        for start, end, _ in clause_spans(text):
            if text.startswith(":", end) and is_label(text, start, end):
                continue
            count = sum(len(content_stems(word)) for word in WORD.findall(text, start, end))
            if 0 < count < tuning.MIN_CLAIM_WORDS and not any(s < end and e > start for s, e in claimed):
                found.append((start, end))
        per_doc[doc] = found
    return per_doc[doc]


def short_passages(clause_set: ClauseSet) -> list[tuple[int, int, int]]:
    """(doc, start, end) of every short sentence of the set, in doc order (what the semantic backend embeds beside
    its claims: reader.align.learn.PairContext.passages)."""
    return [(doc, start, end) for doc in range(len(clause_set.docs)) for start, end in short_spans(clause_set, doc)]


def short_clauses(clause_set: ClauseSet, doc: int, make: Callable[[ClauseSet, int, int, int], Clause]) -> list[Clause]:
    """The short sentences of docs[doc] as clauses (make: reader.align.suggest.span_clause)."""
    return [make(clause_set, doc, start, end) for start, end in short_spans(clause_set, doc)]
