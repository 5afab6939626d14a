"""The HTML report: one self-contained page a colleague opens in any browser, offline.

Sources side by side with their annotations in tag colours (notes on hover and on keyboard focus),
the claims matrix, and an inline SVG chart of tags per source. Everything taken from a source, a tag
or a note is untrusted: it passes through display_safe and html.escape, and the page carries no script
and a Content-Security-Policy that forbids loading anything.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reader.claims import Claim, build_matrix
from reader.files import write_text_atomically
from reader.model import AnchorStatus, Annotation, EvidenceKind, ReaderError, Source, Tag
from reader.presentation import UNTAGGED_COLOUR, by_first_tag, tags_text
from reader.store import Store
from reader.text import display_safe, plural

_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

Progress = Callable[[int, int, str], None]


class ReportError(ReaderError):
    """A report that cannot be written, explained in one line."""


def escape(text: str) -> str:
    """Untrusted text as HTML text or attribute value: display-safe, then escaped (quotes too)."""
    return html.escape(display_safe(text), quote=True)


def safe_colour(colour: str) -> str:
    """A tag colour fit for CSS: #rrggbb as stored, anything else (a foreign database) falls back to grey."""
    return colour.lower() if _HEX_COLOUR.fullmatch(colour or "") else UNTAGGED_COLOUR


def tint(colour: str, alpha: float) -> str:
    """#rrggbb as an rgba() with the given opacity, so dark text stays readable on any tag colour."""
    colour = safe_colour(colour)
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


# --- highlighting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same annotations (outermost first)."""

    start: int
    end: int
    covering: tuple[Annotation, ...]


def segments(text: str, annotations: Iterable[Annotation]) -> list[Segment]:
    """Cut text at every annotation boundary; each piece knows which annotations cover it.

    Overlapping and nested annotations are handled alike: a longer (outer) annotation comes before a
    shorter one that starts at the same place, so marks nest in the order the reader expects.
    """

    def order(a: Annotation) -> tuple[int, int, str]:
        return (a.start, -a.end, a.id)

    placed = sorted((a for a in annotations if 0 <= a.start < a.end <= len(text)), key=order)
    cuts = sorted({0, len(text), *(a.start for a in placed), *(a.end for a in placed)})
    pieces: list[Segment] = []
    active: list[Annotation] = []  # a sweep: only the annotations open at a cut are looked at
    next_index = 0
    for start, end in zip(cuts, cuts[1:]):
        active = [a for a in active if a.end > start]
        opened = False
        while next_index < len(placed) and placed[next_index].start == start:
            active.append(placed[next_index])
            next_index += 1
            opened = True
        if opened:
            active.sort(key=order)
        pieces.append(Segment(start, end, tuple(active)))
    return pieces


def highlighted_html(text: str, annotations: list[Annotation], tag_classes: dict[str, str]) -> str:
    """The source text as HTML with one <mark> per annotation, nested where annotations overlap.

    Marks are opened and closed like a stack; when an annotation ends inside another that started
    later, the inner marks are closed and reopened, so every mark is well formed. The first piece of
    each annotation carries its id, the keyboard focus and the note; later pieces only its data id.
    """
    out: list[str] = []
    open_marks: list[Annotation] = []
    started: set[str] = set()
    for piece in segments(text, annotations):
        wanted = list(piece.covering)
        keep = 0
        while keep < len(open_marks) and keep < len(wanted) and open_marks[keep] is wanted[keep]:
            keep += 1
        for _ in range(len(open_marks) - keep):
            out.append("</mark>")
        del open_marks[keep:]
        for annotation in wanted[keep:]:
            out.append(_open_mark(annotation, tag_classes, first=annotation.id not in started))
            started.add(annotation.id)
            open_marks.append(annotation)
        out.append(escape(text[piece.start : piece.end]))
    out.extend("</mark>" for _ in open_marks)
    return "".join(out)


def _open_mark(annotation: Annotation, tag_classes: dict[str, str], first: bool) -> str:
    tag_class = by_first_tag(annotation.tags, tag_classes, "tag-none")
    attributes = [f'class="ann {tag_class}"', f'data-annotation-id="{escape(annotation.id)}"']
    if first:
        label = tags_text(annotation.tags)
        tip = label + (f" — {annotation.note}" if annotation.note else "")
        attributes += [
            f'id="a-{escape(annotation.id)}"',
            'tabindex="0"',
            f'data-tip="{escape(tip)}"',
            f'aria-describedby="note-{escape(annotation.id)}"',
        ]
    else:
        attributes.append('data-continued="1"')
    return f"<mark {' '.join(attributes)}>"


# --- the claims matrix ----------------------------------------------------------------------------


def report_claims(store: Store, sources: list[Source], annotations: list[Annotation]) -> list[Claim]:
    """The claims matrix (reader.claims) over the report's sources and annotations."""
    from reader.store.claims import claim_records

    return build_matrix(sources, annotations, store.links(), store.silences(), records=claim_records(store))


# --- the chart ------------------------------------------------------------------------------------


def tags_chart_svg(
    sources: list[Source], annotations: list[Annotation], tags: list[Tag], tag_classes: dict[str, str]
) -> str:
    """Inline SVG: one stacked bar per source, a segment per tag sized by its number of annotations."""
    counts: dict[int, Counter[str]] = {source.id: Counter() for source in sources}
    for annotation in annotations:
        if annotation.source_id in counts:
            counts[annotation.source_id].update(annotation.tags or ["(untagged)"])
    largest = max((sum(c.values()) for c in counts.values()), default=0) or 1
    label_width, bar_width, row_height, top = 260, 520, 28, 10
    used = [t.name for t in tags if any(c[t.name] for c in counts.values())]
    if any(c["(untagged)"] for c in counts.values()):
        used.append("(untagged)")
    legend_rows = (len(used) + 3) // 4
    height = top + row_height * len(sources) + 20 + 22 * legend_rows
    width = label_width + bar_width + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-labelledby="chart-title chart-desc">',
        '<title id="chart-title">Tags per source</title>',
        f'<desc id="chart-desc">{escape(_chart_description(sources, counts, used))}</desc>',
    ]
    for row, source in enumerate(sources):
        y = top + row * row_height
        name = source.title if len(source.title) <= 36 else source.title[:35] + "…"
        parts.append(f'<text x="{label_width - 8}" y="{y + 17}" text-anchor="end" class="axis">{escape(name)}</text>')
        x = float(label_width)
        for tag_name in used:
            count = counts[source.id][tag_name]
            if not count:
                continue
            span = bar_width * count / largest
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 4}" width="{span:.1f}" height="{row_height - 8}" '
                f'class="{tag_classes.get(tag_name, "tag-none")}"><title>{escape(source.title)}: '
                f"{escape(tag_name)} — {count}</title></rect>"
            )
            x += span
        total = sum(counts[source.id].values())
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 17}" class="axis">{total}</text>')
    legend_top = top + row_height * len(sources) + 16
    for index, tag_name in enumerate(used):
        x, y = 10 + (index % 4) * 200, legend_top + (index // 4) * 22
        parts.append(
            f'<rect x="{x}" y="{y}" width="14" height="14" class="{tag_classes.get(tag_name, "tag-none")}">'
            f"<title>{escape(tag_name)}</title></rect>"
        )
        parts.append(f'<text x="{x + 20}" y="{y + 12}" class="axis">{escape(tag_name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _chart_description(sources: list[Source], counts: dict[int, Counter], used: list[str]) -> str:
    lines = []
    for source in sources:
        found = ", ".join(f"{tag} {counts[source.id][tag]}" for tag in used if counts[source.id][tag])
        lines.append(f"{source.title}: {found or 'no annotations'}")
    return "; ".join(lines)


# --- the page -------------------------------------------------------------------------------------


@dataclass
class ReportData:
    """Everything the page shows, gathered from the store once."""

    sources: list[Source]
    texts: dict[int, str]
    annotations: list[Annotation]
    tags: list[Tag]
    claims: list[Claim]
    tag_filter: list[str]


def gather(
    store: Store,
    source_ids: list[int] | None = None,
    tag_names: list[str] | None = None,
    progress: Progress | None = None,
    authors: list[str] | None = None,
) -> ReportData:
    """Read what the report needs: the chosen sources (all by default) and their annotations."""
    chosen = store.sources()
    if source_ids:
        order = {source_id: index for index, source_id in enumerate(source_ids)}
        chosen = sorted((s for s in chosen if s.id in order), key=lambda s: order[s.id])
    tags = store.tags()
    wanted = [store.tag(name).name for name in tag_names or []]
    texts: dict[int, str] = {}
    annotations: list[Annotation] = []
    for index, source in enumerate(chosen):
        if progress:
            progress(index, len(chosen), source.name)
        texts[source.id] = store.text(source.id)
        found = store.annotations(source_id=source.id, authors=authors or None)
        if wanted:
            found = [a for a in found if set(a.tags) & set(wanted)]
        annotations.extend(a for a in found if a.anchor_status != AnchorStatus.ORPHANED)
    if progress:
        progress(len(chosen), len(chosen), "")
    return ReportData(chosen, texts, annotations, tags, report_claims(store, chosen, annotations), wanted)


def render_report(data: ReportData, title: str = "Reader report") -> str:
    """The whole page as one HTML string: inline CSS, inline SVG, no script, nothing fetched."""
    tag_classes = {tag.name: f"tag-{index}" for index, tag in enumerate(data.tags)}
    colours = {tag_classes[tag.name]: tag.colour for tag in data.tags}
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    by_source: dict[int, list[Annotation]] = {source.id: [] for source in data.sources}
    for annotation in data.annotations:
        by_source.setdefault(annotation.source_id, []).append(annotation)
    filters = f" · tags: {escape(', '.join(data.tag_filter))}" if data.tag_filter else ""
    body = [
        "<header>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{plural(len(data.sources), "source")} · {plural(len(data.annotations), "annotation")} · '
        f"{plural(len(data.claims), 'linked claim')}{filters} · generated {stamp}</p>",
        '<nav aria-label="Sections"><a href="#sources">Sources</a> <a href="#claims">Claims matrix</a> '
        '<a href="#chart">Tags per source</a></nav>',
        "</header>",
        '<section id="sources" aria-label="Sources side by side">',
        f'<div class="columns" style="grid-template-columns: repeat({max(len(data.sources), 1)}, minmax(22rem, 1fr))">',
    ]
    for source in data.sources:
        body.append(_source_column(source, data.texts[source.id], by_source[source.id], tag_classes))
    body += [
        "</div>",
        "</section>",
        _claims_section(data, tag_classes),
        '<section id="chart"><h2>Tags per source</h2>',
        tags_chart_svg(data.sources, data.annotations, data.tags, tag_classes),
        "</section>",
    ]
    return _PAGE.format(title=escape(title), css=_CSS + _tag_css(colours), body="\n".join(body))


def _source_column(source: Source, text: str, annotations: list[Annotation], tag_classes: dict[str, str]) -> str:
    byline = " · ".join(escape(part) for part in (source.outlet, source.author, source.published) if part)
    parts = [
        f'<article class="source" data-source-id="{source.id}" aria-labelledby="title-{source.id}">',
        f'<h2 id="title-{source.id}">{escape(source.title)}</h2>',
        f'<p class="meta">{byline + " · " if byline else ""}{escape(source.name)} · {source.words:,} words</p>',
        _source_url(source),
        f'<div class="text" tabindex="0" role="region" aria-label="Text of {escape(source.title)}">'
        f"{highlighted_html(text, annotations, tag_classes)}</div>",
    ]
    if annotations:
        parts.append('<h3>Annotations</h3><ol class="notes">')
        for annotation in annotations:
            tags = (
                "".join(
                    f'<span class="chip {tag_classes.get(t, "tag-none")}">{escape(t)}</span>' for t in annotation.tags
                )
                or '<span class="chip tag-none">untagged</span>'
            )
            note = f'<span class="note-text">{escape(annotation.note)}</span>' if annotation.note else ""
            status = (
                ""
                if annotation.anchor_status == AnchorStatus.ANCHORED
                else f' <span class="status">({escape(annotation.anchor_status)})</span>'
            )
            parts.append(
                f'<li id="note-{escape(annotation.id)}"><a href="#a-{escape(annotation.id)}">'
                f"“{escape(_shorten(annotation.quote, 90))}”</a>{status} {tags} {note}</li>"
            )
        parts.append("</ol>")
    parts.append("</article>")
    return "".join(parts)


def _source_url(source: Source) -> str:
    """The source's address as a link (http and https only; anything else is not shown)."""
    from reader.metadata import is_web_url

    if not source.url or not is_web_url(source.url):
        return ""
    return f'<p class="meta url"><a href="{escape(source.url)}" rel="noreferrer">{escape(source.url)}</a></p>'


def _claim_facts(claim: Claim) -> str:
    """First appearance and verdict (rating, note, evidence) under a claim's text."""
    parts = []
    first = claim.first_appearance
    if first is not None:
        parts.append(
            f'<div class="first">first: {escape(first.published)} · '
            f"{escape(first.source.outlet or first.source.title)}</div>"
        )
    verdict = claim.verdict
    if verdict:
        note = f" — {escape(verdict['note'])}" if verdict["note"] else ""
        parts.append(f'<div class="verdict">verdict: <b>{escape(verdict["rating"])}</b>{note}</div>')
    for item in claim.evidence:
        note = f" — {escape(item['note'])}" if item.get("note") else ""
        parts.append(f'<div class="evidence">evidence: {_evidence_link(item)}{note}</div>')
    return "".join(parts)


def _evidence_link(item: dict) -> str:
    """An annotation as a link to its place in the page (#id as the panel shows it), a web address as a
    link to it; anything else as text."""
    from reader.metadata import is_web_url

    value = item["value"]
    if item["kind"] == EvidenceKind.ANNOTATION:
        return f'<a href="#a-{escape(value)}">#{escape(value[:8])}</a>'
    if is_web_url(value):
        return f'<a href="{escape(value)}" rel="noreferrer">{escape(value)}</a>'
    return escape(value)


def _claims_section(data: ReportData, tag_classes: dict[str, str]) -> str:
    parts = ['<section id="claims"><h2>Claims matrix</h2>']
    if not data.claims:
        parts.append(
            '<p class="meta">No claims yet: link annotations in different sources as the same claim '
            "(<code>reader link A B</code>) and they appear here, one row per claim.</p></section>"
        )
        return "".join(parts)
    parts.append(
        '<p class="meta">One row per claim (annotations linked as the same claim). '
        "<b>present</b>: the source makes it (in its own words or the same); <b>differs</b>: with a "
        "different figure, name or quotation; <b>supports</b> / <b>contradicts</b>: as linked; "
        "<b>silent</b>: checked and not there; <b>absent</b>: not found (or not yet checked). "
        "Statuses are read against the claim's first appearance.</p>"
    )
    parts.append('<div class="matrix-wrap"><table class="matrix"><thead><tr><th scope="col">Claim</th>')
    for source in data.sources:
        parts.append(f'<th scope="col">{escape(_shorten(source.title, 40))}</th>')
    parts.append("</tr></thead><tbody>")
    for number, claim in enumerate(data.claims, 1):
        parts.append(
            f'<tr data-claim="{escape(claim.id)}"><th scope="row">{number}. {escape(_shorten(claim.label, 120))}'
            f"{_claim_facts(claim)}</th>"
        )
        for source in data.sources:
            cell = claim.cells[source.id]
            detail = ""
            if cell.annotations:
                links = " ".join(
                    f'<a href="#a-{escape(m.id)}" data-member-id="{escape(m.id)}">{escape(_shorten(m.quote, 60))}</a>'
                    for m in cell.annotations
                )
                detail = f'<div class="quote">{links}</div>'
            if cell.differing_words:
                detail += f'<div class="diff">{escape("; ".join(cell.differing_words))}</div>'
            state = escape(cell.status)
            parts.append(
                f'<td class="cell-{state}" data-claim="{escape(claim.id)}" data-source-id="{source.id}">'
                f'<span class="state">{state}</span>{detail}</td>'
            )
        parts.append("</tr>")
    parts.append("</tbody></table></div></section>")
    return "".join(parts)


def _tag_css(colours: dict[str, str]) -> str:
    rules = [f".tag-none{{background:{tint(UNTAGGED_COLOUR, 0.45)};fill:{UNTAGGED_COLOUR}}}"]
    for class_name, colour in colours.items():
        rules.append(f".{class_name}{{background:{tint(colour, 0.45)};fill:{safe_colour(colour)}}}")
    return "\n".join(rules)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="reader">
<title>{title}</title>
<style>
{css}
</style>
</head>
<body>
{body}
</body>
</html>
"""

_CSS = """
:root { color-scheme: light; --ink: #1d232a; --muted: #5f6b76; --line: #d6dbe0; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1rem 1.5rem 3rem; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--ink); background: #fbfbfa; }
h1 { margin: 0 0 .25rem; font-size: 1.5rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.source h2 { margin: 0 0 .25rem; }
h3 { font-size: .95rem; margin: 1rem 0 .25rem; }
.meta { color: var(--muted); font-size: .85rem; margin: 0 0 .5rem; }
nav a { margin-right: 1rem; }
.columns { display: grid; gap: 1rem; overflow-x: auto; }
.source { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem;
          max-height: 85vh; overflow-y: auto; min-width: 0; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-family: Georgia, "Times New Roman", serif;
        position: relative; }
mark.ann { color: inherit; border-radius: 2px; padding: 1px 0; }
mark.ann mark.ann { border-bottom: 2px solid rgba(0, 0, 0, .45); }
mark.ann:focus { outline: 2px solid #1a56db; outline-offset: 1px; }
mark.ann[data-tip]:hover::after, mark.ann[data-tip]:focus::after {
  /* placed under the annotation's last line, as wide as its column, so a column edge never clips it */
  content: attr(data-tip); position: absolute; display: block; left: 0; right: 0; z-index: 10;
  white-space: pre-wrap; padding: .4rem .6rem; margin-top: 4px; border-radius: 4px;
  background: #1d232a; color: #fff; font: 13px/1.4 system-ui, sans-serif; box-shadow: 0 2px 8px rgba(0,0,0,.3); }
ol.notes { padding-left: 1.5rem; font-size: .85rem; }
ol.notes li { margin: .25rem 0; }
.chip { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .75rem; margin-right: .2rem; }
.note-text { color: var(--muted); }
.status { color: #b45309; }
.matrix-wrap { overflow-x: auto; }
table.matrix { border-collapse: collapse; font-size: .85rem; min-width: 100%; }
.matrix th, .matrix td { border: 1px solid var(--line); padding: .35rem .5rem; vertical-align: top; text-align: left; }
.matrix thead th { background: #eef1f4; }
.matrix tbody th { font-weight: normal; max-width: 26rem; }
.state { font-weight: 600; display: block; }
.cell-present { background: #e6f4ea; }
.cell-differs { background: #fde7c7; }
.cell-supports { background: #e3f0fb; }
.cell-contradicts { background: #fbe0e0; }
.first, .verdict, .evidence { color: var(--muted); font-size: .8rem; overflow-wrap: anywhere; }
.cell-silent { background: #eceff1; color: var(--muted); }
.cell-absent { background: #fff; color: var(--muted); }
.diff { color: #9a3412; font-style: italic; }
.quote a { color: inherit; }
svg.chart { max-width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
svg.chart .axis { font: 12px system-ui, sans-serif; fill: var(--ink); }
@media print { .source { max-height: none; overflow: visible; } }
"""


def write_report(page: str, path: Path, force: bool = False) -> None:
    """Write the page atomically (a temporary file beside it, then rename); refuse to overwrite without force."""
    write_text_atomically(path, page, force=force, error=ReportError, hint="give a file name such as report.html")
