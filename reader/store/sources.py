"""Sources and their versions: recording a loaded file (a new text is a new version, its annotations
re-anchored on it), the full-text search index of its passages, and finding a source by reference.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from reader.anchoring import TextChange, anchor
from reader.corpus import Document
from reader.metadata import effective_metadata
from reader.model import Selector, Source
from reader.presentation import fit_cells
from reader.store.connection import StoreError, content_hash, now
from reader.store.tags import TagStore
from reader.text import fold_text, paragraph_spans, word_count

# What a corpus's sources.toml can state about a file (columns of `sources` of the same names).
METADATA_FIELDS = ("title", "outlet", "author", "published", "url")


PASSAGE_MAX_CHARS = 2000
SHORT_PARAGRAPH_CHARS = 80


def passage_spans(text: str) -> list[tuple[int, int]]:
    """The search index's passages: paragraphs, with a long one cut at a space near PASSAGE_MAX_CHARS and
    runs of short ones (under SHORT_PARAGRAPH_CHARS) joined up to it. A 50 MB line or a million one-letter
    lines then index in seconds, and FTS5 snippets never scan a giant row."""
    spans: list[tuple[int, int, bool]] = []
    for start, end in paragraph_spans(text):
        short = end - start < SHORT_PARAGRAPH_CHARS
        if short and spans and spans[-1][2] and end - spans[-1][0] <= PASSAGE_MAX_CHARS:
            spans[-1] = (spans[-1][0], end, True)
            continue
        while end - start > PASSAGE_MAX_CHARS:
            cut = text.rfind(" ", start + PASSAGE_MAX_CHARS // 2, start + PASSAGE_MAX_CHARS)
            cut = cut if cut > start else start + PASSAGE_MAX_CHARS
            spans.append((start, cut, False))
            start = cut + 1 if text[cut : cut + 1] == " " else cut
        spans.append((start, end, short))
    return [(start, end) for start, end, _ in spans if end > start]


class SourceStore(TagStore):
    """Sources, their versions and passages, and search over them."""

    def known_signature(self, path: str) -> tuple[int, int] | None:
        """(size, mtime_ns) recorded when path was last loaded: unchanged files need not be read again."""
        rows = self.query("SELECT size, mtime_ns FROM sources WHERE path = ?", [path])
        return (rows[0]["size"], rows[0]["mtime_ns"]) if rows else None

    def known_signatures(self) -> dict[str, tuple[int, int, int, dict[str, str]]]:
        """Every stored path's (size, mtime_ns, source id, metadata) in one query: a sync checks files against it."""
        with self._lock:
            # What the files state (not the user's own values, which a sync leaves alone).
            return {
                row[0]: (row[1], row[2], row[3], json.loads(row[4] or "{}"))
                for row in self.db.conn.execute("SELECT path, size, mtime_ns, id, file_metadata FROM sources")
            }

    def resolve_path_id(self, path: str) -> int:
        rows = self.query("SELECT id FROM sources WHERE path = ?", [path])
        if not rows:
            raise StoreError(f"{path} is not in the database")
        return rows[0]["id"]

    def save_document(self, document: Document) -> tuple[int, bool]:
        """Record a loaded file; a new text becomes a new version and re-anchors its annotations.

        Returns (source_id, whether a new version was stored).
        """
        path = str(document.path)
        digest = content_hash(document.text)
        with self.write() as db:
            existing = list(
                db.query("SELECT id, current_version_id, user_metadata FROM sources WHERE path = ?", [path])
            )
            if not existing:  # a source a team hub brought (path hub:<hash>) becomes this file with the same text
                existing = list(
                    db.query(
                        "SELECT s.id, s.current_version_id, s.user_metadata FROM sources s JOIN source_versions v "
                        "ON v.id = s.current_version_id WHERE s.path LIKE 'hub:%' AND v.content_hash = ? ORDER BY s.id "
                        "LIMIT 1",
                        [digest],
                    )
                )
                if existing:
                    db.execute("UPDATE sources SET path = ? WHERE id = ?", [path, existing[0]["id"]])
            stated = {
                "title": document.title,
                "outlet": document.outlet,
                "author": document.author,
                "published": document.published,
                "url": document.url,
            }
            # What the user set (reader meta, the sources screen) wins over what the file states.
            user_set = json.loads(existing[0]["user_metadata"] or "{}") if existing else {}
            fields = {
                **effective_metadata(stated, user_set),
                "file_metadata": json.dumps(stated, ensure_ascii=False),
                "format": document.format,
                "encoding": document.encoding,
                "warnings": json.dumps(document.warnings),
                "size": document.size,
                "mtime_ns": document.mtime_ns,
            }
            # Plain SQL here, not table.update()/insert(): this runs once per file of a corpus, and
            # sqlite-utils introspects the table on every call (a third of a 10,000-file first load).
            if existing:
                source_id = existing[0]["id"]
                db.execute(
                    f"UPDATE sources SET {', '.join(f'{k} = :{k}' for k in fields)} WHERE id = :id",
                    {**fields, "id": source_id},
                )
            else:
                row = {"path": path, "added": now(), "words": 0, **fields}
                source_id = db.execute(
                    f"INSERT INTO sources ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})", row
                ).lastrowid
            version = list(
                db.query("SELECT id FROM source_versions WHERE source_id = ? AND content_hash = ?", [source_id, digest])
            )
            current = existing[0]["current_version_id"] if existing else None
            if version and version[0]["id"] == current:
                return source_id, False
            if version:
                version_id = version[0]["id"]
            else:
                version_id = db.execute(
                    "INSERT INTO source_versions (source_id, content_hash, text, length, loaded, pages) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [source_id, digest, document.text, len(document.text), now(), json.dumps(document.pages)],
                ).lastrowid
            db.execute(
                "UPDATE sources SET current_version_id = ?, words = ? WHERE id = ?",
                [version_id, word_count(document.text), source_id],
            )
            self._index_passages(db, source_id, version_id, document.text)
            self._reanchor(db, source_id, version_id, document.text)
        return source_id, True

    @staticmethod
    def _index_passages(db: sqlite_utils.Database, source_id: int, version_id: int, text: str) -> None:
        db.execute("DELETE FROM passages WHERE source_id = ?", [source_id])
        db.conn.executemany(
            "INSERT INTO passages (source_id, version_id, position_start, position_end, text) VALUES (?, ?, ?, ?, ?)",
            ((source_id, version_id, start, end, text[start:end]) for start, end in passage_spans(text)),
        )

    @staticmethod
    def _reanchor(db: sqlite_utils.Database, source_id: int, version_id: int, text: str) -> None:
        rows = list(
            db.query(
                "SELECT a.id, a.version_id, a.position_start, a.position_end, a.quote, a.prefix, a.suffix "
                "FROM annotations a WHERE a.source_id = ? AND coalesce(a.anchor_version_id, -1) != ?",
                [source_id, version_id],
            )
        )
        # One diff per version the annotations were made on: it tells moved, deleted and duplicated
        # passages apart, which the quote and its context alone cannot.
        changes: dict[int, TextChange | None] = {}
        for row in rows:
            made_on = row["version_id"]
            if made_on not in changes:
                old = list(db.query("SELECT text FROM source_versions WHERE id = ?", [made_on]))
                changes[made_on] = TextChange(old[0]["text"], text) if old else None
            found = anchor(
                text,
                Selector(row["position_start"], row["position_end"], row["quote"], row["prefix"], row["suffix"]),
                changes[made_on],
            )
            db.execute(
                "UPDATE annotations SET anchor_status = ?, anchor_start = ?, anchor_end = ?, "
                "anchor_version_id = ?, anchor_score = ? WHERE id = ?",
                [found.status, found.start, found.end, version_id, found.score, row["id"]],
            )

    def sources(self) -> list[Source]:
        """Every source with its word and annotation counts and reading progress, in path order."""
        visible, params = self._visible_clause()
        rows = self.query(
            f"SELECT s.*, (SELECT count(*) FROM annotations a WHERE a.source_id = s.id AND {visible}) "
            "AS annotation_count, max(coalesce(r.fraction, 0), coalesce(r.furthest, 0)) AS read_fraction "
            "FROM sources s LEFT JOIN reading_state r ON r.source_id = s.id ORDER BY s.path",
            params,
        )
        return [_source_from_row(row) for row in rows]

    def source(self, source_id: int) -> Source:
        for source in self.sources_by_ids([source_id]):
            return source
        raise StoreError(f"no source with id {source_id}")

    def sources_by_ids(self, ids: list[int]) -> list[Source]:
        wanted = set(ids)
        return [source for source in self.sources() if source.id in wanted]

    def text(self, source_id: int) -> str:
        """The canonical text of a source's current version."""
        rows = self.query(
            "SELECT v.text FROM sources s JOIN source_versions v ON v.id = s.current_version_id WHERE s.id = ?",
            [source_id],
        )
        if not rows:
            raise StoreError(f"no text stored for source {source_id}")
        return rows[0]["text"]

    def has_sources(self) -> bool:
        return bool(self.query("SELECT 1 FROM sources LIMIT 1"))

    def page_starts(self, source_id: int) -> list[int]:
        """Where each page starts in the current text (PDF sources); empty for sources without pages."""
        rows = self.query(
            "SELECT v.pages FROM sources s JOIN source_versions v ON v.id = s.current_version_id WHERE s.id = ?",
            [source_id],
        )
        return json.loads(rows[0]["pages"]) if rows else []

    def resolve_source(self, reference: str) -> Source:
        """A source from an id, a path, a file name or an unambiguous title fragment."""
        sources = self.sources()
        reference = reference.strip()
        if reference.isdigit() and reference == str(int(reference)):  # "3" is an id, "003" a file name
            for source in sources:
                if source.id == int(reference):
                    return source
        resolved = str(Path(reference).expanduser().resolve()) if reference else ""
        for source in sources:
            if reference in (source.path, source.name) or source.path == resolved:
                return source
        needle = reference.casefold()
        matches = [
            s for s in sources if needle and (needle in s.title.casefold() or s.name.casefold().startswith(needle))
        ]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise StoreError(f"no source matches {reference!r} (try `reader sources`)")
        names = ", ".join(f"{s.id}: {fit_cells(s.title, 40)}" for s in matches[:5])
        raise StoreError(f"{reference!r} matches {len(matches)} sources ({names}); be more specific")

    def search(self, query: str, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search (FTS5) over every source's paragraphs, best first, with snippets."""
        fts_query = _fts_query(query)
        if not fts_query:
            return []
        try:
            return self.query(
                "SELECT p.source_id, s.title AS source_title, s.path AS source_path, p.position_start, "
                "p.position_end, snippet(passages_fts, 0, '\x02', '\x03', '…', 12) AS snippet "
                "FROM passages_fts JOIN passages p ON p.rowid = passages_fts.rowid "
                # bm25() is what `rank` means by default, but ordering by it directly took 60% of the time
                # on a 10,000-file corpus (a word in 50,000 paragraphs: 64 ms against 105 ms).
                "JOIN sources s ON s.id = p.source_id WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts) "
                "LIMIT ?",
                [fts_query, limit],
            )
        except sqlite3.OperationalError as error:
            raise StoreError(f"cannot search for {query!r}: {error}") from None


def _source_from_row(row: dict[str, Any]) -> Source:
    return Source(
        id=row["id"],
        path=row["path"],
        title=row["title"],
        outlet=row["outlet"] or "",
        author=row["author"] or "",
        published=row["published"] or "",
        url=row["url"] or "",
        words=row["words"] or 0,
        annotations=row.get("annotation_count", 0) or 0,
        version_id=row["current_version_id"] or 0,
        warnings=tuple(json.loads(row["warnings"] or "[]")),
        read_fraction=row.get("read_fraction", 0.0) or 0.0,
    )


def _fts_query(query: str) -> str:
    """Quote each word so user text is searched for, never parsed as FTS5 syntax; folded (accents,
    case) by fold_text, the function in-document search folds with."""
    words = [word.replace('"', '""') for word in fold_text(query).split()]
    return " ".join(f'"{word}"' for word in words if word)
