"""Tags: the default set of a new database, creating, renaming, recolouring, merging and deleting them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from reader.model import Tag
from reader.store.connection import StoreError, now
from reader.store.settings import SettingsStore

TAG_PALETTE = (
    "#e5c07b",
    "#61afef",
    "#d19a66",
    "#56b6c2",
    "#c678dd",
    "#e06c75",
    "#98c379",
    "#abb2bf",
    "#be5046",
    "#4db5bd",
    "#ecbe7b",
    "#a9a1e1",
)


class TagStore(SettingsStore):
    """The tags table, each change logged for undo."""

    def ensure_default_tags(self) -> None:
        """Give a new database the default tag set for claim work (only when it has no tags at all)."""
        with self.write() as db:
            if db.table("tags").count:
                return
            db.table("tags").insert_all(
                {"name": name, "colour": colour, "description": description, "position": index, "created": now()}
                for index, (name, colour, description) in enumerate(self.default_tags)
            )

    def tags(self) -> list[Tag]:
        rows = self.query(
            "SELECT t.*, (SELECT count(*) FROM annotation_tags x WHERE x.tag_id = t.id) AS uses "
            "FROM tags t ORDER BY t.position, t.name"
        )
        return [
            Tag(row["id"], row["name"], row["colour"], row["description"], row["position"], row["uses"]) for row in rows
        ]

    def tag(self, name: str) -> Tag:
        for tag in self.tags():
            if tag.name.casefold() == name.strip().casefold():
                return tag
        raise StoreError(f"no tag named {name!r}")

    def add_tag(self, name: str, colour: str = "", description: str = "") -> Tag:
        name = _clean_tag_name(name)
        with self.write():
            if any(t.name.casefold() == name.casefold() for t in self.tags()):
                raise StoreError(f"a tag named {name!r} already exists")
            tag = self._create_tag(name, colour, description)
        return tag

    def _create_tag(
        self, name: str, colour: str = "", description: str = "", group: str | None = None, log: bool = True
    ) -> Tag:
        existing = self.tags()
        colour = _check_colour(colour) if colour else TAG_PALETTE[len(existing) % len(TAG_PALETTE)]
        position = max((t.position for t in existing), default=-1) + 1
        row = {"name": name, "colour": colour, "description": description, "position": position, "created": now()}
        tag_id = self.db.table("tags").insert(row).last_pk
        snapshot = {"id": tag_id, **row, "annotation_ids": []}
        if log:
            self._log("create", "tag", tag_id, None, snapshot, group)
        return self.tag(name)

    def update_tag(
        self, name: str, new_name: str | None = None, colour: str | None = None, description: str | None = None
    ) -> Tag:
        with self.write() as db:
            tag = self.tag(name)
            before = self._tag_snapshot(tag.id)
            changes: dict[str, Any] = {}
            if new_name is not None:
                new_name = _clean_tag_name(new_name)
                clash = [t for t in self.tags() if t.name.casefold() == new_name.casefold() and t.id != tag.id]
                if clash:
                    raise StoreError(f"a tag named {new_name!r} already exists (use `reader tags merge`)")
                changes["name"] = new_name
            if colour is not None:
                changes["colour"] = _check_colour(colour)
            if description is not None:
                changes["description"] = description
            db.table("tags").update(tag.id, changes)
            self._log("update", "tag", tag.id, before, self._tag_snapshot(tag.id))
            return self.tag(changes.get("name", tag.name))

    def delete_tag(self, name: str) -> None:
        with self.write() as db:
            tag = self.tag(name)
            before = self._tag_snapshot(tag.id)
            db.table("tags").delete(tag.id)
            self._log("delete", "tag", tag.id, before, None)

    def merge_tags(self, source_name: str, target_name: str) -> Tag:
        """Move every use of one tag onto another and delete the first; one undo step."""
        with self.write() as db:
            source, target = self.tag(source_name), self.tag(target_name)
            if source.id == target.id:
                raise StoreError("cannot merge a tag into itself")
            group = self._change_group
            annotation_ids = [
                row["annotation_id"]
                for row in db.query("SELECT annotation_id FROM annotation_tags WHERE tag_id = ?", [source.id])
            ]
            for annotation_id in annotation_ids:
                before = self._annotation_snapshot(annotation_id)
                db.execute(
                    "INSERT OR IGNORE INTO annotation_tags (annotation_id, tag_id) VALUES (?, ?)",
                    [annotation_id, target.id],
                )
                self._log(
                    "update", "annotation", annotation_id, before, self._annotation_snapshot(annotation_id), group
                )
            before_tag = self._tag_snapshot(source.id)
            db.table("tags").delete(source.id)
            self._log("delete", "tag", source.id, before_tag, None, group)
            return self.tag(target.name)

    def _tag_ids(self, names: Iterable[str], group: str | None = None, log: bool = True) -> list[int]:
        """Ids for tag names, creating tags that do not exist yet (inside the caller's transaction).

        A created tag is logged in the caller's undo group, so one undo takes back the whole action;
        undo and redo themselves pass log=False, since their replay must not look like a new change.
        """
        known = {t.name.casefold(): t.id for t in self.tags()}
        ids = []
        for name in names:
            name = _clean_tag_name(name)
            tag_id = known.get(name.casefold())
            if tag_id is None:
                tag_id = self._create_tag(name, group=group, log=log).id
                known[name.casefold()] = tag_id
            if tag_id not in ids:
                ids.append(tag_id)
        return ids


def _clean_tag_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise StoreError("a tag needs a name")
    if ";" in cleaned or "," in cleaned:
        raise StoreError(f"tag names cannot contain ';' or ',': {cleaned!r}")
    if len(cleaned) > 60:
        raise StoreError("tag names are at most 60 characters")
    return cleaned


def _check_colour(colour: str) -> str:
    from rich.color import Color, ColorParseError

    try:
        return Color.parse(colour.strip()).get_truecolor().hex
    except ColorParseError:
        raise StoreError(f"not a colour: {colour!r} (try a name like 'red' or '#ff8800')") from None
