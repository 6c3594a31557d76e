"""Medusa v1's ``customer`` as the engine's records: what is read, what is written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.identity import new_customer_id
from hashless.legacy import default_registry
from hashless.migration import CredentialState, MigrationEngine
from hashless.storage import Database
from tests.importing.medusa import medusa_v1_hash

from .conftest import AddMedusa, medusa_row

pytestmark = pytest.mark.postgres


def _login(client: TestClient, email: str, password: str) -> int:
    return client.post("/store/auth", json={"email": email, "password": password}).status_code


def test_a_hash_that_reappears_is_the_newest_password(
    client: TestClient,
    add_medusa: AddMedusa,
    store: InMemoryCredentialStore,
    medusa_v1_db: Database,
) -> None:
    """A hash Medusa wrote (its admin API, a reset reached directly) for a customer whose
    password is in Cognito wins: the next login checks it, moves it to Cognito, empties
    the column; the older Cognito password stops working."""
    cid = add_medusa("ann@example.com", "first password")
    assert _login(client, "ann@example.com", "first password") == 200
    assert medusa_row(medusa_v1_db, cid)["password_hash"] is None
    with medusa_v1_db.engine.begin() as connection:
        connection.execute(
            text("UPDATE public.customer SET password_hash = :h WHERE id = :id"),
            {"h": medusa_v1_hash("set by the admin"), "id": cid},
        )
    assert medusa_v1_db.records.get(cid).state is CredentialState.LEGACY  # type: ignore[union-attr]
    assert _login(client, "ann@example.com", "first password") == 401
    assert _login(client, "ann@example.com", "set by the admin") == 200
    assert store.password_of(cid) == "set by the admin"
    assert medusa_row(medusa_v1_db, cid)["password_hash"] is None
    assert _login(client, "ann@example.com", "first password") == 401
    assert _login(client, "ann@example.com", "set by the admin") == 200


def test_migration_writes_only_password_hash_and_updated_at(
    client: TestClient, add_medusa: AddMedusa, medusa_v1_db: Database
) -> None:
    """Of Medusa's row, a migrating login changes the hash (to NULL) and updated_at only."""
    cid = add_medusa(
        "ann@example.com",
        "medusa password",
        first_name="Ann",
        last_name="Lee",
        phone="+31 6 1",
        metadata='{"vip": true}',
    )
    before = medusa_row(medusa_v1_db, cid)
    assert _login(client, "ann@example.com", "medusa password") == 200
    after = medusa_row(medusa_v1_db, cid)
    changed = {key for key in before if before[key] != after[key]}
    assert changed == {"password_hash", "updated_at"}
    assert after["password_hash"] is None


def test_emails_are_found_as_medusa_finds_them(client: TestClient, add_medusa: AddMedusa) -> None:
    """Medusa stores emails lower-cased and looks them up so: a mixed-case email written by
    SQL is found by Medusa never, and by hashless never either."""
    add_medusa("Mixed@Example.com", "medusa password")
    assert _login(client, "mixed@example.com", "medusa password") == 401
    assert _login(client, "Mixed@Example.com", "medusa password") == 401


def test_the_pool_refusing_a_medusa_password_keeps_the_hash_and_blocks(
    client: TestClient,
    add_medusa: AddMedusa,
    store: InMemoryCredentialStore,
    medusa_v1_db: Database,
) -> None:
    """A password the pool refuses logs in on Medusa's hash, which stays; the customer is
    counted blocked and no Cognito user is left."""
    cid = add_medusa("ann@example.com", "weakpass")
    assert _login(client, "ann@example.com", "weakpass") == 200
    assert medusa_row(medusa_v1_db, cid)["password_hash"] is not None
    assert medusa_v1_db.records.get(cid).blocked  # type: ignore[union-attr]
    assert not store.has_user(cid)
    assert medusa_v1_db.customers.credential_stats().blocked == 1


def _counts(db: Database) -> tuple[int, int, int]:
    with db.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("public.customer", "hashless.credential", "public.staged_job")
        )


def test_an_interrupted_registration_leaves_no_account(
    medusa_v1_db: Database, store: InMemoryCredentialStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Medusa's row, hashless' mark and the staged event commit together: a failure
    before the commit leaves none of them, and the Cognito user made first is removed."""
    engine = MigrationEngine(medusa_v1_db.records, store, default_registry())
    customers = medusa_v1_db.customers
    import hashless.platforms.medusa_v1.customers as module

    def crash() -> str:
        raise RuntimeError("process died after the row's INSERT")

    monkeypatch.setattr(module, "ULID", crash)
    cid = new_customer_id()
    with pytest.raises(RuntimeError):
        engine.register(
            cid,
            "ann@example.com",
            "ann password",
            lambda: customers.insert_account(cid, "ann@example.com"),
        )
    assert _counts(medusa_v1_db) == (0, 0, 0)
    assert not store.has_user(cid)


def test_a_registration_whose_answer_was_lost_can_log_in(
    medusa_v1_db: Database, store: InMemoryCredentialStore
) -> None:
    """A failure after the commit (the answer lost) keeps the Cognito user: the account
    exists and its owner logs in with the password they chose."""
    engine = MigrationEngine(medusa_v1_db.records, store, default_registry())
    cid = new_customer_id()

    def insert_then_fail() -> None:
        medusa_v1_db.customers.insert_account(cid, "ann@example.com")
        raise ConnectionError("the commit's answer was lost")

    with pytest.raises(ConnectionError):
        engine.register(cid, "ann@example.com", "ann password", insert_then_fail)
    assert _counts(medusa_v1_db) == (1, 1, 1)
    assert engine.login("ann@example.com", "ann password").customer_id == cid
