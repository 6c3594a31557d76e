"""``/store/auth``: log in, who am I, log out, bearer tokens, own sessions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from hashless.service.auth import (
    Caller,
    Context,
    OptionalCaller,
    clear_session_cookie,
    client_ip,
    set_session_cookie,
)
from hashless.service.schemas import (
    CredentialsIn,
    CustomerOut,
    CustomerResponse,
    ExistsResponse,
    Revoked,
    SessionList,
    SessionOut,
    TokenResponse,
    error_responses,
)
from hashless.service.views import load_customer

router = APIRouter(prefix="/store/auth", tags=["store auth"])

_401 = error_responses(400, 401, 503)


@router.post("", response_model=CustomerResponse, responses=_401)
def log_in(
    body: CredentialsIn, request: Request, response: Response, ctx: Context, current: OptionalCaller
) -> CustomerResponse:
    """Log in with email and password; migrates a legacy customer on success."""
    record = ctx.engine.login(body.email, body.password)
    if current is not None and current.via_cookie:
        # A new session id at every login: a planted cookie never becomes a login.
        ctx.db.sessions.revoke(current.session.id)
    token, _ = ctx.db.sessions.create(
        record.customer_id,
        "cookie",
        user_agent=request.headers.get("user-agent"),
        ip=client_ip(request),
    )
    set_session_cookie(response, ctx, token)
    return CustomerResponse(customer=CustomerOut.of(load_customer(ctx, record.customer_id)))


@router.get("", response_model=CustomerResponse, responses=_401)
def who_am_i(ctx: Context, current: Caller) -> CustomerResponse:
    return CustomerResponse(customer=CustomerOut.of(load_customer(ctx, current.customer_id)))


@router.delete("", responses=_401)
def log_out(response: Response, ctx: Context, current: OptionalCaller) -> dict[str, bool]:
    """End this session (cookie or bearer token) on the server."""
    if current is not None:
        ctx.db.sessions.revoke(current.session.id)
    clear_session_cookie(response, ctx)
    return {"success": True}


@router.post("/token", response_model=TokenResponse, responses=_401)
def issue_token(body: CredentialsIn, request: Request, ctx: Context) -> TokenResponse:
    """A revocable bearer token (a server-side session, not a 30-day JWT)."""
    record = ctx.engine.login(body.email, body.password)
    token, _ = ctx.db.sessions.create(
        record.customer_id,
        "bearer",
        user_agent=request.headers.get("user-agent"),
        ip=client_ip(request),
    )
    return TokenResponse(access_token=token)


@router.get("/sessions", response_model=SessionList, responses=_401)
def list_sessions(ctx: Context, current: Caller) -> SessionList:
    """The customer's own sessions, newest first."""
    return SessionList(
        sessions=[
            SessionOut.of(info, current.session.id)
            for info in ctx.db.sessions.list(current.customer_id)
        ]
    )


@router.delete("/sessions", response_model=Revoked, responses=_401)
def end_sessions(
    response: Response, ctx: Context, current: Caller, keep_current: bool = False
) -> Revoked:
    """Sign out everywhere; with ``keep_current=true``, everywhere else."""
    keep = current.session.id if keep_current else None
    revoked = ctx.db.sessions.revoke_all(current.customer_id, keep=keep)
    if keep is None:
        clear_session_cookie(response, ctx)
    return Revoked(revoked=revoked)


@router.get("/{email}", response_model=ExistsResponse, responses=error_responses(404))
def email_exists(email: str, ctx: Context) -> ExistsResponse:
    """Whether an account uses ``email``; off unless HASHLESS_ALLOW_EMAIL_LOOKUP=true."""
    if not ctx.allow_email_lookup:
        raise HTTPException(404, "Not found")
    return ExistsResponse(exists=ctx.db.records.find_by_email(email) is not None)
