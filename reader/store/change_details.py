"""What a change did, in words, for undo's and redo's message: 'adding an annotation: "the words" [claim]',
'giving a claim the verdict 'false'', 'changing a source's outlet (its title)'. Read from the event log's
snapshots (reader.store.events writes them)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

PAIR_DECISION = "pair_decision"  # the entity of a user's decision on a suggested pair (reader.store.decisions)


def describe_group(conn: sqlite3.Connection, group: str) -> str:
    """What a change did, for undo's message: 'adding an annotation: "the words" [claim]', or 'adding 2
    annotations and 1 tag'. Counted in SQL, so a 300,000-event import is described without loading it."""
    counts = conn.execute(
        "SELECT action, entity, count(*), min(id) FROM events WHERE group_id = ? GROUP BY action, entity "
        "ORDER BY min(id)",
        [group],
    ).fetchall()
    verbs = {"create": "adding", "update": "changing", "delete": "deleting"}
    parts = []
    for action, entity, count, _ in counts:
        verb, name = verbs.get(action, action), entity.replace("_", " ")
        if entity == PAIR_DECISION and action == "create":  # "confirming a pair", not "adding a pair decision"
            parts.append(_decisions_made(conn, group, count))
        elif count == 1:
            parts.append(f"{verb} {'an' if name[0] in 'aeiou' else 'a'} {name}")
        else:
            parts.append(f"{verb} {count} {name}s")
    described = _and_list(parts) or "a change"
    if len(counts) == 1 and counts[0][1] == "annotation" and counts[0][2] == 1:
        described += _annotation_detail(conn, counts[0][3])
    elif len(counts) == 1 and counts[0][1] == PAIR_DECISION and counts[0][2] == 1:
        return _pair_decision_detail(conn, counts[0][3])
    elif len(counts) == 1 and counts[0][1] == "claim" and counts[0][2] == 1:
        return _claim_detail(conn, counts[0][3]) or described
    elif len(counts) == 1 and counts[0][1] == "silence" and counts[0][2] == 1:
        return _silence_detail(conn, counts[0][3])
    elif len(counts) == 1 and counts[0][1] == "source" and counts[0][2] == 1:
        return _source_detail(conn, counts[0][3]) or described
    elif len(counts) == 1 and counts[0][1] == "tag" and counts[0][2] == 1:
        before, after = _snapshots(conn, counts[0][3])
        described += f" ({(after or before).get('name', '')})"
    return described


def _decisions_made(conn: sqlite3.Connection, group: str, count: int) -> str:
    """'confirming a pair', 'rejecting 2 pairs', or (some of each, as an import brings) 'adding 3 pair decisions'."""
    sql = "SELECT json_extract(after, '$.decision') FROM events WHERE group_id = ? AND entity = ? AND action = ?"
    made = {row[0] for row in conn.execute(sql, [group, PAIR_DECISION, "create"])}
    verb = {"rejected": "rejecting", "confirmed": "confirming"}.get(str(made.pop())) if len(made) == 1 else None
    if verb is None:
        return "adding a pair decision" if count == 1 else f"adding {count} pair decisions"
    return f"{verb} {'a pair' if count == 1 else f'{count} pairs'}"


def _annotation_detail(conn: sqlite3.Connection, event_id: int) -> str:
    """': "the annotated words" [tag, tag]' for one annotation event (the words cut at 40 characters)."""
    old, snapshot = _snapshots(conn, event_id)
    changed = bool(old and snapshot)  # a change: the tags it changed, or that the note changed
    snapshot = snapshot or old
    quote = _short(snapshot.get("quote", ""), 40)
    tags = ", ".join(snapshot.get("tags") or [])
    if changed:
        old_tags = ", ".join(old.get("tags") or [])
        if old_tags != tags:
            return f': "{quote}" [{old_tags or "untagged"} → {tags or "untagged"}]'
        if old.get("note") != snapshot.get("note"):
            return f': "{quote}" (its note)'
    return f': "{quote}"' + (f" [{tags}]" if tags else "")


def _pair_decision_detail(conn: sqlite3.Connection, event_id: int) -> str:
    """'rejecting a pair: "words" and "words"' for one pair decision event (each quote cut at 30 characters);
    a decision taken back is 'deleting a pair decision: ...'."""
    before, after = _snapshots(conn, event_id)
    snapshot = after or before
    quotes = [_short(snapshot.get(name, ""), 30) for name in ("quote_a", "quote_b")]
    if after:
        verb = {"rejected": "rejecting", "confirmed": "confirming"}.get(str(snapshot.get("decision")), "deciding on")
        return f'{verb} a pair: "{quotes[0]}" and "{quotes[1]}"'
    return f'deleting a pair decision: "{quotes[0]}" and "{quotes[1]}"'


def _snapshots(conn: sqlite3.Connection, event_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One event's snapshots (before, after); {} for the side a creation or a deletion has not."""
    before, after = conn.execute("SELECT before, after FROM events WHERE id = ?", [event_id]).fetchone()
    return json.loads(before or "{}"), json.loads(after or "{}")


def _short(text: Any, width: int = 40) -> str:
    """text on one line, cut at width characters with '…'."""
    words = " ".join(str(text or "").split())
    return words if len(words) <= width else words[: width - 1] + "…"


def _and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c' ('' for none)."""
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + (items[-1] if items else "")


def _claim_detail(conn: sqlite3.Connection, event_id: int) -> str:
    """A claim's verdict, evidence or text, as changed by one event ('' when it says nothing better)."""
    before, after = _snapshots(conn, event_id)
    old_rating, new_rating = before.get("rating"), after.get("rating")
    if new_rating != old_rating:
        if old_rating is None:
            return f"giving a claim the verdict '{_short(new_rating)}'"
        if new_rating is None:
            return f"taking a claim's verdict '{_short(old_rating)}' away"
        return f"changing a claim's verdict ({_short(old_rating)} → {_short(new_rating)})"
    old_evidence, new_evidence = before.get("evidence") or [], after.get("evidence") or []
    if len(new_evidence) > len(old_evidence):
        added = [item.get("value", "") for item in new_evidence[len(old_evidence) :]]
        return f"adding evidence to a claim ({_short(', '.join(added), 60)})"
    if (before.get("text") or "") != (after.get("text") or ""):
        return f"changing a claim's text ({_short(after.get('text')) or 'back to its quote'})"
    if before.get("verdict_note") != after.get("verdict_note"):
        return "changing a claim's verdict note"
    return ""


def _source_detail(conn: sqlite3.Connection, event_id: int) -> str:
    """Which of a source's metadata one event changed, and the source's title."""
    before, after = _snapshots(conn, event_id)
    fields = ("title", "outlet", "author", "published", "url")
    changed = [name for name in fields if before.get(name) != after.get(name)]
    if not changed:
        return ""
    return f"changing a source's {_and_list(changed)} ({_short(after.get('title') or before.get('title'), 60)})"


def _silence_detail(conn: sqlite3.Connection, event_id: int) -> str:
    """A silent mark set or cleared, with the source's title."""
    before, after = _snapshots(conn, event_id)
    row = conn.execute("SELECT title FROM sources WHERE id = ?", [(after or before).get("source_id")]).fetchone()
    title = f" ({_short(row[0], 60)})" if row else ""
    return ("marking a source silent on a claim" if after else "clearing a source's silent mark") + title
