"""The end-to-end tests' terminal: one detached 160x48 tmux session on a private server socket."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest


class Tmux:
    """A tmux session running one command; the pane stays after the command exits, so its last screen
    (and `READER-EXITED-<code>`) can still be read."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = str(tmp_path / "tmux.sock")
        self.name = f"reader-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, timeout=20).stdout

    def start(self, command: str, env: dict[str, str], size: tuple[int, int] = (160, 48)) -> None:
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        self.run("new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), "-s", self.name,
                 f"env {exports} {command}; echo READER-EXITED-$?; sleep 30")

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.name)

    def title(self) -> str:
        return self.run("display-message", "-p", "-t", self.name, "#{pane_title}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.run("send-keys", "-t", self.name, key)
            time.sleep(0.15)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{self.screen()}")

    def close(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux(tmp_path):
    session = Tmux(tmp_path)
    yield session
    session.close()
