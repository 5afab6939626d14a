"""Imports each topic module so that its commands are registered on `reader.cli.cli` (one line a module)."""
from reader.commands import claims  # noqa: F401
from reader.commands import team  # noqa: F401
from reader.commands import sync  # noqa: F401
from reader.commands import compare  # noqa: F401
