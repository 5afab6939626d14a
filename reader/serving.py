"""`reader serve` behind a secret: textual-serve answers anyone who can reach the port (any local user),
so the page and its websocket require a random token made at start and printed in the URL (as Jupyter
does), and requests from another site's pages (their Origin) are refused.
"""

from __future__ import annotations

import inspect
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

TOKEN_BYTES = 24
HIDDEN_TOKEN = "…"


class TokenRedactor(logging.Filter):
    """Hides the token in aiohttp's access log: each request line would otherwise repeat the secret
    (in the page's query, the websocket's path and the Referer) to whoever sees the terminal or its log."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, HIDDEN_TOKEN), None
        return True


class GuardedServer(Server):
    """textual-serve's Server, answering 403 to the page and the websocket without the token, and to any
    request whose Origin is not this server's own."""

    def __init__(self, *args: Any, token: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = token or secrets.token_urlsafe(TOKEN_BYTES)
        public = urlsplit(self.public_url)
        port = public.port or (443 if public.scheme == "https" else 80)
        hosts = {public.hostname or self.host, self.host}
        if hosts & {"127.0.0.1", "localhost", "::1"}:
            hosts |= {"127.0.0.1", "localhost", "[::1]"}
        self.allowed_origins = {f"{public.scheme}://{host}:{port}" for host in hosts}
        if port in (80, 443):
            self.allowed_origins |= {f"{public.scheme}://{host}" for host in hosts}
        self.websocket_path = f"/ws/{self.token}"
        self.loopback_only = self.host in ("127.0.0.1", "localhost", "::1")

    @property
    def url(self) -> str:
        """The address to open: the page with its token."""
        return f"{self.public_url}/?token={self.token}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.router.add_get(self.websocket_path, self.handle_websocket, name="guarded_websocket")
        app.middlewares.append(self._guard)
        return app

    def _origin_allowed(self, request: web.Request, origin: str) -> bool:
        """Our own address, or (bound beyond loopback) the same host and port the browser asked for,
        as Jupyter checks; a loopback server never answers to other host names (DNS rebinding)."""
        if origin in self.allowed_origins:
            return True
        if self.loopback_only:
            return False
        parts = urlsplit(origin)
        return parts.scheme in ("http", "https") and parts.netloc == request.host

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        origin = request.headers.get("Origin")
        if origin is not None and not self._origin_allowed(request, origin):
            raise web.HTTPForbidden(text="reader serve: requests from other sites are refused\n")
        if self.loopback_only and request.host.rsplit(":", 1)[0] not in ("127.0.0.1", "localhost", "[::1]"):
            raise web.HTTPForbidden(text="reader serve: answers only at 127.0.0.1 or localhost\n")
        if request.path.startswith("/static/"):
            return await handler(request)  # the page's scripts and fonts: nothing private
        if request.path == "/" and secrets.compare_digest(request.query.get("token", ""), self.token):
            return await handler(request)
        if request.path.startswith("/ws/") and secrets.compare_digest(request.path, self.websocket_path):
            return await handler(request)
        raise web.HTTPForbidden(text="reader serve: open the address printed when it started (it carries a token)\n")

    async def handle_index(self, request: web.Request) -> web.Response:
        """The page, with the websocket at the token's path (the browser adds ?width=...&height=...)."""
        context = await inspect.unwrap(Server.handle_index)(self, request)  # the handler under its @template
        address = f"{self.public_url}{self.websocket_path}"
        context["app_websocket_url"] = "wss" + address[5:] if address.startswith("https") else "ws" + address[4:]
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    def initialize_logging(self) -> None:
        """textual-serve's logging, with the token hidden from the access log."""
        super().initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(TokenRedactor(self.token))

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(f"Serving the reader on {self.url}", highlight=False, markup=False, soft_wrap=True)
        self.console.print(
            "Only this address (with its token) opens it. Press Ctrl+C to quit.", highlight=False, markup=False
        )
