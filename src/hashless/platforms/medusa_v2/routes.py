"""The routes the Medusa v2 auth provider (``integrations/medusa-v2``) calls.

They face Medusa's server only, never a browser. A request must carry the shared
secret in ``X-Hashless-Provider-Token`` (compared in constant time), and any request
that looks like a browser's (an ``Origin``, a cookie, ``Sec-Fetch-*``) is refused
before the secret is even looked at: a page that somehow learnt it could still not
use it, and no browser can send the custom header cross-origin without a CORS
preflight, which these routes never grant.

Every answer names its ``outcome``; the provider maps it onto Medusa's
``{success, authIdentity, error}``.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hashless.errors import (
    AccountExists,
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    InvalidCredentials,
    PasswordRejected,
    TooManyAttempts,
)
from hashless.platforms.medusa_v2.flows import MedusaV2Flows, StaysWithMedusa
from hashless.platforms.medusa_v2.guard import GuardedLogins
from hashless.platforms.medusa_v2.records import MedusaIdentity
from hashless.service.outage import OutageWatch
from hashless.service.timing import FailureFloor

__all__ = ["PROVIDER_PREFIX", "TOKEN_HEADER", "ProviderContext", "router"]

PROVIDER_PREFIX = "/medusa-v2/provider"
TOKEN_HEADER = "x-hashless-provider-token"
_BROWSER_HEADERS = ("origin", "cookie", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest")


@dataclass
class ProviderContext:
    flows: MedusaV2Flows
    logins: GuardedLogins
    """The flows' ``authenticate`` under login limits, audited."""
    provider_token: str
    failure_floor: FailureFloor


class ProviderRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _context(request: Request) -> ProviderContext:
    context: ProviderContext = request.app.state.provider
    for name in _BROWSER_HEADERS:
        if name in request.headers:
            raise ProviderRefused(403, "provider routes do not answer browsers")
    given = request.headers.get(TOKEN_HEADER, "")
    if not hmac.compare_digest(given.encode(), context.provider_token.encode()):
        raise ProviderRefused(401, "missing or wrong provider token")
    return context


Provider = Annotated[ProviderContext, Depends(_context)]


class Credentials(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=4096)


class IdentityUpdate(BaseModel):
    entity_id: str = Field(min_length=1, max_length=320)
    """From the reset token Medusa validated (and used up) before calling its provider."""
    password: str | None = Field(default=None, min_length=1, max_length=4096)
    email: str | None = Field(
        default=None, min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"
    )


def _answer(status: int, outcome: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"outcome": outcome, **extra}, status_code=status)


def _identity(identity: MedusaIdentity) -> JSONResponse:
    return _answer(200, "ok", auth_identity=identity.as_medusa())


async def _run(
    context: ProviderContext, call: Any, *args: str | None, outage: OutageWatch | None = None
) -> JSONResponse:
    """``call(*args)`` in the thread pool, its hashless errors as outcomes; with
    ``outage``, given up and answered at its deadline while it suspects one."""
    started = time.monotonic()
    try:
        if outage is None:
            return _identity(await run_in_threadpool(call, *args))
        return _identity(await outage.run(lambda: call(*args), started))
    except InvalidCredentials:
        # Unknown email and wrong password take the same time and give the same answer.
        context.failure_floor.observe(time.monotonic() - started)
        await context.failure_floor.pad(started)
        return _answer(401, "invalid")
    except StaysWithMedusa:
        return _answer(200, "medusa")
    except AccountExists:
        return _answer(409, "exists")
    except PasswordRejected as exc:
        return _answer(400, "rejected", message=exc.reason)
    except TooManyAttempts as exc:
        return _answer(429, "throttled", retry_after=exc.retry_after)
    except CredentialStoreThrottled as exc:
        return _answer(429, "throttled", retry_after=exc.retry_after)
    except CredentialStoreUnavailable as exc:
        if outage is not None:
            await outage.pad(started)
        return _answer(503, "unavailable", retry_after=exc.retry_after)


router = APIRouter(prefix=PROVIDER_PREFIX, tags=["medusa-v2 provider"])


@router.post("/authenticate")
async def authenticate(body: Credentials, context: Provider) -> JSONResponse:
    """Medusa's ``authenticate``: the identity, migrating a legacy password."""
    logins = context.logins
    return await _run(context, logins.authenticate, body.email, body.password, outage=logins.outage)


@router.post("/register")
async def register(body: Credentials, context: Provider) -> JSONResponse:
    """Medusa's ``register``: a new identity whose password is in Cognito only."""
    return await _run(context, context.flows.register, body.email, body.password)


@router.post("/update")
async def update(body: IdentityUpdate, context: Provider) -> JSONResponse:
    """Medusa's ``update`` after a reset token: a new password in Cognito, a new email."""
    if body.password is None and body.email is None:
        return _answer(400, "rejected", message="Give a new password or a new email")
    return await _run(context, context.flows.update, body.entity_id, body.password, body.email)


class Forget(BaseModel):
    auth_identity_id: str = Field(min_length=1, max_length=64)


@router.post("/forget")
async def forget(body: Forget, context: Provider) -> JSONResponse:
    """After Medusa deleted a customer's auth identity: its Cognito user goes too."""
    try:
        deleted = await run_in_threadpool(context.flows.forget, body.auth_identity_id)
    except CredentialStoreUnavailable as exc:
        return _answer(503, "unavailable", retry_after=exc.retry_after)
    return _answer(200, "deleted" if deleted else "kept")


def refused(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProviderRefused)
    return _answer(exc.status, "refused", message=str(exc))
