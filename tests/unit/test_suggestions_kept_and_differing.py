"""The comparison as a fact-checker meets it: confirming one pair keeps the other sources'
suggestions for the same claim; a pair whose figures changed is shown as differing, not left out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reader.align import SourceText, cluster_to_json
from reader.comparison import compare_sources
from reader.library import sync_sources
from reader.model import LinkKind, SuggestionStatus

MARROWBY = Path(__file__).parents[1] / "data" / "marrowby"  # four outlets on one invented story


def copied(tmp_path: Path, data: Path) -> Path:
    """A copy of a test data folder's articles (its README left out)."""
    folder = tmp_path / data.name
    shutil.copytree(data, folder, ignore=shutil.ignore_patterns("README.md"))
    return folder


def library_of(store, tmp_path: Path, data: Path):
    """store with the articles of a test data folder as its sources."""
    sync_sources(store, [copied(tmp_path, data)])
    return store


@pytest.fixture
def marrowby(store, tmp_path):
    return library_of(store, tmp_path, MARROWBY)


def docs_of(store) -> list[SourceText]:
    return [SourceText(s.id, s.path, store.text(s.id)) for s in sorted(store.sources(), key=lambda s: s.name)]


def span_of(store, docs: list[SourceText], prefix: str, words: str) -> tuple[int, int, int]:
    doc = next(d for d in docs if Path(d.path).name.startswith(prefix))
    start = doc.text.index(words)
    return doc.source_id, start, start + len(words)


def cluster_holding(alignment, source_id, start):
    return next(
        (c for c in alignment.clusters if any(m.source_id == source_id and m.start <= start < m.end for m in c.members)),
        None,
    )


def damage_estimates(store, docs: list[SourceText]) -> tuple[tuple[int, int, int], ...]:
    """The Marrowby damage claim in a ($4.2 million), b ($4.5 million) and c ($4.2 million)."""
    return (
        span_of(store, docs, "a_", "The company estimates the damage at $4.2 million."),
        span_of(store, docs, "b_", "Chief executive Dana Holt put the cost of the damage at $4.5 million"),
        span_of(store, docs, "c_", "Damage is put at $4.2 million by the company."),
    )


def link_same(store, a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    """The user's link: both spans (source, start, end) annotated as claims, linked as the same claim."""
    first = store.add_annotation(a[0], a[1], a[2], tags=["claim"])
    second = store.add_annotation(b[0], b[1], b[2], tags=["claim"])
    store.add_link(first.id, second.id, LinkKind.SAME)


def test_confirming_one_pair_keeps_the_other_sources_suggestions_for_the_same_claim(marrowby):
    store = marrowby
    docs = docs_of(store)
    a, b, c = damage_estimates(store, docs)
    before = cluster_holding(compare_sources(store, docs).shown, a[0], a[1])
    assert before is not None and c[0] in before.source_ids  # a-c drawn before the confirmation
    link_same(store, a, b)
    after = compare_sources(store, docs)
    cluster = cluster_holding(after.shown, a[0], a[1])
    assert cluster is not None
    statuses = {m.source_id: m.status for m in cluster.members}
    assert statuses[a[0]] == statuses[b[0]] == SuggestionStatus.CONFIRMED  # the user's link wins
    assert statuses.get(c[0]) == SuggestionStatus.SUGGESTED, "confirming a-b hid the suggestion a-c"
    hit = after.shown.at(a[0], a[1])
    assert hit is not None and {m.source_id for m in hit.counterparts} >= {b[0], c[0]}


QUELLIN = Path(__file__).parents[1] / "data" / "quellin"  # the port fine: $4.2 million / $4.5 million


@pytest.fixture
def quellin(store, tmp_path):
    return library_of(store, tmp_path, QUELLIN)


def test_a_pair_whose_figures_changed_is_in_every_suggestion_and_flagged_differs(quellin):
    """c ranked "ordered ... to pay $4.5 million" first for "fined $4.2 million" (0.75), yet the aligner's word
    score (0.09: a figure conflict and only the story's words shared) left it out of `align --all`."""
    store = quellin
    docs = docs_of(store)
    a = span_of(store, docs, "a_", "has been fined $4.2 million")
    b = span_of(store, docs, "b_", "to pay $4.5 million")
    judged = compare_sources(store, docs).judged
    cluster = cluster_holding(judged, a[0], a[1])
    assert cluster is not None and b[0] in cluster.source_ids, "the $4.5 million pair is not suggested at all"
    found = cluster_to_json(cluster)
    index = next(i for i, m in enumerate(cluster.members) if m.source_id == b[0])
    reference = cluster.members[0]
    difference = next(d for d in found["differences"] if d["member"] == index)
    assert difference["differs"] is True
    if reference.source_id == a[0]:
        assert difference["figures"] == {"a": ["$4.2 million"], "b": ["$4.5 million"]}
    member = cluster.members[index]
    assert member.status == SuggestionStatus.SUGGESTED and member.confidence is not None


def test_reader_align_lists_the_changed_figures_pair_as_differing(run_cli, tmp_path):
    folder = copied(tmp_path, QUELLIN)
    assert run_cli("add", str(folder), corpus=folder).exit_code == 0
    for extra in ([], ["--all"]):
        result = run_cli("align", "--format", "json", *extra, corpus=folder)
        assert result.exit_code == 0, result.output
        clusters = json.loads(result.output)["clusters"]
        cluster = next(c for c in clusters if any("has been fined $4.2 million" in m["text"] for m in c["members"]))
        texts = [m["text"] for m in cluster["members"]]
        index = next(i for i, text in enumerate(texts) if "to pay $4.5 million" in text)
        difference = next(d for d in cluster["differences"] if d["member"] == index)
        assert difference["differs"] is True and "$4.5 million" in difference["figures"]["b"]


def test_a_suggestion_rejected_against_a_linked_passage_does_not_join_its_link(marrowby):
    from reader.model import Decision
    from reader.store.decisions import record_decision

    store = marrowby
    docs = docs_of(store)
    a, b, c = damage_estimates(store, docs)
    link_same(store, a, b)
    record_decision(store, Decision.REJECTED, a, c, [])
    cluster = cluster_holding(compare_sources(store, docs).judged, a[0], a[1])
    assert cluster is not None and c[0] not in cluster.source_ids


@pytest.mark.parametrize(
    ("words", "said", "minutes"),
    [
        ("The blaze broke out at 2:40am in the hall.", "2:40am", 160),
        ("called shortly before 3am on Tuesday", "3am", 180),
        ("the meeting ends at 3 pm today", "3 pm", 900),
        ("it closed at 14:30 on Friday", "14:30", 870),
        ("at 12.15am the lights went out", "12.15am", 15),
    ],
)
def test_a_time_of_day_is_one_figure_not_a_number_and_a_name(words, said, minutes):
    """'2:40am' was the amount 2 and the name '40am', '3am' a name: the panel said 'same figure: 2; names: 40am'
    and 'differs: 2 | 140' (against 140 firefighters)."""
    from reader.align.figures import figures

    found = [(f.text, f.kind, f.value) for f in figures(words, 0, len(words))]
    assert found == [(said, "clock", minutes)]


def test_a_score_is_not_read_as_a_time_of_day():
    from reader.align.figures import figures

    text = "they won 2:1 after extra time"
    assert all(f.kind != "clock" for f in figures(text, 0, len(text)))


def test_two_times_of_day_differ_and_a_time_never_differs_from_a_count():
    from reader.align.figures import figures, figures_differ

    early, late, crews = "began at about 2:40am", "began shortly before 3am", "some 140 firefighters"
    assert figures_differ(figures(early, 0, len(early)), figures(late, 0, len(late)))
    assert not figures_differ(figures(early, 0, len(early)), figures(crews, 0, len(crews)))


def test_reader_suggest_says_which_candidate_is_already_your_link(run_cli, tmp_path):
    """`reader suggest` listed the passage the user had linked as one more candidate, as the TUI's list did."""
    folder = copied(tmp_path, MARROWBY)
    assert run_cli("add", str(folder), corpus=folder).exit_code == 0
    ids = []
    for name, words in (("a_marrowby_echo.txt", "The company estimates the damage at $4.2 million."),
                        ("c_what_we_know.txt", "Damage is put at $4.2 million by the company.")):
        made = run_cli("annotate", name, "--quote", words, "--tag", "claim", corpus=folder)
        assert made.exit_code == 0, made.output
        ids.append(made.output.split()[-1])
    assert run_cli("link", *ids, corpus=folder).exit_code == 0
    query = ("suggest", "a_marrowby_echo.txt", "--quote", "The company estimates the damage", "--with", "c_what")
    shown = run_cli(*query, corpus=folder)
    assert shown.exit_code == 0, shown.output
    line = next(row for row in shown.output.splitlines() if "Damage is put at" in row)
    assert line.endswith("(your link)"), line
    found = json.loads(run_cli(*query, "--json", corpus=folder).output)["candidates"]
    assert [c.get("linked", False) for c in found] == [("Damage is put" in c["text"]) for c in found]


def test_a_rejected_pair_whose_figures_differ_is_not_suggested_again(quellin):
    from reader.model import Decision
    from reader.store.decisions import record_decision

    store = quellin
    docs = docs_of(store)
    a = span_of(store, docs, "a_", "The Port of Quellin has been fined $4.2 million")
    b = span_of(store, docs, "b_", "A tribunal has ordered the Port of Quellin to pay $4.5 million")
    judged = compare_sources(store, docs).judged
    cluster = cluster_holding(judged, a[0], a[1])
    theirs = next(m for m in cluster.members if m.source_id == b[0])
    mine = next(m for m in cluster.members if m.source_id == a[0])
    record_decision(store, Decision.REJECTED, (a[0], mine.start, mine.end), (b[0], theirs.start, theirs.end), [])
    cluster = cluster_holding(compare_sources(store, docs).judged, a[0], a[1])
    assert cluster is None or b[0] not in cluster.source_ids


def test_a_passage_left_alone_when_its_cluster_joins_a_link_is_unique_not_lost(loaded_store, source_id):
    """Linking 000's "Despite Bubeck's exit" with 001's "announced his exit": the cluster that held 001's passage,
    000's "Bubeck's departure" and 002's joined the link, and 000's passage (its source already in the link)
    was neither in a cluster nor unique any more."""
    store = loaded_store
    docs = [SourceText(sid, "", store.text(sid)) for sid in (source_id("000"), source_id("001"))]
    a = span_of(store, docs, "", "Despite Bubeck’s exit from Microsoft")
    hit = compare_sources(store, docs).shown.at(a[0], a[1])  # what L links: the aligned passages themselves
    b = next(m for m in hit.counterparts if m.source_id == docs[1].source_id)
    assert "announced his exit" in b.text
    link_same(store, (a[0], hit.member.start, hit.member.end), (b.source_id, b.start, b.end))
    judged = compare_sources(store, docs).judged
    text = docs[0].text
    lost = text.index("Sebastien Bubeck’s departure from Microsoft to join OpenAI")
    covered = [(m.start, m.end) for c in judged.clusters for m in c.members if m.source_id == docs[0].source_id]
    covered += judged.unique[docs[0].source_id]
    assert any(start <= lost < end for start, end in covered)


def test_a_sum_of_money_never_differs_from_a_head_count():
    """"$4.2 million | 60" was offered as figures that differ: a fine and a number of firefighters are two
    facts. A sum still differs from another sum, written with its currency or not."""
    from reader.align.figures import figures, figures_differ

    def found(text: str):
        return figures(text, 0, len(text))

    fine, crews = found("a fine of $4.2 million"), found("some 60 firefighters")
    assert not figures_differ(fine, crews) and not figures_differ(crews, fine)
    assert figures_differ(fine, found("a fine of $4.5 million"))
    assert figures_differ(fine, found("fined 4.5 million dollars"))
    assert figures_differ(crews, found("58 firefighters"))


def test_a_huge_source_is_not_read_clause_by_clause_for_differing_figures():
    """After the merge, `reader align` of a million-line source made a Clause of every claim and read each
    for figures (11.3 s CPU against 5.2 s) before finding the pairs too many to look at: a set larger than
    MAX_CLAIMS is left as the aligner drew it, without a Clause made."""
    from reader.align import align_claims, prepare_claims
    from reader.align.differing import MAX_CLAIMS, with_differing_figures
    from reader.align.learn import PairModel
    from reader.align.tuning import DEFAULT_PAIR_WEIGHTS

    sentences = [f"Inspectors counted {n % 97} cracks in span {n} of the bridge." for n in range(MAX_CLAIMS + 10)]
    docs = [SourceText("big", "big.txt", " ".join(sentences)),
            SourceText("small", "small.txt", "Inspectors counted 40 cracks in the bridge.")]
    clause_set = prepare_claims(docs)
    alignment = align_claims(clause_set)
    made_before = sum(clause is not None for clause in clause_set.made)
    assert with_differing_figures(alignment, clause_set, PairModel(DEFAULT_PAIR_WEIGHTS), 0.5) is alignment
    assert sum(clause is not None for clause in clause_set.made) == made_before


def test_the_semantic_comparison_uses_its_own_regrouping_and_differing_constants(marrowby, monkeypatch):
    """The semantic backend's pairs whose figures differ are looked for from its own SEMANTIC_DIFFERING_CONFIDENCE
    and its clusters regrouped with its own constants (chosen for it by bench/eval_suggest.py's grid). The model
    is stood in for (no embeddings: the cosine feature is 0), so this runs without the semantic extra."""
    import reader.comparison as comparison
    from reader.align import semantic, tuning
    from reader.align.learn import PairContext
    from reader.align.scoring import claim_score

    monkeypatch.setattr(semantic, "semantic_context", lambda clause_set, model=None: PairContext.of(clause_set))
    monkeypatch.setattr(semantic, "semantic_scoring", lambda clause_set, model=None, vectors=None: (claim_score, []))
    monkeypatch.setattr(tuning, "SEMANTIC_DIFFERING_CONFIDENCE", 0.93)
    floors, backends = [], []
    differing, assess = comparison.with_differing_figures, comparison.assess

    def with_differing_figures(alignment, clause_set, model, floor, rejected=()):
        floors.append(floor)
        return differing(alignment, clause_set, model, floor, rejected)

    def assessed(*args, **kwargs):
        backends.append(kwargs.get("backend", "lexical"))
        return assess(*args, **kwargs)

    monkeypatch.setattr(comparison, "with_differing_figures", with_differing_figures)
    monkeypatch.setattr(comparison, "assess", assessed)
    docs = docs_of(marrowby)
    compare_sources(marrowby, docs, backend="semantic")
    compare_sources(marrowby, docs)
    assert floors == [0.93, max(tuning.DRAW_CONFIDENCE, tuning.DIFFERING_CONFIDENCE)]
    assert backends == ["semantic", "lexical"]
