"""The request guards in front of every route: the host and origin checks, the page's headers,
and the request body read under a size limit and a timeout.

:class:`Guard` is ASGI middleware, so a refused request never reaches the app; ``limited_receive``
wraps one request's ``receive`` for the upload route (translations.py), which answers its
exceptions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# No byte of the page comes from anywhere but this server; the Swagger UI page needs its inline
# bootstrap script, still with nothing from outside. (No ReDoc page: its bundle fetches its own
# logo from a CDN.)
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs",)


class BodyTooLarge(Exception):
    pass


class BodyStalled(Exception):
    pass


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def limited_receive(receive: Receive, limit: int, timeout: float) -> Receive:
    """``receive`` that raises BodyTooLarge once the request body passes ``limit`` bytes, so a
    client without (or lying about) Content-Length cannot fill the disk, and BodyStalled when
    ``timeout`` seconds pass without a byte (a Content-Length larger than what is sent would
    otherwise hold a place in line for ever)."""
    seen = 0

    async def inner() -> Message:
        nonlocal seen
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except asyncio.TimeoutError:
            raise BodyStalled from None
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return inner


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _origin(url: str) -> str:
    """``scheme://host:port`` of a URL or an Origin header, lower case, the port always given
    (``http://LOCALHOST`` -> ``http://localhost:80``); "" for anything else (``null``)."""
    parts = urlsplit(url.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


class Guard:
    """ASGI middleware: answers only requests addressed to an allowed host name (a page on
    another site cannot reach a loopback server by DNS rebinding), refuses a POST that a page of
    another origin sent (a browser says so in ``Origin``, or ``Sec-Fetch-Site``: any page the
    user visits could otherwise post uploads to a local server) unless that origin is allowed,
    and adds the CSP and no-sniff headers to every response."""

    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: list[str] | None,
        allowed_origins: list[str] | None = None,
    ) -> None:
        self.app = app
        self.allowed = None if allowed_hosts is None else {h.lower() for h in allowed_hosts}
        self.origins = {_origin(o) for o in allowed_origins or ()} - {""}

    def _cross_origin(self, scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        """The foreign origin a state-changing request came from, None if it may go on."""
        if scope["method"] in SAFE_METHODS:
            return None
        origin = headers.get(b"origin")
        if origin is None:  # not a browser (curl, a script), or one that says where it was
            site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
            return "another site" if site in ("cross-site", "same-site") else None
        text = origin.decode("latin-1")
        scheme = "https" if scope.get("scheme") == "https" else "http"
        own = _origin(f"{scheme}://{headers.get(b'host', b'').decode('latin-1')}")
        mine = _origin(text)
        if mine and (mine == own or mine in self.origins):
            return None
        return text or "an empty origin"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.allowed is not None:
            host = urlsplit("//" + headers.get(b"host", b"").decode("latin-1")).hostname or ""
            if host.lower() not in self.allowed:
                body = error(400, f"this server does not answer to host {host!r}")
                await body(scope, receive, send)
                return
        foreign = self._cross_origin(scope, headers)
        if foreign is not None:
            body = error(
                403,
                f"refused: a page of {foreign} may not post to this server (start it with "
                "--allow-origin ORIGIN to allow one)",
            )
            await body(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith(DOCS_PATHS) else PAGE_CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
