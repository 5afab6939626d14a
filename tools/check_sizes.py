#!/usr/bin/env python3
"""The size limits of reader/: no module over 600 lines, no class over 400. Prints each offender on one
line (`path: N lines` or `path:LINE class Name: N lines`) and exits 1 if there is any.

    python3 tools/check_sizes.py [FOLDER]    (default: reader/ beside this folder)
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MODULE_LIMIT = 600
CLASS_LIMIT = 400


def offenders(folder: Path) -> list[str]:
    """One line per module over MODULE_LIMIT lines and per class (nested ones too) over CLASS_LIMIT."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        shown = path.relative_to(folder.parent)
        lines = len(text.splitlines())
        if lines > MODULE_LIMIT:
            found.append(f"{shown}: {lines} lines (limit {MODULE_LIMIT})")
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > CLASS_LIMIT:
                    found.append(f"{shown}:{node.lineno} class {node.name}: {length} lines (limit {CLASS_LIMIT})")
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "reader"
    found = offenders(folder)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
