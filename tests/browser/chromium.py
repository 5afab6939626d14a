"""Drive Debian's headless Chromium from tests: dump a page's DOM, take a screenshot, or talk to it over
the Chrome DevTools Protocol (through aiohttp's websocket client) to read what a script-driven page shows.

Tools that download a browser of their own cannot work offline; this uses the system `chromium`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
QUIET_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-default-apps", "--mute-audio",
               "--hide-scrollbars"]


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def dump_dom(chromium: str, url: str, profile: Path, timeout: float = 60) -> str:
    """The DOM after the page loaded, serialised (what the browser built, not the file's bytes)."""
    result = subprocess.run([chromium, *QUIET_FLAGS, f"--user-data-dir={profile}", "--dump-dom", url],
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(chromium: str, url: str, target: Path, profile: Path, size: str = "1280,900",
               timeout: float = 60) -> Path:
    result = subprocess.run([chromium, *QUIET_FLAGS, f"--user-data-dir={profile}", f"--screenshot={target}",
                             f"--window-size={size}", url], capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0 and target.is_file(), result.stderr[-2000:]
    return target


class DevTools:
    """One page of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, websocket) -> None:
        self.websocket = websocket
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        ident = self.next_id
        await self.websocket.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = await asyncio.wait_for(self.websocket.receive_json(), timeout=30)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    async def pump(self, seconds: float) -> None:
        """Collect events for a while (websocket frames, console messages)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(self.websocket.receive_json(), timeout=left)
            except asyncio.TimeoutError:
                return
            self.events.append(message)

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screenshot(self, target: Path) -> Path:
        result = await self.send("Page.captureScreenshot", format="png")
        target.write_bytes(base64.b64decode(result["data"]))
        return target

    def websocket_payloads(self) -> list[bytes]:
        """The bodies of every websocket frame the page received so far."""
        payloads = []
        for event in self.events:
            if event.get("method") == "Network.webSocketFrameReceived":
                response = event["params"]["response"]
                data = response["payloadData"]
                payloads.append(base64.b64decode(data) if response.get("opcode") == 2 else data.encode())
        return payloads


@contextlib.asynccontextmanager
async def devtools(chromium: str, profile: Path, size: tuple[int, int] = (1280, 900)) -> AsyncIterator[DevTools]:
    """Start Chromium with remote debugging on a free loopback port; yield its first page; stop it after."""
    import aiohttp

    port_file = profile / "DevToolsActivePort"
    port_file.unlink(missing_ok=True)  # a stale one from an earlier run names a dead port
    process = subprocess.Popen(
        [chromium, *QUIET_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", f"--window-size={size[0]},{size[1]}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("Chromium did not start its DevTools server")
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().split("\n")[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                targets = json.loads(await response.text())
            page = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as websocket:
                yield DevTools(websocket)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def image_summary(path: Path) -> tuple[int, float, set[tuple[int, int, int]]]:
    """(distinct colours, fraction of pixels that are not near-white, the set of colours) of a PNG."""
    from PIL import Image

    with Image.open(path) as image:
        data = image.convert("RGB").tobytes()
    pixels = [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]
    colours = set(pixels)
    not_white = sum(1 for r, g, b in pixels if min(r, g, b) < 235)
    return len(colours), not_white / len(pixels), colours
