"""The medusa-v2 records and flows over Medusa's ``auth_identity``/``provider_identity``
(a hand-made copy of their shape on PostgreSQL; the real server is in test_store.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import (
    AccountExists,
    CredentialStoreUnavailable,
    InvalidCredentials,
    TooManyAttempts,
)
from hashless.legacy import VerifierRegistry
from hashless.legacy.scrypt_kdf import MedusaV2Verifier
from hashless.migration import CredentialState, MigrationEngine
from hashless.platforms.medusa_v2.app import migrate_state
from hashless.platforms.medusa_v2.flows import MedusaV2Flows, StaysWithMedusa
from hashless.platforms.medusa_v2.guard import GuardedLogins
from hashless.platforms.medusa_v2.records import MedusaV2Records
from hashless.service.limits import ACCOUNT_RULE
from hashless.service.outage import OutageWatch
from hashless.service.timing import FailureFloor
from hashless.storage import AuditLog, LoginThrottleRepository
from hashless.storage.hosted import state_engine
from tests.conftest import POSTGRES_URL
from tests.medusa_v2.schema import MEDUSA_V2_AUTH_DDL
from tests.support import ProcessDied, fence_seen_by_a_waiter

pytestmark = pytest.mark.postgres

OLD = "old password"


def _medusa_hash(password: str) -> str:
    """scrypt-kdf's layout (see hashless.legacy.scrypt_kdf) with logN 10, cheap to check;
    the verifier itself is pinned by Node's scrypt-kdf vectors in tests/legacy."""
    salt = os.urandom(32)
    header = b"scrypt\0" + bytes([10]) + (8).to_bytes(4, "big") + (1).to_bytes(4, "big") + salt
    header += hashlib.sha256(header).digest()[:16]
    key = hashlib.scrypt(password.encode(), salt=salt, n=2**10, r=8, p=1, dklen=64)
    return base64.b64encode(header + hmac.new(key[32:], header, hashlib.sha256).digest()).decode()


@pytest.fixture(scope="module")
def medusa(postgres_database: str) -> Iterator[Engine]:
    name = f"hashless_medusa_v2_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(make_url(POSTGRES_URL).set(database=name), pool_size=60)
    with engine.begin() as connection:
        connection.exec_driver_sql(MEDUSA_V2_AUTH_DDL)
    migrate_state(engine, "hashless")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def add_identity(
    engine: Engine, email: str, metadata: dict[str, object] | None, app: dict[str, str] | None
) -> str:
    identity = f"authid_{uuid.uuid4().hex}"
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO auth_identity (id, app_metadata) VALUES (:id, CAST(:app AS jsonb))"),
            {"id": identity, "app": json.dumps(app) if app is not None else None},
        )
        connection.execute(
            text(
                "INSERT INTO provider_identity (id, entity_id, provider, auth_identity_id,"
                " provider_metadata) VALUES (:pid, :email, 'emailpass', :id, CAST(:m AS jsonb))"
            ),
            {
                "pid": uuid.uuid4().hex,
                "email": email,
                "id": identity,
                "m": json.dumps(metadata) if metadata is not None else None,
            },
        )
    return identity


def metadata_of(engine: Engine, identity: str) -> object:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT provider_metadata FROM provider_identity WHERE auth_identity_id = :id"),
            {"id": identity},
        ).scalar_one()


class SlowStore(InMemoryCredentialStore):
    """Cognito's round trip, so that writers without a lock would overlap."""

    def set_password(self, username: str, password: str) -> None:
        time.sleep(0.05)
        super().set_password(username, password)


class Setup:
    def __init__(self, medusa: Engine, include_admins: bool = False) -> None:
        self.store = SlowStore()
        self.records = MedusaV2Records(
            medusa, state_schema="hashless", include_admins=include_admins
        )
        verifiers = VerifierRegistry([MedusaV2Verifier()], concurrency=32)
        engine = MigrationEngine(self.records, self.store, verifiers)
        self.flows = MedusaV2Flows(engine, self.records, self.store, include_admins=include_admins)


def email() -> str:
    return f"{uuid.uuid4().hex[:10]}@example.com"


def test_first_login_moves_the_password_and_removes_only_the_hash(medusa: Engine) -> None:
    """A legacy identity's first good login puts the password in the store under the
    auth identity id and removes ``password`` from provider_metadata, keeping other keys."""
    setup = Setup(medusa)
    address = email()
    identity = add_identity(medusa, address, {"password": _medusa_hash(OLD), "kept": 1}, None)
    assert setup.records.get(identity).state is CredentialState.LEGACY
    found = setup.flows.authenticate(address, OLD)
    assert found.id == identity
    assert metadata_of(medusa, identity) == {"kept": 1}
    assert setup.records.get(identity).state is CredentialState.COGNITO
    setup.store.check(identity, OLD)
    assert setup.flows.authenticate(address, OLD).id == identity


def test_wrong_password_unknown_email_and_outage_change_nothing(medusa: Engine) -> None:
    """Wrong password and unknown email are the same error; an outage leaves the hash."""
    setup = Setup(medusa)
    address = email()
    encoded = _medusa_hash(OLD)
    identity = add_identity(medusa, address, {"password": encoded}, None)
    for who, password in ((address, "wrong"), (email(), OLD)):
        with pytest.raises(InvalidCredentials):
            setup.flows.authenticate(who, password)
    setup.store.fail_next("create", CredentialStoreUnavailable("create", "down"))
    with pytest.raises(CredentialStoreUnavailable):
        setup.flows.authenticate(address, OLD)
    assert metadata_of(medusa, identity) == {"password": encoded}


def test_admins_stay_medusas_unless_in_scope(medusa: Engine) -> None:
    """An admin's identity is never migrated by default; with admins in scope it is."""
    address = email()
    identity = add_identity(medusa, address, {"password": _medusa_hash(OLD)}, {"user_id": "u1"})
    with pytest.raises(StaysWithMedusa):
        Setup(medusa).flows.authenticate(address, OLD)
    assert Setup(medusa).records.get(identity) is None
    assert "password" in metadata_of(medusa, identity)
    Setup(medusa, include_admins=True).flows.authenticate(address, OLD)
    assert metadata_of(medusa, identity) == {}


def test_register_then_reset_and_taken_emails(medusa: Engine) -> None:
    """Registration writes an identity without any hash; an abandoned one is handed back
    on its password, a taken email is refused; a reset sets the store's password."""
    setup = Setup(medusa)
    address = email()
    registered = setup.flows.register(address, "first password")
    assert metadata_of(medusa, registered.id) is None
    setup.store.check(registered.id, "first password")
    assert setup.flows.register(address, "first password").id == registered.id
    with pytest.raises(AccountExists):
        setup.flows.register(address, "another password")
    taken = email()
    add_identity(medusa, taken, {"password": _medusa_hash(OLD)}, {"customer_id": "cus_1"})
    with pytest.raises(AccountExists):
        setup.flows.register(taken, OLD)
    setup.flows.update(address, "second password")
    setup.store.check(registered.id, "second password")
    with pytest.raises(InvalidCredentials):
        setup.flows.update(email(), "second password")


def test_an_email_change_keeps_the_cognito_username(medusa: Engine) -> None:
    """``update`` with an email moves the identity's entity_id and the Cognito email; the
    username stays the auth identity id and the customer logs in with the new email."""
    setup = Setup(medusa)
    old, new = email(), email()
    identity = add_identity(medusa, old, {"password": _medusa_hash(OLD)}, None)
    setup.flows.authenticate(old, OLD)
    assert setup.flows.update(old, None, new).entity_id == new
    assert setup.store.email_of(identity) == new
    assert setup.flows.authenticate(new, OLD).id == identity
    with pytest.raises(InvalidCredentials):
        setup.flows.authenticate(old, OLD)
    taken = email()
    add_identity(medusa, taken, {}, None)
    with pytest.raises(AccountExists):
        setup.flows.update(new, None, taken)


def test_email_change_keeps_the_username_and_refuses_a_taken_email(medusa: Engine) -> None:
    """``set_email`` under the lock changes entity_id only; a taken email is AccountExists."""
    setup = Setup(medusa)
    first, second, third = email(), email(), email()
    identity = add_identity(medusa, first, {}, None)
    add_identity(medusa, second, {}, None)
    with setup.records.locked(identity) as locked, pytest.raises(AccountExists):
        assert locked is not None
        locked.set_email(second)
    with setup.records.locked(identity) as locked:
        assert locked is not None
        locked.set_email(third)
    record = setup.records.get(identity)
    assert record is not None and record.email == third and record.customer_id == identity


def test_concurrent_first_logins_migrate_once(medusa: Engine) -> None:
    """20 threads log one legacy customer in at once: all succeed, and under the row lock
    exactly one of them writes the password to the store; the hash is gone."""
    setup = Setup(medusa)
    address = email()
    identity = add_identity(medusa, address, {"password": _medusa_hash(OLD)}, None)
    errors: list[BaseException] = []

    def login() -> None:
        try:
            setup.flows.authenticate(address, OLD)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=login) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert metadata_of(medusa, identity) == {}
    assert setup.store.has_user(identity)
    assert setup.store.count("set_password") == 1


def test_forget_deletes_the_user_only_once_the_identity_is_gone(medusa: Engine) -> None:
    """``forget`` keeps the Cognito user while Medusa has the identity, deletes it after."""
    setup = Setup(medusa)
    registered = setup.flows.register(email(), "first password")
    assert setup.flows.forget(registered.id) is False
    assert setup.store.has_user(registered.id)
    with medusa.begin() as connection:
        connection.execute(text("DELETE FROM auth_identity WHERE id = :id"), {"id": registered.id})
    assert setup.flows.forget(registered.id) is True
    assert not setup.store.has_user(registered.id)


def guarded(setup: Setup, medusa: Engine) -> GuardedLogins:
    state = sessionmaker(state_engine(medusa, "hashless"))
    return GuardedLogins(
        setup.flows, LoginThrottleRepository(state), AuditLog(state), OutageWatch(FailureFloor(0))
    )


def test_an_outage_answers_every_login_alike(medusa: Engine) -> None:
    """Once a login found Cognito failing, an unknown email, a wrong legacy password and
    a migrated customer's login all end "unavailable", never "invalid" (which would tell
    a guesser which emails have no account); Cognito's first verdict lifts the mark for
    every login, and a wrong password is "invalid" again."""
    setup = Setup(medusa)
    logins = guarded(setup, medusa)
    migrated = setup.flows.register(email(), "first password").entity_id
    legacy = email()
    add_identity(medusa, legacy, {"password": _medusa_hash(OLD)}, None)
    setup.store.fail_next("check", CredentialStoreUnavailable("check", "down"))
    with pytest.raises(CredentialStoreUnavailable):
        logins.authenticate(migrated, "first password")
    for address, password in ((email(), "wrong"), (legacy, "wrong"), (email(), OLD)):
        with pytest.raises(CredentialStoreUnavailable):
            logins.authenticate(address, password)
    with pytest.raises(InvalidCredentials):
        logins.authenticate(migrated, "wrong")  # Cognito's own verdict: the mark goes
    with pytest.raises(InvalidCredentials):
        logins.authenticate(email(), "wrong")
    assert logins.authenticate(migrated, "first password").entity_id == migrated


def test_logins_are_limited_per_email_and_audited(medusa: Engine) -> None:
    """After the account rule's free failures even the right password is refused for a
    while (TooManyAttempts, not InvalidCredentials); failures and the refusal are in the
    audit trail of hashless' own schema, which Medusa's tables never see."""
    setup = Setup(medusa)
    logins = guarded(setup, medusa)
    address = email()
    add_identity(medusa, address, {"password": _medusa_hash(OLD)}, None)
    for _ in range(ACCOUNT_RULE.free + 1):
        with pytest.raises(InvalidCredentials):
            logins.authenticate(address, "wrong")
    with pytest.raises(TooManyAttempts):
        logins.authenticate(address, OLD)
    with medusa.connect() as connection:
        events = (
            connection.execute(
                text("SELECT event FROM hashless.audit_event WHERE detail->>'email' = :e"),
                {"e": address},
            )
            .scalars()
            .all()
        )
    assert events.count("login.failed") == ACCOUNT_RULE.free + 1
    assert "login.limited" in events


def test_blocked_is_stored_beside_the_identity_and_cleared_by_the_move(medusa: Engine) -> None:
    """``mark_blocked`` lands in the state schema's ``credential`` row: later reads say
    blocked while the hash is there; ``mark_in_store`` clears it with the hash."""
    records = Setup(medusa).records
    identity = add_identity(medusa, email(), {"password": _medusa_hash(OLD)}, None)
    with records.locked(identity) as locked:
        assert locked is not None and not locked.record.blocked
        locked.mark_blocked()
    record = records.get(identity)
    assert record is not None and record.blocked and record.state is CredentialState.LEGACY
    with records.locked(identity) as locked:
        assert locked is not None and locked.record.blocked
        locked.mark_in_store()
    record = records.get(identity)
    assert record is not None and not record.blocked
    assert record.state is CredentialState.COGNITO


def test_a_write_fence_is_kept_until_the_password_lands(medusa: Engine) -> None:
    """``fence_writes`` is read by the next locker and cleared by ``mark_in_store``; a
    deleted identity takes its mark with it."""
    records = Setup(medusa).records
    identity = add_identity(medusa, email(), {"password": _medusa_hash(OLD)}, None)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
    with records.locked(identity) as locked:
        assert locked is not None and locked.record.write_fence is None
        locked.fence_writes(until)
        assert locked.record.write_fence == until
    with records.locked(identity) as locked:
        assert locked is not None and locked.record.write_fence == until
        locked.mark_in_store()
    with records.locked(identity) as locked:
        assert locked is not None and locked.record.write_fence is None
        locked.fence_writes(until)
        locked.mark_deleted()
    with medusa.connect() as connection:
        marks = connection.execute(
            text("SELECT count(*) FROM hashless.credential WHERE customer_id = :id"),
            {"id": identity},
        ).scalar_one()
    assert marks == 0


def _waits_for_a_lock(medusa: Engine) -> bool:
    with medusa.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


def test_a_locker_that_waited_sees_the_fence_its_predecessor_set(medusa: Engine) -> None:
    """A second locker already waiting on the row lock when the first one sets the fence
    still reads it: the mark is read after the lock is granted, not in the snapshot of
    the statement that waited."""
    records = Setup(medusa).records
    identity = add_identity(medusa, email(), {"password": _medusa_hash(OLD)}, None)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)

    def waiting() -> None:
        deadline = time.monotonic() + 10
        while not _waits_for_a_lock(medusa) and time.monotonic() < deadline:
            time.sleep(0.02)

    assert fence_seen_by_a_waiter(records, identity, until, waiting) == [until]


def test_a_reset_whose_write_is_in_doubt_fences_the_next_one(medusa: Engine) -> None:
    """A reset's password write with an unknown outcome fences the identity in the state
    schema: the next reset within the window is refused as an outage, surely unsent
    (``maybe_applied=False``), and the store still holds no later password."""
    setup = Setup(medusa)
    address = email()
    registered = setup.flows.register(address, "first password")
    setup.store.fail_next("set_password", CredentialStoreUnavailable("set_password", "timeout"))
    with pytest.raises(CredentialStoreUnavailable):
        setup.flows.update(address, "second password")
    fenced = setup.records.get(registered.id)
    assert fenced is not None and fenced.write_fence is not None
    with pytest.raises(CredentialStoreUnavailable) as refused:
        setup.flows.update(address, "third password")
    assert refused.value.maybe_applied is False
    setup.store.check(registered.id, "first password")


def test_a_reset_whose_sender_dies_leaves_its_claim_as_the_fence(medusa: Engine) -> None:
    """The process dies while the store has a reset's password write (its transaction
    rolled back, no failure path run): the claim committed to the state schema before
    the write was sent stays, so the next reset is refused and the store keeps the
    password it had."""
    setup = Setup(medusa)
    address = email()
    registered = setup.flows.register(address, "first password")
    setup.store.fail_next("set_password", ProcessDied())
    with pytest.raises(ProcessDied):
        setup.flows.update(address, "second password")
    fenced = setup.records.get(registered.id)
    assert fenced is not None and fenced.write_fence is not None
    assert fenced.write_fence > datetime.now(UTC) + timedelta(seconds=60)
    with pytest.raises(CredentialStoreUnavailable):
        setup.flows.update(address, "third password")
    setup.store.check(registered.id, "first password")
