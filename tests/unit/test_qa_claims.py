"""Defects a fact-checker met on the command line while trying out issue 11 (qa-claims)."""

from __future__ import annotations

import json
import re


def test_an_ambiguous_source_names_each_match_whole_or_with_an_ellipsis(run_cli) -> None:
    result = run_cli("meta", "OpenAI")  # every bundled article's title mentions OpenAI
    assert result.exit_code == 1 and "be more specific" in result.output
    listed = result.output.split(" sources (", 1)[1].rsplit("); be more specific", 1)[0]
    listed = re.split(r", (?=\d+: )", listed)
    titles = {s["id"]: s["title"] for s in json.loads(run_cli("sources", "--json").output)}
    for item in listed:
        number, _, shown = item.partition(": ")
        title = titles[int(number)]
        assert shown == title or (shown.endswith("…") and title.startswith(shown[:-1])), (shown, title)
    assert any(shown.endswith("…") for shown in listed)  # the long titles (003, 004) are cut, visibly
