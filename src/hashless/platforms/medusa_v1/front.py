"""One origin for the storefront: hashless' routes first, Medusa for everything else."""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import Message, Receive, Scope, Send

from hashless.errors import ConfigurationError
from hashless.platforms.medusa_v1.passthrough import AUTH_REQUEST_PATH, MedusaPassThrough
from hashless.platforms.medusa_v1.sessions import SessionCheck
from hashless.service.app import MAX_BODY_BYTES
from hashless.service.auth import DEVICE_HEADER
from hashless.service.browser import BrowserRules
from hashless.service.context import ServiceContext

__all__ = ["MedusaFront", "medusa_front"]


class MedusaFront:
    """An ASGI app: a request one of ``app``'s routes takes in full (path and method)
    goes to ``app``; every other request goes to Medusa.

    A path hashless serves for other methods only (``GET /store/customers/me`` in
    medusa-v1 mode) is Medusa's, so the dispatch is by full match. A profile update
    (``POST /store/customers/me``) is hashless' when it changes the password or email,
    Medusa's otherwise (addresses, names, metadata: Medusa writes its own rows). Passed
    requests skip FastAPI and its middleware; they get the same browser rules (CORS,
    origin check) as hashless' own routes, from a second instance of that middleware.
    """

    def __init__(
        self,
        app: FastAPI,
        passthrough: MedusaPassThrough,
        rules: BrowserRules,
        sessions: SessionCheck,
    ) -> None:
        self.app = app
        self.passthrough = passthrough
        self._sessions = sessions
        self._passed = rules
        self._routes = app.router.routes
        self._decided: dict[tuple[str, str, str], bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == AUTH_REQUEST_PATH:
            await self._passed(_as_original_request(scope), receive, send)
        elif scope["type"] == "http" and (scope["method"], scope["path"]) == _PROFILE_UPDATE:
            body = await _whole_body(receive)
            target = self.app if body is None or _changes_credentials(body) else self._passed
            await target(scope, _replay(body or b""), send)
        elif scope["type"] == "http" and not self._ours(scope):
            await self._passed(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.app(scope, receive, self._closing(send))
        else:
            await self.app(scope, receive, send)

    def _ours(self, scope: Scope) -> bool:
        """Whether one of ``app``'s routes takes the request, decided once per method
        and path: asking FastAPI's router costs 40-130 µs, a passed request's largest
        share after the database read. hashless' routes match by method and path
        alone (no host routes), so the decision is the same for every request with
        the key. The store's paths name carts and orders without end: a full table
        starts again."""
        key = (scope["method"], scope.get("root_path", ""), scope["path"])
        ours = self._decided.get(key)
        if ours is None:
            ours = any(route.matches(scope)[0] is Match.FULL for route in self._routes)
            if len(self._decided) >= _DECISIONS:
                self._decided.clear()
            self._decided[key] = ours
        return ours

    def _closing(self, send: Send) -> Send:
        """``send`` that closes the pass-through's connections (to Medusa, to the
        database) as the app shuts down."""

        async def closing_send(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.passthrough.aclose()
                await self._sessions.aclose()
            await send(message)

        return closing_send


_PROFILE_UPDATE = ("POST", "/store/customers/me")
_DECISIONS = 4096
_METHODS = frozenset({b"GET", b"HEAD", b"OPTIONS", b"POST", b"PUT", b"PATCH", b"DELETE"})


def _as_original_request(scope: Scope) -> Scope:
    """An ``auth_request`` subrequest as the request it asks for: nginx sends every
    subrequest as GET, so the original method comes in ``X-Original-Method`` (see the
    README's snippet), and the origin check judges a change as a change."""
    for name, value in scope["headers"]:
        if name == b"x-original-method" and value.upper() in _METHODS:
            return {**scope, "method": value.upper().decode()}
    return scope


async def _whole_body(receive: Receive) -> bytes | None:
    """The request body, or None past hashless' body limit (hashless then answers 413)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _changes_credentials(body: bytes) -> bool:
    """Whether a profile update is hashless': a ``password`` or ``email`` in it (Cognito
    holds both), or a body that is no JSON object, so that Medusa never sees a password
    it could hash, however the body is spelled."""
    try:
        update = json.loads(body)
    except ValueError:
        return True
    return not isinstance(update, dict) or "password" in update or "email" in update


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def medusa_front(app: FastAPI, context: ServiceContext) -> MedusaFront:
    """``app`` (hashless' routes over ``context``) in front of the host's Medusa server."""
    host = context.host
    if host.medusa_url is None or host.medusa_jwt_secret is None:
        raise ConfigurationError(
            "HASHLESS_MEDUSA_URL and HASHLESS_MEDUSA_JWT_SECRET are needed in front of Medusa"
        )
    own_cookies = (context.cookie_name, context.admin_cookie_name, context.device_cookie_name)
    logins = context.loop_logins
    sessions = SessionCheck(context.db, also_ending=(logins.db,) if logins is not None else ())
    passthrough = MedusaPassThrough(
        host.medusa_url,
        host.medusa_jwt_secret.get_secret_value(),
        sessions,
        session_cookie=context.cookie_name,
        own_cookies=own_cookies,
        own_headers=(DEVICE_HEADER,),
        connections=context.concurrency,
    )
    rules = BrowserRules(passthrough, context.store_cors, own_cookies)
    return MedusaFront(app, passthrough, rules, sessions)
