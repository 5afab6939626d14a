"""`reader config`: where the settings file is, and the settings in effect."""

from __future__ import annotations

import click

from reader.cli import _one_line, cli
from reader.text import display_safe


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
