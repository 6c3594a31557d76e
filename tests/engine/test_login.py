"""The login flow and the safety rules of migration, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import (
    CredentialStoreThrottled,
    CredentialStoreUnavailable,
    InvalidCredentials,
)
from hashless.legacy import VerifierRegistry
from hashless.migration import CredentialState, MigrationEngine
from hashless.storage import Database
from tests.support import PlainSha256

AddLegacy = Callable[[str, str], str]
COGNITO = CredentialState.COGNITO


def test_legacy_login_migrates_and_drops_the_hash(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """A correct legacy password logs in, lands in the store, and the hash column is NULL."""
    cid = add_legacy("ann@example.com", "old password")
    record = engine.login("ann@example.com", "old password")
    assert record.customer_id == cid and record.state is CredentialState.COGNITO
    assert store.password_of(cid) == "old password"
    row = db.customers.get(cid)
    assert row is not None
    assert row.legacy_hash is None and row.credential_state == "cognito"
    assert row.migrated_at is not None
    # The next login is checked by the store only.
    store.calls.clear()
    engine.login("ANN@example.com", "old password")
    assert store.calls == [("check", cid)]


def test_wrong_legacy_password_never_calls_the_store(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """A wrong legacy password fails without a single credential-store call."""
    cid = add_legacy("ann@example.com", "old password")
    with pytest.raises(InvalidCredentials):
        engine.login("ann@example.com", "old passwore")
    assert store.calls == []
    assert db.records.get(cid).state is CredentialState.LEGACY  # type: ignore[union-attr]


def test_unknown_email_and_wrong_password_raise_the_same(
    engine: MigrationEngine, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """Unknown emails and wrong passwords are indistinguishable to the caller."""
    add_legacy("ann@example.com", "old password")
    with pytest.raises(InvalidCredentials) as unknown:
        engine.login("nobody@example.com", "old password")
    with pytest.raises(InvalidCredentials) as wrong:
        engine.login("ann@example.com", "wrong password")
    assert str(unknown.value) == str(wrong.value)


@pytest.mark.parametrize("failing_step", ["create", "set_password"])
@pytest.mark.parametrize(
    "error",
    [
        CredentialStoreUnavailable("x", "down", maybe_applied=False),
        CredentialStoreThrottled("x", "busy", maybe_applied=False),
    ],
)
def test_store_outage_during_migration_changes_no_row(
    engine: MigrationEngine,
    db: Database,
    store: InMemoryCredentialStore,
    add_legacy: AddLegacy,
    failing_step: str,
    error: CredentialStoreUnavailable,
) -> None:
    """An outage at any store step is an outage, not a wrong password, and changes no row.

    The calls here surely never reached the store; one that may have is fenced first
    (``test_late_writes.py``)."""
    cid = add_legacy("ann@example.com", "old password")
    before = db.records.get(cid)
    store.fail_next(failing_step, error)
    with pytest.raises(CredentialStoreUnavailable):
        engine.login("ann@example.com", "old password")
    assert db.records.get(cid) == before
    # Once the store is back the same password still logs in and migrates.
    assert engine.login("ann@example.com", "old password").state is CredentialState.COGNITO
    assert store.password_of(cid) == "old password"


@pytest.mark.parametrize("failing_step", ["create", "set_password"])
def test_crash_after_any_store_step_keeps_the_legacy_password_working(
    engine: MigrationEngine,
    db: Database,
    store: InMemoryCredentialStore,
    add_legacy: AddLegacy,
    failing_step: str,
) -> None:
    """A crash mid-migration rolls back: the customer is never without a working credential.

    One during the password write leaves the write's claim (rule 6): the legacy hash
    lets the customer in meanwhile, and the migration is done once the claim passed."""
    cid = add_legacy("ann@example.com", "old password")
    store.fail_next(failing_step, RuntimeError("process died"))
    with pytest.raises(RuntimeError):
        engine.login("ann@example.com", "old password")
    assert db.records.get(cid).state is CredentialState.LEGACY  # type: ignore[union-attr]
    after = engine.login("ann@example.com", "old password").state
    assert after is (CredentialState.LEGACY if failing_step == "set_password" else COGNITO)
    later = MigrationEngine(
        db.records,
        store,
        VerifierRegistry([PlainSha256()]),
        clock=lambda: datetime.now(UTC) + timedelta(hours=1),
    )
    assert later.login("ann@example.com", "old password").state is COGNITO


def test_password_refused_by_pool_policy_still_logs_in_and_blocks(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """Pool policy refuses the legacy password: login succeeds, hash stays, customer is blocked."""
    cid = add_legacy("ann@example.com", "weakpass")
    record = engine.login("ann@example.com", "weakpass")
    assert record.customer_id == cid
    after = db.records.get(cid)
    assert after is not None and after.state is CredentialState.LEGACY and after.blocked
    assert not store.has_user(cid), "no half-created Cognito user is left behind"
    assert db.customers.credential_stats().blocked == 1


def test_whitespace_password_blocks_without_a_store_call(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """Surrounding whitespace, which Cognito refuses, is detected before any store call."""
    cid = add_legacy("ann@example.com", " padded password ")
    engine.login("ann@example.com", " padded password ")
    assert store.calls == []
    assert db.records.get(cid).blocked  # type: ignore[union-attr]


def test_password_change_racing_a_migrating_login_wins(
    engine: MigrationEngine,
    store: InMemoryCredentialStore,
    legacy_format: PlainSha256,
    add_legacy: AddLegacy,
) -> None:
    """A change that lands while a login verifies the old hash is never overwritten by it."""
    cid = add_legacy("ann@example.com", "old password")
    # The change happens after the login verified the old hash, before it takes the lock.
    legacy_format.on_verify = lambda: engine.set_password(cid, "new password")
    with pytest.raises(InvalidCredentials):
        engine.login("ann@example.com", "old password")
    assert store.password_of(cid) == "new password"
    engine.login("ann@example.com", "new password")
