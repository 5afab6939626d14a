"""`reader agreement` (issue 12, item 3): kappa, alpha and percent agreement per tag and overall, on
sentence or character units, checked against the `krippendorff` package and a worked kappa example."""

from __future__ import annotations

import json
import random
from collections import Counter

import krippendorff
import numpy as np
import pytest

from reader.agreement import AgreementError, cohen_kappa, compute_agreement, figures, krippendorff_alpha
from reader.text import sentence_spans

TAGS = ["claim", "quote", "number"]


def random_annotations(store, source_ids, authors, per_source, seed):
    """Seeded random tagged spans; overlapping and multi-tag ones included."""
    rng = random.Random(seed)
    for source_id in source_ids:
        length = len(store.text(source_id))
        for author in authors:
            for _ in range(per_source):
                start = rng.randrange(0, length - 5)
                end = min(length, start + rng.randrange(1, 400))
                tags = rng.sample(TAGS, rng.choice([1, 1, 2]))
                store.add_annotation(source_id, start, end, tags=tags, author=author)


def naive_values(store, source_ids, authors, unit, tag=None):
    """Per author, per unit: the value the issue defines, computed the slow obvious way."""
    rows = [a for a in store.annotations() if a.author in authors and a.source_id in source_ids]
    columns = []
    for source_id in source_ids:
        text = store.text(source_id)
        units = sentence_spans(text) if unit == "sentence" else [(i, i + 1) for i in range(len(text))]
        for start, end in units:
            column = []
            for author in authors:
                coded = set()
                for a in rows:
                    if a.author == author and a.source_id == source_id and a.start < end and start < a.end:
                        coded |= set(a.tags)
                column.append((tag in coded) if tag else frozenset(coded))
            columns.append(column)
    return columns


def reference_alpha(columns):
    labels = {value: index for index, value in enumerate(sorted({v for c in columns for v in c}, key=repr))}
    data = np.array([[labels[c[i]] for c in columns] for i in range(len(columns[0]))], dtype=float)
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def reference_percent(columns):
    return 100 * sum(len(set(c)) == 1 for c in columns) / len(columns)


@pytest.fixture
def coded(loaded_store, source_id):
    ids = [source_id("001"), source_id("002"), source_id("003")]
    random_annotations(loaded_store, ids, ["alice", "bob"], per_source=6, seed=12)
    # carol annotated one source only; bob alone annotated 004: neither changes alice-bob units
    random_annotations(loaded_store, [ids[0]], ["carol"], per_source=4, seed=13)
    random_annotations(loaded_store, [source_id("004")], ["bob"], per_source=3, seed=14)
    return loaded_store, ids


@pytest.mark.parametrize("unit", ["sentence", "character"])
def test_alpha_kappa_percent_match_the_reference(coded, unit) -> None:
    store, ids = coded
    report = compute_agreement(store, authors=["alice", "bob"], unit=unit)
    assert report.sources == sorted(ids)
    for tag in [None, *TAGS]:
        columns = naive_values(store, sorted(ids), ["alice", "bob"], unit, tag)
        got = report.overall if tag is None else report.tags[tag]
        assert got.all_units.units == len(columns)
        assert got.all_units.alpha == pytest.approx(reference_alpha(columns))
        assert got.all_units.percent == pytest.approx(reference_percent(columns))
        coded_columns = [c for c in columns if any(c)]
        assert got.coded_only.units == len(coded_columns)
        assert got.coded_only.alpha == pytest.approx(reference_alpha(coded_columns))
        assert got.coded_only.percent == pytest.approx(reference_percent(coded_columns))
        # whole-text agreement is inflated by units neither coded
        assert got.coded_only.percent < got.all_units.percent


def test_three_authors_alpha_and_no_kappa(coded) -> None:
    store, ids = coded
    report = compute_agreement(store, authors=["alice", "bob", "carol"])
    assert report.sources == [ids[0]]  # the only source all three annotated
    columns = naive_values(store, [ids[0]], ["alice", "bob", "carol"], "sentence")
    assert report.overall.all_units.alpha == pytest.approx(reference_alpha(columns))
    assert report.overall.all_units.kappa is None


def test_alpha_with_missing_values_matches_the_reference() -> None:
    rng = random.Random(3)
    units = [tuple(rng.choice([None, "a", "b", "c"]) for _ in range(4)) for _ in range(200)]
    data = np.array([[np.nan if u[i] is None else "abc".index(u[i]) for u in units] for i in range(4)])
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert krippendorff_alpha(Counter(units)) == pytest.approx(expected)


def test_kappa_on_a_worked_example() -> None:
    # 50 units: both yes 20, A yes B no 5, A no B yes 10, both no 15: p_o 0.7, p_e 0.5, kappa 0.4
    profiles = Counter({("y", "y"): 20, ("y", "n"): 5, ("n", "y"): 10, ("n", "n"): 15})
    assert cohen_kappa(profiles) == pytest.approx(0.4)
    result = figures(profiles)
    assert result.percent == pytest.approx(70.0) and result.units == 50


def test_undefined_figures_are_none() -> None:
    same = Counter({("y", "y"): 10})
    assert cohen_kappa(same) is None and krippendorff_alpha(same) is None


def test_needs_two_authors_and_refuses_while_blind(loaded_store, source_id) -> None:
    random_annotations(loaded_store, [source_id("001")], ["alice"], 2, seed=1)
    with pytest.raises(AgreementError, match="two authors"):
        compute_agreement(loaded_store)
    with pytest.raises(AgreementError, match="'nobody'"):
        compute_agreement(loaded_store, authors=["alice", "nobody"])
    random_annotations(loaded_store, [source_id("001")], ["bob"], 2, seed=2)
    loaded_store.set_blind(True)
    with pytest.raises(AgreementError, match="blind"):
        compute_agreement(loaded_store)


# --- the command ---------------------------------------------------------------------------------

def test_agreement_json_has_the_issues_keys(coded, run_cli) -> None:
    result = run_cli("agreement", "--json", "--author", "alice", "--author", "bob", "--tag", "claim")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    keys = {"kappa", "alpha", "percent", "units", "coded_only"}
    assert set(data["overall"]) == keys and set(data["tags"]) == {"claim"}
    assert set(data["tags"]["claim"]) == keys
    assert set(data["tags"]["claim"]["coded_only"]) == keys - {"coded_only"}
    assert data["authors"] == ["alice", "bob"] and data["sources"] == 3


def test_agreement_table_and_filters(coded, run_cli) -> None:
    store, ids = coded
    result = run_cli("agreement", "--source", "001", "--unit", "character")
    assert result.exit_code == 0, result.output
    assert "3 authors" in result.output and "1 source," in result.output and "overall" in result.output
    assert "kappa is Cohen's" in result.output


@pytest.mark.parametrize("args, words", [
    (["--tag", "no such tag"], "no tag named"),
    (["--source", "nothing-like-this"], "no source matches"),
    (["--author", "alice"], "two authors"),
    (["--unit", "word"], "Invalid value"),
])
def test_agreement_bad_input_is_one_line(coded, run_cli, args, words) -> None:
    result = run_cli("agreement", *args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert words in result.output


def test_odd_author_names_are_display_safe(loaded_store, source_id, run_cli) -> None:
    random_annotations(loaded_store, [source_id("001")], ["evil\x1b[2J\nname", 'quote"s'], 3, seed=5)
    result = run_cli("agreement")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "␛" in result.output
