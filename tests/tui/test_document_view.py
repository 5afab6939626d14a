"""The document view on its own: wrapping in cells, safe rendering, highlights, lazy layout, resizing."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult

from reader.text import display_safe
from reader.tui.widgets.document_view import DocumentView, Highlight, wrap_line


class ViewApp(App[None]):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield DocumentView(self.text)


def rows_of(text: str, width: int) -> list[str]:
    starts = wrap_line(text, 0, len(text), width)
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def screen_text(view: DocumentView) -> list[str]:
    return ["".join(segment.text for segment in view.render_line(y)) for y in range(view.size.height)]


def test_ascii_wraps_at_spaces_within_the_width():
    rows = rows_of("the quick brown fox jumps over the lazy dog", 10)
    assert rows == ["the quick ", "brown fox ", "jumps over ", "the lazy ", "dog"]
    assert all(len(row.rstrip()) <= 10 for row in rows)


def test_cjk_and_emoji_count_two_cells():
    text = "漢字漢字漢字 😀😀😀 ab"
    rows = rows_of(text, 8)
    assert "".join(rows) == text
    assert all(cell_len(row.rstrip()) <= 8 for row in rows)
    assert rows[0] == "漢字漢字"  # a word wider than the row breaks at the edge, by cells


def test_a_cjk_line_with_fewer_characters_than_the_width_still_wraps_by_cells():
    text = "报告指出，交通拥堵每年造成巨大的经济损失。专家认为需要立即采取行动。"  # 35 characters, 70 cells
    rows = rows_of(text, 40)
    assert "".join(rows) == text and len(rows) == 2
    assert all(cell_len(row) <= 40 for row in rows)


def test_a_word_longer_than_the_row_is_broken():
    assert rows_of("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


async def test_markup_and_escape_sequences_are_shown_literally():
    hostile = "Title [bold]loud[/bold] [@click=app.quit]x[/] \x1b]0;PWNED\x07 end\x1b[2J."
    async with ViewApp(hostile).run_test(size=(100, 10)) as pilot:
        view = pilot.app.query_one(DocumentView)
        first = screen_text(view)[0]
        assert "[bold]loud[/bold]" in first and "[@click=app.quit]" in first
        assert "\x1b" not in first and "\x07" not in first
        assert display_safe("\x1b]0;PWNED\x07") in first


async def test_overlapping_highlights_blend_and_underline():
    async with ViewApp("alpha beta gamma delta").run_test(size=(40, 5)) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.set_highlights("annotations", [Highlight(0, 10, "#ff0000", "a"), Highlight(6, 16, "#0000ff", "b")])
        view.move_cursor_to(17)  # the word cursor on "delta", out of the way
        await pilot.pause()
        segments = {segment.text: segment.style for segment in view.render_line(0)}
        only_red, both, only_blue = segments["alpha "], segments["beta"], segments[" gamma"]
        assert not only_red.underline and not only_blue.underline and both.underline
        assert len({only_red.bgcolor, both.bgcolor, only_blue.bgcolor}) == 3
        assert view.highlights_at(7) == [Highlight(0, 10, "#ff0000", "a"), Highlight(6, 16, "#0000ff", "b")]


async def test_annotated_rows_get_a_margin_mark():
    text = "First line here.\nSecond line here.\n"
    async with ViewApp(text).run_test(size=(40, 5)) as pilot:
        view = pilot.app.query_one(DocumentView)
        view.set_highlights("annotations", [Highlight(17, 23, "#ff0000", "a")])
        await pilot.pause()
        rows = screen_text(view)
        assert rows[0].startswith("  First") and rows[1].startswith("▌ Second")


async def test_a_huge_text_is_laid_out_only_where_it_is_seen():
    text = ("Some words in a sentence. " * 30 + "\n\n") * 20000  # about 16 MB
    async with ViewApp(text).run_test(size=(80, 24)) as pilot:
        view = pilot.app.query_one(DocumentView)
        layout = view.document_layout
        assert layout.wrapped_blocks <= 2 < len(layout.blocks)
        await pilot.press("G")
        assert view.cursor[1] == len(text.rstrip())
        assert screen_text(view)[view.size.height - 1].strip() or screen_text(view)[-3].strip()
        assert layout.wrapped_blocks <= 4


async def test_resizing_rewraps_and_keeps_the_reading_position():
    text = "\n\n".join(f"Paragraph {n} has several words that wrap across rows. Second sentence {n}." for n in range(200))
    async with ViewApp(text).run_test(size=(80, 20)) as pilot:
        view = pilot.app.query_one(DocumentView)
        for _ in range(40):
            await pilot.press("j")
        cursor = view.cursor
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        row = view.document_layout.row_of_offset(cursor[0])
        assert view.cursor == cursor
        assert view.scroll_y <= row < view.scroll_y + view.size.height
        assert all(cell_len(line.rstrip()) <= 40 for line in screen_text(view))
