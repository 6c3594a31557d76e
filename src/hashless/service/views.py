"""Small helpers shared by the route modules."""

from __future__ import annotations

from fastapi import HTTPException

from hashless.service.context import ServiceContext
from hashless.storage import CustomerRow

__all__ = ["load_customer"]


def load_customer(ctx: ServiceContext, customer_id: str) -> CustomerRow:
    row = ctx.db.customers.get(customer_id)
    if row is None:
        raise HTTPException(401, "Unauthorized")
    return row
