"""`reader align` (the passages making the same claim across sources), `reader suggest` (ranked counterparts
of a passage, with their evidence) and `reader reject` (a pair that must never be suggested again)."""

from __future__ import annotations

import re
import sys

import click

from reader.cli import Context, _json, _one_line, backend_option, cli, passage_span, require_backend
from reader.model import Decision
from reader.presentation import fit_cells
from reader.text import display_safe

CANDIDATE_CELLS = 100  # a candidate's text in `reader suggest`, cut with an ellipsis beyond (--json has it whole)
_SPAN = re.compile(r"^(?P<source>.+):(?P<start>\d+)-(?P<end>\d+)$")


def _passage(store, source: str, quote: str, occurrence: int | None):
    found = store.resolve_source(source)
    return found, passage_span(store, found, quote, occurrence)


@cli.command()
@click.argument("source")
@click.option("--quote", required=True, help="Words of the passage (white space and quote marks match loosely).")
@click.option(
    "--occurrence", type=click.IntRange(min=1), help="Which occurrence, when the quote appears more than once."
)
@click.option(
    "--top", type=click.IntRange(min=1, max=20), default=3, show_default=True, help="Candidates per other source."
)
@click.option(
    "--with",
    "others",
    multiple=True,
    metavar="SOURCE",
    help="Rank in these sources only (repeatable; default: every other source).",
)
@click.option("--json", "as_json", is_flag=True, help='{"query": {...}, "candidates": [...]}, best first.')
@backend_option("semantic: the pair model also weighs sentence embeddings (needs the `semantic` extra).")
@click.pass_obj
def suggest(
    obj: Context,
    source: str,
    quote: str,
    occurrence: int | None,
    top: int,
    others: tuple[str, ...],
    as_json: bool,
    backend: str,
) -> None:
    """For each other source, the passages most likely to state what QUOTE in SOURCE states, best first,
    with score, confidence and evidence (shared figures, names, quotations, rare words; differing figures).
    Pairs you rejected are left out."""
    from reader.align import SourceText, tuning
    from reader.align.suggest import rank_counterparts
    from reader.comparison import library_clauses, pair_model
    from reader.store.decisions import rejected_pairs

    require_backend(backend)
    store, _ = obj.synced_store()
    found, (start, end) = _passage(store, source, quote, occurrence)
    chosen = [store.resolve_source(reference) for reference in others] if others else store.sources()
    chosen = [s for s in {s.id: s for s in chosen}.values() if s.id != found.id]
    if not chosen:
        raise click.ClickException("no other source to rank passages in")
    docs = [SourceText(s.id, s.path, store.text(s.id)) for s in [found, *chosen]]
    ids = [s.id for s in [found, *chosen]]
    clause_set, _, _ = library_clauses(store, docs)  # words weighed as the comparison screen weighs them
    if backend == "semantic":
        from reader.align.semantic import semantic_context

        model = pair_model(store, tuning.SEMANTIC_PAIR_WEIGHTS).within(semantic_context(clause_set))
    else:
        model = pair_model(store)
    ranked = rank_counterparts(clause_set, found.id, start, end, model, top, rejected_pairs(store, ids))
    candidates = [c for s in chosen for c in ranked.get(s.id, [])]
    linked = _your_links(store, ids, (found.id, start, end))
    if as_json:
        query = {
            "source_id": found.id,
            "source_path": found.path,
            "start": start,
            "end": end,
            "text": docs[0].text[start:end],
        }
        ordered = sorted(candidates, key=lambda c: (-c.confidence, -c.score))
        shown = [c.to_json() | ({"linked": True} if linked((c.source_id, c.start, c.end)) else {}) for c in ordered]
        click.echo(_json({"query": query, "candidates": shown}, indent=2))
        return
    names = {s.id: s.name for s in chosen}
    for source_id in names:
        click.echo(_one_line(f"{names[source_id]}:"))
        for rank, candidate in enumerate(ranked.get(source_id, []), 1):
            click.echo(
                _one_line(
                    f"  {rank}. [{candidate.confidence:.2f}] {candidate.start}-{candidate.end} "
                    f"{fit_cells(' '.join(candidate.text.split()), CANDIDATE_CELLS)}"
                )
                + (" (your link)" if linked((candidate.source_id, candidate.start, candidate.end)) else "")
            )
            click.echo(_one_line(f"     {candidate.evidence.describe()}"))


def _your_links(store, source_ids: list[int], passage: tuple[int, int, int]):
    """Whether a passage (source_id, start, end) is one the user linked to the one asked about (said so, as the
    TUI's list does)."""
    from reader.align.suggest import overlaps
    from reader.store.decisions import linked_groups

    source_id, start, end = passage
    yours = [
        span
        for group in linked_groups(store, source_ids)
        if any(s[0] == source_id and overlaps(s[1], s[2], start, end) for s in group)
        for span in group
        if span[0] != source_id
    ]
    return lambda other: any(s[0] == other[0] and overlaps(s[1], s[2], other[1], other[2]) for s in yours)


def _span_reference(store, reference: str):
    match = _SPAN.match(reference.strip())
    if match is None:
        raise click.ClickException(
            f"not a passage: {_one_line(reference)!r} (write SOURCE:START-END, as "
            "`reader suggest --json` and `reader align` print them)"
        )
    found = store.resolve_source(match["source"])
    start, end = int(match["start"]), int(match["end"])
    if end <= start:
        problem = "ends before it starts" if end < start else "is empty"
        raise click.ClickException(f"{start}-{end} {problem} (write START-END, the end after the start)")
    if end > len(store.text(found.id)):
        raise click.ClickException(
            f"{start}-{end} is not a passage of {_one_line(found.name)} "
            f"(its text has {len(store.text(found.id))} characters)"
        )
    return found, start, end


@cli.command()
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.pass_obj
def reject(obj: Context, first: str, second: str) -> None:
    """Remember that passages A and B (each SOURCE:START-END) do not state the same claim: the pair is never
    suggested again, and the pair model learns from it."""
    from reader.align import SourceText, prepare_claims
    from reader.align.suggest import passage_features
    from reader.store.decisions import record_decision

    store, _ = obj.synced_store()
    a, b = _span_reference(store, first), _span_reference(store, second)
    if a[0].id == b[0].id:
        raise click.ClickException("a pair joins passages of two different sources")
    pair = f"{a[0].name} {a[1]}-{a[2]} and {b[0].name} {b[1]}-{b[2]}"
    if _your_links(store, [a[0].id, b[0].id], (a[0].id, a[1], a[2]))((b[0].id, b[1], b[2])):
        raise click.ClickException(
            _one_line(
                f"not rejected: you linked {pair} as one claim, and your link wins (`reader delete ID` "
                "removes one of its annotations, and the link)"
            )
        )
    docs = [SourceText(a[0].id, a[0].path, store.text(a[0].id)), SourceText(b[0].id, b[0].path, store.text(b[0].id))]
    clause_set = prepare_claims(docs)
    features = passage_features(clause_set, (0, a[1], a[2]), (1, b[1], b[2]))
    if not record_decision(store, Decision.REJECTED, (a[0].id, a[1], a[2]), (b[0].id, b[1], b[2]), features):
        click.echo(_one_line(f"already rejected: {pair}; nothing changed"))
        return
    click.echo(_one_line(f"rejected: {pair} are not the same claim") + " (`reader undo` takes it back)")


@cli.command()
@click.argument("sources_wanted", metavar="[SOURCES]...", nargs=-1)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="json: clusters with members and word differences; csv: one row per member.",
)
@backend_option(
    "lexical: words, names, numbers, quotations; semantic: adds sentence embeddings (needs the `semantic` extra)."
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Every suggestion, weak ones included (default: what the views draw: your links and confident suggestions).",
)
@click.pass_obj
def align(obj: Context, sources_wanted: tuple[str, ...], output_format: str, backend: str, everything: bool) -> None:
    """Print the passages that make the same claim across SOURCES (default: all), with the words that differ.

    Each cluster has an id, a status (confirmed: your own links; suggested: the aligner's), a confidence
    and members {source_path, start, end, text, score, status, confidence}; offsets are code points in the
    source's canonical text. Pairs you rejected (`reader reject`) are never suggested.
    """
    from reader.align import SourceText, alignment_to_msgspec
    from reader.comparison import compare_sources

    require_backend(backend)
    store, _ = obj.synced_store(sources_wanted)
    chosen = [obj.source(store, reference) for reference in sources_wanted] if sources_wanted else store.sources()
    chosen = list({source.id: source for source in chosen}.values())
    if len(chosen) < 2:
        raise click.ClickException("alignment needs at least two sources")
    compared = compare_sources(store, [SourceText(s.id, s.path, store.text(s.id)) for s in chosen], backend)
    alignment = compared.judged if everything else compared.shown
    del compared  # the claims of a million-line source (hundreds of MB), freed before the output is built
    if output_format == "json":
        from reader.commands.claims import echo_indented_json  # msgspec: json.dumps took 2 s on a million passages

        echo_indented_json(alignment_to_msgspec(alignment))
        return
    import csv
    import io

    from reader.exports import guard_row

    terminal = sys.stdout.isatty()  # a terminal is shown the rows through display_safe; a pipe gets them exact
    shown = io.StringIO() if terminal else None
    out = shown if shown is not None else sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        guard_row(
            [
                "cluster",
                "source_id",
                "source_path",
                "start",
                "end",
                "score",
                "repeat",
                "text",
                "differences",
                "status",
                "confidence",
            ]
        )
    )
    for cluster in alignment.clusters:
        changes = {d.member: d.changes for d in cluster.differences}
        for index, member in enumerate(cluster.members):
            described = "; ".join(
                f"{c.a_text or '∅'} → {c.b_text or '∅'}" + (f" [{','.join(c.emphasis)}]" if c.emphasis else "")
                for c in changes.get(index, ())
            )
            writer.writerow(
                guard_row(
                    [
                        cluster.id,
                        member.source_id,
                        member.source_path,
                        member.start,
                        member.end,
                        member.score,
                        int(member.repeat),
                        member.text,
                        described,
                        member.status,
                        "" if member.confidence is None else member.confidence,
                    ]
                )
            )
    if shown is not None:
        click.echo(display_safe(shown.getvalue()), nl=False)
