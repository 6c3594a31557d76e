"""Equal answer times for failed logins, whatever path failed.

An unknown email costs a database read, a wrong Medusa v1 password ~10 µs, a wrong
Medusa v2 password ~160 ms and a migrated customer a Cognito round trip: Django's
CVE-2016-2513 situation. Instead of faking each path's work, every failed answer is
held until one common deadline that exceeds the slowest path, learnt from the
failures themselves. The wait is an ``await``, so it holds no worker thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import anyio

__all__ = ["FailureFloor"]


class FailureFloor:
    """Pads failed answers to a deadline above the slowest failure path seen.

    The deadline starts at ``minimum`` and only ever rises (to ``margin`` times the
    95th percentile of recent natural durations, at most ``ceiling``): a deadline
    that wandered up and down would itself blur into timing noise that differs
    between paths. Configure ``minimum`` above the slowest path (a Medusa v2 hash
    plus a Cognito round trip) and it never needs to move.
    """

    def __init__(
        self, minimum: float, *, margin: float = 1.25, ceiling: float = 3.0, window: int = 256
    ) -> None:
        self.minimum = minimum
        self._margin = margin
        self._ceiling = max(ceiling, minimum)
        self._samples: deque[float] = deque(maxlen=window)
        self._lock = threading.Lock()
        self._target = minimum

    def observe(self, seconds: float) -> None:
        """Learn the natural cost of one failed attempt (before any padding)."""
        with self._lock:
            self._samples.append(seconds)
            ordered = sorted(self._samples)
            p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
            self._target = min(self._ceiling, max(self._target, self.minimum, p95 * self._margin))

    @property
    def target(self) -> float:
        return self._target

    async def pad(self, started: float) -> None:
        """Sleep until ``target`` seconds after ``started`` (a ``time.monotonic()`` value)."""
        remaining = self._target - (time.monotonic() - started)
        if remaining > 0:
            await anyio.sleep(remaining)
