"""Imports each topic module so that its commands are registered on `reader.cli.cli` (one line a module)."""
from reader.commands import compare  # noqa: F401
