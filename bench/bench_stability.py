"""Do two sources align the same way whatever other panes are open? (issue 10, "Stable")

    .venv/bin/python bench/bench_stability.py

On the bundled corpus, loaded into a temporary database, through reader.comparison.compare_sources (what
the comparison screen and `reader align` use): for every pair of sources, the pairs drawn between the two
with only them open, and with every choice of two more panes. Prints how many pairs are identical, and how
the pairs drawn with two panes fare against the labelled claims (tests/data/claim_pairs.toml: correct,
wrong, or neither: unlabelled or related).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.eval_align import CORPUS, load_corpus, load_labels, overlaps  # noqa: E402
from reader.align import SourceText  # noqa: E402
from reader.comparison import compare_sources  # noqa: E402
from reader.library import sync_sources  # noqa: E402
from reader.store import open_store  # noqa: E402


def main() -> None:
    docs = load_corpus()
    claims, _ = load_labels(docs)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "stability.db")
        sync_sources(store, [CORPUS])
        sources = sorted(store.sources(), key=lambda s: Path(s.path).name)
        prefix = {s.id: Path(s.path).name[:3] for s in sources}
        texts = [SourceText(s.id, s.path, store.text(s.id)) for s in sources]

        def drawn_between(open_indices: list[int]) -> set[tuple[tuple[int, int], tuple[int, int]]]:
            shown = compare_sources(store, [texts[i] for i in open_indices]).shown
            first, second = texts[open_indices[0]].source_id, texts[open_indices[1]].source_id
            return {((a.start, a.end), (b.start, b.end)) for cluster in shown.clusters for a in cluster.members
                    for b in cluster.members if a.source_id == first and b.source_id == second}

        def judge(i: int, j: int, a: tuple[int, int], b: tuple[int, int]) -> str:
            source_a, source_b = prefix[texts[i].source_id], prefix[texts[j].source_id]
            in_a = {c["id"] for c in claims if any(overlaps(source_a, *a, p) for p in c["passages"])}
            in_b = {c["id"] for c in claims if any(overlaps(source_b, *b, p) for p in c["passages"])}
            related_a = {c["id"] for c in claims if any(overlaps(source_a, *a, p) for p in c["related"])}
            related_b = {c["id"] for c in claims if any(overlaps(source_b, *b, p) for p in c["related"])}
            if in_a & in_b:
                return "correct"
            if (in_a or in_b) and not (in_a & related_b or in_b & related_a):
                return "wrong"
            return "neither"

        same = union = 0
        verdicts: Counter[str] = Counter()
        started = time.perf_counter()
        for i, j in combinations(range(len(texts)), 2):
            two = drawn_between([i, j])
            verdicts.update(judge(i, j, a, b) for a, b in two)
            for extra in combinations([k for k in range(len(texts)) if k not in (i, j)], 2):
                four = drawn_between([i, j, *extra])
                same += len(two & four)
                union += len(two | four)
        store.close()
    print(f"pairs drawn between two sources, 2 panes against 4: {same} of {union} identical "
          f"({same / max(1, union):.2f})")
    print(f"pairs drawn with two panes open, against the labels: {dict(verdicts)} "
          f"(precision {verdicts['correct'] / max(1, verdicts['correct'] + verdicts['wrong']):.2f})")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
