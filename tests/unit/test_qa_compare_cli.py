"""Defects a journalist met on the command line while comparing coverage (branch qa-compare): the text of
`reader suggest`, `reader reject`'s messages, the figures said to differ."""

from __future__ import annotations

import json

from test_suggest import clauses

from reader.align import SourceText, prepare_claims
from reader.align.result import figures_side_by_side
from reader.align.suggest import evidence
from reader.presentation import ELLIPSIS


def test_suggest_cuts_a_long_candidate_with_an_ellipsis(run_cli):
    args = ("suggest", "001", "--quote", "spent 10 years at Microsoft Research", "--with", "003")
    candidates = json.loads(run_cli(*args, "--json").output)["candidates"]
    long_ones = [" ".join(c["text"].split()) for c in candidates if len(" ".join(c["text"].split())) > 100]
    assert long_ones, "the test needs a candidate longer than a line"
    printed = run_cli(*args).output
    for text in long_ones:
        assert f" {text[:99]}{ELLIPSIS}\n" in printed
        assert f" {text[:100]}\n" not in printed


def test_reject_a_passage_that_ends_before_it_starts_says_so(run_cli):
    result = run_cli("reject", "001:50-10", "003:1-20")
    assert result.exit_code != 0
    assert "50-10 ends before it starts" in result.output
    assert "characters)" not in result.output  # not "its text has 3,207 characters", which was never the problem


FINE = "The port has been fined $4.2 million for the spill. Renner has led the port since 2014."
RESTATED = "The port must pay $4.5 million over the spill. Renner, in charge for a decade, will appeal."


def test_figures_of_different_kinds_are_not_said_to_differ():
    """'$4.2 million' and '2014' are not one figure stated two ways: the pair is not flagged 'differs'
    (the figures stay listed in the JSON); '$4.2 million' / '$4.5 million' and '2014' / 'a decade' are."""
    docs = [SourceText("a", "a.txt", FINE), SourceText("b", "b.txt", RESTATED)]
    clause_set = prepare_claims(docs)
    fine = clauses(FINE, "fined $4.2 million", clause_set, 0)
    tenure = clauses(FINE, "since 2014", clause_set, 0)
    pay = clauses(RESTATED, "pay $4.5 million", clause_set, 1)
    decade = clauses(RESTATED, "for a decade", clause_set, 1)
    assert evidence(clause_set, fine, pay).differs
    assert "differs: $4.2 million | $4.5 million" in evidence(clause_set, fine, pay).describe()
    assert evidence(clause_set, tenure, decade).differs
    unlike = evidence(clause_set, fine, decade)
    assert not unlike.differs and "differs" not in unlike.describe()
    assert unlike.to_json()["figures"] == {"a": ["$4.2 million"], "b": ["a decade"]}
    assert not evidence(clause_set, tenure, pay).differs
    assert figures_side_by_side("fined $4.2 million", "since 2014")["differs"] is False
    assert figures_side_by_side("fined $4.2 million", "pay $4.5 million")["differs"] is True
