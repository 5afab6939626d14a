"""Re-anchoring figures: how annotations fare when their source text is edited, per kind of edit.

On the bundled corpus, generate annotations on random sentence and clause spans, apply one edit per
annotation, re-anchor with reader.anchoring.anchor and compare with where the passage truly is now:

    correct     anchored (exactly the true span) or fuzzy (overlapping the true span by 80% or more)
    fuzzy       of the correct ones, how many needed the fuzzy step
    ambiguous   flagged as ambiguous (placed at a candidate, for the user to confirm)
    orphaned    not placed (kept and listed)
    misanchored anchored or fuzzy on a span that is not the true new location (for a deleted
                passage: any placement at all)

Goals: misanchored < 1% for every kind; a deleted passage is orphaned, never placed on other text;
a duplicated paragraph is reported as ambiguous.

    .venv/bin/python bench/bench_reanchor.py [--per-kind 600] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reader.anchoring import TextChange, anchor, make_selector  # noqa: E402
from reader.corpus import load_document  # noqa: E402
from reader.text import canonicalise_newlines, paragraph_spans, sentence_spans, word_spans  # noqa: E402, F401

Span = tuple[int, int]
INSERTED = "In an unrelated development, officials announced a review of the schedule on Monday. "
REPLACEMENTS = ("reportedly", "nonetheless", "company", "analysts", "eventually", "Thursday")


@dataclass(frozen=True)
class Edited:
    """An edited text and where the annotated passage now truly is (None: the passage is gone)."""

    text: str
    truth: Span | None
    old_text: str


def load_corpus() -> list[str]:
    return [load_document(path).text for path in sorted((REPO / "corpus").glob("*.txt"))]


def candidate_spans(text: str) -> list[Span]:
    """Sentences, and clauses (sentence parts between commas, semicolons and dashes), of 15+ characters."""
    spans: list[Span] = []
    for start, end in sentence_spans(text):
        spans.append((start, end))
        clause_start = start
        for match in re.finditer(r"[,;:\u2014]\s+", text[start:end]):
            clause_end = start + match.start()
            if clause_end - clause_start >= 15:
                spans.append((clause_start, clause_end))
            clause_start = start + match.end()
        if (start, end) != (clause_start, end) and end - clause_start >= 15:
            spans.append((clause_start, end))
    return [(s, e) for s, e in spans if e - s >= 15]


def insert_elsewhere(text: str, span: Span, rng: random.Random) -> Edited:
    """A sentence added at a paragraph start before or after the passage (not inside it)."""
    starts = [p for p, _ in paragraph_spans(text) if p <= span[0] or p >= span[1]]
    at = rng.choice(starts)
    new = text[:at] + INSERTED + text[at:]
    shift = len(INSERTED) if at <= span[0] else 0
    return Edited(new, (span[0] + shift, span[1] + shift), text)


def newline_crlf(text: str, span: Span, rng: random.Random) -> Edited:
    """The file saved with CRLF line ends; loading canonicalises newlines again."""
    return Edited(canonicalise_newlines(text.replace("\n", "\r\n")), span, text)


def rewrapped(text: str, span: Span, rng: random.Random) -> Edited:
    """Line breaks moved: paragraphs hard-wrapped at 60 columns (spaces become newlines, same length)."""
    chars = list(text)
    column = 0
    for index, char in enumerate(chars):
        if char == "\n":
            column = 0
            continue
        column += 1
        if char == " " and column >= 60:
            chars[index] = "\n"
            column = 0
    return Edited("".join(chars), span, text)


def typo_inside(text: str, span: Span, rng: random.Random) -> Edited:
    """One letter inside the passage replaced, dropped or doubled."""
    letters = [i for i in range(span[0] + 1, span[1] - 1) if text[i].isalpha()]
    at = rng.choice(letters)
    kind = rng.choice(("replace", "drop", "double"))
    if kind == "replace":
        new_char = "e" if text[at] != "e" else "a"
        return Edited(text[:at] + new_char + text[at + 1:], span, text)
    if kind == "drop":
        return Edited(text[:at] + text[at + 1:], (span[0], span[1] - 1), text)
    return Edited(text[:at] + text[at] + text[at:], (span[0], span[1] + 1), text)


def word_replaced(text: str, span: Span, rng: random.Random) -> Edited:
    """One word inside the passage replaced by another word."""
    words = [w for w in word_spans(text, span[0], span[1]) if w[1] - w[0] >= 3] or word_spans(text, span[0], span[1])
    start, end = rng.choice(words)
    replacement = rng.choice([w for w in REPLACEMENTS if w != text[start:end]])
    delta = len(replacement) - (end - start)
    return Edited(text[:start] + replacement + text[end:], (span[0], span[1] + delta), text)


def passage_deleted(text: str, span: Span, rng: random.Random) -> Edited:
    """The passage removed (with one following space, so the text around it closes up)."""
    end = span[1] + 1 if span[1] < len(text) and text[span[1]] == " " else span[1]
    return Edited(text[:span[0]] + text[end:], None, text)


def paragraph_duplicated(text: str, span: Span, rng: random.Random) -> Edited:
    """The paragraph holding the passage repeated right after itself."""
    for start, end in paragraph_spans(text):
        if start <= span[0] and span[1] <= end:
            new = text[:end] + "\n" + text[start:end] + text[end:]
            return Edited(new, span, text)
    raise ValueError("span crosses paragraphs")


EDITS: dict[str, Callable[[str, Span, random.Random], Edited]] = {
    "text inserted elsewhere": insert_elsewhere,
    "newline change (CRLF)": newline_crlf,
    "line breaks moved (re-wrap)": rewrapped,
    "typo inside the span": typo_inside,
    "word replaced inside the span": word_replaced,
    "passage deleted": passage_deleted,
    "paragraph duplicated": paragraph_duplicated,
}


def overlap(a: Span, b: Span) -> float:
    """Intersection over union of two spans."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def classify(kind: str, edited: Edited, status: str, placed: Span) -> str:
    if status == "orphaned":
        return "orphaned"
    if status == "ambiguous":
        return "ambiguous"
    if edited.truth is None:
        return "misanchored"
    if status == "anchored":
        return "correct" if placed == edited.truth else "misanchored"
    return "correct fuzzy" if overlap(placed, edited.truth) >= 0.8 else "misanchored"


def measure(kind: str, count: int, seed: int, texts: list[str] | None = None,
            anchor_function=anchor, with_change: bool = True) -> tuple[Counter, list[str]]:
    """Annotate `count` random spans, apply the edit, re-anchor; count outcomes and keep misanchor examples."""
    rng = random.Random(f"{seed}-{kind}")
    texts = texts or load_corpus()
    candidates = [(text, span) for text in texts for span in candidate_spans(text)]
    outcomes: Counter = Counter()
    examples: list[str] = []
    edit = EDITS[kind]
    for _ in range(count):
        text, span = rng.choice(candidates)
        edited = edit(text, span, rng)
        selector = make_selector(text, *span)
        change = TextChange(edited.old_text, edited.text) if with_change else None
        found = anchor_function(edited.text, selector, change) if change else anchor_function(edited.text, selector)
        outcome = classify(kind, edited, found.status, (found.start, found.end))
        outcomes[outcome] += 1
        if outcome == "misanchored" and len(examples) < 5:
            examples.append(f"{found.status} {selector.quote[:50]!r} -> {edited.text[found.start:found.end][:50]!r}")
    return outcomes, examples


def main() -> int:
    parser = argparse.ArgumentParser(description="re-anchoring figures per kind of edit")
    parser.add_argument("--per-kind", type=int, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--examples", action="store_true", help="print misanchored examples")
    args = parser.parse_args()
    texts = load_corpus()
    total = sum(len(candidate_spans(text)) for text in texts)
    print(f"{len(texts)} corpus texts, {total} candidate sentence/clause spans; {args.per_kind} annotations per kind "
          f"({args.per_kind * len(EDITS)} in all)")
    goals_met = True
    for with_change, title in ((True, "as the store re-anchors (diff from the version the annotation was made on)"),
                               (False, "selector only (quote, context, position; e.g. an import without its text)")):
        print(f"\n{title}")
        header = f"{'edit':32} {'correct':>8} {'(fuzzy)':>8} {'ambiguous':>10} {'orphaned':>9} {'misanchored':>12}"
        print(header)
        print("-" * len(header))
        for kind in EDITS:
            outcomes, examples = measure(kind, args.per_kind, args.seed, texts, with_change=with_change)
            n = sum(outcomes.values())
            correct = outcomes["correct"] + outcomes["correct fuzzy"]

            def pct(value: int) -> str:
                return f"{100 * value / n:.1f}%"

            print(f"{kind:32} {pct(correct):>8} {pct(outcomes['correct fuzzy']):>8} {pct(outcomes['ambiguous']):>10} "
                  f"{pct(outcomes['orphaned']):>9} {pct(outcomes['misanchored']):>12}")
            if args.examples:
                for example in examples:
                    print("      " + example)
            if with_change:  # the goals are for what the store does
                goals_met &= outcomes["misanchored"] < 0.01 * n
                if kind == "passage deleted":
                    goals_met &= outcomes["orphaned"] == n
                if kind == "paragraph duplicated":
                    goals_met &= outcomes["ambiguous"] == n
    print("goals (misanchored < 1% each; deleted -> orphaned; duplicated -> ambiguous):",
          "met" if goals_met else "NOT met")
    return 0 if goals_met else 1


if __name__ == "__main__":
    sys.exit(main())
