"""Links between annotations, and the claims matrix's checked-and-silent marks."""

from __future__ import annotations

import uuid
from typing import Any

from reader.model import LINK_KINDS, Link, LinkKind
from reader.store.annotations import AnnotationStore
from reader.store.connection import StoreError, now


class LinkStore(AnnotationStore):
    """The links and silences tables, each change logged for undo."""

    def add_link(self, from_annotation: str, to_annotation: str, kind: str = LinkKind.SAME) -> Link:
        """Link two annotations as kind. Two annotations have one link: one already there (either way round) is
        returned if of this kind, else replaced (the user changed their mind: "same" would otherwise win)."""
        if kind not in LINK_KINDS:
            raise StoreError(f"unknown link kind {kind!r}; use one of {', '.join(LINK_KINDS)}")
        if from_annotation == to_annotation:
            raise StoreError("an annotation cannot be linked to itself")
        with self.write() as db:
            self.annotation(from_annotation)
            self.annotation(to_annotation)
            existing = list(
                db.query(
                    "SELECT * FROM links WHERE (from_annotation = ? AND to_annotation = ?)"
                    " OR (from_annotation = ? AND to_annotation = ?) ORDER BY created, id",
                    [from_annotation, to_annotation, to_annotation, from_annotation],
                )
            )
            same_kind = [row for row in existing if row["kind"] == kind]
            if same_kind:
                return _link_from_row(same_kind[0])
            for row in existing:
                db.table("links").delete(row["id"])
                self._log("delete", "link", row["id"], row, None)
            row = {
                "id": uuid.uuid4().hex,
                "from_annotation": from_annotation,
                "to_annotation": to_annotation,
                "kind": kind,
                "created": now(),
                "author": self.author,
            }
            db.table("links").insert(row)
            self._log("create", "link", row["id"], None, row)
            return _link_from_row(row)

    def delete_link(self, link_id: str) -> None:
        with self.write() as db:
            rows = list(db.query("SELECT * FROM links WHERE id = ?", [link_id]))
            if not rows:
                raise StoreError(f"no link with id {link_id!r}")
            db.table("links").delete(link_id)
            self._log("delete", "link", link_id, rows[0], None)

    def links(self, annotation_id: str | None = None) -> list[Link]:
        if annotation_id is None:
            rows = self.query("SELECT * FROM links ORDER BY created, id")
        else:
            rows = self.query(
                "SELECT * FROM links WHERE from_annotation = ? OR to_annotation = ? ORDER BY created",
                [annotation_id, annotation_id],
            )
        return [_link_from_row(row) for row in rows]

    # --- checked-and-silent marks for the claims matrix ------------------------------------------

    def set_silent(self, annotation_id: str, source_id: int, silent: bool = True) -> None:
        """Mark (or unmark) a source as checked and silent on the claim that annotation_id belongs to."""
        with self.write() as db:
            self.annotation(annotation_id)
            self.source(source_id)
            key = f"{annotation_id}:{source_id}"
            row = {"annotation_id": annotation_id, "source_id": source_id, "marked": now(), "author": self.author}
            existing = list(
                db.query("SELECT * FROM silences WHERE annotation_id = ? AND source_id = ?", [annotation_id, source_id])
            )
            if silent and not existing:
                db.table("silences").insert(row)
                self._log("create", "silence", key, None, row)
            elif not silent and existing:
                db.execute("DELETE FROM silences WHERE annotation_id = ? AND source_id = ?", [annotation_id, source_id])
                self._log("delete", "silence", key, existing[0], None)

    def silences(self) -> list[tuple[str, int]]:
        """Every (annotation_id, source_id) silent mark."""
        return [
            (row["annotation_id"], row["source_id"])
            for row in self.query("SELECT annotation_id, source_id FROM silences ORDER BY marked")
        ]


def _link_from_row(row: dict[str, Any]) -> Link:
    return Link(
        row["id"],
        row["from_annotation"],
        row["to_annotation"],
        LinkKind(row["kind"]),
        row["created"],
        row.get("author") or "",
    )
