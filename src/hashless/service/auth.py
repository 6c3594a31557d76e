"""Who is calling: the customer's session (cookie or bearer) or the administrator."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response

from hashless.service.context import ServiceContext
from hashless.service.guard import RequestOrigin
from hashless.storage.sessions import SessionInfo

__all__ = [
    "Admin",
    "Authenticated",
    "Caller",
    "Context",
    "OptionalCaller",
    "Origin",
    "client_ip",
    "context",
    "set_session_cookie",
]


def context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.context
    return ctx


Context = Annotated[ServiceContext, Depends(context)]


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def origin_of(request: Request) -> RequestOrigin:
    return RequestOrigin(
        ip=client_ip(request), request_id=getattr(request.state, "request_id", None)
    )


Origin = Annotated[RequestOrigin, Depends(origin_of)]


@dataclass(frozen=True)
class Authenticated:
    session: SessionInfo
    via_cookie: bool

    @property
    def customer_id(self) -> str:
        return self.session.customer_id


def optional_caller(request: Request, ctx: Context) -> Authenticated | None:
    # An explicit bearer token speaks for the request; a cookie is only ambient.
    token = _bearer(request)
    via_cookie = token is None
    if via_cookie:
        token = request.cookies.get(ctx.cookie_name)
    info = ctx.db.sessions.resolve(token) if token else None
    return Authenticated(info, via_cookie=via_cookie) if info else None


def caller(current: Annotated[Authenticated | None, Depends(optional_caller)]) -> Authenticated:
    if current is None:
        raise HTTPException(401, "Unauthorized")
    return current


OptionalCaller = Annotated[Authenticated | None, Depends(optional_caller)]
Caller = Annotated[Authenticated, Depends(caller)]


def admin(request: Request, ctx: Context) -> None:
    if ctx.admin_token is None:
        raise HTTPException(401, "The admin API is off: set HASHLESS_ADMIN_TOKEN to use it")
    given = request.headers.get("x-medusa-access-token") or _bearer(request) or ""
    if not hmac.compare_digest(given.encode(), ctx.admin_token.encode()):
        raise HTTPException(401, "Unauthorized")


Admin = Depends(admin)


def set_session_cookie(response: Response, ctx: ServiceContext, token: str) -> None:
    response.set_cookie(
        ctx.cookie_name,
        token,
        max_age=int(ctx.db.sessions.absolute.total_seconds()),
        path="/",
        secure=ctx.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, ctx: ServiceContext) -> None:
    response.delete_cookie(
        ctx.cookie_name, path="/", secure=ctx.cookie_secure, httponly=True, samesite="lax"
    )
