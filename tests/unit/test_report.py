"""The HTML report: highlighting from canonical offsets, escaping of untrusted text, the claims matrix,
the chart, and the `reader report` command's refusals."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.model import Annotation
from reader.report import gather, highlighted_html, render_report, write_report, ReportError
from reader.text import display_safe

HOSTILE_TEXT = ("A <script>alert('x')</script> claim & <b>bold</b> text with \x1b[31mescape\x1b[0m codes.\n\n"
                "Second paragraph: <img src=x onerror=alert(1)> stays text.\n")


VOID_ELEMENTS = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed", "source", "wbr"}


class MarkParser(HTMLParser):
    """Collects every element, checks marks nest properly, and the text inside each annotation's marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.by_annotation: dict[str, list[str]] = {}
        self.elements: list[tuple[str, dict]] = []
        self.balanced = True

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag not in VOID_ELEMENTS:
            self.stack.append((tag, attributes))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1][0] != tag:
            self.balanced = False
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        for tag, attributes in self.stack:
            if tag == "mark":
                self.by_annotation.setdefault(attributes["data-annotation-id"], []).append(data)


def parse(fragment: str) -> MarkParser:
    parser = MarkParser()
    parser.feed(fragment)
    parser.close()
    return parser


def annotation(ident: str, start: int, end: int, text: str, tags=("claim",), note="") -> Annotation:
    return Annotation(id=ident, source_id=1, start=start, end=end, quote=text[start:end], tags=list(tags), note=note)


# --- highlighting ---------------------------------------------------------------------------------

def test_overlapping_annotations_become_well_formed_nested_marks():
    text = "The company invested an estimated $13 billion into OpenAI since 2019."
    first = annotation("a1", 12, 45, text)       # invested ... billion
    inner = annotation("a2", 21, 33, text)       # an estimated
    crossing = annotation("a3", 34, 58, text)    # $13 billion into OpenAI: crosses a1's end
    page = highlighted_html(text, [first, inner, crossing], {"claim": "tag-0"})
    parsed = parse(page)
    assert parsed.balanced and not parsed.stack
    assert "".join(parsed.text) == text
    for item in (first, inner, crossing):
        assert "".join(parsed.by_annotation[item.id]) == item.quote
    # Each annotation has exactly one focusable first piece carrying its note and id.
    focusable = [a for tag, a in parsed.elements if tag == "mark" and a.get("tabindex") == "0"]
    assert sorted(a["data-annotation-id"] for a in focusable) == ["a1", "a2", "a3"]
    assert all(a["id"] == f"a-{a['data-annotation-id']}" for a in focusable)


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab <>&\"'\n\x1b\u202e"), min_size=1, max_size=60), data=st.data())
def test_any_annotations_keep_the_text_and_each_quote(text, data):
    spans = data.draw(st.lists(st.tuples(st.integers(0, len(text)), st.integers(0, len(text))), max_size=6))
    annotations = [annotation(f"id{i}", min(a, b), max(a, b), text) for i, (a, b) in enumerate(spans) if a != b]
    parsed = parse(highlighted_html(text, annotations, {"claim": "tag-0"}))
    assert parsed.balanced and not parsed.stack
    assert "".join(parsed.text) == display_safe(text)
    for item in annotations:
        assert "".join(parsed.by_annotation[item.id]) == display_safe(item.quote)


# --- the page from a store ------------------------------------------------------------------------

@pytest.fixture
def hostile_store(store, corpus_dir):
    """The corpus plus a source full of markup, with annotations whose tag and note are markup too."""
    from reader.library import sync_sources

    (corpus_dir / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    sync_sources(store, [corpus_dir])
    return store


def test_every_annotation_is_in_the_page_and_untrusted_text_is_escaped(hostile_store):
    store = hostile_store
    hostile = store.resolve_source("hostile.txt")
    text = store.text(hostile.id)
    start = text.index("<script>")
    one = store.add_annotation(hostile.id, start, start + len("<script>alert('x')</script>"),
                               tags=["<b>tag</b>"], note="<script>note()</script> & \"quoted\"")
    two = store.add_annotation(hostile.id, text.index("<img"), text.index("stays"), tags=["claim"])
    other = store.resolve_source("001")
    other_text = store.text(other.id)
    three = store.add_annotation(other.id, other_text.index("Bubeck"), other_text.index("Bubeck") + 6)
    page = render_report(gather(store))

    parsed = parse(page)
    assert parsed.balanced
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert not any(tag in ("script", "img", "b", "link", "iframe") for tag, _ in parsed.elements)
    marks = {a["data-annotation-id"] for tag, a in parsed.elements if tag == "mark"}
    assert {one.id, two.id, three.id} <= marks
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "\x1b" not in page and "␛[31m" in page  # ESC shown as a control picture, never sent raw
    tip = next(a["data-tip"] for tag, a in parsed.elements if a.get("id") == f"a-{one.id}")
    assert tip == "<b>tag</b> — <script>note()</script> & \"quoted\""  # attribute decoded back to the text


def test_page_is_self_contained(loaded_store):
    page = render_report(gather(loaded_store))
    parsed = parse(page)
    for tag, attributes in parsed.elements:
        assert tag not in ("script", "link", "img", "iframe")
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            assert not value or value.startswith("#"), (tag, name, value)
    assert "default-src 'none'" in page


def test_claims_matrix_rows_follow_same_claim_links(loaded_store, source_id):
    store = loaded_store
    s0, s1 = source_id("000"), source_id("001")
    t0, t1 = store.text(s0), store.text(s1)
    a = store.add_annotation(s0, t0.index("an estimated $13 billion"), t0.index("an estimated $13 billion") + 24)
    b = store.add_annotation(s1, t1.index("over $13 billion"), t1.index("over $13 billion") + 16)
    store.add_link(a.id, b.id, "same")
    page = render_report(gather(store))
    parsed = parse(page)
    rows = [attrs for tag, attrs in parsed.elements if tag == "tr" and "data-claim" in attrs]
    assert len(rows) == 1
    cells = {int(attrs["data-source-id"]): attrs["class"] for tag, attrs in parsed.elements
             if tag == "td" and attrs.get("data-claim") == rows[0]["data-claim"]}
    assert cells[s0] == "cell-present" and cells[s1] in ("cell-present", "cell-differs")
    assert [state for sid, state in cells.items() if sid not in (s0, s1)] == ["cell-absent"] * 3
    members = {attrs["data-member-id"] for tag, attrs in parsed.elements if "data-member-id" in attrs}
    assert members == {a.id, b.id}


def test_claims_matrix_shows_silent_and_differing_figures(loaded_store, source_id):
    store = loaded_store
    s0, s1, s2 = source_id("000"), source_id("001"), source_id("002")
    t0, t1 = store.text(s0), store.text(s1)
    a = store.add_annotation(s0, t0.index("$13 billion"), t0.index("$13 billion") + 11)
    b = store.add_annotation(s1, t1.index("10 years"), t1.index("10 years") + 8)  # another figure than $13
    store.add_link(a.id, b.id, "same")
    store.set_silent(a.id, s2)
    page = render_report(gather(store))
    assert f'class="cell-silent" data-claim="{a.id}" data-source-id="{s2}"' in page
    assert f'class="cell-differs" data-claim="{a.id}" data-source-id="{s1}"' in page


def test_chart_has_a_bar_per_source_and_tag_with_a_title(loaded_store, source_id):
    store = loaded_store
    s0 = source_id("000")
    text = store.text(s0)
    for word in ("Microsoft", "OpenAI", "Bubeck"):
        store.add_annotation(s0, text.index(word), text.index(word) + len(word), tags=["claim"])
    store.add_annotation(s0, text.index("2014"), text.index("2014") + 4, tags=["number"])
    page = render_report(gather(store))
    source = store.source(s0)
    assert f"<title>{html.escape(source.title, quote=True)}: claim — 3</title>" in page
    assert f"<title>{html.escape(source.title, quote=True)}: number — 1</title>" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in page


def test_filters_choose_sources_and_tags(loaded_store, source_id):
    store = loaded_store
    s0, s1 = source_id("000"), source_id("001")
    t0 = store.text(s0)
    kept = store.add_annotation(s0, 0, 10, tags=["quote"])
    dropped = store.add_annotation(s0, 20, 30, tags=["claim"])
    data = gather(store, [s1, s0], ["quote"])
    assert [s.id for s in data.sources] == [s1, s0]
    assert [a.id for a in data.annotations] == [kept.id]
    page = render_report(data)
    assert kept.id in page and dropped.id not in page
    assert t0[:10] in page


# --- writing --------------------------------------------------------------------------------------

def test_write_refuses_to_overwrite_without_force_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "report.html"
    write_report("<p>one</p>", target)
    with pytest.raises(ReportError, match="--force"):
        write_report("<p>two</p>", target)
    assert target.read_text() == "<p>one</p>"
    write_report("<p>two</p>", target, force=True)
    assert target.read_text() == "<p>two</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_report_command_writes_the_page(run_cli, tmp_path):
    target = tmp_path / "out.html"
    result = run_cli("annotate", "001", "--quote", "Bubeck announced", "--tag", "claim", "--note", "n <1>")
    assert result.exit_code == 0, result.output
    annotation_id = result.output.strip()
    result = run_cli("report", "-o", str(target))
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert f'data-annotation-id="{annotation_id}"' in page
    assert "n &lt;1&gt;" in page
    assert page.count('<article class="source"') == 5
    assert "5 sources, 1 annotation, 0 claims" in result.output  # counts agree in number ("1 annotation")


@pytest.mark.parametrize("args, message", [
    (("--tag", "no-such-tag"), "no tag named"),
    (("--source", "no-such-source"), "no source matches"),
])
def test_report_command_rejects_unknown_filters(run_cli, tmp_path, args, message):
    target = tmp_path / "out.html"
    result = run_cli("report", "-o", str(target), *args)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not target.exists()


def test_report_command_needs_force_to_overwrite(run_cli, tmp_path):
    target = tmp_path / "out.html"
    target.write_text("keep me")
    result = run_cli("report", "-o", str(target))
    assert result.exit_code == 1 and "--force" in result.output
    assert target.read_text() == "keep me"
    assert run_cli("report", "-o", str(target), "--force").exit_code == 0
    assert target.read_text().startswith("<!DOCTYPE html>")


def test_report_command_needs_an_output_and_an_existing_folder(run_cli, tmp_path):
    assert run_cli("report").exit_code == 2
    result = run_cli("report", "-o", str(tmp_path / "missing" / "r.html"))
    assert result.exit_code == 1 and "does not exist" in result.output
