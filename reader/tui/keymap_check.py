"""Which binding ids the reader has, so that remappings in the settings that match none can be named.

Textual's keymap ignores an id it does not know; a typing slip in the settings would go unnoticed.
Every module of reader.tui is imported (in a worker: the comparison screen pulls in the aligner) and
every class's BINDINGS read.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from textual.binding import Binding

import reader.tui


def known_binding_ids() -> set[str]:
    """The id of every binding of every class the reader's TUI modules define or use."""
    ids: set[str] = set()
    for module_info in pkgutil.walk_packages(reader.tui.__path__, "reader.tui."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type):
                for binding in getattr(value, "BINDINGS", None) or ():
                    if isinstance(binding, Binding) and binding.id:
                        ids.add(binding.id)
    return ids


def unknown_binding_ids(wanted: Iterable[str]) -> list[str]:
    """The ids among wanted that no binding has, sorted."""
    return sorted(set(wanted) - known_binding_ids())
