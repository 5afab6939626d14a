"""A Markdown report of the annotations, grouped by source and then by tag, every untrusted text escaped."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TextIO

from reader.exports.lossless import _generator
from reader.store import Store, now
from reader.text import display_safe

# Everything Markdown (CommonMark, GFM and common extensions) could read as syntax, autolinks or HTML.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&:@=$^])")


def markdown_escape(text: str) -> str:
    """Untrusted text as literal Markdown on one line: punctuation backslash-escaped, controls made visible."""
    flat = " ".join(display_safe(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def write_markdown(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """A report grouped by source, then by tag (an annotation appears under each of its tags)."""
    wanted = store.annotated_source_ids(store.annotation_choice(source_ids, tags, authors))
    tag_order = {name.casefold(): index for index, name in enumerate(store.tag_names())}
    out.write("# Annotations\n\n")
    out.write(f"Exported {now()} by {markdown_escape(_generator())}\n")
    count = 0
    for source_id in wanted:
        source = store.source_heading(source_id)
        out.write(f"\n## {markdown_escape(source[0]) or markdown_escape(Path(source[5]).name)}\n\n")
        details = [markdown_escape(value) for value in source[1:5] if value]
        details.append(f"file {markdown_escape(Path(source[5]).name)}")
        out.write(" · ".join(details) + "\n")
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in store.iter_annotation_rows(source_ids=[source_id], tags=tags or None, authors=authors):
            count += 1
            for name in [t for t in (row["tags"] or "").split(";") if t] or [""]:
                groups.setdefault(name, []).append(row)
        for name in sorted(groups, key=lambda n: (n == "", tag_order.get(n.casefold(), len(tag_order)), n)):
            heading = markdown_escape(name) if name else "Untagged"
            out.write(f"\n### {heading} ({len(groups[name])})\n")
            for row in groups[name]:
                out.write("\n" + _markdown_item(row))
    if not count:
        out.write("\nNo annotations\\.\n")
    return count


def _markdown_item(row: dict[str, Any]) -> str:
    lines = [f"> {markdown_escape(row['quote'])}"]
    meta = [f"{row['start']}–{row['end']}", row["anchor_status"]]
    if row["author"]:
        meta.append(markdown_escape(row["author"]))
    meta.append(f"`{row['id']}`" if re.fullmatch(r"[0-9a-f]{32}", row["id"]) else markdown_escape(row["id"]))
    text = "\n".join(lines) + "\n\n" + " · ".join(meta) + "\n"
    if row["note"]:
        text += f"\n*Note:* {markdown_escape(row['note'])}\n"
    if row["links"]:
        text += f"\n*Linked:* {markdown_escape(row['links'].replace(';', ', '))}\n"
    return text
