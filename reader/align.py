"""Passages that make the same claim across sources, the words that differ between them, repeats within
a source and passages found in one source only.

Pure functions over (source id, path, canonical text); every offset is a code point into that text, the
same offset space as the store, the anchors and the views.

How it works (lexical backend):

1. Claims, not sentences. Each sentence (reader.text.sentence_spans, plus boundaries a missing space hid,
   as in "market.Emerging") is cut into clauses at semicolons, dashes, colons, "and has/was/...",
   ", while/which/but", participle clauses (", adding that", ", leading to"), attributions (", according
   to a filing with..."), the close of an inserted relative clause ("Bubeck, who spent 10 years at
   Microsoft, | is an AGI specialist") and a leading subordinate clause ("Following X, Y"), whenever both
   sides keep at least three content words. A sentence that carries two claims can then link to two
   counterparts. A Title Case lead-in before a colon ("Develop Efficient AI Models: ...") is a label,
   like a heading, and is left out.
2. Features. Content words are lower-cased, accent-folded and stemmed (Snowball), weighted by inverse
   document frequency over all clauses. Numbers, names (capitalised words) and quotations are kept
   aside as strong evidence: a shared number adds to the score; figures on both sides that all differ
   take a little off (more often two facts than one), without ruling the pair out.
3. Blocking. Each clause is indexed under its rarest content words (at most BLOCKING_KEYS of them,
   words in more than MAX_POSTING clauses never index), and is only scored against clauses sharing a
   key, best MAX_CANDIDATES first, so the work grows with the corpus, not with its square. Clauses
   with exactly the same words in several sources (boilerplate) are also paired by a hash of their text.
4. Scoring. IDF-weighted overlap (Dice and containment), near-identical words (rapidfuzz: "Sebastien"
   / "Sebastian") for part of their weight, plus bonuses for shared numbers and quotations. A pair with
   a single word in common besides the story's topic words (in more than TOPIC_SHARE of all claims and
   at least MIN_TOPIC_CLAIMS of them: "OpenAI", "Microsoft", "Bubeck") keeps only SINGLE_WORD_SHARE of
   its score, unless that word is a name both write capitalised ("Anthropic", "Phi") or they share a
   number: the topic plus one ordinary word ("competitor", "writes") is a coincidence more often than
   one claim. The semantic backend counts topic words as ordinary ones here (count_topic=True):
   leaving them out lowered its recall on the labelled claims from 0.55 to 0.41.
5. One-to-one. Between each pair of sources each clause takes at most one counterpart, best pairs first:
   a pair that is each other's best match in that source (mutual best) and clears ACCEPT_SCORE, or a
   clause's next best when a better pair took its best, if that clears ACCEPT_SCORE too.
6. Clusters: connected components of accepted pairs, taken best first, never holding two passages of
   one source, except passages a source repeats (found first, by near-identical text). Two clusters
   merge only if their passages score on average COHERENCE * ACCEPT_SCORE against each other and no
   sampled pair falls below the weak-link floor CORROBORATED * ACCEPT_SCORE (one member matching well
   and another not at all is a chain through shared words, not one claim).
7. Corroboration: a passage left alone whose mutual-best matches in two or more sources of one cluster
   score at least CORROBORATED * ACCEPT_SCORE (too weak alone) joins that cluster, repeatedly, so it can
   then corroborate the next. One weak match is noise on a single story; two agreeing ones rarely are.

Steps 1-2 are prepare_claims, steps 3-7 align_claims, which takes the pair score as a parameter: the
optional semantic backend (reader.align_semantic) reuses every rule here with embeddings in the score.

Tried on the labelled claims (bench/eval_align.py, held-out figures) and reverted, because they did not
help or only moved figures within the noise of one or two pairs: any counterpart at all, one-to-one
greedy by score without the mutual-best preference (precision fell); BM25 (Robertson-Sparck Jones)
weights instead of log(1 + n/df) (same pair ranking: average precision 0.38 either way); the median
instead of the mean in the coherence check; embeddings centred on the corpus mean or with their top
principal components removed; CSLS (cosine less each claim's mean similarity to its nearest
neighbours, against hub sentences); BERTScore over MiniLM token embeddings; a sentence's embedding
in place of, or mixed with, its clause's; more weight on the lexical evidence in the semantic score,
or the lexical score alone whenever it clears ACCEPT_SCORE; the story's topic words left out of the
text that is embedded; accepting a mutual best below the accept score when it beats both claims'
runners-up by a margin (a ratio test); cutting every leading "In ... ," phrase as a clause (lexical
better, semantic much worse); letting two passages of one source that restate each other (scoring
well against each other) share a cluster, and count as one in the mutual-best test (no change on the
lexical backend, lower precision on the semantic one).
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Callable, Hashable, Iterable, Sequence

import snowballstemmer
from rapidfuzz import fuzz, process

from reader.text import Span, sentence_spans, word_spans

# --- tunables (chosen by reading the bundled corpus and the generated one; see bench/eval_align.py) --

ACCEPT_SCORE = 0.23          # lowest score of an accepted pair
REPEAT_RATIO = 88.0          # rapidfuzz ratio (0-100) of normalised text above which a source repeats itself
MIN_CLAIM_WORDS = 3          # content words a clause needs to count as a claim (headings like "Conclusion" do not)
BLOCKING_KEYS = 6            # rarest content words a clause is indexed under
MAX_POSTING = 120            # a word in more clauses than this is too common to block on
MAX_CANDIDATES = 24          # clauses scored per clause, most shared keys first
FUZZY_WORD_RATIO = 85.0      # rapidfuzz ratio above which two different words count as the same word
FUZZY_WORD_CREDIT = 0.8      # share of a word's weight a near-identical word earns
FUZZY_FLOOR = 0.1            # Dice of exact words below which near-identical words are not looked for
DICE_SHARE = 0.9             # score = DICE_SHARE * Dice + (1 - DICE_SHARE) * containment (+ evidence)
NUMBER_BONUS = 0.08          # a number both claims state
AMOUNT_CONFLICT = 0.08       # both claims state figures (more than one digit) and share none
SINGLE_WORD_SHARE = 0.5      # share of the score kept by a pair with one word in common, unless a name or number
TOPIC_SHARE = 0.1            # a word in more than this share of all claims is the story's topic ("OpenAI", "Bubeck"),
MIN_TOPIC_CLAIMS = 5         # ... if it is in at least this many (in a few short sources every word is in a tenth)
QUOTE_BONUS = 0.15           # quotations sharing most of their words
COHERENCE_SAMPLE = 4         # passages of each cluster compared when checking coherence
COHERENCE = 0.9              # clusters merge only if their passages score, on average, this share of ACCEPT_SCORE
CORROBORATED = 0.68          # a weaker mutual-best pair (this share of the accept score) counts as corroboration:
CORROBORATION = 2            # a passage with such links to members of this many sources of one cluster joins it

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
    "hundred thousand million billion trillion percent per cent dozen decade decades half quarter "
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty first second third"
    .split()
)

# Words that open a leading subordinate clause: "Following the departure of X, OpenAI is ..."
_LEADING_CLAUSE = re.compile(
    r"(?:while|although|though|despite|following|after|before|as|when|because|amid|amidst|if|unlike|"
    r"given|combined with|in addition to|in response to)\b", re.IGNORECASE)
_CUTS = re.compile(
    r"\s*;\s+"                                    # semicolon
    r"|\s+(?:--|[\u2013\u2014])\s+"               # dash between spaces
    r"|:\s+(?=[A-Z\"\u201c])"                     # colon before a new statement
    r"|\s*,\s+(?=(?:and|but)\s+[a-z])"          # ", and some have": not a list of names ", and Satya Nadella"
    r"|\s*,\s+(?=(?:while|whereas|although|though|thereby|which|who)\s)"  # , while / , which
    r"|\s*,\s+(?=[a-z]+ing\s)"                    # participle clause: , adding that / , leading to
    r"|\s*,\s+(?=according\s+to\s)"              # attribution: , according to a report by X
    r"|\s+(?=and\s+(?:has|have|had|is|was|were|will|would|can|could|may|might|should|also|then|later|"
    r"since|now|still)\s)"                        # "and has since been"
)
# "Bubeck, who spent 10 years at Microsoft, is an AGI specialist": the inserted relative clause is one
# claim, the main predicate after its closing comma another.
_APPOSITIVE_END = re.compile(
    r",\s+(?:who|which)\s[^,;]*?(,)\s+(?=(?:is|are|was|were|has|have|had|will|would|remains?|became|becomes)\s)")
# A full stop, or a closing bracket, glued to the next sentence: "market.Emerging", "(x.com)In".
_GLUED_SENTENCE = re.compile(r"(?<=[a-z][.!?])(?=[A-Z][a-z])|(?<=\))(?=[A-Z][a-z])")
_QUOTED = re.compile(r"\u201c[^\u201d\n]{3,}\u201d|\"[^\"\n]{3,}\"")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD_PARTS = re.compile(r"[-/]")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_EDGE_PUNCTUATION = ",;:-\u2013\u2014 \t\n"

_stemmer = snowballstemmer.stemmer("english")
_NO_STEMS: frozenset[str] = frozenset()  # shared by the many claims without names or topic words


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
    return bool(_NUMBER.search(word)) or fold_word(word) in NUMBER_WORDS


# --- public records -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceText:
    """One input to the aligner: a source's id, path and canonical text."""

    source_id: Hashable
    path: str
    text: str


@dataclass(frozen=True)
class Member:
    """A passage in a cluster: text == source text[start:end]; score is its best accepted link (0..1+)."""

    source_id: Hashable
    source_path: str
    start: int
    end: int
    text: str
    score: float
    repeat: bool = False  # the source states this passage again elsewhere (another member of its source)


@dataclass(frozen=True)
class WordChange:
    """Words that differ between two aligned passages, as offsets into each source's text.

    op is "replace", "insert" (words only in b) or "delete" (words only in a); emphasis names what makes
    the change matter: "number", "name" and/or "quote".
    """

    op: str
    a_start: int
    a_end: int
    a_text: str
    b_start: int
    b_end: int
    b_text: str
    emphasis: tuple[str, ...] = ()


@dataclass(frozen=True)
class Difference:
    """The word-level differences of cluster member `member` against member `reference` (indices)."""

    reference: int
    member: int
    changes: tuple[WordChange, ...]

    @property
    def numbers_differ(self) -> bool:
        """True when a number or amount differs: the passages agree on the claim but not on its figures."""
        return any("number" in change.emphasis for change in self.changes)


@dataclass(frozen=True)
class Cluster:
    """Passages of different sources that make the same claim, with the differences against member 0."""

    id: int
    members: tuple[Member, ...]
    differences: tuple[Difference, ...]

    @property
    def source_ids(self) -> list[Hashable]:
        return list(dict.fromkeys(member.source_id for member in self.members))


@dataclass(frozen=True)
class Repeat:
    """A passage a source states again: `again` repeats `first` (both spans in the same text)."""

    source_id: Hashable
    source_path: str
    first: Span
    again: Span
    text: str


@dataclass(frozen=True)
class AlignmentHit:
    """What sits under an offset: the cluster, which member holds it, and the counterpart members."""

    cluster: Cluster
    member: Member
    counterparts: tuple[Member, ...]


@dataclass
class Alignment:
    """The result of align_sources: clusters, unique passages and repeats per source, and a lookup.

    `at(source_id, offset)` answers "which cluster and counterparts are under this cursor" in O(log n),
    for a synchronised cursor.
    """

    clusters: list[Cluster]
    unique: dict[Hashable, list[Span]]
    repeats: dict[Hashable, list[Repeat]]
    _index: dict[Hashable, tuple[list[int], list[tuple[int, int, int]]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_source: dict[Hashable, list[tuple[int, int, int, int]]] = defaultdict(list)
        for cluster_index, cluster in enumerate(self.clusters):
            for member_index, member in enumerate(cluster.members):
                by_source[member.source_id].append((member.start, member.end, cluster_index, member_index))
        for source_id, rows in by_source.items():
            rows.sort()
            self._index[source_id] = ([row[0] for row in rows], [row[1:] for row in rows])

    def at(self, source_id: Hashable, offset: int) -> AlignmentHit | None:
        """The aligned passage of source_id that contains offset, with its counterparts; None if unaligned."""
        starts, rows = self._index.get(source_id, ([], []))
        position = bisect.bisect_right(starts, offset) - 1
        # Members of one source never overlap, but look back a little in case a clause ends before offset.
        for index in range(position, max(-1, position - 3), -1):
            end, cluster_index, member_index = rows[index]
            if starts[index] <= offset < end:
                cluster = self.clusters[cluster_index]
                member = cluster.members[member_index]
                counterparts = tuple(m for m in cluster.members if m.source_id != source_id)
                return AlignmentHit(cluster, member, counterparts)
        return None

    def cluster(self, cluster_id: int) -> Cluster:
        """The cluster with this id."""
        return self.clusters[cluster_id - 1]

    def passages(self, source_id: Hashable) -> list[tuple[int, int, str, int | None]]:
        """Every marked span of one source in text order, as (start, end, kind, cluster id) with kind
        "aligned", "unique" or "repeat": the overlay a document view draws."""
        spans: list[tuple[int, int, str, int | None]] = []
        starts, rows = self._index.get(source_id, ([], []))
        for start, (end, cluster_index, _) in zip(starts, rows):
            spans.append((start, end, "aligned", self.clusters[cluster_index].id))
        spans.extend((start, end, "unique", None) for start, end in self.unique.get(source_id, []))
        spans.extend((r.again[0], r.again[1], "repeat", None) for r in self.repeats.get(source_id, []))
        return sorted(spans, key=lambda span: (span[0], span[1]))


# --- claims: the units that are matched -----------------------------------------------------------------


@dataclass(eq=False)
class Claim:
    """One clause that carries a claim: offsets into its source's text, its weighed stems and evidence."""

    index: int
    doc: int
    start: int
    end: int
    sentence: int
    weights: dict[str, float] = field(default_factory=dict)
    stems: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    amounts: bool = False  # states a figure of two or more digits ("$13", "2019", "6.6"; not "Phi-3")
    quote_stems: frozenset[str] = frozenset()
    name_stems: frozenset[str] = frozenset()  # stems of capitalised words the source never writes in lower case
    topic_stems: frozenset[str] = frozenset()  # its stems that are the whole story's topic (see TOPIC_SHARE)
    key: str = ""
    total: float = 0.0
    canonical: int = -1  # the claim this one repeats, or -1


def sentence_units(text: str) -> list[Span]:
    """Sentences, also split where a missing space glued two together ("market.Emerging"); headings
    (a line that does not end as a sentence does: "Conclusion", "High-Profile Departures at OpenAI")
    and list bullets are left out, since they name a topic rather than make a claim."""
    spans: list[Span] = []
    for start, end in sentence_spans(text):
        cut = start
        for match in _GLUED_SENTENCE.finditer(text, start, end):
            if match.start() - cut >= 2:
                spans.append((cut, match.start()))
                cut = match.start()
        spans.append((cut, end))
    return [(start, end) for start, end in spans if not _is_heading(text, start, end)]


_SENTENCE_END = (".", "!", "?", "\"", "\u201d", "'", "\u2019", ")", "\u2026", ":")


def _is_heading(text: str, start: int, end: int) -> bool:
    """A unit that closes its line without closing as a sentence does: a heading, a label, a bullet."""
    return not text[start:end].endswith(_SENTENCE_END) and not text[end:].split("\n", 1)[0].strip()


def _is_label(text: str, start: int, end: int) -> bool:
    """A Title Case lead-in before a colon ("Develop Efficient AI Models: With the increasing ..."): it
    names a topic, like a heading, rather than making a claim."""
    if not text.startswith(":", end):
        return False
    words = [text[s:e] for s, e in word_spans(text, start, end)]
    long_words = [word for word in words if len(word) > 3]
    return bool(long_words) and all(word[:1].isupper() for word in long_words)


def claim_spans(text: str, start: int, end: int) -> list[Span]:
    """Cut one sentence text[start:end] into clauses that each carry one claim (see the module doc)."""
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
        if _content_count(text, piece_start, left_end) >= MIN_CLAIM_WORDS and \
                _content_count(text, right_start, end) >= MIN_CLAIM_WORDS:
            pieces.append((piece_start, left_end))
            piece_start = right_start
    pieces.append((piece_start, end))
    return [span for span in (_trim_edges(text, s, e) for s, e in pieces) if span]


_JOINING_WORD = re.compile(r"(?:and|but|or)\s+", re.IGNORECASE)


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


def quotation_spans(text: str) -> list[Span]:
    """Spans of quoted speech ("..." or “...”) within a line."""
    return [m.span() for m in _QUOTED.finditer(text)]


# --- the aligner ----------------------------------------------------------------------------------------


def align_sources(docs: Sequence[SourceText], accept_score: float = ACCEPT_SCORE) -> Alignment:
    """Align the passages of docs that make the same claim; see the module docstring for the method.

    Returns an Alignment: clusters (members in input order of their sources, differences against the
    first member), unique passages and repeats per source, and a lookup by (source_id, offset).
    """
    return align_claims(prepare_claims(docs), accept_score)


@dataclass
class ClaimSet:
    """The claims of a set of sources, cut, weighed and with repeats marked: what a backend scores.

    claims[i].index == i; by_doc[d] lists the claims of docs[d] in text order; df counts, per stem, the
    claims that hold it.
    """

    docs: Sequence[SourceText]
    claims: list[Claim]
    by_doc: list[list[Claim]]
    df: Counter[str]

    def text(self, claim: Claim) -> str:
        """The claim's passage as it stands in its source."""
        return self.docs[claim.doc].text[claim.start:claim.end]


def prepare_claims(docs: Sequence[SourceText]) -> ClaimSet:
    """Cut every source into claims, weigh their words and mark the claims a source repeats."""
    claims, claims_by_doc = _extract_claims(docs)
    df = _weigh(claims)
    _mark_repeats(claims_by_doc, df)
    return ClaimSet(docs, claims, claims_by_doc, df)


PairScore = Callable[["Claim", "Claim"], float]


def align_claims(claim_set: ClaimSet, accept_score: float = ACCEPT_SCORE, score: PairScore | None = None,
                 extra_pairs: Iterable[tuple[int, int]] = ()) -> Alignment:
    """Score candidate pairs of claims, keep one-to-one pairs above accept_score and cluster them.

    score (default: claim_score, the lexical evidence) judges a pair; extra_pairs (claim indices) are
    scored beside the pairs lexical blocking proposes: another backend's nearest neighbours.
    """
    score = score or claim_score
    claims = claim_set.claims
    scores = _score_candidates(claims, claim_set.df, score)
    for a, b in extra_pairs:
        if claims[a].doc == claims[b].doc or claims[a].canonical >= 0 or claims[b].canonical >= 0:
            continue
        pair = (a, b) if a < b else (b, a)
        if pair not in scores:
            scores[pair] = score(claims[pair[0]], claims[pair[1]])
    accepted = _one_to_one(claims, scores, min(accept_score, CORROBORATED * accept_score), accept_score)
    return _build_alignment(claim_set.docs, claims, claim_set.by_doc, accepted, accept_score, score)


def _extract_claims(docs: Sequence[SourceText]) -> tuple[list[Claim], list[list[Claim]]]:
    claims: list[Claim] = []
    by_doc: list[list[Claim]] = []
    for doc_index, doc in enumerate(docs):
        text = doc.text
        quotes = quotation_spans(text)
        quote_starts = [s for s, _ in quotes]
        mine: list[Claim] = []
        for sentence_index, (s_start, s_end) in enumerate(sentence_units(text)):
            for start, end in claim_spans(text, s_start, s_end):
                if _is_label(text, start, end):
                    continue
                counts: Counter[str] = Counter()
                numbers: set[str] = set()
                quoted: set[str] = set()
                names: set[str] = set()
                for w_start, w_end in word_spans(text, start, end):
                    word = text[w_start:w_end]
                    stems = content_stems(word)
                    counts.update(stems)
                    if word[:1].isupper() and not _occurs_lower_case(text, fold_word(word)):
                        names.update(stems)
                    numbers.update(_NUMBER.findall(word))
                    if stems and _inside(quotes, quote_starts, w_start):
                        quoted.update(stems)
                if sum(counts.values()) < MIN_CLAIM_WORDS:
                    continue
                claim = Claim(len(claims), doc_index, start, end, sentence_index,
                               stems=frozenset(counts), numbers=frozenset(numbers),
                               amounts=any(sum(ch.isdigit() for ch in n) > 1 for n in numbers),
                               quote_stems=frozenset(quoted), name_stems=frozenset(names) if names else _NO_STEMS)
                claim.key = " ".join(fold_word(text[a:b]) for a, b in word_spans(text, start, end))
                claims.append(claim)
                mine.append(claim)
        by_doc.append(mine)
    return claims, by_doc


def _inside(spans: list[Span], starts: list[int], offset: int) -> bool:
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def _weigh(claims: list[Claim]) -> Counter[str]:
    """Weigh words by inverse document frequency over claims (a word in few claims says more about which
    claim it is) and mark the story's topic words in each claim; returns the document frequencies."""
    df: Counter[str] = Counter()
    for claim in claims:
        df.update(claim.stems)
    n = len(claims) or 1
    idf = {stem: math.log(1 + n / count) for stem, count in df.items()}
    topic = frozenset(stem for stem, count in df.items() if count > TOPIC_SHARE * n and count >= MIN_TOPIC_CLAIMS)
    for claim in claims:
        claim.weights = {stem: idf[stem] for stem in claim.stems}
        claim.total = sum(claim.weights.values())
        claim.topic_stems = (claim.stems & topic or _NO_STEMS) if topic else _NO_STEMS
    return df


def _mark_repeats(by_doc: list[list[Claim]], df: Counter[str]) -> None:
    """Within each source, a claim whose text is (nearly) that of an earlier claim repeats it."""
    for mine in by_doc:
        exact: dict[str, Claim] = {}
        keyed: dict[str, list[Claim]] = defaultdict(list)
        for claim in mine:
            first = exact.get(claim.key)
            if first is None and len(claim.key) >= 20:
                # Near-identical: compare with earlier claims sharing a rare word.
                rare = sorted(claim.stems, key=lambda s: (df[s], s))[:3]
                seen: set[int] = set()
                for stem in rare:
                    for other in keyed[stem]:
                        if other.index in seen:
                            continue
                        seen.add(other.index)
                        if fuzz.ratio(claim.key, other.key, score_cutoff=REPEAT_RATIO):
                            first = other
                            break
                    if first is not None:
                        break
                for stem in rare:
                    if len(keyed[stem]) < MAX_POSTING:
                        keyed[stem].append(claim)
            if first is not None:
                claim.canonical = first.canonical if first.canonical >= 0 else first.index
            else:
                exact.setdefault(claim.key, claim)


def _score_candidates(claims: list[Claim], df: Counter[str], score: PairScore) -> dict[tuple[int, int], float]:
    """Score each claim against the claims of other sources that share one of its rarest words."""
    active = [claim for claim in claims if claim.canonical < 0]
    postings: dict[str, list[int]] = defaultdict(list)
    keys_of: dict[int, list[str]] = {}
    for claim in active:
        keys = [s for s in sorted(claim.stems, key=lambda s: (df[s], s)) if 1 < df[s] <= MAX_POSTING][:BLOCKING_KEYS]
        keys_of[claim.index] = keys
        for key in keys:
            postings[key].append(claim.index)
    scores: dict[tuple[int, int], float] = {}
    # Word-for-word the same claim in several sources (boilerplate, wire copy): found by its text, however
    # common its words, and linked to the first source that states it.
    same_text: dict[str, list[Claim]] = defaultdict(list)
    for claim in active:
        same_text[claim.key].append(claim)
    for group in same_text.values():
        first, seen_docs = group[0], {group[0].doc}
        for other in group[1:]:
            if other.doc not in seen_docs:
                seen_docs.add(other.doc)
                scores[(first.index, other.index)] = score(first, other)
    for claim in active:
        shared_keys: Counter[int] = Counter()
        for key in keys_of[claim.index]:
            shared_keys.update(postings[key])
        ranked = [other for other, _ in shared_keys.most_common(2 * MAX_CANDIDATES)
                  if claims[other].doc != claim.doc][:MAX_CANDIDATES]
        for other_index in ranked:
            pair = (claim.index, other_index) if claim.index < other_index else (other_index, claim.index)
            if pair not in scores:
                scores[pair] = score(claims[pair[0]], claims[pair[1]])
    return scores


def claim_score(a: Claim, b: Claim, count_topic: bool = False) -> float:
    """How surely two claims say the same thing: IDF-weighted overlap, near-identical words, evidence.

    Shared words that are the story's topic do not count towards the two words a pair needs to keep its
    full score, unless count_topic."""
    shared = a.stems & b.stems
    weight = sum(a.weights[s] for s in shared)
    # Near-identical words only matter for pairs already close: skip the fuzzy pass for the rest.
    if 2 * weight / (a.total + b.total) >= FUZZY_FLOOR:
        weight += _fuzzy_weight(a, b, shared)
    if weight <= 0:
        return 0.0
    dice = 2 * weight / (a.total + b.total)
    containment = weight / min(a.total, b.total)
    score = DICE_SHARE * dice + (1 - DICE_SHARE) * containment
    telling = shared if count_topic else shared - a.topic_stems  # not the story's own topic words
    if len(telling) <= 1 and not a.name_stems & b.name_stems & telling and not a.numbers & b.numbers:
        score *= SINGLE_WORD_SHARE  # one word in common besides the topic is a coincidence more often than a claim
    if a.numbers & b.numbers:
        score += NUMBER_BONUS
    elif a.amounts and b.amounts:
        score -= AMOUNT_CONFLICT  # both state figures, none the same: more likely two facts than one
    if a.quote_stems and b.quote_stems:
        overlap = len(a.quote_stems & b.quote_stems) / min(len(a.quote_stems), len(b.quote_stems))
        if overlap >= 0.5:
            score += QUOTE_BONUS * overlap
    return score


def _fuzzy_weight(a: Claim, b: Claim, shared: frozenset[str]) -> float:
    """Weight earned by words of a that are near-identical to words of b ("sebastien" / "sebastian")."""
    only_a = [s for s in a.stems - shared if len(s) >= 5 and s.isalpha()]
    only_b = [s for s in b.stems - shared if len(s) >= 5 and s.isalpha()]
    weight = 0.0
    if only_a and only_b:
        for stem in only_a:
            found = process.extractOne(stem, only_b, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD_RATIO)
            if found:
                weight += FUZZY_WORD_CREDIT * min(a.weights[stem], b.weights[found[0]])
    return weight


def _one_to_one(claims: list[Claim], scores: dict[tuple[int, int], float], weak_floor: float,
                accept_score: float) -> list[tuple[float, int, int]]:
    """Pairs of claims, at most one per claim and other source, best first: every pair that is each
    other's best match between their two sources and clears weak_floor (mutual best), and, for a claim
    whose best match was taken by a better pair, its next best that clears accept_score (second choice)."""
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for (a, b), score in scores.items():
        if score < weak_floor:
            continue
        for mine, other in ((a, b), (b, a)):
            slot = (mine, claims[other].doc)
            if slot not in best or score > best[slot][0]:
                best[slot] = (score, other)
    def has_mutual_best(mine: int, other_doc: int) -> bool:
        found = best.get((mine, other_doc))
        return found is not None and best[(found[1], claims[mine].doc)][1] == mine

    accepted = []
    for (a, b), score in scores.items():
        if score >= weak_floor and best[(a, claims[b].doc)][1] == b and best[(b, claims[a].doc)][1] == a:
            accepted.append((score, a, b))
    # Second choices, greedily by score: only claims without a mutual best in that source can have one
    # (a mutual best outscores every other pair of its two claims), which keeps this list short.
    second = sorted(((score, a, b) for (a, b), score in scores.items()
                     if score >= accept_score and not has_mutual_best(a, claims[b].doc)
                     and not has_mutual_best(b, claims[a].doc)),
                    key=lambda item: (-item[0], item[1], item[2]))
    taken: set[tuple[int, int]] = set()
    for score, a, b in second:
        slot_a, slot_b = (a, claims[b].doc), (b, claims[a].doc)
        if slot_a not in taken and slot_b not in taken:
            taken.update((slot_a, slot_b))
            accepted.append((score, a, b))
    accepted.sort(key=lambda item: (-item[0], item[1], item[2]))
    return accepted


def _build_alignment(docs: Sequence[SourceText], claims: list[Claim], by_doc: list[list[Claim]],
                     accepted: list[tuple[float, int, int]], accept_score: float, pair_score: PairScore) -> Alignment:
    parent = {claim.index: claim.index for claim in claims if claim.canonical < 0}
    docs_in: dict[int, set[int]] = {index: {claims[index].doc} for index in parent}
    members_of: dict[int, list[int]] = {index: [index] for index in parent}
    best_score: dict[int, float] = defaultdict(float)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    weak = [item for item in accepted if item[0] < accept_score]
    accepted = [item for item in accepted if item[0] >= accept_score]
    for score, a, b in accepted:
        root_a, root_b = find(a), find(b)
        if root_a == root_b:
            best_score[a] = max(best_score[a], score)
            best_score[b] = max(best_score[b], score)
            continue
        if docs_in[root_a] & docs_in[root_b]:
            continue  # would put two passages of one source in one cluster
        if not _coherent(claims, members_of[root_a], members_of[root_b], COHERENCE * accept_score,
                         CORROBORATED * accept_score, pair_score):
            continue  # a chain through one shared word, not one claim
        if len(members_of[root_a]) < len(members_of[root_b]):
            root_a, root_b = root_b, root_a  # merge the smaller cluster into the larger: linear overall
        parent[root_b] = root_a
        docs_in[root_a] |= docs_in.pop(root_b)
        members_of[root_a].extend(members_of.pop(root_b))
        best_score[a] = max(best_score[a], score)
        best_score[b] = max(best_score[b], score)

    # Corroboration: a passage with weaker mutual-best links to members of several sources of one cluster
    # joins it (repeated until nothing joins, so a passage that joined can corroborate the next).
    links: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for score, a, b in weak:
        links[a].append((score, b))
        links[b].append((score, a))
    floor = CORROBORATED * accept_score
    changed = bool(links)
    while changed:
        changed = False
        for x in sorted(links):
            if len(members_of.get(find(x), ())) != 1:
                continue
            support: dict[int, list[tuple[float, int]]] = defaultdict(list)
            for score, y in links[x]:
                root = find(y)
                if len(members_of[root]) > 1 and claims[x].doc not in docs_in[root]:
                    support[root].append((score, y))
            for root, found in sorted(support.items(), key=lambda item: -sum(s for s, _ in item[1])):
                if len({claims[y].doc for _, y in found}) < CORROBORATION or \
                        not _coherent(claims, [x], members_of[root], floor, 0.0, pair_score):
                    continue
                root_x = find(x)
                parent[root_x] = root
                docs_in[root] |= docs_in.pop(root_x)
                members_of[root].extend(members_of.pop(root_x))
                for score, y in found:
                    best_score[x] = max(best_score[x], score)
                    best_score[y] = max(best_score[y], score)
                changed = True
                break

    repeats_of: dict[int, list[Claim]] = defaultdict(list)
    for claim in claims:
        if claim.canonical >= 0:
            repeats_of[claim.canonical].append(claim)
    groups: dict[int, list[Claim]] = defaultdict(list)
    for index in parent:
        groups[find(index)].append(claims[index])
    ordered = sorted((sorted(g, key=lambda c: (c.doc, c.start)) for g in groups.values() if len(g) > 1),
                     key=lambda g: (g[0].doc, g[0].start))
    texts = {doc.source_id: doc.text for doc in docs}
    clusters: list[Cluster] = []
    clustered: set[int] = set()
    for number, group in enumerate(ordered, 1):
        members: list[Member] = []
        for claim in group:
            doc = docs[claim.doc]
            repeated = repeats_of.get(claim.index, [])
            for item in [claim, *repeated]:
                clustered.add(item.index)
                members.append(Member(doc.source_id, doc.path, item.start, item.end, doc.text[item.start:item.end],
                                      round(best_score[claim.index], 3), repeat=bool(repeated)))
        reference = members[0]
        differences = tuple(
            Difference(0, index, tuple(word_differences(texts[reference.source_id], reference.start, reference.end,
                                                        texts[member.source_id], member.start, member.end)))
            for index, member in enumerate(members[1:], 1))
        clusters.append(Cluster(number, tuple(members), differences))

    unique: dict[Hashable, list[Span]] = {}
    for doc, mine in zip(docs, by_doc):
        spans: list[Span] = []
        last_sentence = -1
        for claim in mine:
            if claim.index in clustered or claim.canonical >= 0 and claim.canonical in clustered:
                last_sentence = -1
                continue
            if spans and last_sentence == claim.sentence:
                spans[-1] = (spans[-1][0], claim.end)  # run of unaligned clauses of one sentence
            else:
                spans.append((claim.start, claim.end))
            last_sentence = claim.sentence
        unique[doc.source_id] = spans
    repeats = {doc.source_id: _repeat_runs(doc, mine, claims) for doc, mine in zip(docs, by_doc)}
    return Alignment(clusters, unique, repeats)


def _coherent(claims: list[Claim], group_a: list[int], group_b: list[int], floor: float, weakest: float,
              score: PairScore) -> bool:
    """Whether two clusters about to merge are about one claim: their passages score, on average, at
    least floor against each other, and no pair below weakest (a sample of at most COHERENCE_SAMPLE from
    each side): a passage that matches one member well and another not at all is about something else."""
    if len(group_a) == 1 and len(group_b) == 1:
        return True
    sample_a, sample_b = group_a[:COHERENCE_SAMPLE], group_b[:COHERENCE_SAMPLE]
    scores = [score(claims[a], claims[b]) for a in sample_a for b in sample_b]
    return sum(scores) / len(scores) >= floor and min(scores) >= weakest


def _repeat_runs(doc: SourceText, mine: list[Claim], claims: list[Claim]) -> list[Repeat]:
    """Repeated claims, merged into runs where consecutive claims repeat consecutive claims (paragraphs)."""
    position = {claim.index: order for order, claim in enumerate(mine)}
    runs: list[list[tuple[Claim, Claim]]] = []
    for claim in mine:
        if claim.canonical < 0:
            continue
        first = claims[claim.canonical]
        if runs:
            last_again, last_first = runs[-1][-1][1], runs[-1][-1][0]
            if position[claim.index] == position[last_again.index] + 1 and \
                    position[first.index] == position[last_first.index] + 1:
                runs[-1].append((first, claim))
                continue
        runs.append([(first, claim)])
    repeats = []
    for run in runs:
        first_span = (run[0][0].start, run[-1][0].end)
        again_span = (run[0][1].start, run[-1][1].end)
        repeats.append(Repeat(doc.source_id, doc.path, first_span, again_span, doc.text[again_span[0]:again_span[1]]))
    return repeats


# --- word-level differences -----------------------------------------------------------------------------


def word_differences(text_a: str, start_a: int, end_a: int,
                     text_b: str, start_b: int, end_b: int) -> list[WordChange]:
    """The words that differ between text_a[start_a:end_a] and text_b[start_b:end_b], with offsets into each.

    Words are compared case-, accent- and apostrophe-blind. A change is emphasised as "number" when it
    touches a number or sits right next to one ("an estimated $13" / "over $13"), "name" when it changes a
    capitalised word that is not a plain word opening the sentence, "quote" when it is inside quotation marks.
    """
    words_a = word_spans(text_a, start_a, end_a)
    words_b = word_spans(text_b, start_b, end_b)
    keys_a = [fold_word(text_a[s:e]) for s, e in words_a]
    keys_b = [fold_word(text_b[s:e]) for s, e in words_b]
    quotes_a, quotes_b = quotation_spans(text_a[start_a:end_a]), quotation_spans(text_b[start_b:end_b])
    changes = []
    matcher = SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        a_span = (words_a[i1][0], words_a[i2 - 1][1]) if i2 > i1 else _gap(words_a, i1, start_a)
        b_span = (words_b[j1][0], words_b[j2 - 1][1]) if j2 > j1 else _gap(words_b, j1, start_b)
        emphasis = []
        if _touches_number(text_a, words_a, i1, i2) or _touches_number(text_b, words_b, j1, j2):
            emphasis.append("number")
        if _has_name(text_a, words_a, i1, i2, start_a) or _has_name(text_b, words_b, j1, j2, start_b):
            emphasis.append("name")
        if _in_quotes(quotes_a, words_a, i1, i2, start_a) or _in_quotes(quotes_b, words_b, j1, j2, start_b):
            emphasis.append("quote")
        kind = {"replace": "replace", "delete": "delete", "insert": "insert"}[op]
        changes.append(WordChange(kind, a_span[0], a_span[1], text_a[a_span[0]:a_span[1]],
                                  b_span[0], b_span[1], text_b[b_span[0]:b_span[1]], tuple(emphasis)))
    return changes


def _gap(words: list[Span], index: int, start: int) -> Span:
    """The empty span where words would be inserted: after the previous word, or at the passage start."""
    offset = words[index - 1][1] if index > 0 else (words[0][0] if words else start)
    return (offset, offset)


def _touches_number(text: str, words: list[Span], i1: int, i2: int) -> bool:
    for index in range(max(0, i1 - (1 if i1 == i2 else 0)), min(len(words), i2 + 1)):
        s, e = words[index]
        if is_number_word(text[s:e]):
            if i1 <= index < i2 or index in (i1 - 1, i2):
                return True
    return False


def _has_name(text: str, words: list[Span], i1: int, i2: int, start: int) -> bool:
    for index in range(i1, i2):
        s, e = words[index]
        word = text[s:e]
        if not word[:1].isupper() or fold_word(word) in STOPWORDS:
            continue
        opens_sentence = index == 0 or s > 0 and text[max(0, s - 2):s].strip() in (".", "\u201c", '"')
        if not opens_sentence or not _occurs_lower_case(text, fold_word(word)):
            return True
    return False


def _occurs_lower_case(text: str, folded: str) -> bool:
    return folded in _lower_case_words(text)


@lru_cache(maxsize=256)
def _lower_case_words(text: str) -> frozenset[str]:
    """The words a text writes in lower case (a capitalised word that never appears so is a name)."""
    return frozenset(word for word in re.findall(r"\w+", text) if word.islower())


def _in_quotes(quotes: list[Span], words: list[Span], i1: int, i2: int, start: int) -> bool:
    for index in range(i1, i2):
        offset = words[index][0] - start
        if any(s <= offset < e for s, e in quotes):
            return True
    return False


# --- plain data for the command line and exports --------------------------------------------------------


def alignment_to_json(alignment: Alignment) -> dict:
    """Clusters (id, members, differences), unique passages and repeats as JSON-ready dicts."""
    return {
        "clusters": [cluster_to_json(cluster) for cluster in alignment.clusters],
        "unique": [{"source_id": source_id, "start": s, "end": e} for source_id, spans in alignment.unique.items()
                   for s, e in spans],
        "repeats": [{"source_id": r.source_id, "source_path": r.source_path, "first": list(r.first),
                     "again": list(r.again), "text": r.text}
                    for repeats in alignment.repeats.values() for r in repeats],
    }


def cluster_to_json(cluster: Cluster) -> dict:
    """One cluster as a dict: id, members {source_path, source_id, start, end, text, score}, differences."""
    return {
        "id": cluster.id,
        "members": [{"source_id": m.source_id, "source_path": m.source_path, "start": m.start, "end": m.end,
                     "text": m.text, "score": m.score, "repeat": m.repeat} for m in cluster.members],
        "differences": [
            {"reference": d.reference, "member": d.member, "numbers_differ": d.numbers_differ,
             "changes": [{"op": c.op, "a": {"start": c.a_start, "end": c.a_end, "text": c.a_text},
                          "b": {"start": c.b_start, "end": c.b_end, "text": c.b_text},
                          "emphasis": list(c.emphasis)} for c in d.changes]}
            for d in cluster.differences],
    }


def iter_claim_sets(alignment: Alignment) -> Iterable[tuple[int, Member, Member]]:
    """Every cross-source pair of members of every cluster: (cluster id, member a, member b)."""
    for cluster in alignment.clusters:
        for i, a in enumerate(cluster.members):
            for b in cluster.members[i + 1:]:
                if a.source_id != b.source_id:
                    yield cluster.id, a, b
