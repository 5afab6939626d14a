"""Export queries: the rows each export format writes, in its order, streamed from SQLite cursors.

A method that feeds a streaming writer returns the cursor itself (an iterator), never a list, so an
export of a million annotations runs in constant memory. Which annotations an export covers is resolved
once into an `AnnotationChoice` (blind coding applied) and shared by the queries of that export. The
formats themselves (CSV, JSON, W3C, Markdown, REFI-QDA) are written in reader.exports and reader.qdpx.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reader.store.settings import SettingsStore

Row = tuple[Any, ...]


def annotation_filter(
    source_ids: Sequence[int] | None,
    tags: Sequence[str] | None,
    alias: str = "a",
    authors: Sequence[str] | None = None,
) -> tuple[str, list]:
    """SQL condition (on the annotations table as `alias`) for the same choice iter_annotation_rows makes.

    authors (None: anyone) is what Store.visible_authors says: blind coding narrows it to one author."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
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


@dataclass(frozen=True)
class AnnotationChoice:
    """The annotations an export covers: of source_ids and with one of tags (None or empty: any), by
    one of authors (None: anyone; already narrowed by blind coding). Built by Store.annotation_choice."""

    source_ids: list[int] | None
    tags: list[str] | None
    authors: list[str] | None

    def condition(self, alias: str = "a") -> tuple[str, list]:
        """The choice as an SQL condition on the annotations (or annotations_view) table as alias."""
        return annotation_filter(self.source_ids, self.tags, alias=alias, authors=self.authors)


def _other_end(where: str, params: list) -> tuple[str, list]:
    """The same annotation filter on alias b (for a link's far end; the author clause stays on a)."""
    return where.replace("a.source_id", "b.source_id").replace("a.id IN", "b.id IN"), list(params)


def _decision_filter(choice: AnnotationChoice) -> tuple[str, list]:
    """SQL condition on pair_decisions (as d) for the decisions a choice covers: both passages in its
    sources (if it names some), by one of its authors (if it names some)."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if choice.source_ids:
        marks = ",".join("?" * len(choice.source_ids))
        clauses.append(f"d.source_a IN ({marks}) AND d.source_b IN ({marks})")
        params += [*choice.source_ids, *choice.source_ids]
    if choice.authors is not None:
        clauses.append(f"d.author IN ({','.join('?' * len(choice.authors))})" if choice.authors else "0")
        params += choice.authors
    return " AND ".join(clauses), params


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _guarded(cell: str, leads: Collection[str], blanks: str) -> str:
    """cell with a formula guard in SQL: an apostrophe before a value whose first non-blank is a lead."""
    triggers = ", ".join(_sql_literal(char) for char in sorted(leads))
    return (
        f"CASE WHEN substr(ltrim({cell}, {_sql_literal(blanks)}), 1, 1) IN ({triggers}) "
        f"THEN {_sql_literal(chr(39))} || {cell} ELSE {cell} END"
    )


class ExportQueries(SettingsStore):
    """The rows behind every export format, streamed in the order each format writes them."""

    def annotation_choice(
        self, source_ids: list[int] | None, tags: list[str] | None, authors: list[str] | None = None
    ) -> AnnotationChoice:
        """Which annotations an export of source_ids, tags and authors covers here (blind coding applied)."""
        return AnnotationChoice(source_ids, tags, self.visible_authors(authors))

    # --- CSV -------------------------------------------------------------------------------------

    def csv_rows(
        self,
        choice: AnnotationChoice,
        columns: Sequence[tuple[str, str]],
        source_columns: Sequence[tuple[str, str]],
        formula_guard: tuple[Collection[str], str] | None,
    ) -> Iterator[Row]:
        """One row per chosen annotation: columns are (annotations_view column, name), then source_columns
        (name, sources column); text cells guarded in SQL (so rows stream from SQLite straight into the
        csv module's C writer) when formula_guard is (formula leads, blanks to skip before one)."""
        cells = []
        for view_column, name in columns:
            cell = f'v."{view_column}"'
            if formula_guard is not None and view_column not in ("start", "end"):
                cell = _guarded(cell, *formula_guard)
            cells.append(f'{cell} AS "{name}"')
        for name, source_column in source_columns:
            cell = f"src.{source_column}"
            if formula_guard is not None:
                cell = _guarded(cell, *formula_guard)
            cells.append(f'{cell} AS "{name}"')
        where, params = choice.condition("v")
        return self.db.conn.execute(
            f"SELECT {', '.join(cells)} FROM annotations_view v JOIN sources src ON src.id = v.source_id "
            f'WHERE {where} ORDER BY v.source_path, v.start, v."end", v.id',
            params,
        )

    # --- the lossless JSON -----------------------------------------------------------------------

    def exported_source_ids(self, choice: AnnotationChoice) -> list[int]:
        """The sources an export carries: those the chosen annotations are on, those where one of them is
        marked silent, then those asked for by id; each once, in that order."""
        where, params = choice.condition()
        conn = self.db.conn
        wanted = [
            row[0] for row in conn.execute(f"SELECT DISTINCT a.source_id FROM annotations a WHERE {where}", params)
        ]
        wanted += [
            row[0]
            for row in conn.execute(f"SELECT DISTINCT source_id FROM silences WHERE {_silence_filter(where)}", params)
            if row[0] not in wanted
        ]
        for source_id in choice.source_ids or []:
            if source_id not in wanted:
                wanted.append(source_id)
        if not choice.tags:  # the sources of the pair decisions it carries (a choice by tag carries none)
            decided_where, decided_params = _decision_filter(choice)
            decided = self.db.conn.execute(
                f"SELECT d.source_a, d.source_b FROM pair_decisions d WHERE {decided_where} ORDER BY d.id",
                decided_params,
            )
            wanted += [source_id for row in decided for source_id in dict.fromkeys(row) if source_id not in wanted]
        return wanted

    def source_export_row(self, source_id: int) -> Row:
        """(path, title, outlet, author, published, url, format, encoding, words, current text's hash,
        its length, user metadata JSON) of a source."""
        return self.db.conn.execute(
            "SELECT s.path, s.title, s.outlet, s.author, s.published, s.url, s.format, s.encoding, s.words, "
            "v.content_hash, v.length, s.user_metadata FROM sources s "
            "LEFT JOIN source_versions v ON v.id = s.current_version_id WHERE s.id = ?",
            [source_id],
        ).fetchone()

    def annotated_versions(self, source_id: int) -> Iterator[Row]:
        """(version id, content hash, text) of each of a source's texts that annotations were made on."""
        return self.db.conn.execute(
            "SELECT id, content_hash, text FROM source_versions WHERE id IN "
            "(SELECT version_id FROM annotations WHERE source_id = ?) ORDER BY id",
            [source_id],
        )

    def version_hashes(self, source_id: int) -> Iterator[Row]:
        """(version id, content hash) of every text a source has had."""
        return self.db.conn.execute("SELECT id, content_hash FROM source_versions WHERE source_id = ?", [source_id])

    def tag_rows(self) -> Iterator[Row]:
        """(name, colour, description, position) of every tag, in codebook order."""
        return self.db.conn.execute("SELECT name, colour, description, position FROM tags ORDER BY position, name")

    def annotation_export_rows(self, choice: AnnotationChoice) -> Iterator[Row]:
        """The chosen annotations in reading order: id, source, version, position, quote, prefix, suffix,
        note, author, created, updated, the anchor (status, version, start, end, score) and tags."""
        where, params = choice.condition()
        return self.db.conn.execute(
            "SELECT a.id, a.source_id, a.version_id, a.position_start, a.position_end, a.quote, a.prefix, "
            "a.suffix, a.note, a.author, a.created, a.updated, a.anchor_status, a.anchor_version_id, "
            "a.anchor_start, a.anchor_end, a.anchor_score, v.tags FROM annotations a "
            "JOIN annotations_view v ON v.id = a.id "
            f'WHERE {where} ORDER BY v.source_path, v.start, v."end", a.id',
            params,
        )

    def link_rows(self, choice: AnnotationChoice, with_author: bool = True) -> Iterator[Row]:
        """(id, from, to, kind, created[, author]) of each link with a chosen annotation at either end."""
        where, params = choice.condition()
        return self.db.conn.execute(
            f"SELECT id, from_annotation, to_annotation, kind, created{', author' if with_author else ''} "
            f"FROM links WHERE from_annotation IN (SELECT a.id FROM annotations a WHERE {where}) OR "
            f"to_annotation IN (SELECT a.id FROM annotations a WHERE {where}) ORDER BY created, id",
            params + params,
        )

    def silence_rows(self, choice: AnnotationChoice) -> Iterator[Row]:
        """(annotation, source, marked, author) of each silent mark on a chosen annotation."""
        where, params = choice.condition()
        return self.db.conn.execute(
            f"SELECT annotation_id, source_id, marked, author FROM silences WHERE {_silence_filter(where)} "
            "ORDER BY marked, annotation_id, source_id",
            params,
        )

    def decision_rows(self, choice: AnnotationChoice) -> Iterator[Row]:
        """(decision, then source, start, end, quote and current text's hash of each passage, features JSON,
        author, decided) of each pair decision the export carries: by the chosen authors, between chosen
        sources; none when the choice is by tag (a decision has no tags), oldest first."""
        where, params = _decision_filter(choice)
        if choice.tags:
            return iter(())
        return self.db.conn.execute(
            "SELECT d.decision, d.source_a, d.start_a, d.end_a, d.quote_a, va.content_hash, d.source_b, d.start_b, "
            "d.end_b, d.quote_b, vb.content_hash, d.features, d.author, d.decided FROM pair_decisions d "
            "JOIN sources sa ON sa.id = d.source_a LEFT JOIN source_versions va ON va.id = sa.current_version_id "
            "JOIN sources sb ON sb.id = d.source_b LEFT JOIN source_versions vb ON vb.id = sb.current_version_id "
            f"WHERE {where} ORDER BY d.id",
            params,
        )

    # --- W3C and Markdown ------------------------------------------------------------------------

    def source_urls(self) -> dict[int, str]:
        """Every source's URL ("" where it has none), by source id."""
        return {row[0]: row[1] for row in self.db.conn.execute("SELECT id, url FROM sources")}

    def source_descriptions(self) -> Iterator[Row]:
        """(id, title, outlet, author, published) of every source."""
        return self.db.conn.execute("SELECT id, title, outlet, author, published FROM sources")

    def annotated_source_ids(self, choice: AnnotationChoice) -> list[int]:
        """The sources the chosen annotations are on, in path order."""
        where, params = choice.condition()
        return [
            row[0]
            for row in self.db.conn.execute(
                "SELECT s.id FROM sources s WHERE s.id IN "
                f"(SELECT DISTINCT a.source_id FROM annotations a WHERE {where}) ORDER BY s.path",
                params,
            )
        ]

    def tag_names(self) -> list[str]:
        """Every tag's name, in codebook order."""
        return [row[0] for row in self.db.conn.execute("SELECT name FROM tags ORDER BY position, name")]

    def source_heading(self, source_id: int) -> Row:
        """(title, outlet, author, published, url, path) of a source."""
        return self.db.conn.execute(
            "SELECT title, outlet, author, published, url, path FROM sources WHERE id = ?", [source_id]
        ).fetchone()

    # --- ClaimReview -----------------------------------------------------------------------------

    def annotation_quotes(self, annotation_ids: Sequence[str]) -> Iterator[dict[str, Any]]:
        """id, source_id and quote of each of annotation_ids that exists, read a few hundred at a time."""
        for start in range(0, len(annotation_ids), 500):
            chunk = annotation_ids[start : start + 500]
            yield from self.query(
                f"SELECT id, source_id, quote FROM annotations WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )

    # --- REFI-QDA --------------------------------------------------------------------------------

    def codebook(self) -> list[dict[str, Any]]:
        """Every tag's name, colour and description, in codebook order."""
        return self.query("SELECT name, colour, description FROM tags ORDER BY position, name")

    def current_sources(self, source_ids: list[int] | None) -> list[dict[str, Any]]:
        """Sources (all, or those of source_ids) in path order with their current text's hash: id, path,
        title, outlet, author, published, url, added, content_hash."""
        return self.query(
            "SELECT s.id, s.path, s.title, s.outlet, s.author, s.published, s.url, s.added, v.content_hash "
            "FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
            + (f"WHERE s.id IN ({','.join('?' * len(source_ids))}) " if source_ids else "")
            + "ORDER BY s.path",
            list(source_ids or []),
        )

    def annotation_authors(self, choice: AnnotationChoice) -> list[str]:
        """The named authors of the chosen annotations, sorted."""
        where, params = choice.condition()
        return [
            row[0]
            for row in self.db.conn.execute(
                f"SELECT DISTINCT a.author FROM annotations a WHERE {where} AND a.author != '' ORDER BY a.author",
                params,
            )
        ]

    def placed_annotation_rows(self, source_id: int, choice: AnnotationChoice) -> Iterator[Row]:
        """The chosen annotations on a source that are not orphaned, in text order: id, start, end (on
        the current text), quote, note, author, created, updated, tag names joined by ';'."""
        where, params = choice.condition()
        return self.db.conn.execute(
            "SELECT a.id, coalesce(a.anchor_start, a.position_start), coalesce(a.anchor_end, a.position_end), "
            "a.quote, a.note, a.author, a.created, a.updated, (SELECT group_concat(t.name, ';') "
            "FROM annotation_tags x JOIN tags t ON t.id = x.tag_id WHERE x.annotation_id = a.id) "
            f"FROM annotations a WHERE a.source_id = ? AND a.anchor_status != 'orphaned' AND {where} "
            "ORDER BY 2, 3, a.id",
            [source_id, *params],
        )

    def placed_note_rows(self, choice: AnnotationChoice) -> Iterator[Row]:
        """(id, note, author, created) of the chosen annotations with a note, not orphaned, by id."""
        where, params = choice.condition()
        return self.db.conn.execute(
            f"SELECT a.id, a.note, a.author, a.created FROM annotations a WHERE {where} AND a.note != '' "
            "AND a.anchor_status != 'orphaned' ORDER BY a.id",
            params,
        )

    def placed_link_rows(self, choice: AnnotationChoice) -> Iterator[Row]:
        """(id, from, to, kind) of each link whose ends are both chosen and not orphaned."""
        where, params = choice.condition()
        where_to, params_to = _other_end(where, params)
        # Both ends exported: joins (index lookups), not IN (subquery), which SQLite ran as a scan per link.
        return self.db.conn.execute(
            "SELECT l.id, l.from_annotation, l.to_annotation, l.kind FROM links l "
            "JOIN annotations a ON a.id = l.from_annotation JOIN annotations b ON b.id = l.to_annotation "
            f"WHERE {where} AND {where_to} AND a.anchor_status != 'orphaned' AND b.anchor_status != 'orphaned' "
            "ORDER BY l.created, l.id",
            params + params_to,
        )


def _silence_filter(where: str) -> str:
    return f"annotation_id IN (SELECT a.id FROM annotations a WHERE {where})"
