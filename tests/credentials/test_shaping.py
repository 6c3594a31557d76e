"""Quota shaping: Cognito's per-category rates held on this host, excess refused at once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hashless.credentials.memory import InMemoryCredentialStore
from hashless.credentials.shaping import QuotaCategory, QuotaShapedStore, SharedTokenBuckets
from hashless.errors import ConfigurationError, CredentialStoreThrottled

AUTH = QuotaCategory.AUTHENTICATION


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeSleep:
    """Records the waits asked for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _buckets(
    path: Path, clock: FakeClock, rates: dict[QuotaCategory, float], burst: float = 0.1
) -> SharedTokenBuckets:
    return SharedTokenBuckets(path / "quota.bin", rates, burst_seconds=burst, clock=clock)


def _store_with_user() -> InMemoryCredentialStore:
    store = InMemoryCredentialStore()
    store.create("cus_1", "ann@example.com")
    store.set_password("cus_1", "correct horse")
    store.calls.clear()
    return store


def test_admits_the_configured_rate_and_no_more(tmp_path: Path, clock: FakeClock) -> None:
    """Offered 1000 calls/s for 10 s against a 120/s limit, about 120/s pass (plus the burst)."""
    buckets = _buckets(tmp_path, clock, {AUTH: 120.0})
    admitted = 0
    for _ in range(10_000):
        clock.now += 0.001
        if buckets.reserve(AUTH, max_wait=0.0) is not None:
            admitted += 1
    # 10 s at 120/s, plus the initial burst of 12 (0.1 s worth), give or take one.
    assert 1200 <= admitted <= 1213


def test_excess_is_refused_before_the_store_is_called(tmp_path: Path, clock: FakeClock) -> None:
    """A call beyond the rate raises CredentialStoreThrottled with Retry-After and never
    reaches Cognito; nothing sleeps longer than max_wait."""
    store = _store_with_user()
    sleep = FakeSleep()
    shaped = QuotaShapedStore(
        store, _buckets(tmp_path, clock, {AUTH: 10.0}), max_wait=0.05, sleep=sleep
    )
    shaped.check("cus_1", "correct horse")  # the burst of one token
    with pytest.raises(CredentialStoreThrottled) as caught:
        shaped.check("cus_1", "correct horse")
    assert caught.value.retry_after >= 1
    assert store.count("check") == 1
    assert all(wait <= 0.05 for wait in sleep.waits)
    assert "correct horse" not in str(caught.value)


def test_a_short_wait_smooths_a_burst(tmp_path: Path, clock: FakeClock) -> None:
    """Calls that the bucket can serve within max_wait wait their turn, spaced at the rate."""
    store = _store_with_user()
    sleep = FakeSleep()
    shaped = QuotaShapedStore(
        store, _buckets(tmp_path, clock, {AUTH: 100.0}), max_wait=0.1, sleep=sleep
    )
    admitted = 0
    refused = 0
    for _ in range(30):  # all at the same instant
        try:
            shaped.check("cus_1", "correct horse")
            admitted += 1
        except CredentialStoreThrottled:
            refused += 1
    # A burst of 10, then 10 more within the next 0.1 s, then refusals.
    assert (admitted, refused) == (20, 10)
    assert sleep.waits == pytest.approx([0.01 * n for n in range(1, 11)])
    assert store.count("check") == 20


def test_a_prepaid_call_is_paid_once_and_an_unused_ticket_comes_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    """pay_ahead takes the token; the call inside ``prepaid`` takes no other; a ticket no
    call used is refunded, never above the bucket's capacity."""
    store = _store_with_user()
    buckets = _buckets(tmp_path, clock, {AUTH: 10.0})  # capacity 1
    shaped = QuotaShapedStore(store, buckets, max_wait=0.0)

    ticket = shaped.pay_ahead(AUTH, "check")
    with shaped.prepaid(ticket):
        shaped.check("cus_1", "correct horse")
    assert ticket.used
    with pytest.raises(CredentialStoreThrottled):
        shaped.pay_ahead(AUTH, "check")

    clock.now += 0.1  # the token is back
    unused = shaped.pay_ahead(AUTH, "check")
    with shaped.prepaid(unused):
        pass
    buckets.refund(AUTH)  # a stray refund cannot raise the bucket above capacity
    assert buckets.reserve(AUTH, max_wait=0.0) == 0.0
    assert buckets.reserve(AUTH, max_wait=0.0) is None
    assert store.count("check") == 1


def test_each_operation_draws_on_its_own_category(tmp_path: Path, clock: FakeClock) -> None:
    """Logins, creations, password sets and updates have separate budgets; 0 means no limit."""
    store = InMemoryCredentialStore()
    rates = {
        QuotaCategory.AUTHENTICATION: 0.0,
        QuotaCategory.CREATION: 1.0,
        QuotaCategory.ACCOUNT_RECOVERY: 1.0,
        QuotaCategory.UPDATE: 1.0,
    }
    shaped = QuotaShapedStore(store, _buckets(tmp_path, clock, rates), max_wait=0.0)
    assert shaped.create("cus_1", "ann@example.com")
    shaped.set_password("cus_1", "correct horse")
    shaped.update_email("cus_1", "ann@example.org")
    for _ in range(50):
        shaped.check("cus_1", "correct horse")  # unlimited
    for refused in (
        lambda: shaped.create("cus_2", "bob@example.com"),
        lambda: shaped.set_password("cus_1", "another one"),
        lambda: shaped.delete("cus_1"),  # shares UserUpdate with update_email
    ):
        with pytest.raises(CredentialStoreThrottled):
            refused()
    assert store.count("create") == 1
    assert store.count("set_password") == 1
    assert store.count("delete") == 0


_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from hashless.credentials.shaping import QuotaCategory, SharedTokenBuckets
    buckets = SharedTokenBuckets(
        Path(sys.argv[1]), {QuotaCategory.AUTHENTICATION: 0.001}, burst_seconds=5000
    )
    print(sum(buckets.reserve(QuotaCategory.AUTHENTICATION, 0.0) is not None for _ in range(3)))
    """
)


def test_worker_processes_share_one_budget(tmp_path: Path) -> None:
    """Two processes on one file draw from one bucket: what one took, the other cannot."""
    path = tmp_path / "quota.bin"
    # A bucket of 5 tokens that refills one token every 1000 s: no timing in play.
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.stdout.strip() == "3"
    buckets = SharedTokenBuckets(path, {AUTH: 0.001}, burst_seconds=5000)
    taken = [buckets.reserve(AUTH, 0.0) is not None for _ in range(3)]
    assert taken == [True, True, False]


def test_refuses_a_planted_symlink(tmp_path: Path, clock: FakeClock) -> None:
    """In a shared folder the file could be a symlink to the user's own data: refused."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "quota.bin").symlink_to(victim)
    with pytest.raises(ConfigurationError, match="HASHLESS_COGNITO_RATE_FILE"):
        _buckets(tmp_path, clock, {AUTH: 1.0})
    assert victim.read_text() == "keep me"
