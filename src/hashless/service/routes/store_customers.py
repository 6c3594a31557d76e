"""``/store/customers``: register, profile, password change and reset."""

from __future__ import annotations

import time
from datetime import timedelta

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from hashless.emails import email_key
from hashless.errors import (
    CredentialStoreUnavailable,
    InvalidCredentials,
    InvalidResetToken,
    PasswordRejected,
    ReauthenticationRequired,
    TooManyAttempts,
)
from hashless.identity import new_customer_id
from hashless.passwords import validate_new_password
from hashless.service.auth import (
    Authenticated,
    Caller,
    CallerWithCustomer,
    Context,
    Origin,
    remember_device,
    set_session_cookie,
)
from hashless.service.context import ServiceContext
from hashless.service.limits import reset_rules
from hashless.service.logins import RequestOrigin
from hashless.service.medusa import merge_metadata, update_billing_address
from hashless.service.reset_delivery import ResetEvent
from hashless.service.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerResponse,
    CustomerUpdate,
    PasswordResetRequest,
    PasswordTokenRequest,
    error_responses,
)
from hashless.service.views import load_customer

router = APIRouter(prefix="/store/customers", tags=["store customers"])
profile_router = APIRouter(prefix="/store/customers", tags=["store customers"])
"""Reading the profile: included only where hashless is the one serving it
(``Host.serves_profile``); a store's own server answers it with its full shape."""

_errors = error_responses(400, 401, 422, 503)


@router.post("", response_model=CustomerResponse, responses=_errors)
def register(
    body: CustomerCreate, request: Request, response: Response, ctx: Context, origin: Origin
) -> CustomerResponse:
    """Create an account (its password goes straight to Cognito) and log it in."""
    customer_id = new_customer_id()
    row = ctx.engine.register(
        customer_id,
        body.email,
        body.password,
        insert=lambda: ctx.db.customers.insert_account(
            customer_id,
            body.email,
            first_name=body.first_name,
            last_name=body.last_name,
            phone=body.phone,
        ),
    )
    ctx.guard.audit("customer.registered", "success", customer_id, origin)
    with ctx.db.transaction() as writing:
        token, _ = ctx.db.sessions.create(
            customer_id,
            "cookie",
            user_agent=request.headers.get("user-agent"),
            ip=origin.ip,
            within=writing,
        )
        device = ctx.db.devices.remember(customer_id, None, within=writing)
    set_session_cookie(response, ctx, token)
    remember_device(response, ctx, device)
    return CustomerResponse(customer=CustomerOut.of(row))


@profile_router.get("/me", response_model=CustomerResponse, responses=_errors)
async def me(current: CallerWithCustomer) -> CustomerResponse:
    return CustomerResponse(customer=CustomerOut.of(current.customer))


def _require_proof(
    ctx: ServiceContext, current: Authenticated, password: str | None, origin: RequestOrigin
) -> None:
    """ASVS 6.2.3: a credential change needs the current password or a fresh login.

    Medusa v1 clients cannot send the current password, so a password login on
    this same session within the re-authentication window counts as proof.
    """
    if password is not None:
        row = load_customer(ctx, current.customer_id)
        try:
            ctx.guard.verify(row.email, current.customer_id, password, origin)
        except InvalidCredentials:
            raise ReauthenticationRequired() from None
        return
    if ctx.db.clock() - current.session.authenticated_at > ctx.reauth_window:
        raise ReauthenticationRequired()


@router.post("/me", response_model=CustomerResponse, responses=_errors)
def update_me(
    body: CustomerUpdate, ctx: Context, current: Caller, origin: Origin
) -> CustomerResponse:
    """Update the profile; a new password or email needs proof of the current password."""
    customer_id = current.customer_id
    row = load_customer(ctx, customer_id)
    changes_email = body.email is not None and email_key(body.email) != email_key(row.email)
    if body.password is not None:
        validate_new_password(body.password)
    # Checked before anything changes: a refused field must not leave a half-applied update.
    profile = body.model_dump(include={"first_name", "last_name", "phone"}, exclude_unset=True)
    if body.metadata is not None:
        profile["metadata"] = merge_metadata(row.metadata_, body.metadata)
    if body.password is not None or changes_email:
        _require_proof(ctx, current, body.current_password, origin)
    if changes_email:
        assert body.email is not None
        ctx.engine.change_email(customer_id, body.email)
        ctx.guard.audit("email.changed", "success", customer_id, origin)
    if body.password is not None:
        # Other sessions and reset tokens end first: a change cut short after it took
        # effect must not leave them alive, and ending them needlessly costs a login.
        ended = ctx.db.sessions.revoke_all(customer_id, keep=current.session.id)
        ctx.db.reset_tokens.revoke_all(customer_id)
        ctx.engine.set_password(customer_id, body.password)
        ctx.guard.audit(
            "password.changed",
            "success",
            customer_id,
            origin,
            detail={"other_sessions_ended": str(ended)},
        )
    if body.billing_address is not None:
        profile["billing_address"] = update_billing_address(
            row.billing_address, body.billing_address
        )
    if profile:
        try:
            ctx.db.customers.update_profile(customer_id, profile)
        except ValueError as exc:  # a field this host's customer table cannot take
            raise HTTPException(400, str(exc)) from None
    return CustomerResponse(customer=CustomerOut.of(load_customer(ctx, customer_id)))


@router.post("/password-token", status_code=204, responses=error_responses(400, 429))
async def request_reset(
    body: PasswordTokenRequest, tasks: BackgroundTasks, ctx: Context, origin: Origin
) -> Response:
    """204 after the same delay whether the email has an account or not; beyond the
    limits per email and per address, 429 alike, and no token is made or sent."""
    started = time.monotonic()

    def issue() -> int | None:
        """None, or the seconds until this email or address may ask again."""
        rules = reset_rules(body.email, origin.ip)
        wait = ctx.db.throttle.wait_for(rules)
        if wait > timedelta(0):
            ctx.guard.audit(
                "password.reset_limited",
                "refused",
                None,
                origin,
                detail={"email": email_key(body.email)},
            )
            return max(1, round(wait.total_seconds()))
        record = ctx.db.records.find_by_email(body.email)
        customer_id = record.customer_id if record else None
        with ctx.db.transaction() as writing:
            ctx.db.throttle.record_failure(rules, within=writing)
            ctx.guard.audit(
                "password.reset_requested", "success", customer_id, origin, within=writing
            )
        if record is not None:
            token, expires_at = ctx.db.reset_tokens.issue(record.customer_id)
            # Delivered after the answer is sent, so a slow webhook shows in no timing.
            tasks.add_task(
                ctx.reset_delivery.deliver,
                ResetEvent(record.customer_id, record.email, token, expires_at),
            )
        ctx.reset_floor.observe(time.monotonic() - started)
        return None

    wait = await run_in_threadpool(issue)
    await ctx.reset_floor.pad(started)
    if wait is not None:
        raise TooManyAttempts(wait)
    return Response(status_code=204)


@router.post("/password-reset", response_model=CustomerResponse, responses=_errors)
def reset_password(body: PasswordResetRequest, ctx: Context, origin: Origin) -> CustomerResponse:
    """Set a new password with a reset token; ends every session of the customer."""
    validate_new_password(body.password)
    record = ctx.db.records.find_by_email(body.email)
    if record is None or not ctx.db.reset_tokens.consume(body.token, record.customer_id):
        ctx.guard.audit("password.reset", "failure", record.customer_id if record else None, origin)
        raise InvalidResetToken()
    # Sessions end before the password changes, so a reset cut short after it took
    # effect leaves none alive (ASVS 7.4.3).
    ended = ctx.db.sessions.revoke_all(record.customer_id)
    try:
        ctx.engine.set_password(record.customer_id, body.password)
    except (CredentialStoreUnavailable, PasswordRejected):
        # The engine guarantees nothing changed: the customer may retry with this token.
        # Any other failure may have come after the change, so the token stays spent.
        ctx.db.reset_tokens.give_back(body.token)
        raise
    ctx.db.reset_tokens.revoke_all(record.customer_id)
    # Whoever's guesses held the account, its owner now gets in with the new password.
    ctx.guard.forgive(record.email)
    ctx.guard.audit(
        "password.reset",
        "success",
        record.customer_id,
        origin,
        detail={"sessions_ended": str(ended)},
    )
    return CustomerResponse(customer=CustomerOut.of(load_customer(ctx, record.customer_id)))
