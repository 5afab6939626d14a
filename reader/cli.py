"""The `reader` command line: a thin click layer over the library (the TUI is imported only to open it)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click_default_group import DefaultGroup

from reader.model import LINK_KINDS, ReaderError, Source
from reader.text import display_safe, find_quote

if TYPE_CHECKING:  # imported where used, so `reader --help` skips sqlite-utils and rapidfuzz
    from reader.library import SyncReport
    from reader.store import Store


@dataclass
class Context:
    """What every command needs: where the database and the corpus are, opened on first use."""

    db_path: Path
    corpus: list[Path]
    corpus_given: bool = False  # --corpus or READER_CORPUS; else a database with sources keeps to its own
    _store: Store | None = field(default=None, repr=False)

    def settings(self):
        """The user's settings file merged over the defaults; a broken file is a one-line error."""
        from reader.settings import SettingsError, load_settings

        try:
            return load_settings()
        except SettingsError as error:
            raise click.ClickException(f"{error} (run `reader config` to see where it is)") from None

    def store(self) -> Store:
        from reader.store import open_store

        if self._store is None:
            settings = self.settings()
            self._store = open_store(
                self.db_path,
                actor="cli",
                author=settings.author,
                default_tags=[(t.name, t.colour, t.description) for t in settings.tags],
            )
            # A write that meets another program's (a long import) waits and says so, on stderr.
            self._store.on_wait = lambda message: click.echo(_one_line(message), err=True)
            context = click.get_current_context(silent=True)
            if context is not None:  # closed when the command ends, so no connection outlives it
                context.call_on_close(self._store.close)
        return self._store

    def synced_store(self, sources: Iterable[str | None] = ()) -> tuple[Store, SyncReport]:
        """The store with its sources up to date: the corpus given loaded (only changed files are read),
        every other stored file checked; with no corpus given, the database's own files (the bundled
        corpus only for a database with no sources yet). sources are the command's SOURCE arguments:
        those naming files not added yet are added first, so `reader annotate ./new.txt` in an empty
        folder makes a database of that file alone."""
        from reader.library import sync_sources
        from reader.scope import files_in_play, refresh_stored

        store = self.store()
        for reference in sources:
            if reference and not reference.isdigit() and Path(reference).expanduser().is_file():
                self.source(store, reference)
        for path in self.corpus if self.corpus_given else ():
            if not path.exists():
                raise click.ClickException(f"corpus path not found: {path}")
        paths = files_in_play(store, self.corpus if self.corpus_given else None)
        progress = _stderr_progress("Loading sources") if sys.stderr.isatty() else None
        report = sync_sources(store, paths, progress)
        if self.corpus_given:  # sources added from elsewhere: their files are checked too
            report.skipped += refresh_stored(store, set(report.source_ids)).skipped
        for path, reason in report.skipped:
            click.echo(f"skipped {_one_line(str(path))}: {_one_line(reason)}", err=True)
        if not report.source_ids and not store.sources():
            raise click.ClickException(f"no readable sources in {', '.join(map(str, paths))}")
        return store, report

    def checked_store(self) -> Store:
        """The store with every stored source's file checked (re-read and re-anchored if it changed),
        for commands that report offsets but load no corpus."""
        from reader.scope import refresh_stored

        store = self.store()
        for path, reason in refresh_stored(store).skipped:
            click.echo(f"skipped {_one_line(str(path))}: {_one_line(reason)}", err=True)
        return store

    def source(self, store: Store, reference: str) -> Source:
        """The source SOURCE names; a path to a readable file not added yet is added, said in one line."""
        from reader.scope import source_for

        def added(source: Source) -> None:
            click.echo(f"added {_one_line(source.path)} as source {source.id}", err=True)

        return source_for(store, reference, added)


def _stderr_progress(label: str):
    """A one-line progress counter on stderr, drawn only when stderr is a terminal."""
    import time

    last_drawn = [0.0]

    def report(done: int, total: int, name: str) -> None:
        # Redrawn at most ten times a second (a cached run checks thousands of files a second), and
        # always at the start and the end; small corpora load too fast to need it.
        if total < 20:
            return
        now = time.monotonic()
        if done in (0, total) or now - last_drawn[0] >= 0.1:
            last_drawn[0] = now
            click.echo(f"\r{label}: {done:,}/{total:,} files", err=True, nl=done == total)

    return report


def _one_line(message: str) -> str:
    """A message naming untrusted text (a file name, a title), made terminal-safe and kept on one line."""
    return display_safe(message).replace("\n", "\u2424")


# Characters json.dumps(ensure_ascii=False) leaves raw that a terminal may obey (C1 controls) or that
# reorder or hide text (bidi and zero-width controls); as \uXXXX escapes the JSON means the same.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _json(value, **options) -> str:
    """JSON for a terminal or a pipe: readable UTF-8, with every invisible or controlling character escaped."""
    text = json.dumps(value, ensure_ascii=False, **options)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _echo_json_rows(rows, lines: bool = False) -> None:
    """Rows as one JSON array (what every --json prints), streamed a row at a time so a million rows
    need no more memory than one; or, with lines, as JSON Lines (one object a line, for jq -c and grep)."""
    if lines:
        for row in rows:
            click.echo(_json(row))
        return
    opened = False
    for row in rows:
        click.echo(("[\n  " if not opened else ",\n  ") + _json(row), nl=False)
        opened = True
    click.echo("\n]" if opened else "[]")


class SuggestingGroup(DefaultGroup):
    """A DefaultGroup that names a mistyped command (`no such command 'exprot'; did you mean 'export'?`)."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """A first word that is no command, no option and no existing path, but close to a command's
        name, is a typing slip: say so, rather than open the reader on a file that is not there."""
        import difflib

        name = args[0] if args else ""
        if name and name not in self.commands and not name.startswith("-") and not os.path.lexists(name):
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1, cutoff=0.6)
            if close:
                raise click.ClickException(f"no such command {name!r}; did you mean {close[0]!r}?")
        return super().resolve_command(ctx, args)


class ReaderGroup(SuggestingGroup):
    """`reader PATH...` opens the TUI; ReaderErrors (StoreError, SourceError...) become one-line messages."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ReaderError as error:
            raise click.ClickException(_one_line(str(error))) from None
        except click.ClickException as error:  # messages name files, titles and quotes: untrusted text
            error.message = _one_line(error.message)
            raise
        except sqlite3.DatabaseError as error:  # damage found after opening: a page read mid-command
            from reader.store import recovery_hint

            database = ctx.obj.db_path if isinstance(ctx.obj, Context) else "the database"
            raise click.ClickException(
                _one_line(f"{database} is damaged ({error}); nothing was changed. {recovery_hint(database)}")
            ) from None


@click.group(cls=ReaderGroup, default="open", default_if_no_args=True, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),
    envvar="READER_DB",
    default="annotations.db",
    show_default=True,
    help="The annotation database (env READER_DB).",
)
@click.option(
    "--corpus",
    "corpus",
    type=click.Path(path_type=Path),
    envvar="READER_CORPUS",
    help="Folder or file of sources (env READER_CORPUS); default: the bundled corpus/.",
)
@click.version_option(package_name="reader")
@click.pass_context
def cli(ctx: click.Context, db_path: Path, corpus: Path | None) -> None:
    """Read several sources side by side, mark and tag the claims they make, link the same claim
    across sources, and export it all.

    With no command, opens the reader on the corpus (or on the files and folders given).
    """
    from reader.library import default_corpus

    ctx.obj = Context(
        db_path=db_path, corpus=[corpus] if corpus else [default_corpus()], corpus_given=corpus is not None
    )
    if ctx.invoked_subcommand is None:  # options and no command (`reader --db X`): open the reader too
        ctx.invoke(open_reader)


@cli.command("open")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def open_reader(obj: Context, paths: tuple[Path, ...]) -> None:
    """Open the reader on the corpus, or on PATHS (a single file opens straight in the reading screen)."""
    for path in paths:
        if not path.exists():
            raise click.ClickException(f"no such file or folder: {path}")
    if paths:
        obj.corpus = list(paths)
    elif not obj.corpus_given:  # a project's own database opens on its own files, not the bundled corpus
        from reader.scope import files_in_play

        obj.corpus = files_in_play(obj.store(), None)
    from reader.tui.app import ReaderApp

    app = ReaderApp(
        db_path=obj.db_path,
        paths=obj.corpus,
        open_single=len(paths) == 1 and paths[0].is_file(),
        whole_library=not paths,
    )
    app.run()
    if app.return_code:
        sys.exit(app.return_code)


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


def _print_columns(
    headers: tuple[str, ...], rows: list[tuple[str, ...]], right_aligned: set[int], flexible: int
) -> None:
    """An aligned plain table, one row a line; widths in terminal cells, so CJK and emoji line up.

    rich's Table took 7 s for 10,000 sources; this takes a few hundredths. On a terminal the flexible
    column is cut (with …) to fit the width; in a pipe nothing is cut, so grep and cut see whole values.
    """
    import shutil

    from rich.cells import cell_len

    from reader.presentation import fit_cells

    cells = [[display_safe(value).replace("\n", " ") for value in row] for row in rows]
    widths = [max([cell_len(header)] + [cell_len(row[i]) for row in cells]) for i, header in enumerate(headers)]
    is_terminal = sys.stdout.isatty()
    if is_terminal:
        room = shutil.get_terminal_size().columns - 1 - sum(widths) - 2 * (len(widths) - 1) + widths[flexible]
        widths[flexible] = max(min(widths[flexible], room), min(widths[flexible], 12))

    def line(values) -> str:
        parts = []
        for index, (value, width) in enumerate(zip(values, widths)):
            length = cell_len(value)
            if length > width:
                value = fit_cells(value, width)
                length = cell_len(value)
            padding = " " * (width - length)
            parts.append(padding + value if index in right_aligned else value + padding)
        return "  ".join(parts).rstrip()

    click.echo(click.style(line(headers), bold=True) if is_terminal else line(headers))
    click.echo("\n".join(line(row) for row in cells))


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


def _console():
    from rich.console import Console

    is_terminal = sys.stdout.isatty()
    # In a pipe, tables keep each row on one line (for grep and cut) instead of wrapping at 80 columns.
    return Console(highlight=False, soft_wrap=not is_terminal, width=None if is_terminal else 100_000)


@cli.command()
@click.argument("source")
@click.pass_obj
def show(obj: Context, source: str) -> None:
    """Print SOURCE's text with its annotations highlighted in their tag colours, then list them."""
    from rich.text import Text

    from reader.presentation import annotation_place, tags_text

    store, _ = obj.synced_store([source])
    found = obj.source(store, source)
    text = store.text(found.id)
    annotations = store.annotations(source_id=found.id)
    colours = {t.name: t.colour for t in store.tags()}
    is_terminal = sys.stdout.isatty()
    # An orphan's offsets point into the text it was made on, not this one: listed, never highlighted.
    placed = [(n, a) for n, a in enumerate(annotations, 1) if a.anchor_status != "orphaned"]
    console = _console()
    console.print(Text(display_safe(found.title), style="bold"))
    if is_terminal:  # highlighted in one write; Rich's wrapping of the whole text took 39 s on a million lines
        click.echo(_highlighted(text, placed, colours, console.color_system), nl=not text.endswith("\n"))
    else:  # a pipe gets the plain text in one write: Rich's line wrapping took 10 s on a million lines
        click.echo(_bracketed(text, placed))
    if annotations:
        console.print()
        for number, annotation in enumerate(annotations, 1):
            tags = display_safe(tags_text(annotation.tags))
            where = annotation_place(annotation)
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

    from reader.presentation import annotation_colour

    if color_system is None:  # NO_COLOR or a dumb terminal
        return display_safe(text)
    system = {"standard": ColorSystem.STANDARD, "256": ColorSystem.EIGHT_BIT, "windows": ColorSystem.WINDOWS}.get(
        color_system, ColorSystem.TRUECOLOR
    )
    styles = []
    for _, annotation in numbered:
        styles.append(Style.parse(f"on {annotation_colour(annotation.tags, colours)} black"))
    events = sorted(
        [(a.start, 1, index) for index, (_, a) in enumerate(numbered)]
        + [(a.end, 0, index) for index, (_, a) in enumerate(numbered)]
    )
    out, position, active = [], 0, set()
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


def quote_not_found(name: str, text: str, quote: str) -> click.ClickException:
    """'quote not found', naming the words the text has when only accents or case differ."""
    from reader.text import fold_pattern

    message = f"quote not found in {name}: {display_safe(quote[:60])!r}"
    pattern = fold_pattern(quote)
    near = pattern.search(text) if pattern else None
    if near:
        message += f"; it has {display_safe(near.group()[:60])!r} (accents and case must match)"
    return click.ClickException(message)


def passage_span(store: Store, found: Source, quote: str, occurrence: int | None) -> tuple[int, int]:
    """Where the quote's chosen occurrence (1-based; needed when it occurs more than once) is in a source."""
    text = store.text(found.id)
    spans = find_quote(text, quote)
    if not spans:
        raise quote_not_found(found.name, text, quote)
    if occurrence is None and len(spans) > 1:
        raise click.ClickException(
            f"the quote occurs {len(spans)} times in {found.name}; choose one with --occurrence 1..{len(spans)}"
        )
    index = (occurrence or 1) - 1
    if index >= len(spans):
        raise click.ClickException(f"there are only {len(spans)} occurrences of the quote in {found.name}")
    return spans[index]


@cli.command()
@click.argument("source")
@click.option(
    "--quote", required=True, help="The exact words to annotate (white space and quote marks are matched loosely)."
)
@click.option(
    "--occurrence", type=click.IntRange(min=1), help="Which occurrence, when the quote appears more than once."
)
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable); new tags are created.")
@click.option("--note", default="", help="A note on the annotation.")
@click.pass_obj
def annotate(obj: Context, source: str, quote: str, occurrence: int | None, tags: tuple[str, ...], note: str) -> None:
    """Annotate a passage of SOURCE found by its words; prints the new annotation's id."""
    store, _ = obj.synced_store([source])
    found = obj.source(store, source)
    start, end = passage_span(store, found, quote, occurrence)
    annotation = store.add_annotation(found.id, start, end, tags=tags, note=note)
    click.echo(_one_line(annotation.id))


@cli.command()
@click.argument("source", required=False)
@click.option("--tag", help="Only annotations with this tag.")
@click.option("--author", "authors", multiple=True, help="Only annotations by this author (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of objects (as `sources --json`).")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print JSON Lines: one object a line.")
@click.pass_obj
def annotations(
    obj: Context, source: str | None, tag: str | None, authors: tuple[str, ...], as_json: bool, as_jsonl: bool
) -> None:
    """List annotations (of SOURCE, or all), with their status, tags and notes."""
    store, _ = obj.synced_store([source])
    source_id = obj.source(store, source).id if source else None
    rows = store.iter_annotation_rows(source_id=source_id, tag=tag, authors=list(authors) or None)
    if as_json or as_jsonl:
        _echo_json_rows(rows, lines=as_jsonl)
        return
    for row in rows:
        quote = display_safe(row["quote"].replace("\n", " "))
        quote = quote if len(quote) <= 70 else quote[:69] + "…"
        click.echo(
            f"{_one_line(row['id'])}  {display_safe(Path(row['source_path']).name)} {row['start']}-{row['end']}  "
            f"{row['anchor_status']}  [{display_safe(row['tags'] or '')}]  {quote}"
        )


@cli.command()
@click.argument("annotation_id")
@click.option("--note", help="Replace the note.")
@click.option("--tag", "tags", multiple=True, help="Replace the tags (repeatable).")
@click.option("--add-tag", "add_tags", multiple=True, help="Add a tag, keeping the others (repeatable).")
@click.pass_obj
def edit(obj: Context, annotation_id: str, note: str | None, tags: tuple[str, ...], add_tags: tuple[str, ...]) -> None:
    """Change an annotation's note or tags."""
    store = obj.store()
    store.update_annotation(annotation_id, note=note, tags=list(tags) if tags else None, add_tags=add_tags)
    click.echo(_one_line(annotation_id))


@cli.command()
@click.argument("annotation_id")
@click.pass_obj
def delete(obj: Context, annotation_id: str) -> None:
    """Delete an annotation (undo brings it back)."""
    obj.store().delete_annotation(annotation_id)
    click.echo(f"deleted {_one_line(annotation_id)}")


@cli.command()
@click.argument("from_annotation")
@click.argument("to_annotation")
@click.option(
    "--kind",
    type=click.Choice(LINK_KINDS),
    default="same",
    show_default=True,
    help="The same claim, or one supporting or contradicting the other.",
)
@click.pass_obj
def link(obj: Context, from_annotation: str, to_annotation: str, kind: str) -> None:
    """Link two annotations (usually in different sources); prints the link's id. The pair model of
    suggested alignments learns from it (reader.decisions)."""
    from reader.decisions import record_link

    store = obj.store()
    with store.write():
        made = store.add_link(from_annotation, to_annotation, kind)
        record_link(store, from_annotation, to_annotation)
    click.echo(_one_line(made.id))


@cli.command()
@click.pass_obj
def undo(obj: Context) -> None:
    """Undo the last change to annotations, tags or links (from the event log)."""
    click.echo(_one_line(obj.store().undo() or "nothing to undo"))


@cli.command()
@click.pass_obj
def redo(obj: Context) -> None:
    """Redo the last undone change."""
    click.echo(_one_line(obj.store().redo() or "nothing to redo"))


@cli.group(cls=SuggestingGroup, default="list", default_if_no_args=True)
def tags() -> None:
    """List and manage tags: list, add, rename, merge, delete, colour."""


@tags.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def tags_list(obj: Context, as_json: bool) -> None:
    """List tags with their colour, key and number of uses."""
    found = obj.store().tags()
    if as_json:
        click.echo(
            _json(
                [{"name": t.name, "colour": t.colour, "description": t.description, "uses": t.uses} for t in found],
                indent=2,
            )
        )
        return
    for index, tag in enumerate(found, 1):
        key = str(index) if index <= 9 else " "
        click.echo(f"{key}  {display_safe(tag.name):<16} {tag.colour}  {tag.uses:>5}  {display_safe(tag.description)}")


@tags.command("add")
@click.argument("name")
@click.option("--colour", "--color", "colour", default="", help="A colour name or #rrggbb.")
@click.option("--description", default="")
@click.pass_obj
def tags_add(obj: Context, name: str, colour: str, description: str) -> None:
    """Add a tag."""
    tag = obj.store().add_tag(name, colour, description)
    click.echo(f"added {display_safe(tag.name)} {tag.colour}")


@tags.command("rename")
@click.argument("old")
@click.argument("new")
@click.pass_obj
def tags_rename(obj: Context, old: str, new: str) -> None:
    """Rename a tag (everything tagged with it follows)."""
    tag = obj.store().update_tag(old, new_name=new)
    click.echo(f"renamed to {display_safe(tag.name)}")


@tags.command("merge")
@click.argument("source")
@click.argument("target")
@click.pass_obj
def tags_merge(obj: Context, source: str, target: str) -> None:
    """Move every use of SOURCE onto TARGET and delete SOURCE."""
    tag = obj.store().merge_tags(source, target)
    click.echo(f"merged into {display_safe(tag.name)} ({tag.uses} uses)")


@tags.command("delete")
@click.argument("name")
@click.pass_obj
def tags_delete(obj: Context, name: str) -> None:
    """Delete a tag (annotations keep their other tags; undo restores it)."""
    obj.store().delete_tag(name)
    click.echo(f"deleted {display_safe(name)}")


@tags.command("colour")
@click.argument("name")
@click.argument("colour")
@click.pass_obj
def tags_colour(obj: Context, name: str, colour: str) -> None:
    """Set a tag's colour (a name such as 'red' or #rrggbb)."""
    tag = obj.store().update_tag(name, colour=colour)
    click.echo(f"{display_safe(tag.name)} {tag.colour}")


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
        f"wrote {_one_line(str(output))}: {len(data.sources)} sources, {len(data.annotations)} annotations, "
        f"{len(data.claims)} claims",
        err=True,
    )


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
    files = "1 file" if count == 1 else f"{count} files"
    return f"nothing to add: {where} holds {files}, and none is a kind reader reads ({kinds})"


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@cli.command()
@click.option("--init", "init", is_flag=True, help="Write a commented settings file with the defaults.")
@click.option("--path", "path_only", is_flag=True, help="Print only where the settings file is.")
def config(init: bool, path_only: bool) -> None:
    """Show where the settings file is and the settings in effect (defaults merged with the file).

    The file is TOML in the user's config folder (or READER_CONFIG): author, theme, default tags and
    their colours, and key bindings by id.
    """
    from reader.settings import load_settings, render_settings, settings_path, write_default_settings

    path = settings_path()
    if path_only:
        click.echo(str(path))
        return
    if init:
        write_default_settings(path)
        click.echo(f"wrote {_one_line(str(path))}")
        return
    settings = load_settings(path)
    from dataclasses import replace

    from reader.authors import author_and_origin

    state = "" if path.is_file() else " (not created yet; `reader config --init` writes one)"
    click.echo(f"# settings file: {_one_line(str(path))}{state}")
    author, origin = author_and_origin(settings.author)
    click.echo(f"# author in effect (from {origin}; READER_AUTHOR, else the file's author, else the login name):")
    click.echo(display_safe(render_settings(replace(settings, author=author))), nl=False)


@cli.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port to listen on.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; the default answers only this machine.",
)
@click.pass_obj
def serve(obj: Context, port: int, host: str) -> None:
    """Serve the reader in a web browser (through textual-serve): open the printed http://HOST:PORT/?token=...

    The token is made at start; without it the page and the websocket answer 403, as do requests from
    other sites' pages. Each browser tab runs its own reader on the same database and corpus.
    """
    import shlex
    import socket

    for path in obj.corpus:
        if not path.exists():
            raise click.ClickException(f"corpus path not found: {path}")
    try:
        from reader.serving import GuardedServer
    except ImportError:
        raise click.ClickException("`reader serve` needs textual-serve: pip install textual-serve") from None
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    command = [sys.executable, "-m", "reader", "--db", str(obj.db_path.resolve())]
    for path in obj.corpus if obj.corpus_given else ():  # else the tab's reader chooses, as `reader` does
        command += ["--corpus", str(path.resolve())]
    command.append("open")
    url_host = f"[{host}]" if ":" in host else host
    # Any local user can reach the port: the page and its websocket need the token in the printed URL.
    server = GuardedServer(
        shlex.join(command), host=host, port=port, title="reader", public_url=f"http://{url_host}:{port}"
    )
    server.serve()


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
    count = export(
        store,
        export_format or format_for_path(output),
        output,
        source_ids=source_ids,
        tags=tag_names,
        raw=raw,
        force=force,
        authors=list(authors) or None,
    )
    if output is not None:
        counted = {"matrix-csv": "claims", "claimreview": "claim reviews", "qdc": "codes"}.get(
            export_format, "annotations"
        )
        click.echo(f"exported {count} {counted} to {_one_line(str(output))}", err=True)


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
@click.argument("sources_wanted", metavar="[SOURCES]...", nargs=-1)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "csv"]),
    default="json",
    show_default=True,
    help="json: clusters with members and word differences; csv: one row per member.",
)
@click.option(
    "--backend",
    type=click.Choice(["lexical", "semantic"]),
    default="lexical",
    show_default=True,
    help="lexical: words, names, numbers, quotations; semantic: adds sentence embeddings (needs the `semantic` extra).",
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
    from reader.align import SourceText, alignment_to_json
    from reader.comparison import compare_sources

    if backend == "semantic":
        from reader.align.semantic import require_semantic

        require_semantic()  # before any work: one line naming the install command
    store, _ = obj.synced_store(sources_wanted)
    chosen = [obj.source(store, reference) for reference in sources_wanted] if sources_wanted else store.sources()
    chosen = list({source.id: source for source in chosen}.values())
    if len(chosen) < 2:
        raise click.ClickException("alignment needs at least two sources")
    compared = compare_sources(store, [SourceText(s.id, s.path, store.text(s.id)) for s in chosen], backend)
    alignment = compared.judged if everything else compared.shown
    if output_format == "json":
        click.echo(_json(alignment_to_json(alignment), indent=2))
        return
    import csv
    import io

    from reader.exports import guard_row

    terminal = sys.stdout.isatty()  # a terminal is shown the rows through display_safe; a pipe gets them exact
    out = io.StringIO() if terminal else sys.stdout
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
    if terminal:
        click.echo(display_safe(out.getvalue()), nl=False)


# Commands that live in reader/commands/<topic>.py register themselves on `cli` when imported here,
# one import a line.
from reader.commands import _registered  # noqa: E402,F401


def main() -> None:
    """Entry point: run the command line, turning a closed pipe or ctrl+c into a quiet exit."""
    try:
        cli(prog_name="reader")
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
