"""Fixtures for the reliability tests: hostile source folders, real `reader` processes, output checks.

The hostile files are generated at run time by tests/data/hostile/hostile_sources.py (nothing binary
is committed). Real subprocesses are used where the bytes a terminal would receive, a hang or a
kill -9 matter; in-process CliRunner calls are used for breadth.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HOSTILE_GENERATOR = Path(__file__).resolve().parents[1] / "data" / "hostile"
sys.path.insert(0, str(HOSTILE_GENERATOR))

import hostile_sources  # noqa: E402  (generated test data; lives outside any package)

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
READER = str(VENV_BIN / "reader")

# A hang is what these catch, not slowness: a healthy command takes well under a second here, a
# blocked read or an endless loop never returns. bench/bench_hostile.py measures the real times.
HANG_TIMEOUT = 30.0

# What a terminal must never receive from source text: C0 controls other than tab and newline,
# DEL, C1 controls (U+0080-U+009F, which some terminals obey as escape sequences even in UTF-8),
# and the bidi embedding, override and isolate controls that reorder what a line seems to say.
_UNSAFE_OUTPUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def unsafe_characters(output: bytes | str) -> list[str]:
    """The characters in output that could act on a terminal or disguise text (as repr strings)."""
    text = output.decode("utf-8") if isinstance(output, bytes) else output
    return sorted({repr(char) for char in _UNSAFE_OUTPUT.findall(text)})


def assert_terminal_safe(output: bytes | str, what: str = "output") -> None:
    """Fail if output carries ESC, BEL, C1 or bidi controls (the bytes a hostile source would inject)."""
    if isinstance(output, bytes):
        assert b"\x1b" not in output, f"{what} contains ESC"
        assert b"\x07" not in output, f"{what} contains BEL"
    found = unsafe_characters(output)
    assert not found, f"{what} contains control characters {found}"


def run_reader(*args: str, db: Path, corpus: Path, timeout: float = HANG_TIMEOUT,
               env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess[bytes]:
    """Run the installed `reader` with --db and --corpus in a real process, capturing stdout/stderr bytes."""
    full_env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "", **(env or {})}
    full_env.pop("NO_COLOR")
    return subprocess.run([READER, "--db", str(db), "--corpus", str(corpus), *args], capture_output=True,
                          timeout=timeout, env=full_env, cwd=str(REPO), **kwargs)


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of every hostile case except the two big ones (read-only by convention: copy to change)."""
    folder = tmp_path_factory.mktemp("hostile") / "sources"
    hostile_sources.write_hostile_corpus(folder)
    return folder
