"""`reader export`, `import` and `report`: annotations out to files (and a report page) and back in."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reader.cli import Context, _one_line, _stderr_progress, cli
from reader.text import plural


@cli.command("export")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(["csv", "json", "w3c", "md", "matrix-csv", "claimreview", "qdpx", "qdc"]),
    help="csv (spreadsheets), json (lossless, re-importable), w3c (Web Annotation JSON-LD), "
    "md (a report), matrix-csv (the claims matrix: a row per claim, a column per source), "
    "claimreview (schema.org ClaimReview JSON-LD of the claims with a verdict), qdpx (a REFI-QDA "
    "project for ATLAS.ti, MAXQDA, NVivo, QualCoder), qdc (its codebook alone). "
    "Default: from the -o file's suffix, else csv.",
)
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to FILE instead of stdout.")
@click.option("--source", "sources_wanted", multiple=True, help="Only this source (repeatable).")
@click.option("--tag", "tags_wanted", multiple=True, help="Only annotations with this tag (repeatable: any of them).")
@click.option("--author", "authors", multiple=True, help="Only annotations by this author (repeatable).")
@click.option("--raw", is_flag=True, help="CSV: do not guard cells that a spreadsheet would run as formulas.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.pass_obj
def export_annotations(
    obj: Context,
    export_format: str | None,
    output: Path | None,
    sources_wanted: tuple[str, ...],
    tags_wanted: tuple[str, ...],
    authors: tuple[str, ...],
    raw: bool,
    force: bool,
) -> None:
    """Export annotations as CSV, JSON, W3C Web Annotation JSON-LD or Markdown (stdout, or -o FILE)."""
    from reader.exports import export, format_for_path

    if output is not None and str(output) == "-":
        output = None  # -o - is stdout, as usual
    store = obj.checked_store()
    source_ids = [obj.source(store, reference).id for reference in sources_wanted]
    tag_names = [store.tag(name).name for name in tags_wanted]
    chosen_format = export_format or format_for_path(output)
    count = export(
        store,
        chosen_format,
        output,
        source_ids=source_ids,
        tags=tag_names,
        raw=raw,
        force=force,
        authors=list(authors) or None,
    )
    if output is not None:
        counted = {"matrix-csv": "claim", "claimreview": "claim review", "qdc": "code"}.get(chosen_format, "annotation")
        click.echo(f"exported {plural(count, counted)} to {_one_line(str(output))}", err=True)


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--raw", is_flag=True, help="CSV: the file was exported with --raw (cells are taken as they are).")
@click.pass_obj
def import_annotations(obj: Context, file: Path, raw: bool) -> None:
    """Import annotations from a json, w3c or csv export; importing the same file twice adds nothing."""
    from reader.imports import import_file

    store, _ = obj.synced_store()
    report = import_file(store, file, raw_csv=raw)
    for line in report.problems:
        click.echo(f"{_one_line(str(file))}: {_one_line(line)}", err=True)
    click.echo(_one_line(report.summary()))
    if report.failed:
        sys.exit(1)


@cli.command()
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(path_type=Path), help="The HTML file to write."
)
@click.option("--source", "source_refs", multiple=True, help="Only this source (repeatable; id, file name or title).")
@click.option("--tag", "tag_names", multiple=True, help="Only annotations with this tag (repeatable).")
@click.option("--author", "authors", multiple=True, help="Only annotations by this author (repeatable).")
@click.option("--title", default="Reader report", show_default=True, help="The page's title.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@click.pass_obj
def report(
    obj: Context,
    output: Path,
    source_refs: tuple[str, ...],
    tag_names: tuple[str, ...],
    authors: tuple[str, ...],
    title: str,
    force: bool,
) -> None:
    """Write one self-contained HTML page: sources side by side with their annotations, the claims
    matrix and a chart of tags per source. It needs nothing but a browser (no network, no script)."""
    from reader.report import gather, render_report, write_report

    if output.exists() and not force:
        raise click.ClickException(f"{output} already exists; use --force to overwrite it")
    store, _ = obj.synced_store(source_refs)
    source_ids = [obj.source(store, ref).id for ref in source_refs]
    progress = _stderr_progress("Reading sources") if sys.stderr.isatty() else None
    data = gather(store, source_ids or None, list(tag_names), progress, authors=list(authors) or None)
    write_report(render_report(data, title=title), output, force=force)
    click.echo(
        f"wrote {_one_line(str(output))}: {plural(len(data.sources), 'source')}, "
        f"{plural(len(data.annotations), 'annotation')}, {plural(len(data.claims), 'claim')}",
        err=True,
    )
