"""The Cognito budget shared through Redis: one bucket for every host, a safe local share
when Redis is slow or gone, and no login refused because of Redis alone."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from harness import RedisServer

from hashless.credentials import redis_quota
from hashless.credentials.redis_quota import RedisTokenBuckets
from hashless.credentials.shaping import QuotaCategory, SharedTokenBuckets
from hashless.errors import ConfigurationError

pytestmark = pytest.mark.redis

AUTH = QuotaCategory.AUTHENTICATION


class Fallbacks:
    """Opens the host's file buckets at rate / divisor, and records the divisors asked."""

    def __init__(self, folder: Path, rate: float) -> None:
        self.folder = folder
        self.rate = rate
        self.divisors: list[int] = []

    def __call__(self, divisor: int) -> SharedTokenBuckets:
        self.divisors.append(divisor)
        return SharedTokenBuckets(
            self.folder / "fallback.bin", {AUTH: self.rate / divisor}, burst_seconds=0.1
        )


@pytest.fixture
def make_buckets(
    redis_server: RedisServer, tmp_path: Path
) -> Iterator[Callable[..., tuple[RedisTokenBuckets, Fallbacks]]]:
    url = redis_server.url
    made: list[RedisTokenBuckets] = []

    def make(
        host: str = "host-a", rate: float = 50.0, burst: float = 0.1
    ) -> tuple[RedisTokenBuckets, Fallbacks]:
        fallbacks = Fallbacks(tmp_path / host, rate)
        fallbacks.folder.mkdir(exist_ok=True)
        buckets = RedisTokenBuckets(
            redis_quota.connect(url),
            "test:quota",
            host,
            {AUTH: rate},
            fallbacks,
            burst_seconds=burst,
        )
        made.append(buckets)
        return buckets, fallbacks

    yield make
    for buckets in made:
        buckets.close()


def test_two_hosts_draw_from_one_bucket(
    make_buckets: Callable[..., tuple[RedisTokenBuckets, Fallbacks]],
) -> None:
    """Two hosts each offering far more than the rate for 1.5 s get the rate between them
    (plus the burst), not twice it: the bucket is one, in Redis."""
    hosts = [make_buckets("host-a")[0], make_buckets("host-b")[0]]
    admitted = [0, 0]
    started = time.monotonic()

    def offer(index: int) -> None:
        while time.monotonic() - started < 1.5:
            if hosts[index].reserve(AUTH, 0.0) is not None:
                admitted[index] += 1
            time.sleep(0.001)

    threads = [threading.Thread(target=offer, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    # At most rate x elapsed plus the burst of 5; each host alone would have got as much.
    assert sum(admitted) <= 50 * elapsed + 5 + 1
    assert sum(admitted) >= 50 * 1.5 * 0.5
    assert min(admitted) > 0


def test_waits_are_spaced_at_the_rate_and_the_excess_is_refused(
    make_buckets: Callable[..., tuple[RedisTokenBuckets, Fallbacks]],
) -> None:
    """With one token of burst at 10/s, calls at one instant wait 0, 0.1, 0.2 s, and the
    one that would wait beyond max_wait is refused with a Retry-After of whole seconds."""
    buckets, _ = make_buckets(rate=10.0)
    waits = [buckets.reserve(AUTH, 0.25) for _ in range(4)]
    assert waits[0] == 0.0
    assert waits[1] == pytest.approx(0.1, abs=0.03)
    assert waits[2] == pytest.approx(0.2, abs=0.03)
    assert waits[3] is None
    assert buckets.retry_after(AUTH) == 1


def test_a_refund_gives_the_token_back_never_above_capacity(
    make_buckets: Callable[..., tuple[RedisTokenBuckets, Fallbacks]],
) -> None:
    """A token given back serves the next call; refunds beyond the capacity are lost."""
    buckets, _ = make_buckets(rate=1.0)  # capacity 1, a token a second
    assert buckets.reserve(AUTH, 0.0) == 0.0
    assert buckets.reserve(AUTH, 0.0) is None
    buckets.refund(AUTH)
    buckets.refund(AUTH)
    assert buckets.reserve(AUTH, 0.0) == 0.0
    assert buckets.reserve(AUTH, 0.0) is None


def test_an_unlimited_category_needs_no_redis(
    make_buckets: Callable[..., tuple[RedisTokenBuckets, Fallbacks]], redis_server: RedisServer
) -> None:
    """A category without a rate is never held, Redis or not."""
    buckets, fallbacks = make_buckets()
    redis_server.stop()
    assert buckets.reserve(QuotaCategory.UPDATE, 0.0) == 0.0
    assert buckets.rate(QuotaCategory.UPDATE) is None
    assert fallbacks.divisors == []


def test_redis_down_falls_back_to_this_hosts_share_and_logs_once(
    make_buckets: Callable[..., tuple[RedisTokenBuckets, Fallbacks]],
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With Redis gone, calls go on at rate / hosts last seen (2 here) in the host's own
    file buckets, never refused for the failure itself; one warning, not one per call."""
    host_a, fallbacks = make_buckets("host-a", rate=40.0)
    host_b, _ = make_buckets("host-b", rate=40.0)
    assert host_a.reserve(AUTH, 0.0) is not None
    assert host_b.reserve(AUTH, 0.0) is not None
    assert host_a.reserve(AUTH, 0.0) is not None  # host A has now seen two hosts
    redis_server.stop()
    caplog.set_level(logging.WARNING, "hashless.quota")
    waits = [host_a.reserve(AUTH, 0.0) for _ in range(3)]
    assert waits == [0.0, 0.0, None]  # the fallback share: 20/s, a burst of 2
    assert fallbacks.divisors == [2]
    assert not host_a.shared
    warnings = [r for r in caplog.records if r.name == "hashless.quota"]
    assert len(warnings) == 1 and "1/2" in warnings[0].getMessage()


def test_a_redis_that_hangs_costs_one_short_timeout_then_recovers(
    make_buckets: Callable[..., tuple[RedisTokenBuckets, Fallbacks]],
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Redis that stops answering (SIGSTOP) delays one call by the short socket timeout,
    not seconds; the next calls do not try it at all; once it answers again the
    shared bucket is used once more, and the recovery is logged once."""
    monkeypatch.setattr(redis_quota, "RETRY_SECONDS", 0.1)
    buckets, fallbacks = make_buckets(rate=100.0)
    assert buckets.reserve(AUTH, 0.0) == 0.0
    caplog.set_level(logging.WARNING, "hashless.quota")
    redis_server.pause()
    try:
        started = time.monotonic()
        first = buckets.reserve(AUTH, 0.0)
        took = time.monotonic() - started
        started = time.monotonic()
        second = buckets.reserve(AUTH, 0.0)
        skipped = time.monotonic() - started
        time.sleep(0.3)  # the probe finds it still hung
        assert not buckets.shared
    finally:
        redis_server.resume()
    assert first is not None and second is not None
    assert took < 1.5  # the socket timeout is 0.2 s; seconds would mean retries
    assert skipped < 0.1  # no attempt on Redis: that would take the 0.2 s timeout
    deadline = time.monotonic() + 5
    while not buckets.shared:
        assert time.monotonic() < deadline, "the probe never saw Redis answer again"
        time.sleep(0.02)
    assert buckets.reserve(AUTH, 0.0) is not None
    messages = [r.getMessage() for r in caplog.records if r.name == "hashless.quota"]
    assert len(messages) == 2
    assert "out of reach" in messages[0] and "answers again" in messages[1]
    assert fallbacks.divisors == [1]  # only this host had drawn


def test_a_process_that_never_reached_redis_assumes_two_hosts(tmp_path: Path) -> None:
    """Redis unreachable from the start: the share is half the rates, and logins go on."""
    fallbacks = Fallbacks(tmp_path, 10.0)
    buckets = RedisTokenBuckets(
        redis_quota.connect("redis://127.0.0.1:1/0"), "test:quota", "h", {AUTH: 10.0}, fallbacks
    )
    try:
        assert buckets.reserve(AUTH, 0.0) == 0.0
    finally:
        buckets.close()
    assert fallbacks.divisors == [2]


def test_a_bad_url_is_a_configuration_error_that_repeats_no_password() -> None:
    """A mistyped URL stops start-up with one line naming the setting, without the URL."""
    with pytest.raises(ConfigurationError, match="HASHLESS_QUOTA_REDIS_URL") as caught:
        redis_quota.connect("http://user:s3cret-pw@redis:6379")
    assert "s3cret-pw" not in str(caught.value)


def test_the_service_wiring_shares_the_budget_between_hosts_through_redis(
    redis_server: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HASHLESS_QUOTA_REDIS_URL, two hosts (each its own rate file) draw from one
    budget: the second host's call beyond it is refused, naming the budget "across hosts".
    Without it each host's file would have let both calls through."""
    from hashless.config import Settings
    from hashless.credentials.memory import InMemoryCredentialStore
    from hashless.errors import CredentialStoreThrottled
    from hashless.service.cognito_setup import quota_shaped

    monkeypatch.setenv("HASHLESS_QUOTA_REDIS_URL", redis_server.url)
    monkeypatch.setenv("HASHLESS_COGNITO_RATE_AUTH", "1")
    monkeypatch.setenv("HASHLESS_COGNITO_RATE_MAX_WAIT_MS", "0")
    store = InMemoryCredentialStore()
    store.create("cus_1", "ann@example.com")
    store.set_password("cus_1", "correct horse")
    hosts = []
    for name in ("a", "b"):
        monkeypatch.setenv("HASHLESS_COGNITO_RATE_FILE", str(tmp_path / f"{name}.bin"))
        hosts.append(quota_shaped(store, Settings(), key="us-east-1_Wiring"))
    hosts[0].check("cus_1", "correct horse")
    with pytest.raises(CredentialStoreThrottled, match="across hosts"):
        hosts[1].check("cus_1", "correct horse")
