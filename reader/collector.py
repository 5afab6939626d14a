"""The cyclic garbage collector paused around bulk work that builds millions of small objects holding no
cycles (clauses, annotations, claims): reference counting frees them, and the collector only rescans them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """The collector off inside (it re-scanned the aligner's objects again and again: 40 % of the time of
    a 300,000-line source). On exit, what was built goes straight to the oldest generation (gc.freeze then
    unfreeze: no scan), so the next collections do not rescan all of it three times; it is still collected
    as usual by a full collection. Restored on exit unless the collector was already off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
