"""Writing a store customer's credential mark (``CredentialMark``), for every host."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from sqlalchemy import Connection, Table, func
from sqlalchemy.dialects.postgresql import insert

from hashless.migration.records import CredentialRecord, CredentialState
from hashless.storage.hosted.models import CredentialMark

__all__ = ["MARK", "mark_moved", "upsert_mark"]

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


def mark_moved(connection: Connection, record: CredentialRecord) -> CredentialRecord:
    """Mark ``record``'s password as the credential store's (blocked mark and write fence
    cleared, the first migration's time kept); the record as it reads from now on. The
    store's own hash column is the caller's to empty."""
    upsert_mark(
        connection,
        record.customer_id,
        migrated=record.state is CredentialState.LEGACY,
        in_store=True,
        blocked=False,
        fence_until=None,
    )
    return replace(
        record,
        state=CredentialState.COGNITO,
        legacy_hash=None,
        legacy_format=None,
        blocked=False,
        write_fence=None,
    )
