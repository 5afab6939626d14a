"""`reader serve`: the real command on a free loopback port, opened in headless Chromium, shows the
sources list; and its argument errors."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chromium import devtools, image_summary

ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"reader serve exited early: {process.stdout.read()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"reader serve did not listen on port {port} within {seconds} s")


def printed_url(process: subprocess.Popen, seconds: float = 30) -> str:
    """The address `reader serve` printed, with its token (the only one that opens the page)."""
    said, deadline = "", time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        said += line
        found = re.search(r"http://\S+\?token=[\w-]+", said)
        if found:
            return found.group()
    raise AssertionError(f"reader serve printed no URL with a token: {said[-2000:]}")


def terminal_text(payloads: list[bytes]) -> str:
    """What the app wrote to the browser's terminal, with escape sequences removed."""
    data = b"".join(payload for payload in payloads if isinstance(payload, bytes))
    return ANSI.sub("", data.decode("utf-8", errors="replace"))


@pytest.fixture
def served(tmp_path, corpus_dir):
    port = free_port()
    database = tmp_path / "served.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "reader", "--db", str(database), "--corpus", str(corpus_dir), "serve",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        env=dict(os.environ, COLUMNS="120"))
    try:
        wait_for_port(port, process)
        yield port, printed_url(process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and the reader processes it started
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def test_serve_shows_the_sources_list_in_a_browser(chromium, profile, served, tmp_path):
    async with devtools(chromium, profile, size=(1400, 900)) as page:
        await page.send("Network.enable")
        await page.send("Page.enable")
        _, url = served
        await page.send("Page.navigate", url=url)
        text = ""
        for _ in range(40):  # the reader starts in its own process: allow it up to ~20 s
            await page.pump(0.5)
            text = terminal_text(page.websocket_payloads())
            if "Microsoft s GenAI VP" in text and "AI researcher switches" in text:
                break
        assert "Microsoft s GenAI VP" in text and "AI researcher switches" in text, text[-3000:]
        assert "Title" in text and "Outlet" in text  # the sources table's header
        assert await page.evaluate("document.body.classList.contains('-first-byte')")  # the page drew it
        assert await page.evaluate("document.querySelectorAll('.xterm-screen canvas').length") > 0
        await page.pump(1.0)
        shot = await page.screenshot(tmp_path / "serve.png")
    colours, _, _ = image_summary(shot)
    assert colours > 20


def test_serve_refuses_a_port_in_use(run_cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("args", [("--port", "0"), ("--port", "70000"), ("--port", "http")])
def test_serve_rejects_bad_ports(run_cli, args):
    result = run_cli("serve", *args)
    assert result.exit_code == 2 and "--port" in result.output


def test_serve_needs_an_existing_corpus(run_cli, tmp_path):
    result = run_cli("serve", corpus=tmp_path / "missing")
    assert result.exit_code == 1 and "corpus path not found" in result.output
