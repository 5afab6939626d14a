"""Annotations: adding, changing and deleting them (each one undo step), and reading them back placed on
their source's current text, as objects or streamed rows, with the counts the statistics show.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from reader.anchoring import make_selector
from reader.model import AnchorStatus, Annotation
from reader.store.connection import NoSuchAnnotation, StoreError, now
from reader.store.sources import SourceStore

SHORTEST_ID_PREFIX = 6  # the first characters of an annotation id that a command takes in its place


class AnnotationStore(SourceStore):
    """The annotations table and its tags, each change logged for undo."""

    def add_annotation(
        self,
        source_id: int,
        start: int,
        end: int,
        tags: Iterable[str] = (),
        note: str = "",
        author: str | None = None,
        annotation_id: str | None = None,
    ) -> Annotation:
        """Annotate text[start:end] of a source's current version; returns the stored annotation."""
        with self.write() as db:
            rows = list(
                db.query(
                    "SELECT v.id, v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id "
                    "WHERE s.id = ?",
                    [source_id],
                )
            )
            if not rows:
                raise StoreError(f"no source with id {source_id}")
            version_id, text = rows[0]["id"], rows[0]["text"]
            if not (0 <= start < end <= len(text)):
                raise StoreError(f"span {start}-{end} is outside the text (0-{len(text)}) or empty")
            selector = make_selector(text, start, end)
            stamp = now()
            row = {
                "id": annotation_id or uuid.uuid4().hex,
                "source_id": source_id,
                "version_id": version_id,
                "position_start": start,
                "position_end": end,
                "quote": selector.quote,
                "prefix": selector.prefix,
                "suffix": selector.suffix,
                "note": note,
                "author": self.author if author is None else author,
                "created": stamp,
                "updated": stamp,
                "anchor_status": AnchorStatus.ANCHORED.value,
                "anchor_start": start,
                "anchor_end": end,
                "anchor_version_id": version_id,
                "anchor_score": 100.0,
            }
            group = self._change_group
            tag_ids = self._tag_ids(tags, group)
            db.table("annotation_rows").insert(row)
            db.table("annotation_tags").insert_all({"annotation_id": row["id"], "tag_id": t} for t in tag_ids)
            self._log("create", "annotation", row["id"], None, self._annotation_snapshot(row["id"]), group)
            return self.annotation(row["id"])

    def update_annotation(
        self,
        annotation_id: str,
        note: str | None = None,
        tags: Iterable[str] | None = None,
        add_tags: Iterable[str] = (),
    ) -> Annotation:
        """Change an annotation's note, replace its tags, or add tags to it."""
        with self.write() as db:
            before = self._annotation_snapshot(annotation_id)
            group = self._change_group
            if note is not None:
                db.table("annotation_rows").update(annotation_id, {"note": note})
            if tags is not None:
                db.execute("DELETE FROM annotation_tags WHERE annotation_id = ?", [annotation_id])
            for tag_id in self._tag_ids(list(tags or []) + list(add_tags), group):
                db.execute(
                    "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                    [annotation_id, tag_id],
                )
            after = self._annotation_snapshot(annotation_id)
            if after != before:
                db.table("annotation_rows").update(annotation_id, {"updated": now()})
                self._log(
                    "update", "annotation", annotation_id, before, self._annotation_snapshot(annotation_id), group
                )
            return self.annotation(annotation_id)

    def delete_annotation(self, annotation_id: str) -> None:
        with self.write() as db:
            before = self._annotation_snapshot(annotation_id)
            db.table("annotation_rows").delete(annotation_id)
            self._log("delete", "annotation", annotation_id, before, None)

    def annotation_id_for(self, reference: str) -> str:
        """The id of the annotation whose id is reference or, from SHORTEST_ID_PREFIX characters on, the one
        id that starts with it (the panel shows 8, after a #, which may be copied with it): what every command
        that takes an annotation id accepts."""
        reference = reference.strip().removeprefix("#")
        if self.db.execute("SELECT 1 FROM annotations WHERE id = ?", [reference]).fetchone():
            return reference
        starting = (
            self.db.execute(
                "SELECT id FROM annotations WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
                [reference, reference + "\uffff"],
            ).fetchall()
            if reference.isalnum()
            else []
        )
        if starting and len(reference) < SHORTEST_ID_PREFIX:
            raise StoreError(
                f"{reference!r} is too short: give at least {SHORTEST_ID_PREFIX} characters of an annotation id"
            )
        if len(starting) > 1:
            raise StoreError(f"{reference!r} starts more than one annotation id: give more of it")
        if starting:
            return starting[0][0]
        raise NoSuchAnnotation(f"no annotation with id {reference!r}")

    def annotation(self, annotation_id: str) -> Annotation:
        found = self.annotations(ids=[annotation_id])
        if not found:
            raise StoreError(f"no annotation with id {annotation_id!r}")
        return found[0]

    def annotations(
        self,
        source_id: int | None = None,
        tag: str | None = None,
        ids: list[str] | None = None,
        authors: list[str] | None = None,
    ) -> list[Annotation]:
        """Annotations with their tags, placed on their source's current text, in reading order
        (only the visible authors' while blind coding is on)."""
        return [_annotation_from_row(row) for row in self.iter_annotation_rows(source_id, tag, ids, authors=authors)]

    def iter_annotation_rows(
        self,
        source_id: int | None = None,
        tag: str | None = None,
        ids: list[str] | None = None,
        source_ids: list[int] | None = None,
        tags: list[str] | None = None,
        authors: list[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Stream flat annotation rows (as annotations_view has them), for exports of any size.

        authors limits them to those authors; blind coding limits them to this store's author."""
        where: list[str] = []
        params: list[Any] = []
        visible = self.visible_authors(authors)
        if visible is not None:
            where.append(f"author IN ({','.join('?' * len(visible))})" if visible else "0")
            params.extend(visible)
        if source_id is not None:
            where.append("source_id = ?")
            params.append(source_id)
        if source_ids:
            where.append(f"source_id IN ({','.join('?' * len(source_ids))})")
            params.extend(source_ids)
        wanted_tags = list(tags or []) + ([tag] if tag else [])
        if wanted_tags:
            where.append(
                "id IN (SELECT x.annotation_id FROM annotation_tags x JOIN tags t ON t.id = x.tag_id "
                f"WHERE t.name IN ({','.join('?' * len(wanted_tags))}))"
            )
            params.extend(wanted_tags)
        if ids is not None:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            params.extend(ids)
        sql = "SELECT * FROM annotations_view"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += ' ORDER BY source_path, start, "end", id'
        cursor = self.db.conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(columns, row))

    def tag_counts_by_source(self) -> list[tuple[int, str, int]]:
        """(source_id, tag name, annotations) for every tag used on a source; "" counts untagged ones."""
        visible, params = self._visible_clause()
        rows = self.query(
            "SELECT a.source_id, coalesce(t.name, '') AS tag, count(*) AS n FROM annotations a "
            "LEFT JOIN annotation_tags x ON x.annotation_id = a.id LEFT JOIN tags t ON t.id = x.tag_id "
            f"WHERE {visible} GROUP BY a.source_id, t.id ORDER BY a.source_id, min(t.position), t.name",
            params,
        )
        return [(row["source_id"], row["tag"], row["n"]) for row in rows]

    def annotations_per_day(self, source_ids: list[int] | None = None) -> list[tuple[str, int]]:
        """(YYYY-MM-DD, annotations created that day, UTC) for each day with any, oldest first (on the
        sources given, or all; only the visible authors' while blind)."""
        visible, authors = self._visible_clause()
        params: list[Any] = list(authors)
        if source_ids is not None:
            visible += f" AND source_id IN ({','.join('?' * len(source_ids))})"
            params.extend(source_ids)
        rows = self.query(
            "SELECT substr(created, 1, 10) AS day, count(*) AS n FROM annotations a "
            f"WHERE {visible} GROUP BY day ORDER BY day",
            params,
        )
        return [(row["day"], row["n"]) for row in rows]


def _annotation_from_row(row: dict[str, Any]) -> Annotation:
    return Annotation(
        id=row["id"],
        source_id=row["source_id"],
        start=row["start"],
        end=row["end"],
        quote=row["quote"],
        prefix=row["prefix"],
        suffix=row["suffix"],
        note=row["note"],
        author=row["author"],
        created=row["created"],
        updated=row["updated"],
        anchor_status=AnchorStatus(row["anchor_status"]),
        tags=[t for t in (row["tags"] or "").split(";") if t],
        version_id=row["version_id"],
    )
