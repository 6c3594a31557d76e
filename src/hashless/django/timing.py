"""Failed logins take alike time, whoever they were for.

The three ways a login fails cost very different amounts: an unknown username costs
a database lookup (plus, with ``ModelBackend`` and most backends built on it, a dummy
local hash), a wrong password for a migrated user a Cognito round trip, a wrong
password for a user still on a legacy hash a full legacy hash (~0.2 s for Django's
PBKDF2). hashless pads each of them to one floor, the larger of
``HASHLESS["LOGIN_FLOOR_SECONDS"]`` and the slowest of the last ``WINDOW`` real
verifications and local hashes this process made, at most ``MAX_FLOOR_SECONDS``:
every failed ``user.check_password()`` (``hashless.django.checking``), every local
hash ``CognitoPasswordHasher`` makes (so the dummy hash of an unknown user costs a
floor too, whichever backend made it) and ``CognitoBackend``'s unknown users.
Successful checks are not padded: they reveal the account anyway.

While the credential store is failing, every failed login is answered with the
outage error, not with "wrong password": otherwise an outage would tell unknown
users (a plain "wrong password") from migrated ones (an error page).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from hashless.django.conf import DEFAULT_LOGIN_FLOOR_SECONDS, hashless_settings
from hashless.errors import ConfigurationError

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

    def pad(self, started: float, minimum: float | None = None) -> None:
        """Sleep until ``started`` (a ``time.monotonic()``) plus the floor.

        ``minimum`` defaults to ``HASHLESS["LOGIN_FLOOR_SECONDS"]``.
        """
        if minimum is None:
            minimum = _configured_minimum()
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


def _configured_minimum() -> float:
    try:
        return hashless_settings().login_floor_seconds
    except ConfigurationError:
        # Reported by the system checks; hashing must not fail for it.
        return DEFAULT_LOGIN_FLOOR_SECONDS


login_timing = LoginTiming()
