"""Stage 1: cut sources into clauses that each carry one claim, weigh their words and mark repeats.

Each sentence (reader.text.sentence_spans, plus boundaries a missing space hid, as in "market.Emerging") is
cut into clauses at semicolons, dashes, colons, "and has/was/...", ", while/which/but", participle clauses,
attributions, the close of an inserted relative clause and a leading subordinate clause, whenever both
sides keep at least MIN_CLAIM_WORDS content words, so a sentence that carries two claims can link to two
counterparts. Headings and Title Case labels before a colon name a topic and are left out. Words are
weighted by inverse document frequency over all clauses; numbers, names and quotations are kept aside as
evidence for the scorer.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, count
from operator import attrgetter

from rapidfuzz import fuzz

from reader.align import tuning
from reader.align.figures import figure_keys, may_state_figure
from reader.align.result import SourceText
from reader.align.words import NUMBER, content_stems, fold_word, occurs_lower_case, quotation_spans
from reader.text import WORD, Span, sentence_spans, word_spans

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
_NO_STEMS: frozenset[str] = frozenset()  # shared by the many claims without names or topic words


class Weighing:
    """The weights of one set of clauses: each stem's inverse document frequency and the story's topic stems.

    A clause asks for its weights, total and topic stems the first time they are read (Clause.__getattr__):
    most clauses of a huge source are never scored, and weighing each of a million clauses up front took
    longer than aligning them."""

    def __init__(self) -> None:
        self.idf: dict[str, float] = {}
        self.topic: frozenset[str] = _NO_STEMS

    def weigh(self, clause: Clause) -> None:
        """Set clause.weights, total and topic_stems (as _weigh always did, now on demand)."""
        stems = clause.stems
        clause.weights = weights = dict(zip(stems, map(self.idf.__getitem__, stems)))
        clause.total = sum(weights.values())
        clause.topic_stems = (stems & self.topic or _NO_STEMS) if self.topic else _NO_STEMS


_LAZY = frozenset({"weights", "total", "topic_stems"})


@dataclass(eq=False, slots=True)
class Clause:
    """One clause that carries a claim: offsets into its source's text, its weighed stems and evidence.

    weights (stem -> idf), total (their sum) and topic_stems (its stems that are the whole story's topic, see
    tuning.TOPIC_SHARE) come from its set's Weighing when first read, or are set directly (span_clause)."""

    index: int
    doc: int
    start: int
    end: int
    sentence: int
    stems: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()  # keys of the figures it states, with their units (reader.align.figures)
    amounts: bool = False  # states a figure of two or more digits ("$13", "2019", "6.6"; not "Phi-3")
    quote_stems: frozenset[str] = frozenset()
    name_stems: frozenset[str] = frozenset()  # stems of capitalised words the source never writes in lower case
    key: str = ""
    canonical: int = -1  # the claim this one repeats, or -1
    position: float = 0.0  # where it starts, as a share of its source's text (0 at the top, 1 at the end)
    weighing: Weighing | None = field(default=None, repr=False)
    weights: dict[str, float] = field(init=False, repr=False)
    total: float = field(init=False, repr=False)
    topic_stems: frozenset[str] = field(init=False, repr=False)

    def __getattr__(self, name: str) -> object:
        # Reached only for a slot not set yet: the weights, on first reading (see Weighing).
        if name in _LAZY:
            weighing = object.__getattribute__(self, "weighing")
            if weighing is None:  # made without a set (and its weights not set): none, as before
                self.weights, self.total, self.topic_stems = {}, 0.0, _NO_STEMS
            else:
                weighing.weigh(self)
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
            self.numbers,
            self.amounts,
            self.quote_stems,
            self.name_stems,
            self.key,
            canonical,
            self.position,
            self.weighing,
        )
        if self.weighing is None:  # weights set directly: carried over
            clause.weights, clause.total, clause.topic_stems = self.weights, self.total, self.topic_stems
        return clause


def sentence_units(text: str) -> list[Span]:
    """Sentences, also split where a missing space glued two together ("market.Emerging"); headings
    (a line that does not end as a sentence does: "Conclusion", "High-Profile Departures at OpenAI")
    and list bullets are left out, since they name a topic rather than make a claim.

    The glued boundaries are looked for once over the whole text, not once per sentence (a million-line
    source has a million sentences and hardly any glued ones): a boundary at p belongs to the sentence
    (start, end) with start <= p and p + 2 <= end, where a search bounded by the sentence finds it too."""
    spans = sentence_spans(text)
    glued = [
        match.end()
        for match in _GLUED_CANDIDATE.finditer(text)
        if match.group() == ")" or match.start() > 0 and "a" <= text[match.start() - 1] <= "z"
    ]
    if glued:
        spans = _cut_glued(spans, glued)
    return [
        (start, end)
        for start, end in spans
        if text.endswith(_SENTENCE_END, start, end) or not _is_heading(text, start, end)
    ]


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


def _is_label(text: str, start: int, end: int) -> bool:
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


def may_cut_flags(text: str, units: list[Span]) -> list[bool]:
    """For each unit (in text order, not overlapping), whether _MAY_CUT matches inside it: what claim_spans
    tests first. The marks are found once over the whole text (a comma, colon, semicolon or dash; "--"; " and ")
    rather than by a search per sentence, which read every character of a million-line source in a million calls."""
    marks = [(m.start(), m.end()) for m in _CUT_MARK.finditer(text)]
    at = text.find("--")
    while at >= 0:
        marks.append((at, at + 2))
        at = text.find("--", at + 1)
    marks.extend(
        (m.start() - 1, m.end())
        for m in _AND_AFTER_SPACE.finditer(text)
        if m.start() > 0 and text[m.start() - 1].isspace()  # \s is exactly str.isspace
    )
    if not marks:
        return [False] * len(units)
    marks.sort()
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


@dataclass
class ClauseSet:
    """The claims of a set of sources, cut, weighed and with repeats marked: what a backend scores.

    claims[i].index == i; by_doc[d] lists the claims of docs[d] in text order; df counts, per stem, the
    claims that hold it.
    """

    docs: Sequence[SourceText]
    claims: list[Clause]
    by_doc: list[list[Clause]]
    df: Counter[str]

    def text(self, claim: Clause) -> str:
        """The claim's passage as it stands in its source."""
        return self.docs[claim.doc].text[claim.start : claim.end]

    def subset(self, keep: Sequence[int]) -> ClauseSet:
        """The clauses of docs[i] for i in keep (in that order), weighed as in this whole set: the same two
        sources then align the same way whichever other sources are open beside them."""
        if list(keep) == list(range(len(self.docs))):
            return ClauseSet(list(self.docs), self.claims, self.by_doc, self.df)  # all of them, as they are
        position = {doc: new for new, doc in enumerate(keep)}
        kept = [
            c
            for c in self.claims
            if c.doc in position and (c.canonical < 0 or self.claims[c.canonical].doc in position)
        ]
        index = {c.index: new for new, c in enumerate(kept)}
        claims: list[Clause] = []
        by_doc: list[list[Clause]] = [[] for _ in keep]
        for c in kept:
            clause = c.moved(index[c.index], position[c.doc], index[c.canonical] if c.canonical >= 0 else -1)
            claims.append(clause)
            by_doc[clause.doc].append(clause)
        return ClauseSet([self.docs[i] for i in keep], claims, by_doc, self.df)


def prepare_claims(docs: Sequence[SourceText]) -> ClauseSet:
    """Cut every source into claims, weigh their words and mark the claims a source repeats."""
    weighing = Weighing()
    claims, claims_by_doc = _extract_claims(docs, weighing)
    df = _weigh(claims, weighing)
    _mark_repeats(claims_by_doc, df)
    return ClauseSet(docs, claims, claims_by_doc, df)


def _extract_claims(docs: Sequence[SourceText], weighing: Weighing) -> tuple[list[Clause], list[list[Clause]]]:
    """The claims of every source, in order. The loop runs once per clause of every source (a million for a
    million-line source), so it keeps to what each clause needs: a sentence without a comma, colon, dash or
    "and" is one clause (no cutting), a word's folding and stems are looked up once per distinct word
    (_Vocabulary), figures and quotations are looked for only where they can be."""
    claims: list[Clause] = []
    by_doc: list[list[Clause]] = []
    min_words = tuning.MIN_CLAIM_WORDS
    for doc_index, doc in enumerate(docs):
        text = doc.text
        size = len(text)
        quotes = quotation_spans(text)
        quote_starts = [s for s, _ in quotes]
        vocabulary = _Vocabulary(text)
        folded_of, stems_of, names, figure_words = (
            vocabulary.folded.__getitem__,
            vocabulary.stems.__getitem__,
            vocabulary.names,
            vocabulary.figure_words,
        )
        first = len(claims)
        for start, end, sentence_index in _clause_spans(text):
            if text.startswith(":", end) and _is_label(text, start, end):
                continue
            words = WORD.findall(text, start, end)
            try:
                stems_found = list(chain.from_iterable(map(stems_of, words)))
            except KeyError:  # a word not seen before in this source
                vocabulary.learn(words)
                stems_found = list(chain.from_iterable(map(stems_of, words)))
            if len(stems_found) < min_words:
                continue
            figures_possible = figure_words and not figure_words.isdisjoint(words)
            claim = Clause(
                len(claims),
                doc_index,
                start,
                end,
                sentence_index,
                frozenset(stems_found),
                figure_keys(text, start, end) if figures_possible else _NO_STEMS,
                bool(figures_possible)
                and any(sum(ch.isdigit() for ch in n) > 1 for n in NUMBER.findall(text, start, end)),
                _quoted_stems(text, start, end, quotes, quote_starts) if quotes else _NO_STEMS,
                vocabulary.name_stems(words) if names else _NO_STEMS,
                " ".join(map(folded_of, words)),
                -1,
                start / size,
                weighing,
            )
            claims.append(claim)
        by_doc.append(claims[first:])
    return claims, by_doc


def _clause_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, end, sentence number) of every clause of text, in order (before labels and short ones are left
    out): a sentence without a mark that may cut it is one clause, trimmed only if its edges need it."""
    found: list[tuple[int, int, int]] = []
    units = sentence_units(text)
    for sentence_index, (start, end), cuttable in zip(count(), units, may_cut_flags(text, units)):
        if cuttable:
            found.extend((s, e, sentence_index) for s, e in claim_spans(text, start, end))
        elif text[start] in _MAY_TRIM_START or text[end - 1] in _EDGE_PUNCTUATION:
            span = _trim_edges(text, start, end)
            if span:
                found.append((*span, sentence_index))
        else:
            found.append((start, end, sentence_index))  # as _trim_edges leaves it
    return found


# A first character _trim_edges may take off: edge punctuation, or that of a joining word ("and", "but", "or").
_MAY_TRIM_START = frozenset(_EDGE_PUNCTUATION + "aAbBoO")


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


def _weigh(claims: list[Clause], weighing: Weighing) -> Counter[str]:
    """Weigh words by inverse document frequency over claims (a word in few claims says more about which
    claim it is) and find the story's topic words, into weighing (each claim reads its own weights from it
    when first asked: see Weighing); returns the document frequencies."""
    df: Counter[str] = Counter(chain.from_iterable(map(attrgetter("stems"), claims)))
    n = len(claims) or 1
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


def _mark_repeats(by_doc: list[list[Clause]], df: Counter[str]) -> None:
    """Within each source, a claim whose text is (nearly) that of an earlier claim repeats it."""
    rank = rarity_ranks(df)
    rare_enough = {stem for stem, count in df.items() if count <= tuning.MAX_POSTING}  # may find a near repeat
    for mine in by_doc:
        if all(map(rare_enough.isdisjoint, map(attrgetter("stems"), mine))):
            _mark_exact_repeats(mine)  # no rare word, so no near repeat to look for (a huge source of common words)
            continue
        exact: dict[str, Clause] = {}
        keyed: dict[str, list[Clause]] = defaultdict(list)
        for claim in mine:
            first = exact.get(claim.key)
            if (
                first is None
                and len(claim.key) >= tuning.NEAR_REPEAT_MIN_CHARS
                and not rare_enough.isdisjoint(claim.stems)
            ):
                # Near-identical: compare with earlier claims sharing a rare word. A word in more than
                # MAX_POSTING claims is too common to say which claims to compare (as in blocking): without
                # this, a huge source compared each claim with hundreds of others (minutes for a million lines).
                rare = [
                    s
                    for s in sorted(claim.stems, key=rank.__getitem__)[: tuning.NEAR_REPEAT_KEYS]
                    if df[s] <= tuning.MAX_POSTING
                ]
                seen: set[int] = set()
                for stem in rare:
                    for other in keyed[stem]:
                        if other.index in seen:
                            continue
                        seen.add(other.index)
                        if fuzz.ratio(claim.key, other.key, score_cutoff=tuning.REPEAT_RATIO):
                            first = other
                            break
                    if first is not None:
                        break
                for stem in rare:
                    if len(keyed[stem]) < tuning.MAX_POSTING:
                        keyed[stem].append(claim)
            if first is not None:
                claim.canonical = first.canonical if first.canonical >= 0 else first.index
            else:
                exact.setdefault(claim.key, claim)


def _mark_exact_repeats(mine: list[Clause]) -> None:
    """Mark the claims whose text is word for word that of an earlier claim of the source (what _mark_repeats
    does when no claim can be a near repeat), found through a table of each text's first claim."""
    texts = list(map(attrgetter("key"), mine))
    first_at = dict(zip(reversed(texts), range(len(texts) - 1, -1, -1)))  # the first position of each text
    if len(first_at) == len(texts):
        return
    for at in sorted(set(range(len(texts))).difference(first_at.values())):
        mine[at].canonical = mine[first_at[texts[at]]].index
