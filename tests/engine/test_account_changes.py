"""Register, set password, change email, delete: store and record stay in step."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import (
    AccountExists,
    CredentialStoreUnavailable,
    InvalidCredentials,
    PasswordRejected,
)
from hashless.identity import new_customer_id
from hashless.migration import CredentialState, MigrationEngine
from hashless.storage import Database

AddLegacy = Callable[[str, str], str]


def _register(engine: MigrationEngine, db: Database, email: str, password: str) -> str:
    cid = new_customer_id()
    engine.register(cid, email, password, lambda: db.customers.insert_account(cid, email))
    return cid


def test_register_puts_the_password_in_the_store_only(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """A new account's password goes to the store; the row never holds a hash."""
    cid = _register(engine, db, "bob@example.com", "bob password")
    assert store.password_of(cid) == "bob password"
    row = db.customers.get(cid)
    assert row is not None and row.legacy_hash is None and row.credential_state == "cognito"
    engine.login("bob@example.com", "bob password")


def test_duplicate_registration_leaves_no_store_user(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """A second account for the same email (any case) fails and creates nothing."""
    _register(engine, db, "bob@example.com", "bob password")
    cid = new_customer_id()
    with pytest.raises(AccountExists):
        engine.register(
            cid,
            "BOB@example.com",
            "other password",
            lambda: db.customers.insert_account(cid, "BOB@example.com"),
        )
    assert not store.has_user(cid)


def test_register_race_on_the_unique_index_removes_the_store_user(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """If the row insert loses a race for the email, the store user made for it is deleted."""
    cid = new_customer_id()

    def insert_after_rival() -> object:
        rival = new_customer_id()
        db.customers.insert_account(rival, "race@example.com")
        return db.customers.insert_account(cid, "race@example.com")

    with pytest.raises(AccountExists):
        engine.register(cid, "race@example.com", "race password", insert_after_rival)
    assert not store.has_user(cid)


def test_register_refused_by_policy_leaves_no_store_user(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """A password the pool refuses fails registration and leaves no user in the store."""
    cid = new_customer_id()
    with pytest.raises(PasswordRejected):
        engine.register(
            cid,
            "c@example.com",
            "weak password",
            lambda: db.customers.insert_account(cid, "c@example.com"),
        )
    assert not store.has_user(cid)
    assert db.records.find_by_email("c@example.com") is None


def test_short_password_refused_before_any_store_call(
    engine: MigrationEngine, store: InMemoryCredentialStore, db: Database
) -> None:
    """New passwords under 8 characters are refused locally."""
    with pytest.raises(PasswordRejected):
        engine.register("cus_x", "d@example.com", "short", lambda: None)
    assert store.calls == []


def test_set_password_on_a_legacy_customer_migrates_it(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """A reset or change of a legacy customer drops the hash: the old password stops working."""
    cid = add_legacy("ann@example.com", "old password")
    engine.set_password(cid, "new password")
    assert db.records.get(cid).state is CredentialState.COGNITO  # type: ignore[union-attr]
    with pytest.raises(InvalidCredentials):
        engine.login("ann@example.com", "old password")
    engine.login("ann@example.com", "new password")


def test_set_password_refused_keeps_the_legacy_customer_intact(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """A refused new password leaves the legacy hash and no store user."""
    cid = add_legacy("ann@example.com", "old password")
    with pytest.raises(PasswordRejected):
        engine.set_password(cid, "weak new password")
    assert db.records.get(cid).state is CredentialState.LEGACY  # type: ignore[union-attr]
    assert not store.has_user(cid)
    engine.login("ann@example.com", "old password")


def test_set_password_outage_changes_nothing(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore, add_legacy: AddLegacy
) -> None:
    """An outage during a password change keeps the previous password working."""
    cid = add_legacy("ann@example.com", "old password")
    store.fail_next("set_password", CredentialStoreUnavailable("x", "down"))
    with pytest.raises(CredentialStoreUnavailable):
        engine.set_password(cid, "new password")
    assert db.records.get(cid).state is CredentialState.LEGACY  # type: ignore[union-attr]
    engine.login("ann@example.com", "old password")


def test_change_email_keeps_store_and_record_in_step(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """An email change reaches the store's attribute and the record; sign-in follows it."""
    cid = _register(engine, db, "bob@example.com", "bob password")
    engine.change_email(cid, "robert@example.com")
    assert store.email_of(cid) == "robert@example.com"
    engine.login("robert@example.com", "bob password")
    with pytest.raises(InvalidCredentials):
        engine.login("bob@example.com", "bob password")


def test_change_email_to_a_taken_one_fails(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """An email held by another account cannot be taken."""
    cid = _register(engine, db, "bob@example.com", "bob password")
    _register(engine, db, "eve@example.com", "eve password")
    with pytest.raises(AccountExists):
        engine.change_email(cid, "EVE@example.com")
    assert store.email_of(cid) == "bob@example.com"


def test_delete_removes_record_then_store_user(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """Deleting a customer removes its record and its store user."""
    cid = _register(engine, db, "bob@example.com", "bob password")
    engine.delete(cid)
    assert db.records.get(cid) is None
    assert not store.has_user(cid)
    with pytest.raises(InvalidCredentials):
        engine.login("bob@example.com", "bob password")


def test_delete_during_outage_still_deletes_the_customer(
    engine: MigrationEngine, db: Database, store: InMemoryCredentialStore
) -> None:
    """The record goes first; a store outage leaves only an unused store user behind."""
    cid = _register(engine, db, "bob@example.com", "bob password")
    store.fail_next("delete", CredentialStoreUnavailable("x", "down"))
    engine.delete(cid)
    assert db.records.get(cid) is None
    # The email is free again for a new account.
    _register(engine, db, "bob@example.com", "new bob password")
