"""Reading export files into the store's import records (reader.store.incoming), one module per format:
the reader's own JSON (reader_json), W3C Web Annotations (w3c) and CSV (csv_export); checks validates what
any of them read. reader.imports ties them together.
"""

from __future__ import annotations

from reader.model import ReaderError


class ImportFileError(ReaderError):
    """A file that cannot be imported, explained in one line; nothing was written."""
