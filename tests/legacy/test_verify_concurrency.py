"""VerifierRegistry bounds how many legacy hashes are checked at once."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from hashless.config import Settings
from hashless.errors import MalformedHash
from hashless.legacy import VerifierRegistry, default_registry


class _Gauge:
    """A verifier that holds each check until released and records the most at once."""

    name = "gauge"

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)
        self._lock = threading.Lock()

    def identify(self, encoded: str) -> bool:
        return True

    def verify(self, password: str, encoded: str) -> bool:
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.entered.release()
        try:
            assert self.release.wait(10)
            if encoded == "malformed":
                raise MalformedHash(self.name, "test")
            return password == encoded
        finally:
            with self._lock:
                self.running -= 1


def _burst(registry: VerifierRegistry, gauge: _Gauge, encoded: list[str]) -> list[bool]:
    with ThreadPoolExecutor(len(encoded)) as pool:
        results = [
            pool.submit(registry.verify, "pw", value, format_name="gauge") for value in encoded
        ]
        for _ in range(registry.concurrency):
            assert gauge.entered.acquire(timeout=10)
        # Give the other threads the chance to get in too, if the bound let them.
        assert not gauge.entered.acquire(timeout=0.2)
        gauge.release.set()
        return [result.result(timeout=10) for result in results]


def test_no_more_than_the_bound_verify_at_once() -> None:
    """Twelve simultaneous checks against a bound of 3: three run, the rest wait, all finish."""
    gauge = _Gauge()
    registry = VerifierRegistry([gauge], concurrency=3)

    results = _burst(registry, gauge, ["pw"] * 6 + ["other"] * 6)

    assert gauge.most == 3
    assert results == [True] * 6 + [False] * 6


def test_a_failing_check_gives_its_slot_back() -> None:
    """A malformed hash raises inside the bound; its slot is released, so later checks run."""
    gauge = _Gauge()
    registry = VerifierRegistry([gauge], concurrency=1)
    gauge.release.set()

    assert registry.verify("pw", "malformed", format_name="gauge") is False
    assert registry.verify("pw", "pw", format_name="gauge") is True
    assert gauge.most == 1


def test_the_bound_defaults_to_the_cpu_count_and_follows_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Unset, the bound is the CPU count; HASHLESS_LEGACY_VERIFY_CONCURRENCY overrides it."""
    assert default_registry().concurrency == (os.cpu_count() or 1)
    monkeypatch.setenv("HASHLESS_LEGACY_VERIFY_CONCURRENCY", "5")
    settings = Settings()
    assert default_registry(concurrency=settings.legacy_verify_concurrency).concurrency == 5


def test_a_bound_below_one_is_refused() -> None:
    """Zero would block every legacy login forever: refused when the registry is built."""
    with pytest.raises(ValueError, match="at least 1"):
        VerifierRegistry([], concurrency=0)
