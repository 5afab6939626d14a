"""sqlite-utils imported without numpy: it imports numpy when it can (0.08 s, a third of a command's start)
only to map numpy's number types to column types, and the store makes its tables with its own SQL and
writes plain Python values. Imported first by the store package; a process that has numpy already (the
semantic aligner), or sqlite-utils already, is left as it is, and numpy stays importable afterwards."""

from __future__ import annotations

import sys

if "sqlite_utils" not in sys.modules and "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` fails: sqlite-utils goes on without
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]
