"""What every reader screen shares: the session as a typed attribute, notices, changes run off the event
loop with their results as messages, and the DatabaseChanged message that makes screens read again.

A change is a function of a Store handed to ReaderSession.submit: it runs in the session's writer thread,
in the order submitted; a worker on the screen waits for it and posts ChangeSaved or ChangeFailed, and the
screen repaints from that message, never before the change is in the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual import work
from textual.binding import BindingsMap
from textual.message import Message
from textual.screen import Screen

from reader.model import ReaderError
from reader.session import ReaderSession, Store, Written
from reader.text import display_safe

if TYPE_CHECKING:
    from reader.tui.app import ReaderApp

T = TypeVar("T")


class DatabaseChanged(Message, bubble=False):
    """The database changed: another program committed (outside), or this session's change landed."""

    def __init__(self, outside: bool) -> None:
        super().__init__()
        self.outside = outside


class ChangeSaved(Message, bubble=False):
    """A change submitted by this screen is in the database; done(result) repaints what it changed."""

    def __init__(self, written: Written[Any], done: Callable[[Any], None] | None) -> None:
        super().__init__()
        self.written, self.done = written, done


class ChangeFailed(Message, bubble=False):
    """A change submitted by this screen was refused (its one-line reason); nothing was written."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


def notify_error(widget: Any, message: str) -> None:
    """A problem as a notice, shown as plain text (never markup, control characters made visible)."""
    widget.notify(display_safe(message), severity="error", markup=False, timeout=6)


def notify_plain(widget: Any, message: str) -> None:
    widget.notify(display_safe(message), markup=False, timeout=3)


class ReaderScreen(Screen[None]):
    """A screen of the reader: it reaches the core through `session`, and re-reads the database when it
    changes (now when it is the screen in front, else when it comes back to the front)."""

    _stale = False
    _own_keys: tuple[dict[str, str], frozenset[str]] | None = None  # (the keymap, the keys bound here)

    @property
    def reader_app(self) -> ReaderApp:
        return cast("ReaderApp", self.app)

    @property
    def session(self) -> ReaderSession:
        return self.reader_app.session

    def notify_error(self, message: str) -> None:
        notify_error(self, message)

    def notify_plain(self, message: str) -> None:
        notify_plain(self, message)

    def binds_key(self, key: str) -> bool:
        """Whether this screen binds key itself (its BINDINGS and its bases', as the keymap remaps them):
        a focused widget steps aside for such a key (on the comparison screen, l links rather than moves).
        check_action asks on every key, so the keys are worked out again only when the keymap changed."""
        keymap = self.session.keymap
        if self._own_keys is None or self._own_keys[0] != keymap:
            bindings = BindingsMap(
                binding for screen_class in type(self).__mro__ for binding in vars(screen_class).get("BINDINGS", ())
            )
            bindings.apply_keymap(keymap)
            self._own_keys = (keymap, frozenset(k for k, found in bindings.key_to_bindings.items() if found))
        return key in self._own_keys[1]

    # --- reading again when the database changed -------------------------------------------------

    def reload(self) -> None:
        """Read again what the screen shows from the database (screens that show stored data override it)."""

    def on_database_changed(self, message: DatabaseChanged) -> None:
        """Another program's change is read at once on the screen in front; this session's own changes
        are already painted there (from ChangeSaved). A screen behind reads again when it comes back."""
        if not self.is_mounted:
            return
        if self.is_current and message.outside:
            self.reload()
        elif not self.is_current:
            self._stale = True

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.reload()

    # --- changes ---------------------------------------------------------------------------------

    def submit_change(self, change: Callable[[Store], T], done: Callable[[T], None] | None = None) -> None:
        """Run change(store) off the event loop (see the module docstring); done(result) on ChangeSaved."""
        self._await_change(self.session.submit(change), done)

    @work(group="changes")
    async def _await_change(self, future: Future[Written[T]], done: Callable[[T], None] | None) -> None:
        try:
            written = await asyncio.wrap_future(future)
        except ReaderError as error:
            self.post_message(ChangeFailed(str(error)))
            return
        self.post_message(ChangeSaved(written, done))

    def submit_undo(self, nothing: str, then: Callable[[], None], redo: bool = False) -> None:
        """Take back (or make again) this session's last change; say what it did or nothing, then() if it did."""

        def done(described: str | None) -> None:
            self.notify_plain(described or nothing)
            if described:
                then()

        self.submit_change(lambda store: store.redo() if redo else store.undo(), done)

    def on_change_saved(self, message: ChangeSaved) -> None:
        if message.written.waited:
            self.notify_plain("saved the change that was waiting")
        if message.done is not None and self.is_mounted:
            message.done(message.written.result)

    def on_change_failed(self, message: ChangeFailed) -> None:
        self.notify_error(message.reason)
