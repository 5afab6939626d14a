"""Reading positions, the database's own settings, and blind coding (whose annotations may be shown)."""

from __future__ import annotations

from collections.abc import Iterable

from reader.authors import BLIND_SETTING
from reader.store.connection import now
from reader.store.events import EventLog


class SettingsStore(EventLog):
    """Where each source was being read, key-value settings, and blind coding."""

    def set_reading_position(self, source_id: int, position: int, fraction: float) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO reading_state (source_id, position, fraction, furthest, updated) "
                "VALUES (:source_id, :position, :fraction, :fraction, :updated) ON CONFLICT (source_id) DO UPDATE "
                "SET position = excluded.position, fraction = excluded.fraction, "
                "furthest = max(reading_state.furthest, excluded.fraction), updated = excluded.updated",
                {"source_id": source_id, "position": position, "fraction": round(fraction, 4), "updated": now()},
            )

    def reading_position(self, source_id: int) -> int:
        rows = self.query("SELECT position FROM reading_state WHERE source_id = ?", [source_id])
        return rows[0]["position"] if rows else 0

    def setting(self, key: str, default: str = "") -> str:
        rows = self.query("SELECT value FROM settings WHERE key = ?", [key])
        return rows[0]["value"] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        with self.write() as db:
            db.table("settings").upsert({"key": key, "value": value}, pk="key")

    # --- blind coding ----------------------------------------------------------------------------

    def database_blind(self) -> bool:
        """Whether the database itself is set to blind coding (`reader blind on`)."""
        return self.setting(BLIND_SETTING, "off") == "on"

    def is_blind(self) -> bool:
        """Blind coding in effect: this session (READER_BLIND, --blind) or the database says so."""
        return self.session_blind or self.database_blind()

    def set_blind(self, on: bool) -> None:
        """Set or lift blind coding for the whole database (everyone who opens it)."""
        self.set_setting(BLIND_SETTING, "on" if on else "off")

    def visible_authors(self, wanted: Iterable[str] | None = None) -> list[str] | None:
        """The authors whose annotations may be shown: None means everyone. While blind, only this
        store's author (intersected with wanted); otherwise wanted, if given."""
        wanted = list(wanted) if wanted else None
        if self.is_blind():
            return [self.author] if wanted is None or self.author in wanted else []
        return wanted

    def _visible_clause(self, alias: str = "a") -> tuple[str, list[str]]:
        """SQL condition limiting annotations (as alias) to the visible authors: "1" when not blind."""
        visible = self.visible_authors()
        if visible is None:
            return "1", []
        return f"{alias}.author IN ({','.join('?' * len(visible))})" if visible else "0", visible
