"""User settings: one TOML file in the user's config folder (or READER_CONFIG), merged over defaults.

Holds who annotations are attributed to, the theme, the tags a new database starts with, and key
remapping by binding id (as Textual's keymaps expect). Only reads and writes the file: the store and
the TUI decide what to do with the values.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from reader.files import write_text_atomically
from reader.model import DEFAULT_TAGS, ReaderError

CONFIG_ENV = "READER_CONFIG"
CONFIG_FILE = "config.toml"
DEFAULT_THEME = "textual-dark"
_HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_BINDING_ID = re.compile(r"[A-Za-z0-9_.\-]+")


class SettingsError(ReaderError):
    """A settings file that cannot be used, explained in one line."""


@dataclass(frozen=True)
class TagSetting:
    """A tag a new database starts with."""

    name: str
    colour: str
    description: str = ""


@dataclass(frozen=True)
class Rating:
    """A point on the verdict scale: its name and numeric value (None: no value, as for unproven)."""

    name: str
    value: int | None = None


# The default verdict scale, best first (ClaimReview's bestRating is the highest value, worstRating the lowest).
DEFAULT_RATINGS = (
    Rating("true", 5),
    Rating("mostly true", 4),
    Rating("mixed", 3),
    Rating("mostly false", 2),
    Rating("false", 1),
    Rating("unproven", None),
)


@dataclass(frozen=True)
class Settings:
    """The settings in effect; author "" means the login name (READER_AUTHOR comes before either:
    reader.authors.resolve_author)."""

    author: str = ""
    theme: str = DEFAULT_THEME
    tags: tuple[TagSetting, ...] = tuple(TagSetting(*tag) for tag in DEFAULT_TAGS)
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    ratings: tuple[Rating, ...] = DEFAULT_RATINGS
    # The fact-checking organisation that signs ClaimReview exports: name and url.
    reviewer: dict[str, str] = field(default_factory=dict)


def settings_path() -> Path:
    """READER_CONFIG if set, else config.toml in the platform's user config folder for "reader"."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("reader", appauthor=False)) / CONFIG_FILE


def load_settings(path: Path | None = None) -> Settings:
    """The defaults, overridden by what the file at path (default: settings_path()) says.

    A missing file gives the defaults; an unreadable or invalid one raises SettingsError.
    """
    path = settings_path() if path is None else Path(path)
    if not path.exists():
        return Settings(path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise SettingsError(f"cannot read {path}: {error.strerror or error}") from None
    return settings_from_dict(data, path)


def settings_from_dict(data: dict[str, Any], path: Path | None = None) -> Settings:
    """Check a parsed settings table and merge it over the defaults; SettingsError names the bad entry."""
    where = f"{path}: " if path else ""
    unknown = sorted(set(data) - {"author", "theme", "tags", "keys", "ratings", "reviewer"})
    if unknown:
        raise SettingsError(
            f"{where}unknown setting {unknown[0]!r} (known: author, theme, tags, keys, ratings, reviewer)"
        )
    defaults = Settings()
    author = _string(data, "author", defaults.author, where)
    theme = _string(data, "theme", defaults.theme, where) or DEFAULT_THEME
    tags = defaults.tags
    if "tags" in data:
        if not isinstance(data["tags"], list):
            raise SettingsError(f"{where}'tags' must be a list of [[tags]] tables")
        tags = tuple(_tag(entry, index, where) for index, entry in enumerate(data["tags"], 1))
        names = [tag.name.casefold() for tag in tags]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise SettingsError(f"{where}tag {duplicates[0]!r} is listed twice")
    keys: dict[str, str] = {}
    if "keys" in data:
        if not isinstance(data["keys"], dict):
            raise SettingsError(f"{where}'keys' must be a table of binding id = \"key\"")
        for binding_id, key in data["keys"].items():
            if not _BINDING_ID.fullmatch(binding_id):
                raise SettingsError(f"{where}keys: {binding_id!r} is not a binding id")
            if not isinstance(key, str) or not key.strip():
                raise SettingsError(f'{where}keys.{binding_id} must be a key name such as "ctrl+n"')
            keys[binding_id] = key.strip()
    ratings = _ratings(data["ratings"], where) if "ratings" in data else defaults.ratings
    reviewer = _reviewer(data.get("reviewer", {}), where)
    return Settings(author=author, theme=theme, tags=tags, keys=keys, path=path, ratings=ratings, reviewer=reviewer)


def _ratings(entries: Any, where: str) -> tuple[Rating, ...]:
    """The [[ratings]] list: each a name and an optional whole-number value; names are unique."""
    if not isinstance(entries, list) or not entries:
        raise SettingsError(f"{where}'ratings' must be a non-empty list of [[ratings]] tables (name, value)")
    ratings = []
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or set(entry) - {"name", "value"}:
            raise SettingsError(f"{where}rating {index} must be a table with name and (optionally) value")
        name = entry.get("name")
        if not isinstance(name, str) or not " ".join(name.split()) or len(name) > 60:
            raise SettingsError(f"{where}rating {index} needs a name of at most 60 characters")
        value = entry.get("value")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise SettingsError(f"{where}rating {name!r}: value must be a whole number")
        ratings.append(Rating(" ".join(name.split()), value))
    names = [r.name.casefold() for r in ratings]
    if len(set(names)) != len(names):
        raise SettingsError(f"{where}a rating name is listed twice")
    return tuple(ratings)


def _reviewer(entry: Any, where: str) -> dict[str, str]:
    if (
        not isinstance(entry, dict)
        or set(entry) - {"name", "url"}
        or not all(isinstance(v, str) for v in entry.values())
    ):
        raise SettingsError(f"{where}'reviewer' must be a table with name and url (strings)")
    return {key: value.strip() for key, value in entry.items() if value.strip()}


def _string(data: dict[str, Any], key: str, default: str, where: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise SettingsError(f"{where}{key!r} must be a string")
    return value.strip()


def _tag(entry: Any, index: int, where: str) -> TagSetting:
    if not isinstance(entry, dict):
        raise SettingsError(f"{where}tag {index} must be a table with name and colour")
    unknown = sorted(set(entry) - {"name", "colour", "color", "description"})
    if unknown:
        raise SettingsError(f"{where}tag {index}: unknown field {unknown[0]!r}")
    name = entry.get("name")
    if not isinstance(name, str) or not " ".join(name.split()):
        raise SettingsError(f"{where}tag {index} needs a name")
    name = " ".join(name.split())
    if ";" in name or "," in name or len(name) > 60:
        raise SettingsError(f"{where}tag {name!r}: names have at most 60 characters and no ';' or ','")
    colour = entry.get("colour", entry.get("color", ""))
    if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour.strip()):
        raise SettingsError(f"{where}tag {name!r}: colour must be #rrggbb, not {colour!r}")
    description = entry.get("description", "")
    if not isinstance(description, str):
        raise SettingsError(f"{where}tag {name!r}: description must be a string")
    return TagSetting(name, colour.strip().lower(), description)


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """The settings as the TOML file spells them."""
    return {
        "author": settings.author,
        "theme": settings.theme,
        "keys": dict(settings.keys),
        "tags": [{"name": t.name, "colour": t.colour, "description": t.description} for t in settings.tags],
        "ratings": [{"name": r.name} | ({"value": r.value} if r.value is not None else {}) for r in settings.ratings],
        "reviewer": dict(settings.reviewer),
    }


def render_settings(settings: Settings) -> str:
    """The settings as TOML text (what `reader config` prints and `save_settings` writes)."""
    return tomli_w.dumps(settings_to_dict(settings))


def save_settings(settings: Settings, path: Path) -> None:
    """Write settings to path atomically (temporary file, then rename)."""
    _write_atomically(Path(path), render_settings(settings))


_DEFAULT_FILE_HEADER = """\
# Settings for reader. Delete a line to go back to its default; `reader config` shows what is in effect.

# Who your annotations are attributed to (READER_AUTHOR, when set, comes first); empty means your login name.
author = ""

# The reader's colour theme (any Textual theme name, such as "textual-dark" or "textual-light").
theme = "{theme}"

# Key remapping: binding id = "key" (comma-separated for several keys).
# The reader's help screen (?) lists the binding ids.
[keys]
# "reading.next_annotation" = "n"

# The tags a new database starts with, in order (keys 1-9 pick them). Colours are #rrggbb.
"""


def default_settings_text() -> str:
    """The commented file `reader config --init` writes: every default, each explained."""
    defaults = Settings()
    tags = tomli_w.dumps({"tags": settings_to_dict(defaults)["tags"]})
    ratings = "".join(
        f"\n[[ratings]]\nname = {tomli_w.dumps({'n': r.name})[4:]}"
        + (f"value = {r.value}\n" if r.value is not None else "")
        for r in defaults.ratings
    )
    return (
        _DEFAULT_FILE_HEADER.format(theme=defaults.theme)
        + tags
        + "\n# The verdict scale (`reader verdict`, v in the claims matrix), best first; a rating without a\n"
        "# value (unproven) has no place on the scale. ClaimReview's best and worst are the highest and lowest.\n"
        + ratings
        + "\n# The fact-checking organisation that signs ClaimReview exports.\n"
        '# [reviewer]\n# name = "Example Fact Check"\n# url = "https://factcheck.example.org"\n'
    )


def write_default_settings(path: Path) -> None:
    """Write the commented default settings file; refuse to overwrite one that exists."""
    path = Path(path)
    if path.exists():
        raise SettingsError(f"{path} already exists; edit it, or delete it first to start again")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SettingsError(f"cannot create {path.parent}: {error.strerror or error}") from None
    _write_atomically(path, default_settings_text())


def _write_atomically(path: Path, text: str) -> None:
    write_text_atomically(path, text, force=True, error=SettingsError)
