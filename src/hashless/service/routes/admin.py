"""``/admin``: customer management and migration figures, behind HASHLESS_ADMIN_TOKEN."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from hashless.service.auth import Admin, Context, Origin
from hashless.service.context import ServiceContext
from hashless.service.medusa import merge_metadata
from hashless.service.schemas import (
    AdminCustomerList,
    AdminCustomerOut,
    AdminCustomerResponse,
    AdminCustomerUpdate,
    AuditEventList,
    AuditEventOut,
    CredentialStatsOut,
    Deleted,
    Revoked,
    error_responses,
)
from hashless.storage import CustomerRow

router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[Admin],
    responses=error_responses(401, 404),
)


def _customer(ctx: ServiceContext, customer_id: str) -> CustomerRow:
    row = ctx.db.customers.get(customer_id)
    if row is None:
        raise HTTPException(404, f"Customer with id {customer_id} was not found")
    return row


@router.get("/customers", response_model=AdminCustomerList)
def list_customers(
    ctx: Context,
    q: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AdminCustomerList:
    rows, count = ctx.db.customers.search(q, limit, offset)
    return AdminCustomerList(
        customers=[AdminCustomerOut.of_account(r, ctx.db.customers.record_of(r)) for r in rows],
        count=count,
        offset=offset,
        limit=limit,
    )


@router.get("/customers/{customer_id}", response_model=AdminCustomerResponse)
def get_customer(customer_id: str, ctx: Context) -> AdminCustomerResponse:
    return _admin_view(ctx, _customer(ctx, customer_id))


def _admin_view(ctx: ServiceContext, row: CustomerRow) -> AdminCustomerResponse:
    return AdminCustomerResponse(
        customer=AdminCustomerOut.of_account(row, ctx.db.customers.record_of(row))
    )


@router.post("/customers/{customer_id}", response_model=AdminCustomerResponse)
def update_customer(
    customer_id: str, body: AdminCustomerUpdate, ctx: Context, origin: Origin
) -> AdminCustomerResponse:
    row = _customer(ctx, customer_id)
    profile = body.model_dump(include={"first_name", "last_name", "phone"}, exclude_unset=True)
    if body.metadata is not None:
        profile["metadata"] = merge_metadata(row.metadata_, body.metadata)
    if body.email is not None:
        ctx.engine.change_email(customer_id, body.email)
        ctx.guard.audit("email.changed", "success", customer_id, origin, actor="admin")
    if profile:
        ctx.db.customers.update_profile(customer_id, profile)
    return _admin_view(ctx, _customer(ctx, customer_id))


@router.delete("/customers/{customer_id}", response_model=Deleted)
def delete_customer(customer_id: str, ctx: Context, origin: Origin) -> Deleted:
    """Delete the customer, its Cognito user and all its sessions."""
    _customer(ctx, customer_id)
    # Sessions first: a delete cut short after its commit must leave none alive.
    ctx.db.sessions.revoke_all(customer_id)
    ctx.engine.delete(customer_id)
    ctx.guard.audit("customer.deleted", "success", customer_id, origin, actor="admin")
    return Deleted(id=customer_id)


@router.delete("/customers/{customer_id}/sessions", response_model=Revoked)
def end_customer_sessions(customer_id: str, ctx: Context, origin: Origin) -> Revoked:
    _customer(ctx, customer_id)
    revoked = ctx.db.sessions.revoke_all(customer_id)
    ctx.guard.audit(
        "sessions.revoked",
        "success",
        customer_id,
        origin,
        actor="admin",
        detail={"count": str(revoked)},
    )
    return Revoked(revoked=revoked)


@router.get("/credentials/stats", response_model=CredentialStatsOut)
def credential_stats(ctx: Context) -> CredentialStatsOut:
    """Account customers by credential state; ``blocked``: legacy ones Cognito refused."""
    return CredentialStatsOut(**asdict(ctx.db.customers.credential_stats()))


@router.get("/audit-events", response_model=AuditEventList)
def audit_events(
    ctx: Context,
    customer_id: str | None = None,
    event: Annotated[
        str | None, Query(description="An event name, or a prefix such as `login`")
    ] = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditEventList:
    """The audit trail, newest first: logins (outcome only), migrations, account changes."""
    rows, count = ctx.db.audit.search(
        customer_id=customer_id,
        event=event,
        outcome=outcome,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return AuditEventList(
        events=[AuditEventOut.model_validate(row, from_attributes=True) for row in rows],
        count=count,
        offset=offset,
        limit=limit,
    )
