"""Suggestions a fact-checker can judge: the ranked counterparts of a passage with their evidence, a
confidence on every aligned pair, and the user's own decisions applied to an alignment (a user's link
always wins; a rejected pair is never suggested again; weak suggestions are drawn only on request).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, replace

from reader.align import tuning
from reader.align.clauses import Clause, ClauseSet
from reader.align.differences import word_differences
from reader.align.figures import Figure, figure_keys, figures, of_one_kind
from reader.align.learn import DEFAULT_MODEL, PairContext, PairModel, pair_features
from reader.align.regroup import regroup, without_spans
from reader.align.related import related_pairs
from reader.align.result import Alignment, Cluster, Difference, Member
from reader.align.scoring import claim_score
from reader.align.short_passages import short_clauses
from reader.align.words import content_stems, fold_word, occurs_lower_case, quotation_spans
from reader.model import SuggestionStatus
from reader.text import word_spans

SpanRef = tuple[Hashable, int, int]  # (source id, start, end)
RejectedPair = tuple[SpanRef, SpanRef]
LinkedSpan = tuple[Hashable, int, int, str]  # (source id, start, end, link kind)


@dataclass(frozen=True)
class Evidence:
    """Why a pair is suggested, in the words of the texts: figures, names, quotations, rare words."""

    shared_figures: tuple[str, ...] = ()
    figures_a: tuple[str, ...] = ()  # figures a states that b does not (side by side with figures_b)
    figures_b: tuple[str, ...] = ()
    shared_names: tuple[str, ...] = ()
    shared_quote: tuple[str, ...] = ()
    shared_words: tuple[str, ...] = ()
    related_words: tuple[tuple[str, str], ...] = ()  # (word of a, word of b) WordNet relates: "rival" / "competitor"
    event_clash: bool = False  # opposite events ("joins" / "leaves") about the same names
    confirmed_elsewhere: bool = False  # the user confirmed b as the counterpart of another passage of a's source
    # of figures_a and figures_b, those that measure what one of the other side does (figures.of_one_kind)
    differing: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    @property
    def differs(self) -> bool:
        """Both state figures of one kind the other does not: one claim whose figures differ (or two facts)."""
        return bool(self.differing[0] and self.differing[1])

    def side_by_side(self) -> str:
        """The figures that differ, of one kind: '2014 | 10 years'."""
        return f"{', '.join(self.differing[0])} | {', '.join(self.differing[1])}"

    def describe(self) -> str:
        """One line: 'differs: 2014 | 10 years; same figure: $13 billion; names: Bubeck; words: tenure'. A pair
        confirmed for another passage says so first: the line is cut to a narrow list's width."""
        parts = []
        if self.confirmed_elsewhere:
            parts.append("already confirmed for another passage")
        if self.differs:
            parts.append(f"differs: {self.side_by_side()}")
        if self.shared_figures:
            parts.append(f"same figure: {', '.join(self.shared_figures)}")
        if self.shared_quote:
            parts.append(f"quotes: {' '.join(self.shared_quote)}")
        if self.shared_names:
            parts.append(f"names: {', '.join(self.shared_names)}")
        said = set(self.shared_figures) | set(self.shared_names)
        words = [word for word in self.shared_words if word not in said]  # '2021' once, as the figure
        if words:
            parts.append(f"words: {', '.join(words)}")
        if self.related_words:
            parts.append(f"related: {', '.join(f'{x} ~ {y}' for x, y in self.related_words)}")
        if self.event_clash:
            parts.append("opposite events")
        return "; ".join(parts) or "no shared evidence"

    def to_json(self) -> dict:
        return {
            "differs": self.differs,
            "shared_figures": list(self.shared_figures),
            "figures": {"a": list(self.figures_a), "b": list(self.figures_b)},
            "shared_names": list(self.shared_names),
            "shared_quote": list(self.shared_quote),
            "shared_words": list(self.shared_words),
            "related_words": [list(pair) for pair in self.related_words],
            "event_clash": self.event_clash,
            "confirmed_elsewhere": self.confirmed_elsewhere,
        }


@dataclass(frozen=True)
class Candidate:
    """A passage of another source that may state the same claim, with its score, confidence and evidence."""

    source_id: Hashable
    source_path: str
    start: int
    end: int
    text: str
    score: float
    confidence: float
    evidence: Evidence

    def to_json(self) -> dict:
        return {
            "source_id": self.source_id,
            "source_path": self.source_path,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "score": round(self.score, 3),
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence.to_json(),
        }


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int, share: float | None = None) -> bool:
    """Whether two spans of one text are the same passage: they share `share` of the shorter one."""
    share = tuning.SAME_SPAN_OVERLAP if share is None else share
    shared = min(a_end, b_end) - max(a_start, b_start)
    return shared > 0 and shared >= share * min(a_end - a_start, b_end - b_start)


# --- clauses for any span ----------------------------------------------------------------------------


def span_clause(clause_set: ClauseSet, doc: int, start: int, end: int) -> Clause:
    """A clause for text[start:end] of docs[doc] weighed like the set's own (a selection, a heading, an
    annotation that is not one of the aligner's clauses)."""
    text = clause_set.docs[doc].text
    n = clause_set.weighing.claims or len(clause_set.claims) or 1  # a subset's words weigh as in its whole set
    df = clause_set.df
    quotes = quotation_spans(text[start:end])
    stems: set[str] = set()
    names: set[str] = set()
    quoted: set[str] = set()
    for w_start, w_end in word_spans(text, start, end):
        word = text[w_start:w_end]
        found = content_stems(word)
        stems.update(found)
        if word[:1].isupper() and not occurs_lower_case(text, fold_word(word)):
            names.update(found)
        if found and any(s <= w_start - start < e for s, e in quotes):
            quoted.update(found)
    weights = {stem: math.log(1 + n / max(1, df.get(stem, 0))) for stem in stems}
    topic = frozenset(
        stem
        for stem in stems
        if df.get(stem, 0) > tuning.TOPIC_SHARE * n and df.get(stem, 0) >= tuning.MIN_TOPIC_CLAIMS
    )
    keys = figure_keys(text, start, end)
    clause = Clause(
        -1,
        doc,
        start,
        end,
        -1,
        stems=frozenset(stems),
        position=start / max(1, len(text)),
    )
    clause.weights, clause.total, clause.topic_stems = weights, sum(weights.values()), topic
    clause.numbers, clause.quote_stems, clause.name_stems = keys, frozenset(quoted), frozenset(names)
    clause.amounts = any(sum(ch.isdigit() for ch in key.split("|")[0]) > 1 for key in keys if "|label:" not in key)
    return clause


def query_clauses(clause_set: ClauseSet, doc: int, start: int, end: int) -> list[Clause]:
    """The set's clauses inside or across text[start:end] of docs[doc]; a clause of its own if none."""
    inside = [c for c in clause_set.by_doc[doc] if c.start < end and c.end > start]
    return inside or [span_clause(clause_set, doc, start, end)]


def passage_features(
    clause_set: ClauseSet, a: tuple[int, int, int], b: tuple[int, int, int], model: PairModel | None = None
) -> list[float]:
    """The pair model's features of two passages, (doc, start, end) each, as a decision records them: those
    of their best pair of clauses, with the clauses around them (and the model's embeddings, if any)."""
    judge = model if model is not None and model.context is not None else None
    judge = judge or PairModel(DEFAULT_MODEL.weights, context=PairContext.of(clause_set))
    return max(
        (judge.features(x, y) for x in query_clauses(clause_set, *a) for y in query_clauses(clause_set, *b)),
        key=lambda f: f[0],
    )


# --- evidence and ranking ----------------------------------------------------------------------------


def evidence(clause_set: ClauseSet, a: Clause, b: Clause) -> Evidence:
    """The evidence on a pair, in each text's own words."""
    text_a, text_b = clause_set.docs[a.doc].text, clause_set.docs[b.doc].text
    figures_a, figures_b = _figures(text_a, a), _figures(text_b, b)
    keys_b = {f.key for f in figures_b}
    keys_a = {f.key for f in figures_a}
    shared = a.stems & b.stems
    telling = shared - a.topic_stems - b.topic_stems
    words = _words_for(text_a, a, shared)
    rare = sorted(telling - a.name_stems, key=lambda stem: -a.weights.get(stem, 0.0))
    features = pair_features(a, b)
    words_b = _words_for(text_b, b, b.stems - a.stems)
    unshared = _words_for(text_a, a, a.stems - b.stems)
    related = tuple(
        dict.fromkeys((unshared[x], words_b[y]) for x, y in related_pairs(a, b) if x in unshared and y in words_b)
    )[:3]
    # a name with a number in it ("Phi-3") is a shared name, not a figure
    shared_labels = tuple(dict.fromkeys(f.text for f in figures_a if f.key in keys_b and f.kind.startswith("label")))
    names = tuple(dict.fromkeys(words[s] for s in sorted(a.name_stems & b.name_stems & shared) if s in words))
    only_a = [f for f in figures_a if f.key not in keys_b and not f.kind.startswith("label")]
    only_b = [f for f in figures_b if f.key not in keys_a and not f.kind.startswith("label")]
    alike_a, alike_b = of_one_kind(only_a, only_b)
    return Evidence(
        shared_figures=tuple(
            _same_figure(f, figures_b) for f in figures_a if f.key in keys_b and not f.kind.startswith("label")
        ),
        figures_a=tuple(f.text for f in only_a),
        figures_b=tuple(f.text for f in only_b),
        shared_names=tuple(dict.fromkeys(shared_labels + names)),
        shared_quote=tuple(dict.fromkeys(words[s] for s in sorted(a.quote_stems & b.quote_stems) if s in words)),
        # several stems can come from one word ("cost-efficient"): name each word once
        shared_words=tuple(dict.fromkeys(words[s] for s in rare if s in words))[:3],
        related_words=related,
        event_clash=bool(features[8]),
        differing=(tuple(f.text for f in alike_a), tuple(f.text for f in alike_b)),
    )


def _same_figure(figure: Figure, others: list[Figure]) -> str:
    """ "$13 billion", or "10 years = a decade" when the other side writes the figure differently."""
    other = next(f for f in others if f.key == figure.key)
    same = " ".join(figure.text.split()).casefold() == " ".join(other.text.split()).casefold()
    return figure.text if same else f"{figure.text} = {other.text}"


def _figures(text: str, clause: Clause) -> list[Figure]:
    return figures(text, clause.start, clause.end) if clause.numbers else []


def _words_for(text: str, clause: Clause, stems: frozenset[str]) -> dict[str, str]:
    """The first word of the clause that gives each stem."""
    words: dict[str, str] = {}
    for w_start, w_end in word_spans(text, clause.start, clause.end):
        for stem in content_stems(text[w_start:w_end]):
            if stem in stems and stem not in words:
                words[stem] = text[w_start:w_end].strip("\"'\u201c\u201d\u2019")
    return words


def rank_counterparts(
    clause_set: ClauseSet,
    source_id: Hashable,
    start: int,
    end: int,
    model: PairModel = DEFAULT_MODEL,
    top: int = tuning.TOP_CANDIDATES,
    rejected: Iterable[RejectedPair] = (),
) -> dict[Hashable, list[Candidate]]:
    """For each other source of the set, the top passages that may state what text[start:end] of source_id
    states, most confident first; pairs the user rejected are left out."""
    doc_of = {doc.source_id: index for index, doc in enumerate(clause_set.docs)}
    if source_id not in doc_of:
        raise KeyError(source_id)
    mine = query_clauses(clause_set, doc_of[source_id], start, end)
    if len(mine) > 1 or (mine[0].start, mine[0].end) != (start, end):
        # a passage that is not one clause (a headline, a selection, two clauses) is also judged as a whole
        mine.append(span_clause(clause_set, doc_of[source_id], start, end))
    if model.context is None:
        model = model.within(PairContext.of(clause_set))
    around = model.context
    if around is not None and around.vectors is not None and around.embed_query is not None:
        own = mine[0] if len(mine) == 1 and mine[0].index >= 0 else None  # the passage is one of the set's claims
        if own is not None and len(around.vectors) == len(clause_set.claims):
            query = around.vectors[own.index]  # embedded with the set already: the same text, the same vector
        else:
            query = around.embed_query(clause_set.docs[doc_of[source_id]].text[start:end])
        model = model.within(replace(around, query=query))
    refused = [pair for pair in rejected]
    # sentences too short to be a claim are offered with embeddings only: their cosine judges what they say (by
    # their words alone, one shared word made "However, they have not yet come to this conclusion." a counterpart)
    embedded = model.context is not None and model.context.passages is not None
    ranked: dict[Hashable, list[Candidate]] = {}
    for index, doc in enumerate(clause_set.docs):
        if doc.source_id == source_id:
            continue
        found: list[tuple[float, float, Clause, Clause]] = []
        shorts = short_clauses(clause_set, index, span_clause) if embedded else []
        for other in [*clause_set.by_doc[index], *shorts]:
            if other.canonical >= 0 or _is_rejected(
                refused, (source_id, start, end), (doc.source_id, other.start, other.end)
            ):
                continue
            best = max(
                ((model.judge(query, other), claim_score(query, other), query) for query in mine),
                key=lambda item: (item[0], item[1]),
            )
            found.append((best[0], best[1], best[2], other))
        found.sort(key=lambda item: (-item[0], -item[1], item[3].start))
        ranked[doc.source_id] = [
            Candidate(
                doc.source_id,
                doc.path,
                other.start,
                other.end,
                doc.text[other.start : other.end],
                score,
                confidence,
                replace(
                    evidence(clause_set, query, other),
                    confirmed_elsewhere=bool(
                        model.known.taken((source_id, start, end), (doc.source_id, other.start, other.end))
                    ),
                ),
            )
            for confidence, score, query, other in found[:top]
        ]
    return ranked


def _is_rejected(rejected: Sequence[RejectedPair], a: SpanRef, b: SpanRef) -> bool:
    for first, second in rejected:
        for x, y in ((first, second), (second, first)):
            if x[0] == a[0] and y[0] == b[0] and overlaps(x[1], x[2], a[1], a[2]) and overlaps(y[1], y[2], b[1], b[2]):
                return True
    return False


# --- an alignment judged: confidence, the user's links and rejections ------------------------------------


def assess(
    alignment: Alignment,
    clause_set: ClauseSet,
    model: PairModel = DEFAULT_MODEL,
    linked: Iterable[Sequence[LinkedSpan]] = (),
    rejected: Iterable[RejectedPair] = (),
    backend: str = "lexical",
) -> Alignment:
    """The alignment as a fact-checker sees it: every member with the confidence of its best pair in its
    cluster; pairs the user rejected taken apart; passages the user linked by hand (groups of linked spans)
    as confirmed clusters, which take those passages out of any suggested cluster. backend: whose regrouping
    constants (reader.align.regroup.Rules)."""
    if model.context is None:
        model = model.within(PairContext.of(clause_set))
    docs = {doc.source_id: doc for doc in clause_set.docs}
    doc_index = {doc.source_id: index for index, doc in enumerate(clause_set.docs)}
    refused = list(rejected)
    groups = [[span for span in group if span[0] in docs and span[2] > span[1]] for group in linked]
    groups = [group for group in groups if len({span[0] for span in group}) > 1]
    confirmed_spans = [span for group in groups for span in group]

    def clause_of(member: Member) -> Clause:
        doc = doc_index[member.source_id]
        found = clause_set.claim_at(doc, member.start, member.end)
        return found or span_clause(clause_set, doc, member.start, member.end)

    def judge(a: Clause, b: Clause) -> float:
        return model.judge(a, b)

    linked_in: dict[Hashable, list[tuple[int, int, int]]] = {}  # source id -> (start, end, group number)
    for number, group in enumerate(groups):
        for span in group:
            linked_in.setdefault(span[0], []).append((span[1], span[2], number))

    def group_of(member: Member, share: float | None = None) -> int | None:
        """The confirmed group holding the member's passage (share: how much of the longer the two share)."""
        return next(
            (
                number
                for start, end, number in linked_in.get(member.source_id, ())
                if overlaps(start, end, member.start, member.end)
                and (share is None or _shared(start, end, member.start, member.end) >= share)
            ),
            None,
        )

    confirmed: list[list[Member]] = [
        [
            Member(
                source_id,
                docs[source_id].path,
                start,
                end,
                docs[source_id].text[start:end],
                1.0,
                status=SuggestionStatus.CONFIRMED,
                confidence=1.0,
                link_kind=kind,
            )
            for source_id, start, end, kind in sorted(group, key=lambda s: (doc_index[s[0]], s[1]))
        ]
        for group in groups
    ]
    joining: dict[int, list[Member]] = {}  # confirmed group -> suggested members of other sources that join it
    alone: list[Member] = []  # members of a cluster that joined a link, left with no other source: unique
    kept: list[list[Member]] = []
    for cluster in alignment.clusters:
        # the cluster's claim is the link's only when a member is the linked passage itself, not a sentence that
        # also holds it (a sentence of two claims: "put the damage at $4.5 million and promised to reopen")
        linked_to = (
            [n for m in cluster.members if (n := group_of(m, tuning.JOIN_OVERLAP)) is not None] if groups else []
        )
        members = [m for m in cluster.members if not groups or group_of(m) is None]
        members = _without_rejected(members, refused, clause_of, judge)
        if linked_to:
            # A passage the user linked keeps the other sources' suggestions for its claim (a link wins over
            # a suggestion of the same source, not over another source's): they join the confirmed group.
            joined, members = _joining(confirmed[linked_to[0]], joining.get(linked_to[0], []), members, refused)
            joining.setdefault(linked_to[0], []).extend(joined)
            if len({m.source_id for m in members}) == 1:
                alone.extend(members)
        if len({m.source_id for m in members}) > 1:
            kept.append(members)
    # the suggested members that joined a link are taken, as the linked passages are: regroup moves neither
    taken_spans = confirmed_spans + [(m.source_id, m.start, m.end, "") for js in joining.values() for m in js]
    kept, added, dropped = regroup(
        kept,
        clause_set,
        clause_of,
        judge,
        lambda a, b: not _is_rejected(refused, (a.source_id, a.start, a.end), (b.source_id, b.start, b.end)),
        lambda c: any(
            s[0] == clause_set.docs[c.doc].source_id and overlaps(s[1], s[2], c.start, c.end) for s in taken_spans
        ),
        backend,
    )
    suggested = [_with_confidence(members, clause_of, judge) for members in kept]
    for number, joined in joining.items():
        confirmed[number] = confirmed[number] + _joined_confidence(confirmed[number], joined, clause_of, judge)
    unique = {
        source_id: [
            (s, e)
            for s, e in spans
            if not any(c[0] == source_id and overlaps(c[1], c[2], s, e) for c in confirmed_spans)
        ]
        if any(c[0] == source_id for c in confirmed_spans)
        else list(spans)  # no link in this source: every passage stays (a million-line source has a million)
        for source_id, spans in alignment.unique.items()
    }
    clustered = {(m.source_id, m.start, m.end) for group in kept for m in group}
    dropped = dropped + [m for m in alone if (m.source_id, m.start, m.end) not in clustered]
    for source_id in {m.source_id for m in added} | {m.source_id for m in dropped}:
        spans = without_spans(
            unique.get(source_id, []),
            docs[source_id].text,
            [(m.start, m.end) for m in added if m.source_id == source_id],
        )
        unique[source_id] = sorted(spans + [(m.start, m.end) for m in dropped if m.source_id == source_id])
    return _rebuild(confirmed + suggested, docs, doc_index, unique, alignment.repeats)


def _without_rejected(members: list[Member], refused: list[RejectedPair], clause_of, judge) -> list[Member]:
    """Take out of a cluster, for each rejected pair it holds, the member of the pair that agrees least with
    the rest."""
    if not refused:
        return members
    while True:
        pair = next(
            (
                (a, b)
                for i, a in enumerate(members)
                for b in members[i + 1 :]
                if a.source_id != b.source_id
                and _is_rejected(refused, (a.source_id, a.start, a.end), (b.source_id, b.start, b.end))
            ),
            None,
        )
        if pair is None:
            return members

        def support(member: Member, members: list[Member] = members) -> float:
            return sum(
                judge(clause_of(member), clause_of(other))
                for other in members
                if other is not member and other.source_id != member.source_id
            )

        drop = min(pair, key=support)
        members = [m for m in members if m is not drop]


def _shared(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    """The share of the longer of two spans that both cover."""
    return max(0, min(a_end, b_end) - max(a_start, b_start)) / max(1, a_end - a_start, b_end - b_start)


def _joining(
    group: list[Member], joined: list[Member], members: list[Member], refused: list[RejectedPair]
) -> tuple[list[Member], list[Member]]:
    """Which of a suggested cluster's members join a confirmed group (one per source the group and those
    already joined lack, none the user rejected with a member of the group), and the members left."""
    sources = {m.source_id for m in group} | {m.source_id for m in joined}
    joining, left = [], []
    for member in members:
        ref = (member.source_id, member.start, member.end)
        if member.source_id in sources or any(_is_rejected(refused, ref, (m.source_id, m.start, m.end)) for m in group):
            left.append(member)
            continue
        sources.add(member.source_id)
        joining.append(member)
    return joining, left


def _joined_confidence(group: list[Member], joined: list[Member], clause_of, judge) -> list[Member]:
    """Suggested members that joined a confirmed group, each with the confidence of its best pair there."""
    everyone = group + joined
    return [
        replace(
            member,
            confidence=round(
                max(
                    (judge(clause_of(member), clause_of(o)) for o in everyone if o.source_id != member.source_id),
                    default=0.0,
                ),
                3,
            ),
        )
        for member in joined
    ]


def _with_confidence(members: list[Member], clause_of, judge) -> list[Member]:
    clauses = [clause_of(m) for m in members]
    result = []
    for i, member in enumerate(members):
        best = max(
            (judge(clauses[i], clauses[j]) for j, other in enumerate(members) if other.source_id != member.source_id),
            default=0.0,
        )
        result.append(replace(member, confidence=round(best, 3)))
    return result


def _rebuild(groups: list[list[Member]], docs: dict, doc_index: dict, unique, repeats) -> Alignment:
    ordered = sorted(
        (sorted(g, key=lambda m: (doc_index[m.source_id], m.start)) for g in groups),
        key=lambda g: (doc_index[g[0].source_id], g[0].start),
    )
    clusters = []
    for number, members in enumerate(ordered, 1):
        reference = members[0]
        text_ref = docs[reference.source_id].text
        differences = tuple(
            Difference(
                0,
                index,
                tuple(
                    word_differences(
                        text_ref, reference.start, reference.end, docs[member.source_id].text, member.start, member.end
                    )
                ),
            )
            for index, member in enumerate(members[1:], 1)
        )
        clusters.append(Cluster(number, tuple(members), differences))
    return Alignment(clusters, dict(unique), dict(repeats))


def drawn(alignment: Alignment, docs: Sequence, threshold: float | None = None) -> Alignment:
    """What the views draw by default: confirmed members and suggestions at least `threshold` confident
    (tuning.DRAW_CONFIDENCE); a cluster left with one source is not drawn. docs (SourceText, in pane order)
    give the texts for the differences."""
    threshold = tuning.DRAW_CONFIDENCE if threshold is None else threshold
    kept: list[list[Member]] = []
    for cluster in alignment.clusters:
        members = [
            m
            for m in cluster.members
            if m.status == SuggestionStatus.CONFIRMED or m.confidence is None or m.confidence >= threshold
        ]
        if len({m.source_id for m in members}) > 1:
            kept.append(members)
    by_id = {doc.source_id: doc for doc in docs}
    order = {doc.source_id: index for index, doc in enumerate(docs)}
    return _rebuild(kept, by_id, order, alignment.unique, alignment.repeats)


def within(alignment: Alignment, docs: Sequence) -> Alignment:
    """The alignment as seen from some of its sources (docs, SourceText in pane order): each cluster's members
    of those sources, clusters left with one source dropped (their passages count as unique here: no
    counterpart in these sources), repeats of those sources. Aligning a whole (small) library once and
    looking at it through the open panes makes two sources align the same way whichever other panes are
    open."""
    wanted = {doc.source_id for doc in docs}
    unique = {source_id: list(spans) for source_id, spans in alignment.unique.items() if source_id in wanted}
    kept = []
    for cluster in alignment.clusters:
        members = [m for m in cluster.members if m.source_id in wanted]
        if len({m.source_id for m in members}) > 1:
            kept.append(members)
        else:
            for member in members:
                unique.setdefault(member.source_id, []).append((member.start, member.end))
    by_id = {doc.source_id: doc for doc in docs}
    order = {doc.source_id: index for index, doc in enumerate(docs)}
    repeats = {source_id: found for source_id, found in alignment.repeats.items() if source_id in wanted}
    return _rebuild(kept, by_id, order, {key: sorted(spans) for key, spans in unique.items()}, repeats)
