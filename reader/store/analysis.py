"""Lean read queries for the analyses: the claims matrix's linked annotations and links, and inter-coder
agreement's codings and texts. Plain tuples, not dicts: on 100,000 annotations a dict a row took a
quarter of the time."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter
from typing import Any

from reader.store.exporting import ExportQueries

Row = tuple[Any, ...]
_PLACE = itemgetter(1, 2)  # a linked annotation row's (source id, start)


class AnalysisQueries(ExportQueries):
    """The rows reader.claims and reader.agreement compute on, read under the store's lock."""

    def linked_annotation_rows(
        self,
        source_ids: list[int] | None,
        tags: list[str] | None,
        authors: list[str] | None,
        any_order_if_placed_apart: bool = False,
    ) -> list[Row]:
        """The chosen annotations that have a link, placed on their current text: id, source, start, end,
        quote, created, anchor status, version (no tags or links per row, so a big claims list reads fast).
        any_order_if_placed_apart: when every annotation was read by one scan and no two start at one place
        in one source, they come as scanned, those with no link among them (for a caller that orders by
        place and drops what has no link: the claims, spared sorting out 100,000 rows by their links)."""
        where, params = self.annotation_choice(source_ids, tags, authors).condition()
        columns = (
            "SELECT a.id, a.source_id, coalesce(a.anchor_start, a.position_start), "
            "coalesce(a.anchor_end, a.position_end), a.quote, a.created, a.anchor_status, a.version_id "
            "FROM annotations a WHERE "
        )
        with self._lock:
            conn = self.db.conn
            if where == "1" and self._mostly_linked():
                rows = conn.execute(columns + "1").fetchall()
                if any_order_if_placed_apart and len(set(map(_PLACE, rows))) == len(rows):
                    return rows
                return self._linked_by_scan(rows)
            sql = (
                f"{columns}(a.id IN (SELECT from_annotation FROM links) "
                f"OR a.id IN (SELECT to_annotation FROM links)) AND {where}"
            )
            return conn.execute(sql, params).fetchall()

    def _mostly_linked(self) -> bool:
        """Whether at least a quarter of the annotations could be linked: then reading every annotation and
        keeping the linked ones is faster than looking each linked one up (a third of the time at 100,000)."""
        links = self.db.conn.execute("SELECT count(*) FROM links").fetchone()[0]
        rows = self.db.conn.execute("SELECT max(rowid) FROM annotation_rows").fetchone()[0] or 0
        return links > 0 and 2 * links * 4 >= rows

    def _linked_by_scan(self, rows: list[Row]) -> list[Row]:
        """The rows of annotations with a link, in the order the lookup query gives them (SQLite's OR over two
        IN lists: every linking annotation by id, then every linked one by id), so ties sort as they did.
        Each row is taken out as it is chosen, so a linked annotation that also links is chosen once."""
        conn = self.db.conn
        take = dict(zip(map(itemgetter(0), rows), rows)).pop
        linking = conn.execute("SELECT DISTINCT from_annotation FROM links ORDER BY 1").fetchall()
        linked = conn.execute("SELECT DISTINCT to_annotation FROM links ORDER BY 1").fetchall()
        chosen = list(filter(None, map(take, map(itemgetter(0), linking), repeat(None))))
        chosen.extend(filter(None, map(take, map(itemgetter(0), linked), repeat(None))))
        return chosen

    def link_rows_by_created(self) -> list[Row]:
        """(id, from, to, kind, created) of every link, oldest first."""
        with self._lock:
            return self.db.conn.execute(
                "SELECT id, from_annotation, to_annotation, kind, created FROM links ORDER BY created, id"
            ).fetchall()

    def link_pairs_by_created(self) -> list[Row]:
        """(from, to, kind) of every link, oldest first: what the claims' link graph needs, and no more."""
        with self._lock:
            return self.db.conn.execute(
                "SELECT from_annotation, to_annotation, kind FROM links ORDER BY created, id"
            ).fetchall()

    def coding_rows(self, source_ids: Sequence[int], authors: Sequence[str]) -> tuple[list[Row], list[str]]:
        """(rows, tag names in codebook order): a row per annotation that is not orphaned, on one of
        source_ids and by one of authors (empty: any): source, start, end, author, its tag names joined
        by U+001F."""
        where: list[str] = ["a.anchor_status != 'orphaned'"]
        params: list[Any] = []
        if source_ids:
            where.append(f"a.source_id IN ({','.join('?' * len(source_ids))})")
            params.extend(source_ids)
        if authors:
            where.append(f"a.author IN ({','.join('?' * len(authors))})")
            params.extend(authors)
        with self._lock:
            rows = self.db.conn.execute(
                "SELECT a.source_id, coalesce(a.anchor_start, a.position_start), "
                "coalesce(a.anchor_end, a.position_end), a.author, "
                "(SELECT group_concat(t.name, char(31)) FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
                " WHERE x.annotation_id = a.id) "
                f"FROM annotations a WHERE {' AND '.join(where)}",
                params,
            ).fetchall()
            return rows, self.tag_names()

    def current_texts(self, source_ids: Sequence[int]) -> list[tuple[int, str]]:
        """(source id, current text) of each of source_ids (at most a few hundred: one query)."""
        with self._lock:
            return self.db.conn.execute(
                "SELECT s.id, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
                f"WHERE s.id IN ({','.join('?' * len(source_ids))})",
                list(source_ids),
            ).fetchall()
