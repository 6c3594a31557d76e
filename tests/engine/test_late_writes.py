"""A password write whose outcome is unknown never lands after a later one (rule 6).

The store here models what a proxy in front of Cognito showed: a write that timed out
on the client is held and applied later, when the test says so. The engine fences the
customer until ``write_window`` after the failure; the tests move its clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.errors import CredentialStoreUnavailable
from hashless.legacy import VerifierRegistry
from hashless.migration import CredentialState, MigrationEngine
from hashless.storage import Database
from tests.support import PlainSha256

WINDOW = timedelta(seconds=60)
OLD = "old password"
NEW = "new password"


class LateStore(InMemoryCredentialStore):
    """``hold_next()``: the next password write fails as a read timeout does, and is
    applied only at ``land()``, as Cognito applies a request its sender gave up on."""

    def __init__(self) -> None:
        super().__init__()
        self._hold = False
        self.held: list[tuple[str, str]] = []

    def hold_next(self) -> None:
        self._hold = True

    def set_password(self, username: str, password: str) -> None:
        if self._hold:
            self._hold = False
            self.held.append((username, password))
            raise CredentialStoreUnavailable("set_password", "ReadTimeoutError (injected)")
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
