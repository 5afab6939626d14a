"""PDF, EPUB and DOCX sources on small files made at run time, and `reader add` over a folder of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.corpus import SOURCE_SUFFIXES, SourceError, load_document
from reader.library import sync_sources

PDF_PAGES = [
    "Microsoft has invested an estimated $13 billion into OpenAI.",
    "Sebastien Bubeck joined Microsoft as a researcher in 2014.",
    "The Phi models are small language models.",
]


def make_pdf(path: Path, pages: list[str], title: str = "A PDF report", author: str = "Ada Lovelace") -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def make_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "Word title"
    document.core_properties.author = "Grace Hopper"
    document.add_heading("Departures at Microsoft", level=1)
    document.add_paragraph("Bubeck leaves for OpenAI after ten years.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Company", "Investment"
    table.cell(1, 0).text, table.cell(1, 1).text = "Microsoft", "$13 billion"
    document.add_paragraph("A paragraph after the table.")
    document.save(str(path))
    return path


def make_epub(path: Path) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("reader-test-book")
    book.set_title("An EPUB book")
    book.set_language("en")
    book.add_author("Mary Shelley")
    chapters = []
    for number, body in enumerate(["<h1>One</h1><p>First chapter text.</p><p>Second <b>para</b>.</p>",
                                   "<h1>Two</h1><p>Closing chapter.<br/>New line.</p>"], 1):
        chapter = epub.EpubHtml(title=f"Chapter {number}", file_name=f"ch{number}.xhtml", lang="en")
        chapter.content = f"<html><head><title>t</title></head><body>{body}</body></html>"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *chapters]
    epub.write_epub(str(path), book)
    return path


def test_pdf_text_layer_with_page_offsets_and_metadata(tmp_path):
    document = load_document(make_pdf(tmp_path / "report.pdf", PDF_PAGES))
    assert document.format == "pdf"
    assert document.title == "A PDF report" and document.author == "Ada Lovelace"
    assert len(document.pages) == 3 and document.pages[0] == 0
    for start, expected in zip(document.pages, PDF_PAGES):
        assert document.text[start:start + len(expected)] == expected
    assert "\r" not in document.text


def test_pdf_page_offsets_are_kept_in_the_store(tmp_path, store):
    from reader.library import sync_sources

    make_pdf(tmp_path / "report.pdf", PDF_PAGES)
    (source_id,) = sync_sources(store, [tmp_path / "report.pdf"]).source_ids
    pages = store.page_starts(source_id)
    assert len(pages) == 3
    for start, expected in zip(pages, PDF_PAGES):
        assert store.text(source_id)[start:start + len(expected)] == expected


def test_pdf_without_text_layer_is_refused_with_a_reason(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 50, 50)  # a drawing, no text: as a scanned page would be
    pdf.output(str(tmp_path / "scan.pdf"))
    with pytest.raises(SourceError, match="no text layer"):
        load_document(tmp_path / "scan.pdf")


@pytest.mark.parametrize("name", ["broken.pdf", "broken.epub", "broken.docx"])
def test_damaged_files_are_refused_in_one_line(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 this is not really a " + name.encode() + b" \x00\x01\x02" * 20)
    with pytest.raises(SourceError) as raised:
        load_document(path)
    assert "\n" not in str(raised.value) and "not a readable" in str(raised.value)


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    document = load_document(make_docx(tmp_path / "memo.docx"))
    assert document.format == "docx"
    assert document.title == "Word title" and document.author == "Grace Hopper"
    assert document.text.split("\n\n") == [
        "Departures at Microsoft", "Bubeck leaves for OpenAI after ten years.",
        "Company | Investment", "Microsoft | $13 billion", "A paragraph after the table."]


def test_epub_chapters_in_spine_order_as_paragraphs(tmp_path):
    document = load_document(make_epub(tmp_path / "book.epub"))
    assert document.format == "epub"
    assert document.title == "An EPUB book" and document.author == "Mary Shelley"
    text = document.text
    assert text.index("First chapter text.") < text.index("Second para.") < text.index("Closing chapter.")
    assert "<b>" not in text and "Closing chapter.\nNew line." in text
    assert "\n\nSecond para." in text


def test_new_formats_are_found_in_folders_and_stored(store, tmp_path):
    assert {".pdf", ".epub", ".docx"} <= SOURCE_SUFFIXES
    folder = tmp_path / "mixed"
    folder.mkdir()
    make_pdf(folder / "a.pdf", PDF_PAGES)
    make_docx(folder / "b.docx")
    make_epub(folder / "c.epub")
    report = sync_sources(store, [folder])
    assert report.skipped == [] and report.loaded == 3
    formats = {row["path"].rsplit("/", 1)[-1]: row["format"] for row in store.query("SELECT path, format FROM sources")}
    assert formats == {"a.pdf": "pdf", "b.docx": "docx", "c.epub": "epub"}
    pdf = next(s for s in store.sources() if s.name == "a.pdf")
    assert PDF_PAGES[1] in store.text(pdf.id)


# --- reader add -----------------------------------------------------------------------------------

def test_add_reports_added_and_skipped_with_reasons(run_cli, tmp_path, db_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    make_pdf(folder / "a.pdf", PDF_PAGES)
    (folder / "note.txt").write_text("Some plain words about a claim.\n", encoding="utf-8")
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "broken.docx").write_bytes(b"not a zip at all")
    result = run_cli("add", str(folder))
    assert result.exit_code == 0, result.output
    assert "added 2, skipped 2" in result.output
    assert "empty.md: empty file" in result.output
    assert "broken.docx: not a readable DOCX" in result.output
    again = run_cli("add", str(folder))
    assert "added 0, skipped 2 (2 already in the database)" in again.output


def test_add_refuses_missing_paths(run_cli, tmp_path):
    result = run_cli("add", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "no such file or folder" in result.output
    assert run_cli("add").exit_code == 2


def test_add_fails_when_nothing_could_be_added(run_cli, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    result = run_cli("add", str(bad))
    assert result.exit_code == 1
    assert "added 0, skipped 1" in result.output and "bad.pdf" in result.output


def test_pdf_damage_that_pypdf_repairs_becomes_a_warning_not_stderr_noise(tmp_path, capfd):
    path = make_pdf(tmp_path / "damaged.pdf", PDF_PAGES)
    data = path.read_bytes()
    marker = data.rindex(b"startxref")
    path.write_bytes(data[:marker] + b"startxref\n999999\n%%EOF\n")  # a wrong cross-reference offset
    document = load_document(path)
    assert PDF_PAGES[2] in document.text
    assert any(warning.startswith("PDF: ") for warning in document.warnings)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_pdf_and_docx_creation_dates_are_their_published_dates(tmp_path):
    """The document properties' date is what the file states about when it appeared (issue 11)."""
    from datetime import datetime, timezone

    import docx
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 3, 5, 9, 30, tzinfo=timezone.utc))
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Microsoft has invested an estimated $13 billion into OpenAI.")
    pdf.output(str(tmp_path / "dated.pdf"))
    assert load_document(tmp_path / "dated.pdf").published.startswith("2024-03-05T09:30")
    document = docx.Document()
    document.core_properties.created = datetime(2023, 11, 20, 8, 0, tzinfo=timezone.utc)
    document.add_paragraph("Bubeck leaves for OpenAI after ten years.")
    document.save(str(tmp_path / "dated.docx"))
    assert load_document(tmp_path / "dated.docx").published.startswith("2023-11-20")
