"""Writing a store customer's credential mark (``CredentialMark``), for every host."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, Table, func
from sqlalchemy.dialects.postgresql import insert

from hashless.storage.hosted.models import CredentialMark

__all__ = ["MARK", "upsert_mark"]

MARK = cast(Table, CredentialMark.__table__)


def upsert_mark(
    connection: Connection, customer_id: str, *, migrated: bool = False, **values: Any
) -> None:
    """Create or change the customer's credential mark with ``values``; ``migrated``:
    a legacy password has just moved to the store (the first such time is kept)."""
    values["updated_at"] = func.now()
    inserted = {"in_store": False, "blocked": False, **values}
    changed = dict(values)
    if migrated:
        inserted["migrated_at"] = func.now()
        changed["migrated_at"] = func.coalesce(MARK.c.migrated_at, func.now())
    connection.execute(
        insert(MARK)
        .values(customer_id=customer_id, **inserted)
        .on_conflict_do_update(index_elements=[MARK.c.customer_id], set_=changed)
    )
