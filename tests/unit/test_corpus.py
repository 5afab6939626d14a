"""Loading sources: formats, decoding, rejection of what is not text, titles and metadata."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.corpus import (
    SourceError,
    decode_bytes,
    find_source_files,
    load_document,
    read_metadata,
    title_from_text,
)
from reader.library import BUNDLED_CORPUS

ARTICLE = "Caf\u00e9 owners in Z\u00fcrich say the \u201cnew rules\u201d cost them \u20ac6.6 million.\nA second paragraph follows."


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


# --- the bundled corpus ---------------------------------------------------------------------------

def test_bundled_corpus_is_the_shared_corpus_unchanged() -> None:
    shared = BUNDLED_CORPUS.parent.parent / "shared" / "corpus"
    if not shared.is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    ours = sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt"))
    assert ours == sorted(p.name for p in shared.glob("*.txt"))
    for name in ours:
        assert (BUNDLED_CORPUS / name).read_bytes() == (shared / name).read_bytes(), name


def test_bundled_metadata_wins_over_the_first_line() -> None:
    metadata = read_metadata(BUNDLED_CORPUS)
    (path,) = BUNDLED_CORPUS.glob("001_*.txt")
    document = load_document(path, metadata[path.name])
    assert document.title == "One of Microsoft's Top AI Execs Leaves for OpenAI"
    assert (document.author, document.outlet) == ("Gladys Rama", "Converge360")


def test_news_is_not_a_title() -> None:
    (path,) = BUNDLED_CORPUS.glob("001_*.txt")
    document = load_document(path)  # no metadata: the title comes from the text
    assert document.text.startswith("News\n")
    assert document.title == "One of Microsoft's Top AI Execs Leaves for OpenAI"


def test_title_from_the_text_when_metadata_is_silent() -> None:
    metadata = read_metadata(BUNDLED_CORPUS)
    (path,) = BUNDLED_CORPUS.glob("003_*.txt")
    assert path.name not in metadata
    assert load_document(path).title.startswith("As it navigates a period of significant change")


@pytest.mark.parametrize(("text", "title"), [
    ("News\n\nThe real headline is here\nBody.", "The real headline is here"),
    ("# Markdown heading line\n\nBody", "Markdown heading line"),
    ("Short\n", "Short"),
    ("A" * 50 + " " + "B" * 50 + " " + "C" * 50, "A" * 50 + "\u2026"),
])
def test_title_from_text(text: str, title: str) -> None:
    assert title_from_text(text) == title


# --- formats --------------------------------------------------------------------------------------

def test_text_and_markdown_keep_their_text(tmp_path: Path) -> None:
    txt = load_document(write(tmp_path, "a.txt", ARTICLE.encode()))
    md = load_document(write(tmp_path, "b.md", b"# Heading of the note\n\nSome *text*."))
    assert (txt.text, txt.format) == (ARTICLE, "text")
    assert (md.text, md.format, md.title) == ("# Heading of the note\n\nSome *text*.", "markdown", "Heading of the note")


HTML_PAGE = """<!doctype html><html><head><title>Shop closes | Daily Bugle</title>
<meta name="author" content="Jane Roe"><meta property="og:site_name" content="Daily Bugle">
<meta property="article:published_time" content="2024-10-15"></head><body>
<nav><a href="/">Home</a> | <a href="/login">Login to your account</a> | Subscribe now</nav>
<article><h1>The corner shop closes after ninety years</h1>
<p>The corner shop on Elm Street closed on Monday after ninety years of trade, its owner said.</p>
<p>Customers queued round the block to buy the last loaves, and several of them said they would miss it.</p>
<p>The building will become flats, according to plans filed with the council last spring.</p>
</article><footer>Copyright 2024 Daily Bugle. Cookie policy. Terms of service.</footer></body></html>"""


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_main_text_without_boilerplate_and_with_metadata(tmp_path: Path, suffix: str) -> None:
    document = load_document(write(tmp_path, f"page{suffix}", HTML_PAGE.encode()))
    assert document.format == "html"
    assert "closed on Monday after ninety years" in document.text
    assert "The building will become flats" in document.text
    for boilerplate in ("Login to your account", "Cookie policy", "Subscribe now"):
        assert boilerplate not in document.text
    assert "<p>" not in document.text
    assert document.author == "Jane Roe"
    assert document.outlet == "Daily Bugle"
    assert document.published.startswith("2024-10-15")
    assert "corner shop" in document.title.lower()


def test_metadata_file_wins_over_html_metadata(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", HTML_PAGE.encode())
    document = load_document(path, {"title": "Our title", "author": "Someone Else"})
    assert (document.title, document.author, document.outlet) == ("Our title", "Someone Else", "Daily Bugle")


def test_html_without_main_text_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no main text"):
        load_document(write(tmp_path, "empty.html", b"<html><head><title>T</title></head><body>"
                                                   b"<script>var tracking = 1;</script></body></html>"))


# --- decoding -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "expected_name"), [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("utf-16", "utf-16"),
    ("utf-32", "utf-32"),
])
def test_unicode_with_or_without_bom(tmp_path: Path, encoding: str, expected_name: str) -> None:
    document = load_document(write(tmp_path, "a.txt", ARTICLE.encode(encoding)))
    assert document.text == ARTICLE
    assert document.encoding == expected_name
    assert document.warnings == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised_with_a_warning(tmp_path: Path, encoding: str) -> None:
    document = load_document(write(tmp_path, "a.txt", ARTICLE.encode(encoding)))
    assert document.text == ARTICLE
    assert document.encoding == encoding
    assert document.warnings and "no byte-order mark" in document.warnings[0]


@pytest.mark.parametrize(("encoding", "text"), [
    ("cp1252", ARTICLE),
    ("latin-1", ARTICLE.replace("\u201c", '"').replace("\u201d", '"').replace("\u20ac", "EUR ")),
])
def test_code_pages_are_guessed_with_a_visible_warning(tmp_path: Path, encoding: str, text: str) -> None:
    document = load_document(write(tmp_path, "a.txt", text.encode(encoding)))
    assert document.text == text
    assert document.warnings and "a guess" in document.warnings[0]


def test_invalid_utf8_with_a_bom_is_replaced_not_fatal(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "a.txt", b"\xef\xbb\xbfGood start \xff\xfe then more text"))
    assert "\ufffd" in document.text and document.text.startswith("Good start")
    assert document.warnings and "U+FFFD" in document.warnings[0]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_decoding_any_bytes_never_crashes(data: bytes) -> None:
    try:
        text, encoding, warnings = decode_bytes(data)
    except SourceError as error:
        assert "\n" not in str(error)
        return
    assert isinstance(text, str) and encoding
    declared = encoding in ("utf-8-sig", "utf-16", "utf-32")  # by a byte-order mark
    if not declared and encoding != "utf-8" or encoding == "utf-8" and "\ufffd" in text and "\ufffd".encode() not in data:
        assert warnings  # a guess, or replaced bytes, is always said


def test_newlines_are_canonicalised_at_load(tmp_path: Path) -> None:
    document = load_document(write(tmp_path, "a.txt", "one\r\ntwo\rthree\u2028four\x85five".encode()))
    assert document.text == "one\ntwo\nthree\nfour\nfive"


# --- what is not a source -------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty file"),
    (b" \n\t\r\n  ", "only white space"),
    (b"text with a \x00 NUL byte in it and more text", "binary"),
    (bytes(range(256)) * 8, "binary"),
    (bytes(range(1, 32)) * 40, "binary"),
    (b"\x81\x8d\x8f\x90\x9d" * 50, "binary"),  # bytes no likely encoding maps
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(200)), "binary"),
])
def test_not_text_is_rejected_with_a_one_line_reason(tmp_path: Path, data: bytes, reason: str) -> None:
    with pytest.raises(SourceError) as caught:
        load_document(write(tmp_path, "bad.txt", data))
    message = str(caught.value)
    assert reason in message and "\n" not in message


def test_fifo_is_skipped_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        load_document(fifo)  # opening a FIFO for reading would block forever


def test_symlink_loop_is_skipped(tmp_path: Path) -> None:
    os.symlink("loop.txt", tmp_path / "loop.txt")
    with pytest.raises(SourceError, match="cannot read"):
        load_document(tmp_path / "loop.txt")


def test_folder_walk_does_not_follow_link_loops(tmp_path: Path) -> None:
    write(tmp_path, "a.txt", b"Some text in the file.")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.md", b"More text in another file.")
    os.symlink("..", tmp_path / "sub" / "up")  # a folder loop
    os.symlink(tmp_path, tmp_path / "sub" / "again")
    write(tmp_path, ".hidden.txt", b"hidden")
    write(tmp_path, "picture.png", b"\x89PNG")
    found, skipped = find_source_files([tmp_path, tmp_path / "missing"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "sub/b.md"]
    assert skipped == [(tmp_path / "missing", "no such file or folder")]


def test_metadata_file_that_is_not_toml_is_a_source_error(tmp_path: Path) -> None:
    write(tmp_path, "sources.toml", b"[broken\n")
    with pytest.raises(SourceError, match="cannot read metadata"):
        read_metadata(tmp_path)
