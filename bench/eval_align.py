"""Precision and recall of each alignment backend against the labelled claims of the bundled corpus.

    .venv/bin/python bench/eval_align.py [--verbose] [--backend lexical|semantic|all] [--tune]

The labels are tests/data/claim_pairs.toml (see its header for what counts). A labelled pair is found
when one cluster holds a member overlapping a passage of each side (overlap: at least half of the
shorter of the two spans). A predicted pair (two members of different sources in one cluster: a passage
a source repeats is judged once, not once per repetition) is judged when at least one member overlaps
a labelled passage: correct if both overlap passages of one claim,
ignored if the other is listed as related, wrong otherwise; a hard negative predicted is wrong.

The accept scores (reader.align.ACCEPT_SCORE, reader.align.semantic.SEMANTIC_ACCEPT) were chosen by
looking at these labels, so the plain figures are optimistic. --tune reports held-out figures: the
labelled claims (and hard negatives) are split in two folds by alternating id; the accept score that
maximises F1 on one fold is applied to the other, and the other way round; the held-out counts of both
folds are added up. Only the accept score is tuned this way; the other tunables were set by hand.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from reader.align import Alignment, SourceText, align_sources, iter_claim_sets, tuning  # noqa: E402
from reader.corpus import load_document  # noqa: E402
from reader.model import ReaderError  # noqa: E402
from reader.text import find_quote  # noqa: E402

LABELS = ROOT / "tests" / "data" / "claim_pairs.toml"
CORPUS = ROOT / "corpus"


@dataclass(frozen=True)
class Passage:
    source: str  # the file's three-digit prefix
    start: int
    end: int
    quote: str


def load_corpus(folder: Path = CORPUS) -> list[SourceText]:
    """The bundled sources as aligner input, keyed by file-name prefix ("000".."004")."""
    docs = []
    for path in sorted(folder.glob("*.txt")):
        docs.append(SourceText(path.name[:3], str(path), load_document(path).text))
    return docs


def load_labels(docs: list[SourceText], path: Path = LABELS) -> tuple[list[dict], list[tuple[list[Passage], list[Passage]]]]:
    """Claims as {id, passages, related} with every occurrence of every quote located, and hard negatives."""
    texts = {doc.source_id: doc.text for doc in docs}

    def locate(source: str, quote: str) -> list[Passage]:
        spans = find_quote(texts[source], quote)
        if not spans:
            raise SystemExit(f"label quote not found in {source}: {quote!r}")
        return [Passage(source, s, e, quote) for s, e in spans]

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    claims = []
    for claim in data["claim"]:
        claims.append({
            "id": claim["id"],
            "passages": [p for source, quote in claim["passages"] for p in locate(source, quote)],
            "related": [p for source, quote in claim.get("related", []) for p in locate(source, quote)],
        })
    negatives = [(locate(*n["a"]), locate(*n["b"])) for n in data.get("negative", [])]
    return claims, negatives


def overlaps(source: str, start: int, end: int, passage: Passage) -> bool:
    if source != passage.source:
        return False
    shared = min(end, passage.end) - max(start, passage.start)
    return shared > 0 and shared >= 0.5 * min(end - start, passage.end - passage.start)


def positive_pairs(claims: list[dict]) -> list[tuple[str, str, str]]:
    """(claim id, source a, source b) for every pair of sources a claim is labelled in."""
    pairs = []
    for claim in claims:
        sources = sorted({p.source for p in claim["passages"]})
        pairs.extend((claim["id"], a, b) for a, b in combinations(sources, 2))
    return pairs


def evaluate(alignment: Alignment, claims: list[dict], negatives, verbose: bool = False) -> dict:
    """Precision, recall and their counts; with verbose, print every miss and every wrong pair."""
    predicted = list(iter_claim_sets(alignment))
    found = 0
    expected = positive_pairs(claims)
    by_id = {claim["id"]: claim for claim in claims}
    for claim_id, source_a, source_b in expected:
        claim = by_id[claim_id]
        hit = False
        for _, a, b in predicted:
            for m1, m2 in ((a, b), (b, a)):
                if m1.source_id == source_a and m2.source_id == source_b and \
                        any(overlaps(m1.source_id, m1.start, m1.end, p) for p in claim["passages"]) and \
                        any(overlaps(m2.source_id, m2.start, m2.end, p) for p in claim["passages"]):
                    hit = True
        found += hit
        if verbose and not hit:
            print(f"  MISS {claim_id}: {source_a} <-> {source_b}")
    correct = wrong = 0
    # Every pair of passages of two sources in a cluster is drawn as the same claim, so each is judged. A
    # passage a source repeats word for word (near enough: what the aligner marks a repeat) sits in the
    # cluster beside its first statement; it is one statement, judged once. (Until the clusters could hold two
    # different passages of one source, judging the first member of each source was the same thing.)
    statement_pairs = []
    for cluster in alignment.clusters:
        statements: list = []
        for member in cluster.members:
            if not any(s.source_id == member.source_id and _same_statement(s.text, member.text) for s in statements):
                statements.append(member)
        statement_pairs.extend((cluster.id, a, b) for a, b in combinations(statements, 2) if a.source_id != b.source_id)
    for cluster_id, a, b in statement_pairs:
        def groups(member, key):
            return {c["id"] for c in claims if any(overlaps(member.source_id, member.start, member.end, p) for p in c[key])}
        labelled_a, labelled_b = groups(a, "passages"), groups(b, "passages")
        related_a, related_b = groups(a, "related"), groups(b, "related")
        negative = any(any(overlaps(a.source_id, a.start, a.end, p) for p in n1) and
                       any(overlaps(b.source_id, b.start, b.end, p) for p in n2) or
                       any(overlaps(b.source_id, b.start, b.end, p) for p in n1) and
                       any(overlaps(a.source_id, a.start, a.end, p) for p in n2) for n1, n2 in negatives)
        if labelled_a & labelled_b and not negative:
            correct += 1
        elif negative or (labelled_a or labelled_b) and not (labelled_a & related_b or labelled_b & related_a):
            wrong += 1
            if verbose:
                print(f"  WRONG cluster {cluster_id}: {a.source_id} {a.text[:70]!r}\n"
                      f"                   {b.source_id} {b.text[:70]!r}")
    judged = correct + wrong
    return {"precision": correct / judged if judged else 0.0, "recall": found / len(expected),
            "correct": correct, "judged": judged, "found": found, "expected": len(expected),
            "predicted": len(predicted)}


def _same_statement(a: str, b: str) -> bool:
    """Whether two passages of one source are one statement repeated (the aligner's near-repeat ratio)."""
    return fuzz.ratio(" ".join(a.casefold().split()), " ".join(b.casefold().split())) >= tuning.REPEAT_RATIO


def run_backend(name: str, docs: list[SourceText]) -> Alignment:
    if name == "lexical":
        return align_sources(docs)
    from reader.align.semantic import align_sources_semantic

    return align_sources_semantic(docs)


def aligner(name: str, docs: list[SourceText]):
    """A function accept_score -> Alignment for a backend, with the claims (and embeddings) made once."""
    from reader.align import ACCEPT_SCORE, align_claims, prepare_claims

    claim_set = prepare_claims(docs)
    if name == "lexical":
        return ACCEPT_SCORE, lambda accept: align_claims(claim_set, accept)
    from reader.align.semantic import SEMANTIC_ACCEPT, semantic_scoring

    score, pairs = semantic_scoring(claim_set)
    return SEMANTIC_ACCEPT, lambda accept: align_claims(claim_set, accept, score, pairs)


def split_folds(claims: list[dict], negatives: list) -> list[tuple[list[dict], list]]:
    """Two folds of the labels: claims sorted by id, alternately; hard negatives alternately."""
    ordered = sorted(claims, key=lambda claim: claim["id"])
    return [(ordered[0::2], negatives[0::2]), (ordered[1::2], negatives[1::2])]


def held_out(name: str, docs: list[SourceText], claims: list[dict], negatives) -> None:
    """Tune the accept score on one fold, measure on the other; print both folds and their sum."""
    default, align_at = aligner(name, docs)
    grid = [round(default * factor, 3) for factor in (0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15,
                                                      1.2, 1.3, 1.4, 1.5)]
    alignments = {accept: align_at(accept) for accept in grid}
    folds = split_folds(claims, negatives)
    totals = {"correct": 0, "judged": 0, "found": 0, "expected": 0}

    def f1(result: dict) -> float:
        p, r = result["precision"], result["recall"]
        return 2 * p * r / (p + r) if p + r else 0.0

    for index, (tune_claims, tune_negatives) in enumerate(folds):
        test_claims, test_negatives = folds[1 - index]
        best = max(grid, key=lambda accept: (f1(evaluate(alignments[accept], tune_claims, tune_negatives)),
                                             -abs(accept - default)))
        result = evaluate(alignments[best], test_claims, test_negatives)
        for key in totals:
            totals[key] += result[key]
        print(f"  {name:9} fold {index + 1}: accept {best} (tuned on the other fold)  held-out precision "
              f"{result['precision']:.2f} ({result['correct']}/{result['judged']})  recall {result['recall']:.2f} "
              f"({result['found']}/{result['expected']})")
    precision = totals["correct"] / totals["judged"] if totals["judged"] else 0.0
    print(f"{name:9} held-out precision {precision:.2f} ({totals['correct']}/{totals['judged']})  "
          f"recall {totals['found'] / totals['expected']:.2f} ({totals['found']}/{totals['expected']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", "-v", action="store_true", help="print misses and wrong pairs")
    parser.add_argument("--backend", default="all", choices=["lexical", "semantic", "all"])
    parser.add_argument("--tune", action="store_true",
                        help="also report held-out figures: accept score tuned on one half of the labels")
    args = parser.parse_args()
    docs = load_corpus()
    claims, negatives = load_labels(docs)
    print(f"labelled: {len(claims)} claims, {len(positive_pairs(claims))} cross-source pairs, "
          f"{len(negatives)} hard negatives")
    backends = ["lexical", "semantic"] if args.backend == "all" else [args.backend]
    for backend in backends:
        try:
            started = time.perf_counter()
            alignment = run_backend(backend, docs)
            elapsed = time.perf_counter() - started
        except (ImportError, ReaderError) as error:
            print(f"{backend:9} not available: {error}")
            continue
        result = evaluate(alignment, claims, negatives, args.verbose)
        print(f"{backend:9} precision {result['precision']:.2f} ({result['correct']}/{result['judged']} judged pairs)  "
              f"recall {result['recall']:.2f} ({result['found']}/{result['expected']})  "
              f"clusters {len(alignment.clusters)}  pairs {result['predicted']}  time {elapsed * 1000:.0f} ms")
        if args.tune:
            held_out(backend, docs, claims, negatives)


if __name__ == "__main__":
    main()
