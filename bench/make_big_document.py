"""Generate a large prose document for the TUI benchmark: paragraphs of news-like sentences.

    .venv/bin/python bench/make_big_document.py OUT.txt [MEGABYTES]

Deterministic (seeded), so runs compare like with like. Each paragraph has 3-9 sentences of 8-30 words.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = (
    "the government said on tuesday that its new policy would cut emissions by forty percent before "
    "officials who spoke on condition of anonymity claimed the report was leaked to reporters in march "
    "analysts expect growth to slow while the central bank holds rates steady according to figures "
    "released by the statistics office a spokesperson declined to comment on the allegations however "
    "critics argue that the plan lacks funding and several ministers have raised concerns about its cost"
).split()
MARKER = "Zebrafish"  # a rare word the search benchmark jumps between (about one paragraph in 40)


def paragraphs(rng: random.Random):
    while True:
        sentences = []
        for _ in range(rng.randint(3, 9)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 30))]
            if rng.random() < 0.004:
                words[rng.randrange(len(words))] = MARKER
            sentences.append(" ".join(words).capitalize() + ".")
        yield " ".join(sentences)


def write_document(path: Path, megabytes: float = 100.0, seed: int = 7) -> Path:
    """Write about `megabytes` MB of paragraphs separated by blank lines; returns path."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    written = 0
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("A generated report for benchmarking the reader\n\n")
        for paragraph in paragraphs(rng):
            handle.write(paragraph + "\n\n")
            written += len(paragraph) + 2
            if written >= target:
                break
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "big.txt")
    write_document(out, float(sys.argv[2]) if len(sys.argv) > 2 else 100.0)
    print(out)
