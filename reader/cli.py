"""The `reader` command line: a thin click layer over the library (the TUI is imported only to open it).

This module holds the `reader` group, `reader open`, the Context every command gets and the helpers the
commands share; the commands themselves live in reader/commands/, one module a topic.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click
from click_default_group import DefaultGroup

from reader.model import ReaderError, Source
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

    def close_store(self) -> None:
        """Close the store now (before handing the database to the TUI); store() opens it again."""
        if self._store is not None:
            self._store.close()
            self._store = None

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
        if not report.source_ids and not store.has_sources():
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
            safe = _one_line_error(error)
            if safe is error:
                raise
            raise safe from None
        except sqlite3.DatabaseError as error:  # damage found after opening: a page read mid-command
            from reader.store import recovery_hint

            database = ctx.obj.db_path if isinstance(ctx.obj, Context) else "the database"
            raise click.ClickException(
                _one_line(f"{database} is damaged ({error}); nothing was changed. {recovery_hint(database)}")
            ) from None


def _one_line_error(error: click.ClickException) -> click.ClickException:
    """The error itself when its message is already terminal-safe and on one line; else the same message
    made so, in a new error of the same family (a usage error keeps its usage line and exit status 2)."""
    message = error.format_message()
    safe = _one_line(message)
    if safe == message:
        return error
    if isinstance(error, click.UsageError):
        return click.UsageError(safe, error.ctx)
    return click.ClickException(safe)


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


def backend_option(help_text: str):
    """`--backend lexical|semantic` (default lexical), as open, suggest and align take it."""
    return click.option(
        "--backend", type=click.Choice(["lexical", "semantic"]), default="lexical", show_default=True, help=help_text
    )


def require_backend(backend: str) -> None:
    """Before any work (or the screen opening): for the semantic backend without its extra installed, one line
    naming the install command."""
    if backend == "semantic":
        from reader.align.semantic import require_semantic

        require_semantic()


@cli.command("open")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@backend_option("What aligns the comparison's panes and ranks counterparts (c), as `reader align --backend`.")
@click.pass_obj
def open_reader(obj: Context, paths: tuple[Path, ...], backend: str = "lexical") -> None:
    """Open the reader on the corpus, or on PATHS (a single file opens straight in the reading screen; two to
    four files open side by side, in the order given)."""
    require_backend(backend)
    for path in paths:
        if not path.exists():
            raise click.ClickException(f"no such file or folder: {path}")
    named: dict[Path, Path] = {}
    for path in paths:
        named.setdefault(path.resolve(), path)  # a file named twice opens once
    paths = tuple(named.values())
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
        backend=backend,
        compare_given=2 <= len(paths) <= 4 and all(path.is_file() for path in paths),
    )
    app.run()
    if app.return_code:
        sys.exit(app.return_code)


def _print_columns(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right_aligned: set[int], flexible: int
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
    if not quote.strip():
        raise click.ClickException("the quote is empty: give words of the passage with --quote")
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
        times = "once" if len(spans) == 1 else f"{len(spans)} times"
        raise click.ClickException(f"--occurrence {occurrence}: the quote occurs {times} in {found.name}")
    return spans[index]


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
