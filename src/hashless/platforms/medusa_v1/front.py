"""One origin for the storefront: hashless' routes first, Medusa for everything else."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.routing import Match
from starlette.types import Message, Receive, Scope, Send

from hashless.platforms.medusa_v1.passthrough import MedusaPassThrough
from hashless.service.browser import BrowserRules
from hashless.service.context import ServiceContext

__all__ = ["MedusaFront", "medusa_front"]


class MedusaFront:
    """An ASGI app: a request one of ``app``'s routes takes in full (path and method)
    goes to ``app``; every other request goes to Medusa.

    A path hashless serves for other methods only (``GET /store/customers/me`` beside
    hashless' ``POST``) is Medusa's, so the dispatch is by full match. Passed requests
    skip FastAPI and its middleware; they get the same browser rules (CORS, origin
    check) as hashless' own routes, from a second instance of the same middleware.
    """

    def __init__(self, app: FastAPI, passthrough: MedusaPassThrough, rules: BrowserRules) -> None:
        self.app = app
        self.passthrough = passthrough
        self._passed = rules
        self._routes = app.router.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._ours(scope):
            await self._passed(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.app(scope, receive, self._closing(send))
        else:
            await self.app(scope, receive, send)

    def _ours(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is Match.FULL for route in self._routes)

    def _closing(self, send: Send) -> Send:
        """``send`` that closes the pass-through's connections as the app shuts down."""

        async def closing_send(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.passthrough.aclose()
            await send(message)

        return closing_send


def medusa_front(
    app: FastAPI,
    context: ServiceContext,
    *,
    medusa_url: str,
    jwt_secret: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> MedusaFront:
    """``app`` (hashless' routes over ``context``) in front of the Medusa at ``medusa_url``;
    tests pass a ``transport`` standing in for Medusa."""

    def customer_for(token: str) -> str | None:
        session = context.db.sessions.resolve(token)
        return session.customer_id if session is not None else None

    own_cookies = (context.cookie_name, context.admin_cookie_name)
    passthrough = MedusaPassThrough(
        medusa_url,
        jwt_secret,
        customer_for,
        session_cookie=context.cookie_name,
        own_cookies=own_cookies,
        connections=context.concurrency,
        transport=transport,
    )
    rules = BrowserRules(passthrough, context.store_cors, own_cookies)
    return MedusaFront(app, passthrough, rules)
