"""A passage the user confirmed as one claim's counterpart is a weaker candidate for another claim of the same
source: outlets tell a claim once, so each confirmed pair says where the claims left to pair are not."""

from __future__ import annotations

import json
from pathlib import Path

from reader.align.learn import FEATURES, ConfirmedPair, UserPairs

# A tells the crack, then the vote; B tells the vote (in words close to the crack's), then the crack.
CRACK = "Inspectors found a crack in the main cable."
VOTE = "The council voted to repair the harbour bridge cable this spring."
STORY_A = f"{CRACK} {VOTE} The museum reopened its west wing."
VOTE_B = "Councillors backed a repair of the cracked cable."
CRACK_B = "Inspectors saw the crack on a routine check."
STORY_B = f"{VOTE_B} {CRACK_B} The west wing of the museum is open again."


def test_taken_is_the_share_of_a_passage_confirmed_with_another_passage_of_the_querys_source():
    known = UserPairs([ConfirmedPair(("a", 100, 150), ("b", 0, 40))])
    assert known.taken(("a", 0, 50), ("b", 0, 40)) == 1.0  # b's counterpart in a is another passage
    assert known.taken(("a", 0, 50), ("b", 20, 60)) == 0.5  # half of it
    assert known.taken(("a", 110, 140), ("b", 0, 40)) == 0.0  # the confirmed pair itself
    assert known.taken(("a", 0, 50), ("b", 60, 90)) == 0.0  # a passage no one confirmed
    assert known.taken(("c", 0, 50), ("b", 0, 40)) == 0.0  # confirmed with a, not with c
    assert known.taken(("b", 0, 40), ("a", 0, 50)) == 0.0  # the other way round, a's passage is not the pair's
    assert "taken" in FEATURES


def _story(tmp_path: Path) -> Path:
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "a.txt").write_text(STORY_A, encoding="utf-8")
    (folder / "b.txt").write_text(STORY_B, encoding="utf-8")
    return folder


def _suggest(run_cli, corpus: Path) -> list[dict]:
    result = run_cli("suggest", "a.txt", "--quote", CRACK, "--with", "b.txt", "--json", corpus=corpus)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["candidates"]


def test_linking_one_claim_moves_its_counterpart_down_for_another(run_cli, tmp_path):
    """The user links the vote across the two outlets (annotate, annotate, link: a confirmed pair). Asked
    again for the crack's counterpart, the vote passage of B, first before, falls below the crack passage and
    says why."""
    corpus = _story(tmp_path)
    before = _suggest(run_cli, corpus)
    assert before[0]["text"] == VOTE_B  # the words it shares with the crack put the vote first
    assert not before[0]["evidence"]["confirmed_elsewhere"]

    vote_a = run_cli("annotate", "a.txt", "--quote", VOTE, corpus=corpus)
    vote_b = run_cli("annotate", "b.txt", "--quote", VOTE_B, corpus=corpus)
    assert vote_a.exit_code == vote_b.exit_code == 0, vote_a.output + vote_b.output
    linked = run_cli("link", vote_a.output.strip(), vote_b.output.strip(), corpus=corpus)
    assert linked.exit_code == 0, linked.output

    after = _suggest(run_cli, corpus)
    assert [c["text"] for c in after[:2]] == [CRACK_B, VOTE_B]
    demoted = after[1]
    assert demoted["evidence"]["confirmed_elsewhere"]
    assert demoted["confidence"] < before[0]["confidence"]
    assert not after[0]["evidence"]["confirmed_elsewhere"]


def test_the_confirmed_pair_itself_is_not_taken(run_cli, tmp_path):
    """Asked about the vote itself, its confirmed counterpart stays first and is not called taken."""
    corpus = _story(tmp_path)
    vote_a = run_cli("annotate", "a.txt", "--quote", VOTE, corpus=corpus).output.strip()
    vote_b = run_cli("annotate", "b.txt", "--quote", VOTE_B, corpus=corpus).output.strip()
    assert run_cli("link", vote_a, vote_b, corpus=corpus).exit_code == 0
    result = run_cli("suggest", "a.txt", "--quote", VOTE, "--with", "b.txt", "--json", corpus=corpus)
    first = json.loads(result.output)["candidates"][0]
    assert first["text"] == VOTE_B
    assert not first["evidence"]["confirmed_elsewhere"]
