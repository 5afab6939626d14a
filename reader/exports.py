"""Write annotations out: CSV for spreadsheets, lossless JSON, W3C Web Annotation JSON-LD, a Markdown report.

Every writer streams from the database cursor, so an export of a million annotations runs in constant
memory. Files are written to a temporary name in the target's folder and renamed into place, so a crash
mid-export leaves the old file as it was; nothing is written anywhere but the path the user gave.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, TextIO

from reader.files import atomic_output as _atomic_output
from reader.model import ReaderError
from reader.store import Store, now
from reader.text import display_safe

EXPORT_FORMATS = ("csv", "json", "w3c", "md", "matrix-csv", "claimreview", "qdpx", "qdc")
JSON_FORMAT_NAME = "reader-annotations"
JSON_FORMAT_VERSION = 1
W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

# The CSV columns, in order, and the annotations_view column each comes from.
CSV_COLUMNS = (
    "annotation_id",
    "source_path",
    "source_title",
    "start",
    "end",
    "quote",
    "prefix",
    "suffix",
    "tags",
    "note",
    "author",
    "links",
    "anchor_status",
    "created",
    "updated",
)
VIEW_COLUMNS = ("id",) + CSV_COLUMNS[1:]
# The source's metadata, appended after the columns above (whose order never changes), from `sources`.
SOURCE_METADATA_COLUMNS = (("source_url", "url"), ("source_outlet", "outlet"), ("source_published", "published"))
CSV_BASE_COLUMNS = CSV_COLUMNS  # what exports wrote before the metadata columns (import reads both)
CSV_COLUMNS = CSV_BASE_COLUMNS + tuple(name for name, _ in SOURCE_METADATA_COLUMNS)

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); the
# full-width forms are folded to ASCII by some spreadsheets. A leading apostrophe is guarded too, so the
# guard is reversible: import strips exactly one apostrophe from any cell that starts with one.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20'")


class ExportError(ReaderError):
    """An export that cannot be written, explained in one line."""


# Characters a spreadsheet may skip before it sees a formula lead (OWASP: guard a cell whose first
# non-blank character is one): spaces, no-break and other Unicode spaces, zero-width characters, the BOM.
FORMULA_BLANKS = (
    " \u00a0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)


def guard_formula(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe (shown as text).

    The one guard for every cell of every CSV the reader writes; blanks before a formula lead count."""
    return "'" + value if value.lstrip(FORMULA_BLANKS)[:1] in FORMULA_TRIGGERS else value


def guard_row(values: list[Any]) -> list[Any]:
    """A CSV row with every text cell guarded (numbers are written as they are)."""
    return [guard_formula(value) if isinstance(value, str) else value for value in values]


def unguard_formula(value: str) -> str:
    """Undo guard_formula."""
    return value[1:] if value[:1] == "'" else value


# --- which annotations -----------------------------------------------------------------------------


def annotation_filter(
    source_ids: list[int] | None, tags: list[str] | None, alias: str = "a", authors: list[str] | None = None
) -> tuple[str, list]:
    """SQL condition (on the annotations table as `alias`) for the same choice iter_annotation_rows makes.

    authors (None: anyone) is what Store.visible_authors says: blind coding narrows it to one author."""
    clauses, params = ["1"], []
    if authors is not None:
        clauses.append(f"{alias}.author IN ({','.join('?' * len(authors))})" if authors else "0")
        params.extend(authors)
    if source_ids:
        clauses.append(f"{alias}.source_id IN ({','.join('?' * len(source_ids))})")
        params.extend(source_ids)
    if tags:
        clauses.append(
            f"{alias}.id IN (SELECT x.annotation_id FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
            f"WHERE t.name IN ({','.join('?' * len(tags))}))"
        )
        params.extend(tags)
    return " AND ".join(clauses), params


# --- CSV ---------------------------------------------------------------------------------------------


def write_csv(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    raw: bool = False,
    authors: list[str] | None = None,
) -> int:
    """One row per annotation (CSV_COLUMNS), RFC 4180 quoting; returns the number of rows.

    The rows (formula guard included) come straight from SQLite into the csv module's C writer, so a
    million annotations stream in constant memory at close to `sqlite3 -csv` speed.
    """
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    sql, params = csv_query(source_ids, tags, raw, store.visible_authors(authors))
    counter = _RowCounter()
    writer.writerows(counter.count(store.db.conn.execute(sql, params)))
    return counter.rows


def csv_query(
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    raw: bool = False,
    authors: list[str] | None = None,
) -> tuple[str, list]:
    """The SELECT behind the CSV: annotations_view's columns in CSV order, text cells guarded unless raw."""
    triggers = ", ".join(_sql_literal(char) for char in sorted(FORMULA_TRIGGERS))
    cells = []
    for view_column, csv_column in zip(VIEW_COLUMNS, CSV_COLUMNS):
        cell = f'v."{view_column}"'
        if not raw and view_column not in ("start", "end"):
            # guard_formula in SQL (so rows stream from SQLite into the C writer): ltrim drops the blanks.
            cell = (
                f"CASE WHEN substr(ltrim({cell}, {_sql_literal(FORMULA_BLANKS)}), 1, 1) IN ({triggers}) "
                f"THEN {_sql_literal(chr(39))} || {cell} ELSE {cell} END"
            )
        cells.append(f'{cell} AS "{csv_column}"')
    for csv_column, source_column in SOURCE_METADATA_COLUMNS:
        cell = f"src.{source_column}"
        if not raw:
            cell = (
                f"CASE WHEN substr(ltrim({cell}, {_sql_literal(FORMULA_BLANKS)}), 1, 1) IN ({triggers}) "
                f"THEN {_sql_literal(chr(39))} || {cell} ELSE {cell} END"
            )
        cells.append(f'{cell} AS "{csv_column}"')
    where, params = annotation_filter(source_ids, tags, alias="v", authors=authors)
    return (
        f"SELECT {', '.join(cells)} FROM annotations_view v JOIN sources src ON src.id = v.source_id WHERE {where} "
        'ORDER BY v.source_path, v.start, v."end", v.id'
    ), params


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _RowCounter:
    """Counts the rows passing through on their way to the writer."""

    rows = 0

    def count(self, rows):
        for self.rows, row in enumerate(rows, 1):
            yield row


# --- JSON (lossless) ---------------------------------------------------------------------------------


def write_json(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """Everything needed to rebuild the annotations elsewhere: sources (with the texts annotations were
    made on), tags, annotations with both selectors and both positions, and links. One record a line."""
    where, params = annotation_filter(source_ids, tags, authors=store.visible_authors(authors))
    conn = store.db.conn
    out.write("{\n" + f' "format": {_dump(JSON_FORMAT_NAME)},\n "format_version": {JSON_FORMAT_VERSION},\n')
    out.write(f' "exported": {_dump(now())},\n "generator": {_dump(_generator())},\n')

    wanted_sources = [
        row[0] for row in conn.execute(f"SELECT DISTINCT a.source_id FROM annotations a WHERE {where}", params)
    ]
    silence_filter = f"annotation_id IN (SELECT a.id FROM annotations a WHERE {where})"
    wanted_sources += [
        row[0]
        for row in conn.execute(f"SELECT DISTINCT source_id FROM silences WHERE {silence_filter}", params)
        if row[0] not in wanted_sources
    ]
    for source_id in source_ids or []:
        if source_id not in wanted_sources:
            wanted_sources.append(source_id)
    hashes: dict[int, str] = {}
    out.write(' "sources": [')
    for index, source_id in enumerate(sorted(wanted_sources)):
        record = _source_record(store, source_id, hashes)
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    out.write(' "tags": [')
    for index, row in enumerate(
        conn.execute("SELECT name, colour, description, position FROM tags ORDER BY position, name")
    ):
        record = {"name": row[0], "colour": row[1], "description": row[2], "position": row[3]}
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    out.write(' "annotations": [')
    cursor = conn.execute(
        "SELECT a.id, a.source_id, a.version_id, a.position_start, a.position_end, a.quote, a.prefix, a.suffix, "
        "a.note, a.author, a.created, a.updated, a.anchor_status, a.anchor_version_id, a.anchor_start, "
        "a.anchor_end, a.anchor_score, v.tags FROM annotations a JOIN annotations_view v ON v.id = a.id "
        f'WHERE {where} ORDER BY v.source_path, v.start, v."end", a.id',
        params,
    )
    count = 0
    for count, row in enumerate(cursor, 1):
        record = {
            "id": row[0],
            "source": row[1],
            "version_hash": hashes.get(row[2], ""),
            "start": row[3],
            "end": row[4],
            "quote": row[5],
            "prefix": row[6],
            "suffix": row[7],
            "note": row[8],
            "author": row[9],
            "created": row[10],
            "updated": row[11],
            "tags": [t for t in (row[17] or "").split(";") if t],
            "anchor": {
                "status": row[12],
                "version_hash": hashes.get(row[13], ""),
                "start": row[14],
                "end": row[15],
                "score": row[16],
            },
        }
        out.write(("\n  " if count == 1 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    out.write(' "links": [')
    link_cursor = conn.execute(
        "SELECT id, from_annotation, to_annotation, kind, created, author FROM links WHERE "
        f"from_annotation IN (SELECT a.id FROM annotations a WHERE {where}) OR "
        f"to_annotation IN (SELECT a.id FROM annotations a WHERE {where}) ORDER BY created, id",
        params + params,
    )
    for index, row in enumerate(link_cursor):
        record = {"id": row[0], "from": row[1], "to": row[2], "kind": row[3], "created": row[4], "author": row[5]}
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")

    # Sources checked and found silent on a claim (the claims matrix), for the exported annotations.
    out.write(' "silences": [')
    for index, row in enumerate(
        conn.execute(
            f"SELECT annotation_id, source_id, marked, author FROM silences WHERE {silence_filter} "
            "ORDER BY marked, annotation_id, source_id",
            params,
        )
    ):
        record = {"annotation": row[0], "source": row[1], "marked": row[2], "author": row[3]}
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ],\n")
    # The claims among the exported annotations, with their text, statuses, first appearance and verdict.
    out.write(' "claims": [')
    for index, record in enumerate(_claims_json(store, source_ids, tags)):
        out.write(("\n  " if index == 0 else ",\n  ") + _dump(record))
    out.write("\n ]\n}\n")
    return count


def _claims_json(store: Store, source_ids: list[int] | None, tags: list[str] | None) -> list[dict[str, Any]]:
    from reader.claims import claim_json

    sources, claims = export_claims(store, source_ids, tags)
    by_id = {source.id: source for source in sources}
    return [claim_json(claim, by_id) for claim in claims]


def export_claims(
    store: Store,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
    differ=None,
    statuses: bool = True,
):
    """(sources, claims) over the chosen sources' annotations (those with one of tags, and by one of
    authors, if given; blind coding narrows them to this store's author); differ and statuses as in
    build_matrix."""
    from reader.claims import claims_for_store

    return claims_for_store(store, source_ids, tags, authors, differ, statuses)


def _source_record(store: Store, source_id: int, hashes: dict[int, str]) -> dict[str, Any]:
    """A source's metadata, its current text's hash, and the texts its annotations were made on."""
    conn = store.db.conn
    row = conn.execute(
        "SELECT s.path, s.title, s.outlet, s.author, s.published, s.url, s.format, s.encoding, s.words, "
        "v.content_hash, v.length, s.user_metadata FROM sources s "
        "LEFT JOIN source_versions v ON v.id = s.current_version_id WHERE s.id = ?",
        [source_id],
    ).fetchone()
    versions = []
    for version_id, digest, text in conn.execute(
        "SELECT id, content_hash, text FROM source_versions WHERE id IN "
        "(SELECT version_id FROM annotations WHERE source_id = ?) ORDER BY id",
        [source_id],
    ):
        hashes[version_id] = digest
        versions.append({"content_hash": digest, "text": text})
    for version_id, digest in conn.execute(
        "SELECT id, content_hash FROM source_versions WHERE source_id = ?", [source_id]
    ):
        hashes.setdefault(version_id, digest)
    return {
        "id": source_id,
        "path": row[0],
        "name": Path(row[0]).name,
        "title": row[1],
        "outlet": row[2],
        "author": row[3],
        "published": row[4],
        "url": row[5],
        "format": row[6],
        "encoding": row[7],
        "words": row[8],
        "content_hash": row[9] or "",
        "length": row[10] or 0,
        "user_metadata": json.loads(row[11] or "{}"),  # what the user set (reader meta), over the file's own
        "versions": versions,
    }


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _generator() -> str:
    try:
        return f"reader {package_version('reader')}"
    except PackageNotFoundError:
        return "reader"


# --- W3C Web Annotation JSON-LD ----------------------------------------------------------------------


def annotation_iri(annotation_id: str) -> str:
    """urn:uuid: IRI for a reader annotation id (32 hex digits); other ids are IRIs already."""
    if re.fullmatch(r"[0-9a-f]{32}", annotation_id):
        h = annotation_id
        return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return annotation_id


def source_iri(path: str, url: str = "") -> str:
    """The file URI of a source (the text the offsets count in)."""
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate.as_uri()
    return url or path


def write_w3c(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """An AnnotationCollection: tags as tagging bodies, notes as commenting bodies, quote and position
    selectors on the source file; each link is an Annotation of its own with motivation "linking"."""
    urls = {row[0]: row[1] for row in store.db.conn.execute("SELECT id, url FROM sources")}
    described = {
        row[0]: _w3c_source_metadata(*row[1:])
        for row in store.db.conn.execute("SELECT id, title, outlet, author, published FROM sources")
    }
    out.write("{\n" + f' "@context": {_dump(W3C_CONTEXT)},\n "type": "AnnotationCollection",\n')
    out.write(f' "label": "reader annotations",\n "generator": {_dump(_generator())},\n "generated": {_dump(now())},\n')
    out.write(' "first": {\n  "type": "AnnotationPage",\n  "startIndex": 0,\n  "items": [')
    count = 0
    for count, row in enumerate(
        store.iter_annotation_rows(source_ids=source_ids or None, tags=tags or None, authors=authors), 1
    ):
        record = _w3c_annotation(row, urls.get(row["source_id"], ""))
        record["target"].update(described.get(row["source_id"], {}))
        out.write(("\n   " if count == 1 else ",\n   ") + _dump(record))
    where, params = annotation_filter(source_ids, tags, authors=store.visible_authors(authors))
    link_cursor = store.db.conn.execute(
        "SELECT id, from_annotation, to_annotation, kind, created FROM links WHERE "
        f"from_annotation IN (SELECT a.id FROM annotations a WHERE {where}) OR "
        f"to_annotation IN (SELECT a.id FROM annotations a WHERE {where}) ORDER BY created, id",
        params + params,
    )
    total = count
    for row in link_cursor:
        total += 1
        out.write(("\n   " if total == 1 else ",\n   ") + _dump(_w3c_link(*row)))
    out.write(f'\n  ]\n }},\n "total": {total}\n}}\n')
    return count


DCTERMS = "http://purl.org/dc/terms/"


def _w3c_source_metadata(title: str, outlet: str, author: str, published: str) -> dict[str, str]:
    """The source's metadata as Dublin Core terms on the target, by full IRI (the annotation context
    has no terms for them; full IRIs expand without a context of our own)."""
    pairs = (("title", title), ("publisher", outlet), ("creator", author), ("issued", published))
    return {DCTERMS + term: value for term, value in pairs if value}


def _w3c_annotation(row: dict[str, Any], url: str) -> dict[str, Any]:
    tag_names = [t for t in (row["tags"] or "").split(";") if t]
    bodies: list[dict[str, Any]] = [{"type": "TextualBody", "purpose": "tagging", "value": name} for name in tag_names]
    if row["note"]:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": row["note"], "format": "text/plain"})
    motivation = "commenting" if row["note"] else "tagging" if tag_names else "highlighting"
    target: dict[str, Any] = {
        "type": "SpecificResource",
        "source": source_iri(row["source_path"], url),
        "selector": [
            {"type": "TextQuoteSelector", "exact": row["quote"], "prefix": row["prefix"], "suffix": row["suffix"]},
            {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
        ],
    }
    if url:
        target["scope"] = url
    record: dict[str, Any] = {
        "id": annotation_iri(row["id"]),
        "type": "Annotation",
        "motivation": motivation,
        "created": row["created"],
        "modified": row["updated"],
    }
    if row["author"]:
        record["creator"] = {"type": "Person", "name": row["author"]}
    if bodies:
        record["body"] = bodies
    record["target"] = target
    return record


def _w3c_link(link_id: str, from_annotation: str, to_annotation: str, kind: str, created: str) -> dict[str, Any]:
    """A link as an Annotation: the linked-to annotation is the body, the kind a classifying body."""
    return {
        "id": annotation_iri(link_id),
        "type": "Annotation",
        "motivation": "linking",
        "created": created,
        "body": [
            {"type": "SpecificResource", "purpose": "linking", "source": annotation_iri(to_annotation)},
            {"type": "TextualBody", "purpose": "classifying", "value": kind},
        ],
        "target": annotation_iri(from_annotation),
    }


# --- Markdown report ----------------------------------------------------------------------------------

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
    conn = store.db.conn
    where, params = annotation_filter(source_ids, tags, authors=store.visible_authors(authors))
    wanted = [
        row[0]
        for row in conn.execute(
            f"SELECT s.id FROM sources s WHERE s.id IN (SELECT DISTINCT a.source_id FROM annotations a WHERE {where}) "
            "ORDER BY s.path",
            params,
        )
    ]
    tag_order = {
        row[0].casefold(): index
        for index, row in enumerate(conn.execute("SELECT name FROM tags ORDER BY position, name"))
    }
    out.write("# Annotations\n\n")
    out.write(f"Exported {now()} by {markdown_escape(_generator())}\n")
    count = 0
    for source_id in wanted:
        source = conn.execute(
            "SELECT title, outlet, author, published, url, path FROM sources WHERE id = ?", [source_id]
        ).fetchone()
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


# --- the claims matrix as CSV ------------------------------------------------------------------------


def matrix_cell_text(status: str, differing_words: list[str]) -> str:
    """How a matrix cell reads: present, 'differs: a → b; c → d', silent (checked) or absent (not found)."""
    if status == "differs" and differing_words:
        return "differs: " + "; ".join(" ".join(words.split()) for words in differing_words)
    return status


def matrix_column_names(sources: list) -> list[str]:
    """One column name per source: its title, with the file name added where two titles are the same."""
    titles = [source.title or source.name for source in sources]
    return [f"{title} ({source.name})" if titles.count(title) > 1 else title for title, source in zip(titles, sources)]


def write_matrix_csv(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    raw: bool = False,
    authors: list[str] | None = None,
) -> int:
    """The claims matrix (reader.claims): one row per claim, one column per source title; returns the
    number of claims. Cells are guarded against formulas as in the annotations CSV unless raw."""
    sources, claims = export_claims(store, source_ids, tags, authors)
    guard = (lambda value: value) if raw else guard_formula
    writer = csv.writer(out, lineterminator="\r\n")
    guard = (lambda row: row) if raw else guard_row
    writer.writerow(guard(["claim_id", "claim", *matrix_column_names(sources)]))
    for claim in claims:
        writer.writerow(
            guard(
                [claim.id, claim.label]
                + [
                    matrix_cell_text(claim.cells[source.id].status, claim.cells[source.id].differing_words)
                    for source in sources
                ]
            )
        )
    return len(claims)


# --- writing a file safely ----------------------------------------------------------------------------


def write_claimreview(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """schema.org ClaimReview JSON-LD, one per claim with a verdict (reader.claimreview)."""
    from reader.claimreview import write_claimreview as write

    return write(store, out, source_ids, tags, authors)


WRITERS: dict[str, Callable[..., int]] = {
    "csv": write_csv,
    "json": write_json,
    "w3c": write_w3c,
    "md": write_markdown,
    "matrix-csv": write_matrix_csv,
    "claimreview": write_claimreview,
}
# Formats written as a zip or XML file by reader.qdpx (REFI-QDA), never to stdout.
FILE_WRITERS = ("qdpx", "qdc")
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonld": "w3c",
    ".md": "md",
    ".markdown": "md",
    ".qdpx": "qdpx",
    ".qdc": "qdc",
}


def format_for_path(path: Path | None) -> str:
    """The format a file name suggests (.csv, .json, .jsonld, .md), else csv."""
    return SUFFIX_FORMATS.get(path.suffix.lower(), "csv") if path else "csv"


def export(
    store: Store,
    export_format: str,
    output: Path | None,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    raw: bool = False,
    force: bool = False,
    authors: list[str] | None = None,
) -> int:
    """Write an export to output (atomically), or to stdout when output is None; returns the annotation count."""
    if export_format in FILE_WRITERS:
        from reader.qdpx import write_qdc_file, write_qdpx_file

        if output is None:
            raise ExportError(f"{export_format} is a file format: give one with -o FILE.{export_format}")
        write = write_qdpx_file if export_format == "qdpx" else write_qdc_file
        return write(store, Path(output), source_ids=source_ids, tags=tags, force=force, authors=authors or None)
    if export_format not in WRITERS:
        raise ExportError(f"unknown export format {export_format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    writer = WRITERS[export_format]
    options: dict[str, Any] = {"source_ids": source_ids, "tags": tags, "authors": authors or None}
    if export_format in ("csv", "matrix-csv"):
        options["raw"] = raw
    if output is None:
        with _stdout_text() as out:
            return writer(store, out, **options)
    with _atomic_output(output, force=force, error=ExportError) as out:
        return writer(store, out, **options)


class _TerminalSafe:
    """A text stream for a terminal: every write goes through display_safe (ESC shown as ␛, and so on)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(display_safe(text.replace("\r\n", "\n")))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


@contextmanager
def _stdout_text() -> Iterator[TextIO]:
    """UTF-8 text on stdout whatever the locale says, without newline translation."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        yield sys.stdout
        return
    sys.stdout.flush()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=False)
    try:
        # A terminal is read, not parsed: source text must not act on it (pipes and files stay exact).
        yield _TerminalSafe(stream) if sys.stdout.isatty() else stream
    finally:
        stream.flush()
        stream.detach()


__all__ = [
    "CSV_COLUMNS",
    "EXPORT_FORMATS",
    "ExportError",
    "export",
    "format_for_path",
    "guard_formula",
    "guard_row",
    "matrix_cell_text",
    "unguard_formula",
    "write_csv",
    "write_json",
    "write_markdown",
    "write_matrix_csv",
    "write_w3c",
]
