"""The start of a big plain-text file, shown while the whole file is read, decoded and saved."""

from __future__ import annotations

import codecs
from pathlib import Path

from reader.text import canonicalise_newlines

PREVIEW_MIN_BYTES = 4 * 1024 * 1024
PREVIEW_BYTES = 256 * 1024


def read_preview(path: Path) -> str | None:
    """The start of a big plain-text UTF-8 file, shown while the whole file is read and decoded.

    Only when its offsets are sure to match the full text's: plain text or Markdown, strict UTF-8
    without a BOM, no carriage returns or other separators that canonicalisation would change.
    """
    if path.suffix.lower() not in {".txt", ".text", ".md", ".markdown"}:
        return None
    try:
        if path.stat().st_size < PREVIEW_MIN_BYTES:
            return None
        with open(path, "rb") as handle:
            head = handle.read(PREVIEW_BYTES)
    except OSError:
        return None
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return None
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if canonicalise_newlines(text) != text:
        return None
    return text[: text.rfind("\n") + 1] or None
