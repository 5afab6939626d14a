"""Who did it: the one place that decides the author of every annotation, link, silent mark, verdict
and event, and whether blind coding is in effect.

The author is READER_AUTHOR, else the settings' `author`, else the login name. Blind coding is on for
a session when READER_BLIND says so (or `reader --blind`), or for the whole database when its `blind`
setting is "on"; while it is on, each author sees only their own annotations.
"""

from __future__ import annotations

import getpass
import os

AUTHOR_ENV = "READER_AUTHOR"
BLIND_ENV = "READER_BLIND"
BLIND_SETTING = "blind"  # key in the database's settings table: "on" or "off"
_TRUE = {"1", "on", "yes", "true"}
_FALSE = {"0", "off", "no", "false"}


def login_name() -> str:
    """The operating system's login name, or "" where there is none (a container without a passwd entry)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def resolve_author(settings_author: str = "") -> str:
    """The author in effect: READER_AUTHOR, else settings_author (the settings' `author`), else the login name."""
    return author_and_origin(settings_author)[0]


def author_and_origin(settings_author: str = "") -> tuple[str, str]:
    """(author, where it came from): "READER_AUTHOR", "settings" or "login name"; for `reader config`."""
    from_env = os.environ.get(AUTHOR_ENV, "").strip()
    if from_env:
        return from_env, AUTHOR_ENV
    if settings_author.strip():
        return settings_author.strip(), "settings"
    return login_name(), "login name"


def session_blind() -> bool | None:
    """READER_BLIND for this session: True, False, or None when unset (the database decides)."""
    value = os.environ.get(BLIND_ENV, "").strip().casefold()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def parse_switch(value: str) -> bool:
    """ "on"/"off" (and yes/no, true/false, 1/0) as a bool; ValueError names the accepted words."""
    folded = value.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"expected on or off, not {value!r}")
