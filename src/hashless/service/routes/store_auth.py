"""``/store/auth``: log in, who am I, log out, bearer tokens, own sessions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from hashless.service.auth import (
    Caller,
    CallerWithCustomer,
    Context,
    OptionalCaller,
    Origin,
    clear_session_cookie,
    cookie_session_token,
    presented_device,
    remember_device,
    set_session_cookie,
)
from hashless.service.logins import NewSession
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

router = APIRouter(prefix="/store/auth", tags=["store auth"])

_401 = error_responses(400, 401, 503)


@router.post("", response_model=CustomerResponse, responses=_401)
async def log_in(body: CredentialsIn, request: Request, ctx: Context, origin: Origin) -> Response:
    """Log in with email and password; migrates a legacy customer on success."""
    # A new session id at every login: the cookie session the browser holds ends, so
    # a planted cookie never becomes a login.
    session = NewSession(
        "cookie",
        user_agent=request.headers.get("user-agent"),
        replaces=cookie_session_token(request, ctx),
        device=presented_device(request, ctx),
    )
    signed_in = await ctx.logins.sign_in(body.email, body.password, origin, session)
    # The answer serialised here, once: FastAPI would validate the model again first.
    answer = Response(
        CustomerResponse(customer=CustomerOut.of(signed_in.customer)).model_dump_json(),
        media_type="application/json",
    )
    set_session_cookie(answer, ctx, signed_in.token)
    remember_device(answer, ctx, signed_in.device)
    return answer


@router.get("", response_model=CustomerResponse, responses=_401)
async def who_am_i(current: CallerWithCustomer) -> CustomerResponse:
    return CustomerResponse(customer=CustomerOut.of(current.customer))


@router.delete("", responses=_401)
def log_out(
    response: Response, ctx: Context, current: OptionalCaller, origin: Origin
) -> dict[str, bool]:
    """End this session (cookie or bearer token) on the server."""
    if current is not None:
        ctx.db.sessions.revoke(current.session.id)
        ctx.guard.audit("session.revoked", "success", current.customer_id, origin)
    clear_session_cookie(response, ctx)
    return {"success": True}


@router.post("/token", response_model=TokenResponse, responses=_401)
async def issue_token(
    body: CredentialsIn, request: Request, response: Response, ctx: Context, origin: Origin
) -> TokenResponse:
    """A revocable bearer token (a server-side session, not a 30-day JWT). The
    ``X-Hashless-Device`` header of the answer is the device's token: an app that
    sends it back with its next logins gets past the limits an attacker's failures
    put on the account."""
    session = NewSession(
        "bearer",
        user_agent=request.headers.get("user-agent"),
        device=presented_device(request, ctx),
    )
    signed_in = await ctx.logins.sign_in(body.email, body.password, origin, session)
    remember_device(response, ctx, signed_in.device, header=True)
    return TokenResponse(access_token=signed_in.token)


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
    response: Response, ctx: Context, current: Caller, origin: Origin, keep_current: bool = False
) -> Revoked:
    """Sign out everywhere; with ``keep_current=true``, everywhere else."""
    keep = current.session.id if keep_current else None
    revoked = ctx.db.sessions.revoke_all(current.customer_id, keep=keep)
    ctx.guard.audit(
        "sessions.revoked", "success", current.customer_id, origin, detail={"count": str(revoked)}
    )
    if keep is None:
        clear_session_cookie(response, ctx)
    return Revoked(revoked=revoked)


@router.get("/{email}", response_model=ExistsResponse, responses=error_responses(404))
def email_exists(email: str, ctx: Context) -> ExistsResponse:
    """Whether an account uses ``email``; off unless HASHLESS_ALLOW_EMAIL_LOOKUP=true."""
    if not ctx.allow_email_lookup:
        raise HTTPException(404, "Not found")
    return ExistsResponse(exists=ctx.db.records.find_by_email(email) is not None)
