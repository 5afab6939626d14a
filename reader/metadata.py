"""Source metadata (url, outlet, author, published, title): checking what a user gives and merging the layers.

Three layers, highest first: what the user set (`reader meta`, the sources screen), the folder's
sources.toml, and what the document states about itself (HTML meta and JSON-LD through trafilatura; PDF,
EPUB and DOCX properties). The loaders already merge the last two into a Document; the store keeps the
user's layer apart (sources.user_metadata) so that reloading a changed file never loses it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from reader.model import ReaderError

METADATA_FIELDS = ("title", "outlet", "author", "published", "url")


class MetadataError(ReaderError):
    """A metadata value that cannot be used, explained in one line."""


def parse_published(value: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware datetime (a date is midnight UTC, a naive time is UTC);
    None when value is empty or does not parse."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_published(value: str) -> str:
    """The value, stripped, if it is empty or an ISO 8601 date or date-time; else MetadataError."""
    value = (value or "").strip()
    if value and parse_published(value) is None:
        raise MetadataError(
            f"published must be an ISO 8601 date or date-time such as 2024-10-14 or "
            f"2024-10-14T09:30:00Z, not {value[:40]!r}"
        )
    return value


def check_url(value: str) -> str:
    """The value, stripped, if it is empty or an absolute http(s) URL; else MetadataError."""
    value = (value or "").strip()
    if value and not is_web_url(value):
        raise MetadataError(f"url must be an absolute http:// or https:// address, not {value[:60]!r}")
    return value


def is_web_url(value: str) -> bool:
    """An absolute http or https URL with a host and no white space or control characters."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not re.search(r"[\s\x00-\x1f\x7f]", value)


def check_metadata(values: dict[str, str]) -> dict[str, str]:
    """Check user-given metadata (unknown fields, dates, URLs); returns the cleaned values."""
    cleaned = {}
    for key, value in values.items():
        if key not in METADATA_FIELDS:
            raise MetadataError(f"unknown metadata field {key!r}; use one of {', '.join(METADATA_FIELDS)}")
        value = " ".join(str(value).split()) if key != "url" else str(value).strip()
        if key == "published":
            value = check_published(value)
        elif key == "url":
            value = check_url(value)
        cleaned[key] = value
    return cleaned


def effective_metadata(file_values: dict[str, str], user_values: dict[str, str]) -> dict[str, str]:
    """What a source shows: the user's values over the file's (sources.toml over the document itself)."""
    merged = {key: file_values.get(key, "") or "" for key in METADATA_FIELDS}
    merged.update({key: value for key, value in user_values.items() if key in METADATA_FIELDS})
    return merged


def published_sort_key(value: str) -> tuple[int, float]:
    """Sorts sources by publication: dated ones first, oldest first; undated ones last."""
    moment = parse_published(value)
    return (0, moment.timestamp()) if moment else (1, 0.0)


def byline(outlet: str, author: str, published: str) -> str:
    """outlet · author · published, skipping what is empty (plain text; callers make it display-safe)."""
    return " · ".join(part for part in (outlet, author, published) if part)
