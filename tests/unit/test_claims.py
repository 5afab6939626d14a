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


# Pinned before the claims list was made faster (issue 11): the wordings and the statuses must not change.
PINNED_DIFFERENCES = [
    (
        "Microsoft has contributed over $13 billion to OpenAI",
        "Microsoft has contributed over $10 billion to OpenAI",
        ["$13 → $10"],
    ),
    (
        "Microsoft has contributed an estimated $13 billion",
        "Microsoft has contributed over $13 billion",
        ["an estimated → over"],
    ),
    (
        "Altman said Microsoft invested $13 billion in 2019.",
        "Nadella said Microsoft invested $13 billion in 2019.",
        ["Altman → Nadella"],
    ),
    # A word next to a figure is a change of the figure's wording, even in a paraphrase.
    (
        "Altman said Microsoft invested $13 billion in 2019.",
        "According to Altman, Microsoft put $13 billion into it in 2019.",
        ["invested → put"],
    ),
    ("He called it “a historic deal” on Monday", "He called it “a good deal” on Monday", ["historic → good"]),
    ("Sébastien Bubeck joined Microsoft", "SEBASTIEN BUBECK joined microsoft", []),
    ("Sebastien Bubeck joined Microsoft as a researcher", "Bubeck joined Microsoft", []),
    ("The company said it was pleased", "The firm said it was happy", []),
    ("Bubeck’s exit from Microsoft", "Bubeck's exit from Google", ["Microsoft → Google"]),
    ("It raised twelve million dollars", "It raised ten million dollars", ["twelve → ten"]),
    ("revenue rose 5% in 2023", "revenue rose 7% in 2023", ["5% → 7%"]),
    ("Nothing to see here", "Nothing to see here", []),
    (
        "Microsoft s GenAI VP Sebastien Bubeck Joins OpenAI",
        "AI researcher Sebastien Bubeck leaves Microsoft and joins OpenAI.",
        ["Microsoft s GenAI VP → AI researcher"],
    ),
    # A claim told in other words: the figures, not the whole sentence (my session's matrix showed
    # "Rescue crews needed more than four → All passengers were taken off by lifeboats within **three").
    (
        "Rescue crews needed more than four hours to bring everyone ashore.",
        "All passengers were taken off by lifeboats within **three hours**.",
        ["four hours → three hours"],
    ),
    # A figure that moves as it changes: the word diff sees one deleted and one added, and missed it.
    (
        "Engineers found a 40-centimetre crack in the deck.",
        "Engineers found a crack of 45 centimetres in the deck.",
        ["40-centimetre → of 45 centimetres"],
    ),
    # A figure one side adds and another of a different kind the other leaves out: no figure changed.
    ("Microsoft invested $13 billion, Altman said.", "In 2019, Microsoft invested, Altman said.", []),
]


def test_emphasised_differences_name_changed_figures_names_and_quotations_only():
    from reader.claim_wording import emphasised_differences

    for a, b, expected in PINNED_DIFFERENCES:
        assert emphasised_differences(a, b) == expected, (a, b)


def test_statuses_differences_and_first_appearances_of_several_claims_are_pinned():
    """Several claims at once: two members in one source, a chain of supports and contradicts, a silent
    mark, a member in a source not shown, repeated wordings (compared once) and undated sources."""
    from reader.claims import build_matrix
    from reader.model import Annotation, Link, LinkKind, Source

    sources = [
        Source(1, "/a/one.txt", "One", published="2024-03-01"),
        Source(2, "/a/two.txt", "Two", published="2024-01-15"),
        Source(3, "/a/three.txt", "Three"),
        Source(4, "/a/four.txt", "Four", published="2024-02-01T08:00:00Z"),
    ]
    base = "Altman said Microsoft invested $13 billion in 2019."
    quotes = {
        "a1": (1, 0, base),
        "a2": (2, 5, base.replace("$13", "$10")),
        "a3": (3, 9, base),
        "a4": (4, 2, "According to Altman, Microsoft put $13 billion into it in 2019."),
        "a5": (1, 40, base),
        "b1": (1, 80, "Nadella joined in May"),
        "b2": (2, 90, "Altman joined in May"),
        "b3": (3, 95, "He joined"),
        "b4": (9, 1, "Somewhere else"),
    }
    annotations = [
        Annotation(id=key, source_id=source, start=start, end=start + len(quote), quote=quote, created=f"t{key}")
        for key, (source, start, quote) in quotes.items()
    ]
    links = [
        Link("l1", "a1", "a2", LinkKind.SAME),
        Link("l2", "a1", "a3", LinkKind.SAME),
        Link("l3", "a3", "a4", LinkKind.SAME),
        Link("l4", "a1", "a5", LinkKind.SAME),
        Link("l5", "b1", "b2", LinkKind.CONTRADICTS),
        Link("l6", "b2", "b3", LinkKind.SUPPORTS),
        Link("l7", "b3", "b4", LinkKind.SAME),
    ]

    claims = build_matrix(sources, annotations, links, [("a1", 4), ("b1", 4), ("b2", 3)])

    seen = [
        (
            claim.id,
            claim.reference.id,
            claim.first_appearance and claim.first_appearance.published,
            {
                source_id: (cell.status.value, [m.id for m in cell.annotations], cell.differing_words)
                for source_id, cell in sorted(claim.cells.items())
            },
        )
        for claim in claims
    ]
    assert seen == [
        (
            "a1",
            "a2",
            "2024-01-15",
            {
                1: ("differs", ["a1", "a5"], ["$10 → $13"]),
                2: ("present", ["a2"], []),
                3: ("differs", ["a3"], ["$10 → $13"]),
                4: ("differs", ["a4"], ["invested $10 → put $13"]),
            },
        ),
        (
            "b1",
            "b2",
            "2024-01-15",
            {
                1: ("contradicts", ["b1"], []),
                2: ("present", ["b2"], []),
                3: ("supports", ["b3"], []),
                4: ("silent", [], []),
            },
        ),
    ]


def test_the_link_graph_lists_same_links_first_then_by_id_ties_as_linked():
    """The order relations are followed in (the shortest chain, ties to "same" and the lower id), on random
    neighbour lists with repeated ids and kinds."""
    import random

    from reader.claims import _graph_of_pairs

    rng = random.Random(7)
    for _ in range(2000):
        pairs = [
            ("hub", f"a{rng.randrange(6)}", rng.choice(["same", "supports", "contradicts"]))
            for _ in range(rng.randrange(1, 9))
        ]
        expected = sorted(((to, kind) for _, to, kind in pairs), key=lambda pair: (pair[1] != "same", pair[0]))
        assert _graph_of_pairs(pairs)["hub"] == expected


def test_claims_do_not_depend_on_the_order_of_annotations_that_start_apart():
    """linked_annotations may hand over the rows as scanned when no two annotations start at one place in one
    source (claims_for_store): the claims, their members, ids, cells and first appearances are the same for
    any order, unlinked annotations among them."""
    import random

    from reader.claims import build_matrix
    from reader.model import Annotation, Source

    rng = random.Random(5)
    sources = [Source(i, f"/s/{i}.txt", f"S{i}", published=f"2024-0{1 + i % 3}-01" if i % 4 else "") for i in range(6)]
    for _ in range(200):
        places = rng.sample([(s, start) for s in range(6) for start in range(0, 400, 10)], rng.randrange(2, 30))
        annotations = [
            Annotation(
                f"a{n:02d}",
                s,
                start,
                start + 5,
                rng.choice(["$13 billion", "$10 billion", "Altman said", "x"]),
                created=f"t{rng.randrange(5)}",
            )
            for n, (s, start) in enumerate(places)
        ]
        pairs = [
            (rng.choice(annotations).id, rng.choice(annotations).id, rng.choice(["same", "supports", "contradicts"]))
            for _ in range(rng.randrange(1, 30))
        ]
        shuffled = rng.sample(annotations, len(annotations))

        def seen(given):
            return [
                (
                    c.id,
                    [m.id for m in c.members],
                    c.reference.id,
                    {sid: (cell.status, cell.differing_words) for sid, cell in c.cells.items()},
                )
                for c in build_matrix(sources, given, [], [], pairs=pairs)
            ]

        assert seen(shuffled) == seen(annotations)
