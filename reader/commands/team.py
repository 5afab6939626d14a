"""Team work on the command line: blind coding on or off, agreement between coders, adjudication."""

from __future__ import annotations

import sys

import click

from reader.cli import Context, _json, _one_line, cli
from reader.text import plural


@cli.command()
@click.argument("state", required=False, type=click.Choice(["on", "off", "status"]), default="status")
@click.pass_obj
def blind(obj: Context, state: str) -> None:
    """Blind coding: `on` makes each author see, export and align only their own annotations (for
    everyone who opens this database) until `off`; `status` (the default) says what is in effect.

    A single session can be blind on its own with READER_BLIND=1.
    """
    store = obj.store()
    if state != "status":
        store.set_blind(state == "on")
    if store.database_blind():
        click.echo(f"blind coding is on for this database: {_one_line(store.author)} sees only their own annotations")
    elif store.session_blind:
        click.echo(
            f"blind coding is on for this session (READER_BLIND): {_one_line(store.author)} sees only "
            "their own annotations"
        )
    else:
        click.echo("blind coding is off: every author's annotations are visible")


def _figure(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}%" if percent else f"{value:.3f}"


@cli.command()
@click.option("--tag", "tags", multiple=True, help="Only this tag (repeatable); default: every tag used.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable; id, file name or title).")
@click.option(
    "--author", "authors", multiple=True, help="Compare these authors (repeatable); default: everyone who annotated."
)
@click.option(
    "--unit",
    type=click.Choice(["sentence", "character"]),
    default="sentence",
    show_default=True,
    help="What one coding decision is: a sentence, or a character.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON: per tag and overall kappa, alpha, percent, units and a coded_only object with the same keys.",
)
@click.pass_obj
def agreement(
    obj: Context, tags: tuple[str, ...], sources: tuple[str, ...], authors: tuple[str, ...], unit: str, as_json: bool
) -> None:
    """How far coders agree, per tag and overall: Cohen's kappa (two authors), Krippendorff's alpha
    (nominal, any number of authors) and percent agreement, on the units of the sources every compared
    author annotated; and the same on coded units only (units at least one author coded), since
    uncoded text inflates the whole-text figures."""
    from reader.agreement import compute_agreement

    store = obj.store()
    if not store.has_sources():
        store, _ = obj.synced_store()
    source_ids = [store.resolve_source(reference).id for reference in sources]
    tag_names = [store.tag(name).name for name in tags]
    report = compute_agreement(store, tag_names, source_ids, authors, unit)
    if as_json:
        click.echo(_json(report.as_json(), indent=2))
        return
    click.echo(
        f"{plural(len(report.authors), 'author')} ({', '.join(_one_line(a) for a in report.authors)}), "
        f"{plural(len(report.sources), 'source')}, units: {unit}s"
    )
    header = ("tag", "units", "kappa", "alpha", "agree", "coded", "kappa", "alpha", "agree")
    rows = [("overall", report.overall)] + list(report.tags.items())
    table = [header] + [
        (
            _one_line(name),
            f"{figures.all_units.units:,}",
            _figure(figures.all_units.kappa),
            _figure(figures.all_units.alpha),
            _figure(figures.all_units.percent, True),
            f"{figures.coded_only.units:,}",
            _figure(figures.coded_only.kappa),
            _figure(figures.coded_only.alpha),
            _figure(figures.coded_only.percent, True),
        )
        for name, figures in rows
    ]
    from rich.cells import cell_len

    widths = [max(cell_len(row[i]) for row in table) for i in range(len(header))]
    click.echo(" " * (widths[0] + 2) + "all units".ljust(sum(widths[1:5]) + 6) + "  coded units only")
    for row in table:
        click.echo(
            "  ".join(
                value.ljust(width) if i == 0 else value.rjust(width)
                for i, (value, width) in enumerate(zip(row, widths))
            ).rstrip()
        )
    if len(report.authors) != 2:
        click.echo("(kappa is Cohen's, for two authors: choose two with --author A --author B)")


@cli.command()
@click.argument("source")
@click.option(
    "--authors", "authors", nargs=2, required=True, metavar="A B", help="The two authors whose annotations to compare."
)
@click.pass_obj
def adjudicate(obj: Context, source: str, authors: tuple[str, str]) -> None:
    """Open SOURCE in the reader with two authors' annotations side by side, disagreements marked, to
    accept A's, B's or both into the adjudicated set (made under your name, undoable)."""
    from reader.adjudication import AdjudicationError, check_adjudication

    store, _ = obj.synced_store()
    found = store.resolve_source(source)
    try:
        check_adjudication(store, found.id, authors[0], authors[1])
    except AdjudicationError as error:
        raise click.ClickException(str(error)) from None
    obj.close_store()
    from reader.tui.app import ReaderApp

    app = ReaderApp(
        db_path=obj.db_path, paths=obj.corpus, whole_library=True, adjudicate=(found.id, authors[0], authors[1])
    )
    app.run()
    if app.return_code:
        sys.exit(app.return_code)
