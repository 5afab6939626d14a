"""Defects a fact-checker met on the command line comparing three outlets' coverage (branch qa-compare)."""

from __future__ import annotations

import json
from pathlib import Path

from reader.align import SourceText, prepare_claims
from reader.align.learn import DEFAULT_MODEL
from reader.align.suggest import evidence, rank_counterparts
from reader.store import open_store
from reader.store.decisions import decisions


def _candidates(run_cli, *args: str) -> dict[tuple[int, int, int], float]:
    result = run_cli("suggest", *args, "--json")
    assert result.exit_code == 0, result.output
    return {(c["source_id"], c["start"], c["end"]): c["confidence"] for c in json.loads(result.output)["candidates"]}


def test_suggest_with_some_sources_gives_the_confidences_of_the_views(run_cli):
    """`--with b.md` gave "$12 million" / "$15 million" 0.74 where `reader suggest` without it and the
    comparison screen of the two sources gave 0.80: words were weighed over the sources named only, not over
    the (small) library as the views weigh them."""
    query = ("001", "--quote", "spent 10 years at Microsoft Research", "--top", "5")
    everywhere = _candidates(run_cli, *query)
    within = _candidates(run_cli, *query, "--with", "003")
    assert within
    assert within == {key: everywhere[key] for key in within}


CORPUS = Path(__file__).parents[2] / "corpus"


def test_a_selection_is_weighed_alike_with_two_panes_open_or_the_whole_library():
    """A passage that is not one of the aligner's clauses (a selection, a quote) was weighed with the word
    frequencies of the whole library but divided by the open panes' claims only: `c` on it ranked with other
    confidences with 2 panes open than with 4."""
    docs = [SourceText(i, path.name, path.read_text()) for i, path in enumerate(sorted(CORPUS.glob("*.txt")))]
    quote = "spent 10 years at Microsoft Research"
    start = docs[1].text.index(quote)
    library = prepare_claims(docs)

    def ranked(clause_set) -> list[tuple[int, int, float]]:
        found = rank_counterparts(clause_set, 1, start, start + len(quote), DEFAULT_MODEL, 5)[3]
        return [(c.start, c.end, round(c.confidence, 9)) for c in found]

    assert ranked(library.subset([1, 3])) == ranked(library)


def test_linking_a_pair_again_with_another_kind_changes_its_kind(run_cli):
    """`reader link A B` then `reader link A B --kind contradicts` kept both links, and "same" won: the claims
    (and the matrix) still said "present", the user's correction silently lost. Now the link's kind changes
    (one undo step puts the old kind back)."""
    first = run_cli("annotate", "001", "--quote", "spent 10 years at Microsoft Research").output.strip()
    second = run_cli("annotate", "003", "--quote", "Microsoft", "--occurrence", "1").output.strip()
    assert run_cli("link", first, second).exit_code == 0
    changed = run_cli("link", second, first, "--kind", "contradicts")  # either way round
    assert changed.exit_code == 0, changed.output

    def statuses() -> list[str]:
        claims = json.loads(run_cli("claims", "--json").output)
        return sorted(status for claim in claims for status in claim["statuses"].values())

    assert statuses() == ["contradicts", "present"]
    assert run_cli("undo").exit_code == 0
    assert statuses() == ["present", "present"]


def test_rejecting_a_pair_you_linked_says_the_link_wins_and_records_nothing(run_cli, db_path):
    """`reader reject` on two passages the user had linked said "rejected: ... are not the same claim" while
    the link stayed (align still printed them confirmed) and the pair model was told both yes and no."""
    quote_a, quote_b = "spent 10 years at Microsoft Research", "Microsoft"
    first = run_cli("annotate", "001", "--quote", quote_a).output.strip()
    second = run_cli("annotate", "003", "--quote", quote_b, "--occurrence", "1").output.strip()
    assert run_cli("link", first, second).exit_code == 0
    store = open_store(db_path)
    a, b = store.annotation(first), store.annotation(second)
    before = len(decisions(store))
    result = run_cli("reject", f"001:{a.start}-{a.end}", f"003:{b.start}-{b.end}")
    assert result.exit_code != 0
    assert "you linked" in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert len(decisions(store)) == before


def test_a_file_named_twice_opens_once(run_cli, opened_readers, corpus_dir, monkeypatch):
    """`reader open a.txt a.txt` (or ./a.txt a.txt) showed the sources list: two names, so "compare", but one
    source, so no comparison. The file opens as one file would, in the reading screen."""
    monkeypatch.chdir(corpus_dir)
    name = sorted(corpus_dir.glob("*.txt"))[0].name
    result = run_cli("open", name, f"./{name}")
    assert result.exit_code == 0, result.output
    assert [Path(p).resolve() for p in opened_readers[0]["paths"]] == [corpus_dir / name]
    assert opened_readers[0]["open_single"] and not opened_readers[0]["compare_given"]
    first, second = sorted(corpus_dir.glob("*.txt"))[:2]
    assert run_cli("open", second.name, first.name, f"./{second.name}").exit_code == 0
    assert [Path(p).name for p in opened_readers[1]["paths"]] == [second.name, first.name]  # in the order given
    assert opened_readers[1]["compare_given"]


def test_differs_shows_the_figures_of_one_kind_side_by_side():
    """ "injuring 4 workers" / "Five workers were hurt ... shortly after 7am" read "differs: 4 | Five, 7am", as if
    the time were the count stated another way; the JSON still lists every figure each states alone."""
    text_a = "A crane collapsed on Tuesday, injuring 4 workers."
    text_b = "Five workers were hurt when the crane came down shortly after 7am."
    docs = [SourceText("a", "a.txt", text_a), SourceText("b", "b.txt", text_b)]
    clause_set = prepare_claims(docs)
    a = next(c for c in clause_set.by_doc[0] if "4 workers" in clause_set.text(c))
    found = evidence(clause_set, a, clause_set.by_doc[1][0])
    assert "differs: 4 | Five;" in found.describe() + ";", found.describe()
    assert found.to_json()["figures"] == {"a": ["4"], "b": ["Five", "7am"]}
