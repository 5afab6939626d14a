"""Find source files, read and decode them, extract their main text, and canonicalise it once.

Everything that can go wrong with a file (binary, empty, undecodable, unreadable, not a regular file)
becomes a SourceError with a one-line reason, so callers can skip the file and say why.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from reader.model import ReaderError
from reader.text import canonicalise_newlines

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
FORMATTED_SUFFIXES = {".pdf", ".epub", ".docx"}  # loaded by reader.formats
SOURCE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | FORMATTED_SUFFIXES
METADATA_FILE = "sources.toml"
MAX_FILE_BYTES = 512 * 1024 * 1024

# Tried in order after strict UTF-8 fails. Short on purpose: an open-ended guess on short news text
# picks exotic code pages; these are the encodings such text actually arrives in.
LIKELY_ENCODINGS = ("cp1252", "iso8859_15", "latin_1")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SourceError(ReaderError):
    """A file that cannot be used as a source; the message is one line naming the reason."""


@dataclass
class Document:
    """A loaded source: its canonical text and what is known about it."""

    path: Path
    text: str
    title: str
    encoding: str
    format: str
    size: int
    mtime_ns: int
    warnings: list[str] = field(default_factory=list)
    outlet: str = ""
    author: str = ""
    published: str = ""
    url: str = ""
    pages: list[int] = field(default_factory=list)  # start offset of each page (PDF)


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """Decode: BOM, then strict UTF-8, then UTF-16 without BOM, then a short list of likely code pages.

    Returns (text, encoding, warnings). Raises SourceError for binary data.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, []
            except UnicodeDecodeError as error:
                text = data.decode(encoding, errors="replace")
                return text, encoding, [f"invalid {encoding} at byte {error.start}; replaced with U+FFFD"]
    # Before UTF-8: UTF-16 of Latin text is also valid UTF-8 (full of NULs), so the pattern decides.
    utf16 = _guess_utf16_without_bom(data) if b"\x00" in data[:4096] else None
    if utf16:
        return data.decode(utf16), utf16, [f"no byte-order mark; decoded as {utf16}"]
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes)")
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LIKELY_ENCODINGS)).best()
    encoding = best.encoding if best else LIKELY_ENCODINGS[0]
    try:
        text = data.decode(encoding)
        return text, encoding, [f"not UTF-8; decoded as {encoding} (a guess)"]
    except (UnicodeDecodeError, LookupError):
        text = data.decode("utf-8", errors="replace")
        if text.count("\ufffd") > len(text) * 0.1:
            raise SourceError("binary file (not text in UTF-8 or any likely encoding)") from None
        return text, "utf-8", ["not valid UTF-8 and no likely encoding fits; bad bytes shown as U+FFFD"]


def _guess_utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text of mostly Latin script has a NUL in every other byte; that pattern is the tell."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    for encoding, nuls, other in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls > half * 0.6 and other < half * 0.05:
            try:
                data.decode(encoding)
                return encoding
            except UnicodeDecodeError:
                return None
    return None


def _looks_binary(text: str) -> bool:
    """Decoded text that is mostly control characters is not prose, whatever its encoding."""
    sample = text[:8192]
    if not sample:
        return False
    controls = len(_CONTROLS.findall(sample))
    return "\x00" in sample or controls > len(sample) * 0.1


_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f]")  # C0 controls other than tab and the line separators


def extract_html(html: str) -> tuple[str, dict[str, str]]:
    """The main text of an HTML page (boilerplate dropped by trafilatura) and the metadata it states."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True) or ""
    metadata: dict[str, str] = {}
    found = trafilatura.extract_metadata(html)
    if found is not None:
        for ours, theirs in (
            ("title", "title"),
            ("author", "author"),
            ("outlet", "sitename"),
            ("published", "date"),
            ("url", "url"),
        ):
            value = getattr(found, theirs, None)
            if value:
                metadata[ours] = str(value)
    return text, metadata


def title_from_text(text: str) -> str:
    """The first meaningful line: at least three words, so a section label such as "News" is passed over."""
    fallback = ""
    for line in text.split("\n", 60)[:60]:
        line = line.strip().lstrip("#").strip()
        if not line:
            continue
        fallback = fallback or line
        if len(line[:200].split()) >= 3:  # [:200]: a 50 MB line need not be split to count three words
            return _shorten(line)
    return _shorten(fallback) or "(untitled)"


def _shorten(line: str, limit: int = 80) -> str:
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + "…"


def read_metadata(folder: Path) -> dict[str, dict[str, str]]:
    """The corpus folder's sources.toml: a table per file name with title, outlet, author, published, url."""
    path = folder / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SourceError(f"{path}: cannot read metadata: {error}") from None
    return {name: {k: str(v) for k, v in table.items()} for name, table in data.items() if isinstance(table, dict)}


def file_signature(path: str | os.PathLike[str]) -> os.stat_result:
    """stat() a candidate source, refusing what is not a regular file (FIFOs, devices, folders)."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise SourceError(f"cannot read: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SourceError("not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise SourceError(f"too large ({info.st_size // (1024 * 1024)} MB; the limit is 512 MB)")
    return info


def load_document(path: Path, metadata: dict[str, str] | None = None) -> Document:
    """Read, decode, extract and canonicalise one file. Raises SourceError with a one-line reason."""
    path = Path(path)
    info = file_signature(path)
    if info.st_size == 0:
        raise SourceError("empty file")
    if path.suffix.lower() in FORMATTED_SUFFIXES:
        from reader.formats import load_formatted_document

        return load_formatted_document(path, info, metadata)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise SourceError(f"cannot read: {error.strerror or error}") from None
    text, encoding, warnings = decode_bytes(data)
    if "\x00" in text[:8192]:
        raise SourceError("binary file (contains NUL bytes)")
    if _looks_binary(text):
        raise SourceError("binary file (mostly control characters)")
    found: dict[str, str] = {}
    suffix = path.suffix.lower()
    file_format = "html" if suffix in HTML_SUFFIXES else ("markdown" if suffix in {".md", ".markdown"} else "text")
    if file_format == "html":
        text, found = extract_html(text)
        if not text.strip():
            raise SourceError("no main text found in the HTML")
    text = canonicalise_newlines(text)
    if not text or text.isspace():  # isspace stops at the first letter; strip() would copy 100 MB
        raise SourceError("no text (only white space)")
    found.update({k: v for k, v in (metadata or {}).items() if v})
    return Document(
        path=path,
        text=text,
        title=found.get("title") or title_from_text(text),
        encoding=encoding,
        format=file_format,
        size=info.st_size,
        mtime_ns=info.st_mtime_ns,
        warnings=warnings,
        outlet=found.get("outlet", ""),
        author=found.get("author", ""),
        published=found.get("published", ""),
        url=found.get("url", ""),
    )


def find_source_files(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into candidate source files, sorted; also what was passed over and why.

    Folders are walked without following symbolic links (so a link loop cannot hang the walk); hidden
    files and files of other kinds are passed over silently, missing paths are reported.
    """
    found: list[str] = []  # strings while walking: pathlib costs ~30 µs a file, a third of a cached sync
    skipped: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, folders, files in os.walk(path, followlinks=False):
                folders[:] = sorted(name for name in folders if not name.startswith("."))
                for name in files:
                    if not name.startswith(".") and os.path.splitext(name)[1].lower() in SOURCE_SUFFIXES:
                        found.append(os.path.join(folder, name))
        elif path.exists() or path.is_symlink():
            found.append(os.fspath(path))
        else:
            skipped.append((path, "no such file or folder"))
    usable = []
    for name in dict.fromkeys(found):
        if name.isascii() or _is_utf8(name):
            usable.append(name)
        else:  # the database keeps paths as UTF-8 text: such a name cannot be stored, so it is named and passed over
            escaped = os.fsencode(name).decode("utf-8", "backslashreplace")
            skipped.append((Path(name), f"the file name is not valid UTF-8 ({escaped}); rename the file to load it"))
    return [Path(name) for name in sorted(usable, key=_path_order)], skipped


def _is_utf8(name: str) -> bool:
    """False for a name the file system gave as undecodable bytes (Python keeps them as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _path_order(name: str) -> tuple[str, ...]:
    """Sort as pathlib does (by component), so "a/b.txt" comes before "a-b.txt"."""
    return tuple(name.split(os.sep))
