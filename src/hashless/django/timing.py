"""Failed logins take alike time, whoever they were for.

The three ways a login fails cost very different amounts: an unknown username costs
a database lookup, a wrong password for a migrated user a Cognito round trip, a wrong
password for a user still on a legacy hash a full local hash (~0.2 s for Django's
PBKDF2). Django's own answer, hashing a throw-away password for unknown users, would
make unknown users cost a local hash and migrated ones a round trip. hashless instead
pads every failed ``authenticate()`` to one floor, the larger of
``HASHLESS["LOGIN_FLOOR_SECONDS"]`` and the slowest of the last ``WINDOW`` real
verifications this process made (legacy or Cognito), at most ``MAX_FLOOR_SECONDS``.
Successful logins are not padded: they reveal the account anyway.

While the credential store is failing, every failed login is answered with the
outage error, not with "wrong password": otherwise an outage would tell unknown
users (a plain "wrong password") from migrated ones (an error page).
"""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["MAX_FLOOR_SECONDS", "WINDOW", "LoginTiming", "login_timing"]

WINDOW = 64
MAX_FLOOR_SECONDS = 3.0
OUTAGE_SECONDS_CAP = 30.0


class LoginTiming:
    """Per-process bookkeeping of verification times and of credential-store outages."""

    def __init__(self) -> None:
        self._samples: deque[float] = deque(maxlen=WINDOW)
        self._outage_until = 0.0
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        """Record how long one real verification (legacy hash or Cognito) took."""
        with self._lock:
            self._samples.append(seconds)

    def floor(self, minimum: float) -> float:
        with self._lock:
            slowest = max(self._samples, default=0.0)
        return min(max(minimum, slowest), max(minimum, MAX_FLOOR_SECONDS))

    def pad(self, started: float, minimum: float) -> None:
        """Sleep until ``started`` (a ``time.monotonic()``) plus the floor."""
        remaining = started + self.floor(minimum) - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def note_outage(self, retry_after: float) -> None:
        until = time.monotonic() + min(max(retry_after, 1.0), OUTAGE_SECONDS_CAP)
        with self._lock:
            self._outage_until = max(self._outage_until, until)

    def in_outage(self) -> bool:
        return time.monotonic() < self._outage_until

    def reset(self) -> None:
        with self._lock:
            self._samples.clear()
            self._outage_until = 0.0


login_timing = LoginTiming()
