"""Stage 1: the claims of a set of sources, cut (reader.align.cutting), weighed and with repeats marked.

The clauses that carry a claim are held as columns (Columns: offsets, sentence, content stems, the folded text
of their words, the claim each repeats); a Clause is made for one only when a stage or a caller asks for it
(ClauseSet.claim), with the numbers, names and quotations the scorer takes as evidence found then (Evidence):
a million-line source has a million clauses and most are never scored. Words are weighted by inverse
document frequency over all clauses, on demand (Weighing); a claim whose text is (nearly) that of an earlier
one of its source repeats it.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import eq, ne

from rapidfuzz import fuzz

from reader.align import tuning
from reader.align.ascii_claims import ascii_claims
from reader.align.cutting import clause_spans, is_label
from reader.align.figures import figure_keys, may_state_figure
from reader.align.result import SourceText
from reader.align.words import NUMBER, content_stems, fold_word, occurs_lower_case, quotation_spans
from reader.text import WORD, Span, word_spans

_NO_STEMS: frozenset[str] = frozenset()  # shared by the many claims without names or topic words


class Weighing:
    """The weights of one set of clauses: each stem's inverse document frequency and the story's topic stems.

    A clause asks for its weights, total and topic stems the first time they are read (Clause.__getattr__):
    most clauses of a huge source are never scored, and weighing each of a million clauses up front took
    longer than aligning them."""

    def __init__(self) -> None:
        self.idf: dict[str, float] = {}
        self.topic: frozenset[str] = _NO_STEMS
        self.claims = 0  # how many claims the frequencies were counted over (a subset's set keeps its whole set's)

    def weigh(self, clause: Clause) -> None:
        """Set clause.weights, total and topic_stems (as _weigh always did, now on demand)."""
        stems = clause.stems
        clause.weights = weights = dict(zip(stems, map(self.idf.__getitem__, stems)))
        clause.total = sum(weights.values())
        clause.topic_stems = (stems & self.topic or _NO_STEMS) if self.topic else _NO_STEMS


_LAZY = frozenset({"weights", "total", "topic_stems"})
_EVIDENCE = frozenset({"numbers", "amounts", "quote_stems", "name_stems"})


class Evidence:
    """What one source's clauses need to find their figures, quotations and names when first asked
    (Clause.__getattr__): most clauses of a huge source are never scored, and finding the figures of every
    clause that may state one took a second of a million-line source."""

    def __init__(self, text: str, vocabulary: _Vocabulary) -> None:
        self.text = text
        self.quotes = quotation_spans(text)
        self.quote_starts = [s for s, _ in self.quotes]
        self.vocabulary = vocabulary

    def find(self, clause: Clause) -> None:
        """Set clause.numbers, amounts, quote_stems and name_stems (as _extract_claims did up front)."""
        text, start, end, vocabulary = self.text, clause.start, clause.end, self.vocabulary
        words = WORD.findall(text, start, end)
        if not all(map(vocabulary.folded.__contains__, words)):  # an ASCII source's vocabulary starts empty
            vocabulary.learn(words)
        figures_possible = bool(vocabulary.figure_words) and not vocabulary.figure_words.isdisjoint(words)
        clause.numbers = figure_keys(text, start, end) if figures_possible else _NO_STEMS
        clause.amounts = figures_possible and any(
            sum(ch.isdigit() for ch in n) > 1 for n in NUMBER.findall(text, start, end)
        )
        clause.quote_stems = (
            _quoted_stems(text, start, end, self.quotes, self.quote_starts) if self.quotes else _NO_STEMS
        )
        clause.name_stems = vocabulary.name_stems(words) if vocabulary.names else _NO_STEMS


@dataclass(eq=False, slots=True)
class Clause:
    """One clause that carries a claim: offsets into its source's text, its weighed stems and evidence.

    weights (stem -> idf), total (their sum) and topic_stems (its stems that are the whole story's topic, see
    tuning.TOPIC_SHARE) come from its set's Weighing when first read, or are set directly (span_clause); so do
    numbers (keys of the figures it states, with their units: reader.align.figures), amounts (it states a
    figure of two or more digits: "$13", "2019", "6.6"; not "Phi-3"), quote_stems and name_stems (stems of
    capitalised words the source never writes in lower case), from its source's Evidence. A clause made
    alone has none of them until they are set."""

    index: int
    doc: int
    start: int
    end: int
    sentence: int
    stems: frozenset[str] = frozenset()
    key: str = ""
    canonical: int = -1  # the claim this one repeats, or -1
    position: float = 0.0  # where it starts, as a share of its source's text (0 at the top, 1 at the end)
    weighing: Weighing | None = field(default=None, repr=False)
    evidence: Evidence | None = field(default=None, repr=False)
    weights: dict[str, float] = field(init=False, repr=False)
    total: float = field(init=False, repr=False)
    topic_stems: frozenset[str] = field(init=False, repr=False)
    numbers: frozenset[str] = field(init=False, repr=False)
    amounts: bool = field(init=False, repr=False)
    quote_stems: frozenset[str] = field(init=False, repr=False)
    name_stems: frozenset[str] = field(init=False, repr=False)

    def __getattr__(self, name: str) -> object:
        # Reached only for a slot not set yet: the weights or the evidence, on first reading.
        if name in _LAZY:
            weighing = object.__getattribute__(self, "weighing")
            if weighing is None:  # made without a set (and its weights not set): none, as before
                self.weights, self.total, self.topic_stems = {}, 0.0, _NO_STEMS
            else:
                weighing.weigh(self)
            return object.__getattribute__(self, name)
        if name in _EVIDENCE:
            evidence = object.__getattribute__(self, "evidence")
            if evidence is None:  # made alone: no figures, quotations or names unless set
                self.numbers, self.amounts, self.quote_stems, self.name_stems = _NO_STEMS, False, _NO_STEMS, _NO_STEMS
            else:
                evidence.find(self)
            return object.__getattribute__(self, name)
        raise AttributeError(name)

    def moved(self, index: int, doc: int, canonical: int) -> Clause:
        """This clause as clause `index` of source `doc` of another set, weighed as here."""
        clause = Clause(
            index,
            doc,
            self.start,
            self.end,
            self.sentence,
            self.stems,
            self.key,
            canonical,
            self.position,
            self.weighing,
            self.evidence,
        )
        if self.weighing is None:  # weights set directly: carried over
            clause.weights, clause.total, clause.topic_stems = self.weights, self.total, self.topic_stems
        if self.evidence is None:  # evidence set directly: carried over
            clause.numbers, clause.amounts = self.numbers, self.amounts
            clause.quote_stems, clause.name_stems = self.quote_stems, self.name_stems
        return clause


class Columns:
    """The claims of a set of sources as columns, one entry per claim in index order: what the stages read
    for every claim (a million for a million-line source), never making a Clause for most of them.

    doc, start, end, sentence, key and canonical are Clause's fields of that name, stems its stems as a tuple
    (each once: a frozenset is made for a Clause when it is; a million frozensets took 440 MB); bounds[d] is
    the range of indices of the claims of source d (contiguous, in text order) and source_stems[d] every stem
    they hold (a stage that looks for claims holding some stems passes over a source that holds none)."""

    __slots__ = ("doc", "start", "end", "sentence", "stems", "key", "canonical", "bounds", "source_stems")

    def __init__(self) -> None:
        self.doc: list[int] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.sentence: list[int] = []
        self.stems: list[tuple[str, ...]] = []
        self.key: list[str] = []
        self.canonical: list[int] = []
        self.bounds: list[range] = []
        self.source_stems: list[frozenset[str]] = []


class ClauseSet:
    """The claims of a set of sources, cut, weighed and with repeats marked: what a backend scores.

    claims[i].index == i; by_doc[d] lists the claims of docs[d] in text order; df counts, per stem, the
    claims that hold it. The claims are held as columns (Columns); claims and by_doc are sequences over them
    that make each Clause when it is first asked for, and keep it.
    """

    def __init__(
        self, docs: Sequence[SourceText], columns: Columns, df: Counter[str], weighing: Weighing, evidence: list
    ) -> None:
        self.docs = docs
        self.columns = columns
        self.df = df
        self.weighing = weighing
        self.evidence: list[Evidence] = evidence  # per doc
        self.made: list[Clause | None] = [None] * len(columns.doc)  # claim i as a Clause once made, else None

    @property
    def claims(self) -> Sequence[Clause]:
        """Every claim, in index order (made when first asked for)."""
        return ClauseRun(self, range(len(self.made)))

    @property
    def by_doc(self) -> list[Sequence[Clause]]:
        """The claims of each source, in text order (made when first asked for)."""
        return [ClauseRun(self, bounds) for bounds in self.columns.bounds]

    def claim(self, index: int) -> Clause:
        """Claim `index` as a Clause (made on first asking)."""
        made = self.made[index]
        if made is None:
            columns = self.columns
            doc, start = columns.doc[index], columns.start[index]
            made = self.made[index] = Clause(
                index,
                doc,
                start,
                columns.end[index],
                columns.sentence[index],
                frozenset(columns.stems[index]),
                columns.key[index],
                columns.canonical[index],
                start / (len(self.docs[doc].text) or 1),
                self.weighing,
                self.evidence[doc],
            )
        return made

    def claim_at(self, doc: int, start: int, end: int) -> Clause | None:
        """The claim of docs[doc] that is exactly text[start:end], if there is one (its claims are in text
        order and never overlap: found by bisection of the start column, no Clause made for the others)."""
        bounds, starts = self.columns.bounds[doc], self.columns.start
        at = bisect.bisect_left(starts, start, bounds.start, bounds.stop)
        if at < bounds.stop and starts[at] == start and self.columns.end[at] == end:
            return self.claim(at)
        return None

    def text(self, claim: Clause) -> str:
        """The claim's passage as it stands in its source."""
        return self.docs[claim.doc].text[claim.start : claim.end]

    def subset(self, keep: Sequence[int]) -> ClauseSet:
        """The clauses of docs[i] for i in keep (in that order), weighed as in this whole set: the same two
        sources then align the same way whichever other sources are open beside them."""
        if list(keep) == list(range(len(self.docs))):
            return self  # all of them, as they are
        old = self.columns
        position = {doc: new for new, doc in enumerate(keep)}
        kept = [
            index
            for index, (doc, canonical) in enumerate(zip(old.doc, old.canonical))
            if doc in position and (canonical < 0 or old.doc[canonical] in position)
        ]
        new_index = {index: new for new, index in enumerate(kept)}
        columns = Columns()
        columns.doc = [position[old.doc[index]] for index in kept]
        for name in ("start", "end", "sentence", "stems", "key"):
            column = getattr(old, name)
            setattr(columns, name, [column[index] for index in kept])
        columns.source_stems = [old.source_stems[doc] for doc in keep]
        columns.canonical = [new_index[old.canonical[i]] if old.canonical[i] >= 0 else -1 for i in kept]
        members: list[list[int]] = [[] for _ in keep]
        for new, doc in enumerate(columns.doc):
            members[doc].append(new)
        columns.bounds = [range(found[0], found[-1] + 1) if found else range(0) for found in members]
        evidence = [self.evidence[i] for i in keep]
        return ClauseSet([self.docs[i] for i in keep], columns, self.df, self.weighing, evidence)


class ClauseRun(Sequence):
    """The claims with indices in a range, as Clauses made when first asked for (ClauseSet.claim)."""

    def __init__(self, clause_set: ClauseSet, indices: range) -> None:
        self.clause_set = clause_set
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, at):
        if isinstance(at, slice):
            return [self.clause_set.claim(index) for index in self.indices[at]]
        return self.clause_set.claim(self.indices[at])  # an int, or any integer (numpy's) as a list takes

    def __iter__(self) -> Iterator[Clause]:
        return map(self.clause_set.claim, self.indices)

    def __repr__(self) -> str:
        return f"ClauseRun({self.indices})"


def prepare_claims(docs: Sequence[SourceText]) -> ClauseSet:
    """Cut every source into claims, weigh their words and mark the claims a source repeats."""
    weighing = Weighing()
    columns, evidence = _extract_claims(docs)
    df = _weigh(columns, weighing)
    _mark_repeats(columns, df)
    return ClauseSet(docs, columns, df, weighing, evidence)


def _extract_claims(docs: Sequence[SourceText]) -> tuple[Columns, list[Evidence]]:
    """The claims of every source, in order, as columns (and each source's Evidence)."""
    columns = Columns()
    evidence: list[Evidence] = []
    for doc_index, doc in enumerate(docs):
        vocabulary = _Vocabulary(doc.text)
        evidence.append(Evidence(doc.text, vocabulary))
        if doc.text.isascii():
            starts, ends, sentences, stems, keys = ascii_claims(doc.text)
        else:
            found = list(_claims(doc.text, vocabulary))
            starts, ends, sentences, stems, keys = map(list, zip(*found)) if found else ([], [], [], [], [])
        first = len(columns.start)
        columns.start.extend(starts)
        columns.end.extend(ends)
        columns.sentence.extend(sentences)
        columns.stems.extend(stems)
        columns.key.extend(keys)
        columns.bounds.append(range(first, len(columns.start)))
        columns.doc.extend(repeat(doc_index, len(starts)))
    columns.canonical = [-1] * len(columns.start)
    return columns, evidence


def _claims(text: str, vocabulary: _Vocabulary) -> Iterator[tuple[int, int, int, tuple[str, ...], str]]:
    """(start, end, sentence, stems, key) of each claim of one source. The loop runs once per clause (a million
    for a million-line source), so it keeps to what each clause needs: a sentence without a comma, colon, dash
    or "and" is one clause (no cutting), a word's folding and stems are looked up once per distinct word
    (_Vocabulary), figures, quotations and names are found when a clause is first asked for them (Evidence)."""
    min_words = tuning.MIN_CLAIM_WORDS
    stems_of = vocabulary.stems.__getitem__
    folded_of = vocabulary.folded.__getitem__
    for start, end, sentence_index in clause_spans(text):
        if text.startswith(":", end) and is_label(text, start, end):
            continue
        words = WORD.findall(text, start, end)
        try:
            stems_found = list(chain.from_iterable(map(stems_of, words)))
        except KeyError:  # a word not seen before in this source
            vocabulary.learn(words)
            stems_found = list(chain.from_iterable(map(stems_of, words)))
        if len(stems_found) >= min_words:
            yield start, end, sentence_index, tuple(dict.fromkeys(stems_found)), " ".join(map(folded_of, words))


class _Vocabulary:
    """What one source's words contribute, worked out once per distinct word rather than once per occurrence
    (a million-line source repeats a few thousand words millions of times): the folded word, its content
    stems, for a name (capitalised, never written in lower case in this source) those stems again, and the
    words that may state a figure (a clause with none of them states none: figure_keys is not asked)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded: dict[str, str] = {}
        self.stems: dict[str, tuple[str, ...]] = {}
        self.names: dict[str, tuple[str, ...]] = {}
        self.figure_words: set[str] = set()

    def name_stems(self, words: list[str]) -> frozenset[str]:
        """The stems of the names among one clause's words (all of them learnt)."""
        named = self.names.keys() & words
        return frozenset(chain.from_iterable(self.names[word] for word in named)) if named else _NO_STEMS

    def learn(self, words: list[str]) -> None:
        """Work out what each word not seen before contributes."""
        for word in words:
            if word in self.folded:
                continue
            folded = fold_word(word)
            stems = content_stems(word)
            self.folded[word] = folded
            self.stems[word] = stems
            if stems and word[:1].isupper() and not occurs_lower_case(self.text, folded):
                self.names[word] = stems
            if may_state_figure(word):  # every digit and duration word of a clause is inside one of its words
                self.figure_words.add(word)


def _quoted_stems(text: str, start: int, end: int, quotes: list[Span], quote_starts: list[int]) -> frozenset[str]:
    """Content stems of the words of text[start:end] that start inside a quotation."""
    last = bisect.bisect_left(quote_starts, end) - 1  # quotations never overlap: their ends rise with their starts
    if last < 0 or quotes[last][1] <= start:
        return _NO_STEMS
    quoted: set[str] = set()
    for w_start, w_end in word_spans(text, start, end):
        if _inside(quotes, quote_starts, w_start):
            quoted.update(content_stems(text[w_start:w_end]))
    return frozenset(quoted)


def _inside(spans: list[Span], starts: list[int], offset: int) -> bool:
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def _weigh(columns: Columns, weighing: Weighing) -> Counter[str]:
    """Weigh words by inverse document frequency over the claims (their stems: a word in few claims says more
    about which claim it is) and find the story's topic words, into weighing (each claim reads its own weights
    from it when first asked: see Weighing); returns the document frequencies. Counted source by source, so
    each source's stems are known too (columns.source_stems)."""
    df: Counter[str] = Counter()
    stems = columns.stems
    for bounds in columns.bounds:
        counts = Counter(chain.from_iterable(stems[bounds.start : bounds.stop]))
        columns.source_stems.append(frozenset(counts))
        df.update(counts)
    n = weighing.claims = len(stems) or 1
    weighing.idf = {stem: math.log(1 + n / count) for stem, count in df.items()}
    weighing.topic = frozenset(
        stem for stem, count in df.items() if count > tuning.TOPIC_SHARE * n and count >= tuning.MIN_TOPIC_CLAIMS
    )
    return df


class _RarityRanks(dict):
    """stem -> (document frequency, stem), the sort key that puts a clause's rarest stems first; a stem df
    does not count ranks (0, stem), as df[stem] would."""

    def __init__(self, df: Counter[str]) -> None:
        super().__init__((stem, (count, stem)) for stem, count in df.items())

    def __missing__(self, stem: str) -> tuple[int, str]:
        return (0, stem)


def rarity_ranks(df: Counter[str]) -> dict[str, tuple[int, str]]:
    """Each stem's sort key, rarest first (its document frequency, then the stem): looked up (in C) rather
    than rebuilt by a lambda for every stem of every clause."""
    return _RarityRanks(df)


def _mark_repeats(columns: Columns, df: Counter[str]) -> None:
    """Within each source, a claim whose text is (nearly) that of an earlier claim repeats it (columns.canonical)."""
    rank = rarity_ranks(df)
    rare_enough = {stem for stem, count in df.items() if count <= tuning.MAX_POSTING}  # may find a near repeat
    keys, stems, canonical = columns.key, columns.stems, columns.canonical
    for mine, held in zip(columns.bounds, columns.source_stems):
        if rare_enough.isdisjoint(held):
            _mark_exact_repeats(keys, canonical, mine)  # no rare word, so no near repeat to look for (a huge
            continue  # source of common words)
        exact: dict[str, int] = {}
        keyed: dict[str, list[int]] = defaultdict(list)
        for claim in mine:
            key = keys[claim]
            first = exact.get(key, -1)
            if first < 0 and len(key) >= tuning.NEAR_REPEAT_MIN_CHARS and not rare_enough.isdisjoint(stems[claim]):
                # Near-identical: compare with earlier claims sharing a rare word. A word in more than
                # MAX_POSTING claims is too common to say which claims to compare (as in blocking): without
                # this, a huge source compared each claim with hundreds of others (minutes for a million lines).
                rare = [
                    s
                    for s in sorted(stems[claim], key=rank.__getitem__)[: tuning.NEAR_REPEAT_KEYS]
                    if df[s] <= tuning.MAX_POSTING
                ]
                seen: set[int] = set()
                for stem in rare:
                    for other in keyed[stem]:
                        if other in seen:
                            continue
                        seen.add(other)
                        if fuzz.ratio(key, keys[other], score_cutoff=tuning.REPEAT_RATIO):
                            first = other
                            break
                    if first >= 0:
                        break
                for stem in rare:
                    if len(keyed[stem]) < tuning.MAX_POSTING:
                        keyed[stem].append(claim)
            if first >= 0:
                canonical[claim] = canonical[first] if canonical[first] >= 0 else first
            else:
                exact.setdefault(key, claim)


def _mark_exact_repeats(keys: list[str], canonical: list[int], mine: range) -> None:
    """Mark the claims (indices in mine) whose text is word for word that of an earlier claim of the source
    (what _mark_repeats does when no claim can be a near repeat). Found through the texts' hashes (a table of a
    million texts took 0.35 s), the texts compared where the hashes say "repeat"; if two texts share a hash,
    the texts are looked up."""
    texts = keys[mine.start : mine.stop]
    again, firsts = _repeated_hashes(list(map(_text_hash, texts)))
    if not all(map(eq, map(texts.__getitem__, again), map(texts.__getitem__, firsts))):
        first_text: dict[str, int] = {}  # two texts of one hash: by the texts themselves
        first_at = list(map(first_text.setdefault, texts, range(len(texts))))
        again = list(compress(range(len(texts)), map(ne, first_at, range(len(texts)))))
        firsts = list(map(first_at.__getitem__, again))
    for at, first in zip(again, firsts):
        canonical[mine.start + at] = mine.start + first


_text_hash = hash  # a name of its own, so that a test can make texts share hashes
SORTED_FROM = 100_000  # hashes from which numpy sorts them rather than a table holding them (see below)


def _repeated_hashes(hashes: list[int]) -> tuple[list[int], list[int]]:
    """The positions whose hash an earlier position has, and for each the first position with that hash. Many
    hashes are sorted with numpy (a table of a million took 0.17 s, the sort half of that)."""
    count = len(hashes)
    if count < SORTED_FROM:
        first_at: dict[int, int] = {}
        firsts = list(map(first_at.setdefault, hashes, range(count)))
        again = list(compress(range(count), map(ne, firsts, range(count))))
        return again, list(map(firsts.__getitem__, again))
    import numpy as np

    values = np.array(hashes, dtype=np.int64)
    order = np.argsort(values, kind="stable")  # positions by hash, those of one hash in text order
    ordered = values[order]
    later = ordered[1:] == ordered[:-1]  # sorted position i + 1 is not the first of its hash
    starts_group = np.ones(count, dtype=bool)
    np.logical_not(later, out=starts_group[1:])
    first_of_group = order[starts_group]
    group = np.cumsum(starts_group) - 1
    return order[1:][later].tolist(), first_of_group[group[1:][later]].tolist()
