"""Issue 14.13: a DOCX or EPUB that is a zip bomb is skipped with one line before anything is inflated
(bench/bench_zip_bomb.py measures the time and memory on a 3 GB bomb)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import cli

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/content-types"/>')


def bomb(path: Path, member: str, megabytes: int) -> Path:
    """A small zip whose `member` inflates to `megabytes` MB of spaces (ratio about 1000:1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("mimetype", "application/epub+zip")
        with archive.open(member, "w", force_zip64=True) as handle:
            chunk = b" " * 1_000_000
            for _ in range(megabytes):
                handle.write(chunk)
    return path


def add(tmp_path: Path, target: Path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "a.db"), "add", str(target)], prog_name="reader")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


@pytest.mark.parametrize("name, member", [("bomb.docx", "word/document.xml"), ("bomb.epub", "OEBPS/chapter.xhtml")])
def test_a_zip_bomb_is_skipped_in_one_line_before_it_is_inflated(tmp_path, name, member):
    target = bomb(tmp_path / name, member, 200)
    assert target.stat().st_size < 1_000_000
    result = add(tmp_path, target)
    skipped = [line for line in result.output.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 1 and "zip bomb" in skipped[0], result.output
    assert result.exit_code == 1
