"""Who is calling: the customer's session (cookie or bearer) or the administrator."""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from hashless.errors import TooManyAttempts
from hashless.service.context import ServiceContext
from hashless.service.logins import RequestOrigin
from hashless.storage import CustomerRow, ThrottleRule
from hashless.storage.devices import DEVICE_LIFETIME
from hashless.storage.sessions import SessionInfo

__all__ = [
    "ADMIN_TOKEN_RULE",
    "Admin",
    "Authenticated",
    "AuthenticatedCustomer",
    "Caller",
    "CallerWithCustomer",
    "Context",
    "OptionalCaller",
    "Origin",
    "check_admin_token",
    "client_ip",
    "context",
    "cookie_session_token",
    "presented_device",
    "remember_device",
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


ADMIN_TOKEN_RULE = ThrottleRule(free=10, ceiling=timedelta(minutes=15))
"""Per client address, for the admin API and the dashboard's form alike: a typo or two
is free, guessing the token is not."""


def check_admin_token(
    ctx: ServiceContext, given: str, origin: RequestOrigin, *, audit_success: bool
) -> int | None:
    """None if ``given`` is the admin token, else seconds to wait (0: try again now).

    Failures count per client address; while the address waits, not even the right
    token is compared, so the wait is no oracle.
    """
    assert ctx.admin_token is not None
    rules = {f"admin:{origin.ip}": ADMIN_TOKEN_RULE} if origin.ip else {}
    wait = ctx.db.throttle.wait_for(rules)
    if wait > timedelta(0):
        ctx.guard.audit("admin.login", "refused", None, origin, actor="admin")
        return max(1, round(wait.total_seconds()))
    if hmac.compare_digest(given.encode(), ctx.admin_token.encode()):
        if audit_success:
            ctx.guard.audit("admin.login", "success", None, origin, actor="admin")
        return None
    ctx.db.throttle.record_failure(rules)
    ctx.guard.audit("admin.login", "failure", None, origin, actor="admin")
    return 0


async def admin(request: Request, ctx: Context) -> None:
    """The admin API's token check, limited per address like the dashboard's form."""
    if ctx.admin_token is None:
        raise HTTPException(401, "The admin API is off: set HASHLESS_ADMIN_TOKEN to use it")
    given = request.headers.get("x-medusa-access-token") or _bearer(request) or ""
    wait = await run_in_threadpool(
        check_admin_token, ctx, given, origin_of(request), audit_success=False
    )
    if wait:
        raise TooManyAttempts(wait)
    if wait is not None:
        raise HTTPException(401, "Unauthorized")


Admin = Depends(admin)


def set_session_cookie(response: Response, ctx: ServiceContext, token: str) -> None:
    _set_cookie(
        response, ctx.cookie_name, token, int(ctx.db.sessions.absolute.total_seconds()), ctx
    )


_PLACEHOLDER = "hashless-cookie-value"
_VERBATIM = re.compile(r"[A-Za-z0-9_-]+")
"""Values a ``Set-Cookie`` header carries unquoted: hashless' own tokens (URL-safe)."""


@cache
def _cookie_template(name: str, max_age: int, secure: bool) -> str:
    """Starlette's ``Set-Cookie`` header for ``name`` with a placeholder value, built once:
    ``http.cookies`` costs more per login than the rest of the answer."""
    probe = Response()
    _starlette_cookie(probe, name, _PLACEHOLDER, max_age, secure)
    return probe.headers["set-cookie"]


def _starlette_cookie(
    response: Response, name: str, value: str, max_age: int, secure: bool
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax"
    )


def _set_cookie(
    response: Response, name: str, value: str, max_age: int, ctx: ServiceContext
) -> None:
    """A long-lived ``HttpOnly``, ``SameSite=Lax`` cookie for the whole site."""
    if not _VERBATIM.fullmatch(value):
        _starlette_cookie(response, name, value, max_age, ctx.cookie_secure)
        return
    header = _cookie_template(name, max_age, ctx.cookie_secure).replace(_PLACEHOLDER, value)
    response.raw_headers.append((b"set-cookie", header.encode("latin-1")))


DEVICE_HEADER = "x-hashless-device"
"""Apps without a cookie jar send their known-device token in this header."""


def presented_device(request: Request, ctx: ServiceContext) -> str | None:
    """The known-device token the client holds, from its cookie or header."""
    return request.headers.get(DEVICE_HEADER) or request.cookies.get(ctx.device_cookie_name)


def remember_device(
    response: Response, ctx: ServiceContext, token: str, *, header: bool = False
) -> None:
    """Hand the device its token as a long-lived cookie, and to apps as a header."""
    if header:
        response.headers[DEVICE_HEADER] = token
    _set_cookie(response, ctx.device_cookie_name, token, int(DEVICE_LIFETIME.total_seconds()), ctx)


def clear_session_cookie(response: Response, ctx: ServiceContext) -> None:
    response.delete_cookie(
        ctx.cookie_name, path="/", secure=ctx.cookie_secure, httponly=True, samesite="lax"
    )
