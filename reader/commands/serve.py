"""`reader serve`: the reader in a web browser, behind a token made at start."""

from __future__ import annotations

import sys

import click

from reader.cli import Context, cli


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
