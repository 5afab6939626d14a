#!/usr/bin/env python3
"""Set up a virtual environment in .venv (once, and again when pyproject.toml changes), then run.

    python3 dev.py run [ARGS...]    open the reader (on the bundled corpus unless ARGS say otherwise)
    python3 dev.py test [ARGS...]   run the test suite (ARGS go to pytest)
    python3 dev.py bench [NAME]     run the benchmarks in bench/ (all, or bench/NAME.py)

Needs only Python 3.11+ and access to the package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed-from"


def ensure_environment() -> None:
    """Create .venv and install the project with its test extras, unless that is already current."""
    if sys.version_info < (3, 11):
        sys.exit(f"reader needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and (BIN / "reader").exists():
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing reader and its dependencies into .venv ...", file=sys.stderr)
    subprocess.run([str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("run", [])
    if command not in {"run", "test", "bench"}:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        ensure_environment()
    except subprocess.CalledProcessError as error:
        print(f"dev.py: installing dependencies failed (exit {error.returncode})", file=sys.stderr)
        return 1
    os.chdir(ROOT)
    if command == "run":
        return subprocess.call([str(BIN / "reader"), *args])
    if command == "test":
        return subprocess.call([str(BIN / "python"), "-m", "pytest", *args])
    scripts = [ROOT / "bench" / f"{args[0]}.py"] if args else sorted((ROOT / "bench").glob("bench_*.py"))
    status = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        status |= subprocess.call([str(BIN / "python"), str(script)])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
