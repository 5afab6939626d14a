"""`reader suggest` (ranked counterparts of a passage, with their evidence) and `reader reject` (a pair that
must never be suggested again)."""

from __future__ import annotations

import re

import click

from reader.cli import Context, _json, _one_line, cli, passage_span

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
@click.pass_obj
def suggest(
    obj: Context, source: str, quote: str, occurrence: int | None, top: int, others: tuple[str, ...], as_json: bool
) -> None:
    """For each other source, the passages most likely to state what QUOTE in SOURCE states, best first,
    with score, confidence and evidence (shared figures, names, quotations, rare words; differing figures).
    Pairs you rejected are left out."""
    from reader.align import SourceText, prepare_claims
    from reader.align.suggest import rank_counterparts
    from reader.comparison import pair_model
    from reader.store.decisions import rejected_pairs

    store, _ = obj.synced_store()
    found, (start, end) = _passage(store, source, quote, occurrence)
    chosen = [store.resolve_source(reference) for reference in others] if others else store.sources()
    chosen = [s for s in {s.id: s for s in chosen}.values() if s.id != found.id]
    if not chosen:
        raise click.ClickException("no other source to rank passages in")
    docs = [SourceText(s.id, s.path, store.text(s.id)) for s in [found, *chosen]]
    ids = [doc.source_id for doc in docs]
    ranked = rank_counterparts(
        prepare_claims(docs), found.id, start, end, pair_model(store), top, rejected_pairs(store, ids)
    )
    candidates = [c for s in chosen for c in ranked.get(s.id, [])]
    if as_json:
        query = {
            "source_id": found.id,
            "source_path": found.path,
            "start": start,
            "end": end,
            "text": docs[0].text[start:end],
        }
        ordered = sorted(candidates, key=lambda c: (-c.confidence, -c.score))
        click.echo(_json({"query": query, "candidates": [c.to_json() for c in ordered]}, indent=2))
        return
    names = {s.id: s.name for s in chosen}
    for source_id in names:
        click.echo(_one_line(f"{names[source_id]}:"))
        for rank, candidate in enumerate(ranked.get(source_id, []), 1):
            click.echo(
                _one_line(
                    f"  {rank}. [{candidate.confidence:.2f}] {candidate.start}-{candidate.end} "
                    f"{' '.join(candidate.text.split())[:100]}"
                )
            )
            click.echo(_one_line(f"     {candidate.evidence.describe()}"))


def _span_reference(store, reference: str):
    match = _SPAN.match(reference.strip())
    if match is None:
        raise click.ClickException(
            f"not a passage: {_one_line(reference)!r} (write SOURCE:START-END, as "
            "`reader suggest --json` and `reader align` print them)"
        )
    found = store.resolve_source(match["source"])
    start, end = int(match["start"]), int(match["end"])
    if not 0 <= start < end <= len(store.text(found.id)):
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
    from reader.align.learn import pair_features
    from reader.align.suggest import query_clauses
    from reader.store.decisions import record_decision

    store, _ = obj.synced_store()
    a, b = _span_reference(store, first), _span_reference(store, second)
    if a[0].id == b[0].id:
        raise click.ClickException("a pair joins passages of two different sources")
    docs = [SourceText(a[0].id, a[0].path, store.text(a[0].id)), SourceText(b[0].id, b[0].path, store.text(b[0].id))]
    clause_set = prepare_claims(docs)
    features = max(
        (
            pair_features(x, y)
            for x in query_clauses(clause_set, 0, a[1], a[2])
            for y in query_clauses(clause_set, 1, b[1], b[2])
        ),
        key=lambda f: f[0],
    )
    record_decision(store, "rejected", (a[0].id, a[1], a[2]), (b[0].id, b[1], b[2]), features)
    click.echo(_one_line(f"rejected: {a[0].name} {a[1]}-{a[2]} and {b[0].name} {b[1]}-{b[2]} are not the same claim"))
