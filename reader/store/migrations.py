"""Forward-only schema migrations, numbered by `PRAGMA user_version`.

Each migration runs inside the store's write transaction. Never edit a released migration: add one.
Column names are chosen to read well in `sqlite3`, `sqlite-utils` and Datasette.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import sqlite_utils

SCHEMA_V1 = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    outlet TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT 'text',
    encoding TEXT NOT NULL DEFAULT 'utf-8',
    warnings TEXT NOT NULL DEFAULT '[]',      -- JSON list of decoding warnings
    size INTEGER,                              -- file size and mtime when last read: skip unchanged files
    mtime_ns INTEGER,
    words INTEGER NOT NULL DEFAULT 0,
    current_version_id INTEGER REFERENCES source_versions(id),
    added TEXT NOT NULL
);

CREATE TABLE source_versions (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,                -- sha256 of the canonical text
    text TEXT NOT NULL,                        -- canonical text: every offset points into this
    length INTEGER NOT NULL,
    loaded TEXT NOT NULL,
    UNIQUE (source_id, content_hash)
);

CREATE TABLE annotations (
    id TEXT PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES source_versions(id),   -- the text it was made on
    position_start INTEGER NOT NULL,           -- W3C TextPositionSelector, on version_id
    position_end INTEGER NOT NULL,
    quote TEXT NOT NULL,                       -- W3C TextQuoteSelector: exact, prefix, suffix
    prefix TEXT NOT NULL DEFAULT '',
    suffix TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    anchor_status TEXT NOT NULL DEFAULT 'anchored'
        CHECK (anchor_status IN ('anchored', 'fuzzy', 'ambiguous', 'orphaned')),
    anchor_version_id INTEGER REFERENCES source_versions(id),      -- where it sits on the current text
    anchor_start INTEGER,
    anchor_end INTEGER,
    anchor_score REAL,
    CHECK (position_start < position_end)
);
CREATE INDEX annotations_by_source ON annotations (source_id, anchor_start);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    colour TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0,       -- order in the tag bar; the first nine get keys 1-9
    created TEXT
);

CREATE TABLE annotation_tags (
    annotation_id TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (annotation_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX annotation_tags_by_tag ON annotation_tags (tag_id);

CREATE TABLE links (
    id TEXT PRIMARY KEY,
    from_annotation TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
    to_annotation TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('same', 'supports', 'contradicts')),
    created TEXT NOT NULL,
    UNIQUE (from_annotation, to_annotation, kind)
);
CREATE INDEX links_to ON links (to_annotation);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id TEXT NOT NULL,                    -- one user action; undo reverses a whole group
    at TEXT NOT NULL,
    actor TEXT NOT NULL,                       -- 'cli', 'tui', 'import'
    action TEXT NOT NULL,                      -- create, update, delete, undo, redo
    entity TEXT NOT NULL,                      -- annotation, tag, link
    entity_id TEXT,
    before TEXT,                               -- JSON snapshot before the change
    after TEXT,                                -- JSON snapshot after it
    ref_group TEXT                             -- for undo and redo: the group they replay
);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

CREATE TABLE passages (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    version_id INTEGER NOT NULL REFERENCES source_versions(id),
    position_start INTEGER NOT NULL,
    position_end INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX passages_by_source ON passages (source_id);

CREATE TABLE reading_state (
    source_id INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    fraction REAL NOT NULL DEFAULT 0,
    updated TEXT
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE VIEW annotations_view AS
SELECT
    a.id,
    a.source_id,
    s.title AS source_title,
    s.path AS source_path,
    coalesce(a.anchor_start, a.position_start) AS start,
    coalesce(a.anchor_end, a.position_end) AS "end",
    a.quote,
    a.prefix,
    a.suffix,
    (SELECT group_concat(name, ';') FROM (
        SELECT t.name FROM annotation_tags x JOIN tags t ON t.id = x.tag_id
        WHERE x.annotation_id = a.id ORDER BY t.position, t.name)) AS tags,
    a.note,
    a.author,
    (SELECT group_concat(link, ';') FROM (
        SELECT l.kind || ':' || CASE WHEN l.from_annotation = a.id THEN l.to_annotation
                                     ELSE l.from_annotation END AS link
        FROM links l WHERE l.from_annotation = a.id OR l.to_annotation = a.id ORDER BY l.created)) AS links,
    a.anchor_status,
    a.created,
    a.updated,
    a.version_id,
    a.position_start AS original_start,
    a.position_end AS original_end
FROM annotations a JOIN sources s ON s.id = a.source_id;
"""


def _v1(db: sqlite_utils.Database) -> None:
    for statement in _statements(SCHEMA_V1):
        db.execute(statement)
    db.table("passages").enable_fts(["text"], create_triggers=True, tokenize="porter unicode61 remove_diacritics 2")


def _statements(script: str) -> list[str]:
    """Split a schema script into statements (triggers contain semicolons, so sqlite3 decides)."""
    import sqlite3

    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]


SCHEMA_V2 = """
CREATE TABLE silences (
    annotation_id TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,  -- any member of the claim
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    marked TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (annotation_id, source_id)
) WITHOUT ROWID;
"""


def _v2(db: sqlite_utils.Database) -> None:
    """Version 2: a source checked and found silent on a claim (the claims matrix's 'silent')."""
    for statement in _statements(SCHEMA_V2):
        db.execute(statement)


def _v3(db: sqlite_utils.Database) -> None:
    """Version 3: where each page starts (PDF sources), as a JSON list of offsets on the version's text."""
    db.execute("ALTER TABLE source_versions ADD COLUMN pages TEXT NOT NULL DEFAULT '[]'")


def _v4(db: sqlite_utils.Database) -> None:
    """Version 4: who made each change (author) and in which session (one TUI run, one command), so undo
    takes back only one's own; indexes let undo find a change's events without reading the whole log.
    Earlier events keep author '' and session '': no one's undo takes them back. Also the furthest
    fraction of each source one has read, for the sources screen's Read column."""
    db.execute("ALTER TABLE events ADD COLUMN author TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE events ADD COLUMN session TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX events_by_group ON events (group_id)")
    db.execute("CREATE INDEX events_by_ref_group ON events (ref_group)")
    db.execute("CREATE INDEX events_by_entity ON events (entity, entity_id)")
    db.execute("CREATE INDEX events_by_author ON events (author, id)")
    db.execute("CREATE INDEX events_by_session ON events (session, id)")
    # How far each source has been read (the furthest fraction reached), beside where one last was.
    db.execute("ALTER TABLE reading_state ADD COLUMN furthest REAL NOT NULL DEFAULT 0")


SCHEMA_V5 = """
CREATE TABLE pair_decisions (
    id INTEGER PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
    source_a INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,  -- (source_a, start_a) < (source_b, start_b)
    start_a INTEGER NOT NULL,
    end_a INTEGER NOT NULL,
    quote_a TEXT NOT NULL,
    source_b INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    start_b INTEGER NOT NULL,
    end_b INTEGER NOT NULL,
    quote_b TEXT NOT NULL,
    features TEXT NOT NULL DEFAULT '[]',       -- the pair model's features when decided (reader.align.learn)
    author TEXT NOT NULL DEFAULT '',
    decided TEXT NOT NULL,
    UNIQUE (source_a, start_a, end_a, source_b, start_b, end_b)
);
CREATE INDEX pair_decisions_by_sources ON pair_decisions (source_a, source_b);
"""


def _v5(db: sqlite_utils.Database) -> None:
    """Version 5: the user's decisions on suggested pairs (confirmed or rejected), which the aligner learns
    from and never suggests again when rejected."""
    for statement in _statements(SCHEMA_V5):
        db.execute(statement)


SCHEMA_V6 = """
CREATE TABLE claims (
    id TEXT PRIMARY KEY,                       -- the id of the member that founded the claim (stable)
    members TEXT NOT NULL DEFAULT '[]',        -- JSON list of member annotation ids when last written
    text TEXT NOT NULL DEFAULT '',             -- the user's wording of the claim ('' = the earliest quote)
    rating TEXT,                               -- a name on the rating scale, NULL until a verdict is given
    rating_value INTEGER,                      -- its numeric value on the scale (NULL for unproven)
    verdict_note TEXT NOT NULL DEFAULT '',
    verdict_author TEXT NOT NULL DEFAULT '',
    verdict_at TEXT,
    review_url TEXT NOT NULL DEFAULT '',       -- where the fact-check is published (ClaimReview url)
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);

CREATE TABLE claim_evidence (
    id TEXT PRIMARY KEY,
    claim_id TEXT NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('url', 'annotation')),
    value TEXT NOT NULL,                       -- an http(s) URL or an annotation id
    note TEXT NOT NULL DEFAULT '',
    added TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT '',
    UNIQUE (claim_id, kind, value)
);
CREATE INDEX claim_evidence_by_claim ON claim_evidence (claim_id);
"""


def _v6(db: sqlite_utils.Database) -> None:
    """Version 6: source metadata the user set (kept apart from what the files state, which a reload
    refreshes), and claims with their text, verdict and evidence."""
    db.execute("ALTER TABLE sources ADD COLUMN user_metadata TEXT NOT NULL DEFAULT '{}'")
    db.execute("ALTER TABLE sources ADD COLUMN file_metadata TEXT NOT NULL DEFAULT '{}'")
    db.execute(
        "UPDATE sources SET file_metadata = json_object('title', title, 'outlet', outlet, "
        "'author', author, 'published', published, 'url', url)"
    )
    for statement in _statements(SCHEMA_V6):
        db.execute(statement)


def _v7(db: sqlite_utils.Database) -> None:
    """Version 7: who made each link (annotations and silent marks already record their author)."""
    db.execute("ALTER TABLE links ADD COLUMN author TEXT NOT NULL DEFAULT ''")


SCHEMA_V8 = """
CREATE TABLE sync_state (
    key TEXT PRIMARY KEY,                      -- origin (this database's id on hubs), hlc, hub:<id>:pulled ...
    value TEXT NOT NULL
);
CREATE TABLE sync_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,      -- never reused: the hub dedupes pushes on (origin, id)
    entity TEXT NOT NULL,
    key TEXT NOT NULL,                         -- the entity's id on the hub (a tag's is its name)
    hlc TEXT NOT NULL,                         -- hybrid logical clock of the change: last writer wins
    author TEXT NOT NULL DEFAULT '',
    payload TEXT,                              -- JSON snapshot as the hub stores it; NULL: deleted
    texts TEXT NOT NULL DEFAULT '[]',          -- content hashes of the source texts it needs
    UNIQUE (entity, key)
);
CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,                      -- the database that found the conflict, and its number there
    origin_id INTEGER NOT NULL,
    hub TEXT NOT NULL DEFAULT '',              -- the hub's id
    entity TEXT NOT NULL,
    key TEXT NOT NULL,
    winner_hlc TEXT NOT NULL,
    winner_author TEXT NOT NULL DEFAULT '',
    winner_payload TEXT,
    loser_hlc TEXT NOT NULL,
    loser_author TEXT NOT NULL DEFAULT '',
    loser_payload TEXT,
    detected TEXT NOT NULL,
    resolved TEXT,                             -- when, and which side was kept
    resolution TEXT,
    pushed INTEGER NOT NULL DEFAULT 0,
    UNIQUE (origin, origin_id)
);
"""


def _v8(db: sqlite_utils.Database) -> None:
    """Version 8: sync with a team hub (this database's origin id, high-water marks, the clock, the
    changes not yet pushed, and the concurrent edits that lost)."""
    for statement in _statements(SCHEMA_V8):
        db.execute(statement)


ANNOTATION_COLUMNS = (
    "id",
    "source_id",
    "version_id",
    "position_start",
    "position_end",
    "quote",
    "prefix",
    "suffix",
    "note",
    "author",
    "created",
    "updated",
    "anchor_status",
    "anchor_version_id",
    "anchor_start",
    "anchor_end",
    "anchor_score",
)
# What an INSERT through the annotations view gets for a column it leaves out (a view has no defaults).
_VIEW_DEFAULTS = {"prefix": "''", "suffix": "''", "note": "''", "author": "''", "anchor_status": "'anchored'"}


def _v11(db: sqlite_utils.Database) -> None:
    """Version 11: imports publish in chunks. Annotation rows live in annotation_rows with the import batch
    that wrote them (NULL: written otherwise); the annotations view shows only rows of no batch or of a
    published one, so readers see a whole import or none of it. import_batches records each batch, the
    event ids it reserved and whether it is published (one row flipped in one short transaction)."""
    db.execute(
        "CREATE TABLE import_batches (id TEXT PRIMARY KEY, started TEXT NOT NULL, owner TEXT NOT NULL, "
        "first_event INTEGER NOT NULL, last_event INTEGER NOT NULL, first_rowid INTEGER NOT NULL, "
        "versions TEXT NOT NULL DEFAULT '[]', "  # source versions it stored (removed with it if abandoned)
        "published INTEGER NOT NULL DEFAULT 0)"  # 0: being written; 1: published; -1: abandoned, removed
    )
    db.execute("DROP VIEW annotations_view")
    db.execute("ALTER TABLE annotations RENAME TO annotation_rows")  # foreign keys follow the rename
    db.execute("ALTER TABLE annotation_rows ADD COLUMN import_batch TEXT")
    columns = ", ".join(ANNOTATION_COLUMNS)
    db.execute(
        f"CREATE VIEW annotations AS SELECT {columns} FROM annotation_rows WHERE import_batch IS NULL "
        "OR import_batch IN (SELECT id FROM import_batches WHERE published = 1)"
    )
    values = ", ".join(
        f"coalesce(NEW.{c}, {_VIEW_DEFAULTS[c]})" if c in _VIEW_DEFAULTS else f"NEW.{c}" for c in ANNOTATION_COLUMNS
    )
    db.execute(
        "CREATE TRIGGER annotations_insert INSTEAD OF INSERT ON annotations BEGIN "
        f"INSERT INTO annotation_rows ({columns}) VALUES ({values}); END"
    )
    assignments = ", ".join(f"{c} = NEW.{c}" for c in ANNOTATION_COLUMNS)
    db.execute(
        "CREATE TRIGGER annotations_update INSTEAD OF UPDATE ON annotations BEGIN "
        f"UPDATE annotation_rows SET {assignments} WHERE id = OLD.id; END"
    )
    db.execute(
        "CREATE TRIGGER annotations_delete INSTEAD OF DELETE ON annotations BEGIN "
        "DELETE FROM annotation_rows WHERE id = OLD.id; END"
    )
    view = SCHEMA_V1[SCHEMA_V1.index("CREATE VIEW annotations_view") :]
    db.execute(view.strip().rstrip(";"))


def _v12(db: sqlite_utils.Database) -> None:
    """Version 12: pair decisions are logged changes (undo, sync). Those made before are logged once as
    created, with author '' and session '' (like the events before version 4: no one's undo takes them
    back), so the next sync carries them to the team like any change."""
    from reader.store.connection import now
    from reader.store.events import PAIR_DECISION, pair_decision_key, pair_decision_snapshot

    group, stamp = uuid.uuid4().hex, now()
    rows = [pair_decision_snapshot(row) for row in db.query("SELECT * FROM pair_decisions ORDER BY id")]
    db.conn.executemany(
        "INSERT INTO events (group_id, at, actor, action, entity, entity_id, before, after, ref_group, author, "
        "session) VALUES (?, ?, 'migration', 'create', ?, ?, NULL, ?, NULL, '', '')",
        [(group, stamp, PAIR_DECISION, pair_decision_key(row), json.dumps(row, ensure_ascii=False)) for row in rows],
    )


# One entry a line, in order. Numbers are applied in ascending order.
MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _v1,
    2: _v2,
    3: _v3,
    4: _v4,
    5: _v5,
    6: _v6,
    7: _v7,
    8: _v8,
    11: _v11,
    12: _v12,
}
SCHEMA_VERSION = max(MIGRATIONS)
