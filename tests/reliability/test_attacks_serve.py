"""Issue 14.15: `reader serve` answers only whoever has the token it printed, and only from its own
origin: another local user (or another site's page in the user's browser) gets 403 for the page and
the websocket."""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import aiohttp
import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(tmp_path, corpus_dir):
    """(base URL, printed URL with its token, the process) of a running `reader serve`."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reader",
            "--db",
            str(tmp_path / "served.db"),
            "--corpus",
            str(corpus_dir),
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=str(tmp_path),
        env=dict(os.environ, COLUMNS="200"),
    )
    said, deadline, url = b"", time.monotonic() + 30, None
    try:
        while url is None and time.monotonic() < deadline and process.poll() is None:
            ready, _, _ = select.select([process.stdout], [], [], 0.5)
            if ready:
                said += os.read(process.stdout.fileno(), 4096)
                found = re.search(rb"http://\S+\?token=[\w-]+", said)
                url = found.group().decode() if found else None
        assert url, said.decode(errors="replace")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", url, process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def served(tmp_path, corpus_dir):
    """(base URL, printed URL with its token) of a running `reader serve`."""
    with serving(tmp_path, corpus_dir) as (base, url, _process):
        yield base, url


def token_of(url: str) -> str:
    return urlsplit(url).query.split("token=", 1)[1]


async def status(url: str, headers: dict[str, str] | None = None) -> int:
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers or {}, allow_redirects=False) as response:
            return response.status


async def test_the_page_needs_the_printed_token(served):
    base, url = served
    assert len(token_of(url)) >= 24
    assert await status(f"{base}/") == 403
    assert await status(f"{base}/?token=wrong") == 403
    assert await status(url) == 200


async def test_the_page_refuses_another_sites_origin(served):
    base, url = served
    assert await status(url, {"Origin": "http://evil.example"}) == 403
    assert await status(url, {"Origin": base}) == 200


async def websocket_status(url: str, origin: str) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers={"Origin": origin}) as websocket:
                await websocket.close()
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def test_the_websocket_needs_the_token_and_our_origin(served):
    base, url = served
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            page = await response.text()
    address = re.search(r'data-session-websocket-url="([^"]+)"', page).group(1)
    assert token_of(url) in address
    plain = "ws" + base[4:]
    assert await websocket_status(f"{plain}/ws?width=80&height=24", base) == 403
    assert await websocket_status(f"{plain}/ws/not-the-token?width=80&height=24", base) == 403
    assert await websocket_status(f"{address}?width=80&height=24", "http://evil.example") == 403
    assert await websocket_status(f"{address}?width=80&height=24", base) == 101


async def test_a_loopback_server_refuses_other_host_names(served):
    """DNS rebinding: a page at evil.example whose name now points at 127.0.0.1."""
    base, url = served
    port = urlsplit(base).port
    assert await status(url, {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}) == 403
    assert await status(url, {"Host": f"localhost:{port}"}) == 200


async def test_the_access_log_never_prints_the_token(tmp_path, corpus_dir):
    """The printed address is the secret: the access log of each request must not repeat it (a shared
    terminal, a screen recording or a redirected log would hand it to anyone)."""
    with serving(tmp_path, corpus_dir) as (base, url, process):
        token = token_of(url)
        assert await status(url) == 200
        assert await status(f"{base}/?token=wrong") == 403
        os.killpg(process.pid, signal.SIGTERM)
        logged = process.stdout.read().decode(errors="replace")
    assert "GET /" in logged  # the requests were logged...
    assert token not in logged  # ...without the token
