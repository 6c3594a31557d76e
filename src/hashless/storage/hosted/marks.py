"""Writing a store customer's credential mark (``CredentialMark``), for every host."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, Update, bindparam, func
from sqlalchemy.dialects.postgresql import Insert, insert

from hashless.migration.records import CredentialRecord, CredentialState
from hashless.storage.hosted.models import CredentialMark

__all__ = ["MARK", "mark_moved", "upsert_mark"]

MARK = cast(Table, CredentialMark.__table__)


def upsert_mark(
    connection: Connection,
    customer_id: str,
    *,
    migrated: bool = False,
    along: Update | None = None,
    **values: Any,
) -> None:
    """Create or change the customer's credential mark with ``values``; ``migrated``:
    a legacy password has just moved to the store (the first such time is kept).
    ``along``: a change to the store's own row (its ``customer_id`` bound like the
    mark's), sent in the same statement, one round trip fewer."""
    connection.execute(
        _upsert(tuple(sorted(values)), migrated, along), {"customer_id": customer_id, **values}
    )


@cache
def _upsert(columns: tuple[str, ...], migrated: bool, along: Update | None) -> Insert:
    """The statement for one set of changed columns, built once: a first login writes a
    mark twice, and building the statement and its cache key each time cost about as
    much as PostgreSQL's work on it."""
    values: dict[str, Any] = {name: bindparam(name, type_=MARK.c[name].type) for name in columns}
    values["updated_at"] = func.now()
    inserted = {"in_store": False, "blocked": False, **values}
    changed = dict(values)
    if migrated:
        inserted["migrated_at"] = func.now()
        changed["migrated_at"] = func.coalesce(MARK.c.migrated_at, func.now())
    statement = (
        insert(MARK)
        .values(customer_id=bindparam("customer_id"), **inserted)
        .on_conflict_do_update(index_elements=[MARK.c.customer_id], set_=changed)
    )
    # A data-modifying WITH runs whether or not the statement reads it.
    return statement if along is None else statement.add_cte(along.cte("along"))


def mark_moved(
    connection: Connection, record: CredentialRecord, *, along: Update | None = None
) -> CredentialRecord:
    """Mark ``record``'s password as the credential store's (blocked mark and write fence
    cleared, the first migration's time kept); the record as it reads from now on. The
    store's own hash column is the caller's to empty, in ``along`` (see ``upsert_mark``)
    or on its own."""
    upsert_mark(
        connection,
        record.customer_id,
        migrated=record.state is CredentialState.LEGACY,
        along=along,
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
