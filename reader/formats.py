"""Loaders for sources that are not plain text: PDF (its text layer), EPUB and DOCX.

Each turns a file into a reader.corpus.Document with canonical text, through a maintained library
(pypdf, ebooklib, python-docx). A PDF keeps where each page starts (code-point offsets in the text),
so a passage can be cited by page. Any failure becomes a SourceError with a one-line reason.
"""

from __future__ import annotations

import logging
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reader.corpus import Document, SourceError, title_from_text
from reader.text import canonicalise_newlines

PAGE_SEPARATOR = "\n\n"
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "pre",
    "li",
    "dt",
    "dd",
    "tr",
    "table",
    "ul",
    "ol",
    "dl",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "footer",
    "aside",
    "figure",
    "figcaption",
    "hr",
    "nav",
}


def tidy(text: str) -> str:
    """Canonical newlines, runs of spaces collapsed, trailing spaces and runs of blank lines dropped."""
    lines = [_SPACES.sub(" ", line).strip() for line in canonicalise_newlines(text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


class _CollectedLog(logging.Handler):
    """Keeps a library's log records (pypdf logs damage it repairs) instead of printing them to stderr."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip().split("\n", 1)[0][:120]
        if message and message not in self.messages:
            self.messages.append(message)


@contextmanager
def _collect_log(name: str) -> Iterator[list[str]]:
    logger = logging.getLogger(name)
    handler = _CollectedLog()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def load_pdf(path: Path) -> tuple[str, list[int], dict[str, str], list[str]]:
    """The text layer of a PDF, page by page: (text, start offset of each page, metadata, warnings)."""
    with _collect_log("pypdf") as messages:
        text, starts, metadata = _read_pdf(path)
    return text, starts, metadata, [f"PDF: {message}" for message in messages[:3]]


def _read_pdf(path: Path) -> tuple[str, list[int], dict[str, str]]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError("encrypted PDF (needs a password)")
        page_texts = [tidy(page.extract_text() or "") for page in reader.pages]
        info = reader.metadata
    except SourceError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise SourceError(f"not a readable PDF ({_first_line(error)})") from None
    except Exception as error:  # pypdf raises many internal types on damaged files
        raise SourceError(f"not a readable PDF ({type(error).__name__}: {_first_line(error)})") from None
    if not any(text.strip() for text in page_texts):
        raise SourceError("the PDF has no text layer (a scan? run OCR on it first)")
    starts, parts, offset = [], [], 0
    for index, text in enumerate(page_texts):
        if index:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        starts.append(offset)
        parts.append(text)
        offset += len(text)
    metadata: dict[str, str] = {}
    if info:
        for ours, theirs in (("title", "title"), ("author", "author")):
            value = getattr(info, theirs, None)
            if isinstance(value, str) and value.strip():
                metadata[ours] = value.strip()
        published = _iso_date(getattr(info, "creation_date", None))  # the date the document states
        if published:
            metadata["published"] = published
    return "".join(parts), starts, metadata


def _iso_date(value) -> str:
    """A document property's date (a datetime, or None) as ISO 8601; "" when absent or unreadable."""
    try:
        return value.isoformat() if value is not None and hasattr(value, "isoformat") else ""
    except (ValueError, TypeError):
        return ""


def html_text(markup: bytes | str) -> str:
    """The readable text of an (X)HTML fragment, keeping a blank line between blocks."""
    import lxml.html

    if isinstance(markup, bytes) and not markup.strip():
        return ""
    try:
        root = lxml.html.fromstring(markup)
    except Exception:  # lxml raises ParserError or XMLSyntaxError on empty or broken markup
        return ""
    for element in root.iter("script", "style", "head", "title"):
        element.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif element.tag in _BLOCK_TAGS:
            element.tail = "\n\n" + (element.tail or "")
    return tidy(root.text_content())


# Zip bombs: a DOCX or EPUB is a zip, and a few MB of zip can hold GBs of XML. Its members' sizes are
# checked from the central directory before anything is decompressed (Python's zipfile never inflates a
# member past its declared size, so a lie there only truncates it and fails its CRC).
ZIP_MAX_MEMBER_BYTES = 64_000_000
ZIP_MAX_TOTAL_BYTES = 160_000_000
ZIP_MAX_RATIO = 100  # uncompressed : compressed, for members over ZIP_RATIO_FROM_BYTES
ZIP_RATIO_FROM_BYTES = 1_000_000
ZIP_MAX_MEMBERS = 10_000


def check_zip_bomb(path: Path, kind: str) -> None:
    """Refuse (SourceError, one line) a zip whose members would expand beyond what a document needs."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SourceError(f"not a readable {kind} ({_first_line(error)})") from None
    if len(members) > ZIP_MAX_MEMBERS:
        raise SourceError(f"looks like a zip bomb: {len(members):,} files inside (a {kind} has a few dozen)")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_MAX_MEMBER_BYTES or (
            member.file_size > ZIP_RATIO_FROM_BYTES and ratio > ZIP_MAX_RATIO
        ):
            raise SourceError(
                f"looks like a zip bomb: a member would expand to {member.file_size / 1e6:,.0f} MB "
                f"from {member.compress_size / 1e6:,.1f} MB (ratio {ratio:,.0f}:1); not opened"
            )
        if total > ZIP_MAX_TOTAL_BYTES:
            raise SourceError(
                f"looks like a zip bomb: its members would expand to over "
                f"{ZIP_MAX_TOTAL_BYTES / 1e6:,.0f} MB; not opened"
            )


def load_epub(path: Path) -> tuple[str, dict[str, str]]:
    """The chapters of an EPUB in reading (spine) order, as text; plus title, author and publisher."""
    check_zip_bomb(path, "EPUB")  # before importing the libraries: a bomb costs nothing but this
    import ebooklib
    from ebooklib import epub

    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except (zipfile.BadZipFile, KeyError, OSError, epub.EpubException) as error:
        raise SourceError(f"not a readable EPUB ({_first_line(error)})") from None
    except Exception as error:  # lxml and ebooklib raise assorted types on damaged books
        raise SourceError(f"not a readable EPUB ({type(error).__name__}: {_first_line(error)})") from None
    chapters: list[str] = []
    seen: set[str] = set()
    for item_id, _ in book.spine:
        item = book.get_item_with_id(item_id)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT or item_id in seen:
            continue
        seen.add(item_id)
        text = html_text(item.get_content())
        if text.strip():
            chapters.append(text)
    if not chapters:
        raise SourceError("the EPUB has no text")
    metadata: dict[str, str] = {}
    for ours, theirs in (("title", "title"), ("author", "creator"), ("outlet", "publisher"), ("published", "date")):
        values = book.get_metadata("DC", theirs)
        if values and isinstance(values[0][0], str) and values[0][0].strip():
            metadata[ours] = values[0][0].strip()
    return "\n\n".join(chapters), metadata


def load_docx(path: Path) -> tuple[str, dict[str, str]]:
    """The paragraphs and tables of a Word document in order (table cells joined by " | ")."""
    check_zip_bomb(path, "DOCX")  # before importing the libraries: a bomb costs nothing but this
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise SourceError(f"not a readable DOCX ({_first_line(error)})") from None
    except Exception as error:  # python-docx raises PackageNotFoundError and lxml errors
        raise SourceError(f"not a readable DOCX ({type(error).__name__}: {_first_line(error)})") from None
    blocks: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = list(dict.fromkeys(cell.text.strip() for cell in row.cells))  # merged cells repeat
                line = " | ".join(cell for cell in cells if cell)
                if line:
                    blocks.append(line)
        elif block.text.strip():
            blocks.append(block.text)
    text = tidy("\n\n".join(blocks))
    if not text.strip():
        raise SourceError("the DOCX has no text")
    properties = document.core_properties
    metadata = {
        ours: value.strip()
        for ours, value in (("title", properties.title or ""), ("author", properties.author or ""))
        if value.strip()
    }
    try:
        published = _iso_date(properties.created)
    except (ValueError, TypeError):  # a malformed date in the package's core properties
        published = ""
    if published:
        metadata["published"] = published
    return text, metadata


FORMAT_LOADERS = {".pdf": "pdf", ".epub": "epub", ".docx": "docx"}


def load_formatted_document(path: Path, info: os.stat_result, metadata: dict[str, str] | None = None) -> Document:
    """Load a PDF, EPUB or DOCX file as a Document (sources.toml metadata wins over the file's own)."""
    file_format = FORMAT_LOADERS[path.suffix.lower()]
    pages: list[int] = []
    warnings: list[str] = []
    if file_format == "pdf":
        text, pages, found, warnings = load_pdf(path)
    elif file_format == "epub":
        text, found = load_epub(path)
    else:
        text, found = load_docx(path)
    text = canonicalise_newlines(text)
    found.update({key: value for key, value in (metadata or {}).items() if value})
    return Document(
        path=path,
        text=text,
        title=found.get("title") or title_from_text(text),
        encoding="binary",
        format=file_format,
        size=info.st_size,
        mtime_ns=info.st_mtime_ns,
        warnings=warnings,
        outlet=found.get("outlet", ""),
        author=found.get("author", ""),
        published=found.get("published", ""),
        url=found.get("url", ""),
        pages=pages,
    )


def _first_line(error: BaseException) -> str:
    message = str(error).strip().split("\n", 1)[0]
    return message[:120] or type(error).__name__
