"""Browser tests need Debian's `chromium`: installed here when missing and we are root, else skipped
with the reason. CI installs it in .ci/run."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from chromium import find_chromium  # noqa: E402


# Debian's browser, and fonts so screenshots show text (also what .ci/run installs).
CHROMIUM_PACKAGES = ("chromium", "fonts-liberation")


def _install_chromium() -> str:
    """apt-get install chromium and fonts (after apt-get update); returns why it failed, or "" on success."""
    if os.geteuid() != 0:
        return "chromium is not installed and the tests are not running as root to install it"
    environment = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", *CHROMIUM_PACKAGES]
    for command in (["apt-get", "update"], install):
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=900)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"`{' '.join(command)}` failed: {error}"
        if result.returncode != 0:
            last_line = (result.stderr.strip().splitlines() or ["no message"])[-1]
            return f"`{' '.join(command)}` failed: {last_line}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium, installing Debian's package if needed."""
    found = find_chromium()
    if found is None:
        # pytest-xdist runs this once per worker: one installs while the others wait for it.
        with open(Path(tempfile.gettempdir()) / "reader-chromium-install.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            found = find_chromium()
            reason = "" if found else _install_chromium()
        found = found or find_chromium()
        if found is None:
            pytest.skip(f"no Chromium for browser tests: {reason or 'apt-get installed nothing'}")
    return found


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    """A throwaway Chromium profile folder, so runs never share state."""
    folder = tmp_path / "chromium-profile"
    folder.mkdir()
    return folder
