"""Imports each topic module so that its commands are registered on `reader.cli.cli` (one line a module)."""

from reader.commands import (
    claims,  # noqa: F401
    compare,  # noqa: F401
    sync,  # noqa: F401
    team,  # noqa: F401
)
