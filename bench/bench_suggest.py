"""Suggestion benchmarks: ranking the counterparts of one passage across 4 open sources, refitting the pair
model on a database with 5,000 user decisions, and the judged alignment against the plain one.

    .venv/bin/python bench/bench_suggest.py

Goals (issue 10): ranking < 30 ms per passage (the comparison screen keeps the sources' clauses, so the
figure is the ranking alone; preparing the clauses once is printed beside it); refit < 300 ms with 5,000
decisions (reading them from the database included).
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.eval_align import load_corpus  # noqa: E402
from reader.align import align_sources, prepare_claims  # noqa: E402
from reader.align.learn import (  # noqa: E402
    DEFAULT_MODEL,
    FEATURES,
    ConfirmedPair,
    PairModel,
    UserPairs,
    stems_of,
)
from reader.align.suggest import rank_counterparts  # noqa: E402
from reader.text import sentence_spans  # noqa: E402


def ranking() -> None:
    docs = load_corpus()[:4]
    started = time.perf_counter()
    clause_set = prepare_claims(docs)
    prepare_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(3)
    passages = [(doc.source_id, s, e) for doc in docs for s, e in sentence_spans(doc.text)]
    chosen = rng.sample(passages, 60)
    rank_counterparts(clause_set, *chosen[0])  # warm the word caches, as a screen that has aligned has
    clauses = len(clause_set.claims)
    models = [("", DEFAULT_MODEL), (" knowing 2,500 confirmed pairs", _knowing(docs, 2500))]
    semantic = _semantic(clause_set)
    if semantic is not None:
        rank_counterparts(clause_set, *chosen[0], semantic)  # the model loaded, the set's short passages embedded
        models.append((" with the semantic backend (a passage that is no claim of the set embedded)", semantic))
    for label, model in models:
        times = []
        for source_id, start, end in chosen:
            started = time.perf_counter()
            rank_counterparts(clause_set, source_id, start, end, model)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"ranking one passage across 4 open sources ({clauses} clauses){label}: median "
              f"{statistics.median(times):.1f} ms, p95 {times[int(0.95 * len(times))]:.1f} ms, max {times[-1]:.1f} ms "
              f"(goal < 30 ms); preparing the clauses once {prepare_ms:.0f} ms")


def _semantic(clause_set) -> PairModel | None:
    """The semantic backend's model over clause_set (the claims embedded), or None without the semantic extra."""
    try:
        from reader.align.semantic import semantic_context
        from reader.align.tuning import SEMANTIC_PAIR_WEIGHTS

        return PairModel(SEMANTIC_PAIR_WEIGHTS).within(semantic_context(clause_set))
    except ImportError as error:
        print(f"semantic backend not measured: {error}")
        return None


def _knowing(docs, count: int) -> PairModel:
    """The default model knowing `count` confirmed pairs of sentences spread over the four sources (their words
    and where they are: the learned_words and taken features)."""
    rng = random.Random(7)
    sentences = [[(doc.source_id, s, e) for s, e in sentence_spans(doc.text)] for doc in docs]
    texts = {doc.source_id: doc.text for doc in docs}
    pairs = []
    for _ in range(count):
        first, second = rng.sample(range(len(docs)), 2)
        a, b = rng.choice(sentences[first]), rng.choice(sentences[second])
        pairs.append(ConfirmedPair(a, b, stems_of(texts[a[0]][a[1] : a[2]]), stems_of(texts[b[0]][b[1] : b[2]])))
    return PairModel(DEFAULT_MODEL.weights, known=UserPairs(pairs))


def refit() -> None:
    from reader.comparison import pair_model
    from reader.store import open_store

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.db")
        docs = load_corpus()
        ids = []
        for doc in docs[:2]:
            path = Path(folder) / Path(doc.path).name
            path.write_text(doc.text, encoding="utf-8")
            ids.append(store.add_source(path).id if hasattr(store, "add_source") else None)
        if None in ids:
            from reader.library import sync_sources

            sync_sources(store, [Path(folder)])
            ids = [s.id for s in store.sources()][:2]
        rng = random.Random(5)
        import json

        rows = []
        # Passages of a sentence or so (150 characters) at spread-out places: the refit reads their words.
        room_a, room_b = len(docs[0].text) - 200, len(docs[1].text) - 200
        for number in range(5000):
            start_a, start_b = (number * 37) % room_a, (number * 53) % room_b
            features = [round(rng.random(), 4) for _ in FEATURES]
            same = rng.random() < 1 / (1 + math.exp(-(8 * features[0] - 4)))  # noisy, as real decisions are
            rows.append({"decision": "confirmed" if same else "rejected", "source_a": ids[0],
                         "start_a": start_a, "end_a": start_a + 150, "quote_a": "x", "source_b": ids[1],
                         "start_b": start_b, "end_b": start_b + 150, "quote_b": "y", "features": json.dumps(features),
                         "author": "bench", "decided": "2026-01-01T00:00:00Z"})
        with store.write() as db:
            db["pair_decisions"].insert_all(rows)
        pair_model(store)  # numpy's first import is not part of a refit
        times = []
        for _ in range(5):
            started = time.perf_counter()
            model = pair_model(store)
            times.append((time.perf_counter() - started) * 1000)
        store.close()
    print(f"refit on 5,000 decisions (read from the database and fitted): best {min(times):.0f} ms, "
          f"worst {max(times):.0f} ms (goal < 300 ms); {model.decisions} decisions used")


def judged() -> None:
    from reader.align import align_claims
    from reader.align.suggest import assess, drawn

    docs = load_corpus()
    align_sources(docs)
    plain, full = [], []
    for _ in range(5):
        started = time.perf_counter()
        align_sources(docs)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        clause_set = prepare_claims(docs)
        drawn(assess(align_claims(clause_set), clause_set), docs)  # what reader.comparison runs
        full.append(time.perf_counter() - started)
    print(f"bundled corpus: plain alignment {min(plain) * 1000:.0f} ms, judged by the pair model "
          f"(confidence on every member, what is drawn) {min(full) * 1000:.0f} ms ({min(full) / min(plain):.2f}x)")


if __name__ == "__main__":
    ranking()
    refit()
    judged()
