"""Highlighting cost of the HTML report: a 2 MB source with 20,000 overlapping annotations.

Prints the time to build the highlighted HTML and its ratio to a baseline measured in the same run:
escaping the same text with no annotations (the least any HTML rendering of it must do).
"""

from __future__ import annotations

import random
import time

from reader.model import Annotation
from reader.report import escape, highlighted_html


def best_of(runs: int, work) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    rng = random.Random(6)
    text = "The company invested an estimated $13 billion. " * 45_000  # about 2.1 MB
    annotations = []
    for number in range(20_000):
        start = rng.randrange(0, len(text) - 200)
        annotations.append(Annotation(id=f"a{number}", source_id=1, start=start,
                                      end=start + rng.randrange(1, 200), quote="", tags=["claim"]))
    baseline = best_of(3, lambda: escape(text))
    measured = best_of(3, lambda: highlighted_html(text, annotations, {"claim": "tag-0"}))
    print(f"text: {len(text):,} characters, {len(annotations):,} annotations")
    print(f"baseline (escape the text, no annotations): {baseline * 1000:.1f} ms")
    print(f"highlighted HTML:                           {measured * 1000:.1f} ms  ({measured / baseline:.1f}x baseline)")


if __name__ == "__main__":
    main()
