"""Alignment benchmarks: the bundled corpus, and 1,000 and 2,000 generated sources.

    .venv/bin/python bench/bench_align.py            # all three; each size runs in its own process
    .venv/bin/python bench/bench_align.py --sizes 200,400
    (the semantic backend, when its extra is installed, is timed on the bundled corpus in its own process)

Goals (issue 4): the five bundled sources in under 300 ms; 1,000 generated sources of about 30
sentences in under 60 s with peak memory under 2 GB; 2,000 sources in no more than 2.3x the time of
1,000 (blocking, not all pairs). Generated sources come in stories of about STORY_SIZE sources that
share claims with variations (synonyms, dropped and added words, changed numbers, reordered clauses),
plus generic sentences shared by every story, so blocking has real work to do. Because the generator
knows which claim each sentence renders, each run also prints the precision and recall of the
alignment on the generated corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.align import SourceText, align_sources  # noqa: E402

STORY_SIZE = 20          # sources per story
CLAIMS_PER_STORY = 40    # claims a story's sources choose from
CLAIMS_PER_SOURCE = 24   # story claims each source states
FILLER_PER_SOURCE = 6    # generic sentences each source adds

_SYLLABLES = "ka lo mi ren to sa vi dun el par go nix tor bel fra qui ost mun zel dra cor lin ves pha tru ham"\
    .split()
_FILLERS = [
    "Only time will tell what happens next.",
    "The situation remains fluid, according to people familiar with the matter.",
    "Analysts say the industry is watching closely.",
    "Further details were not immediately available.",
    "This article has been updated with more information.",
    "Observers expect more announcements in the coming weeks.",
    "The company did not respond to a request for comment.",
    "It is unclear how the market will react.",
]
_VERBS = [("announced", "revealed"), ("approved", "backed"), ("raised", "secured"), ("opened", "launched"),
          ("hired", "recruited"), ("sold", "divested"), ("reported", "posted"), ("signed", "agreed"),
          ("cut", "reduced"), ("expanded", "grew"), ("invested", "put"), ("acquired", "bought")]
_OBJECTS = [("a new office", "new offices"), ("quarterly revenue", "revenue for the quarter"),
            ("a contract", "a deal"), ("funding", "new money"), ("a research team", "a team of researchers"),
            ("its stake", "its holding"), ("a partnership", "an alliance"), ("jobs", "positions"),
            ("a data centre", "data centers"), ("a product line", "products")]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables))


def generate(n_sources: int, seed: int = 7) -> tuple[list[SourceText], dict[tuple[int, int], str]]:
    """n_sources generated sources and the truth: (source index, sentence start) -> claim key."""
    rng = random.Random(seed)
    docs: list[SourceText] = []
    truth: dict[tuple[int, int], str] = {}
    for story in range((n_sources + STORY_SIZE - 1) // STORY_SIZE):
        people = [f"{_word(rng, 2).title()} {_word(rng, 3).title()}" for _ in range(4)]
        orgs = [_word(rng, 3).title() + rng.choice(["", " Labs", " Group", " Systems"]) for _ in range(3)]
        places = [_word(rng, 2).title() for _ in range(3)]
        topic = [_word(rng, 3) for _ in range(30)]
        claims = []
        for number in range(CLAIMS_PER_STORY):
            claims.append({
                "key": f"{story}:{number}",
                "who": rng.choice(people + orgs),
                "verb": rng.choice(_VERBS),
                "object": rng.choice(_OBJECTS),
                "detail": rng.sample(topic, 3),
                "place": rng.choice(places),
                "amount": rng.choice([None, rng.randint(2, 900)]),
                "year": rng.choice([None, rng.randint(2001, 2024)]),
            })
        for _ in range(STORY_SIZE):
            if len(docs) >= n_sources:
                break
            chosen = rng.sample(claims, CLAIMS_PER_SOURCE)
            sentences = [(claim["key"], _render(rng, claim)) for claim in chosen]
            fillers = rng.sample(range(len(_FILLERS)), FILLER_PER_SOURCE)
            sentences += [(f"filler:{index}", _FILLERS[index]) for index in fillers]
            rng.shuffle(sentences)
            parts, offset = [], 0
            for key, sentence in sentences:
                truth[(len(docs), offset)] = key
                parts.append(sentence)
                offset += len(sentence) + 1
            docs.append(SourceText(len(docs), f"generated/{len(docs):05}.txt", "\n".join(parts) + "\n"))
    return docs, truth


def _render(rng: random.Random, claim: dict) -> str:
    """One way of stating a claim: synonyms, optional words, a changed number, a different order."""
    verb = rng.choice(claim["verb"])
    obj = rng.choice(claim["object"])
    detail = claim["detail"][:]
    if rng.random() < 0.3:
        detail.pop(rng.randrange(len(detail)))
    words = [claim["who"], verb, obj, "for the", " ".join(detail), "project"]
    if rng.random() < 0.7:
        words += ["in", claim["place"]]
    if claim["amount"] is not None:
        amount = claim["amount"] if rng.random() < 0.7 else claim["amount"] + rng.randint(1, 9)
        words += [rng.choice(["worth", "valued at", "for about"]), f"${amount} million"]
    if claim["year"] is not None and rng.random() < 0.8:
        words += ["in", str(claim["year"])]
    sentence = " ".join(words)
    if rng.random() < 0.3:
        sentence = f"{rng.choice(['According to reports', 'Sources said', 'On Monday'])}, {sentence[0].lower() + sentence[1:]}"
    return sentence[0].upper() + sentence[1:] + "."


def synthetic_quality(alignment, truth: dict[tuple[int, int], str]) -> dict[str, float]:
    """Precision of aligned pairs, and recall of the story claims and of the boilerplate sentences,
    against the generator's truth (each generated sentence is one line)."""
    correct = total = 0
    found_pairs = set()
    for cluster in alignment.clusters:
        for a, b in combinations(cluster.members, 2):
            total += 1
            key_a, key_b = _line_claim(a, truth), _line_claim(b, truth)
            if key_a is not None and key_a == key_b:
                correct += 1
                found_pairs.add((key_a, *sorted((a.source_id, b.source_id))))
    sources_of: dict[str, set[int]] = {}
    for (source, _), claim in truth.items():
        sources_of.setdefault(claim, set()).add(source)
    expected = {"claims": 0, "boilerplate": 0}
    found = {"claims": 0, "boilerplate": 0}
    for claim, sources in sources_of.items():
        kind = "boilerplate" if claim.startswith("filler:") else "claims"
        expected[kind] += len(sources) * (len(sources) - 1) // 2
    for claim, *_ in found_pairs:
        found["boilerplate" if claim.startswith("filler:") else "claims"] += 1
    return {"precision": correct / total if total else 0.0,
            "recall_claims": found["claims"] / max(1, expected["claims"]),
            "recall_boilerplate": found["boilerplate"] / max(1, expected["boilerplate"])}


_LINE_STARTS: dict = {}  # source id -> offset -> start of its line (each generated sentence is a line)


def _line_claim(member, truth):
    """The claim a member renders: the truth entry of the line that holds it."""
    return truth.get((member.source_id, _LINE_STARTS[member.source_id](member.start)))


def run_one(n_sources: int) -> dict:
    """Generate and align n_sources in this process; time, peak memory and quality."""
    import bisect

    docs, truth = generate(n_sources)
    for doc in docs:
        starts = [0] + [i + 1 for i, c in enumerate(doc.text) if c == "\n"]
        _LINE_STARTS[doc.source_id] = (lambda s: lambda offset: s[bisect.bisect_right(s, offset) - 1])(starts)
    sentences = sum(doc.text.count("\n") for doc in docs)
    started, cpu_started = time.perf_counter(), time.process_time()
    alignment = align_sources(docs)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"sources": n_sources, "sentences": sentences, "seconds": elapsed, "cpu_seconds": cpu, "peak_mb": peak_mb,
            "clusters": len(alignment.clusters), **synthetic_quality(alignment, truth)}


def bundled() -> float:
    """Milliseconds to align the five bundled sources (best of five, after one warm-up)."""
    from bench.eval_align import load_corpus

    docs = load_corpus()
    align_sources(docs)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        align_sources(docs)
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def semantic_bundled() -> dict:
    """The semantic backend on the five bundled sources, in a fresh process: import and model load, first
    alignment, best of three after it, peak memory; the lexical backend's best of three as the baseline."""
    from bench.eval_align import load_corpus

    docs = load_corpus()
    lexical = []
    for _ in range(3):
        started = time.perf_counter()
        align_sources(docs)
        lexical.append(time.perf_counter() - started)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    from reader.align.semantic import align_sources_semantic, load_model

    load_model()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    align_sources_semantic(docs)
    first = time.perf_counter() - started
    times = []
    for _ in range(3):
        started = time.perf_counter()
        align_sources_semantic(docs)
        times.append(time.perf_counter() - started)
    return {"load_s": loaded, "first_ms": first * 1000, "best_ms": min(times) * 1000,
            "lexical_ms": min(lexical) * 1000, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_before_mb": rss_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,2000", help="comma-separated numbers of generated sources")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--semantic-one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    sys.path.insert(0, str(ROOT))
    if args.semantic_one:
        print(json.dumps(semantic_bundled()))
        return
    ms = bundled()
    print(f"bundled corpus (5 sources): {ms:.0f} ms  (goal < 300 ms: {ms / 300:.2f}x of budget)")
    from reader.align.semantic import INSTALL_COMMAND, semantic_available

    if semantic_available():
        output = subprocess.run([sys.executable, __file__, "--semantic-one"], capture_output=True, text=True,
                                check=True).stdout
        result = json.loads(output)
        print(f"semantic backend, bundled corpus: import + model load {result['load_s']:.1f} s, first alignment "
              f"{result['first_ms']:.0f} ms, then {result['best_ms']:.0f} ms (lexical in the same process "
              f"{result['lexical_ms']:.0f} ms: {result['best_ms'] / result['lexical_ms']:.1f}x), peak memory "
              f"{result['peak_mb']:.0f} MB ({result['rss_before_mb']:.0f} MB before loading the model)")
    else:
        print(f"semantic backend: not installed ({INSTALL_COMMAND})")
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        output = subprocess.run([sys.executable, __file__, "--one", str(size)], capture_output=True, text=True,
                                check=True).stdout
        result = json.loads(output)
        results.append(result)
        print(f"{result['sources']:>5} generated sources ({result['sentences']} sentences): {result['seconds']:.1f} s ({result['cpu_seconds']:.1f} s CPU), "
              f"peak {result['peak_mb']:.0f} MB, {result['clusters']} clusters, "
              f"precision {result['precision']:.2f}, recall {result['recall_claims']:.2f} (claims) "
              f"{result['recall_boilerplate']:.2f} (boilerplate)")
    if len(results) >= 2:
        base, last = results[0], results[-1]
        print(f"time ratio {last['sources']}/{base['sources']} sources: {last['seconds'] / base['seconds']:.2f}x wall, "
              f"{last['cpu_seconds'] / base['cpu_seconds']:.2f}x CPU (sources x{last['sources'] / base['sources']:.1f}; "
              f"goal <= 2.3x for 2x; CPU time is the steadier figure on a shared machine)")


if __name__ == "__main__":
    main()
