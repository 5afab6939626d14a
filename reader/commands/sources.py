"""`reader sources`, `add`, `show` and `search`: the sources in the database, added, read and searched."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reader.cli import Context, _echo_json_rows, _one_line, _print_columns, cli
from reader.model import AnchorStatus, Source
from reader.text import display_safe


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of objects instead of a table.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print JSON Lines: one object a line.")
@click.pass_obj
def sources(obj: Context, as_json: bool, as_jsonl: bool) -> None:
    """List the sources: id, title, outlet, words, annotations."""
    store, _ = obj.synced_store()
    rows = store.sources()
    if as_json or as_jsonl:
        _echo_json_rows((_source_json(s) for s in rows), lines=as_jsonl)
        return
    _print_columns(
        ("id", "title", "outlet", "published", "words", "annotations", "file"),
        [(str(s.id), s.title, s.outlet, s.published[:10], f"{s.words:,}", str(s.annotations), s.name) for s in rows],
        right_aligned={0, 4, 5},
        flexible=1,
    )


def _source_json(source: Source) -> dict:
    return {
        "id": source.id,
        "title": source.title,
        "outlet": source.outlet,
        "author": source.author,
        "published": source.published,
        "url": source.url,
        "path": source.path,
        "words": source.words,
        "annotations": source.annotations,
        "warnings": list(source.warnings),
    }


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_obj
def add(obj: Context, paths: tuple[Path, ...]) -> None:
    """Add files and folders (text, Markdown, HTML, PDF, EPUB, DOCX) to the database.

    Unchanged files already in the database are not read again. Prints "added N, skipped M" and why
    each skipped file was passed over.
    """
    from reader.corpus import find_source_files
    from reader.library import sync_sources

    missing = [path for path in paths if not path.exists() and not path.is_symlink()]
    if len(missing) == len(paths):
        raise click.ClickException(f"no such file or folder: {missing[0]}")
    store = obj.store()
    before = {source.path for source in store.sources()}
    files, _ = find_source_files(list(paths))
    if sys.stderr.isatty() and len(files) > 1:
        from rich.markup import escape
        from rich.progress import Progress as RichProgress

        with RichProgress(console=_stderr_console(), transient=True) as bar:
            task = bar.add_task("Adding", total=len(files))

            def advance(done: int, total: int, name: str) -> None:
                # A progress description is Rich markup: a file name is escaped, never obeyed as a tag.
                bar.update(task, completed=done, description=f"Adding {escape(_one_line(name)[:40])}")

            result = sync_sources(store, list(paths), advance)
    else:
        result = sync_sources(store, list(paths))
    after = {source.id: source for source in store.sources()}
    added = [after[i] for i in dict.fromkeys(result.source_ids) if after[i].path not in before]
    unchanged = len(set(result.source_ids)) - len(added)
    for path, reason in result.skipped:
        click.echo(f"skipped {_one_line(str(path))}: {_one_line(reason)}", err=True)
    summary = f"added {len(added)}, skipped {len(result.skipped)}"
    if unchanged:
        summary += f" ({unchanged} already in the database)"
    click.echo(summary)
    if not result.source_ids and not result.skipped:
        click.echo(_why_nothing_to_add(paths), err=True)
        sys.exit(1)
    if not result.source_ids and result.skipped:
        sys.exit(1)


def _why_nothing_to_add(paths: tuple[Path, ...]) -> str:
    """The reason `reader add` found no file to read: the folders hold none of the kinds it reads."""
    from reader.corpus import SOURCE_SUFFIXES

    count = 0
    for path in paths:
        if path.is_dir():
            for _, folders, files in os.walk(path):
                folders[:] = [name for name in folders if not name.startswith(".")]
                count += sum(1 for name in files if not name.startswith("."))
    kinds = ", ".join(sorted(SOURCE_SUFFIXES))
    where = ", ".join(_one_line(str(path)) for path in paths)
    if not count:
        return f"nothing to add: {where} holds no files"
    counted = "1 file" if count == 1 else f"{count} files"
    return f"nothing to add: {where} holds {counted}, and none is a kind reader reads ({kinds})"


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@cli.command()
@click.argument("source")
@click.pass_obj
def show(obj: Context, source: str) -> None:
    """Print SOURCE's text with its annotations highlighted in their tag colours, then list them."""
    from rich.text import Text

    store, _ = obj.synced_store([source])
    found = obj.source(store, source)
    text = store.text(found.id)
    annotations = store.annotations(source_id=found.id)
    colours = {t.name: t.colour for t in store.tags()}
    is_terminal = sys.stdout.isatty()
    # An orphan's offsets point into the text it was made on, not this one: listed, never highlighted.
    placed = [(n, a) for n, a in enumerate(annotations, 1) if a.anchor_status != AnchorStatus.ORPHANED]
    console = _console()
    console.print(Text(display_safe(found.title), style="bold"))
    if is_terminal:  # highlighted in one write; Rich's wrapping of the whole text took 39 s on a million lines
        click.echo(_highlighted(text, placed, colours, console.color_system), nl=not text.endswith("\n"))
    else:  # a pipe gets the plain text in one write: Rich's line wrapping took 10 s on a million lines
        click.echo(_bracketed(text, placed))
    if annotations:
        console.print()
        for number, annotation in enumerate(annotations, 1):
            tags = display_safe(", ".join(annotation.tags)) or "untagged"
            orphaned = annotation.anchor_status == AnchorStatus.ORPHANED
            where = "not in this text" if orphaned else f"{annotation.start}-{annotation.end}"
            line = f"[{number}] {where} {tags} ({annotation.anchor_status}): "
            line += display_safe(annotation.quote.replace("\n", " "))
            if annotation.note:
                line += f" — {display_safe(annotation.note)}"
            console.print(Text(line))


def _highlighted(text: str, numbered, colours: dict[str, str], color_system: str | None) -> str:
    """The display-safe text with each annotation's span in its first tag's colour (the later annotation
    wins where two overlap), as one string of ANSI styles; the terminal wraps the lines itself."""
    from rich.color import ColorSystem
    from rich.style import Style

    if color_system is None:  # NO_COLOR or a dumb terminal
        return display_safe(text)
    system = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT, "windows": ColorSystem.WINDOWS}.get(
        color_system, ColorSystem.TRUECOLOR
    )
    styles = []
    for _, annotation in numbered:
        colour = colours.get(annotation.tags[0], "#888888") if annotation.tags else "#888888"
        styles.append(Style.parse(f"on {colour} black"))
    events = sorted(
        [(a.start, 1, index) for index, (_, a) in enumerate(numbered)]
        + [(a.end, 0, index) for index, (_, a) in enumerate(numbered)]
    )
    out: list[str] = []
    position = 0
    active: set[int] = set()  # the indexes of the annotations open at this point
    for offset, starts, index in events:
        if offset > position:
            piece = display_safe(text[position:offset])
            if active:  # styled line by line, so no background runs on past a line's end
                style = styles[max(active)]
                piece = "\n".join(
                    style.render(line, color_system=system) if line else line for line in piece.split("\n")
                )
            out.append(piece)
            position = offset
        (active.add if starts else active.discard)(index)
    out.append(display_safe(text[position:]))
    return "".join(out)


def _bracketed(text: str, numbered) -> str:
    """Plain-text highlighting for pipes: ⟦annotated text⟧[n] after each (n, annotation)."""
    # At one offset, closings come before openings; openings go outermost first (the later end), and
    # closings innermost first (the later start; for equal spans, the reverse of their opening order).
    inserts: list[tuple[int, int, int, int, str]] = []
    for number, annotation in numbered:
        inserts.append((annotation.start, 1, -annotation.end, number, "⟦"))
        inserts.append((annotation.end, 0, -annotation.start, -number, f"⟧[{number}]"))
    out, position = [], 0
    for offset, _, _, _, mark in sorted(inserts):
        out.append(display_safe(text[position:offset]))
        out.append(mark)
        position = offset
    out.append(display_safe(text[position:]))
    return "".join(out)


def _console():
    from rich.console import Console

    is_terminal = sys.stdout.isatty()
    # In a pipe, tables keep each row on one line (for grep and cut) instead of wrapping at 80 columns.
    return Console(highlight=False, soft_wrap=not is_terminal, width=None if is_terminal else 100_000)


@cli.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of hits.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print JSON Lines: one hit a line.")
@click.pass_obj
def search(obj: Context, query: str, limit: int, as_json: bool, as_jsonl: bool) -> None:
    """Full-text search over every source (SQLite FTS5), best matches first, with snippets.

    Searches the database's sources, their changed files read again first (the corpus is loaded only
    into an empty database); `reader add` brings new files in.
    """
    store = obj.checked_store()
    if not store.has_sources():
        store, _ = obj.synced_store()
    hits = store.search(query, limit=limit)
    if as_json or as_jsonl:
        _echo_json_rows(
            (dict(hit, snippet=hit["snippet"].replace("\x02", "").replace("\x03", "")) for hit in hits), lines=as_jsonl
        )
        return
    if not hits:
        click.echo(f"no matches for {display_safe(query)!r}", err=True)
        sys.exit(1)
    from rich.text import Text

    console = _console()
    for hit in hits:
        line = Text(f"{display_safe(Path(hit['source_path']).name)}:{hit['position_start']}  ", style="dim")
        for index, part in enumerate(hit["snippet"].replace("\x03", "\x02").split("\x02")):
            line.append(display_safe(part.replace("\n", " ")), style="bold reverse" if index % 2 else "")
        console.print(line)
