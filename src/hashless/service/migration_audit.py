"""The migration engine's observer: every migration, and every blocked one, joins the
audit trail (told only after the engine committed it, so no entry is ever false)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from hashless.migration import MigrationEvent
from hashless.storage import AuditEntry, AuditLog, Database

__all__ = ["audit_migrations", "migration_auditor", "migrations_held"]

log = logging.getLogger("hashless.audit")

_HELD: ContextVar[list[AuditEntry] | None] = ContextVar("hashless_held_migrations", default=None)


def migration_auditor(db: Database) -> Callable[[MigrationEvent], None]:
    """The engine's observer: every migration, and every blocked one, joins the audit trail."""
    return audit_migrations(db.audit)


def audit_migrations(audit: AuditLog) -> Callable[[MigrationEvent], None]:
    """``migration_auditor`` for a host whose audit log is not in a ``Database``."""

    def record(event: MigrationEvent) -> None:
        outcome = "success" if event.name == "migration.succeeded" else "blocked"
        entry = AuditEntry(
            event=event.name,
            outcome=outcome,
            customer_id=event.customer_id,
            actor="system",
            detail=event.detail,
        )
        held = _HELD.get()
        if held is not None:
            held.append(entry)
        else:
            audit.record(entry)

    return record


@contextmanager
def migrations_held(audit: AuditLog) -> Iterator[list[AuditEntry]]:
    """Within the block, the migration entries of this thread's engine calls wait in the
    list yielded, for the caller to write in a transaction of its own: a first login
    writes its migration with its session, one commit fewer. The caller empties the list
    once that transaction committed; entries still in it when the block ends (the
    transaction failed, or was never reached) are written each on its own, so the
    migration, which the engine already committed, is audited all the same."""
    held: list[AuditEntry] = []
    token = _HELD.set(held)
    try:
        yield held
    finally:
        _HELD.reset(token)
        for entry in held:
            try:
                audit.record(entry)
            except Exception:
                log.exception("could not audit %s customer_id=%s", entry.event, entry.customer_id)
