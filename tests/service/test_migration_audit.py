"""A first login's migration entry joins the login's own transaction, and is never lost."""

from __future__ import annotations

import pytest

from hashless.migration import MigrationEvent
from hashless.service.migration_audit import migration_auditor, migrations_held
from hashless.storage import Database

MIGRATED = MigrationEvent("migration.succeeded", "cus_1", {"format": "medusa-v1-scrypt"})


def _logged(db: Database) -> list[str]:
    events, _ = db.audit.search()
    return [event.event for event in events]


def test_outside_a_hold_the_entry_is_written_at_once(db: Database) -> None:
    """With no caller holding entries (a reset, Django, Medusa v2), the observer writes."""
    migration_auditor(db)(MIGRATED)
    assert _logged(db) == ["migration.succeeded"]


def test_held_entries_wait_for_the_callers_transaction(db: Database) -> None:
    """Within the hold nothing is written until the caller writes it with its own rows;
    an entry the caller wrote and cleared is not written twice."""
    observe = migration_auditor(db)
    with migrations_held(db.audit) as held:
        observe(MIGRATED)
        assert _logged(db) == []
        with db.transaction() as writing:
            for entry in held:
                db.audit.record(entry, within=writing)
        held.clear()
    assert _logged(db) == ["migration.succeeded"]


def test_an_entry_outlives_the_failed_transaction(db: Database) -> None:
    """The login's transaction fails after the engine committed the migration: the entry
    is written on its own as the hold ends, so the migration is audited all the same."""
    observe = migration_auditor(db)
    with pytest.raises(RuntimeError), migrations_held(db.audit) as held:
        observe(MIGRATED)
        with db.transaction() as writing:
            for entry in held:
                db.audit.record(entry, within=writing)
            raise RuntimeError("the session insert failed")
    assert _logged(db) == ["migration.succeeded"]
