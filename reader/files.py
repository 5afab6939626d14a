"""Writing a file the user named, all or nothing: a temporary file beside it, fsynced, then renamed.

Exports, the report and the settings file all go through `atomic_output`, so each gets the same
guarantees: an existing file is replaced only with `force`, a crash leaves the old file whole, and the
new file gets the permissions a normally created one would have.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reader.model import ReaderError


class OutputError(ReaderError):
    """A file that cannot be written, explained in one line."""


@contextmanager
def atomic_output(
    path: Path,
    force: bool = False,
    error: type[ReaderError] = OutputError,
    hint: str = "give a file name",
    binary: bool = False,
) -> Iterator[Any]:
    """A text stream (a binary one, readable too, with `binary`) that becomes `path` only when the block
    finishes; an existing file needs force.

    Problems raise `error` (the caller's own ReaderError subclass) with a one-line reason.
    """
    path = Path(path)
    if path.is_dir():
        raise error(f"{path} is a folder; {hint}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise error(f"cannot write {path}: folder {folder} does not exist")
    if not force and (path.exists() or path.is_symlink()):
        raise error(f"{path} already exists; use --force to replace it")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name[:100]}.", suffix=".tmp")
    except OSError as problem:
        raise error(f"cannot write in {folder}: {problem.strerror or problem}") from None
    finished = False
    try:
        with open(handle, "w+b") if binary else open(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        _set_mode(temporary, path)
        _move_into_place(temporary, path, force, error)
        finished = True
    except OSError as problem:
        raise error(f"cannot write {path}: {problem.strerror or problem}") from None
    finally:
        if not finished:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass


def write_text_atomically(
    path: Path, text: str, force: bool = False, error: type[ReaderError] = OutputError, hint: str = "give a file name"
) -> None:
    """Write `text` to `path` through atomic_output."""
    with atomic_output(path, force=force, error=error, hint=hint) as stream:
        stream.write(text)


def _set_mode(temporary: str, path: Path) -> None:
    """mkstemp makes a private file; give the output the mode a normally created file would have."""
    try:
        mode: int | None = path.stat().st_mode & 0o777 if path.exists() else None
    except OSError:
        mode = None
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(temporary, mode)


def _move_into_place(temporary: str, path: Path, force: bool, error: type[ReaderError]) -> None:
    if force:
        os.replace(temporary, path)  # a symlink at path is replaced, never followed
        return
    try:
        os.link(temporary, path)  # fails if something appeared at path meanwhile: never clobber
    except FileExistsError:
        raise error(f"{path} already exists; use --force to replace it") from None
    except OSError:
        if path.exists() or path.is_symlink():
            raise error(f"{path} already exists; use --force to replace it") from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)
