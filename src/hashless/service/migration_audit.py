"""The migration engine's observer: every migration, and every blocked one, joins the
audit trail (told only after the engine committed it, so no entry is ever false)."""

from __future__ import annotations

from collections.abc import Callable

from hashless.migration import MigrationEvent
from hashless.storage import AuditEntry, AuditLog, Database

__all__ = ["audit_migrations", "migration_auditor"]


def migration_auditor(db: Database) -> Callable[[MigrationEvent], None]:
    """The engine's observer: every migration, and every blocked one, joins the audit trail."""
    return audit_migrations(db.audit)


def audit_migrations(audit: AuditLog) -> Callable[[MigrationEvent], None]:
    """``migration_auditor`` for a host whose audit log is not in a ``Database``."""

    def record(event: MigrationEvent) -> None:
        outcome = "success" if event.name == "migration.succeeded" else "blocked"
        audit.record(
            AuditEntry(
                event=event.name,
                outcome=outcome,
                customer_id=event.customer_id,
                actor="system",
                detail=event.detail,
            )
        )

    return record
