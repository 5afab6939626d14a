"""The HTML report in a real headless Chromium: every annotation in the DOM, hostile text inert,
the notes shown on keyboard focus, and a screenshot that shows the page and its tag colours."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chromium import devtools, dump_dom, image_summary, screenshot
from reader.library import sync_sources
from reader.report import gather, render_report, write_report

HOSTILE = "Opening words <script>document.title='pwned'</script> and <img src=x onerror=alert(1)> end.\n"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


@pytest.fixture
def report_file(store, corpus_dir, tmp_path):
    """A report over the corpus plus a hostile source, with overlapping annotations in several tags."""
    (corpus_dir / "000_hostile.txt").write_text(HOSTILE, encoding="utf-8")
    sync_sources(store, [corpus_dir])
    ids = []
    hostile = store.resolve_source("000_hostile.txt")
    text = store.text(hostile.id)
    ids.append(store.add_annotation(hostile.id, 0, len("Opening words"), tags=["claim"], note="first <b>note</b>").id)
    ids.append(store.add_annotation(hostile.id, text.index("<script>"), text.index("end."), tags=["error"]).id)
    ids.append(store.add_annotation(hostile.id, text.index("words"), text.index("<img"), tags=["quote"]).id)
    for source in store.sources():
        if source.id == hostile.id:
            continue
        body = store.text(source.id)
        start = body.index("OpenAI")
        ids.append(store.add_annotation(source.id, start, start + 6, tags=["number"], note=f"in {source.name}").id)
    store.add_link(ids[0], ids[3], "same")
    target = tmp_path / "report.html"
    write_report(render_report(gather(store)), target)
    return target, ids


def test_dom_has_every_annotation_and_no_injected_elements(chromium, profile, report_file):
    target, ids = report_file
    dom = dump_dom(chromium, target.as_uri(), profile)
    parser = Elements()
    parser.feed(dom)
    marks = [attrs for tag, attrs in parser.elements if tag == "mark"]
    assert {m["data-annotation-id"] for m in marks} == set(ids)
    focusable = [m for m in marks if m.get("tabindex") == "0"]
    assert sorted(m["data-annotation-id"] for m in focusable) == sorted(ids)
    assert not any(tag in ("script", "img") for tag, _ in parser.elements)
    assert "<title>Reader report</title>" in dom  # the source's script did not run and rename the page
    assert "&lt;script&gt;document.title=" in dom
    assert len([1 for tag, attrs in parser.elements if tag == "article"]) == 6
    assert any(tag == "svg" for tag, _ in parser.elements)


def test_screenshot_is_not_blank_and_shows_tag_colours(chromium, profile, report_file, tmp_path):
    target, _ = report_file
    png = screenshot(chromium, target.as_uri(), tmp_path / "report.png", profile)
    colours, ink, seen = image_summary(png)
    assert colours > 50 and ink > 0.02
    # The 'claim' highlight (#e5c07b at 45% on white) is on screen in the first column.
    expected = tuple(round(c * 0.45 + 255 * 0.55) for c in (0xE5, 0xC0, 0x7B))
    assert any(all(abs(a - b) <= 6 for a, b in zip(colour, expected)) for colour in seen)


async def test_note_shows_on_keyboard_focus(chromium, profile, report_file):
    target, ids = report_file
    async with devtools(chromium, profile) as page:
        await page.send("Page.enable")
        await page.send("Page.navigate", url=target.as_uri())
        await page.pump(1.5)
        selector = f'mark[id="a-{ids[0]}"]'
        before = await page.evaluate(f"getComputedStyle(document.querySelector('{selector}'), '::after').content")
        assert before in ("none", "normal")
        await page.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(10):  # tab through the page until the first annotation has focus, as a reader would
            await page.send("Input.dispatchKeyEvent", type="keyDown", key="Tab", code="Tab",
                            windowsVirtualKeyCode=9)
            await page.send("Input.dispatchKeyEvent", type="keyUp", key="Tab", code="Tab", windowsVirtualKeyCode=9)
            if await page.evaluate("document.activeElement.id") == f"a-{ids[0]}":
                break
        assert await page.evaluate("document.activeElement.id") == f"a-{ids[0]}"
        shown = await page.evaluate(f"getComputedStyle(document.querySelector('{selector}'), '::after').content")
        assert shown == '"claim — first <b>note</b>"'
        described = await page.evaluate(
            f"document.getElementById(document.querySelector('{selector}').getAttribute('aria-describedby')).textContent")
        assert "first <b>note</b>" in described
        assert re.search(r"\bOpening words\b", described)
