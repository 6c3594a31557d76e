"""Who is calling: the customer's session (cookie or bearer) or the administrator."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from hashless.service.context import ServiceContext
from hashless.service.guard import RequestOrigin
from hashless.storage import CustomerRow
from hashless.storage.sessions import SessionInfo

__all__ = [
    "Admin",
    "Authenticated",
    "AuthenticatedCustomer",
    "Caller",
    "CallerWithCustomer",
    "Context",
    "OptionalCaller",
    "Origin",
    "client_ip",
    "context",
    "cookie_session_token",
    "set_session_cookie",
]


# The dependencies that do no I/O are ``async`` so that FastAPI runs them on the event
# loop: a sync dependency costs a worker-thread round trip on every request.


async def context(request: Request) -> ServiceContext:
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


async def _origin(request: Request) -> RequestOrigin:
    return origin_of(request)


Origin = Annotated[RequestOrigin, Depends(_origin)]


@dataclass(frozen=True)
class Authenticated:
    session: SessionInfo
    via_cookie: bool

    @property
    def customer_id(self) -> str:
        return self.session.customer_id


@dataclass(frozen=True)
class AuthenticatedCustomer(Authenticated):
    customer: CustomerRow


def cookie_session_token(request: Request, ctx: ServiceContext) -> str | None:
    """The session cookie's token, unless an explicit bearer token speaks for the request."""
    return None if _bearer(request) else request.cookies.get(ctx.cookie_name)


def _presented(request: Request, ctx: ServiceContext) -> tuple[str | None, bool]:
    """The session token the request presents, and whether it came as the cookie."""
    # An explicit bearer token speaks for the request; a cookie is only ambient.
    bearer = _bearer(request)
    return (bearer, False) if bearer else (request.cookies.get(ctx.cookie_name), True)


async def optional_caller(request: Request, ctx: Context) -> Authenticated | None:
    token, via_cookie = _presented(request, ctx)
    if not token:
        return None
    info = await run_in_threadpool(ctx.db.sessions.resolve, token)
    return Authenticated(info, via_cookie=via_cookie) if info else None


async def caller_with_customer(request: Request, ctx: Context) -> AuthenticatedCustomer:
    """The caller and their customer row: one query, one worker-thread trip."""
    token, via_cookie = _presented(request, ctx)
    found = await run_in_threadpool(ctx.db.sessions.resolve_with_customer, token) if token else None
    if found is None:
        raise HTTPException(401, "Unauthorized")
    info, customer = found
    return AuthenticatedCustomer(info, via_cookie=via_cookie, customer=customer)


async def caller(
    current: Annotated[Authenticated | None, Depends(optional_caller)],
) -> Authenticated:
    if current is None:
        raise HTTPException(401, "Unauthorized")
    return current


OptionalCaller = Annotated[Authenticated | None, Depends(optional_caller)]
Caller = Annotated[Authenticated, Depends(caller)]
CallerWithCustomer = Annotated[AuthenticatedCustomer, Depends(caller_with_customer)]


async def admin(request: Request, ctx: Context) -> None:
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
