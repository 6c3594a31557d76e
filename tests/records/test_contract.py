"""The ``CredentialRecords`` contract, run against every adapter alike.

What the engine's safety argument needs from a host: live accounts only, an
exclusive lock per customer whose changes commit at its exit and vanish on an
exception, ``mark_in_store`` emptying the hash, ``set_email`` refusing a taken email,
a write fence (and a write's claim) kept exactly and seen by every later locker.
"""

from __future__ import annotations

import threading
import time

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import AccountExists, InvalidCredentials
from hashless.legacy import VerifierRegistry
from hashless.migration import CredentialState, MigrationEngine
from hashless.migration.engine import DEFAULT_WRITE_WINDOW
from tests.records.conftest import Adapter
from tests.support import PlainSha256, ProcessDied, fence_seen_by_a_waiter

HASH = PlainSha256.encode("old password")


def test_only_live_accounts_are_found(adapter: Adapter) -> None:
    """Guests, deleted customers and unknown ids or emails are not accounts; case is folded."""
    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    guest = adapter.add_other("guest@example.com", False, False)
    gone = adapter.add_other("gone@example.com", True, True)
    found = records.find_by_email("ANN@Example.com")
    assert found is not None and found.customer_id == cid
    assert found.state is CredentialState.LEGACY and found.legacy_hash == HASH
    assert records.get(cid) == found
    for email, customer_id in (("guest@example.com", guest), ("gone@example.com", gone)):
        assert records.find_by_email(email) is None
        assert records.get(customer_id) is None
    assert records.find_by_email("nobody@example.com") is None
    assert records.get("cus_unknown") is None


def test_locked_yields_none_for_no_account(adapter: Adapter) -> None:
    """Locking a customer that is not a live account yields None."""
    guest = adapter.add_other("guest@example.com", False, False)
    for customer_id in ("cus_unknown", guest):
        with adapter.db.records.locked(customer_id) as locked:
            assert locked is None


def test_mark_in_store_empties_the_hash_at_the_locks_exit(adapter: Adapter) -> None:
    """Inside the lock the record says cognito at once; others see it only after the exit."""
    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    with records.locked(cid) as locked:
        assert locked is not None and locked.record.legacy_hash == HASH
        locked.mark_in_store()
        assert locked.record.state is CredentialState.COGNITO
        assert locked.record.legacy_hash is None
        seen = threading.Thread(target=lambda: outside.append(records.get(cid)))
        outside: list[object] = []
        seen.start()
        seen.join()
    assert outside[0] is not None and outside[0].state is CredentialState.LEGACY  # type: ignore[attr-defined]
    after = records.get(cid)
    assert after is not None and after.state is CredentialState.COGNITO
    assert after.legacy_hash is None and not after.blocked


def test_an_exception_discards_every_change(adapter: Adapter) -> None:
    """A lock left by an exception changes nothing: the legacy hash is still there."""
    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    before = records.get(cid)
    with pytest.raises(RuntimeError), records.locked(cid) as locked:
        assert locked is not None
        locked.mark_in_store()
        locked.set_email("new@example.com")
        raise RuntimeError("crash")
    assert records.get(cid) == before


def test_mark_blocked_keeps_the_hash(adapter: Adapter) -> None:
    """A blocked customer stays on the legacy hash, marked blocked."""
    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    with records.locked(cid) as locked:
        assert locked is not None
        locked.mark_blocked()
    after = records.get(cid)
    assert after is not None and after.state is CredentialState.LEGACY
    assert after.legacy_hash == HASH and after.blocked
    assert adapter.db.customers.credential_stats().blocked == 1


def test_set_email_moves_the_account_and_refuses_a_taken_email(adapter: Adapter) -> None:
    """The new email finds the account, the old no longer does; another account's email
    raises AccountExists and the lock's changes are discarded."""
    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    adapter.add_legacy("bob@example.com", HASH)
    with records.locked(cid) as locked:
        assert locked is not None
        locked.set_email("anna@example.com")
    assert records.find_by_email("ann@example.com") is None
    moved = records.find_by_email("anna@example.com")
    assert moved is not None and moved.customer_id == cid
    with pytest.raises(AccountExists), records.locked(cid) as locked:
        assert locked is not None
        locked.set_email("bob@example.com")
    assert records.get(cid) == moved


def test_mark_deleted_ends_the_account(adapter: Adapter) -> None:
    """A deleted customer is no longer found, by id or by email."""
    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    with records.locked(cid) as locked:
        assert locked is not None
        locked.mark_deleted()
    assert records.get(cid) is None and records.find_by_email("ann@example.com") is None


def test_two_lockers_of_one_customer_never_overlap(adapter: Adapter) -> None:
    """A second locker waits until the first one's lock has ended."""
    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with records.locked(cid):
            order.append("first in")
            first_in.set()
            time.sleep(0.3)  # the second locker is waiting meanwhile
            order.append("first out")

    def second() -> None:
        first_in.wait()
        with records.locked(cid):
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order == ["first in", "first out", "second in"]


def _engine(adapter: Adapter, store: InMemoryCredentialStore) -> MigrationEngine:
    return MigrationEngine(adapter.db.records, store, VerifierRegistry([PlainSha256()]))


def test_first_login_migrates_and_empties_the_hash(adapter: Adapter) -> None:
    """The engine over the adapter: the legacy password logs in, lands in the store, and
    the next login is the store's alone."""
    store = InMemoryCredentialStore()
    engine = _engine(adapter, store)
    cid = adapter.add_legacy("ann@example.com", HASH)
    assert engine.login("ann@example.com", "old password").state is CredentialState.COGNITO
    assert store.password_of(cid) == "old password"
    after = adapter.db.records.get(cid)
    assert after is not None and after.legacy_hash is None
    with pytest.raises(InvalidCredentials):
        engine.login("ann@example.com", "wrong password")
    assert adapter.db.customers.credential_stats().cognito == 1


def test_concurrent_first_logins_migrate_once(adapter: Adapter) -> None:
    """Sixteen simultaneous first logins: one store user, one password set, all succeed."""
    store = InMemoryCredentialStore()
    engine = _engine(adapter, store)
    cid = adapter.add_legacy("ann@example.com", HASH)
    barrier = threading.Barrier(16)
    results: list[object] = []

    def login() -> None:
        barrier.wait()
        try:
            results.append(engine.login("ann@example.com", "old password"))
        except Exception as exc:  # collected and asserted below
            results.append(exc)

    threads = [threading.Thread(target=login) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not isinstance(r, Exception) for r in results), results
    assert store.count("create") == 1 and store.count("set_password") == 1
    assert store.password_of(cid) == "old password"


def test_a_write_fence_is_kept_until_the_password_lands(adapter: Adapter) -> None:
    """``fence_writes`` is seen by the next locker (another transaction), and
    ``mark_in_store`` clears it with the hash."""
    from datetime import UTC, datetime, timedelta

    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
    with records.locked(cid) as locked:
        assert locked is not None and locked.record.write_fence is None
        locked.fence_writes(until)
        assert locked.record.write_fence == until
    with records.locked(cid) as locked:
        assert locked is not None and locked.record.write_fence == until
        assert locked.record.state is CredentialState.LEGACY
        locked.mark_in_store()
    with records.locked(cid) as locked:
        assert locked is not None and locked.record.write_fence is None


def test_a_locker_that_waited_sees_the_fence_its_predecessor_set(adapter: Adapter) -> None:
    """A locker already waiting when the holder sets the fence reads it once its turn
    comes (PostgreSQL: a row the lock statement joins is read in that statement's
    snapshot, which predates the holder's commit)."""
    from datetime import UTC, datetime, timedelta

    cid = adapter.add_legacy("ann@example.com", HASH)
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
    # The second locker is waiting after 0.3 s (if not, the test cannot fail, not flake).
    seen = fence_seen_by_a_waiter(adapter.db.records, cid, until, lambda: time.sleep(0.3))
    assert seen == [until]


def test_a_writes_claim_is_committed_before_the_password_is_sent(adapter: Adapter) -> None:
    """While the store is being sent a password, another connection already reads the
    writer's claim (rule 6), and it outlives the writer's death mid-send: the next
    locker finds it, to the second, and the legacy hash still in effect."""
    from datetime import UTC, datetime

    records = adapter.db.records
    cid = adapter.add_legacy("ann@example.com", HASH)
    seen: list[datetime | None] = []

    class DyingStore(InMemoryCredentialStore):
        def set_password(self, username: str, password: str) -> None:
            record = records.get(username)  # its own connection, outside the lock
            seen.append(record.write_fence if record is not None else None)
            raise ProcessDied()

    with pytest.raises(ProcessDied):
        _engine(adapter, DyingStore()).login("ann@example.com", "old password")
    (claim,) = seen
    assert claim is not None and claim > datetime.now(UTC) + DEFAULT_WRITE_WINDOW
    with records.locked(cid) as locked:
        assert locked is not None and locked.record.write_fence == claim
        assert locked.record.state is CredentialState.LEGACY
        locked.fence_writes(None)
    with records.locked(cid) as locked:
        assert locked is not None and locked.record.write_fence is None
