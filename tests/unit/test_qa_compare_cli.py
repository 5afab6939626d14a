"""Defects a journalist met on the command line while comparing coverage (branch qa-compare)."""

from __future__ import annotations

import json

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
