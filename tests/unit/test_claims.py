"""The claims matrix: clusters of linked annotations, and each source's standing on each claim."""

from __future__ import annotations

from reader.claims import ABSENT, CONTRADICTS, DIFFERS, PRESENT, SILENT, SUPPORTS, matrix_for_store
from reader.text import find_quote


def _annotate(store, source_id, quote, tags=("claim",)):
    (start, end), *_ = find_quote(store.text(source_id), quote)
    return store.add_annotation(source_id, start, end, tags=list(tags))


def test_linked_annotations_form_one_claim_with_present_and_absent_cells(loaded_store, source_id):
    a = _annotate(loaded_store, source_id("000"), "Sebastien Bubeck joined Microsoft as a researcher in 2014")
    b = _annotate(loaded_store, source_id("003"), "For over a decade, Bubeck has been one of Microsoft")
    loaded_store.add_link(a.id, b.id, "same")

    _, claims = matrix_for_store(loaded_store)

    assert len(claims) == 1
    cells = claims[0].cells
    assert cells[source_id("000")].status == PRESENT
    assert [m.id for m in cells[source_id("003")].annotations] == [b.id]
    assert cells[source_id("001")].status == ABSENT


def test_a_differing_figure_makes_the_cell_differ_and_names_the_words(loaded_store, source_id):
    a = _annotate(loaded_store, source_id("001"), "Microsoft has contributed over $13 billion to OpenAI")
    b = _annotate(loaded_store, source_id("004"), "Microsoft invested an additional $10 billion")
    loaded_store.add_link(a.id, b.id, "same")

    _, claims = matrix_for_store(loaded_store)

    cell = claims[0].cells[source_id("004")]
    assert cell.status == DIFFERS
    assert any("13" in words and "10" in words for words in cell.differing_words)


def test_a_contradicts_link_reads_contradicts_not_differs(loaded_store, source_id):
    a = _annotate(loaded_store, source_id("000"), "Sebastien Bubeck, Microsoft’s Vice President of Generative AI")
    b = _annotate(loaded_store, source_id("003"), "Sebastien Bubeck, an experienced scientist")
    loaded_store.add_link(a.id, b.id, "contradicts")

    _, claims = matrix_for_store(loaded_store)

    cells = claims[0].cells
    assert cells[source_id("000")].status == PRESENT  # the claim as first stated
    assert cells[source_id("003")].status == CONTRADICTS


def test_a_supports_link_reads_supports(loaded_store, source_id):
    a = _annotate(loaded_store, source_id("000"), "Sebastien Bubeck joined Microsoft as a researcher in 2014")
    b = _annotate(loaded_store, source_id("003"), "For over a decade, Bubeck has been one of Microsoft")
    loaded_store.add_link(b.id, a.id, "supports")

    _, claims = matrix_for_store(loaded_store)

    assert claims[0].cells[source_id("003")].status == SUPPORTS


def test_a_paraphrase_is_present_not_differs(loaded_store, source_id):
    a = _annotate(loaded_store, source_id("000"), "Sebastien Bubeck joined Microsoft as a researcher in 2014")
    b = _annotate(loaded_store, source_id("001"), "spent 10 years at Microsoft Research")
    loaded_store.add_link(a.id, b.id, "same")

    _, claims = matrix_for_store(loaded_store)

    assert claims[0].cells[source_id("001")].status == PRESENT
    assert claims[0].cells[source_id("001")].differing_words == []


def test_a_contradiction_of_a_contradiction_agrees(loaded_store, source_id):
    a = _annotate(loaded_store, source_id("000"), "Sebastien Bubeck joined Microsoft as a researcher in 2014")
    b = _annotate(loaded_store, source_id("001"), "spent 10 years at Microsoft Research")
    c = _annotate(loaded_store, source_id("003"), "For over a decade, Bubeck has been one of Microsoft")
    loaded_store.add_link(a.id, b.id, "contradicts")
    loaded_store.add_link(b.id, c.id, "contradicts")

    _, claims = matrix_for_store(loaded_store)

    cells = claims[0].cells
    assert (cells[source_id("001")].status, cells[source_id("003")].status) == (CONTRADICTS, PRESENT)


def test_checked_and_silent_differs_from_not_yet_read_and_is_undoable(loaded_store, source_id):
    a = _annotate(loaded_store, source_id("000"), "Sebastien Bubeck joined Microsoft as a researcher in 2014")
    b = _annotate(loaded_store, source_id("003"), "For over a decade, Bubeck has been one of Microsoft")
    loaded_store.add_link(a.id, b.id, "same")
    loaded_store.set_silent(b.id, source_id("002"))

    _, claims = matrix_for_store(loaded_store)
    assert claims[0].cells[source_id("002")].status == SILENT
    assert claims[0].cells[source_id("001")].status == ABSENT

    loaded_store.undo()
    _, claims = matrix_for_store(loaded_store)
    assert claims[0].cells[source_id("002")].status == ABSENT


def test_unlinked_annotations_are_not_claims(loaded_store, source_id):
    _annotate(loaded_store, source_id("000"), "Sebastien Bubeck joined Microsoft as a researcher in 2014")

    _, claims = matrix_for_store(loaded_store)

    assert claims == []


def test_clusters_from_link_rows_are_the_clusters_of_the_link_graph():
    """The union-find over link rows (what claims_for_store uses) finds the same claims, members and order as
    the search over links, on random graphs with duplicate ids, self-links and links to missing annotations."""
    import random

    from reader.claims import _clusters_of_pairs, cluster_annotations
    from reader.model import Annotation, Link, LinkKind

    rng = random.Random(11)
    for _ in range(300):
        annotations = [
            Annotation(id=f"a{rng.randrange(60)}", source_id=rng.randrange(4), start=rng.randrange(5), end=9, quote="q")
            for _ in range(rng.randrange(1, 40))
        ]
        links = [
            Link(f"l{i}", f"a{rng.randrange(70)}", f"a{rng.randrange(70)}", rng.choice(list(LinkKind)), "c")
            for i in range(rng.randrange(60))
        ]
        searched = cluster_annotations(annotations, links)
        found = _clusters_of_pairs(
            annotations, [(link.from_annotation, link.to_annotation, link.kind) for link in links]
        )
        assert [[id(a) for a in group] for group in found] == [[id(a) for a in group] for group in searched]
