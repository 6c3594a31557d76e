"""Every request that is not hashless' own, passed to the Medusa v1 server behind it.

The storefront talks to one origin: hashless answers the credential routes and hands
everything else to Medusa as it came (method, path, query string, headers, streamed
body) and the answer back as Medusa gave it (status, headers, cookies, streamed
body). What changes on the way is who the request speaks for:

- a live hashless session (the session cookie, or a bearer token that is one),
  checked on every request (:mod:`hashless.platforms.medusa_v1.sessions`), goes to
  Medusa as a one-minute Medusa JWT for that customer minted at most 30 s before
  (:mod:`hashless.platforms.medusa_v1.tokens`), so carts and orders belong to the
  customer, and ending the session ends Medusa's access with the next request;
- nothing Medusa would accept on its own is passed: no ``Authorization`` but the
  minted one (a 30-day JWT Medusa issued, or any token that is no live hashless
  session), no ``x-medusa-access-token``, no ``connect.sid`` session cookie, and
  none of hashless' own cookies and headers (session, admin, known device): Medusa
  has no use for them, and a log there should not hold them. Medusa's
  ``connect.sid`` is not handed to the browser either: it could never come back;
- CORS is hashless' (``HASHLESS_STORE_CORS``, :mod:`hashless.service.browser`), so
  Medusa's ``Access-Control-*`` headers are dropped rather than doubled.

``AUTH_REQUEST_PATH`` answers the same question for a proxy in front of both.

This is a raw ASGI app over one pooled aiohttp client per process: no request
parsing, no dependency injection, and no database read but the session's, when the
request carries a session token the worker does not remember as live. aiohttp, not
httpx: its C response parser and a pool that keeps no per-request bookkeeping on idle
connections (httpcore polls every idle socket on each request) cost about a tenth of
the CPU per forwarded request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Collection

import aiohttp
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send
from yarl import URL

from hashless.platforms.medusa_v1.sessions import CustomerForToken
from hashless.platforms.medusa_v1.tokens import StoreTokens

__all__ = ["AUTH_REQUEST_HEADER", "AUTH_REQUEST_PATH", "MEDUSA_SESSION_COOKIE", "MedusaPassThrough"]

log = logging.getLogger("hashless.medusa")

MEDUSA_SESSION_COOKIE = "connect.sid"
"""express-session's cookie: Medusa's ``store-session`` strategy honours it."""

_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
"""RFC 9110 section 7.6.1: headers about one connection, never forwarded."""
_NOT_FORWARDED = _HOP_BY_HOP | {b"host", b"authorization", b"x-medusa-access-token", b"cookie"}
_NOT_RETURNED = _HOP_BY_HOP | {b"set-cookie"}

AUTH_REQUEST_PATH = "/hashless/medusa-auth"
"""For a reverse proxy that sends only the credential routes to hashless: nginx's
``auth_request`` asks here, with the original request's headers, for the Medusa
credential to put on a request it sends to Medusa itself. The answer is always 204,
with ``X-Medusa-Authorization: Bearer <JWT>`` when the request holds a live hashless
session; the origin check applies, so a forged cookie-authenticated change is 403."""
AUTH_REQUEST_HEADER = b"x-medusa-authorization"

_CHUNK = 16 * 1024

_NOT_ADDED = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")
"""Headers aiohttp would add to a request that has none: Medusa gets the client's."""
_KEEP_IDLE_SECONDS = 4.0
"""Under Node's 5 s ``keepAliveTimeout``: a connection Medusa is about to close is not
reused (aiohttp retries an idempotent request once on a closed one; a POST it cannot)."""


class MedusaPassThrough:
    """An ASGI app that forwards each request to ``medusa_url``."""

    def __init__(
        self,
        medusa_url: str,
        jwt_secret: str,
        customer_for: CustomerForToken,
        *,
        session_cookie: str,
        own_cookies: Collection[str] = (),
        own_headers: Collection[str] = (),
        connections: int = 64,
        timeout: aiohttp.ClientTimeout | None = None,
    ) -> None:
        self._base = medusa_url.rstrip("/")
        self._tokens = StoreTokens(jwt_secret)
        self._customer_for = customer_for
        self._session_cookie = session_cookie
        self._dropped_cookies = frozenset({session_cookie, MEDUSA_SESSION_COOKIE, *own_cookies})
        self._not_forwarded = _NOT_FORWARDED | {name.lower().encode() for name in own_headers}
        self._connections = connections
        # A connection comes up in milliseconds on a healthy backend (``connect`` also
        # covers the wait for a free one); a read may wait on a slow payment provider
        # during checkout.
        self._timeout = timeout or aiohttp.ClientTimeout(
            connect=10.0, sock_connect=5.0, sock_read=60.0
        )
        self._client: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        """The pooled client, made on the event loop that serves (aiohttp binds it there)."""
        if self._client is None:
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._connections, keepalive_timeout=_KEEP_IDLE_SECONDS
                ),
                # Forwarding only: no cookie jar, no decompression, no redirects
                # followed, no proxy from the environment, no headers of its own.
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                skip_auto_headers=_NOT_ADDED,
                timeout=self._timeout,
                trust_env=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers, token = self._forwarded_headers(scope["headers"])
        authorization = await self._authorization(token)
        if scope["path"] == AUTH_REQUEST_PATH:
            await _answer_auth_request(authorization, send)
            return
        if authorization is not None:
            headers.append((b"authorization", authorization))
        target = self._base + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")
        try:
            response = await self._http().request(
                scope["method"],
                URL(target, encoded=True),  # as the client spelled it, not re-quoted
                headers=[(_text(name), _text(value)) for name, value in headers],
                data=await _body(receive) or None,
                allow_redirects=False,
            )
        except TimeoutError:
            log.warning("Medusa did not answer %s %s in time", scope["method"], scope["path"])
            await _unavailable(504, "The store backend did not answer in time", scope, send)
            return
        except aiohttp.ClientError as exc:
            log.warning("Medusa unreachable for %s %s: %s", scope["method"], scope["path"], exc)
            await _unavailable(502, "The store backend is unreachable", scope, send)
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": self._returned_headers(response.raw_headers),
                }
            )
            # Medusa writes a JSON answer in several small pieces; one send per 16 KB
            # (the last with the end), saves a system call each, and still streams a
            # big body.
            pending = b""
            async for piece in response.content.iter_any():
                pending += piece
                if len(pending) >= _CHUNK:
                    await send({"type": "http.response.body", "body": pending, "more_body": True})
                    pending = b""
            await send({"type": "http.response.body", "body": pending, "more_body": False})
        finally:
            response.release()

    async def _authorization(self, token: str | None) -> bytes | None:
        """``Bearer <minted JWT>`` for the live session ``token`` opens, else None."""
        if token is None:
            return None
        customer_id = await self._customer_for(token)
        if customer_id is None:
            return None
        return b"Bearer " + self._tokens.for_customer(customer_id).encode()

    def _forwarded_headers(
        self, raw: list[tuple[bytes, bytes]]
    ) -> tuple[list[tuple[bytes, bytes]], str | None]:
        """The request's headers as Medusa gets them, and the session token presented."""
        connection_named = {
            name.strip().lower().encode()
            for value in (v for k, v in raw if k == b"connection")
            for name in value.decode("latin-1").split(",")
        }
        kept: list[tuple[bytes, bytes]] = []
        bearer: str | None = None
        cookie_token: str | None = None
        cookies: list[str] = []
        for name, value in raw:
            if name == b"authorization":
                scheme, _, credentials = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credentials.strip():
                    bearer = credentials.strip()
            elif name == b"cookie":
                for pair in value.decode("latin-1").split(";"):
                    key, _, cookie_value = pair.strip().partition("=")
                    if key == self._session_cookie:
                        cookie_token = cookie_value
                    elif key and key not in self._dropped_cookies:
                        cookies.append(pair.strip())
            elif name not in self._not_forwarded and name not in connection_named:
                kept.append((name, value))
        if cookies:
            kept.append((b"cookie", "; ".join(cookies).encode("latin-1")))
        # As on hashless' own routes: an explicit bearer token speaks for the request.
        return kept, bearer or cookie_token or None

    def _returned_headers(self, raw: tuple[tuple[bytes, bytes], ...]) -> list[tuple[bytes, bytes]]:
        kept = []
        for name, value in raw:
            lower = name.lower()
            if lower.startswith(b"access-control-"):
                continue
            if lower in _NOT_RETURNED:
                if lower == b"set-cookie" and not value.startswith(b"connect.sid="):
                    kept.append((lower, value))
                continue
            kept.append((lower, value))
        return kept


async def _body(receive: Receive) -> bytes | AsyncIterator[bytes]:
    """The request body: read at once when it came in one message (most store requests),
    else streamed to Medusa as it arrives.

    With the client's Content-Length among the headers aiohttp sends that length;
    without it, chunked, as the client did.
    """
    first = await receive()
    chunk: bytes = first.get("body", b"")
    if first["type"] != "http.request" or not first.get("more_body", False):
        return chunk

    async def rest() -> AsyncIterator[bytes]:
        if chunk:
            yield chunk
        while True:
            message: Message = await receive()
            if message["type"] != "http.request":
                raise ClientGone
            if message.get("body"):
                yield message["body"]
            if not message.get("more_body", False):
                return

    return rest()


def _text(raw: bytes) -> str:
    """A header as aiohttp takes it (it writes them UTF-8 encoded): the bytes the client
    sent whenever they are UTF-8, as nearly every header is; else read as Latin-1."""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("latin-1")


async def _answer_auth_request(authorization: bytes | None, send: Send) -> None:
    """204, with the Medusa credential for the request's session, if it has one."""
    headers = [(b"cache-control", b"no-store"), (b"vary", b"cookie, authorization")]
    if authorization is not None:
        headers.append((AUTH_REQUEST_HEADER, authorization))
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


class ClientGone(Exception):
    """The client went away before its request body was complete."""


async def _unavailable(status: int, message: str, scope: Scope, send: Send) -> None:
    response = JSONResponse({"type": "unknown_error", "message": message}, status_code=status)
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
