"""Check the labelled stories: every quote is found in its outlet file, and print the counts.

    python3 tests/data/stories/check_labels.py [STORY ...]

Uses reader.text.find_quote (the matcher bench/eval_align.py uses), so a quote found here is found there.
Exits non-zero on any problem (missing quote, unknown outlet, bad file shape, duplicate claim id).
"""

from __future__ import annotations

import sys
import tomllib
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from reader.text import find_quote, sentence_spans  # noqa: E402


def check_story(folder: Path) -> tuple[list[str], dict]:
    problems = []
    texts = {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.txt"))}
    words = {}
    for stem, text in texts.items():
        lines = text.split("\n")
        if len(lines) < 3 or not lines[0].strip() or lines[1] != "":
            problems.append(f"{stem}: must start with a headline line and a blank line")
        words[stem] = len(text.split())
    data = tomllib.loads((folder / "claims.toml").read_text(encoding="utf-8"))

    def located(where: str, source: str, quote: str) -> bool:
        if source not in texts:
            problems.append(f"{where}: unknown outlet {source!r}")
            return False
        if not find_quote(texts[source], quote):
            problems.append(f"{where}: quote not found in {source}: {quote!r}")
            return False
        return True

    ids, cross, unique, pairs = set(), 0, 0, 0
    for claim in data.get("claim", []):
        if claim["id"] in ids:
            problems.append(f"duplicate claim id {claim['id']}")
        ids.add(claim["id"])
        for source, quote in claim["passages"]:
            located(claim["id"], source, quote)
        for source, quote in claim.get("related", []):
            located(claim["id"] + " (related)", source, quote)
        sources = sorted({source for source, _ in claim["passages"]})
        if len(sources) > 1:
            cross += 1
            pairs += len(list(combinations(sources, 2)))
        else:
            unique += 1
    negatives = data.get("negative", [])
    for number, negative in enumerate(negatives, 1):
        located(f"negative {number} a", *negative["a"])
        located(f"negative {number} b", *negative["b"])
        if negative["a"][0] == negative["b"][0]:
            problems.append(f"negative {number}: both sides in one outlet")
    # A hard negative must not be a labelled pair at sentence level: the aligner pairs sentences, so a
    # sentence holding a negative's quote that also holds a passage of a claim the other side shares
    # would make one pair both correct and wrong.
    def sentences_of(source: str, quote: str) -> list[tuple[int, int]]:
        spans = find_quote(texts.get(source, ""), quote)
        return [s for s in sentence_spans(texts[source]) for q in spans if s[0] < q[1] and q[0] < s[1]] if spans else []

    def claims_in(source: str, sentence: tuple[int, int]) -> set[str]:
        found = set()
        for claim in data.get("claim", []):
            for where, quote in claim["passages"]:
                if where == source and any(q[0] < sentence[1] and sentence[0] < q[1] for q in find_quote(texts[where], quote)):
                    found.add(claim["id"])
        return found

    for number, negative in enumerate(negatives, 1):
        shared = set()
        for sa in sentences_of(*negative["a"]):
            for sb in sentences_of(*negative["b"]):
                shared |= claims_in(negative["a"][0], sa) & claims_in(negative["b"][0], sb)
        if shared:
            problems.append(f"negative {number}: its sentences are also a labelled pair of {sorted(shared)}")
        for claim in data.get("claim", []):
            for one, other in ((negative["a"], negative["b"]), (negative["b"], negative["a"])):
                if list(one) in claim.get("related", []) and list(other) in claim["passages"]:
                    problems.append(f"negative {number}: also listed as related to {claim['id']}")
    counts = {"outlets": len(texts), "words": words, "cross_source_claims": cross, "pairs": pairs,
              "unique_claims": unique, "negatives": len(negatives)}
    return problems, counts


def main(argv: list[str]) -> int:
    folders = [HERE / name for name in argv] or sorted(p for p in HERE.iterdir() if (p / "claims.toml").exists())
    failed = False
    totals = dict.fromkeys(["outlets", "cross_source_claims", "pairs", "unique_claims", "negatives"], 0)
    for folder in folders:
        problems, counts = check_story(folder)
        for problem in problems:
            print(f"{folder.name}: {problem}")
        failed |= bool(problems)
        for key in totals:
            totals[key] += counts[key]
        print(f"{folder.name}: {counts['outlets']} outlets {counts['words']}; {counts['cross_source_claims']} "
              f"cross-source claims, {counts['pairs']} pairs, {counts['unique_claims']} unique, "
              f"{counts['negatives']} hard negatives")
    print("total:", totals)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
