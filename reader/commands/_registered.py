"""Imports each topic module so that its commands are registered on `reader.cli.cli` (one line a module)."""

from reader.commands import (
    annotations,  # noqa: F401
    claims,  # noqa: F401
    compare,  # noqa: F401
    config,  # noqa: F401
    exchange,  # noqa: F401
    serve,  # noqa: F401
    sources,  # noqa: F401
    sync,  # noqa: F401
    team,  # noqa: F401
)
