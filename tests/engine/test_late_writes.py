"""A password write whose outcome is unknown never lands after a later one (rule 6).

The store here models what a proxy in front of Cognito showed: a write that timed out
on the client is held and applied later, when the test says so. The engine fences the
customer until ``write_window`` after the failure; the tests move its clock. A write
whose sender dies is held the same way: the claim committed before it was sent is the
fence then.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import CredentialStoreUnavailable, InvalidCredentials
from hashless.legacy import VerifierRegistry
from hashless.migration import CredentialState, MigrationEngine
from hashless.storage import Database
from tests.support import PlainSha256, ProcessDied

WINDOW = timedelta(seconds=60)
OLD = "old password"
NEW = "new password"


class LateStore(InMemoryCredentialStore):
    """``hold_next()``: the next password write fails as a read timeout does, and is
    applied only at ``land()``, as Cognito applies a request its sender gave up on.
    ``die_next()``: the same, except that its sender dies while it is unanswered."""

    def __init__(self) -> None:
        super().__init__()
        self._hold: BaseException | None = None
        self.held: list[tuple[str, str]] = []

    def hold_next(self) -> None:
        self._hold = CredentialStoreUnavailable("set_password", "ReadTimeoutError (injected)")

    def die_next(self) -> None:
        self._hold = ProcessDied()

    def set_password(self, username: str, password: str) -> None:
        if self._hold is not None:
            failure, self._hold = self._hold, None
            self.held.append((username, password))
            raise failure
        super().set_password(username, password)

    def land(self) -> None:
        for username, password in self.held:
            super().set_password(username, password)
        self.held.clear()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def late() -> LateStore:
    return LateStore()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(db: Database, late: LateStore, clock: Clock) -> MigrationEngine:
    return MigrationEngine(
        db.records, late, VerifierRegistry([PlainSha256()]), write_window=WINDOW, clock=clock
    )


def test_a_reset_after_a_write_in_doubt_waits_for_it_and_is_the_last(
    engine: MigrationEngine,
    db: Database,
    late: LateStore,
    clock: Clock,
    add_legacy: Callable[[str, str], str],
) -> None:
    """First login's write times out (503); a reset is refused until the window has
    passed, then its password is the one the store keeps, the late write landing first."""
    cid = add_legacy("ann@example.com", OLD)
    late.hold_next()
    with pytest.raises(CredentialStoreUnavailable):
        engine.login("ann@example.com", OLD)
    record = db.records.get(cid)
    assert record is not None and record.state is CredentialState.LEGACY
    clock.now += timedelta(seconds=20)
    with pytest.raises(CredentialStoreUnavailable) as refused:
        engine.set_password(cid, NEW)
    assert refused.value.retry_after == 40
    assert not refused.value.maybe_applied
    late.land()  # the old password reaches the store 20 s late
    clock.now += WINDOW
    engine.set_password(cid, NEW)
    assert late.password_of(cid) == NEW
    engine.login("ann@example.com", NEW)


def test_a_login_during_the_fence_gets_in_by_the_legacy_hash(
    engine: MigrationEngine,
    db: Database,
    late: LateStore,
    clock: Clock,
    add_legacy: Callable[[str, str], str],
) -> None:
    """While a write may still land, a first login is let in by the legacy hash without
    sending anything; after the window a login migrates."""
    cid = add_legacy("ann@example.com", OLD)
    late.hold_next()
    with pytest.raises(CredentialStoreUnavailable):
        engine.login("ann@example.com", OLD)
    calls = len(late.calls)
    assert engine.login("ann@example.com", OLD).state is CredentialState.LEGACY
    assert len(late.calls) == calls
    clock.now += WINDOW + timedelta(seconds=1)
    assert engine.login("ann@example.com", OLD).state is CredentialState.COGNITO
    assert late.password_of(cid) == OLD


def test_a_write_that_surely_never_arrived_sets_no_fence(
    engine: MigrationEngine, late: LateStore, add_legacy: Callable[[str, str], str]
) -> None:
    """A failure the store says was never applied (``maybe_applied=False``) blocks nothing."""
    cid = add_legacy("ann@example.com", OLD)
    late.fail_next(
        "set_password", CredentialStoreUnavailable("set_password", "refused", maybe_applied=False)
    )
    with pytest.raises(CredentialStoreUnavailable):
        engine.set_password(cid, NEW)
    engine.set_password(cid, NEW)
    assert late.password_of(cid) == NEW


def test_a_password_change_in_doubt_fences_a_migrated_customer(
    engine: MigrationEngine,
    db: Database,
    late: LateStore,
    clock: Clock,
    add_legacy: Callable[[str, str], str],
) -> None:
    """A migrated customer's change that timed out fences the next change the same way."""
    cid = add_legacy("ann@example.com", OLD)
    engine.login("ann@example.com", OLD)
    late.hold_next()
    with pytest.raises(CredentialStoreUnavailable):
        engine.set_password(cid, "first new password")
    with pytest.raises(CredentialStoreUnavailable):
        engine.set_password(cid, NEW)
    late.land()
    clock.now += WINDOW
    engine.set_password(cid, NEW)
    assert late.password_of(cid) == NEW


def test_a_writer_that_dies_mid_write_leaves_its_claim_as_the_fence(
    engine: MigrationEngine,
    db: Database,
    late: LateStore,
    clock: Clock,
    add_legacy: Callable[[str, str], str],
) -> None:
    """First login's process dies while its write is unanswered: the claim it committed
    before sending stands. A reset right away waits briefly, then is refused with a
    short Retry-After (the claim could still be settled); later it is refused until
    the window after the longest send has passed, then goes through, the late write
    landing first."""
    cid = add_legacy("ann@example.com", OLD)
    late.die_next()
    with pytest.raises(ProcessDied):
        engine.login("ann@example.com", OLD)
    with db.records.locked(cid) as locked:
        assert locked is not None and locked.record.state is CredentialState.LEGACY
        fence = locked.record.write_fence
    # It covers the send (12 s at most) and the window after it.
    assert fence is not None and fence - clock.now > WINDOW + timedelta(seconds=12)
    started = time.monotonic()
    with pytest.raises(CredentialStoreUnavailable) as settling:
        engine.set_password(cid, NEW)
    assert time.monotonic() - started >= 1.5  # it waited for the claim's writer
    assert 1 <= settling.value.retry_after <= (fence - clock.now - WINDOW).total_seconds()
    clock.now = fence - timedelta(seconds=30)
    with pytest.raises(CredentialStoreUnavailable) as refused:
        engine.set_password(cid, NEW)
    assert refused.value.retry_after == 30
    late.land()  # the dead process's old password reaches the store late
    clock.now = fence
    engine.set_password(cid, NEW)
    assert late.password_of(cid) == NEW
    engine.login("ann@example.com", NEW)


def test_a_reset_waits_for_a_write_in_progress_instead_of_refusing(
    engine: MigrationEngine,
    db: Database,
    late: LateStore,
    clock: Clock,
    add_legacy: Callable[[str, str], str],
) -> None:
    """A reset that finds another writer's claim (a first login sending its password)
    waits for that writer to settle it, and then goes through: no 503 for a race."""
    cid = add_legacy("ann@example.com", OLD)
    with db.records.locked(cid) as locked:
        assert locked is not None
        locked.fence_writes(clock.now + WINDOW + timedelta(seconds=15))

    def settle() -> None:
        time.sleep(0.3)
        with db.records.locked(cid) as locked:
            assert locked is not None
            locked.fence_writes(None)  # the other writer's send failed, surely unapplied

    other = threading.Thread(target=settle)
    other.start()
    engine.set_password(cid, NEW)
    other.join()
    assert late.password_of(cid) == NEW


def test_a_login_waits_for_a_reset_in_progress_and_is_judged_after_it(
    engine: MigrationEngine,
    db: Database,
    late: LateStore,
    clock: Clock,
    add_legacy: Callable[[str, str], str],
) -> None:
    """A first login that finds another writer's claim (a reset sending the new
    password) waits for it to settle, then judges the password against the record the
    reset left: the old password is not let in by the hash the reset replaced."""
    cid = add_legacy("ann@example.com", OLD)
    with db.records.locked(cid) as locked:
        assert locked is not None
        locked.fence_writes(clock.now + WINDOW + timedelta(seconds=15))  # the reset's claim

    def reset_lands() -> None:
        time.sleep(0.3)
        late.create(cid, "ann@example.com")
        late.set_password(cid, NEW)
        with db.records.locked(cid) as locked:
            assert locked is not None
            locked.mark_in_store()

    reset = threading.Thread(target=reset_lands)
    reset.start()
    with pytest.raises(InvalidCredentials):
        engine.login("ann@example.com", OLD)
    reset.join()
    engine.login("ann@example.com", NEW)
