"""Nothing outside reader/tui imports textual, so the command line starts fast (as harlequin's test does)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import reader

CORE_MODULES = ["reader.cli", "reader.store", "reader.corpus", "reader.text", "reader.anchoring", "reader.library",
                "reader.store.migrations", "reader.model"]
# Written by other engineers; checked whenever they exist.
OPTIONAL_MODULES = ["reader.exports", "reader.imports", "reader.align", "reader.claims", "reader.report", "reader.formats",
                    "reader.settings"]


def present(names: list[str]) -> list[str]:
    return [name for name in names if importlib.util.find_spec(name) is not None]


def loaded_after(code: str) -> set[str]:
    script = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    return set(result.stdout.split())


def test_core_modules_do_not_import_textual() -> None:
    modules = CORE_MODULES + present(OPTIONAL_MODULES)
    loaded = loaded_after("\n".join(f"import {name}" for name in modules))
    assert set(modules) <= loaded
    assert not {name for name in loaded if name == "textual" or name.startswith("textual.")}


def test_every_module_outside_tui_is_textual_free() -> None:
    """Catches a new module that nobody added to the lists above."""
    package = Path(reader.__file__).parent
    modules = sorted(
        "reader." + ".".join(path.relative_to(package).with_suffix("").parts)
        for path in package.rglob("*.py")
        if "tui" not in path.relative_to(package).parts and path.name not in ("__init__.py", "__main__.py")
    )
    loaded = loaded_after("\n".join(f"import {name}" for name in modules))
    assert "textual" not in loaded, modules


def test_reader_help_does_not_import_textual(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "sys.argv = ['reader', '--help']\n"
        "from reader.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('TEXTUAL-LOADED' if 'textual' in sys.modules else 'TEXTUAL-ABSENT')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env={**os.environ, "READER_DB": str(tmp_path / "x.db")})
    assert "Usage: reader" in result.stdout
    assert result.stdout.strip().endswith("TEXTUAL-ABSENT")
    assert not (tmp_path / "x.db").exists()  # --help opens no database


def test_installed_reader_script_help_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("reader")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0 and "annotate" in result.stdout


def test_the_store_starts_without_numpy_and_leaves_it_importable() -> None:
    """sqlite-utils imports numpy when it can (a third of a command's start) only for column types the store
    does not use: the store imports it without, and numpy still imports for whoever needs it later."""
    assert "numpy" not in loaded_after("import reader.store\nfrom reader.claims import matrix_for_store")
    assert "numpy" in loaded_after("import reader.store\nimport numpy")
